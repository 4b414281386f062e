/* linux.resources on the cgroup v2 leaf, with the conversions from the
 * spec's v1-shaped fields:
 *   cpu.shares [2, 262144]      -> cpu.weight [1, 10000] (log-quadratic, so
 *                                  the v1 default 1024 lands on the v2
 *                                  default 100, as runc >= 1.3.2 and crun
 *                                  >= 1.23 do)
 *   cpu.quota + cpu.period      -> cpu.max "QUOTA PERIOD"
 *   memory.swap (memory+swap)   -> memory.swap.max = swap - limit
 *   memory.reservation          -> memory.low
 *   blockIO.weight [10, 1000]   -> io.bfq.weight as is, or io.weight [1, 10000]
 *   blockIO throttles           -> io.max "MAJ:MIN rbps=N"
 * Fields v2 has no file for are refused by cg_v2_check, never dropped. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "util.h"

uint64_t
cgroup_cpu_shares_to_weight(uint64_t shares)
{
  if (shares == 0)
    return 0;
  if (shares <= 2)
    return 1;
  if (shares >= 262144)
    return 10000;
  /* weight = ceil(10^((L^2 + 125 L - 126) / 612)), L = log2(shares): the
   * curve through (2, 1), (1024, 100), (262144, 10000).  Written over one
   * denominator so the exact points stay exact in floating point. */
  double l = log2((double) shares);
  double w = ceil(pow(10.0, (l * l + 125.0 * l - 126.0) / 612.0));
  if (w < 1)
    return 1;
  if (w > 10000)
    return 10000;
  return (uint64_t) w;
}

uint64_t
cgroup_blkio_weight_to_io_weight(uint64_t w)
{
  if (w <= 10)
    return 1;
  if (w >= 1000)
    return 10000;
  return 1 + (w - 10) * 9999 / 990;
}

int
cgroup_swap_to_v2(int64_t swap, int64_t limit, bool has_limit, int64_t *out, clawrt_error *err)
{
  /* v1 semantics: swap 0 means "not set", except that with an unlimited
   * memory limit it means "unlimited swap too" */
  if (has_limit && limit == -1 && swap == 0)
    {
      *out = -1;
      return 0;
    }
  if (swap == 0)
    {
      *out = INT64_MIN;
      return 0;
    }
  if (swap < 0)
    {
      *out = -1;
      return 0;
    }
  if (!has_limit || limit <= 0)
    return cg_field_error(err, "memory.swap",
                          "a swap limit needs a memory limit on cgroup v2 (memory.swap.max is "
                          "swap - limit); set memory.limit too");
  if (swap < limit)
    return cg_field_error(err, "memory.swap",
                          "%" PRId64 " is below memory.limit %" PRId64
                          "; swap is memory+swap, so it must be >= the limit (or -1)",
                          swap, limit);
  *out = swap - limit;
  return 0;
}

int
cg_v2_check(const oci_resources *res, unsigned bits, clawrt_error *err)
{
  const oci_memory *mem = res->memory;
  if ((bits & CG_MEMORY) && mem)
    {
      if (mem->has_swappiness)
        return cg_field_error(err, "memory.swappiness", "cgroup v2 has no per-cgroup "
                              "swappiness; drop the field");
      if (mem->has_kernel)
        return cg_field_error(err, "memory.kernel", "cgroup v2 has no separate kernel memory "
                              "limit (kernel memory counts in memory.max); drop the field");
      if (mem->has_kernel_tcp)
        return cg_field_error(err, "memory.kernelTCP", "cgroup v2 has no separate TCP buffer "
                              "limit (it counts in memory.max); drop the field");
      if (mem->has_disable_oom_killer && mem->disable_oom_killer)
        return cg_field_error(err, "memory.disableOOMKiller", "cgroup v2 cannot disable the "
                              "OOM killer; drop the field or set memory.oom.group via "
                              "linux.resources.unified");
      if (mem->has_use_hierarchy && !mem->use_hierarchy)
        return cg_field_error(err, "memory.useHierarchy", "cgroup v2 is always hierarchical");
      if (mem->has_swap)
        {
          int64_t v;
          /* without a limit the conversion needs the live one: update checks then */
          if ((mem->has_limit || mem->swap <= 0)
              && cgroup_swap_to_v2(mem->swap, mem->limit, mem->has_limit, &v, err) < 0)
            return -1;
        }
    }
  const oci_cpu *c = res->cpu;
  if ((bits & CG_CPU) && c)
    {
      if ((c->has_realtime_runtime && c->realtime_runtime != 0)
          || (c->has_realtime_period && c->realtime_period != 0))
        return cg_field_error(err, c->has_realtime_runtime ? "cpu.realtimeRuntime"
                                                           : "cpu.realtimePeriod",
                              "cgroup v2 has no real-time group scheduling; drop the field");
    }
  const oci_block_io *b = res->block_io;
  if ((bits & CG_BLKIO) && b)
    {
      if (b->has_leaf_weight)
        return cg_field_error(err, "blockIO.leafWeight", "cgroup v2 has no leaf weight");
      for (size_t i = 0; i < b->weight_device_len; i++)
        if (b->weight_device[i].has_leaf_weight)
          {
            char f[64];
            snprintf(f, sizeof f, "blockIO.weightDevice[%zu].leafWeight", i);
            return cg_field_error(err, f, "cgroup v2 has no leaf weight");
          }
    }
  if ((bits & CG_HUGETLB) && cg_check_page_sizes(res, err) < 0)
    return -1;
  return 0;
}

static int
write_max(int fd, const char *file, const char *field, int64_t v, clawrt_error *err)
{
  if (v < 0)
    return cg_write(fd, file, "max", field, err);
  return cg_writef(fd, file, field, err, "%" PRId64, v);
}

static int
memory(int fd, const oci_memory *mem, bool update, clawrt_error *err)
{
  bool limit = mem->has_limit && mem->limit != 0;
  if (update && cg_check_usage(fd, "memory.current", mem, err) < 0)
    return -1;
  if (mem->has_swap)
    {
      int64_t lim = mem->limit;
      bool has_lim = mem->has_limit;
      if (!has_lim && update && mem->swap > 0)
        {
          uint64_t cur;
          if (cg_read_u64(fd, "memory.max", &cur, err) < 0)
            return clawrt_error_wrap(err, "linux.resources.memory.swap");
          has_lim = true;
          lim = cur == CGROUP_UNLIMITED ? -1 : (int64_t) cur;
        }
      int64_t sw;
      if (cgroup_swap_to_v2(mem->swap, lim, has_lim, &sw, err) < 0)
        return -1;
      if (sw != INT64_MIN && write_max(fd, "memory.swap.max", "memory.swap", sw, err) < 0)
        return -1;
    }
  if (limit && write_max(fd, "memory.max", "memory.limit", mem->limit, err) < 0)
    return -1;
  if (mem->has_reservation
      && write_max(fd, "memory.low", "memory.reservation", mem->reservation, err) < 0)
    return -1;
  /* disableOOMKiller false and useHierarchy true are what v2 always does */
  return 0;
}

static int
cpu(int fd, const oci_cpu *c, clawrt_error *err)
{
  if (c->has_shares && c->shares != 0
      && cg_writef(fd, "cpu.weight", "cpu.shares", err, "%" PRIu64,
                   cgroup_cpu_shares_to_weight(c->shares))
             < 0)
    return -1;
  bool quota = c->has_quota && c->quota != 0, period = c->has_period && c->period != 0;
  if (quota || period)
    {
      char q[32];
      if (quota && c->quota > 0)
        snprintf(q, sizeof q, "%" PRId64, c->quota);
      else if (quota)
        snprintf(q, sizeof q, "max");
      else
        {
          /* period alone keeps the quota in force */
          cleanup_free char *cur = NULL;
          if (cg_read(fd, "cpu.max", false, &cur, err) < 0)
            return clawrt_error_wrap(err, "linux.resources.cpu.period");
          snprintf(q, sizeof q, "%.*s", (int) strcspn(cur, " "), cur);
        }
      int rc = period ? cg_writef(fd, "cpu.max", quota ? "cpu.quota" : "cpu.period", err,
                                  "%s %" PRIu64, q, c->period)
                      : cg_write(fd, "cpu.max", q, "cpu.quota", err);
      if (rc < 0)
        return -1;
    }
  if (c->has_burst
      && cg_writef(fd, "cpu.max.burst", "cpu.burst", err, "%" PRIu64, c->burst) < 0)
    return -1;
  if (c->has_idle && cg_writef(fd, "cpu.idle", "cpu.idle", err, "%" PRId64, c->idle) < 0)
    return -1;
  return 0;
}

static int
io(int fd, const oci_block_io *b, clawrt_error *err)
{
  /* BFQ takes the v1 range as is; io.weight is the generic v2 knob */
  bool bfq = cg_file_exists(fd, "io.bfq.weight");
  if (b->has_weight)
    {
      int rc = bfq ? cg_writef(fd, "io.bfq.weight", "blockIO.weight", err, "%u", b->weight)
                   : cg_writef(fd, "io.weight", "blockIO.weight", err, "default %" PRIu64,
                               cgroup_blkio_weight_to_io_weight(b->weight));
      if (rc < 0)
        return -1;
    }
  for (size_t i = 0; i < b->weight_device_len; i++)
    {
      const oci_weight_device *w = &b->weight_device[i];
      if (!w->has_weight)
        continue;
      char f[80];
      snprintf(f, sizeof f, "blockIO.weightDevice[%zu].weight", i);
      int rc = bfq ? cg_writef(fd, "io.bfq.weight", f, err, "%" PRId64 ":%" PRId64 " %u",
                               w->major, w->minor, w->weight)
                   : cg_writef(fd, "io.weight", f, err, "%" PRId64 ":%" PRId64 " %" PRIu64,
                               w->major, w->minor, cgroup_blkio_weight_to_io_weight(w->weight));
      if (rc < 0)
        return -1;
    }
  return cg_throttle_write(fd, b, true, err);
}

static int
unified(int fd, const oci_map *u, clawrt_error *err)
{
  for (size_t i = 0; i < u->len; i++)
    {
      cleanup_free char *f = xasprintf("unified[\"%s\"]", u->keys[i]);
      if (cg_write(fd, u->keys[i], u->values[i], f, err) < 0)
        return -1;
    }
  return 0;
}

int
cg_v2_apply(const cgroup_manager *m, const oci_resources *res, unsigned bits, bool update,
            clawrt_error *err)
{
  cg_dir *d = cg_v2_dir(m);
  if (d == NULL)
    return clawrt_error_set(err, ENOENT, "the container has no cgroup v2 directory");
  /* a bit may be set only to enable a controller for a unified key: each
   * part checks that its field is there */
  int fd = d->fd;
  if ((bits & CG_MEMORY) && res->memory && memory(fd, res->memory, update, err) < 0)
    return -1;
  if ((bits & CG_CPU) && res->cpu && cpu(fd, res->cpu, err) < 0)
    return -1;
  if ((bits & CG_CPUSET) && res->cpu && cg_cpuset_write(fd, res->cpu, err) < 0)
    return -1;
  /* runtime-spec 1.3: 0 is a limit, -1 or absent is none */
  if ((bits & CG_PIDS) && res->pids && res->pids->has_limit
      && write_max(fd, "pids.max", "pids.limit", res->pids->limit, err) < 0)
    return -1;
  if ((bits & CG_BLKIO) && res->block_io && io(fd, res->block_io, err) < 0)
    return -1;
  if ((bits & CG_HUGETLB)
      && cg_hugetlb_write(fd, res->hugepage_limits, res->hugepage_limits_len, true, err) < 0)
    return -1;
  if ((bits & CG_RDMA) && cg_rdma_write(fd, res->rdma, res->rdma_len, err) < 0)
    return -1;
  if ((bits & CG_DEVICES) && res->devices && cg_devices_bpf_apply(fd, res->devices, res->devices_len, err) < 0)
    return -1;
  /* last, so an explicit unified key wins over a converted field */
  if ((bits & CG_UNIFIED_KEYS) && unified(fd, &res->unified, err) < 0)
    return -1;
  return 0;
}
