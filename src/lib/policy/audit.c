#define _GNU_SOURCE
#include "audit.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec_edit.h"
#include "strict.h"
#include "util.h"

static const char *const severity_names[] = { "info", "low", "medium", "high", "critical" };

const char *
audit_severity_name(audit_severity s)
{
  return (unsigned) s < 5 ? severity_names[s] : "?";
}

int
audit_severity_parse(const char *name, audit_severity *out)
{
  for (int i = 0; i < 5; i++)
    if (strcmp(name, severity_names[i]) == 0)
      {
        *out = (audit_severity) i;
        return 0;
      }
  return -1;
}

__attribute__((format(printf, 5, 6))) static void
add(audit_report *r, audit_severity sev, const char *id, const char *path, const char *fmt, ...)
{
  r->findings = xrealloc(r->findings, sizeof *r->findings * (r->len + 1));
  audit_finding *f = &r->findings[r->len++];
  f->severity = sev;
  f->id = id;
  f->path = xstrdup(path);
  va_list ap;
  va_start(ap, fmt);
  if (vasprintf(&f->message, fmt, ap) < 0)
    abort();
  va_end(ap);
}

/* ---- namespaces --------------------------------------------------------- */

/* How bad sharing each namespace with the host is. */
static const struct {
  const char *type;
  audit_severity shared;
  const char *why;
} ns_checks[] = {
  { "mount", AUDIT_CRITICAL, "no mount namespace: the container works in the host's mount table (only a chroot)" },
  { "pid", AUDIT_HIGH, "the host's pid namespace is shared: the container sees and can signal host processes" },
  { "network", AUDIT_HIGH, "the host's network namespace is shared: host interfaces and ports are the container's" },
  { "ipc", AUDIT_MEDIUM, "the host's ipc namespace is shared: System V and POSIX IPC of the host are reachable" },
  { "user", AUDIT_MEDIUM, "no user namespace: root in the container is root on the host" },
  { "uts", AUDIT_LOW, "the host's uts namespace is shared" },
  { "cgroup", AUDIT_LOW, "no cgroup namespace: the host's cgroup paths are visible" },
};

static const oci_namespace *
find_ns(const oci_linux *l, const char *type)
{
  for (size_t i = 0; l && i < l->namespaces_len; i++)
    if (strcmp(l->namespaces[i].type, type) == 0)
      return &l->namespaces[i];
  return NULL;
}

static void
audit_namespaces(const oci_spec *spec, audit_report *r)
{
  const oci_linux *l = spec->linux;
  for (size_t i = 0; i < sizeof ns_checks / sizeof ns_checks[0]; i++)
    {
      const oci_namespace *n = find_ns(l, ns_checks[i].type);
      if (n == NULL)
        add(r, ns_checks[i].shared, "host-namespace", "linux.namespaces", "%s", ns_checks[i].why);
      else if (n->path && n->path[0])
        add(r, AUDIT_INFO, "joined-namespace", "linux.namespaces",
            "%s namespace joined from %s: shared with whatever else lives there", n->type,
            n->path);
    }
}

/* ---- mounts ------------------------------------------------------------- */

static bool
is_bind(const oci_mount *m)
{
  return (m->type && strcmp(m->type, "bind") == 0) || strv_contains(&m->options, "bind")
         || strv_contains(&m->options, "rbind");
}

static bool
under(const char *path, const char *dir)
{
  size_t n = strlen(dir);
  return dir[0] && strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

/* Host paths whose bind hands the container the host: its kernel
 * interfaces, its devices, its runtime sockets, its configuration, its boot
 * files, other runtimes' storage. */
static const char *const sensitive_paths[] = {
  "/proc", "/sys", "/dev", "/run", "/var/run", "/etc", "/boot", "/root", "/lib/modules",
  "/usr/lib/modules", "/var/lib/docker", "/var/lib/containers", "/var/lib/kubelet",
};

static bool
sensitive(const char *src)
{
  /* "/" and "//": the whole host */
  if (src[strspn(src, "/")] == '\0')
    return true;
  for (size_t i = 0; i < sizeof sensitive_paths / sizeof sensitive_paths[0]; i++)
    if (under(src, sensitive_paths[i]))
      return true;
  return false;
}

static void
audit_mounts(const oci_spec *spec, const char *bundle_dir, audit_report *r)
{
  for (size_t i = 0; i < spec->mounts_len; i++)
    {
      const oci_mount *m = &spec->mounts[i];
      char path[64];
      snprintf(path, sizeof path, "mounts[%zu]", i);
      const char *type = m->type ? m->type : "";
      if (is_bind(m))
        {
          const char *src = m->source ? m->source : "";
          bool own = src[0] != '/' || (bundle_dir && under(src, bundle_dir));
          bool ro = strv_contains(&m->options, "ro") || strv_contains(&m->options, "rro");
          if (!own && sensitive(src))
            add(r, AUDIT_CRITICAL, "sensitive-host-bind", path,
                "bind of the host's `%s` on %s exposes host state to the container", src,
                m->destination);
          if (!ro)
            {
              if (own)
                add(r, AUDIT_LOW, "rw-bind", path, "read-write bind of the bundle's own `%s` on %s",
                    src, m->destination);
              else
                add(r, AUDIT_HIGH, "rw-host-bind", path,
                    "read-write bind of the host path `%s` on %s: any other container that "
                    "mounts it shares files with this one",
                    src, m->destination);
            }
          if (!strv_contains(&m->options, "nodev") || !strv_contains(&m->options, "nosuid"))
            add(r, AUDIT_MEDIUM, "bind-dev-suid", path,
                "bind of `%s` on %s without nodev,nosuid: device nodes and setuid files on it work",
                src, m->destination);
        }
      else if (strcmp(type, "sysfs") == 0 && !strv_contains(&m->options, "ro"))
        add(r, AUDIT_MEDIUM, "rw-sysfs", path, "sysfs mounted read-write on %s", m->destination);
    }
}

/* ---- capabilities ------------------------------------------------------- */

static const struct {
  const char *cap;
  audit_severity sev;
  const char *why;
} cap_checks[] = {
  { "CAP_SYS_ADMIN", AUDIT_CRITICAL, "mounts, namespaces, most of the kernel's admin interfaces" },
  { "CAP_SYS_MODULE", AUDIT_CRITICAL, "loads kernel modules: code in the host kernel" },
  { "CAP_SYS_RAWIO", AUDIT_CRITICAL, "raw I/O ports and memory" },
  { "CAP_SYS_PTRACE", AUDIT_HIGH, "traces and reads other processes' memory" },
  { "CAP_MKNOD", AUDIT_HIGH, "makes device nodes (with a shared writable volume: /dev/mem, raw disks)" },
  { "CAP_NET_ADMIN", AUDIT_HIGH, "reconfigures the network it sees" },
  { "CAP_DAC_READ_SEARCH", AUDIT_HIGH, "open_by_handle_at: reads files outside the container's root" },
  { "CAP_SYS_BOOT", AUDIT_HIGH, "reboots the host (or its pid namespace)" },
  { "CAP_BPF", AUDIT_HIGH, "loads BPF programs" },
  { "CAP_SYS_TIME", AUDIT_HIGH, "sets the host's clock" },
  { "CAP_MAC_ADMIN", AUDIT_HIGH, "changes the LSM policy" },
  { "CAP_MAC_OVERRIDE", AUDIT_HIGH, "overrides the LSM policy" },
  { "CAP_PERFMON", AUDIT_MEDIUM, "observes the whole system's performance counters" },
  { "CAP_SYSLOG", AUDIT_MEDIUM, "reads and clears the kernel log" },
  { "CAP_SYS_NICE", AUDIT_LOW, "real-time scheduling can starve other tenants" },
  { "CAP_NET_RAW", AUDIT_LOW, "raw sockets: spoofed packets on its network" },
};

static void
audit_caps(const oci_spec *spec, audit_report *r)
{
  const oci_capabilities *c = spec->process ? spec->process->capabilities : NULL;
  if (c == NULL)
    return;
  for (size_t i = 0; i < sizeof cap_checks / sizeof cap_checks[0]; i++)
    {
      const char *cap = cap_checks[i].cap;
      const char *set = strv_contains(&c->effective, cap)     ? "effective"
                        : strv_contains(&c->permitted, cap)   ? "permitted"
                        : strv_contains(&c->ambient, cap)     ? "ambient"
                        : strv_contains(&c->bounding, cap)    ? "bounding"
                        : strv_contains(&c->inheritable, cap) ? "inheritable"
                                                              : NULL;
      if (set)
        add(r, cap_checks[i].sev, "dangerous-capability", "process.capabilities",
            "%s in the %s set: %s", cap, set, cap_checks[i].why);
    }
}

/* ---- devices ------------------------------------------------------------ */

static bool
wild_major(const oci_device_cgroup *d)
{
  return !d->has_major || d->major < 0;
}

static void
audit_device_cgroup(const oci_resources *res, audit_report *r)
{
  bool deny_first = res && res->devices_len && !res->devices[0].allow
                    && (res->devices[0].type == NULL || strcmp(res->devices[0].type, "a") == 0)
                    && wild_major(&res->devices[0]);
  if (!deny_first)
    add(r, AUDIT_HIGH, "device-cgroup", "linux.resources.devices",
        "the device cgroup does not start with deny-all: device nodes of the host may be opened");
  for (size_t i = 0; res && i < res->devices_len; i++)
    {
      const oci_device_cgroup *d = &res->devices[i];
      if (!d->allow || !wild_major(d))
        continue;
      char path[64];
      snprintf(path, sizeof path, "linux.resources.devices[%zu]", i);
      const char *access = d->access ? d->access : "rwm";
      bool all = d->type == NULL || strcmp(d->type, "a") == 0;
      const char *what = all                          ? "every device"
                         : strcmp(d->type, "b") == 0 ? "every block device"
                                                      : "every char device";
      if (strchr(access, 'r') || strchr(access, 'w'))
        add(r, AUDIT_CRITICAL, "device-allow-all", path,
            "allows %s of the host (%s): /dev/mem, raw disks", what, access);
      else
        add(r, AUDIT_LOW, "device-allow-all", path,
            "allows mknod of %s (%s): harmless only without CAP_MKNOD", what, access);
    }
}

/* The nodes every container gets anyway (null, zero, full, random,
 * urandom, tty, ptmx): listing them is no gap. */
static bool
default_device(const oci_device *d)
{
  static const int64_t nodes[][2] = { { 1, 3 }, { 1, 5 }, { 1, 7 }, { 1, 8 },
                                      { 1, 9 }, { 5, 0 }, { 5, 2 } };
  if (strcmp(d->type, "c") != 0 && strcmp(d->type, "u") != 0)
    return false;
  for (size_t i = 0; i < sizeof nodes / sizeof nodes[0]; i++)
    if (d->major == nodes[i][0] && d->minor == nodes[i][1])
      return true;
  return false;
}

static void
audit_devices(const oci_linux *l, audit_report *r)
{
  for (size_t i = 0; l && i < l->devices_len; i++)
    {
      const oci_device *d = &l->devices[i];
      if (default_device(d))
        continue;
      char path[64];
      snprintf(path, sizeof path, "linux.devices[%zu]", i);
      bool mem = strcmp(d->type, "c") == 0 && d->major == 1
                 && (d->minor == 1 || d->minor == 2 || d->minor == 4);
      audit_severity sev = mem || strcmp(d->type, "b") == 0 ? AUDIT_CRITICAL : AUDIT_MEDIUM;
      add(r, sev, "extra-device", path, "device node %s (%s %lld:%lld) beyond the defaults",
          d->path, d->type, (long long) d->major, (long long) d->minor);
    }
}

/* ---- sysctl ------------------------------------------------------------- */

/* The namespace that isolates a sysctl, NULL when none does. */
static const char *
sysctl_namespace(const char *k)
{
  static const char *const ipc[] = { "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni",
                                     "kernel.sem",    "kernel.shmall", "kernel.shmmax",
                                     "kernel.shmmni", "kernel.shm_rmid_forced" };
  if (strncmp(k, "net.", 4) == 0)
    return "network";
  if (strncmp(k, "fs.mqueue.", 10) == 0)
    return "ipc";
  for (size_t i = 0; i < sizeof ipc / sizeof ipc[0]; i++)
    if (strcmp(k, ipc[i]) == 0)
      return "ipc";
  if (strcmp(k, "kernel.hostname") == 0 || strcmp(k, "kernel.domainname") == 0)
    return "uts";
  return NULL;
}

static void
audit_sysctl(const oci_linux *l, audit_report *r)
{
  for (size_t i = 0; l && i < l->sysctl.len; i++)
    {
      const char *k = l->sysctl.keys[i];
      char path[256];
      snprintf(path, sizeof path, "linux.sysctl.%s", k);
      const char *ns = sysctl_namespace(k);
      const oci_namespace *n = ns ? find_ns(l, ns) : NULL;
      if (ns == NULL)
        add(r, AUDIT_HIGH, "sysctl", path,
            "sets %s, which no namespace isolates: it changes the host kernel", k);
      else if (n == NULL)
        add(r, AUDIT_HIGH, "sysctl", path,
            "sets %s in the host's %s namespace, which the container shares: it changes the host",
            k, ns);
      else if (n->path && n->path[0])
        add(r, AUDIT_LOW, "sysctl", path, "sets %s in the joined %s namespace %s", k, ns, n->path);
    }
}

/* ---- process, limits, the rest ------------------------------------------ */

/* The masks runtimes apply by default; one missing is a window on the host. */
static const char *const expected_masks[] = {
  "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
  "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware",
};

static void
audit_masks(const oci_linux *l, audit_report *r)
{
  char missing[512] = "";
  size_t n = 0;
  for (size_t i = 0; i < sizeof expected_masks / sizeof expected_masks[0]; i++)
    if (l == NULL || !strv_contains(&l->masked_paths, expected_masks[i]))
      {
        size_t len = strlen(missing);
        snprintf(missing + len, sizeof missing - len, "%s%s", n ? ", " : "", expected_masks[i]);
        n++;
      }
  if (n)
    add(r, AUDIT_MEDIUM, "missing-masked-path", "linux.maskedPaths",
        "%s %s not masked: windows on the host kernel's state", missing, n == 1 ? "is" : "are");
}

static void
audit_process(const oci_spec *spec, audit_report *r)
{
  const oci_process *p = spec->process;
  const oci_linux *l = spec->linux;
  if (p && !p->no_new_privileges)
    add(r, AUDIT_MEDIUM, "no-new-privileges", "process.noNewPrivileges",
        "not set: setuid binaries and file capabilities can raise privileges");
  if (p && p->user.uid == 0 && find_ns(l, "user") == NULL)
    add(r, AUDIT_MEDIUM, "root-user", "process.user.uid", "runs as root without a user namespace");
}

static void
audit_linux(const oci_spec *spec, audit_report *r)
{
  const oci_linux *l = spec->linux;
  const oci_seccomp *sc = l ? l->seccomp : NULL;
  if (sc == NULL)
    add(r, AUDIT_HIGH, "no-seccomp", "linux.seccomp",
        "no seccomp profile: every system call of the kernel is reachable");
  else if (strcmp(sc->default_action, "SCMP_ACT_ALLOW") == 0
           || strcmp(sc->default_action, "SCMP_ACT_LOG") == 0)
    add(r, AUDIT_MEDIUM, "seccomp-allow-default", "linux.seccomp.defaultAction",
        "%s by default: only the listed calls are filtered", sc->default_action);
  const oci_resources *res = l ? l->resources : NULL;
  if (res == NULL || res->memory == NULL || !res->memory->has_limit || res->memory->limit <= 0)
    add(r, AUDIT_MEDIUM, "no-memory-limit", "linux.resources.memory.limit",
        "no memory limit: one container can exhaust the host's memory");
  if (res == NULL || res->pids == NULL || !res->pids->has_limit || res->pids->limit < 0)
    add(r, AUDIT_MEDIUM, "no-pids-limit", "linux.resources.pids.limit",
        "no pids limit: a fork bomb exhausts the host's process table");
  audit_device_cgroup(res, r);
  if (spec->root && !spec->root->readonly)
    add(r, AUDIT_LOW, "writable-root", "root.readonly", "the root filesystem is writable");
  audit_masks(l, r);
  audit_devices(l, r);
  audit_sysctl(l, r);
  if (l && l->rootfs_propagation && strstr(l->rootfs_propagation, "shared"))
    add(r, AUDIT_MEDIUM, "shared-propagation", "linux.rootfsPropagation",
        "%s: mounts propagate between the container and the host", l->rootfs_propagation);
  const oci_hooks *h = spec->hooks;
  if (h && (h->prestart.len || h->create_runtime.len || h->poststart.len || h->poststop.len))
    add(r, AUDIT_INFO, "host-hooks", "hooks", "hooks run on the host, as the runtime's user");
}

/* ---- the report --------------------------------------------------------- */

static void
findings_of(const oci_spec *spec, const char *bundle_dir, audit_report *r)
{
  audit_namespaces(spec, r);
  audit_mounts(spec, bundle_dir, r);
  audit_caps(spec, r);
  audit_process(spec, r);
  audit_linux(spec, r);
}

int
audit_spec(const oci_spec *spec, const char *bundle_dir, bool strict_forced, audit_report *out,
           clawrt_error *err)
{
  memset(out, 0, sizeof *out);
  out->strict_changes.v = xmalloc0(sizeof(char *));
  out->strict = strict_requested(spec, strict_forced);

  oci_spec *dup = oci_spec_dup(spec);
  clawrt_error e = { 0 };
  bool refused = strict_apply(dup, "config.json", &out->strict_changes, &e) < 0;
  if (refused)
    {
      out->strict_refusal = clawrt_error_text(&e);
      clawrt_error_clear(&e);
    }
  /* with strict mode on, what runs is the transformed spec */
  findings_of(out->strict && !refused ? dup : spec, bundle_dir, out);
  oci_spec_free(dup);
  if (out->strict && refused)
    add(out, AUDIT_HIGH, "strict-refused", "annotations." CLAWRT_STRICT_ANNOTATION,
        "strict mode is on and refuses this bundle, which will not start: %s",
        out->strict_refusal);

  /* most severe first, spec order within a severity: a stable insertion
   * sort (a few dozen findings at most) */
  for (size_t i = 1; i < out->len; i++)
    {
      audit_finding t = out->findings[i];
      size_t j = i;
      while (j > 0 && out->findings[j - 1].severity < t.severity)
        {
          out->findings[j] = out->findings[j - 1];
          j--;
        }
      out->findings[j] = t;
    }
  return 0;
}

void
audit_report_free(audit_report *r)
{
  for (size_t i = 0; i < r->len; i++)
    {
      free(r->findings[i].path);
      free(r->findings[i].message);
    }
  free(r->findings);
  for (size_t i = 0; i < r->strict_changes.len; i++)
    free(r->strict_changes.v[i]);
  free(r->strict_changes.v);
  free(r->strict_refusal);
  memset(r, 0, sizeof *r);
}

int
audit_max_severity(const audit_report *r)
{
  int m = -1;
  for (size_t i = 0; i < r->len; i++)
    if ((int) r->findings[i].severity > m)
      m = (int) r->findings[i].severity;
  return m;
}
