#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "resolve.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util.h"

/* openat2 returns EAGAIN when a rename raced with a ".." walk under
 * RESOLVE_IN_ROOT; a few tries is what the kernel documentation suggests. */
#define OPENAT2_TRIES 32
/* the kernel's own limit on symlinks in one lookup (MAXSYMLINKS) */
#define MAX_SYMLINKS 40

int
open_in_root_how(int rootfd, const char *path, int flags, mode_t mode,
                 unsigned long long resolve, clawrt_error *err)
{
  struct open_how how = {
    .flags = (unsigned long long) (flags | O_CLOEXEC),
    .mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0,
    .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | resolve,
  };
  const char *p = (path && path[0]) ? path : ".";
  for (int i = 0; i < OPENAT2_TRIES; i++)
    {
      int fd = (int) syscall(SYS_openat2, rootfd, p, &how, sizeof how);
      if (fd >= 0)
        return fd;
      if (errno != EAGAIN)
        break;
    }
  if (errno == ENOSYS)
    return clawrt_error_set(err, errno, "openat2 `%s`: the kernel lacks openat2 "
                            "(Linux 5.6 or later is required)", p);
  return clawrt_error_set(err, errno, "open `%s` inside the container root", p);
}

int
open_in_root(int rootfd, const char *path, int flags, mode_t mode, clawrt_error *err)
{
  return open_in_root_how(rootfd, path, flags, mode, 0, err);
}

/* Components of path, without "" and ".", in order; ".." is kept (the
 * kernel clamps it at the root under RESOLVE_IN_ROOT). */
static char **
split_path(const char *path, size_t *n)
{
  size_t cap = 8, len = 0;
  char **v = xmalloc0(cap * sizeof *v);
  for (const char *p = path; *p;)
    {
      const char *e = strchrnul(p, '/');
      size_t l = (size_t) (e - p);
      if (l > 0 && !(l == 1 && p[0] == '.'))
        {
          if (len + 2 > cap)
            v = xrealloc(v, (cap *= 2) * sizeof *v);
          v[len++] = strndup(p, l);
          if (v[len - 1] == NULL)
            abort();
        }
      p = *e ? e + 1 : e;
    }
  v[len] = NULL;
  *n = len;
  return v;
}

static char *
join_path(char *const *c, size_t from, size_t to)
{
  size_t len = 1;
  for (size_t i = from; i < to; i++)
    len += strlen(c[i]) + 1;
  char *s = xmalloc0(len);
  char *q = s;
  for (size_t i = from; i < to; i++)
    {
      if (q != s)
        *q++ = '/';
      q = stpcpy(q, c[i]);
    }
  return s;
}

int
path_split_last(const char *path, char **parent, char **name)
{
  size_t n;
  cleanup_strv char **c = split_path(path ? path : "", &n);
  if (n == 0)
    {
      errno = EINVAL;
      return -1;
    }
  *parent = join_path(c, 0, n - 1);
  *name = xstrdup(c[n - 1]);
  return 0;
}

/* A dangling symlink stands where the walk must create something: replace
 * component i by the link's target (resolved again from the root, so an
 * absolute target is still inside it) and start over. */
static int
splice_symlink(int parentfd, char ***comps, size_t *n, size_t i, const char *shown,
               clawrt_error *err)
{
  char target[PATH_MAX];
  ssize_t l = readlinkat(parentfd, (*comps)[i], target, sizeof target - 1);
  if (l < 0)
    return clawrt_error_set(err, errno, "readlink `%s`", shown);
  target[l] = '\0';
  cleanup_free char *prefix = target[0] == '/' ? xstrdup("") : join_path(*comps, 0, i);
  cleanup_free char *rest = join_path(*comps, i + 1, *n);
  cleanup_free char *np = xasprintf("%s/%s/%s", prefix, target, rest);
  strv_free(*comps);
  *comps = split_path(np, n);
  return 0;
}

enum last_kind { LAST_DIR, LAST_FILE };

static int
make_in_root(int rootfd, const char *path, mode_t mode, enum last_kind last, clawrt_error *err)
{
  size_t n;
  cleanup_strv char **c = split_path(path ? path : "", &n);
  int links = 0;

restart:
  {
    cleanup_close int parent = open_in_root(rootfd, ".", O_PATH | O_DIRECTORY, 0, err);
    if (parent < 0)
      return -1;
    for (size_t i = 0; i < n; i++)
      {
        bool is_last = i + 1 == n;
        int oflags = O_PATH | ((is_last && last == LAST_FILE) ? 0 : O_DIRECTORY);
        cleanup_free char *prefix = join_path(c, 0, i + 1);
        clawrt_error e2 = { 0 };
        int fd = open_in_root(rootfd, prefix, oflags, 0, &e2);
        if (fd >= 0)
          {
            clawrt_error_clear(&e2);
            close(parent);
            parent = fd;
            continue;
          }
        int saved = e2.errnum;
        if (saved != ENOENT)
          {
            clawrt_error_set(err, saved, "resolve `%s`: %s", path, e2.msg ? e2.msg : "");
            clawrt_error_clear(&e2);
            return -1;
          }
        clawrt_error_clear(&e2);

        /* the parent resolved, this name did not: create it on the parent fd */
        struct stat st;
        if (fstatat(parent, c[i], &st, AT_SYMLINK_NOFOLLOW) == 0)
          {
            if (!S_ISLNK(st.st_mode))
              return clawrt_error_set(err, ENOENT, "resolve `%s`: `%s` vanished", path, prefix);
            if (++links > MAX_SYMLINKS)
              return clawrt_error_set(err, ELOOP, "resolve `%s`: too many symlinks", path);
            if (splice_symlink(parent, &c, &n, i, prefix, err) < 0)
              return -1;
            goto restart;
          }
        if (errno != ENOENT)
          return clawrt_error_set(err, errno, "stat `%s`", prefix);

        if (is_last && last == LAST_FILE)
          {
            int f = openat(parent, c[i], O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC,
                           mode);
            if (f < 0 && errno != EEXIST)
              return clawrt_error_set(err, errno, "create file `%s`", prefix);
            if (f >= 0)
              close(f);
          }
        /* parents are made 0755 whatever the last one's mode: a file's
         * 0644 on a directory would make it untraversable for a container
         * without CAP_DAC_OVERRIDE */
        else if (mkdirat(parent, c[i], is_last ? mode : 0755) < 0 && errno != EEXIST)
          return clawrt_error_set(err, errno, "mkdir `%s`", prefix);

        /* reopen through the root: whatever is there now (ours, or a racing
         * creator's) is judged by the same rules as any existing name */
        fd = open_in_root(rootfd, prefix, oflags, 0, err);
        if (fd < 0)
          return clawrt_error_wrap(err, "resolve `%s`", path);
        close(parent);
        parent = fd;
      }
    return steal_fd(&parent);
  }
}

int
mkdir_p_in_root(int rootfd, const char *path, mode_t mode, clawrt_error *err)
{
  return make_in_root(rootfd, path, mode, LAST_DIR, err);
}

int
mkfile_in_root(int rootfd, const char *path, mode_t mode, clawrt_error *err)
{
  return make_in_root(rootfd, path, mode, LAST_FILE, err);
}
