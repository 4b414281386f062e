/* features.json from the runtime's own tables; see features.h. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "features.h"

#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cgroup/cgroup.h"
#include "linux/caps.h"
#include "linux/lsm.h"
#include "linux/mount_opts.h"
#include "linux/ns.h"
#include "linux/seccomp.h"
#include "policy/strict.h"
#include "spec_default.h"
#include "util.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "0.1.0"
#endif

static void
strv_push(oci_strv *v, const char *s)
{
  v->v = xrealloc(v->v, (v->len + 2) * sizeof *v->v);
  v->v[v->len++] = xstrdup(s);
  v->v[v->len] = NULL;
}

static void
strv_push_all(oci_strv *v, const char *const *names, size_t n)
{
  for (size_t i = 0; i < n; i++)
    strv_push(v, names[i]);
}

static void
oci_strv_clear(oci_strv *v)
{
  for (size_t i = 0; i < v->len; i++)
    free(v->v[i]);
  free(v->v);
  v->v = NULL;
  v->len = 0;
}

/* The hook lists are the "hooks.X" arrays of the spec model that the
 * parser honours; each of them is run by the container code (create:
 * prestart, createRuntime; init: createContainer, startContainer; start:
 * poststart; delete: poststop). */
static void
add_hooks(oci_strv *hooks)
{
  size_t n;
  const oci_property *props = oci_spec_properties(&n);
  for (size_t i = 0; i < n; i++)
    {
      const char *p = props[i].path;
      if (strncmp(p, "hooks.", 6) != 0 || props[i].unsupported_reason)
        continue;
      const char *name = p + 6;
      if (*name && strpbrk(name, ".[{") == NULL)
        strv_push(hooks, name);
    }
}

/* A namespace kind the runtime knows and this kernel has: the same check
 * ns_plan_build makes before it accepts one in a config. */
static void
add_namespaces(oci_strv *out)
{
  size_t n;
  const ns_kind *k = ns_kinds(&n);
  for (size_t i = 0; i < n; i++)
    {
      char p[64];
      snprintf(p, sizeof p, "/proc/self/ns/%s", k[i].proc_name);
      if (access(p, F_OK) == 0)
        strv_push(out, k[i].spec_name);
    }
}

/* Names past the kernel's last capability are accepted in a config but
 * ignored, so they are not listed: listing them would promise a
 * capability no container gets. */
static void
add_capabilities(oci_strv *out)
{
  int last = caps_last_cap();
  if (last > CAPS_MAX_KNOWN)
    last = CAPS_MAX_KNOWN;
  for (int c = 0; c <= last; c++)
    {
      const char *name = caps_to_name(c);
      if (name)
        strv_push(out, name);
    }
}

/* "SCMP_ARCH_X86_64" -> libseccomp's "x86_64", then the same
 * seccomp_arch_add() seccomp_compile makes, on a scratch filter. */
static bool
arch_usable(const char *name)
{
  const char *prefix = "SCMP_ARCH_";
  if (strncmp(name, prefix, strlen(prefix)) != 0)
    return false;
  char lower[32];
  size_t k = 0;
  for (const char *p = name + strlen(prefix); *p && k < sizeof lower - 1; p++)
    lower[k++] = (char) (*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
  lower[k] = '\0';
  uint32_t tok = seccomp_arch_resolve_name(lower);
  if (tok == 0)
    return false;
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
  if (ctx == NULL)
    return false;
  int r = seccomp_arch_add(ctx, tok);
  seccomp_release(ctx);
  return r == 0 || r == -EEXIST;
}

static int
add_seccomp(oci_features *f, clawrt_error *err)
{
  /* PR_GET_SECCOMP fails with EINVAL on a kernel built without seccomp */
  f->seccomp_enabled = prctl(PR_GET_SECCOMP, 0, 0, 0, 0) >= 0;
  if (!f->seccomp_enabled)
    return 0;
  size_t n;
  const char *const *names = seccomp_known_actions(&n);
  strv_push_all(&f->seccomp_actions, names, n);
  names = seccomp_known_operators(&n);
  strv_push_all(&f->seccomp_operators, names, n);
  /* architectures this libseccomp cannot build for are accepted in a
   * config (and skipped), not supported; nor are those it refuses next to
   * the native one (another byte order: EDOM), which fail a config */
  cleanup_strv char **archs = seccomp_supported_archs();
  for (size_t i = 0; archs && archs[i]; i++)
    if (arch_usable(archs[i]))
      strv_push(&f->seccomp_archs, archs[i]);
  names = seccomp_known_flags(&n);
  strv_push_all(&f->seccomp_known_flags, names, n);
  cleanup_strv char **supported = NULL;
  if (seccomp_supported_flags(&supported, err) < 0)
    return -1;
  for (size_t i = 0; supported[i]; i++)
    strv_push(&f->seccomp_supported_flags, supported[i]);
  return 0;
}

static int
add_cgroup(oci_features *f, clawrt_error *err)
{
  cgroup_host_info info;
  if (cgroup_host_info_get(NULL, &info, err) < 0)
    return clawrt_error_wrap(err, "cgroup layout of this host");
  f->cgroup_v1 = info.layout != CGROUP_LAYOUT_V2;
  f->cgroup_v2 = info.layout != CGROUP_LAYOUT_V1;
  /* there is no systemd driver (cgroup/systemd.c only parses the path
   * and refuses): --systemd-cgroup never works, whatever init runs */
  f->cgroup_systemd = false;
  f->cgroup_systemd_user = false;
  bool rdma = info.v2_controllers && strstr(info.v2_controllers, "rdma") != NULL;
  for (size_t i = 0; info.v1_controllers && info.v1_controllers[i]; i++)
    if (strcmp(info.v1_controllers[i], "rdma") == 0)
      rdma = true;
  f->cgroup_rdma = rdma;
  cgroup_host_info_free(&info);
  return 0;
}

/* Idmapped mounts are made with mount_setattr(MOUNT_ATTR_IDMAP): a kernel
 * without the syscall says ENOSYS before it looks at the (bad) fd. */
static bool
idmap_supported(void)
{
#ifdef SYS_mount_setattr
  long r = syscall(SYS_mount_setattr, -1, "", 0, NULL, 0);
  return !(r < 0 && errno == ENOSYS);
#else
  return false;
#endif
}

static void
add_annotations(const features_opts *o, oci_features *f)
{
  oci_map_set(&f->annotations, "io.clawrt.version", PACKAGE_VERSION);
  const struct scmp_version *sv = seccomp_version();
  if (sv)
    {
      cleanup_free char *v = xasprintf("%u.%u.%u", sv->major, sv->minor, sv->micro);
      oci_map_set(&f->annotations, "io.github.seccomp.libseccomp.version", v);
    }
  /* the config annotation this runtime reads (policy/strict.h) */
  oci_map_set(&f->annotations, CLAWRT_STRICT_ANNOTATION,
              "config annotation: \"true\" applies strict mode");
  if (o && o->criu != FEATURES_CRIU_UNKNOWN)
    oci_map_set(&f->annotations, "io.clawrt.checkpoint.enabled",
                o->criu == FEATURES_CRIU_WORKS ? "true" : "false");
}

int
features_get(const features_opts *o, oci_features *f, clawrt_error *err)
{
  memset(f, 0, sizeof *f);
  f->oci_version_min = xstrdup(FEATURES_OCI_VERSION_MIN);
  f->oci_version_max = xstrdup(CLAWRT_OCI_VERSION);
  add_hooks(&f->hooks);
  const char *const *opts = mount_opt_names();
  for (size_t i = 0; opts[i]; i++)
    strv_push(&f->mount_options, opts[i]);
  add_namespaces(&f->namespaces);
  add_capabilities(&f->capabilities);
  if (add_cgroup(f, err) < 0 || add_seccomp(f, err) < 0)
    {
      features_free(f);
      return -1;
    }
  f->apparmor_enabled = apparmor_is_enabled();
  f->selinux_enabled = selinux_is_enabled();
  f->idmap_enabled = idmap_supported();
  /* linux.intelRdt, linux.memoryPolicy and linux.netDevices are parsed
   * but no mechanism carries them out: all false / empty */
  f->intel_rdt_enabled = f->intel_rdt_schemata = f->intel_rdt_monitoring = false;
  f->net_devices_enabled = false;
  add_annotations(o, f);
  return 0;
}

void
features_free(oci_features *f)
{
  if (f == NULL)
    return;
  free(f->oci_version_min);
  free(f->oci_version_max);
  oci_strv *lists[] = {
    &f->hooks, &f->mount_options, &f->namespaces, &f->capabilities,
    &f->seccomp_actions, &f->seccomp_operators, &f->seccomp_archs,
    &f->seccomp_known_flags, &f->seccomp_supported_flags,
    &f->potentially_unsafe_annotations, &f->memory_policy_modes,
    &f->memory_policy_flags,
  };
  for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++)
    oci_strv_clear(lists[i]);
  for (size_t i = 0; i < f->annotations.len; i++)
    {
      free(f->annotations.keys[i]);
      free(f->annotations.values[i]);
    }
  free(f->annotations.keys);
  free(f->annotations.values);
  memset(f, 0, sizeof *f);
}

int
features_json(const features_opts *o, char **json, size_t *len, clawrt_error *err)
{
  oci_features f;
  if (features_get(o, &f, err) < 0)
    return -1;
  int rc = oci_features_emit(&f, json, len, err);
  features_free(&f);
  return rc;
}
