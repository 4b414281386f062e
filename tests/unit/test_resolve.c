/* resolve: openat2(RESOLVE_IN_ROOT) helpers on a scratch tree.  Symlinks
 * that point out of the root (absolute, "..", dangling, chained) must make
 * everything land inside it and nothing outside.  Needs no privilege.  TAP. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "linux/resolve.h"
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

static char top[256];

static bool
exists(const char *rel)
{
  char p[512];
  struct stat st;
  snprintf(p, sizeof p, "%s/%s", top, rel);
  return lstat(p, &st) == 0;
}

static bool
is_dir(const char *rel)
{
  char p[512];
  struct stat st;
  snprintf(p, sizeof p, "%s/%s", top, rel);
  return lstat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static void
link_in(const char *target, const char *rel)
{
  char p[512];
  snprintf(p, sizeof p, "%s/%s", top, rel);
  if (symlink(target, p) < 0)
    {
      perror(p);
      exit(99);
    }
}

/* same file as top/rel? */
static bool
fd_is(int fd, const char *rel)
{
  char p[512];
  struct stat a, b;
  snprintf(p, sizeof p, "%s/%s", top, rel);
  return fd >= 0 && fstat(fd, &a) == 0 && stat(p, &b) == 0 && a.st_dev == b.st_dev
         && a.st_ino == b.st_ino;
}

int
main(void)
{
  umask(022);
  snprintf(top, sizeof top, "/tmp/clawrt-test-resolve.XXXXXX");
  if (mkdtemp(top) == NULL)
    return 99;
  char p[512];
  snprintf(p, sizeof p, "%s/root", top);
  mkdir(p, 0755);
  snprintf(p, sizeof p, "%s/outside", top);
  mkdir(p, 0755);
  snprintf(p, sizeof p, "%s/root", top);
  int root = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
  clawrt_error err = { 0 };

  int fd = mkdir_p_in_root(root, "/a/b/c", 0755, &err);
  CHECK(fd_is(fd, "root/a/b/c") && is_dir("root/a/b/c"), "mkdir -p of plain directories");
  close(fd);

  /* absolute link to a host directory that exists: the container's view of
   * that path is inside the root (CVE-2021-30465 class) */
  char host_outside[512];
  snprintf(host_outside, sizeof host_outside, "%s/outside", top);
  link_in(host_outside, "root/escape");
  fd = mkdir_p_in_root(root, "/escape/new", 0755, &err);
  char inside[600];
  snprintf(inside, sizeof inside, "root%s/new", host_outside);
  CHECK(fd_is(fd, inside) && !exists("outside/new"),
        "absolute symlink to a host dir: created inside the root, not on the host");
  close(fd);

  link_in("/nowhere", "root/dangling");
  fd = mkdir_p_in_root(root, "dangling/x", 0755, &err);
  CHECK(fd_is(fd, "root/nowhere/x"), "dangling absolute symlink: its target made in the root");
  close(fd);

  link_in("../../../../../../..", "root/up");
  fd = mkdir_p_in_root(root, "/up/y", 0755, &err);
  CHECK(fd_is(fd, "root/y") && !exists("y"), "\"..\" past the root is clamped to the root");
  close(fd);

  link_in("d2/z", "root/d1");
  link_in("/deep/er", "root/d2");
  fd = mkdir_p_in_root(root, "d1", 0755, &err);
  CHECK(fd_is(fd, "root/deep/er/z"), "a chain of dangling symlinks is followed inside the root");
  close(fd);

  link_in("l2", "root/l1");
  link_in("l1", "root/l2");
  fd = mkdir_p_in_root(root, "l1/q", 0755, &err);
  CHECK(fd < 0 && err.errnum == ELOOP, "a symlink loop is ELOOP: %s", err.msg ? err.msg : "");
  clawrt_error_clear(&err);

  fd = mkfile_in_root(root, "/f/g/file", 0644, &err);
  struct stat st;
  CHECK(fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && fd_is(fd, "root/f/g/file"),
        "mkfile_in_root makes the parents and an empty file");
  close(fd);
  {
    char q[512];
    struct stat ds;
    snprintf(q, sizeof q, "%s/root/f/g", top);
    CHECK(stat(q, &ds) == 0 && (ds.st_mode & 07777) == 0755,
          "the parents of a new file are traversable (mode %o, not the file's 0644)",
          (unsigned) (ds.st_mode & 07777));
  }

  link_in("/outside-file", "root/flink");
  fd = mkfile_in_root(root, "/flink", 0644, &err);
  CHECK(fd >= 0 && fd_is(fd, "root/outside-file") && !exists("outside-file"),
        "mkfile through a dangling absolute symlink: the file is made in the root");
  close(fd);

  fd = mkfile_in_root(root, "/a/b", 0644, &err);
  CHECK(fd_is(fd, "root/a/b"), "mkfile on an existing directory returns it as is");
  close(fd);

  fd = mkdir_p_in_root(root, "/f/g/file/sub", 0755, &err);
  CHECK(fd < 0 && err.errnum == ENOTDIR, "a file in the way: ENOTDIR (%s)",
        err.msg ? err.msg : "");
  clawrt_error_clear(&err);

  fd = open_in_root(root, "/../../up/../a", O_PATH, 0, &err);
  CHECK(fd_is(fd, "root/a"), "open_in_root clamps \"..\" and follows links inside");
  close(fd);

  snprintf(p, sizeof p, "%s/root/magic", top);
  symlink("/proc/self/fd/0", p);
  fd = open_in_root(root, "/magic", O_RDONLY, 0, &err);
  CHECK(fd < 0 && err.errnum == ENOENT, "a link to /proc/self/fd/0 is looked up in the root, "
        "which has no /proc (%s)", err.msg ? err.msg : "");
  clawrt_error_clear(&err);

  fd = mkdir_p_in_root(root, "/", 0755, &err);
  CHECK(fd_is(fd, "root"), "\"/\" is the root itself");
  close(fd);

  char *par = NULL, *name = NULL;
  CHECK(path_split_last("/dev//pts/./ptmx/", &par, &name) == 0 && strcmp(par, "dev/pts") == 0
        && strcmp(name, "ptmx") == 0, "path_split_last cleans and splits");
  free(par);
  free(name);
  CHECK(path_split_last("/null", &par, &name) == 0 && strcmp(par, "") == 0
        && strcmp(name, "null") == 0, "path_split_last of a top-level name");
  free(par);
  free(name);
  CHECK(path_split_last("/", &par, &name) == -1 && path_split_last("", &par, &name) == -1,
        "path_split_last of the root is an error");

  close(root);
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", top);
  if (system(cmd) != 0)
    fprintf(stderr, "# could not remove %s\n", top);
  printf("1..%d\n", count);
  return failures ? 1 : 0;
}
