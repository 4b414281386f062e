/* audit: each finding on the fixture configs of fixtures/strict/, its
 * severity and path, the order of the report, what strict mode would change
 * or why it refuses (and that a refusal is a finding once strict mode is
 * on), the findings of the transformed spec when it is, and the --fail-on
 * rule through audit_max_severity.  TAP output. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/audit.h"
#include "policy/spec_edit.h"
#include "policy/strict.h"
#include "spec_default.h"
#include "tap.h"
#include "util.h"
#include "spec_fixture.h"

static audit_report
audit(const oci_spec *s, const char *bundle_dir, bool forced)
{
  audit_report r;
  clawrt_error e = { 0 };
  if (audit_spec(s, bundle_dir, forced, &r, &e) < 0)
    {
      printf("Bail out! audit_spec: %s\n", e.msg ? e.msg : "?");
      exit(2);
    }
  return r;
}

static void
dump(const audit_report *r)
{
  for (size_t i = 0; i < r->len; i++)
    printf("#   %-8s %-22s %-30s %s\n", audit_severity_name(r->findings[i].severity),
           r->findings[i].id, r->findings[i].path, r->findings[i].message);
}

/* The index of the finding with id and path whose message contains text
 * (NULL: any), or -1. */
static int
find(const audit_report *r, const char *id, const char *path, const char *text)
{
  for (size_t i = 0; i < r->len; i++)
    if (strcmp(r->findings[i].id, id) == 0 && (path == NULL || strcmp(r->findings[i].path, path) == 0)
        && (text == NULL || strstr(r->findings[i].message, text)))
      return (int) i;
  return -1;
}

static bool
is(const audit_report *r, const char *id, const char *path, const char *text, audit_severity sev)
{
  int i = find(r, id, path, text);
  return i >= 0 && r->findings[i].severity == sev;
}

static size_t
count_id(const audit_report *r, const char *id)
{
  size_t n = 0;
  for (size_t i = 0; i < r->len; i++)
    n += strcmp(r->findings[i].id, id) == 0;
  return n;
}

static bool
changes_have(const audit_report *r, const char *text)
{
  for (size_t i = 0; i < r->strict_changes.len; i++)
    if (strstr(r->strict_changes.v[i], text))
      return true;
  return false;
}

static void
test_severities(void)
{
  static const char *const names[] = { "info", "low", "medium", "high", "critical" };
  for (int i = 0; i < 5; i++)
    {
      audit_severity s = AUDIT_CRITICAL;
      CHECK(audit_severity_parse(names[i], &s) == 0 && (int) s == i
                && strcmp(audit_severity_name(s), names[i]) == 0,
            "severity %s <-> %d", names[i], i);
    }
  audit_severity s = AUDIT_INFO;
  CHECK(audit_severity_parse("warning", &s) < 0 && audit_severity_parse("", &s) < 0
            && audit_severity_parse("HIGH", &s) < 0 && s == AUDIT_INFO,
        "unknown levels are refused (--fail-on warning, HIGH)");
  CHECK(AUDIT_INFO < AUDIT_LOW && AUDIT_LOW < AUDIT_MEDIUM && AUDIT_MEDIUM < AUDIT_HIGH
            && AUDIT_HIGH < AUDIT_CRITICAL,
        "severities are ordered");
}

static void
test_tight(void)
{
  oci_spec *s = fixture_spec("strict", "tight.json");
  audit_report r = audit(s, "/bundle", false);
  CHECK(r.len == 0, "tight.json: no finding (%zu)", r.len);
  if (r.len)
    dump(&r);
  CHECK(audit_max_severity(&r) == -1, "no finding: max severity -1 (every --fail-on passes)");
  CHECK(!r.strict && r.strict_refusal == NULL && r.strict_changes.len == 2
            && changes_have(&r, "item 4:") && changes_have(&r, "io.clawrt.strict=true"),
        "tight.json: strict mode would only add its seccomp layer and the annotation");
  audit_report_free(&r);

  /* one gap at a time, each with its severity */
  s->process->no_new_privileges = false;
  r = audit(s, "/bundle", false);
  CHECK(r.len == 1 && is(&r, "no-new-privileges", "process.noNewPrivileges", NULL, AUDIT_MEDIUM),
        "noNewPrivileges false: one medium finding");
  CHECK(audit_max_severity(&r) == AUDIT_MEDIUM,
        "--fail-on medium fails, --fail-on high passes (max %d)", audit_max_severity(&r));
  audit_report_free(&r);
  s->process->no_new_privileges = true;

  free(s->linux->seccomp->default_action);
  s->linux->seccomp->default_action = xstrdup("SCMP_ACT_ALLOW");
  r = audit(s, "/bundle", false);
  CHECK(r.len == 1 && is(&r, "seccomp-allow-default", "linux.seccomp.defaultAction",
                         "SCMP_ACT_ALLOW", AUDIT_MEDIUM),
        "an allow-by-default seccomp profile: medium");
  audit_report_free(&r);

  s->root->readonly = false;
  r = audit(s, "/bundle", false);
  CHECK(is(&r, "writable-root", "root.readonly", NULL, AUDIT_LOW), "a writable root: low");
  audit_report_free(&r);
  oci_spec_free(s);
}

static void
test_open(void)
{
  oci_spec *s = fixture_spec("strict", "open.json");
  char *before = NULL, *after = NULL;
  size_t len;
  clawrt_error e = { 0 };
  oci_spec_emit(s, &before, &len, &e);
  audit_report r = audit(s, "/bundle", false);
  oci_spec_emit(s, &after, &len, &e);
  CHECK(before && after && strcmp(before, after) == 0, "audit leaves the spec as it was");
  free(before);
  free(after);

  /* namespaces */
  CHECK(is(&r, "host-namespace", "linux.namespaces", "no mount namespace", AUDIT_CRITICAL),
        "no mount namespace: critical");
  CHECK(is(&r, "host-namespace", "linux.namespaces", "network namespace is shared", AUDIT_HIGH),
        "host network namespace: high");
  CHECK(is(&r, "host-namespace", "linux.namespaces", "no user namespace", AUDIT_MEDIUM),
        "no user namespace: medium");
  CHECK(is(&r, "host-namespace", "linux.namespaces", "no cgroup namespace", AUDIT_LOW),
        "no cgroup namespace: low");
  CHECK(count_id(&r, "host-namespace") == 4, "pid, ipc and uts are private: not reported");
  /* mounts */
  CHECK(is(&r, "rw-host-bind", "mounts[2]", "/srv/shared", AUDIT_HIGH)
            && is(&r, "rw-host-bind", "mounts[3]", "/var/cache/agents", AUDIT_HIGH),
        "read-write binds of host paths (by type and by option): high");
  CHECK(is(&r, "bind-dev-suid", "mounts[2]", NULL, AUDIT_MEDIUM)
            && is(&r, "bind-dev-suid", "mounts[3]", NULL, AUDIT_MEDIUM)
            && find(&r, "bind-dev-suid", "mounts[4]", NULL) < 0,
        "binds without nodev,nosuid: medium; the one with both is not reported");
  CHECK(find(&r, "rw-bind", "mounts[4]", NULL) < 0 && find(&r, "rw-host-bind", "mounts[4]", NULL) < 0,
        "the bundle's own read-only bind: nothing");
  CHECK(find(&r, "bind-dev-suid", "mounts[5]", NULL) < 0 && find(&r, "bind-dev-suid", "mounts[1]", NULL) < 0,
        "tmpfs mounts are not binds");
  /* capabilities */
  CHECK(is(&r, "dangerous-capability", "process.capabilities", "CAP_SYS_ADMIN in the effective",
           AUDIT_CRITICAL)
            && is(&r, "dangerous-capability", NULL, "CAP_SYS_MODULE", AUDIT_CRITICAL)
            && is(&r, "dangerous-capability", NULL, "CAP_MKNOD", AUDIT_HIGH)
            && is(&r, "dangerous-capability", NULL, "CAP_NET_RAW in the bounding", AUDIT_LOW),
        "dangerous capabilities, each with its severity and the set it is in");
  CHECK(find(&r, "dangerous-capability", NULL, "CAP_CHOWN") < 0, "CAP_CHOWN is not reported");
  /* process, limits */
  CHECK(is(&r, "no-new-privileges", NULL, NULL, AUDIT_MEDIUM)
            && is(&r, "root-user", "process.user.uid", NULL, AUDIT_MEDIUM),
        "no noNewPrivileges, root without a user namespace: medium");
  CHECK(is(&r, "no-seccomp", "linux.seccomp", NULL, AUDIT_HIGH), "no seccomp: high");
  CHECK(is(&r, "no-memory-limit", "linux.resources.memory.limit", NULL, AUDIT_MEDIUM)
            && is(&r, "no-pids-limit", "linux.resources.pids.limit", NULL, AUDIT_MEDIUM),
        "no memory, no pids limit: medium");
  CHECK(is(&r, "writable-root", "root.readonly", NULL, AUDIT_LOW), "writable root: low");
  CHECK(count_id(&r, "missing-masked-path") == 1
            && is(&r, "missing-masked-path", "linux.maskedPaths", "/proc/acpi", AUDIT_MEDIUM)
            && find(&r, "missing-masked-path", NULL, "/proc/kcore") < 0,
        "missing masks: one finding listing them, without the one that is there");
  /* devices */
  CHECK(is(&r, "device-cgroup", "linux.resources.devices", NULL, AUDIT_HIGH),
        "device cgroup without a leading deny-all: high");
  CHECK(is(&r, "device-allow-all", "linux.resources.devices[2]", "every device", AUDIT_CRITICAL)
            && is(&r, "device-allow-all", "linux.resources.devices[3]", "every block device",
                  AUDIT_CRITICAL)
            && is(&r, "device-allow-all", "linux.resources.devices[0]", "mknod", AUDIT_LOW)
            && find(&r, "device-allow-all", "linux.resources.devices[1]", NULL) < 0,
        "allow-every rules: critical with r/w, low for mknod only; the exact rule is fine");
  CHECK(find(&r, "extra-device", "linux.devices[0]", NULL) < 0
            && is(&r, "extra-device", "linux.devices[1]", "/dev/mem", AUDIT_CRITICAL)
            && is(&r, "extra-device", "linux.devices[2]", "/dev/sda", AUDIT_CRITICAL)
            && is(&r, "extra-device", "linux.devices[3]", "/dev/fuse", AUDIT_MEDIUM),
        "device nodes: /dev/null is a default, /dev/mem and a disk critical, others medium");
  /* sysctl */
  CHECK(is(&r, "sysctl", "linux.sysctl.net.ipv4.ip_forward", "host's network namespace", AUDIT_HIGH)
            && is(&r, "sysctl", "linux.sysctl.kernel.panic", "no namespace", AUDIT_HIGH),
        "a net sysctl in the host's network namespace and a global sysctl: high");
  CHECK(find(&r, "sysctl", "linux.sysctl.kernel.domainname", NULL) < 0
            && find(&r, "sysctl", "linux.sysctl.kernel.shmmax", NULL) < 0,
        "sysctls of the container's own uts and ipc namespaces: nothing");
  CHECK(is(&r, "shared-propagation", "linux.rootfsPropagation", "rshared", AUDIT_MEDIUM),
        "shared propagation: medium");
  CHECK(is(&r, "host-hooks", "hooks", NULL, AUDIT_INFO), "host hooks: info");
  CHECK(audit_max_severity(&r) == AUDIT_CRITICAL, "max severity: critical");

  /* order: most severe first, the checks' order within a severity */
  bool sorted = true;
  for (size_t i = 1; i < r.len; i++)
    sorted = sorted && r.findings[i - 1].severity >= r.findings[i].severity;
  CHECK(sorted, "findings are sorted, most severe first");
  if (!sorted)
    dump(&r);
  CHECK(find(&r, "rw-host-bind", "mounts[2]", NULL) < find(&r, "rw-host-bind", "mounts[3]", NULL)
            && find(&r, "extra-device", "linux.devices[1]", NULL)
                   < find(&r, "extra-device", "linux.devices[2]", NULL)
            && find(&r, "host-namespace", NULL, "network") < find(&r, "rw-host-bind", NULL, NULL),
        "within a severity, in the order of the spec and of the checks");

  /* strict mode, off: what it would change */
  CHECK(!r.strict && r.strict_refusal == NULL, "strict mode off, and it would not refuse");
  CHECK(changes_have(&r, "item 1: linux.namespaces: add a cgroup namespace")
            && changes_have(&r, "item 2: linux.maskedPaths: add /proc/pressure")
            && changes_have(&r, "item 3: process.capabilities: drop CAP_MKNOD")
            && changes_have(&r, "item 4: seccomp")
            && changes_have(&r, "item 5: mounts[2]") && changes_have(&r, "deny every device first")
            && changes_have(&r, "item 6: process.noNewPrivileges"),
        "the strict changes name every item they touch");
  size_t last = 0;
  bool in_order = true;
  for (size_t i = 0; i < r.strict_changes.len; i++)
    {
      const char *c = r.strict_changes.v[i];
      if (strncmp(c, "item ", 5) != 0)
        continue;
      size_t n = strtoul(c + 5, NULL, 10);
      in_order = in_order && n >= last;
      last = n;
    }
  CHECK(in_order, "the strict changes come in the order of the items");
  audit_report_free(&r);

  /* strict mode on: the findings are those of the transformed spec */
  oci_map_set(&s->annotations, CLAWRT_STRICT_ANNOTATION, "true");
  s->has_annotations = true;
  r = audit(s, "/bundle", false);
  CHECK(r.strict && r.strict_refusal == NULL, "annotation: strict mode on");
  CHECK(find(&r, "dangerous-capability", NULL, "CAP_MKNOD") < 0
            && find(&r, "dangerous-capability", NULL, "CAP_SYS_MODULE") < 0
            && find(&r, "no-new-privileges", NULL, NULL) < 0
            && find(&r, "bind-dev-suid", NULL, NULL) < 0 && find(&r, "device-allow-all", NULL, NULL) < 0
            && find(&r, "device-cgroup", NULL, NULL) < 0
            && find(&r, "host-namespace", NULL, "no mount namespace") < 0
            && find(&r, "host-namespace", NULL, "no cgroup namespace") < 0,
        "strict on: what strict mode fixes is no longer reported");
  CHECK(is(&r, "dangerous-capability", NULL, "CAP_SYS_ADMIN", AUDIT_CRITICAL)
            && is(&r, "rw-host-bind", "mounts[2]", NULL, AUDIT_HIGH)
            && is(&r, "no-seccomp", NULL, NULL, AUDIT_HIGH),
        "strict on: what it does not fix still is (CAP_SYS_ADMIN, rw host binds, no profile)");
  audit_report_free(&r);
  oci_spec_free(s);
}

static void
test_binds(void)
{
  oci_spec *s = fixture_spec("strict", "tight.json");
  oci_mount *m = &s->mounts[3];
  strv_set(&m->options, (char *[]){ "rbind", "rw", "nodev", "nosuid", NULL });
  free(m->source);
  m->source = xstrdup("/bundles/b1/volumes/work");
  audit_report r = audit(s, "/bundles/b1", false);
  CHECK(r.len == 1 && is(&r, "rw-bind", "mounts[3]", "bundle's own", AUDIT_LOW),
        "a read-write bind of the bundle's own directory: low");
  audit_report_free(&r);
  r = audit(s, "/bundles/b1x", false);
  CHECK(is(&r, "rw-host-bind", "mounts[3]", NULL, AUDIT_HIGH),
        "the same path seen from another bundle (/bundles/b1x) is a host path: high");
  audit_report_free(&r);
  r = audit(s, NULL, false);
  CHECK(is(&r, "rw-host-bind", "mounts[3]", NULL, AUDIT_HIGH), "without a bundle dir: host path");
  audit_report_free(&r);

  static const struct { const char *src; bool sensitive; } cases[] = {
    { "/", true }, { "/var/run/docker.sock", true }, { "/run/containerd", true },
    { "/etc/passwd", true }, { "/dev/kvm", true }, { "/proc/sys", true },
    { "/sys/fs/cgroup", true }, { "/lib/modules", true }, { "/var/lib/containers/storage", true },
    { "/srv/data", false }, { "/etcetera", false }, { "/home/agent", false },
  };
  strv_set(&m->options, (char *[]){ "rbind", "ro", "nodev", "nosuid", NULL });
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    {
      free(m->source);
      m->source = xstrdup(cases[i].src);
      r = audit(s, "/bundles/b1", false);
      bool found = is(&r, "sensitive-host-bind", "mounts[3]", cases[i].src, AUDIT_CRITICAL);
      CHECK(found == cases[i].sensitive, "read-only bind of `%s`: %s", cases[i].src,
            cases[i].sensitive ? "critical" : "not sensitive");
      audit_report_free(&r);
    }
  oci_spec_free(s);
}

static void
test_refusal(void)
{
  oci_spec *s = fixture_spec("strict", "joined-cgroupns.json");
  audit_report r = audit(s, "/bundle", false);
  CHECK(!r.strict && r.strict_refusal && strstr(r.strict_refusal, "strict mode: item 1")
            && strstr(r.strict_refusal, "/proc/1/ns/cgroup"),
        "strict mode would refuse a joined cgroup namespace: %s",
        r.strict_refusal ? r.strict_refusal : "(none)");
  CHECK(find(&r, "strict-refused", NULL, NULL) < 0, "strict off: the refusal is no finding");
  CHECK(is(&r, "joined-namespace", "linux.namespaces", "/proc/1/ns/cgroup", AUDIT_INFO),
        "the joined namespace itself: info");
  int max_off = audit_max_severity(&r);
  audit_report_free(&r);

  r = audit(s, "/bundle", true);
  CHECK(r.strict && is(&r, "strict-refused", "annotations.io.clawrt.strict", "will not start",
                       AUDIT_HIGH),
        "clawrt --strict audit: the refusal is a high finding");
  CHECK(audit_max_severity(&r) >= AUDIT_HIGH && max_off == AUDIT_HIGH,
        "so --fail-on high fails (max %d)", audit_max_severity(&r));
  audit_report_free(&r);
  oci_spec_free(s);

  s = fixture_spec("strict", "host-cgroup-bind.json");
  r = audit(s, "/bundle", false);
  CHECK(is(&r, "sensitive-host-bind", "mounts[1]", "/sys/fs/cgroup", AUDIT_CRITICAL)
            && r.strict_refusal && strstr(r.strict_refusal, "strict mode: item 2"),
        "a bind of the host's cgroup tree: critical, and strict mode refuses it (item 2)");
  audit_report_free(&r);
  oci_spec_free(s);

  /* the runtime's own starter config */
  oci_spec *d = spec_default();
  r = audit(d, "/bundle", false);
  CHECK(audit_max_severity(&r) < AUDIT_CRITICAL && find(&r, "bind-dev-suid", NULL, NULL) < 0
            && find(&r, "device-cgroup", NULL, NULL) < 0
            && find(&r, "missing-masked-path", NULL, NULL) < 0 && r.strict_refusal == NULL,
        "clawrt spec's config: nothing critical, masks and device cgroup as they should be");
  audit_report_free(&r);
  oci_spec_free(d);
}

int
main(void)
{
  test_severities();
  test_tight();
  test_open();
  test_binds();
  test_refusal();
  return tap_done();
}
