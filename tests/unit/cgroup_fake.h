/* Fake cgroupfs trees for the cgroup unit tests: plain directories and
 * files in a temp dir, plus a mountinfo that says which of them are cgroup
 * mounts.  The kernel creates a cgroup's files at mkdir; a fake tree cannot,
 * so a test creates the container's leaf with the files it expects first
 * (the driver then finds an empty existing leaf and adopts it).  The driver
 * writes with O_APPEND, so every write stays in the fake file, in order. */
#ifndef CLAWRT_TEST_CGROUP_FAKE_H
#define CLAWRT_TEST_CGROUP_FAKE_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup/cgroup.h"
#include "util.h"

static int failures, count;
#define CHECK(cond, ...)                                                                       \
  do {                                                                                         \
    count++;                                                                                   \
    if (cond)                                                                                  \
      printf("ok %d - ", count);                                                               \
    else {                                                                                     \
      printf("not ok %d - ", count);                                                           \
      failures++;                                                                              \
    }                                                                                          \
    printf(__VA_ARGS__);                                                                       \
    printf("\n");                                                                              \
  } while (0)

/* err's text, or "" (static, for messages) */
__attribute__((unused)) static const char *
errtext(const clawrt_error *e)
{
  static char buf[1024];
  char *t = clawrt_error_text(e);
  snprintf(buf, sizeof buf, "%s", t ? t : "");
  free(t);
  return buf;
}

__attribute__((unused)) static bool
has(const clawrt_error *e, const char *needle)
{
  return e->msg && strstr(e->msg, needle) != NULL;
}

__attribute__((unused)) static void
mkdirs(const char *path)
{
  char *p = strdup(path);
  for (char *s = p + 1; *s; s++)
    if (*s == '/')
      {
        *s = '\0';
        mkdir(p, 0755);
        *s = '/';
      }
  mkdir(p, 0755);
  free(p);
}

/* fake_file(root, "memory/clawrt/x/memory.limit_in_bytes", "") */
__attribute__((unused)) static void
fake_file(const char *root, const char *rel, const char *content)
{
  char *path = xasprintf("%s/%s", root, rel);
  char *dir = strdup(path);
  *strrchr(dir, '/') = '\0';
  mkdirs(dir);
  FILE *f = fopen(path, "w");
  if (f == NULL)
    {
      perror(path);
      exit(2);
    }
  fputs(content, f);
  fclose(f);
  free(dir);
  free(path);
}

/* The content of root/rel, NULL when absent (caller frees). */
__attribute__((unused)) static char *
fake_read(const char *root, const char *rel)
{
  char *path = xasprintf("%s/%s", root, rel);
  char *out = NULL;
  clawrt_error e = { 0 };
  if (read_file_at(AT_FDCWD, path, 1 << 20, &out, NULL, &e) < 0)
    clawrt_error_clear(&e);
  free(path);
  return out;
}

__attribute__((unused)) static bool
fake_is(const char *root, const char *rel, const char *want)
{
  char *got = fake_read(root, rel);
  bool ok = got && strcmp(got, want) == 0;
  if (!ok)
    printf("# %s: got `%s`, want `%s`\n", rel, got ? got : "(absent)", want);
  free(got);
  return ok;
}

__attribute__((unused)) static bool
fake_exists(const char *root, const char *rel)
{
  char *path = xasprintf("%s/%s", root, rel);
  bool ok = access(path, F_OK) == 0;
  free(path);
  return ok;
}

__attribute__((unused)) static char *
fake_root(void)
{
  char tmpl[] = "/tmp/cgfake.XXXXXX";
  if (mkdtemp(tmpl) == NULL)
    {
      perror("mkdtemp");
      exit(2);
    }
  return strdup(tmpl);
}

static int
rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
  return remove(p);
}

__attribute__((unused)) static void
fake_remove(char *root)
{
  nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
  free(root);
}

/* Write root/mountinfo from mount descriptions "POINT FSTYPE SUPEROPTS"
 * (POINT relative to root, "-" for root itself), creating the mount points. */
__attribute__((unused)) static void
fake_mountinfo(const char *root, const char *const *mounts, size_t n)
{
  char *path = xasprintf("%s/mountinfo", root);
  FILE *f = fopen(path, "w");
  fprintf(f, "22 1 0:21 / / rw,relatime - ext4 /dev/vda rw\n");
  for (size_t i = 0; i < n; i++)
    {
      char point[256], fstype[32], opts[256];
      if (sscanf(mounts[i], "%255s %31s %255s", point, fstype, opts) != 3)
        {
          fprintf(stderr, "bad fake mount `%s`\n", mounts[i]);
          exit(2);
        }
      const char *p = strcmp(point, "-") == 0 ? "" : point;
      fprintf(f, "%zu 22 0:%zu / %s%s%s rw,nosuid - %s %s %s\n", 30 + i, 40 + i, root,
              *p ? "/" : "", p, fstype, fstype, opts);
      char *dir = *p ? xasprintf("%s/%s", root, p) : strdup(root);
      mkdirs(dir);
      free(dir);
    }
  fclose(f);
  free(path);
}

/* Empty files (the driver appends to them) under root/mount/rel. */
__attribute__((unused)) static void
fake_leaf(const char *root, const char *mount, const char *rel, const char *const *files)
{
  for (size_t i = 0; files[i]; i++)
    {
      char *p = *mount ? xasprintf("%s/%s/%s", mount, rel, files[i]) : xasprintf("%s/%s", rel, files[i]);
      fake_file(root, p, "");
      free(p);
    }
}

#endif
