/* linux.resources on cgroup v1 hierarchies: which file gets which value.
 * Only present fields are written.  Values follow runc where the spec is
 * silent: a memory limit, swap or CPU quota of 0 means "not set". */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "util.h"

/* What v1 shows for "no limit": LONG_MAX rounded down to the page size. */
#define V1_UNLIMITED_FLOOR 0x7FFFFFFFFFFF0000ull

static int
write_i64(int fd, const char *file, const char *field, int64_t v, clawrt_error *err)
{
  return cg_writef(fd, file, field, err, "%" PRId64, v < 0 ? (int64_t) -1 : v);
}

int
cg_v1_check(const oci_resources *res, unsigned bits, clawrt_error *err)
{
  const oci_memory *mem = res->memory;
  if ((bits & CG_MEMORY) && mem)
    {
      if (mem->has_swap && mem->has_limit && mem->swap > 0 && mem->limit > 0
          && mem->swap < mem->limit)
        return cg_field_error(err, "memory.swap",
                              "%" PRId64 " is below memory.limit %" PRId64
                              "; on cgroup v1 swap is memory+swap, so it must be >= the limit "
                              "(or -1 for unlimited swap)",
                              mem->swap, mem->limit);
      if (mem->has_swappiness && mem->swappiness > 100)
        return cg_field_error(err, "memory.swappiness", "%" PRIu64 " is not in [0, 100]",
                              mem->swappiness);
      if (mem->has_use_hierarchy && !mem->use_hierarchy)
        return cg_field_error(err, "memory.useHierarchy",
                              "false is not supported: kernels since 5.x are always "
                              "hierarchical");
    }
  const oci_block_io *b = res->block_io;
  if ((bits & CG_BLKIO) && b)
    {
      if (b->has_weight && (b->weight < 10 || b->weight > 1000))
        return cg_field_error(err, "blockIO.weight", "%u is not in [10, 1000]", b->weight);
      for (size_t i = 0; i < b->weight_device_len; i++)
        if (b->weight_device[i].has_weight
            && (b->weight_device[i].weight < 10 || b->weight_device[i].weight > 1000))
          {
            char f[64];
            snprintf(f, sizeof f, "blockIO.weightDevice[%zu].weight", i);
            return cg_field_error(err, f, "%u is not in [10, 1000]", b->weight_device[i].weight);
          }
    }
  if ((bits & CG_HUGETLB) && cg_check_page_sizes(res, err) < 0)
    return -1;
  return 0;
}

static int
memory(int fd, const oci_memory *mem, bool update, clawrt_error *err)
{
  bool limit = mem->has_limit && mem->limit != 0;
  bool swap = mem->has_swap && mem->swap != 0;
  if (update && cg_check_usage(fd, "memory.usage_in_bytes", mem, err) < 0)
    return -1;
  /* The kernel keeps memsw >= limit at every step: raise memsw first when
   * the new limit would pass the current memsw, lower the limit first
   * otherwise. */
  bool swap_first = false;
  if (limit && swap && update)
    {
      uint64_t cur;
      if (cg_read_u64(fd, "memory.memsw.limit_in_bytes", &cur, err) < 0)
        return clawrt_error_wrap(err, "linux.resources.memory.swap");
      swap_first = mem->swap < 0 || mem->limit < 0 || (uint64_t) mem->limit > cur;
    }
  if (swap_first && write_i64(fd, "memory.memsw.limit_in_bytes", "memory.swap", mem->swap, err) < 0)
    return -1;
  if (limit && write_i64(fd, "memory.limit_in_bytes", "memory.limit", mem->limit, err) < 0)
    return -1;
  if (swap && !swap_first
      && write_i64(fd, "memory.memsw.limit_in_bytes", "memory.swap", mem->swap, err) < 0)
    return -1;
  if (mem->has_reservation
      && write_i64(fd, "memory.soft_limit_in_bytes", "memory.reservation", mem->reservation, err)
             < 0)
    return -1;
  if (mem->has_kernel)
    {
      if (write_i64(fd, "memory.kmem.limit_in_bytes", "memory.kernel", mem->kernel, err) < 0)
        return -1;
      /* Since Linux 5.16 the write is accepted and ignored: say so rather
       * than pretend the limit holds. */
      uint64_t back;
      if (mem->kernel > 0 && cg_read_u64(fd, "memory.kmem.limit_in_bytes", &back, err) == 0
          && back >= V1_UNLIMITED_FLOOR)
        return cg_field_error(err, "memory.kernel",
                              "this kernel ignores kernel memory limits "
                              "(memory.kmem.limit_in_bytes is deprecated since Linux 5.16); "
                              "remove the field");
      clawrt_error_clear(err);
    }
  if (mem->has_kernel_tcp
      && write_i64(fd, "memory.kmem.tcp.limit_in_bytes", "memory.kernelTCP", mem->kernel_tcp, err)
             < 0)
    return -1;
  if (mem->has_swappiness
      && cg_writef(fd, "memory.swappiness", "memory.swappiness", err, "%" PRIu64, mem->swappiness)
             < 0)
    return -1;
  if (mem->has_disable_oom_killer
      && cg_write(fd, "memory.oom_control", mem->disable_oom_killer ? "1" : "0",
                  "memory.disableOOMKiller", err)
             < 0)
    return -1;
  if (mem->has_use_hierarchy && cg_write(fd, "memory.use_hierarchy", "1", "memory.useHierarchy", err) < 0)
    return -1;
  return 0;
}

static int
cpu(int fd, const oci_cpu *c, clawrt_error *err)
{
  if (c->has_shares && c->shares != 0
      && cg_writef(fd, "cpu.shares", "cpu.shares", err, "%" PRIu64, c->shares) < 0)
    return -1;
  bool period = c->has_period && c->period != 0, quota = c->has_quota && c->quota != 0;
  if (period && cg_writef(fd, "cpu.cfs_period_us", "cpu.period", err, "%" PRIu64, c->period) < 0)
    {
      /* a shorter period can break the quota/period ratio the parent
       * allows until the new quota is in: then quota first */
      if (!quota || err->errnum != EINVAL)
        return -1;
      clawrt_error_clear(err);
      if (write_i64(fd, "cpu.cfs_quota_us", "cpu.quota", c->quota, err) < 0
          || cg_writef(fd, "cpu.cfs_period_us", "cpu.period", err, "%" PRIu64, c->period) < 0)
        return -1;
      quota = false;
    }
  if (quota && write_i64(fd, "cpu.cfs_quota_us", "cpu.quota", c->quota, err) < 0)
    return -1;
  if (c->has_burst && cg_writef(fd, "cpu.cfs_burst_us", "cpu.burst", err, "%" PRIu64, c->burst) < 0)
    return -1;
  /* realtimePeriod and realtimeRuntime: rt.c, which needs the parents */
  if (c->has_idle && cg_writef(fd, "cpu.idle", "cpu.idle", err, "%" PRId64, c->idle) < 0)
    return -1;
  return 0;
}

static int
blkio(int fd, const oci_block_io *b, clawrt_error *err)
{
  /* CFQ's blkio.weight went with CFQ (Linux 5.0); BFQ offers the same
   * range under its own name */
  bool bfq = !cg_file_exists(fd, "blkio.weight") && cg_file_exists(fd, "blkio.bfq.weight");
  if (b->has_weight
      && cg_writef(fd, bfq ? "blkio.bfq.weight" : "blkio.weight", "blockIO.weight", err, "%u",
                   b->weight)
             < 0)
    return -1;
  if (b->has_leaf_weight
      && cg_writef(fd, "blkio.leaf_weight", "blockIO.leafWeight", err, "%u", b->leaf_weight) < 0)
    return -1;
  for (size_t i = 0; i < b->weight_device_len; i++)
    {
      const oci_weight_device *w = &b->weight_device[i];
      char f[80];
      if (w->has_weight)
        {
          snprintf(f, sizeof f, "blockIO.weightDevice[%zu].weight", i);
          if (cg_writef(fd, bfq ? "blkio.bfq.weight_device" : "blkio.weight_device", f, err,
                        "%" PRId64 ":%" PRId64 " %u", w->major, w->minor, w->weight)
              < 0)
            return -1;
        }
      if (w->has_leaf_weight)
        {
          snprintf(f, sizeof f, "blockIO.weightDevice[%zu].leafWeight", i);
          if (cg_writef(fd, "blkio.leaf_weight_device", f, err, "%" PRId64 ":%" PRId64 " %u",
                        w->major, w->minor, w->leaf_weight)
              < 0)
            return -1;
        }
    }
  return cg_throttle_write(fd, b, false, err);
}

/* The v1 leaf holding `bit`; routing guarantees it exists. */
static int
dir_of(const cgroup_manager *m, unsigned bit, clawrt_error *err)
{
  cg_dir *d = cg_dir_for(m, bit);
  if (d == NULL || d->v2 || d->fd < 0)
    return clawrt_error_set(err, ENOENT, "the container has no %s cgroup",
                            cg_controller_name(bit, false));
  return d->fd;
}

int
cg_v1_apply(cgroup_manager *m, const oci_resources *res, unsigned bits, bool update,
            clawrt_error *err)
{
  int fd;
  if ((bits & CG_MEMORY) && res->memory && ((fd = dir_of(m, CG_MEMORY, err)) < 0 || memory(fd, res->memory, update, err) < 0))
    return -1;
  if ((bits & CG_CPU) && res->cpu
      && ((fd = dir_of(m, CG_CPU, err)) < 0 || cpu(fd, res->cpu, err) < 0
          || cg_rt_apply(m, cg_dir_for(m, CG_CPU), res->cpu, err) < 0))
    return -1;
  if ((bits & CG_CPUSET) && res->cpu && ((fd = dir_of(m, CG_CPUSET, err)) < 0 || cg_cpuset_write(fd, res->cpu, err) < 0))
    return -1;
  /* runtime-spec 1.3: 0 is a limit (no fork at all), -1 or absent is none */
  if ((bits & CG_PIDS) && res->pids && res->pids->has_limit)
    {
      if ((fd = dir_of(m, CG_PIDS, err)) < 0)
        return -1;
      int rc = res->pids->limit >= 0
                   ? cg_writef(fd, "pids.max", "pids.limit", err, "%" PRId64, res->pids->limit)
                   : cg_write(fd, "pids.max", "max", "pids.limit", err);
      if (rc < 0)
        return -1;
    }
  if ((bits & CG_BLKIO) && res->block_io && ((fd = dir_of(m, CG_BLKIO, err)) < 0 || blkio(fd, res->block_io, err) < 0))
    return -1;
  if ((bits & CG_HUGETLB)
      && ((fd = dir_of(m, CG_HUGETLB, err)) < 0
          || cg_hugetlb_write(fd, res->hugepage_limits, res->hugepage_limits_len, false, err) < 0))
    return -1;
  if ((bits & CG_NET_CLS) && res->network
      && ((fd = dir_of(m, CG_NET_CLS, err)) < 0
          || cg_writef(fd, "net_cls.classid", "network.classID", err, "%u", res->network->class_id)
                 < 0))
    return -1;
  if ((bits & CG_NET_PRIO) && res->network)
    {
      if ((fd = dir_of(m, CG_NET_PRIO, err)) < 0)
        return -1;
      for (size_t i = 0; i < res->network->priorities_len; i++)
        {
          char f[64];
          snprintf(f, sizeof f, "network.priorities[%zu]", i);
          const oci_net_priority *p = &res->network->priorities[i];
          if (cg_writef(fd, "net_prio.ifpriomap", f, err, "%s %u", p->name, p->priority) < 0)
            return -1;
        }
    }
  if ((bits & CG_RDMA)
      && ((fd = dir_of(m, CG_RDMA, err)) < 0 || cg_rdma_write(fd, res->rdma, res->rdma_len, err) < 0))
    return -1;
  if ((bits & CG_DEVICES) && res->devices
      && ((fd = dir_of(m, CG_DEVICES, err)) < 0
          || cg_devices_v1_apply(fd, res->devices, res->devices_len, err) < 0))
    return -1;
  return 0;
}
