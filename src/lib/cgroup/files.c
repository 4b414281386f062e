/* Small file helpers of the cgroup drivers: every write goes through an fd
 * of the container's directory (openat, O_CLOEXEC, O_NOFOLLOW), and a file
 * the kernel does not have is reported against the spec field that wanted
 * it. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "util.h"

int
cg_field_error(clawrt_error *err, const char *field, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  cleanup_free char *msg = NULL;
  if (vasprintf(&msg, fmt, ap) < 0)
    abort();
  va_end(ap);
  return clawrt_error_set(err, 0, "linux.resources.%s: %s", field, msg);
}

int
cg_open_mount(const char *root_prefix, const char *mount, clawrt_error *err)
{
  cleanup_free char *path
      = *mount ? xasprintf("%s/%s", root_prefix, mount) : xstrdup(root_prefix);
  int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return clawrt_error_set(err, errno, "open cgroup hierarchy `%s`", path);
  return fd;
}

/* O_APPEND changes nothing on cgroupfs (kernfs ignores the file position)
 * and keeps every write visible, in order, in a test's fake tree. */
int
cg_write(int dirfd, const char *file, const char *value, const char *field, clawrt_error *err)
{
  int fd = openat(dirfd, file, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    {
      int e = errno;
      if (e == ENOENT && field)
        return cg_field_error(err, field, "this host's kernel has no cgroup file %s", file);
      if (field)
        return clawrt_error_set(err, e, "linux.resources.%s: open %s", field, file);
      return clawrt_error_set(err, e, "open cgroup file %s", file);
    }
  size_t len = strlen(value);
  ssize_t w;
  do
    w = write(fd, value, len);
  while (w < 0 && errno == EINTR);
  int e = errno;
  close(fd);
  if (w < 0)
    {
      if (field)
        return clawrt_error_set(err, e, "linux.resources.%s: write `%s` to %s", field, value,
                                file);
      return clawrt_error_set(err, e, "write `%s` to cgroup file %s", value, file);
    }
  if ((size_t) w != len)
    return clawrt_error_set(err, EIO, "short write of `%s` to cgroup file %s", value, file);
  return 0;
}

int
cg_writef(int dirfd, const char *file, const char *field, clawrt_error *err, const char *fmt,
          ...)
{
  va_list ap;
  va_start(ap, fmt);
  cleanup_free char *value = NULL;
  if (vasprintf(&value, fmt, ap) < 0)
    abort();
  va_end(ap);
  return cg_write(dirfd, file, value, field, err);
}

bool
cg_file_exists(int dirfd, const char *file)
{
  return faccessat(dirfd, file, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

int
cg_read(int dirfd, const char *file, bool missing_ok, char **out, clawrt_error *err)
{
  *out = NULL;
  cleanup_close int fd = openat(dirfd, file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    {
      if (errno == ENOENT && missing_ok)
        return 0;
      return clawrt_error_set(err, errno, "open cgroup file %s", file);
    }
  size_t cap = 4096, len = 0;
  cleanup_free char *buf = xmalloc0(cap + 1);
  for (;;)
    {
      if (len == cap)
        {
          if (cap >= (16u << 20))
            return clawrt_error_set(err, EFBIG, "cgroup file %s is too large", file);
          cap *= 2;
          buf = xrealloc(buf, cap + 1);
        }
      ssize_t r = read(fd, buf + len, cap - len);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        return clawrt_error_set(err, errno, "read cgroup file %s", file);
      if (r == 0)
        break;
      len += (size_t) r;
    }
  while (len > 0 && buf[len - 1] == '\n')
    len--;
  buf[len] = '\0';
  *out = steal_pointer(&buf);
  return 0;
}

int
cg_read_u64(int dirfd, const char *file, uint64_t *out, clawrt_error *err)
{
  cleanup_free char *text = NULL;
  if (cg_read(dirfd, file, false, &text, err) < 0)
    return -1;
  if (strcmp(text, "max") == 0)
    {
      *out = CGROUP_UNLIMITED;
      return 0;
    }
  int64_t s;
  if (parse_u64(text, out) == 0)
    return 0;
  /* cpu.cfs_quota_us says -1 for "no limit" */
  if (parse_i64(text, &s) == 0 && s < 0)
    {
      *out = CGROUP_UNLIMITED;
      return 0;
    }
  return clawrt_error_set(err, EINVAL, "cgroup file %s: unexpected content `%s`", file, text);
}

int
cg_keyed_get(const char *text, const char *key, uint64_t *out)
{
  size_t klen = strlen(key);
  for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
    {
      if (strncmp(p, key, klen) == 0 && (p[klen] == ' ' || p[klen] == '\t'))
        {
          char num[32];
          size_t i = 0;
          const char *v = p + klen + 1;
          while (*v == ' ')
            v++;
          while (v[i] && v[i] != '\n' && i < sizeof num - 1)
            {
              num[i] = v[i];
              i++;
            }
          num[i] = '\0';
          if (strcmp(num, "max") == 0)
            {
              *out = CGROUP_UNLIMITED;
              return 0;
            }
          return parse_u64(num, out);
        }
    }
  return -1;
}

cg_dir *
cg_dir_for(const cgroup_manager *m, unsigned bit)
{
  for (size_t i = 0; i < m->n; i++)
    if (!m->dirs[i].v2 && (m->dirs[i].mask & bit) && m->dirs[i].fd >= 0)
      return &m->dirs[i];
  cg_dir *v2 = cg_v2_dir(m);
  if (v2 && (v2->mask & bit))
    return v2;
  return NULL;
}

cg_dir *
cg_v2_dir(const cgroup_manager *m)
{
  if (m->v2 < 0 || m->dirs[m->v2].fd < 0)
    return NULL;
  return &m->dirs[m->v2];
}

cg_dir *
cg_primary_dir(const cgroup_manager *m)
{
  if (m->layout == CGROUP_LAYOUT_V2)
    return cg_v2_dir(m);
  static const unsigned order[] = { CG_FREEZER, CG_PIDS, CG_MEMORY, CG_CPUACCT, CG_CPU };
  for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
    {
      cg_dir *d = cg_dir_for(m, order[i]);
      if (d && !d->v2)
        return d;
    }
  for (size_t i = 0; i < m->n; i++)
    if (m->dirs[i].fd >= 0)
      return &m->dirs[i];
  return NULL;
}
