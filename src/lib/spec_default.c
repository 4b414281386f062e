#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "spec_default.h"

#include <string.h>

#include "util.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static oci_strv
strv_of(const char *const *items, size_t n)
{
  oci_strv s;
  s.v = xmalloc0((n + 1) * sizeof *s.v);
  for (size_t i = 0; i < n; i++)
    s.v[i] = xstrdup(items[i]);
  s.len = n;
  return s;
}
#define STRV(...)                                                              \
  ({                                                                           \
    static const char *const items_[] = { __VA_ARGS__ };                       \
    strv_of(items_, NELEM(items_));                                            \
  })

static void
strv_clear(oci_strv *s)
{
  strv_free(s->v);
  s->v = NULL;
  s->len = 0;
}

/* ---- process ------------------------------------------------------------ */

/* The three capabilities a plain shell needs to do what a login shell
 * expects: write audit records (login tools), signal its children, bind
 * low ports.  Everything else is dropped. */
static oci_strv
default_caps(void)
{
  return STRV("CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE");
}

static oci_process *
default_process(void)
{
  oci_process *p = xmalloc0(sizeof *p);
  p->terminal = true;
  p->has_terminal = true;
  p->user.uid = 0;
  p->user.gid = 0;
  p->args = STRV("sh");
  p->env = STRV("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                "TERM=xterm");
  p->cwd = xstrdup("/");
  p->capabilities = xmalloc0(sizeof *p->capabilities);
  p->capabilities->bounding = default_caps();
  p->capabilities->effective = default_caps();
  p->capabilities->permitted = default_caps();
  /* runc 1.1's starter lists them as ambient too, so that a non-root user
   * set in process.user keeps them across execve */
  p->capabilities->ambient = default_caps();
  p->rlimits = xmalloc0(sizeof *p->rlimits);
  p->rlimits_len = 1;
  p->rlimits[0].type = xstrdup("RLIMIT_NOFILE");
  p->rlimits[0].soft = 1024;
  p->rlimits[0].hard = 1024;
  p->no_new_privileges = true;
  p->has_no_new_privileges = true;
  return p;
}

/* ---- mounts ------------------------------------------------------------- */

static void
set_mount(oci_mount *m, const char *dest, const char *type, const char *source, oci_strv opts)
{
  m->destination = xstrdup(dest);
  m->type = xstrdup(type);
  m->source = xstrdup(source);
  m->options = opts;
}

static void
default_mounts(oci_spec *s)
{
  s->mounts_len = 7;
  s->mounts = xmalloc0(s->mounts_len * sizeof *s->mounts);
  oci_mount *m = s->mounts;
  set_mount(m++, "/proc", "proc", "proc", (oci_strv){ NULL, 0 });
  set_mount(m++, "/dev", "tmpfs", "tmpfs",
            STRV("nosuid", "strictatime", "mode=755", "size=65536k"));
  set_mount(m++, "/dev/pts", "devpts", "devpts",
            STRV("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"));
  set_mount(m++, "/dev/shm", "tmpfs", "shm",
            STRV("nosuid", "noexec", "nodev", "mode=1777", "size=65536k"));
  set_mount(m++, "/dev/mqueue", "mqueue", "mqueue", STRV("nosuid", "noexec", "nodev"));
  set_mount(m++, "/sys", "sysfs", "sysfs", STRV("nosuid", "noexec", "nodev", "ro"));
  set_mount(m++, "/sys/fs/cgroup", "cgroup", "cgroup",
            STRV("nosuid", "noexec", "nodev", "relatime", "ro"));
}

/* ---- linux -------------------------------------------------------------- */

static const char *const default_namespaces[] = {
  "pid", "network", "ipc", "uts", "mount", "cgroup",
};

static oci_linux *
default_linux(void)
{
  oci_linux *l = xmalloc0(sizeof *l);

  /* deny every device node; the standard ones (null, zero, full, tty,
   * random, urandom, ptmx) are allowed on top of this by the runtime */
  l->resources = xmalloc0(sizeof *l->resources);
  l->resources->devices = xmalloc0(sizeof *l->resources->devices);
  l->resources->devices_len = 1;
  l->resources->devices[0].allow = false;
  l->resources->devices[0].access = xstrdup("rwm");

  l->namespaces_len = NELEM(default_namespaces);
  l->namespaces = xmalloc0(l->namespaces_len * sizeof *l->namespaces);
  for (size_t i = 0; i < l->namespaces_len; i++)
    l->namespaces[i].type = xstrdup(default_namespaces[i]);

  /* Files that leak host state or let a root process act on the host:
   * kernel memory, keyrings, timers that time other tenants, firmware
   * tables, and the power meters that leak secrets through energy use
   * (CVE-2020-8694; runc masks them from 1.2 on). */
  l->masked_paths = STRV("/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
                         "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
                         "/proc/sched_debug", "/sys/firmware", "/proc/scsi",
                         "/sys/devices/virtual/powercap");
  l->readonly_paths
      = STRV("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger");
  return l;
}

oci_spec *
spec_default(void)
{
  oci_spec *s = xmalloc0(sizeof *s);
  s->oci_version = xstrdup(CLAWRT_OCI_VERSION);
  s->process = default_process();
  s->root = xmalloc0(sizeof *s->root);
  s->root->path = xstrdup("rootfs");
  s->root->readonly = true;
  s->root->has_readonly = true;
  s->hostname = xstrdup("clawrt");
  default_mounts(s);
  s->linux = default_linux();
  return s;
}

/* ---- rootless ----------------------------------------------------------- */

static void
drop_namespace(oci_linux *l, const char *type)
{
  size_t j = 0;
  for (size_t i = 0; i < l->namespaces_len; i++)
    {
      if (strcmp(l->namespaces[i].type, type) == 0)
        {
          free(l->namespaces[i].type);
          free(l->namespaces[i].path);
          continue;
        }
      l->namespaces[j++] = l->namespaces[i];
    }
  l->namespaces_len = j;
}

static void
map_root_to(oci_id_mapping **maps, size_t *len, uint32_t host_id)
{
  free(*maps);
  *maps = xmalloc0(sizeof **maps);
  (*maps)[0].container_id = 0;
  (*maps)[0].host_id = host_id;
  (*maps)[0].size = 1;
  *len = 1;
}

static void
drop_gid_option(oci_strv *opts)
{
  size_t j = 0;
  for (size_t i = 0; i < opts->len; i++)
    {
      if (strncmp(opts->v[i], "gid=", 4) == 0)
        {
          free(opts->v[i]);
          continue;
        }
      opts->v[j++] = opts->v[i];
    }
  opts->len = j;
  if (opts->v)
    opts->v[j] = NULL;
}

void
spec_make_rootless(oci_spec *s, uid_t uid, gid_t gid)
{
  if (s->linux == NULL)
    s->linux = xmalloc0(sizeof *s->linux);
  oci_linux *l = s->linux;

  drop_namespace(l, "network");
  drop_namespace(l, "user");
  l->namespaces = xrealloc(l->namespaces, (l->namespaces_len + 1) * sizeof *l->namespaces);
  memset(&l->namespaces[l->namespaces_len], 0, sizeof *l->namespaces);
  l->namespaces[l->namespaces_len++].type = xstrdup("user");

  map_root_to(&l->uid_mappings, &l->uid_mappings_len, (uint32_t) uid);
  map_root_to(&l->gid_mappings, &l->gid_mappings_len, (uint32_t) gid);

  for (size_t i = 0; i < s->mounts_len; i++)
    {
      oci_mount *m = &s->mounts[i];
      if (m->type && strcmp(m->type, "sysfs") == 0 && strcmp(m->destination, "/sys") == 0)
        {
          free(m->type);
          free(m->source);
          strv_clear(&m->options);
          m->type = xstrdup("none");
          m->source = xstrdup("/sys");
          m->options = STRV("rbind", "nosuid", "noexec", "nodev", "ro");
        }
      else if (m->type && strcmp(m->type, "devpts") == 0)
        drop_gid_option(&m->options);
    }

  oci_resources_free(l->resources);
  l->resources = NULL;
}
