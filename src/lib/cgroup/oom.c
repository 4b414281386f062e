/* A pollable watch on the kernel's OOM handling in the container's memory
 * cgroup, for the `oom` events of `events`.
 *
 * v1: an eventfd registered through cgroup.event_control on
 * memory.oom_control; the kernel signals it at every OOM (and once more
 * when the cgroup is removed, which must not pass for an OOM).
 * v2: memory.events itself, which kernfs reports as POLLPRI when a counter
 * moves (any counter: low, high, max too).
 *
 * Either way the fd wakes the caller, and the counts since the watch
 * began decide what is new (see cgroup_oom_watch_read). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "internal.h"
#include "util.h"

struct cgroup_oom_watch {
  bool v2;
  int leaf;          /* dup of the memory leaf's fd */
  int fd;            /* eventfd (v1) or memory.events (v2) */
  int control;       /* v1: memory.oom_control, kept open while registered */
  uint64_t kills0;   /* oom_kill when the watch began */
  uint64_t ooms0;    /* v2 "oom" when the watch began */
  uint64_t notified; /* v1: eventfd signals since the watch began */
  uint64_t reported; /* OOMs reported so far */
};

static int
counters(const cgroup_oom_watch *w, uint64_t *kills, uint64_t *ooms, clawrt_error *err)
{
  cleanup_free char *t = NULL;
  *kills = *ooms = 0;
  if (cg_read(w->leaf, w->v2 ? "memory.events" : "memory.oom_control", false, &t, err) < 0)
    return -1;
  cg_keyed_get(t, "oom_kill", kills);
  if (w->v2)
    cg_keyed_get(t, "oom", ooms);
  return 0;
}

void
cgroup_oom_watch_free(cgroup_oom_watch *w)
{
  if (w == NULL)
    return;
  if (w->fd >= 0)
    close(w->fd);
  if (w->control >= 0)
    close(w->control);
  if (w->leaf >= 0)
    close(w->leaf);
  free(w);
}

int
cgroup_oom_watch_open(const cgroup_manager *m, cgroup_oom_watch **out, clawrt_error *err)
{
  *out = NULL;
  cg_dir *d = cg_dir_for(m, CG_MEMORY);
  if (d == NULL)
    return clawrt_error_set(err, ENOTSUP, "cgroup %s has no memory controller: no OOM events",
                            m->path);
  cgroup_oom_watch *w = xmalloc0(sizeof *w);
  w->v2 = d->v2;
  w->fd = w->control = -1;
  w->leaf = fcntl(d->fd, F_DUPFD_CLOEXEC, 3);
  if (w->leaf < 0)
    {
      clawrt_error_set(err, errno, "dup cgroup fd");
      goto fail;
    }
  if (counters(w, &w->kills0, &w->ooms0, err) < 0)
    goto fail;
  if (w->v2)
    {
      w->fd = openat(w->leaf, "memory.events", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
      if (w->fd < 0)
        {
          clawrt_error_set(err, errno, "open memory.events");
          goto fail;
        }
    }
  else
    {
      w->fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
      w->control = openat(w->leaf, "memory.oom_control", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
      if (w->fd < 0 || w->control < 0)
        {
          clawrt_error_set(err, errno, "OOM notification: eventfd / memory.oom_control");
          goto fail;
        }
      char line[32];
      snprintf(line, sizeof line, "%d %d", w->fd, w->control);
      if (cg_write(w->leaf, "cgroup.event_control", line, NULL, err) < 0)
        goto fail;
    }
  *out = w;
  return 0;
fail:
  cgroup_oom_watch_free(w);
  return clawrt_error_wrap(err, "watch OOM in cgroup %s", m->path);
}

int
cgroup_oom_watch_fd(const cgroup_oom_watch *w, short *events)
{
  *events = w->v2 ? POLLPRI : POLLIN;
  return w->fd;
}

/* v1 signals the eventfd when the OOM starts, before the kill is counted
 * (and a read in between sees neither under_oom nor the kill); v2 bumps
 * "oom" then "oom_kill".  So the OOMs so far are the largest of the three
 * counts since the watch began, and what is new is its growth: no OOM is
 * missed or reported twice, whichever wake-up comes first. */
int
cgroup_oom_watch_read(cgroup_oom_watch *w, uint64_t *n, clawrt_error *err)
{
  *n = 0;
  uint64_t fired = 0;
  if (!w->v2)
    {
      if (read(w->fd, &fired, sizeof fired) != (ssize_t) sizeof fired)
        fired = 0;
    }
  else
    {
      /* kernfs keeps reporting POLLPRI until this very fd reads the file */
      char buf[512];
      if (lseek(w->fd, 0, SEEK_SET) == 0)
        while (read(w->fd, buf, sizeof buf) > 0)
          ;
    }
  uint64_t kills, ooms;
  if (counters(w, &kills, &ooms, err) < 0)
    {
      /* the cgroup went away (v1 signals the eventfd for that too) */
      if (err->errnum == ENOENT || err->errnum == ENODEV)
        {
          clawrt_error_clear(err);
          return 0;
        }
      return -1;
    }
  w->notified += fired;
  uint64_t total = w->notified;
  if (kills > w->kills0 && kills - w->kills0 > total)
    total = kills - w->kills0;
  if (ooms > w->ooms0 && ooms - w->ooms0 > total)
    total = ooms - w->ooms0;
  if (total > w->reported)
    {
      *n = total - w->reported;
      w->reported = total;
    }
  return 0;
}
