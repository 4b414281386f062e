#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fs_internal.h"
#include "procfs.h"
#include "util.h"

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static char *
unescape(const char *s, size_t len)
{
  char *o = xmalloc0(len + 1), *q = o;
  for (size_t i = 0; i < len; i++)
    {
      if (s[i] == '\\' && i + 3 < len + 1 && s[i + 1] >= '0' && s[i + 1] <= '3'
          && s[i + 2] >= '0' && s[i + 2] <= '7' && s[i + 3] >= '0' && s[i + 3] <= '7')
        {
          *q++ = (char) (((s[i + 1] - '0') << 6) | ((s[i + 2] - '0') << 3) | (s[i + 3] - '0'));
          i += 3;
        }
      else
        *q++ = s[i];
    }
  *q = '\0';
  return o;
}

static void
entry_free(mountinfo_entry *e)
{
  free(e->root);
  free(e->mountpoint);
  free(e->options);
  free(e->fstype);
  free(e->source);
  free(e->super_options);
}

void
mountinfo_free(mountinfo_entry *v, size_t n)
{
  for (size_t i = 0; v && i < n; i++)
    entry_free(&v[i]);
  free(v);
}

/* "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue" */
static int
parse_line(const char *line, size_t len, mountinfo_entry *e)
{
  const char *f[32];
  size_t fl[32];
  size_t nf = 0;
  for (size_t i = 0; i < len && nf < 32;)
    {
      while (i < len && line[i] == ' ')
        i++;
      if (i >= len)
        break;
      size_t s = i;
      while (i < len && line[i] != ' ')
        i++;
      f[nf] = line + s;
      fl[nf++] = i - s;
    }
  size_t sep = 0;
  for (size_t i = 6; i < nf; i++)
    if (fl[i] == 1 && f[i][0] == '-')
      {
        sep = i;
        break;
      }
  if (sep == 0 || sep + 2 >= nf)
    return -1;
  memset(e, 0, sizeof *e);
  if (sscanf(f[0], "%d", &e->id) != 1 || sscanf(f[1], "%d", &e->parent_id) != 1
      || sscanf(f[2], "%u:%u", &e->major, &e->minor) != 2)
    return -1;
  e->root = unescape(f[3], fl[3]);
  e->mountpoint = unescape(f[4], fl[4]);
  e->options = unescape(f[5], fl[5]);
  e->fstype = unescape(f[sep + 1], fl[sep + 1]);
  e->source = unescape(f[sep + 2], fl[sep + 2]);
  e->super_options = sep + 3 < nf ? unescape(f[sep + 3], fl[sep + 3]) : xstrdup("");
  return 0;
}

int
mountinfo_parse(const char *buf, mountinfo_entry **out, size_t *n, clawrt_error *err)
{
  size_t cap = 32, len = 0, lineno = 0;
  mountinfo_entry *v = xmalloc0(cap * sizeof *v);
  for (const char *p = buf; p && *p;)
    {
      const char *e = strchrnul(p, '\n');
      lineno++;
      if (e > p)
        {
          if (len == cap)
            v = xrealloc(v, (cap *= 2) * sizeof *v);
          if (parse_line(p, (size_t) (e - p), &v[len]) < 0)
            {
              mountinfo_free(v, len);
              return clawrt_error_set(err, EINVAL, "mountinfo line %zu: cannot parse", lineno);
            }
          len++;
        }
      p = *e ? e + 1 : e;
    }
  *out = v;
  *n = len;
  return 0;
}

int
fs_read_thread_self(const char *rel, char **out, clawrt_error *err)
{
  cleanup_close int procfd = procfs_open_root(AT_FDCWD, "/proc", err);
  if (procfd < 0)
    return -1;
  cleanup_close int fd = procfs_open_thread_self(procfd, rel, O_RDONLY, err);
  if (fd < 0)
    return -1;
  /* mountinfo has no size; grow until EOF (a host with many mounts has
   * many kilobytes of it) */
  size_t cap = 16384, len = 0;
  cleanup_free char *buf = xmalloc0(cap);
  for (;;)
    {
      if (cap - len < 4096)
        buf = xrealloc(buf, cap *= 2);
      ssize_t r = read(fd, buf + len, cap - len - 1);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        return clawrt_error_set(err, errno, "read /proc/thread-self/%s", rel);
      if (r == 0)
        break;
      len += (size_t) r;
      if (len > (64u << 20))
        return clawrt_error_set(err, EFBIG, "/proc/thread-self/%s is too large", rel);
    }
  buf[len] = '\0';
  *out = steal_pointer(&buf);
  return 0;
}

int
mountinfo_read(mountinfo_entry **out, size_t *n, clawrt_error *err)
{
  cleanup_free char *buf = NULL;
  if (fs_read_thread_self("mountinfo", &buf, err) < 0)
    return -1;
  return mountinfo_parse(buf, out, n, err);
}
