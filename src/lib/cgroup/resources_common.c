/* The parts of linux.resources that v1 and v2 write the same way, or alike
 * but for a file name or a value format given here side by side: page size
 * checks, checkBeforeUpdate, cpuset, huge pages, block I/O throttles, rdma.
 * What differs in meaning between the versions stays in resources_v1.c and
 * resources_v2.c. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <inttypes.h>
#include <stdio.h>

#include "internal.h"
#include "util.h"

int
cg_check_page_sizes(const oci_resources *res, clawrt_error *err)
{
  for (size_t i = 0; i < res->hugepage_limits_len; i++)
    if (!cg_valid_page_size(res->hugepage_limits[i].page_size))
      {
        char f[64];
        snprintf(f, sizeof f, "hugepageLimits[%zu].pageSize", i);
        return cg_field_error(err, f, "`%s` is not a page size like \"2MB\" or \"1GB\"",
                              res->hugepage_limits[i].page_size);
      }
  return 0;
}

int
cg_check_usage(int fd, const char *usage_file, const oci_memory *mem, clawrt_error *err)
{
  if (!mem->check_before_update || !mem->has_limit || mem->limit <= 0)
    return 0;
  uint64_t usage;
  if (cg_read_u64(fd, usage_file, &usage, err) < 0)
    return -1;
  if (usage > (uint64_t) mem->limit)
    return cg_field_error(err, "memory.limit",
                          "%" PRId64 " is below the current usage %" PRIu64
                          " (checkBeforeUpdate is set)",
                          mem->limit, usage);
  return 0;
}

int
cg_cpuset_write(int fd, const oci_cpu *c, clawrt_error *err)
{
  /* mems first: a task must always have a node to allocate from */
  if (c->mems && *c->mems && cg_write(fd, "cpuset.mems", c->mems, "cpu.mems", err) < 0)
    return -1;
  if (c->cpus && *c->cpus && cg_write(fd, "cpuset.cpus", c->cpus, "cpu.cpus", err) < 0)
    return -1;
  return 0;
}

int
cg_hugetlb_write(int fd, const oci_hugepage_limit *h, size_t n, bool v2, clawrt_error *err)
{
  for (size_t i = 0; i < n; i++)
    {
      char f[64], file[96];
      snprintf(f, sizeof f, "hugepageLimits[%zu]", i);
      snprintf(file, sizeof file, v2 ? "hugetlb.%s.max" : "hugetlb.%s.limit_in_bytes",
               h[i].page_size);
      if (!cg_file_exists(fd, file))
        return cg_field_error(err, f, "this host has no %s huge pages (no %s)", h[i].page_size,
                              file);
      if (cg_writef(fd, file, f, err, "%" PRIu64, h[i].limit) < 0)
        return -1;
    }
  return 0;
}

int
cg_throttle_write(int fd, const oci_block_io *b, bool v2, clawrt_error *err)
{
  /* v1 has a file per kind ("MAJ:MIN RATE"); v2 one io.max with the kind
   * as a key ("MAJ:MIN rbps=RATE") */
  const struct
  {
    const char *field, *v1_file, *v2_key;
    const oci_throttle_device *t;
    size_t n;
  } kinds[] = {
    { "throttleReadBpsDevice", "blkio.throttle.read_bps_device", "rbps",
      b->throttle_read_bps_device, b->throttle_read_bps_device_len },
    { "throttleWriteBpsDevice", "blkio.throttle.write_bps_device", "wbps",
      b->throttle_write_bps_device, b->throttle_write_bps_device_len },
    { "throttleReadIOPSDevice", "blkio.throttle.read_iops_device", "riops",
      b->throttle_read_iops_device, b->throttle_read_iops_device_len },
    { "throttleWriteIOPSDevice", "blkio.throttle.write_iops_device", "wiops",
      b->throttle_write_iops_device, b->throttle_write_iops_device_len },
  };
  for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
    for (size_t i = 0; i < kinds[k].n; i++)
      {
        const oci_throttle_device *t = &kinds[k].t[i];
        char f[80];
        snprintf(f, sizeof f, "blockIO.%s[%zu]", kinds[k].field, i);
        int rc = v2 ? cg_writef(fd, "io.max", f, err, "%" PRId64 ":%" PRId64 " %s=%" PRIu64,
                                t->major, t->minor, kinds[k].v2_key, t->rate)
                    : cg_writef(fd, kinds[k].v1_file, f, err, "%" PRId64 ":%" PRId64 " %" PRIu64,
                                t->major, t->minor, t->rate);
        if (rc < 0)
          return -1;
      }
  return 0;
}

int
cg_rdma_write(int fd, const oci_rdma_entry *r, size_t n, clawrt_error *err)
{
  for (size_t i = 0; i < n; i++)
    {
      char f[300], v[300];
      snprintf(f, sizeof f, "rdma[\"%s\"]", r[i].name);
      int l = snprintf(v, sizeof v, "%s", r[i].name);
      if (r[i].has_hca_handles)
        l += snprintf(v + l, sizeof v - (size_t) l, " hca_handle=%u", r[i].hca_handles);
      if (r[i].has_hca_objects)
        snprintf(v + l, sizeof v - (size_t) l, " hca_object=%u", r[i].hca_objects);
      if (!r[i].has_hca_handles && !r[i].has_hca_objects)
        continue;
      if (cg_write(fd, "rdma.max", v, f, err) < 0)
        return -1;
    }
  return 0;
}
