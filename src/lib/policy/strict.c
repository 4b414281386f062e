#define _GNU_SOURCE
#include "strict.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec_edit.h"
#include "util.h"

/* The capabilities no untrusted workload needs and whose abuse is a host
 * compromise: device nodes (with a writable shared volume: /dev/mem, raw
 * disks) and kernel modules. */
static const char *const dropped_caps[] = { "CAP_MKNOD", "CAP_SYS_MODULE" };

bool
strict_requested(const oci_spec *spec, bool forced)
{
  if (forced)
    return true;
  const char *v = oci_map_get(&spec->annotations, CLAWRT_STRICT_ANNOTATION);
  return v && strcmp(v, "true") == 0;
}

__attribute__((format(printf, 2, 3))) static void
note(oci_strv *changes, const char *fmt, ...)
{
  if (changes == NULL)
    return;
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  strv_add(changes, buf);
}

static oci_linux *
ensure_linux(oci_spec *spec)
{
  if (spec->linux == NULL)
    spec->linux = xmalloc0(sizeof *spec->linux);
  return spec->linux;
}

/* Item 1 (cgroup namespace) and 2 (mount namespace, without which the
 * masks and the cgroup view would be made in a table others share).  One
 * joined by path is refused: it is shared by construction. */
static int
refuse_joined(const oci_spec *spec, const char *origin, clawrt_error *err)
{
  for (size_t i = 0; spec->linux && i < spec->linux->namespaces_len; i++)
    {
      const oci_namespace *n = &spec->linux->namespaces[i];
      bool cg = strcmp(n->type, "cgroup") == 0, mnt = strcmp(n->type, "mount") == 0;
      if ((cg || mnt) && n->path && n->path[0])
        return clawrt_error_set(err, 0,
                                "%s: strict mode: item %d (own %s namespace): "
                                "linux.namespaces[%zu].path: joining the %s namespace `%s` "
                                "shares it with whatever lives there; remove the path to get "
                                "a new one",
                                origin, cg ? 1 : 2, n->type, i, n->type, n->path);
    }
  return 0;
}

/* A new namespace of type when the spec has none. */
static void
strict_namespace(oci_spec *spec, const char *type, int item, oci_strv *changes)
{
  oci_linux *l = ensure_linux(spec);
  for (size_t i = 0; i < l->namespaces_len; i++)
    if (strcmp(l->namespaces[i].type, type) == 0)
      return;
  l->namespaces = xrealloc(l->namespaces, sizeof *l->namespaces * (l->namespaces_len + 1));
  memset(&l->namespaces[l->namespaces_len], 0, sizeof *l->namespaces);
  l->namespaces[l->namespaces_len].type = xstrdup(type);
  l->namespaces_len++;
  note(changes, "item %d: linux.namespaces: add a %s namespace", item, type);
}

/* "/sys//fs/./cgroup/" -> "/sys/fs/cgroup", lexically (symlinks are the
 * host's; a relative source is the bundle's own and never matches). */
static char *
normalize(const char *path)
{
  size_t n = strlen(path);
  char *out = xmalloc0(n + 2);
  size_t len = 0;
  for (const char *p = path; *p;)
    {
      while (*p == '/')
        p++;
      const char *e = strchrnul(p, '/');
      size_t c = (size_t) (e - p);
      if (c == 0 || (c == 1 && p[0] == '.'))
        ;
      else if (c == 2 && p[0] == '.' && p[1] == '.')
        {
          while (len > 0 && out[len - 1] != '/')
            len--;
          if (len > 0)
            len--;
        }
      else
        {
          out[len++] = '/';
          memcpy(out + len, p, c);
          len += c;
        }
      p = e;
    }
  if (len == 0)
    out[len++] = '/';
  out[len] = '\0';
  return out;
}

/* path is dir or below it; both normalized. */
static bool
at_or_below(const char *path, const char *dir)
{
  if (strcmp(dir, "/") == 0)
    return true;
  size_t n = strlen(dir);
  return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

static bool
is_bind(const oci_mount *m)
{
  if (m->type && strcmp(m->type, "bind") == 0)
    return true;
  return strv_contains(&m->options, "bind") || strv_contains(&m->options, "rbind");
}

/* Item 2: a bind of the host's cgroup tree (or of a directory above it,
 * whose recursive bind carries it) shows every other container's cgroups
 * and pressure figures, a bind of the host's /proc its pressure files and
 * every process's cgroup. */
static int
strict_host_binds(const oci_spec *spec, const char *origin, clawrt_error *err)
{
  for (size_t i = 0; i < spec->mounts_len; i++)
    {
      const oci_mount *m = &spec->mounts[i];
      if (!is_bind(m) || m->source == NULL || m->source[0] != '/')
        continue;
      cleanup_free char *src = normalize(m->source);
      const char *what = NULL, *instead = NULL;
      if (at_or_below(src, "/sys/fs/cgroup"))
        {
          what = "shows the host's cgroup tree (every other container's cgroups and pressure)";
          instead = "use a mount of type \"cgroup\" on /sys/fs/cgroup instead";
        }
      else if (at_or_below("/sys/fs/cgroup", src))
        {
          what = "carries the host's cgroup tree below it (every other container's cgroups "
                 "and pressure)";
          instead = "mount sysfs and a mount of type \"cgroup\" instead, or bind a directory "
                    "of your own";
        }
      else if (at_or_below(src, "/proc"))
        {
          what = "shows the host's /proc (host-wide pressure, every process's cgroup)";
          instead = "the container's own /proc is a mount of type \"proc\"";
        }
      if (what)
        return clawrt_error_set(err, 0,
                                "%s: strict mode: item 2 (hide host cgroups and pressure): "
                                "mounts[%zu]: a bind of `%s` %s; %s",
                                origin, i, m->source, what, instead);
    }
  return 0;
}

static void
strict_masked(oci_spec *spec, oci_strv *changes)
{
  oci_linux *l = ensure_linux(spec);
  /* host-wide pressure stall figures leak what other tenants do */
  if (!strv_contains(&l->masked_paths, "/proc/pressure"))
    {
      strv_add(&l->masked_paths, "/proc/pressure");
      note(changes, "item 2: linux.maskedPaths: add /proc/pressure");
    }
}

static void
strict_caps(oci_process *p, oci_strv *changes)
{
  /* absent capabilities are empty sets: nothing to drop */
  oci_capabilities *c = p->capabilities;
  if (c == NULL)
    return;
  oci_strv *sets[] = { &c->bounding, &c->effective, &c->inheritable, &c->permitted, &c->ambient };
  for (size_t k = 0; k < sizeof dropped_caps / sizeof dropped_caps[0]; k++)
    {
      size_t removed = 0;
      for (size_t s = 0; s < 5; s++)
        removed += strv_remove(sets[s], dropped_caps[k]);
      if (removed)
        note(changes, "item 3: process.capabilities: drop %s from every set", dropped_caps[k]);
    }
}

static void
strict_bind_options(oci_spec *spec, oci_strv *changes)
{
  for (size_t i = 0; i < spec->mounts_len; i++)
    {
      oci_mount *m = &spec->mounts[i];
      if (!is_bind(m))
        continue;
      bool changed = strv_remove(&m->options, "dev") + strv_remove(&m->options, "suid") > 0;
      if (!strv_contains(&m->options, "nodev"))
        {
          strv_add(&m->options, "nodev");
          changed = true;
        }
      if (!strv_contains(&m->options, "nosuid"))
        {
          strv_add(&m->options, "nosuid");
          changed = true;
        }
      if (changed)
        note(changes, "item 5: mounts[%zu]: bind on %s: force nodev,nosuid", i, m->destination);
    }
}

static bool
wild(bool has, int64_t v)
{
  return !has || v < 0;
}

static bool
all_types(const oci_device_cgroup *d)
{
  return d->type == NULL || strcmp(d->type, "a") == 0;
}

static bool
full_access(const char *access)
{
  /* an absent access is "rwm" */
  return access == NULL
         || (strchr(access, 'r') && strchr(access, 'w') && strchr(access, 'm'));
}

/* Item 5, devices: the device cgroup must deny by default.  A leading
 * deny-all rule makes whatever follows an allow-list; an allow rule for
 * every major number of a type would make that list moot again, so it
 * goes (the runtime's own /dev nodes and linux.devices get their exact
 * rules from the cgroup layer). */
static void
strict_devices(oci_spec *spec, oci_strv *changes)
{
  oci_linux *l = ensure_linux(spec);
  if (l->resources == NULL)
    l->resources = xmalloc0(sizeof *l->resources);
  oci_resources *r = l->resources;
  size_t k = 0;
  for (size_t i = 0; i < r->devices_len; i++)
    {
      oci_device_cgroup *d = &r->devices[i];
      if (d->allow && wild(d->has_major, d->major))
        {
          note(changes, "item 5: linux.resources.devices[%zu]: remove the rule that allows "
                        "every %s (%s)",
               i, all_types(d) ? "device" : strcmp(d->type, "b") == 0 ? "block device"
                                                                       : "char device",
               d->access ? d->access : "rwm");
          free(d->type);
          free(d->access);
          continue;
        }
      r->devices[k++] = *d;
    }
  r->devices_len = k;
  if (r->devices_len > 0 && !r->devices[0].allow && all_types(&r->devices[0])
      && wild(r->devices[0].has_major, r->devices[0].major)
      && wild(r->devices[0].has_minor, r->devices[0].minor) && full_access(r->devices[0].access))
    return;
  r->devices = xrealloc(r->devices, sizeof *r->devices * (r->devices_len + 1));
  memmove(&r->devices[1], &r->devices[0], sizeof *r->devices * r->devices_len);
  memset(&r->devices[0], 0, sizeof *r->devices);
  r->devices[0].allow = false;
  r->devices[0].type = xstrdup("a");
  r->devices[0].access = xstrdup("rwm");
  r->devices_len++;
  note(changes, "item 5: linux.resources.devices: deny every device first");
}

static void
strict_nnp(oci_process *p, oci_strv *changes)
{
  if (!p->no_new_privileges)
    note(changes, "item 6: process.noNewPrivileges: force true");
  p->no_new_privileges = true;
  p->has_no_new_privileges = true;
}

void
strict_apply_process(oci_process *p, oci_strv *changes)
{
  strict_caps(p, changes);
  strict_nnp(p, changes);
}

int
strict_apply(oci_spec *spec, const char *origin, oci_strv *changes, clawrt_error *err)
{
  /* refusals first: a refused spec is left as it came */
  if (refuse_joined(spec, origin, err) < 0 || strict_host_binds(spec, origin, err) < 0)
    return -1;
  strict_namespace(spec, "cgroup", 1, changes);
  strict_namespace(spec, "mount", 2, changes);
  strict_masked(spec, changes);
  if (spec->process)
    strict_caps(spec->process, changes);
  note(changes, "item 4: seccomp: layer a filter on top: unshare, setns and clone with "
                "CLONE_NEW* fail with EPERM, clone3 with ENOSYS");
  strict_bind_options(spec, changes);
  strict_devices(spec, changes);
  if (spec->process)
    strict_nnp(spec->process, changes);
  /* recorded, so that state, exec and audit see the mode */
  if (!strict_requested(spec, false))
    {
      oci_map_set(&spec->annotations, CLAWRT_STRICT_ANNOTATION, "true");
      spec->has_annotations = true;
      note(changes, "annotations: set %s=true", CLAWRT_STRICT_ANNOTATION);
    }
  return 0;
}

int
strict_host_check(const strict_host *h, const char *origin, clawrt_error *err)
{
  if (!h->cgroup_ns)
    return clawrt_error_set(err, EOPNOTSUPP,
                            "%s: strict mode: item 1 (own cgroup namespace): this kernel has no "
                            "cgroup namespaces (/proc/self/ns/cgroup is missing; it needs "
                            "CONFIG_CGROUPS and Linux 4.6 or later); run without strict mode "
                            "on this host, or move the work to one that has them",
                            origin);
  if (!h->mount_ns)
    return clawrt_error_set(err, EOPNOTSUPP,
                            "%s: strict mode: item 2 (own mount namespace): this kernel has no "
                            "mount namespaces (/proc/self/ns/mnt is missing)",
                            origin);
  if (!h->seccomp)
    return clawrt_error_set(err, EOPNOTSUPP,
                            "%s: strict mode: item 4 (seccomp filter): this kernel (or the "
                            "seccomp filter clawrt itself runs under) does not let a filter "
                            "that returns an errno be loaded (needs CONFIG_SECCOMP_FILTER); "
                            "without it unshare, setns and namespace-creating clones cannot "
                            "be refused",
                            origin);
  return 0;
}
