/* Signalling every process of a container's cgroup, its sub-cgroups too.
 * SIGKILL goes through cgroup.kill where a cgroup2 leaf has it (5.14+):
 * one write, and a process forking meanwhile cannot escape.  Otherwise the
 * cgroup is frozen, every pid signalled, and thawed again. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <signal.h>
#include <stdlib.h>

#include "internal.h"
#include "util.h"

static int
cmp_pid(const void *a, const void *b)
{
  pid_t x = *(const pid_t *) a, y = *(const pid_t *) b;
  return (x > y) - (x < y);
}

int
cg_all_pids(const cgroup_manager *m, pid_t **pids, size_t *n, clawrt_error *err)
{
  *pids = NULL;
  *n = 0;
  size_t cap = 0;
  for (size_t i = 0; i < m->n; i++)
    if (m->dirs[i].fd >= 0 && cg_collect_pids(m->dirs[i].fd, pids, n, &cap, err) < 0)
      {
        free(*pids);
        *pids = NULL;
        *n = 0;
        return -1;
      }
  if (*n < 2)
    return 0;
  qsort(*pids, *n, sizeof **pids, cmp_pid);
  size_t w = 1;
  for (size_t r = 1; r < *n; r++)
    if ((*pids)[r] != (*pids)[w - 1])
      (*pids)[w++] = (*pids)[r];
  *n = w;
  return 0;
}

static int
kill_pids(const cgroup_manager *m, int signo, size_t *signalled, clawrt_error *err)
{
  cleanup_free pid_t *pids = NULL;
  size_t n = 0;
  if (cg_all_pids(m, &pids, &n, err) < 0)
    return -1;
  *signalled = 0;
  for (size_t i = 0; i < n; i++)
    {
      if (kill(pids[i], signo) == 0)
        (*signalled)++;
      else if (errno != ESRCH)
        return clawrt_error_set(err, errno, "signal %d to pid %d", signo, (int) pids[i]);
    }
  return 0;
}

int
cgroup_kill_all(const cgroup_manager *m, int signo, clawrt_error *err)
{
  cg_dir *v2 = cg_v2_dir(m);
  size_t signalled = 0;
  if (signo == SIGKILL && v2)
    {
      if (cg_write(v2->fd, "cgroup.kill", "1", NULL, err) == 0)
        {
          if (m->layout == CGROUP_LAYOUT_V2)
            return 0;
          /* hybrid: a process put only into the v1 hierarchies (by another
           * tool) is not in the cgroup2 leaf; SIGKILL needs no freezing */
          int rc = kill_pids(m, SIGKILL, &signalled, err);
          cg_thaw_subcgroups(m);
          return rc;
        }
      if (err->errnum != ENOENT)
        return clawrt_error_wrap(err, "kill cgroup %s", m->path);
      clawrt_error_clear(err); /* before Linux 5.14 */
    }
  bool was_frozen = false, froze = false;
  clawrt_error e = { 0 };
  if (cgroup_is_frozen(m, &was_frozen, &e) < 0)
    clawrt_error_clear(&e);
  if (!was_frozen)
    {
      froze = cgroup_freeze(m, true, &e) == 0;
      clawrt_error_clear(&e);
    }
  int rc = kill_pids(m, signo, &signalled, err);
  /* without a freezer a fork can slip between read and kill: sweep again
   * (only for SIGKILL: other signals must not arrive twice) */
  for (int round = 0; rc == 0 && !froze && !was_frozen && signo == SIGKILL && signalled > 0
                      && round < 3;
       round++)
    rc = kill_pids(m, signo, &signalled, err);
  if (froze && cgroup_freeze(m, false, &e) < 0 && rc == 0)
    {
      *err = e;
      return -1;
    }
  clawrt_error_clear(&e);
  if (signo == SIGKILL)
    cg_thaw_subcgroups(m);
  return rc;
}
