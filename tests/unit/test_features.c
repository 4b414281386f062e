/* features.c: every list comes from the runtime's own tables, and the
 * emitted JSON has the spec's shape. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "features.h"
#include "linux/caps.h"
#include "linux/mount_opts.h"
#include "linux/ns.h"
#include "linux/seccomp.h"
#include "spec_default.h"
#include "util.h"

static int count, failures;

#define CHECK(cond, ...)                                                       \
  do                                                                           \
    {                                                                          \
      count++;                                                                 \
      bool ok_ = (cond);                                                       \
      if (!ok_)                                                                \
        failures++;                                                            \
      printf("%s %d - ", ok_ ? "ok" : "not ok", count);                        \
      printf(__VA_ARGS__);                                                     \
      printf("\n");                                                            \
    }                                                                          \
  while (0)

static bool
has(const oci_strv *v, const char *s)
{
  for (size_t i = 0; i < v->len; i++)
    if (strcmp(v->v[i], s) == 0)
      return true;
  return false;
}

int
main(void)
{
  oci_features f;
  clawrt_error e = { 0 };
  features_opts o = { .criu = FEATURES_CRIU_BROKEN };
  int rc = features_get(&o, &f, &e);
  CHECK(rc == 0, "features_get: %s", rc == 0 ? "ok" : e.msg);
  if (rc < 0)
    {
      printf("1..%d\n", count);
      return 1;
    }
  CHECK(strcmp(f.oci_version_max, CLAWRT_OCI_VERSION) == 0, "ociVersionMax is the spec we emit");
  CHECK(f.hooks.len == 6 && has(&f.hooks, "prestart") && has(&f.hooks, "createRuntime")
            && has(&f.hooks, "poststop"),
        "the six hook lists of the model");

  const char *const *opts = mount_opt_names();
  size_t nopts = 0;
  bool same = true;
  for (; opts[nopts]; nopts++)
    same = same && nopts < f.mount_options.len && strcmp(opts[nopts], f.mount_options.v[nopts]) == 0;
  CHECK(same && nopts == f.mount_options.len, "mountOptions == mount_opt_names()");
  bool known = true;
  for (size_t i = 0; i < f.mount_options.len; i++)
    known = known && mount_opt_is_known(f.mount_options.v[i]);
  CHECK(known, "every mount option is one the parser knows");

  bool ns_ok = true;
  for (size_t i = 0; i < f.namespaces.len; i++)
    ns_ok = ns_ok && ns_kind_by_spec_name(f.namespaces.v[i]) != NULL;
  CHECK(ns_ok && has(&f.namespaces, "mount") && has(&f.namespaces, "pid"),
        "namespaces are kinds ns.c knows");

  int last = caps_last_cap();
  CHECK((int) f.capabilities.len == (last > CAPS_MAX_KNOWN ? CAPS_MAX_KNOWN : last) + 1,
        "capabilities up to the kernel's last one (%d)", last);
  bool caps_ok = true;
  for (size_t i = 0; i < f.capabilities.len; i++)
    caps_ok = caps_ok && caps_from_name(f.capabilities.v[i]) == (int) i;
  CHECK(caps_ok, "capabilities in number order, each known to caps.c");

  size_t n;
  seccomp_known_actions(&n);
  CHECK(!f.seccomp_enabled || f.seccomp_actions.len == n, "seccomp actions: all known ones");
  bool archs_ok = true;
  const char *const *known_archs = seccomp_known_archs(&n);
  for (size_t i = 0; i < f.seccomp_archs.len; i++)
    {
      bool in = false;
      for (size_t k = 0; k < n; k++)
        in = in || strcmp(known_archs[k], f.seccomp_archs.v[i]) == 0;
      archs_ok = archs_ok && in;
    }
  CHECK(archs_ok && (!f.seccomp_enabled || has(&f.seccomp_archs, "SCMP_ARCH_X86_64")
                     || has(&f.seccomp_archs, "SCMP_ARCH_AARCH64")),
        "seccomp archs: known ones, the native one among them");
  bool flags_ok = true;
  for (size_t i = 0; i < f.seccomp_supported_flags.len; i++)
    flags_ok = flags_ok && has(&f.seccomp_known_flags, f.seccomp_supported_flags.v[i]);
  CHECK(flags_ok, "supported seccomp flags are known flags");
  CHECK(!f.cgroup_systemd && !f.cgroup_systemd_user, "no systemd driver: systemd false");
  CHECK(f.cgroup_v1 || f.cgroup_v2, "some cgroup layout");
  CHECK(!f.intel_rdt_enabled && !f.net_devices_enabled && f.memory_policy_modes.len == 0,
        "what no mechanism carries out is not listed");
  CHECK(strcmp(oci_map_get(&f.annotations, "io.clawrt.checkpoint.enabled"), "false") == 0,
        "checkpoint annotation from the probe result");
  CHECK(oci_map_get(&f.annotations, "io.clawrt.strict") != NULL, "strict annotation named");
  features_free(&f);

  o.criu = FEATURES_CRIU_UNKNOWN;
  CHECK(features_get(&o, &f, &e) == 0
            && oci_map_get(&f.annotations, "io.clawrt.checkpoint.enabled") == NULL,
        "not probed: no checkpoint annotation");
  features_free(&f);

  o.criu = FEATURES_CRIU_WORKS;
  char *json = NULL;
  size_t len = 0;
  CHECK(features_json(&o, &json, &len, &e) == 0 && json && len == strlen(json), "features_json");
  CHECK(json && strstr(json, "\"ociVersionMin\": \"1.0.0\"")
            && strstr(json, "\"io.clawrt.checkpoint.enabled\": \"true\"")
            && strstr(json, "\"mountExtensions\": {") && strstr(json, "\"idmap\": {"),
        "JSON carries the spec's keys, nested as features-linux.md says");
  free(json);
  printf("1..%d\n", count);
  return failures ? 1 : 0;
}
