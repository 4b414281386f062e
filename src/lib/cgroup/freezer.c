/* pause/resume: the v1 freezer controller (freezer.state) or the v2 core
 * freezer (cgroup.freeze, completion reported in cgroup.events).  On a
 * hybrid host the v1 freezer is used when mounted (what other tools look
 * at), else the cgroup2 leaf, which freezes whatever its controllers. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <string.h>
#include <time.h>

#include "internal.h"
#include "util.h"

#define FREEZE_TIMEOUT_MS 5000

static void
nap(unsigned *ms)
{
  struct timespec ts = { 0, (long) *ms * 1000000L };
  nanosleep(&ts, NULL);
  if (*ms < 50)
    *ms *= 2;
}

static int
freeze_v1(int fd, bool freeze, clawrt_error *err)
{
  const char *want = freeze ? "FROZEN" : "THAWED";
  unsigned ms = 1;
  uint64_t start = now_ns();
  for (;;)
    {
      /* writing FROZEN again pushes tasks that forked meanwhile */
      if (cg_write(fd, "freezer.state", want, NULL, err) < 0)
        return -1;
      cleanup_free char *st = NULL;
      if (cg_read(fd, "freezer.state", false, &st, err) < 0)
        return -1;
      if (strcmp(st, want) == 0)
        return 0;
      if (now_ns() - start > FREEZE_TIMEOUT_MS * 1000000ull)
        {
          if (freeze)
            {
              clawrt_error e = { 0 };
              cg_write(fd, "freezer.state", "THAWED", NULL, &e);
              clawrt_error_clear(&e);
            }
          return clawrt_error_set(err, ETIMEDOUT, "freezer.state stays `%s` instead of %s", st,
                                  want);
        }
      nap(&ms);
    }
}

static int
freeze_v2(int fd, bool freeze, clawrt_error *err)
{
  if (cg_write(fd, "cgroup.freeze", freeze ? "1" : "0", NULL, err) < 0)
    return -1;
  unsigned ms = 1;
  uint64_t start = now_ns();
  for (;;)
    {
      cleanup_free char *ev = NULL;
      uint64_t frozen = 0;
      if (cg_read(fd, "cgroup.events", false, &ev, err) < 0)
        return -1;
      if (cg_keyed_get(ev, "frozen", &frozen) < 0)
        return clawrt_error_set(err, EINVAL, "cgroup.events has no `frozen` line");
      if ((frozen != 0) == freeze)
        return 0;
      if (now_ns() - start > FREEZE_TIMEOUT_MS * 1000000ull)
        {
          if (freeze)
            {
              clawrt_error e = { 0 };
              cg_write(fd, "cgroup.freeze", "0", NULL, &e);
              clawrt_error_clear(&e);
            }
          return clawrt_error_set(err, ETIMEDOUT, "the cgroup did not become %s within %d ms",
                                  freeze ? "frozen" : "thawed", FREEZE_TIMEOUT_MS);
        }
      nap(&ms);
    }
}

int
cg_freeze_dir(const cg_dir *d, bool freeze, clawrt_error *err)
{
  return d->v2 ? freeze_v2(d->fd, freeze, err) : freeze_v1(d->fd, freeze, err);
}

int
cg_frozen_dir(const cg_dir *d, bool *frozen, clawrt_error *err)
{
  cleanup_free char *st = NULL;
  if (cg_read(d->fd, d->v2 ? "cgroup.freeze" : "freezer.state", false, &st, err) < 0)
    return -1;
  /* the wish, not the progress: a freezing container already counts as
   * paused, as runc reports it */
  *frozen = d->v2 ? strcmp(st, "1") == 0 : strcmp(st, "THAWED") != 0;
  return 0;
}

static cg_dir *
freezer_of(const cgroup_manager *m)
{
  cg_dir *d = cg_dir_for(m, CG_FREEZER);
  return d ? d : cg_v2_dir(m);
}

int
cgroup_freeze(const cgroup_manager *m, bool freeze, clawrt_error *err)
{
  cg_dir *d = freezer_of(m);
  if (d == NULL)
    return clawrt_error_set(err, ENOTSUP, "%s: this host has no freezer (neither the v1 freezer "
                            "controller nor cgroup v2)", freeze ? "pause" : "resume");
  if (cg_freeze_dir(d, freeze, err) < 0)
    return clawrt_error_wrap(err, "%s cgroup %s", freeze ? "freeze" : "thaw", m->path);
  return 0;
}

static int
thaw_one(int fd, void *arg, clawrt_error *err)
{
  clawrt_error e = { 0 };
  cleanup_free char *st = NULL;
  if (cg_read(fd, "freezer.state", true, &st, &e) == 0 && st && strcmp(st, "THAWED") != 0)
    cg_write(fd, "freezer.state", "THAWED", NULL, &e);
  /* best effort: a task left frozen shows as the sub-cgroup rmdir cannot
   * remove, and that error names it */
  clawrt_error_clear(&e);
  return 0;
}

void
cg_thaw_subcgroups(const cgroup_manager *m)
{
  cg_dir *d = cg_dir_for(m, CG_FREEZER);
  bool frozen = true;
  clawrt_error e = { 0 };
  if (d && !d->v2 && cg_frozen_dir(d, &frozen, &e) == 0 && !frozen)
    cg_walk(d->fd, thaw_one, NULL, NULL, &e);
  clawrt_error_clear(&e);
}

int
cgroup_is_frozen(const cgroup_manager *m, bool *frozen, clawrt_error *err)
{
  *frozen = false;
  cg_dir *d = freezer_of(m);
  if (d == NULL)
    return 0;
  return cg_frozen_dir(d, frozen, err);
}
