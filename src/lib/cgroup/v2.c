/* cgroup v2 specifics of placing a container: a controller's files appear
 * in a cgroup only when every ancestor lists it in cgroup.subtree_control.
 * Only the controllers the container needs are enabled, top-down, and a
 * level that already has them is only read, never written (a write takes
 * the kernel's global cgroup lock, which 500 concurrent creates feel). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "util.h"

static int
enable_at(int mountfd, const char *level, unsigned bits, clawrt_error *err)
{
  cleanup_free char *file = *level ? xasprintf("%s/cgroup.subtree_control", level)
                                   : xstrdup("cgroup.subtree_control");
  cleanup_free char *cur = NULL;
  if (cg_read(mountfd, file, false, &cur, err) < 0)
    return -1;
  unsigned missing = bits & ~cg_controller_mask(cur);
  if (missing == 0)
    return 0;
  char buf[256];
  cg_mask_names(missing, true, "+", " ", buf, sizeof buf);
  int fd = openat(mountfd, file, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return clawrt_error_set(err, errno, "open %s", file);
  ssize_t w;
  do
    w = write(fd, buf, strlen(buf));
  while (w < 0 && errno == EINTR);
  int e = errno;
  close(fd);
  if (w >= 0)
    return 0;
  const char *where = *level ? level : "the cgroup2 root";
  if (e == EBUSY)
    return clawrt_error_set(err, e,
                            "enable `%s` in %s: it holds processes of its own, and cgroup v2 "
                            "gives controllers only to cgroups without processes; choose an "
                            "absolute linux.cgroupsPath outside it",
                            buf, where);
  if (e == ENOENT)
    return clawrt_error_set(err, e, "enable `%s` in %s: the parent does not offer it", buf,
                            where);
  return clawrt_error_set(err, e, "enable `%s` in %s", buf, where);
}

int
cg_v2_enable(int mountfd, const char *rel, unsigned bits, clawrt_error *err)
{
  if (bits == 0)
    return 0;
  if (enable_at(mountfd, "", bits, err) < 0)
    return -1;
  cleanup_free char *p = xstrdup(rel);
  for (char *s = p; (s = strchr(s, '/')); s++)
    {
      *s = '\0';
      int rc = enable_at(mountfd, p, bits, err);
      *s = '/';
      if (rc < 0)
        return -1;
    }
  return 0;
}
