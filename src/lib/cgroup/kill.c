/* Processes of a container's cgroup: listing them (its sub-cgroups too),
 * signalling all of them, and removing the sub-cgroups a container made.
 * SIGKILL goes through cgroup.kill where a cgroup2 leaf has it (5.14+):
 * one write, and a process forking meanwhile cannot escape.  Otherwise the
 * cgroup is frozen, every pid signalled, and thawed again. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "util.h"

#define MAX_DEPTH 32

int
cg_collect_pids(int dirfd, pid_t **pids, size_t *n, size_t *cap, int depth, clawrt_error *err)
{
  if (depth > MAX_DEPTH)
    return 0;
  cleanup_free char *text = NULL;
  if (cg_read(dirfd, "cgroup.procs", true, &text, err) < 0)
    return -1;
  for (char *p = text; p && *p;)
    {
      char *nl = strchr(p, '\n');
      if (nl)
        *nl = '\0';
      uint64_t v;
      if (parse_u64(p, &v) == 0 && v > 0 && v <= INT32_MAX)
        {
          if (*n == *cap)
            {
              *cap = *cap ? *cap * 2 : 32;
              *pids = xrealloc(*pids, *cap * sizeof **pids);
            }
          (*pids)[(*n)++] = (pid_t) v;
        }
      p = nl ? nl + 1 : NULL;
    }
  /* a fresh open, not a dup: a dup would share the directory offset
   * with dirfd, and a second walk over the same fd would find nothing */
  int dfd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    return clawrt_error_set(err, errno, "open cgroup directory");
  DIR *dir = fdopendir(dfd);
  if (dir == NULL)
    {
      close(dfd);
      return clawrt_error_set(err, errno, "read cgroup directory");
    }
  int rc = 0;
  struct dirent *de;
  while (rc == 0 && (de = readdir(dir)))
    {
      if (de->d_type != DT_DIR || de->d_name[0] == '.')
        continue;
      int sub = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
      if (sub < 0)
        continue; /* removed meanwhile */
      rc = cg_collect_pids(sub, pids, n, cap, depth + 1, err);
      close(sub);
    }
  closedir(dir);
  return rc;
}

int
cg_rmdir_children(int dirfd, clawrt_error *err)
{
  /* a fresh open, not a dup: a dup would share the directory offset
   * with dirfd, and a second walk over the same fd would find nothing */
  int dfd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    return clawrt_error_set(err, errno, "open cgroup directory");
  DIR *dir = fdopendir(dfd);
  if (dir == NULL)
    {
      close(dfd);
      return clawrt_error_set(err, errno, "read cgroup directory");
    }
  int rc = 0;
  struct dirent *de;
  while (rc == 0 && (de = readdir(dir)))
    {
      if (de->d_type != DT_DIR || de->d_name[0] == '.')
        continue;
      int sub = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
      if (sub < 0)
        continue;
      rc = cg_rmdir_children(sub, err);
      close(sub);
      for (unsigned ms = 1; rc == 0 && unlinkat(dirfd, de->d_name, AT_REMOVEDIR) < 0; ms *= 2)
        {
          if (errno == ENOENT)
            break;
          if (errno != EBUSY || ms > 512)
            rc = clawrt_error_set(err, errno, "remove sub-cgroup `%s`", de->d_name);
          else
            nanosleep(&(struct timespec){ 0, (long) ms * 1000000L }, NULL);
        }
    }
  closedir(dir);
  return rc;
}

static int
kill_pids(const cgroup_manager *m, int signo, size_t *signalled, clawrt_error *err)
{
  cleanup_free pid_t *pids = NULL;
  size_t n = 0;
  if (cgroup_pids(m, &pids, &n, err) < 0)
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
          return kill_pids(m, SIGKILL, &signalled, err);
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
  return rc;
}
