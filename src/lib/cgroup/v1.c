/* cgroup v1 specifics of placing a container: a new cpuset cgroup starts
 * with no CPUs and no memory nodes (unless the parent has clone_children),
 * and no task can enter it until both are filled, so they are copied down
 * from the nearest parent that has them. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "util.h"

/* Make sure dirfd (at rel under mountfd) has `file` non-empty; *value gets
 * the content (caller frees).  A parent filled here also gets
 * clone_children, so the next leaf under it starts filled by the kernel. */
static int
ensure(int mountfd, const char *rel, int dirfd, const char *file, char **value, bool is_parent)
{
  clawrt_error e = { 0 };
  cleanup_free char *cur = NULL;
  if (cg_read(dirfd, file, true, &cur, &e) < 0 || cur == NULL)
    {
      clawrt_error_clear(&e);
      return -1;
    }
  if (*cur)
    {
      *value = steal_pointer(&cur);
      return 0;
    }
  if (*rel == '\0')
    return -1; /* the hierarchy root is never empty; nothing to copy from */
  cleanup_free char *parent = xstrdup(rel);
  char *slash = strrchr(parent, '/');
  if (slash)
    *slash = '\0';
  else
    parent[0] = '\0';
  cleanup_close int pfd = *parent ? openat(mountfd, parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
                                  : fcntl(mountfd, F_DUPFD_CLOEXEC, 3);
  if (pfd < 0)
    return -1;
  cleanup_free char *pv = NULL;
  if (ensure(mountfd, parent, pfd, file, &pv, true) < 0)
    return -1;
  if (cg_write(dirfd, file, pv, NULL, &e) < 0)
    {
      clawrt_error_clear(&e);
      return -1;
    }
  /* only an optimisation: the copy above is what counts */
  if (is_parent && cg_write(dirfd, "cgroup.clone_children", "1", NULL, &e) < 0)
    clawrt_error_clear(&e);
  *value = steal_pointer(&pv);
  return 0;
}

/* Best effort: when it fails, entering the cgroup fails with ENOSPC and
 * that error is reported there, with the pid. */
void
cg_v1_init_cpuset(int mountfd, const char *rel, int leaffd)
{
  cleanup_free char *cpus = NULL, *mems = NULL;
  ensure(mountfd, rel, leaffd, "cpuset.cpus", &cpus, false);
  ensure(mountfd, rel, leaffd, "cpuset.mems", &mems, false);
}
