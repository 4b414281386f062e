/* Which hierarchy applies which part of linux.resources.  On a hybrid host a
 * controller lives either in a v1 hierarchy or in the cgroup2 mount, never
 * both; the part goes where its controller is, and a part whose controller
 * is nowhere is an error naming the field, before anything is written. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "util.h"

typedef struct avail {
  cgroup_layout layout;
  unsigned v1, v2;
  bool has_v2;
  const char *v2_mount;
} avail;

static void
names(unsigned mask, bool v2, char *buf, size_t len)
{
  cg_mask_names(mask, v2, "", " ", buf, len);
  if (buf[0] == '\0')
    snprintf(buf, len, "none");
}

/* "hybrid host: v1 controllers cpu memory ...; the cgroup2 mount at unified
 * offers only hugetlb" */
static char *
describe(const avail *a)
{
  char v1[256], v2[256];
  names(a->v1, false, v1, sizeof v1);
  names(a->v2, true, v2, sizeof v2);
  switch (a->layout)
    {
    case CGROUP_LAYOUT_V1:
      return xasprintf("cgroup v1 host with controllers %s", v1);
    case CGROUP_LAYOUT_V2:
      return xasprintf("cgroup v2 host offering %s", v2);
    case CGROUP_LAYOUT_HYBRID:
      break;
    }
  return xasprintf("hybrid host: v1 controllers %s; the cgroup2 mount%s%s offers only %s", v1,
                   *a->v2_mount ? " at " : "", a->v2_mount, v2);
}

static int
missing(const avail *a, const char *field, unsigned bit, clawrt_error *err)
{
  cleanup_free char *d = describe(a);
  bool v2only = a->layout == CGROUP_LAYOUT_V2;
  if (v2only && (bit & (CG_NET_CLS | CG_NET_PRIO)))
    return cg_field_error(err, field,
                          "cgroup v2 has no %s controller (%s); tag traffic with the cgroup "
                          "path in nftables/eBPF instead, and drop the field",
                          cg_controller_name(bit, false), d);
  return cg_field_error(err, field, "the %s controller is not available (%s)",
                        cg_controller_name(bit, a->layout == CGROUP_LAYOUT_V2), d);
}

/* unified keys: "<controller>.<file>"; cgroup.* core files are allowed
 * except those that would move, kill or freeze processes behind our back. */
static int
route_unified(const avail *a, const oci_map *u, unsigned *v2_bits, clawrt_error *err)
{
  static const char *const refused[] = { "cgroup.procs", "cgroup.threads", "cgroup.kill",
                                         "cgroup.freeze", "cgroup.subtree_control", "cgroup.type",
                                         "cgroup.events", "cgroup.controllers" };
  for (size_t i = 0; i < u->len; i++)
    {
      const char *k = u->keys[i];
      const char *dot = strchr(k, '.');
      if (dot == NULL || dot == k || dot[1] == '\0' || strchr(k, '/') || strcmp(k, "..") == 0)
        return clawrt_error_set(err, 0, "linux.resources.unified[\"%s\"]: not a cgroup v2 "
                                "file name (<controller>.<name>)", k);
      for (size_t j = 0; j < sizeof refused / sizeof refused[0]; j++)
        if (strcmp(k, refused[j]) == 0)
          return clawrt_error_set(err, 0, "linux.resources.unified[\"%s\"]: the runtime owns "
                                  "this file; it cannot be set from the spec", k);
      cleanup_free char *ctl = strndup(k, (size_t) (dot - k));
      bool core = strcmp(ctl, "cgroup") == 0;
      unsigned bit = core ? 0 : cg_controller_bit(ctl);
      if (!core && bit == 0)
        return clawrt_error_set(err, 0, "linux.resources.unified[\"%s\"]: unknown controller "
                                "`%s`", k, ctl);
      if (a->has_v2 && (core || (a->v2 & bit)))
        {
          *v2_bits |= bit | CG_UNIFIED_KEYS;
          continue;
        }
      cleanup_free char *d = describe(a);
      if (a->layout == CGROUP_LAYOUT_HYBRID && (a->v1 & bit))
        return clawrt_error_set(err, 0, "linux.resources.unified[\"%s\"]: cgroup v2 keys need a "
                                "cgroup v2 host; this host is hybrid and %s is a v1 controller "
                                "here (%s); use the matching linux.resources field", k, ctl, d);
      if (a->layout == CGROUP_LAYOUT_V1)
        return clawrt_error_set(err, 0, "linux.resources.unified[\"%s\"]: cgroup v2 keys need a "
                                "cgroup v2 host; this host is cgroup v1 (%s)", k, d);
      return clawrt_error_set(err, 0, "linux.resources.unified[\"%s\"]: the %s controller is "
                              "not available (%s)", k, ctl, d);
    }
  return 0;
}

static void
from_manager(const cgroup_manager *m, avail *a)
{
  *a = (avail){ .layout = m->layout, .v2_mount = "" };
  for (size_t i = 0; i < m->n; i++)
    {
      const cg_dir *d = &m->dirs[i];
      if (d->fd < 0)
        continue;
      if (d->v2)
        {
          a->has_v2 = true;
          a->v2 = d->mask;
          a->v2_mount = d->mount;
        }
      else
        a->v1 |= d->mask;
    }
}

static void
from_host(const cg_host *h, avail *a)
{
  *a = (avail){ .layout = h->layout, .v1 = h->v1_mask, .v2_mount = "" };
  if (h->v2 >= 0)
    {
      a->has_v2 = true;
      a->v2 = h->mounts[h->v2].mask;
      a->v2_mount = h->mounts[h->v2].mount;
    }
}

int
cg_route(const cgroup_manager *m, const cg_host *h, const oci_resources *res,
         unsigned *v1_bits, unsigned *v2_bits, clawrt_error *err)
{
  *v1_bits = *v2_bits = 0;
  if (res == NULL)
    return 0;
  avail a;
  if (m)
    from_manager(m, &a);
  else
    from_host(h, &a);

  struct
  {
    bool want;
    unsigned bit;
    const char *field;
  } parts[] = {
    { res->memory != NULL, CG_MEMORY, "memory" },
    { res->cpu && (res->cpu->has_shares || res->cpu->has_quota || res->cpu->has_period
                   || res->cpu->has_burst || res->cpu->has_realtime_period
                   || res->cpu->has_realtime_runtime || res->cpu->has_idle),
      CG_CPU, "cpu" },
    { res->cpu && ((res->cpu->cpus && *res->cpu->cpus) || (res->cpu->mems && *res->cpu->mems)),
      CG_CPUSET, res->cpu && res->cpu->cpus && *res->cpu->cpus ? "cpu.cpus" : "cpu.mems" },
    { res->pids && res->pids->has_limit, CG_PIDS, "pids.limit" },
    { res->block_io != NULL, CG_BLKIO, "blockIO" },
    { res->hugepage_limits_len > 0, CG_HUGETLB, "hugepageLimits" },
    { res->network && res->network->has_class_id, CG_NET_CLS, "network.classID" },
    { res->network && res->network->priorities_len > 0, CG_NET_PRIO, "network.priorities" },
    { res->rdma_len > 0, CG_RDMA, "rdma" },
  };
  for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
    {
      if (!parts[i].want)
        continue;
      if (a.v1 & parts[i].bit)
        *v1_bits |= parts[i].bit;
      else if (a.has_v2 && (a.v2 & parts[i].bit))
        *v2_bits |= parts[i].bit;
      else
        return missing(&a, parts[i].field, parts[i].bit, err);
    }
  if (res->pids && res->pids->has_limit && res->pids->limit < -1)
    return cg_field_error(err, "pids.limit", "%" PRId64 " is not a limit: give the most "
                          "processes at once (0 or more), or -1 for no limit", res->pids->limit);
  if (res->devices)
    {
      /* v1 has a devices controller; v2 filters devices with an eBPF
       * program, which needs no controller at all */
      if (a.v1 & CG_DEVICES)
        *v1_bits |= CG_DEVICES;
      else if (a.has_v2)
        *v2_bits |= CG_DEVICES;
      else
        return missing(&a, "devices", CG_DEVICES, err);
      if (cg_devices_check(res->devices, res->devices_len, err) < 0)
        return -1;
    }
  if (res->has_unified && route_unified(&a, &res->unified, v2_bits, err) < 0)
    return -1;
  if (cg_v1_check(res, *v1_bits, err) < 0 || cg_v2_check(res, *v2_bits, err) < 0)
    return -1;
  return 0;
}

bool
cg_valid_page_size(const char *s)
{
  if (s == NULL || *s < '1' || *s > '9')
    return false;
  while (*s >= '0' && *s <= '9')
    s++;
  return (s[0] == 'K' || s[0] == 'M' || s[0] == 'G') && s[1] == 'B' && s[2] == '\0';
}
