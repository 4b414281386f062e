/* --systemd-cgroup.  There is no systemd driver yet (it needs D-Bus and a
 * running systemd to create a transient scope); what is here is the part
 * that needs neither: reading the "slice:prefix:name" path format, and a
 * clear refusal when systemd is not the init, so nobody gets a silent
 * fallback to plain cgroupfs they did not ask for. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "internal.h"
#include "util.h"

/* "a-b-c.slice" -> "/a.slice/a-b.slice/a-b-c.slice"; "-.slice" -> "". */
static int
expand_slice(const char *slice, char **out, clawrt_error *err)
{
  size_t len = strlen(slice);
  if (len < 6 || strcmp(slice + len - 6, ".slice") != 0)
    return clawrt_error_set(err, 0, "linux.cgroupsPath: slice `%s` must end in \".slice\"", slice);
  if (strcmp(slice, "-.slice") == 0)
    {
      *out = xstrdup("");
      return 0;
    }
  size_t stem = len - 6;
  if (slice[0] == '-' || slice[stem - 1] == '-' || strstr(slice, "--") || strchr(slice, '/'))
    return clawrt_error_set(err, 0, "linux.cgroupsPath: `%s` is not a valid slice name", slice);
  char *path = xstrdup("");
  for (size_t i = 0; i <= stem; i++)
    {
      if (i == stem || slice[i] == '-')
        {
          char *next = xasprintf("%s/%.*s.slice", path, (int) i, slice);
          free(path);
          path = next;
        }
    }
  *out = path;
  return 0;
}

int
cgroup_systemd_path(const char *cgroups_path, const char *id, char **path, clawrt_error *err)
{
  *path = NULL;
  const char *in = cgroups_path && *cgroups_path ? cgroups_path : NULL;
  cleanup_free char *copy = xasprintf("%s", in ? in : "system.slice:clawrt:");
  char *c1 = strchr(copy, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
  if (c2 == NULL || strchr(c2 + 1, ':'))
    return clawrt_error_set(err, 0, "linux.cgroupsPath: `%s`: with --systemd-cgroup the path "
                            "is \"slice:prefix:name\" (e.g. \"system.slice:clawrt:%s\")",
                            in, id ? id : "ID");
  *c1 = *c2 = '\0';
  const char *slice = *copy ? copy : "system.slice";
  const char *prefix = c1 + 1;
  const char *name = c2[1] ? c2 + 1 : id;
  if (name == NULL || *name == '\0' || strchr(name, '/') || strchr(prefix, '/'))
    return clawrt_error_set(err, 0, "linux.cgroupsPath: `%s`: prefix and name must be "
                            "non-empty unit name parts without '/'", in ? in : "");
  cleanup_free char *sp = NULL;
  if (expand_slice(slice, &sp, err) < 0)
    return -1;
  size_t nl = strlen(name);
  /* a name that is itself a slice is used as is, as systemd would */
  if (nl > 6 && strcmp(name + nl - 6, ".slice") == 0)
    *path = xasprintf("%s/%s", sp, name);
  else if (*prefix)
    *path = xasprintf("%s/%s-%s.scope", sp, prefix, name);
  else
    *path = xasprintf("%s/%s.scope", sp, name);
  return 0;
}

int
cgroup_systemd_check(const char *proc_root, clawrt_error *err)
{
  cleanup_free char *file = xasprintf("%s/1/comm", proc_root ? proc_root : "/proc");
  cleanup_free char *comm = NULL;
  clawrt_error e = { 0 };
  if (read_file_at(AT_FDCWD, file, 256, &comm, NULL, &e) < 0)
    {
      clawrt_error_clear(&e);
      comm = xstrdup("unknown");
    }
  comm[strcspn(comm, "\n")] = '\0';
  if (strcmp(comm, "systemd") == 0)
    return 0;
  return clawrt_error_set(err, 0, "systemd cgroup driver needs systemd running as init (PID 1 is "
                          "%s); use the cgroupfs driver: drop --systemd-cgroup", comm);
}

int
cg_systemd_create_check(const cgroup_create_opts *o, const char *id, const char *cgroups_path,
                        clawrt_error *err)
{
  cleanup_free char *path = NULL;
  if (cgroup_systemd_path(cgroups_path, id, &path, err) < 0)
    return -1;
  if (cgroup_systemd_check(o->proc_root, err) < 0)
    return -1;
  return clawrt_error_set(err, ENOTSUP, "the systemd cgroup driver is not implemented yet "
                          "(it would create %s as a transient scope); use the cgroupfs driver: "
                          "drop --systemd-cgroup", path);
}
