/* Real-time group scheduling on cgroup v1 (CONFIG_RT_GROUP_SCHED).  A
 * cgroup's real-time tasks may run cpu.rt_runtime_us per cpu.rt_period_us,
 * and the kernel insists that the children of a cgroup together get no more
 * than the cgroup itself (compared as ratios runtime/period, in the
 * kernel's fixed point).  A new cgroup gets 0, so a container asking for
 * real-time runtime under /clawrt is refused unless /clawrt, and every
 * level above it up to the hierarchy root, holds enough first.
 *
 * Raising: bottom-up, work out what each ancestor must hold for its
 * children once the leaf has its new value; write top-down (a level can
 * only grow within what its parent already has); then the leaf.  What each
 * level got from this container is remembered (m->rt_given, kept in the
 * state) and given back when the container goes, never below what the
 * remaining children need.  The runtime's own default parent is trimmed to
 * exactly that need, so runtime left there by a clawrt killed mid-create is
 * not locked away for good.
 *
 * Every clawrt doing this takes flock on the cpu hierarchy's root
 * directory, so reading the siblings' values and writing the parents is one
 * step, however many containers start or stop at once.  Containers that ask
 * for no real-time runtime never come here. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "util.h"

/* The kernel's BW_SHIFT: ratios are runtime/period scaled by 2^20. */
#define RT_SHIFT 20
#define RT_UNIT (1ull << RT_SHIFT)

uint64_t
cg_rt_ratio(uint64_t period, int64_t runtime)
{
  if (period == 0)
    return 0;
  if (runtime < 0)
    return RT_UNIT;
  return (uint64_t) (((unsigned __int128) runtime << RT_SHIFT) / period);
}

int64_t
cg_rt_runtime_for(uint64_t period, uint64_t ratio)
{
  unsigned __int128 r = ((unsigned __int128) ratio * period + RT_UNIT - 1) >> RT_SHIFT;
  return r > INT64_MAX ? INT64_MAX : (int64_t) r;
}

void
cg_rt_plan(const cg_rt_level *lv, size_t n, uint64_t leaf_ratio, int64_t *target)
{
  uint64_t q = leaf_ratio;
  for (size_t k = n; k-- > 0;)
    {
      uint64_t need = lv[k].others + q;
      if (need < q)
        need = UINT64_MAX;
      if (lv[k].runtime < 0)
        {
          target[k] = lv[k].runtime; /* unlimited already */
          q = RT_UNIT;
          continue;
        }
      int64_t min = cg_rt_runtime_for(lv[k].period, need);
      target[k] = min > lv[k].runtime ? min : lv[k].runtime;
      q = cg_rt_ratio(lv[k].period, target[k]);
    }
}

int64_t
cg_rt_trim(uint64_t period, int64_t runtime, uint64_t children, uint64_t given, bool owned)
{
  if (runtime < 0)
    return runtime;
  int64_t floor = cg_rt_runtime_for(period, children);
  int64_t want = owned || given >= (uint64_t) runtime ? 0 : runtime - (int64_t) given;
  int64_t v = want > floor ? want : floor;
  return v < runtime ? v : runtime;
}

/* ---- the files ----------------------------------------------------------- */

static int
read_i64(int dirfd, const char *file, int64_t *out, bool *present, clawrt_error *err)
{
  cleanup_free char *text = NULL;
  if (cg_read(dirfd, file, true, &text, err) < 0)
    return -1;
  *present = text != NULL;
  if (text == NULL)
    return 0;
  if (parse_i64(text, out) < 0)
    return clawrt_error_set(err, EINVAL, "cgroup file %s: `%s` is not a number", file, text);
  return 0;
}

/* period and runtime of one cgroup; *present false when the kernel has no
 * real-time group scheduling */
static int
read_level(int dirfd, uint64_t *period, int64_t *runtime, bool *present, clawrt_error *err)
{
  int64_t p = 0;
  bool pp = false, rp = false;
  if (read_i64(dirfd, "cpu.rt_period_us", &p, &pp, err) < 0
      || read_i64(dirfd, "cpu.rt_runtime_us", runtime, &rp, err) < 0)
    return -1;
  *present = pp && rp;
  *period = p > 0 ? (uint64_t) p : 0;
  return 0;
}

/* Sum of the ratios of dirfd's child cgroups, except `skip` (may be NULL). */
static int
children_sum(int dirfd, const char *skip, uint64_t *sum, clawrt_error *err)
{
  *sum = 0;
  int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return clawrt_error_set(err, errno, "open cgroup");
  DIR *dir = fdopendir(fd);
  if (dir == NULL)
    {
      close(fd);
      return clawrt_error_set(err, errno, "list cgroup");
    }
  int rc = 0;
  struct dirent *de;
  while (rc == 0 && (de = readdir(dir)) != NULL)
    {
      if (de->d_name[0] == '.' || (skip && strcmp(de->d_name, skip) == 0))
        continue;
      if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
        continue;
      int cfd = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
      if (cfd < 0)
        continue; /* a file, or a sibling removed meanwhile */
      uint64_t p;
      int64_t r;
      bool present;
      rc = read_level(cfd, &p, &r, &present, err);
      close(cfd);
      if (rc == 0 && present)
        {
          uint64_t q = cg_rt_ratio(p, r);
          *sum = *sum + q < *sum ? UINT64_MAX : *sum + q;
        }
      if (rc < 0 && err->errnum == ENOENT)
        {
          clawrt_error_clear(err);
          rc = 0; /* removed while we read it */
        }
    }
  closedir(dir);
  return rc;
}

static int
lock_hierarchy(const cgroup_manager *m, const cg_dir *d, clawrt_error *err)
{
  int fd = cg_open_mount(m->root_prefix, d->mount, err);
  if (fd < 0)
    return -1;
  while (flock(fd, LOCK_EX) < 0)
    if (errno != EINTR)
      {
        int e = errno;
        close(fd);
        return clawrt_error_set(err, e, "lock the cpu cgroup hierarchy");
      }
  return fd;
}

/* The ancestors of d's leaf below the hierarchy root: "a", "a/b", ... */
static char **
ancestors(const char *rel, size_t *n)
{
  size_t k = 0;
  for (const char *s = rel; *s; s++)
    k += *s == '/';
  char **v = xmalloc0((k + 1) * sizeof *v);
  *n = 0;
  for (const char *s = strchr(rel, '/'); s; s = strchr(s + 1, '/'))
    v[(*n)++] = xasprintf("%.*s", (int) (s - rel), rel);
  return v;
}

static const char *
last_name(const char *path)
{
  const char *s = strrchr(path, '/');
  return s ? s + 1 : path;
}

static int
write_runtime(int fd, int64_t v, clawrt_error *err)
{
  return cg_writef(fd, "cpu.rt_runtime_us", NULL, err, "%" PRId64, v);
}

typedef struct rt_work {
  char **anc;
  size_t n;
  int *fds;
  cg_rt_level *lv;
  int64_t *target;
} rt_work;

static void
work_free(rt_work *w)
{
  for (size_t i = 0; i < w->n; i++)
    {
      free(w->anc[i]);
      if (w->fds && w->fds[i] >= 0)
        close(w->fds[i]);
    }
  free(w->anc);
  free(w->fds);
  free(w->lv);
  free(w->target);
}

/* Open and read every ancestor of rel (none may be missing: the leaf is
 * there). */
static int
work_load(int mountfd, const char *rel, const char *field, rt_work *w, clawrt_error *err)
{
  w->anc = ancestors(rel, &w->n);
  w->fds = xmalloc0((w->n + 1) * sizeof *w->fds);
  w->lv = xmalloc0((w->n + 1) * sizeof *w->lv);
  w->target = xmalloc0((w->n + 1) * sizeof *w->target);
  for (size_t i = 0; i < w->n; i++)
    w->fds[i] = -1;
  for (size_t i = 0; i < w->n; i++)
    {
      w->fds[i] = openat(mountfd, w->anc[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
      if (w->fds[i] < 0)
        return clawrt_error_set(err, errno, "linux.resources.%s: open cgroup /%s", field,
                                w->anc[i]);
      bool present;
      const char *child = i + 1 < w->n ? last_name(w->anc[i + 1]) : last_name(rel);
      if (read_level(w->fds[i], &w->lv[i].period, &w->lv[i].runtime, &present, err) < 0
          || (present && children_sum(w->fds[i], child, &w->lv[i].others, err) < 0))
        return clawrt_error_wrap(err, "linux.resources.%s: cgroup /%s", field, w->anc[i]);
      if (!present)
        return clawrt_error_set(err, 0, "linux.resources.%s: cgroup /%s has no real-time "
                                "settings although the container's has", field, w->anc[i]);
    }
  return 0;
}

static void
rollback(rt_work *w, size_t written)
{
  for (size_t k = written; k-- > 0;)
    {
      clawrt_error e = { 0 };
      if (w->target[k] != w->lv[k].runtime)
        write_runtime(w->fds[k], w->lv[k].runtime, &e);
      clawrt_error_clear(&e);
    }
}

static int
leaf_write(int fd, bool has_p, uint64_t p, bool has_r, int64_t r, uint64_t cur_p,
           clawrt_error *err)
{
  /* the state between the two writes must be valid too: a longer period
   * first can only lower the ratio, a shorter one goes after the runtime */
  bool period_first = !has_p || p >= cur_p;
  if (period_first && has_p
      && cg_writef(fd, "cpu.rt_period_us", "cpu.realtimePeriod", err, "%" PRIu64, p) < 0)
    return -1;
  if (has_r && cg_writef(fd, "cpu.rt_runtime_us", "cpu.realtimeRuntime", err, "%" PRId64, r) < 0)
    return -1;
  if (!period_first
      && cg_writef(fd, "cpu.rt_period_us", "cpu.realtimePeriod", err, "%" PRIu64, p) < 0)
    return -1;
  return 0;
}

static void
remember(cgroup_manager *m, const rt_work *w)
{
  if (m->rt_given_len < w->n)
    {
      m->rt_given = xrealloc(m->rt_given, w->n * sizeof *m->rt_given);
      memset(m->rt_given + m->rt_given_len, 0, (w->n - m->rt_given_len) * sizeof *m->rt_given);
      m->rt_given_len = w->n;
    }
  for (size_t i = 0; i < w->n; i++)
    if (w->lv[i].runtime >= 0 && w->target[i] > w->lv[i].runtime)
      m->rt_given[i] += (uint64_t) (w->target[i] - w->lv[i].runtime);
}

int
cg_rt_apply(cgroup_manager *m, cg_dir *d, const oci_cpu *c, clawrt_error *err)
{
  /* a period of 0 is "not set", as for cpu.period (runc does the same) */
  bool has_p = c->has_realtime_period && c->realtime_period != 0;
  bool has_r = c->has_realtime_runtime;
  if (!has_p && !has_r)
    return 0;
  const char *field = has_r ? "cpu.realtimeRuntime" : "cpu.realtimePeriod";
  uint64_t cur_p;
  int64_t cur_r;
  bool present;
  if (read_level(d->fd, &cur_p, &cur_r, &present, err) < 0)
    return clawrt_error_wrap(err, "linux.resources.%s", field);
  if (!present)
    return cg_field_error(err, field, "this kernel has no real-time group scheduling (no "
                          "cpu.rt_runtime_us: CONFIG_RT_GROUP_SCHED is off), so real-time "
                          "tasks need no cgroup budget here; drop the field");
  uint64_t p = has_p ? c->realtime_period : cur_p;
  int64_t r = has_r ? (c->realtime_runtime < 0 ? -1 : c->realtime_runtime) : cur_r;
  if (r > 0 && (uint64_t) r > p)
    return cg_field_error(err, field, "a runtime of %" PRId64 " us is more than the period of "
                          "%" PRIu64 " us", r, p);
  /* not growing: what the parents hold for the leaf now is enough */
  if (cg_rt_ratio(p, r) <= cg_rt_ratio(cur_p, cur_r))
    return leaf_write(d->fd, has_p, p, has_r, r, cur_p, err);

  cleanup_close int mountfd = lock_hierarchy(m, d, err);
  if (mountfd < 0)
    return clawrt_error_wrap(err, "linux.resources.%s", field);
  rt_work w = { 0 };
  int rc = -1;
  size_t written = 0;
  if (work_load(mountfd, d->rel, field, &w, err) < 0)
    goto out;
  cg_rt_plan(w.lv, w.n, cg_rt_ratio(p, r), w.target);
  for (; written < w.n; written++)
    {
      size_t i = written;
      if (w.target[i] == w.lv[i].runtime)
        continue;
      if (write_runtime(w.fds[i], w.target[i], err) < 0)
        {
          int e = err->errnum ? err->errnum : EINVAL;
          clawrt_error_clear(err);
          clawrt_error_set(err, e,
                           "linux.resources.%s: the container's parent cgroup /%s needs "
                           "%" PRId64 " us of real-time runtime per %" PRIu64 " us for its "
                           "children, and the kernel refused it: the cgroups above it have "
                           "no real-time runtime left to give (the whole host has "
                           "kernel.sched_rt_runtime_us per kernel.sched_rt_period_us); ask for "
                           "less or stop other real-time containers",
                           field, w.anc[i], w.target[i], w.lv[i].period);
          goto out;
        }
    }
  if (leaf_write(d->fd, has_p, p, has_r, r, cur_p, err) < 0)
    goto out;
  remember(m, &w);
  rc = 0;
out:
  if (rc < 0)
    rollback(&w, written);
  work_free(&w);
  return rc;
}

void
cg_rt_leaf_zero(const cgroup_manager *m)
{
  cg_dir *d = m->rt_given_len ? cg_dir_for(m, CG_CPU) : NULL;
  clawrt_error e = { 0 };
  /* EBUSY while a real-time task is still there: then the rmdir and the
   * wait in cg_rt_release cover it */
  if (d && !d->v2 && d->fd >= 0 && write_runtime(d->fd, 0, &e) < 0)
    clawrt_error_clear(&e);
}

/* The kernel counts a removed cgroup until its last reference goes, a
 * moment after rmdir: a parent cannot shrink below it until then. */
static void
write_trim(int fd, int64_t v)
{
  clawrt_error e = { 0 };
  for (unsigned wait = 1, waited = 0;; wait = wait < 32 ? wait * 2 : 32)
    {
      if (write_runtime(fd, v, &e) == 0)
        return;
      int errnum = e.errnum;
      clawrt_error_clear(&e);
      if (errnum != EINVAL || waited >= 500)
        return;
      struct timespec ts = { 0, (long) wait * 1000000L };
      nanosleep(&ts, NULL);
      waited += wait;
    }
}

void
cg_rt_release(cgroup_manager *m)
{
  if (m->rt_given_len == 0)
    return;
  cg_dir *d = cg_dir_for(m, CG_CPU);
  clawrt_error e = { 0 };
  cleanup_close int mountfd = d && !d->v2 ? lock_hierarchy(m, d, &e) : -1;
  clawrt_error_clear(&e);
  if (mountfd < 0)
    return;
  size_t n;
  char **anc = ancestors(d->rel, &n);
  bool owned_top = cg_is_default_path(m);
  /* bottom-up: a level shrinks only once its children have */
  for (size_t k = n; k-- > 0;)
    {
      cleanup_close int fd
          = openat(mountfd, anc[k], O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
      uint64_t period, sum;
      int64_t runtime;
      bool present;
      if (fd < 0 || read_level(fd, &period, &runtime, &present, &e) < 0 || !present
          || children_sum(fd, NULL, &sum, &e) < 0)
        {
          clawrt_error_clear(&e);
          continue; /* gone with the container, or nothing to give back */
        }
      uint64_t given = k < m->rt_given_len ? m->rt_given[k] : 0;
      int64_t v = cg_rt_trim(period, runtime, sum, given, owned_top && k == 0);
      if (v < runtime)
        write_trim(fd, v);
    }
  for (size_t k = 0; k < n; k++)
    free(anc[k]);
  free(anc);
  free(m->rt_given);
  m->rt_given = NULL;
  m->rt_given_len = 0;
}
