#include "strict.h"

#include <errno.h>
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

static void
note(oci_strv *changes, const char *fmt, const char *arg)
{
  if (changes == NULL)
    return;
  char buf[512];
  snprintf(buf, sizeof buf, fmt, arg ? arg : "");
  strv_add(changes, buf);
}

static oci_linux *
ensure_linux(oci_spec *spec)
{
  if (spec->linux == NULL)
    spec->linux = xmalloc0(sizeof *spec->linux);
  return spec->linux;
}

static int
strict_cgroup_ns(oci_spec *spec, const char *origin, oci_strv *changes, clawrt_error *err)
{
  oci_linux *l = ensure_linux(spec);
  for (size_t i = 0; i < l->namespaces_len; i++)
    {
      oci_namespace *n = &l->namespaces[i];
      if (strcmp(n->type, "cgroup") != 0)
        continue;
      if (n->path && n->path[0])
        return clawrt_error_set(err, EPERM,
                                "%s: strict mode: linux.namespaces[%zu]: joining the cgroup namespace `%s` would share another container's cgroups; remove its path",
                                origin, i, n->path);
      return 0;
    }
  l->namespaces = xrealloc(l->namespaces, sizeof *l->namespaces * (l->namespaces_len + 1));
  memset(&l->namespaces[l->namespaces_len], 0, sizeof *l->namespaces);
  l->namespaces[l->namespaces_len].type = xstrdup("cgroup");
  l->namespaces_len++;
  note(changes, "linux.namespaces: add a cgroup namespace%s", NULL);
  return 0;
}

static int
strict_cgroup_mounts(oci_spec *spec, const char *origin, oci_strv *changes, clawrt_error *err)
{
  for (size_t i = 0; i < spec->mounts_len; i++)
    {
      const oci_mount *m = &spec->mounts[i];
      if (m->source && strncmp(m->source, "/sys/fs/cgroup", 14) == 0
          && (m->source[14] == '\0' || m->source[14] == '/'))
        return clawrt_error_set(err, EPERM,
                                "%s: strict mode: mounts[%zu]: binding the host's cgroup tree `%s` shows other containers' cgroups; use a mount of type \"cgroup\" instead",
                                origin, i, m->source);
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
      note(changes, "linux.maskedPaths: add /proc/pressure%s", NULL);
    }
}

static void
strict_caps(oci_process *p, oci_strv *changes)
{
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
        note(changes, "process.capabilities: drop %s from every set", dropped_caps[k]);
    }
}

static bool
is_bind(const oci_mount *m)
{
  if (m->type && strcmp(m->type, "bind") == 0)
    return true;
  return strv_contains(&m->options, "bind") || strv_contains(&m->options, "rbind");
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
        note(changes, "mounts: bind of `%s`: force nodev,nosuid", m->destination);
    }
}

/* The device cgroup must deny by default: a leading deny-all rule makes
 * whatever follows an allow-list, whatever the bundle said. */
static void
strict_devices(oci_spec *spec, oci_strv *changes)
{
  oci_linux *l = ensure_linux(spec);
  if (l->resources == NULL)
    l->resources = xmalloc0(sizeof *l->resources);
  oci_resources *r = l->resources;
  if (r->devices_len > 0 && !r->devices[0].allow
      && (r->devices[0].type == NULL || strcmp(r->devices[0].type, "a") == 0)
      && !r->devices[0].has_major && !r->devices[0].has_minor && r->devices[0].access
      && strcmp(r->devices[0].access, "rwm") == 0)
    return;
  r->devices = xrealloc(r->devices, sizeof *r->devices * (r->devices_len + 1));
  memmove(&r->devices[1], &r->devices[0], sizeof *r->devices * r->devices_len);
  memset(&r->devices[0], 0, sizeof *r->devices);
  r->devices[0].allow = false;
  r->devices[0].type = xstrdup("a");
  r->devices[0].access = xstrdup("rwm");
  r->devices_len++;
  note(changes, "linux.resources.devices: deny every device by default%s", NULL);
}

static void
strict_nnp(oci_process *p, oci_strv *changes)
{
  if (!p->no_new_privileges)
    note(changes, "process.noNewPrivileges: force true%s", NULL);
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
  if (strict_cgroup_ns(spec, origin, changes, err) < 0
      || strict_cgroup_mounts(spec, origin, changes, err) < 0)
    return -1;
  strict_masked(spec, changes);
  if (spec->process)
    strict_apply_process(spec->process, changes);
  strict_bind_options(spec, changes);
  strict_devices(spec, changes);
  note(changes, "seccomp: layer a filter that refuses unshare, setns, clone with CLONE_NEW* (EPERM) and clone3 (ENOSYS)%s", NULL);
  /* recorded, so that state, exec and audit see the mode */
  if (!strict_requested(spec, false))
    {
      oci_map_set(&spec->annotations, CLAWRT_STRICT_ANNOTATION, "true");
      spec->has_annotations = true;
    }
  return 0;
}
