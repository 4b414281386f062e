#define _GNU_SOURCE
#include "ns.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "procfs.h"
#include "util.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static const ns_kind kinds[] = {
  { "user", "user", CLONE_NEWUSER },
  { "pid", "pid", CLONE_NEWPID },
  { "time", "time", CLONE_NEWTIME },
  { "network", "net", CLONE_NEWNET },
  { "ipc", "ipc", CLONE_NEWIPC },
  { "uts", "uts", CLONE_NEWUTS },
  { "cgroup", "cgroup", CLONE_NEWCGROUP },
  { "mount", "mnt", CLONE_NEWNS },
};

const ns_kind *
ns_kinds(size_t *len)
{
  *len = sizeof kinds / sizeof kinds[0];
  return kinds;
}

const ns_kind *
ns_kind_by_spec_name(const char *name)
{
  for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
    if (strcmp(kinds[i].spec_name, name) == 0)
      return &kinds[i];
  return NULL;
}

const ns_kind *
ns_kind_by_flag(int flag)
{
  for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
    if (kinds[i].flag == flag)
      return &kinds[i];
  return NULL;
}

/* The host may lack a namespace kind (no time ns before 5.6, a kernel
 * built without user ns): /proc/self/ns/X tells, cheaply. */
static bool
host_has_ns(const ns_kind *k)
{
  char p[64];
  snprintf(p, sizeof p, "/proc/self/ns/%s", k->proc_name);
  return access(p, F_OK) == 0;
}

int
ns_plan_build(const oci_spec *spec, const char *origin, ns_plan *out, clawrt_error *err)
{
  memset(out, 0, sizeof *out);
  for (size_t i = 0; i < 8; i++)
    out->joins[i].fd = -1;
  const oci_linux *l = spec->linux;
  if (l == NULL)
    return 0;
  for (size_t i = 0; i < l->namespaces_len; i++)
    {
      const oci_namespace *n = &l->namespaces[i];
      const ns_kind *k = ns_kind_by_spec_name(n->type);
      if (k == NULL)
        {
          ns_plan_close(out);
          return clawrt_error_set(err, 0, "%s: linux.namespaces[%zu].type: unknown namespace \"%s\"",
                                  origin, i, n->type);
        }
      if ((out->new_flags & k->flag) || ns_plan_join_fd(out, k->flag) >= 0)
        {
          ns_plan_close(out);
          return clawrt_error_set(err, 0, "%s: linux.namespaces[%zu].type: namespace \"%s\" listed twice",
                                  origin, i, n->type);
        }
      if (!host_has_ns(k))
        {
          ns_plan_close(out);
          return clawrt_error_set(err, EOPNOTSUPP,
                                  "%s: linux.namespaces[%zu]: this kernel has no %s namespace",
                                  origin, i, n->type);
        }
      if (k->flag == CLONE_NEWUSER)
        out->userns = true;
      if (n->path == NULL || n->path[0] == '\0')
        {
          out->new_flags |= k->flag;
          continue;
        }
      if (n->path[0] != '/')
        {
          ns_plan_close(out);
          return clawrt_error_set(err, 0, "%s: linux.namespaces[%zu].path: must be absolute, got \"%s\"",
                                  origin, i, n->path);
        }
      int fd = open(n->path, O_RDONLY | O_CLOEXEC);
      if (fd < 0)
        {
          int e = errno;
          ns_plan_close(out);
          return clawrt_error_set(err, e, "%s: linux.namespaces[%zu].path: open `%s`", origin, i, n->path);
        }
      int type = ioctl(fd, NS_GET_NSTYPE);
      if (type != k->flag)
        {
          close(fd);
          ns_plan_close(out);
          return clawrt_error_set(err, EINVAL,
                                  "%s: linux.namespaces[%zu].path: `%s` is not a %s namespace",
                                  origin, i, n->path, n->type);
        }
      out->joins[out->joins_len].flag = k->flag;
      out->joins[out->joins_len].fd = fd;
      out->joins_len++;
    }

  if (l->time_offsets && !(out->new_flags & CLONE_NEWTIME))
    {
      ns_plan_close(out);
      return clawrt_error_set(err, EINVAL,
                              "%s: linux.timeOffsets: needs a new time namespace in linux.namespaces",
                              origin);
    }
  bool new_user = out->new_flags & CLONE_NEWUSER;
  if (new_user && (l->uid_mappings_len == 0 || l->gid_mappings_len == 0))
    {
      ns_plan_close(out);
      return clawrt_error_set(err, EINVAL,
                              "%s: linux.uidMappings/gidMappings: a new user namespace needs both mappings",
                              origin);
    }
  if (!out->userns && (l->uid_mappings_len || l->gid_mappings_len))
    {
      ns_plan_close(out);
      return clawrt_error_set(err, EINVAL,
                              "%s: linux.uidMappings: mappings given without a user namespace in linux.namespaces",
                              origin);
    }
  return 0;
}

void
ns_plan_close(ns_plan *p)
{
  for (size_t i = 0; i < p->joins_len; i++)
    if (p->joins[i].fd >= 0)
      {
        close(p->joins[i].fd);
        p->joins[i].fd = -1;
      }
  p->joins_len = 0;
}

int
ns_plan_join_fd(const ns_plan *p, int flag)
{
  for (size_t i = 0; i < p->joins_len; i++)
    if (p->joins[i].flag == flag)
      return p->joins[i].fd;
  return -1;
}

int
ns_join_kinds(const ns_plan *p, int which, clawrt_error *err)
{
  for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
    {
      if (!(kinds[k].flag & which))
        continue;
      int fd = ns_plan_join_fd(p, kinds[k].flag);
      if (fd < 0)
        continue;
      if (setns(fd, kinds[k].flag) < 0)
        return clawrt_error_set(err, errno, "join %s namespace", kinds[k].spec_name);
    }
  return 0;
}

char *
ns_format_idmap(const oci_id_mapping *m, size_t n)
{
  if (n == 0)
    return NULL;
  size_t cap = n * 36 + 1, len = 0;
  char *s = xmalloc0(cap);
  for (size_t i = 0; i < n; i++)
    len += (size_t) snprintf(s + len, cap - len, "%u %u %u\n", m[i].container_id, m[i].host_id,
                             m[i].size);
  return s;
}

int
ns_write_idmaps(pid_t pid, const oci_linux *l, bool deny_setgroups, clawrt_error *err)
{
  cleanup_close int procfd = procfs_open_root(AT_FDCWD, "/proc", err);
  if (procfd < 0)
    return -1;
  char rel[64];
  cleanup_free char *uidmap = ns_format_idmap(l->uid_mappings, l->uid_mappings_len);
  cleanup_free char *gidmap = ns_format_idmap(l->gid_mappings, l->gid_mappings_len);
  if (uidmap)
    {
      snprintf(rel, sizeof rel, "%d/uid_map", (int) pid);
      if (procfs_write_at(procfd, rel, uidmap, err) < 0)
        return clawrt_error_wrap(err, "linux.uidMappings");
    }
  if (deny_setgroups)
    {
      snprintf(rel, sizeof rel, "%d/setgroups", (int) pid);
      if (procfs_write_at(procfd, rel, "deny", err) < 0)
        return -1;
    }
  if (gidmap)
    {
      snprintf(rel, sizeof rel, "%d/gid_map", (int) pid);
      if (procfs_write_at(procfd, rel, gidmap, err) < 0)
        return clawrt_error_wrap(err, "linux.gidMappings");
    }
  return 0;
}

int
ns_prepare_time(const oci_time_offsets *t, clawrt_error *err)
{
  if (unshare(CLONE_NEWTIME) < 0)
    return clawrt_error_set(err, errno, "create time namespace");
  if (t == NULL)
    return 0;
  char buf[128];
  size_t len = 0;
  if (t->monotonic)
    len += (size_t) snprintf(buf + len, sizeof buf - len, "monotonic %lld %u\n",
                             (long long) t->monotonic->secs, t->monotonic->nanosecs);
  if (t->boottime)
    len += (size_t) snprintf(buf + len, sizeof buf - len, "boottime %lld %u\n",
                             (long long) t->boottime->secs, t->boottime->nanosecs);
  if (len == 0)
    return 0;
  cleanup_close int procfd = procfs_open_root(AT_FDCWD, "/proc", err);
  if (procfd < 0)
    return -1;
  /* timens_offsets must be written in one write(2) per line set and only
   * before a process enters the namespace: our children have not yet */
  char rel[64];
  snprintf(rel, sizeof rel, "%d/timens_offsets", (int) getpid());
  if (procfs_write_at(procfd, rel, buf, err) < 0)
    return clawrt_error_wrap(err, "linux.timeOffsets");
  return 0;
}
