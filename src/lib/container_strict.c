/* The host side of strict mode: kernel features it cannot do without, and
 * a cgroup of the container's own.  It reads the cgroup layer's directory
 * list (cgroup/internal.h) of a manager opened with open_only, which
 * creates and writes nothing: the check runs before any limit is written,
 * so a refused create has touched no other container's cgroup. */
#define _GNU_SOURCE
#include "container_strict.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cgroup/internal.h"
#include "util.h"

#ifndef SECCOMP_GET_ACTION_AVAIL
#define SECCOMP_GET_ACTION_AVAIL 2
#endif

void
strict_host_probe(const char *proc, strict_host *out)
{
  const char *p = proc ? proc : "/proc";
  cleanup_free char *cg = xasprintf("%s/self/ns/cgroup", p);
  cleanup_free char *mnt = xasprintf("%s/self/ns/mnt", p);
  out->cgroup_ns = access(cg, F_OK) == 0;
  out->mount_ns = access(mnt, F_OK) == 0;
  /* asks, loads nothing: ENOSYS without seccomp(2), EINVAL without
   * filters, EOPNOTSUPP when the errno action is unknown */
  uint32_t action = SECCOMP_RET_ERRNO;
  out->seccomp = syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action) == 0;
}

/* The first pid in dirfd/cgroup.procs (0: none), and whether ours is in
 * it.  A cgroup without the file (not a cgroup) holds nothing. */
static int
procs_of(int dirfd, pid_t *first, bool *self, clawrt_error *err)
{
  *first = 0;
  *self = false;
  cleanup_free char *buf = NULL;
  int fd = openat(dirfd, "cgroup.procs", O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return errno == ENOENT ? 0 : clawrt_error_set(err, errno, "open cgroup.procs");
  close(fd);
  if (read_file_at(dirfd, "cgroup.procs", 64u << 20, &buf, NULL, err) < 0)
    return -1;
  pid_t me = getpid();
  for (char *s = buf, *end; *s; s = end)
    {
      long v = strtol(s, &end, 10);
      if (end == s)
        {
          end = s + 1;
          continue;
        }
      if (v > 0 && *first == 0)
        *first = (pid_t) v;
      if (v == me)
        *self = true;
    }
  return 0;
}

/* A cgroup at or below fd (whose path is *path) that holds a process:
 * its path in *path and the pid in *pid. */
static int
busy_below(int fd, char **path, pid_t *pid, int depth, clawrt_error *err)
{
  bool self;
  if (procs_of(fd, pid, &self, err) < 0)
    return -1;
  if (*pid)
    return 0;
  if (depth > 64)
    return clawrt_error_set(err, ELOOP, "cgroup `%s`: more than 64 levels below it", *path);
  int dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    return clawrt_error_set(err, errno, "list cgroup `%s`", *path);
  DIR *d = fdopendir(dfd);
  if (d == NULL)
    {
      close(dfd);
      return clawrt_error_set(err, errno, "list cgroup `%s`", *path);
    }
  int rc = 0;
  struct dirent *e;
  while (rc == 0 && *pid == 0 && (e = readdir(d)) != NULL)
    {
      if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0
          || (e->d_type != DT_DIR && e->d_type != DT_UNKNOWN))
        continue;
      cleanup_close int sub = openat(fd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (sub < 0)
        continue; /* a file, or removed meanwhile */
      char *parent = *path;
      *path = xasprintf("%s/%s", parent, e->d_name);
      rc = busy_below(sub, path, pid, depth + 1, err);
      if (rc == 0 && *pid == 0)
        {
          free(*path);
          *path = parent;
        }
      else
        free(parent);
    }
  closedir(d);
  return rc;
}

/* One hierarchy of the manager: its leaf (and below), then its ancestors
 * up to the runtime's own cgroup or the mount's root. */
static int
check_dir(const cgroup_manager *m, const cg_dir *d, const char *origin, clawrt_error *err)
{
  const char *hier = d->v2 ? "cgroup2" : d->mount;
  cleanup_close int mountfd = cg_open_mount(m->root_prefix, d->mount, err);
  if (mountfd < 0)
    return -1;
  pid_t pid = 0;
  if (d->fd >= 0)
    {
      char *path = xstrdup(d->rel);
      int rc = busy_below(d->fd, &path, &pid, 0, err);
      if (rc == 0 && pid)
        {
          cleanup_free char *where
              = strcmp(path, d->rel) == 0 ? xstrdup("") : xasprintf(", in its sub-cgroup `/%s`,", path);
          rc = clawrt_error_set(err, 0,
                                "%s: strict mode: item 1 (own leaf cgroup): linux.cgroupsPath: "
                                "the cgroup `/%s` (%s)%s already holds pid %d, another "
                                "container's: the two would share limits and see each other; "
                                "give linux.cgroupsPath a path no live container uses",
                                origin, d->rel, hier, where, (int) pid);
        }
      free(path);
      if (rc < 0)
        return -1;
    }
  cleanup_free char *up = xstrdup(d->rel);
  for (char *slash; (slash = strrchr(up, '/')) != NULL;)
    {
      *slash = '\0';
      cleanup_close int fd = openat(mountfd, up, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0)
        continue; /* not made yet: nobody is in it */
      bool self;
      if (procs_of(fd, &pid, &self, err) < 0)
        return -1;
      /* from here up it is where the runtime itself was placed */
      if (self)
        break;
      if (pid)
        return clawrt_error_set(err, 0,
                                "%s: strict mode: item 1 (own leaf cgroup): linux.cgroupsPath: "
                                "the cgroup `/%s` (%s) would lie inside `/%s`, which holds pid %d "
                                "(another container's?): it would count against, and be seen "
                                "by, that cgroup; give linux.cgroupsPath a path no live "
                                "container uses",
                                origin, d->rel, hier, up, (int) pid);
    }
  return 0;
}

int
strict_cgroup_own(const cgroup_create_opts *o, const char *id, const char *cgroups_path,
                  const oci_resources *res, const char *origin, clawrt_error *err)
{
  cgroup_create_opts oo = *o;
  oo.open_only = true;
  oo.allow_existing = false;
  cgroup_manager *m = NULL;
  if (cgroup_create_with(&oo, id, cgroups_path, res, &m, err) < 0)
    return clawrt_error_wrap(err, "%s: strict mode: item 1 (own leaf cgroup)", origin);
  int rc = 0;
  for (size_t i = 0; i < m->n && rc == 0; i++)
    rc = check_dir(m, &m->dirs[i], origin, err);
  /* opened, never created: freeing it leaves the tree as it was */
  cgroup_manager_free(m);
  return rc;
}
