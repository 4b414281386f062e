/* See self_enter.h for why the init moves itself. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "self_enter.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "internal.h"
#include "util.h"

int
cgroup_self_enter_open(const cgroup_manager *m, cgroup_self_enter *out, clawrt_error *err)
{
  *out = (cgroup_self_enter) CGROUP_SELF_ENTER_INIT;
  if (m->n == 0)
    return 0;
  out->v = xmalloc0(m->n * sizeof *out->v);
  for (size_t i = 0; i < m->n; i++)
    {
      const cg_dir *d = &m->dirs[i];
      if (d->fd < 0 || d->v2)
        continue;
      int fd = openat(d->fd, "tasks", O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0)
        {
          clawrt_error_set(err, errno, "open %s/%s/%s/tasks", m->root_prefix, d->mount, d->rel);
          cgroup_self_enter_close(out);
          return -1;
        }
      out->v[out->n++] = (cgroup_self_entry) {
        .fd = fd, .what = xasprintf("%s/%s/%s", m->root_prefix, d->mount, d->rel),
      };
    }
  return 0;
}

int
cgroup_self_enter_run(cgroup_self_enter *s, clawrt_error *err)
{
  for (size_t i = 0; i < s->n; i++)
    {
      cgroup_self_entry *e = &s->v[i];
      ssize_t w = write(e->fd, "0", 1);
      int saved = errno;
      close(e->fd);
      e->fd = -1;
      if (w != 1)
        return clawrt_error_set(err, w < 0 ? saved : EIO, "move the init into cgroup %s",
                                e->what);
    }
  return 0;
}

void
cgroup_self_enter_close(cgroup_self_enter *s)
{
  for (size_t i = 0; i < s->n; i++)
    {
      if (s->v[i].fd >= 0)
        close(s->v[i].fd);
      free(s->v[i].what);
    }
  free(s->v);
  *s = (cgroup_self_enter) CGROUP_SELF_ENTER_INIT;
}
