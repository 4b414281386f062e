/* update, pause, resume, ps, events: the commands that act on a container
 * through its cgroup.  Each opens the state directory (container_open) and
 * loads the cgroup the create recorded; none holds the state lock longer
 * than one change, so `events` can stream while others act. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "container_priv.h"
#include "util.h"

#define EVENTS_DEFAULT_INTERVAL_MS 5000

/* The state of id and its cgroup; the caller frees both and closes the fds. */
static int
open_with_cgroup(const clawrt_globals *g, const char *id, int lock, int *rootfd, int *dirfd,
                 container_state **st, cgroup_manager **cg, clawrt_error *err)
{
  *cg = NULL;
  if (container_open(g, id, lock, rootfd, dirfd, st, err) < 0)
    return -1;
  if ((*st)->cgroup_json == NULL)
    clawrt_error_set(err, ENOENT, "container %s has no cgroup", id);
  else if (cgroup_load(NULL, (*st)->cgroup_json, cg, err) == 0)
    return 0;
  clawrt_error_wrap(err, "container %s", id);
  container_state_free(*st);
  *st = NULL;
  close(*dirfd);
  close(*rootfd);
  *rootfd = *dirfd = -1;
  return -1;
}

/* A pidfd for the init only if it still is the process the create started. */
static int
init_pidfd(const container_state *st)
{
  if (st->pid <= 0)
    return -1;
  int fd = (int) syscall(SYS_pidfd_open, st->pid, 0);
  if (fd >= 0 && proc_start_time(st->pid) != st->pid_start_time)
    {
      close(fd);
      return -1;
    }
  return fd;
}

static int
load_config(int dirfd, oci_spec **spec, clawrt_error *err)
{
  cleanup_free char *cfg = NULL;
  size_t len = 0;
  *spec = NULL;
  if (read_file_at(dirfd, "config.json", CLAWRT_CONFIG_MAX, &cfg, &len, err) < 0
      || oci_spec_parse(cfg, len, "config.json", spec, err) < 0)
    return -1;
  return 0;
}

/* checkBeforeUpdate is a property of the container: what config.json set
 * holds for every update that does not say otherwise. */
static bool
config_checks_before_update(const oci_spec *spec)
{
  return spec && spec->linux && spec->linux->resources && spec->linux->resources->memory
         && spec->linux->resources->memory->check_before_update;
}

/* After an update, under the state lock: the cgroup record when the update
 * changed it (real-time runtime given to the parents, which delete gives
 * back), and config.json with the new limits merged in, so that exec, state
 * and events see what the container has now.  Both are replaced by rename:
 * a reader sees the old file or the new one. */
static int
record_update(int dirfd, container_state *st, const cgroup_manager *cg, oci_spec *spec,
              const oci_resources *res, clawrt_error *err)
{
  cleanup_free char *cgjson = cgroup_serialize(cg);
  if (st->cgroup_json == NULL || strcmp(cgjson, st->cgroup_json) != 0)
    {
      free(st->cgroup_json);
      st->cgroup_json = steal_pointer(&cgjson);
      if (state_write(dirfd, st, err) < 0)
        return -1;
    }
  cleanup_free char *out = NULL;
  size_t outlen = 0;
  oci_spec *loaded = NULL;
  if (spec == NULL && load_config(dirfd, &loaded, err) < 0)
    return -1;
  if (spec == NULL)
    spec = loaded;
  if (spec->linux == NULL)
    spec->linux = xmalloc0(sizeof *spec->linux);
  if (spec->linux->resources == NULL)
    spec->linux->resources = xmalloc0(sizeof *spec->linux->resources);
  cgroup_resources_merge(spec->linux->resources, res);
  int rc = oci_spec_emit(spec, &out, &outlen, err);
  oci_spec_free(loaded);
  if (rc < 0)
    return -1;
  return atomic_write_at(dirfd, "config.json", out, outlen, 0600, err);
}

int
container_update(const clawrt_globals *g, const char *id, const oci_resources *res,
                 clawrt_error *err)
{
  cleanup_close int rootfd = -1, dirfd = -1;
  container_state *st = NULL;
  cgroup_manager *cg = NULL;
  oci_spec *spec = NULL;
  clawrt_error e = { 0 };
  if (open_with_cgroup(g, id, LOCK_EX, &rootfd, &dirfd, &st, &cg, err) < 0)
    return -1;
  int rc = -1;
  const char *status = container_status(dirfd, st, cg);
  if (strcmp(status, "stopped") == 0)
    {
      clawrt_error_set(err, 0, "cannot update container %s: it is stopped", id);
      goto out;
    }
  /* unreadable here, it is an error once the limits are in (record_update) */
  if (load_config(dirfd, &spec, &e) < 0)
    clawrt_error_clear(&e);
  /* a shallow copy: only memory.checkBeforeUpdate may differ */
  oci_resources r = *res;
  oci_memory mem;
  if (res->memory && !res->memory->has_check_before_update && config_checks_before_update(spec))
    {
      mem = *res->memory;
      mem.check_before_update = mem.has_check_before_update = true;
      r.memory = &mem;
    }
  if (cgroup_update(cg, &r, err) < 0)
    {
      clawrt_error_wrap(err, "update container %s", id);
      goto out;
    }
  if (record_update(dirfd, st, cg, spec, res, err) < 0)
    {
      clawrt_error_wrap(err, "container %s: the new limits are in force, but recording them "
                        "in the state directory failed", id);
      goto out;
    }
  rc = 0;
out:
  oci_spec_free(spec);
  cgroup_manager_free(cg);
  container_state_free(st);
  return rc;
}

static int
freeze(const clawrt_globals *g, const char *id, bool pause, clawrt_error *err)
{
  cleanup_close int rootfd = -1, dirfd = -1;
  container_state *st = NULL;
  cgroup_manager *cg = NULL;
  if (open_with_cgroup(g, id, LOCK_EX, &rootfd, &dirfd, &st, &cg, err) < 0)
    return -1;
  int rc = -1;
  const char *status = container_status(dirfd, st, cg);
  const char *want = pause ? "running" : "paused";
  if (strcmp(status, want) != 0)
    {
      clawrt_error_set(err, 0, "cannot %s container %s: it is %s, not %s",
                       pause ? "pause" : "resume", id, status, want);
      goto out;
    }
  if (cgroup_freeze(cg, pause, err) < 0)
    {
      clawrt_error_wrap(err, "%s container %s", pause ? "pause" : "resume", id);
      goto out;
    }
  rc = 0;
out:
  cgroup_manager_free(cg);
  container_state_free(st);
  return rc;
}

int
container_pause(const clawrt_globals *g, const char *id, clawrt_error *err)
{
  return freeze(g, id, true, err);
}

int
container_resume(const clawrt_globals *g, const char *id, clawrt_error *err)
{
  return freeze(g, id, false, err);
}

static int
cmp_pid(const void *a, const void *b)
{
  pid_t x = *(const pid_t *) a, y = *(const pid_t *) b;
  return (x > y) - (x < y);
}

int
container_ps(const clawrt_globals *g, const char *id, pid_t **pids, size_t *n, clawrt_error *err)
{
  *pids = NULL;
  *n = 0;
  cleanup_close int rootfd = -1, dirfd = -1;
  container_state *st = NULL;
  cgroup_manager *cg = NULL;
  if (open_with_cgroup(g, id, 0, &rootfd, &dirfd, &st, &cg, err) < 0)
    return -1;
  int rc = cgroup_pids(cg, pids, n, err);
  if (rc < 0)
    clawrt_error_wrap(err, "container %s: list processes", id);
  else if (*n > 1)
    qsort(*pids, *n, sizeof **pids, cmp_pid);
  cgroup_manager_free(cg);
  container_state_free(st);
  return rc;
}

static int
emit_stats(const char *id, cgroup_manager *cg, container_event_fn *fn, void *data,
           clawrt_error *err)
{
  cgroup_stats s;
  if (cgroup_get_stats(cg, &s, err) < 0)
    return clawrt_error_wrap(err, "container %s: stats", id);
  cleanup_free char *json = NULL;
  int rc = cgroup_event_json("stats", id, &s, &json, err);
  cgroup_stats_free(&s);
  if (rc < 0)
    return -1;
  return fn(json, data, err);
}

static int
emit_ooms(const char *id, cgroup_oom_watch *w, container_event_fn *fn, void *data,
          clawrt_error *err)
{
  uint64_t n;
  if (cgroup_oom_watch_read(w, &n, err) < 0)
    return -1;
  for (uint64_t i = 0; i < n; i++)
    {
      cleanup_free char *json = NULL;
      if (cgroup_event_json("oom", id, NULL, &json, err) < 0 || fn(json, data, err) < 0)
        return -1;
    }
  return 0;
}

/* Stats every interval and OOMs as they happen, until the init exits. */
static int
stream(const char *id, cgroup_manager *cg, int pidfd, uint64_t interval_ms,
       container_event_fn *fn, void *data, clawrt_error *err)
{
  cgroup_oom_watch *w = NULL;
  clawrt_error e = { 0 };
  /* no memory controller: stats still flow, there are just no OOMs */
  if (cgroup_oom_watch_open(cg, &w, &e) < 0)
    clawrt_error_clear(&e);
  short oom_events = 0;
  int oomfd = w ? cgroup_oom_watch_fd(w, &oom_events) : -1;
  int rc = -1;
  uint64_t next = now_ns() + interval_ms * 1000000ull;
  for (;;)
    {
      struct pollfd pfd[2] = { { pidfd, POLLIN, 0 }, { oomfd, oom_events, 0 } };
      uint64_t now = now_ns();
      int timeout = now >= next ? 0 : (int) ((next - now + 999999) / 1000000);
      int r = poll(pfd, oomfd >= 0 ? 2 : 1, timeout);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        {
          clawrt_error_set(err, errno, "events: poll");
          goto out;
        }
      if (w && pfd[1].revents && emit_ooms(id, w, fn, data, err) < 0)
        goto out;
      if (pfd[0].revents)
        {
          /* the OOM that killed the init is reported before the stream ends */
          if (w && emit_ooms(id, w, fn, data, err) < 0)
            goto out;
          break;
        }
      if (now_ns() >= next)
        {
          if (emit_stats(id, cg, fn, data, err) < 0)
            goto out;
          next += interval_ms * 1000000ull;
          if (next < now_ns())
            next = now_ns() + interval_ms * 1000000ull;
        }
    }
  rc = 0;
out:
  cgroup_oom_watch_free(w);
  return rc;
}

int
container_events(const clawrt_globals *g, const char *id, const events_opts *o,
                 container_event_fn *fn, void *data, clawrt_error *err)
{
  cleanup_close int rootfd = -1, dirfd = -1;
  container_state *st = NULL;
  cgroup_manager *cg = NULL;
  if (open_with_cgroup(g, id, 0, &rootfd, &dirfd, &st, &cg, err) < 0)
    return -1;
  int rc = -1;
  cleanup_close int pidfd = init_pidfd(st);
  const char *status = container_status(dirfd, st, cg);
  if (pidfd < 0 || strcmp(status, "stopped") == 0)
    {
      clawrt_error_set(err, 0, "container %s is not running", id);
      goto out;
    }
  if (o->stats_once)
    rc = emit_stats(id, cg, fn, data, err);
  else
    rc = stream(id, cg, pidfd, o->interval_ms ? o->interval_ms : EVENTS_DEFAULT_INTERVAL_MS, fn,
                data, err);
out:
  cgroup_manager_free(cg);
  container_state_free(st);
  return rc;
}

void
container_exit_free(container_exit *ex)
{
  if (ex == NULL)
    return;
  free(ex->died);
  free(ex->stats);
  ex->died = ex->stats = NULL;
}
