#define _GNU_SOURCE
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

void
cleanup_freep(void *p)
{
  free(*(void **) p);
}

void
cleanup_closep(int *fd)
{
  if (*fd >= 0)
    {
      int saved = errno;
      close(*fd);
      errno = saved;
    }
}

void
cleanup_fclosep(void *f)
{
  FILE **fp = f;
  if (*fp)
    fclose(*fp);
}

void
strv_free(char **v)
{
  if (v == NULL)
    return;
  for (char **p = v; *p; p++)
    free(*p);
  free(v);
}

void
cleanup_strvp(char ***v)
{
  strv_free(*v);
}

size_t
strv_len(char *const *v)
{
  size_t n = 0;
  while (v && v[n])
    n++;
  return n;
}

void *
xmalloc0(size_t n)
{
  void *p = calloc(1, n ? n : 1);
  if (p == NULL)
    abort();
  return p;
}

void *
xrealloc(void *p, size_t n)
{
  void *q = realloc(p, n ? n : 1);
  if (q == NULL)
    abort();
  return q;
}

char *
xstrdup(const char *s)
{
  if (s == NULL)
    return NULL;
  char *d = strdup(s);
  if (d == NULL)
    abort();
  return d;
}

char *
xasprintf(const char *fmt, ...)
{
  char *s = NULL;
  va_list ap;
  va_start(ap, fmt);
  if (vasprintf(&s, fmt, ap) < 0)
    abort();
  va_end(ap);
  return s;
}

ssize_t
read_all(int fd, void *buf, size_t len)
{
  size_t done = 0;
  while (done < len)
    {
      ssize_t r = read(fd, (char *) buf + done, len - done);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        return -1;
      if (r == 0)
        break;
      done += (size_t) r;
    }
  return (ssize_t) done;
}

int
write_all(int fd, const void *buf, size_t len)
{
  size_t done = 0;
  while (done < len)
    {
      ssize_t r = write(fd, (const char *) buf + done, len - done);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        return -1;
      done += (size_t) r;
    }
  return 0;
}

int
read_file_at(int dirfd, const char *path, size_t max, char **out, size_t *outlen,
             clawrt_error *err)
{
  cleanup_close int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0)
    return clawrt_error_set(err, errno, "open `%s`", path);
  size_t cap = 4096, len = 0;
  cleanup_free char *buf = xmalloc0(cap + 1);
  for (;;)
    {
      if (len == cap)
        {
          if (cap >= max)
            return clawrt_error_set(err, EFBIG, "`%s` is larger than %zu bytes", path, max);
          cap = cap * 2 > max ? max : cap * 2;
          buf = xrealloc(buf, cap + 1);
        }
      ssize_t r = read(fd, buf + len, cap - len);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        return clawrt_error_set(err, errno, "read `%s`", path);
      if (r == 0)
        break;
      len += (size_t) r;
    }
  buf[len] = '\0';
  if (outlen)
    *outlen = len;
  *out = steal_pointer(&buf);
  return 0;
}

int
atomic_write_at(int dirfd, const char *name, const void *buf, size_t len, mode_t mode,
                clawrt_error *err)
{
  cleanup_free char *tmp = xasprintf(".%s.tmp.%d", name, (int) getpid());
  cleanup_close int fd
      = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
  if (fd < 0)
    return clawrt_error_set(err, errno, "create `%s`", tmp);
  if (write_all(fd, buf, len) < 0)
    {
      int e = errno;
      unlinkat(dirfd, tmp, 0);
      return clawrt_error_set(err, e, "write `%s`", name);
    }
  if (renameat(dirfd, tmp, dirfd, name) < 0)
    {
      int e = errno;
      unlinkat(dirfd, tmp, 0);
      return clawrt_error_set(err, e, "rename `%s` to `%s`", tmp, name);
    }
  return 0;
}

int
write_file_at(int dirfd, const char *path, const char *value, clawrt_error *err)
{
  cleanup_close int fd = openat(dirfd, path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return clawrt_error_set(err, errno, "open `%s`", path);
  size_t len = strlen(value);
  ssize_t r;
  do
    r = write(fd, value, len);
  while (r < 0 && errno == EINTR);
  if (r < 0)
    return clawrt_error_set(err, errno, "write `%s` to `%s`", value, path);
  if ((size_t) r != len)
    return clawrt_error_set(err, EIO, "short write of `%s` to `%s`", value, path);
  return 0;
}

int
parse_u64(const char *s, uint64_t *out)
{
  if (s == NULL || *s < '0' || *s > '9')
    return -1;
  uint64_t v = 0;
  for (; *s >= '0' && *s <= '9'; s++)
    {
      unsigned d = (unsigned) (*s - '0');
      if (v > (UINT64_MAX - d) / 10)
        return -1;
      v = v * 10 + d;
    }
  if (*s != '\0' && *s != '\n')
    return -1;
  *out = v;
  return 0;
}

int
parse_i64(const char *s, int64_t *out)
{
  if (s == NULL)
    return -1;
  bool neg = *s == '-';
  uint64_t v;
  if (parse_u64(neg ? s + 1 : s, &v) < 0)
    return -1;
  if (neg ? v > (uint64_t) INT64_MAX + 1 : v > (uint64_t) INT64_MAX)
    return -1;
  *out = neg ? (int64_t) (0 - v) : (int64_t) v;
  return 0;
}

int
mkdir_p_at(int dirfd, const char *path, mode_t mode, clawrt_error *err)
{
  cleanup_free char *p = xstrdup(path);
  for (char *s = p + (*p == '/'); ; s++)
    {
      if (*s == '/' || *s == '\0')
        {
          char c = *s;
          *s = '\0';
          if (*p && mkdirat(dirfd, p, mode) < 0 && errno != EEXIST)
            return clawrt_error_set(err, errno, "mkdir `%s`", p);
          *s = c;
          if (c == '\0')
            break;
        }
    }
  return 0;
}

uint64_t
now_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t) ts.tv_sec * 1000000000ull + (uint64_t) ts.tv_nsec;
}
