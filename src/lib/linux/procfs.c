#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "procfs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util.h"

static int
sys_openat2(int dirfd, const char *path, struct open_how *how)
{
  return (int) syscall(SYS_openat2, dirfd, path, how, sizeof *how);
}

int
procfs_verify_fd(int fd, const char *what, clawrt_error *err)
{
  struct statfs sfs;
  if (fstatfs(fd, &sfs) < 0)
    return clawrt_error_set(err, errno, "fstatfs %s", what);
  if (sfs.f_type != PROC_SUPER_MAGIC)
    return clawrt_error_set(err, EXDEV, "%s is not on procfs (filesystem magic 0x%lx)", what,
                            (unsigned long) sfs.f_type);
  return 0;
}

int
procfs_open_root(int dirfd, const char *path, clawrt_error *err)
{
  cleanup_close int fd = openat(dirfd, path, O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return clawrt_error_set(err, errno, "open procfs %s", path);
  if (procfs_verify_fd(fd, path, err) < 0)
    return -1;
  /* a directory of procfs bind-mounted over /proc would pass the magic check
   * and still show the wrong files: only the root of a proc mount will do */
  struct statx stx;
  if (statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_INO, &stx) < 0)
    return clawrt_error_set(err, errno, "statx %s", path);
  if (!(stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT))
    return clawrt_error_set(err, ENOTSUP, "statx %s: kernel does not report mount roots", path);
  if (!(stx.stx_attributes & STATX_ATTR_MOUNT_ROOT))
    return clawrt_error_set(err, EXDEV, "%s is not the root of a procfs mount", path);
  if (stx.stx_ino != 1)  /* procfs's root inode: catches a bind mount of a subdirectory */
    return clawrt_error_set(err, EXDEV, "%s is a bind mount of a procfs subdirectory, "
                            "not a procfs root", path);
  return steal_fd(&fd);
}

/* A relative path with no "..", no empty or absolute start: openat2 would
 * refuse escapes anyway, but a malformed name is a bug worth a clear error. */
static bool
rel_path_ok(const char *rel)
{
  if (rel == NULL || rel[0] == '\0' || rel[0] == '/')
    return false;
  for (const char *p = rel; *p;)
    {
      const char *e = strchrnul(p, '/');
      size_t n = (size_t) (e - p);
      if (n == 0 || (n == 2 && p[0] == '.' && p[1] == '.'))
        return false;
      p = *e ? e + 1 : e;
    }
  return true;
}

int
procfs_open_at(int procfd, const char *rel, int flags, clawrt_error *err)
{
  if (!rel_path_ok(rel))
    return clawrt_error_set(err, EINVAL, "procfs path \"%s\" is not a plain relative path",
                            rel ? rel : "(null)");
  struct open_how how = {
    .flags = (uint64_t) (flags | O_CLOEXEC | O_NOCTTY),
    .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
  };
  int fd;
  do
    fd = sys_openat2(procfd, rel, &how);
  while (fd < 0 && errno == EAGAIN);  /* a concurrent rename on the path; retry */
  if (fd < 0 && errno == EXDEV)
    return clawrt_error_set(err, errno, "open /proc/%s: the path crosses a mount inside /proc "
                            "(a read-only or masked path?); writes never go through one, it "
                            "could redirect them", rel);
  if (fd < 0)
    return clawrt_error_set(err, errno, "open /proc/%s", rel);
  cleanup_close int owned = fd;
  char what[PATH_MAX];
  snprintf(what, sizeof what, "/proc/%s", rel);
  if (procfs_verify_fd(owned, what, err) < 0)
    return -1;
  return steal_fd(&owned);
}

/* "thread-self" -> "<pid>/task/<tid>", read from this procfs instance so the
 * ids are those of its pid namespace. */
static int
thread_self_prefix(int procfd, char *buf, size_t len, clawrt_error *err)
{
  ssize_t n = readlinkat(procfd, "thread-self", buf, len - 1);
  if (n < 0)
    return clawrt_error_set(err, errno, "readlink /proc/thread-self");
  if ((size_t) n >= len - 1)
    return clawrt_error_set(err, ENAMETOOLONG, "readlink /proc/thread-self: too long");
  buf[n] = '\0';
  /* only digits, "/task/", digits: anything else is not what procfs makes */
  const char *p = buf;
  if (*p < '0' || *p > '9')
    goto bad;
  while (*p >= '0' && *p <= '9')
    p++;
  if (strncmp(p, "/task/", 6) != 0)
    goto bad;
  p += 6;
  if (*p < '0' || *p > '9')
    goto bad;
  while (*p >= '0' && *p <= '9')
    p++;
  if (*p != '\0')
    goto bad;
  return 0;
bad:
  return clawrt_error_set(err, ESRCH, "/proc/thread-self points to \"%s\": this thread is not "
                          "visible in that procfs (another pid namespace?)", buf);
}

int
procfs_open_thread_self(int procfd, const char *rel, int flags, clawrt_error *err)
{
  char prefix[64];
  if (thread_self_prefix(procfd, prefix, sizeof prefix, err) < 0)
    return -1;
  cleanup_free char *path = xasprintf("%s/%s", prefix, rel);
  return procfs_open_at(procfd, path, flags, err);
}

static int
write_one(int fd, const char *rel, const char *value, clawrt_error *err)
{
  size_t len = strlen(value);
  ssize_t n;
  do
    n = write(fd, value, len);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return clawrt_error_set(err, errno, "write \"%s\" to /proc/%s", value, rel);
  if ((size_t) n != len)
    return clawrt_error_set(err, EIO, "write \"%s\" to /proc/%s: short write (%zd of %zu)",
                            value, rel, n, len);
  return 0;
}

int
procfs_write_at(int procfd, const char *rel, const char *value, clawrt_error *err)
{
  cleanup_close int fd = procfs_open_at(procfd, rel, O_WRONLY, err);
  if (fd < 0)
    return -1;
  return write_one(fd, rel, value, err);
}

int
procfs_write_thread_self(int procfd, const char *rel, const char *value, clawrt_error *err)
{
  cleanup_close int fd = procfs_open_thread_self(procfd, rel, O_WRONLY, err);
  if (fd < 0)
    return -1;
  char what[128];
  snprintf(what, sizeof what, "thread-self/%s", rel);
  return write_one(fd, what, value, err);
}

int
procfs_read_at(int procfd, const char *rel, size_t max, char **out, clawrt_error *err)
{
  cleanup_close int fd = procfs_open_at(procfd, rel, O_RDONLY, err);
  if (fd < 0)
    return -1;
  cleanup_free char *buf = xmalloc0(max + 1);
  size_t got = 0;
  /* procfs files report size 0: read until EOF */
  while (got < max)
    {
      ssize_t n = read(fd, buf + got, max - got);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return clawrt_error_set(err, errno, "read /proc/%s", rel);
      if (n == 0)
        break;
      got += (size_t) n;
    }
  if (got == max)
    {
      char extra;
      ssize_t n = read(fd, &extra, 1);
      if (n > 0)
        return clawrt_error_set(err, EFBIG, "read /proc/%s: more than %zu bytes", rel, max);
    }
  buf[got] = '\0';
  *out = steal_pointer(&buf);
  return 0;
}
