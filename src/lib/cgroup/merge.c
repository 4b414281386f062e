/* What `update` applied, folded into the linux.resources that the state
 * dir's config.json keeps, so that later commands see the limits the
 * container has now.  The merge gives each field the meaning the writers
 * gave it (resources_v1.c, resources_v2.c):
 *   - a present field replaces, an absent one stays; the fields whose 0
 *     means "not set" there (memory.limit, memory.swap, cpu.shares,
 *     cpu.period, cpu.quota, cpu.realtimePeriod) stay when the update
 *     gives 0;
 *   - entries keyed by device, page size, interface or rdma device replace
 *     the entry with the same key, new keys are added;
 *   - device rules go after the old ones, as the kernel applies them,
 *     unless the update begins with a rule for every device (which resets
 *     the list): then they replace the old ones;
 *   - unified keys replace one by one. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <string.h>

#include "internal.h"
#include "util.h"

static char *
dup_or_null(const char *s)
{
  return s ? xstrdup(s) : NULL;
}

/* Grow *v (n elements of size sz) by `more`, keeping a spare slot as the
 * parser does. */
static void *
grow(void *v, size_t n, size_t more, size_t sz)
{
  size_t cap = n + more + 1;
  char *p = xrealloc(v, cap * sz);
  memset(p + n * sz, 0, (cap - n) * sz);
  return p;
}

static void
memory(oci_resources *dst, const oci_memory *s)
{
  if (dst->memory == NULL)
    dst->memory = xmalloc0(sizeof *dst->memory);
  oci_memory *d = dst->memory;
  if (s->has_limit && s->limit != 0)
    d->limit = s->limit, d->has_limit = true;
  /* with an unlimited memory, swap 0 means unlimited swap too */
  if (s->has_swap && (s->swap != 0 || (s->has_limit && s->limit == -1)))
    d->swap = s->swap, d->has_swap = true;
  if (s->has_reservation)
    d->reservation = s->reservation, d->has_reservation = true;
  if (s->has_kernel)
    d->kernel = s->kernel, d->has_kernel = true;
  if (s->has_kernel_tcp)
    d->kernel_tcp = s->kernel_tcp, d->has_kernel_tcp = true;
  if (s->has_swappiness)
    d->swappiness = s->swappiness, d->has_swappiness = true;
  if (s->has_disable_oom_killer)
    d->disable_oom_killer = s->disable_oom_killer, d->has_disable_oom_killer = true;
  if (s->has_use_hierarchy)
    d->use_hierarchy = s->use_hierarchy, d->has_use_hierarchy = true;
  if (s->has_check_before_update)
    d->check_before_update = s->check_before_update, d->has_check_before_update = true;
}

static void
cpu(oci_resources *dst, const oci_cpu *s)
{
  if (dst->cpu == NULL)
    dst->cpu = xmalloc0(sizeof *dst->cpu);
  oci_cpu *d = dst->cpu;
  if (s->has_shares && s->shares != 0)
    d->shares = s->shares, d->has_shares = true;
  if (s->has_period && s->period != 0)
    d->period = s->period, d->has_period = true;
  if (s->has_quota && s->quota != 0)
    d->quota = s->quota, d->has_quota = true;
  if (s->has_burst)
    d->burst = s->burst, d->has_burst = true;
  if (s->has_realtime_period && s->realtime_period != 0)
    d->realtime_period = s->realtime_period, d->has_realtime_period = true;
  if (s->has_realtime_runtime)
    d->realtime_runtime = s->realtime_runtime, d->has_realtime_runtime = true;
  if (s->has_idle)
    d->idle = s->idle, d->has_idle = true;
  /* an empty list is not written either */
  if (s->cpus && *s->cpus)
    {
      free(d->cpus);
      d->cpus = xstrdup(s->cpus);
    }
  if (s->mems && *s->mems)
    {
      free(d->mems);
      d->mems = xstrdup(s->mems);
    }
}

static void
weight_devices(oci_block_io *d, const oci_block_io *s)
{
  for (size_t i = 0; i < s->weight_device_len; i++)
    {
      const oci_weight_device *w = &s->weight_device[i];
      oci_weight_device *t = NULL;
      for (size_t j = 0; j < d->weight_device_len && t == NULL; j++)
        if (d->weight_device[j].major == w->major && d->weight_device[j].minor == w->minor)
          t = &d->weight_device[j];
      if (t == NULL)
        {
          d->weight_device = grow(d->weight_device, d->weight_device_len, 1, sizeof *t);
          t = &d->weight_device[d->weight_device_len++];
          t->major = w->major;
          t->minor = w->minor;
        }
      if (w->has_weight)
        t->weight = w->weight, t->has_weight = true;
      if (w->has_leaf_weight)
        t->leaf_weight = w->leaf_weight, t->has_leaf_weight = true;
    }
}

static void
throttles(oci_throttle_device **dv, size_t *dn, const oci_throttle_device *s, size_t sn)
{
  for (size_t i = 0; i < sn; i++)
    {
      size_t j;
      for (j = 0; j < *dn; j++)
        if ((*dv)[j].major == s[i].major && (*dv)[j].minor == s[i].minor)
          break;
      if (j == *dn)
        {
          *dv = grow(*dv, *dn, 1, sizeof **dv);
          (*dn)++;
        }
      (*dv)[j] = s[i];
    }
}

static void
block_io(oci_resources *dst, const oci_block_io *s)
{
  if (dst->block_io == NULL)
    dst->block_io = xmalloc0(sizeof *dst->block_io);
  oci_block_io *d = dst->block_io;
  if (s->has_weight)
    d->weight = s->weight, d->has_weight = true;
  if (s->has_leaf_weight)
    d->leaf_weight = s->leaf_weight, d->has_leaf_weight = true;
  weight_devices(d, s);
  throttles(&d->throttle_read_bps_device, &d->throttle_read_bps_device_len,
            s->throttle_read_bps_device, s->throttle_read_bps_device_len);
  throttles(&d->throttle_write_bps_device, &d->throttle_write_bps_device_len,
            s->throttle_write_bps_device, s->throttle_write_bps_device_len);
  throttles(&d->throttle_read_iops_device, &d->throttle_read_iops_device_len,
            s->throttle_read_iops_device, s->throttle_read_iops_device_len);
  throttles(&d->throttle_write_iops_device, &d->throttle_write_iops_device_len,
            s->throttle_write_iops_device, s->throttle_write_iops_device_len);
}

static void
hugepages(oci_resources *d, const oci_resources *s)
{
  for (size_t i = 0; i < s->hugepage_limits_len; i++)
    {
      const oci_hugepage_limit *h = &s->hugepage_limits[i];
      size_t j;
      for (j = 0; j < d->hugepage_limits_len; j++)
        if (strcmp(d->hugepage_limits[j].page_size, h->page_size) == 0)
          break;
      if (j == d->hugepage_limits_len)
        {
          d->hugepage_limits = grow(d->hugepage_limits, j, 1, sizeof *h);
          d->hugepage_limits[j].page_size = xstrdup(h->page_size);
          d->hugepage_limits_len++;
        }
      d->hugepage_limits[j].limit = h->limit;
    }
}

static void
network(oci_resources *dst, const oci_network *s)
{
  if (dst->network == NULL)
    dst->network = xmalloc0(sizeof *dst->network);
  oci_network *d = dst->network;
  if (s->has_class_id)
    d->class_id = s->class_id, d->has_class_id = true;
  for (size_t i = 0; i < s->priorities_len; i++)
    {
      size_t j;
      for (j = 0; j < d->priorities_len; j++)
        if (strcmp(d->priorities[j].name, s->priorities[i].name) == 0)
          break;
      if (j == d->priorities_len)
        {
          d->priorities = grow(d->priorities, j, 1, sizeof *d->priorities);
          d->priorities[j].name = xstrdup(s->priorities[i].name);
          d->priorities_len++;
        }
      d->priorities[j].priority = s->priorities[i].priority;
    }
}

static void
rdma(oci_resources *d, const oci_resources *s)
{
  for (size_t i = 0; i < s->rdma_len; i++)
    {
      const oci_rdma_entry *r = &s->rdma[i];
      size_t j;
      for (j = 0; j < d->rdma_len; j++)
        if (strcmp(d->rdma[j].name, r->name) == 0)
          break;
      if (j == d->rdma_len)
        {
          d->rdma = grow(d->rdma, j, 1, sizeof *r);
          d->rdma[j].name = xstrdup(r->name);
          d->rdma_len++;
        }
      if (r->has_hca_handles)
        d->rdma[j].hca_handles = r->hca_handles, d->rdma[j].has_hca_handles = true;
      if (r->has_hca_objects)
        d->rdma[j].hca_objects = r->hca_objects, d->rdma[j].has_hca_objects = true;
    }
  d->has_rdma = true;
}

/* "a *:* rwm", allow or deny: the kernel's reset of the whole list */
static bool
resets(const oci_device_cgroup *r)
{
  return (r->type == NULL || strcmp(r->type, "a") == 0) && (!r->has_major || r->major < 0)
         && (!r->has_minor || r->minor < 0)
         && (r->access == NULL
             || (strchr(r->access, 'r') && strchr(r->access, 'w') && strchr(r->access, 'm')));
}

static void
devices(oci_resources *d, const oci_resources *s)
{
  if (s->devices_len > 0 && resets(&s->devices[0]))
    {
      for (size_t i = 0; i < d->devices_len; i++)
        {
          free(d->devices[i].type);
          free(d->devices[i].access);
        }
      d->devices_len = 0;
    }
  d->devices = grow(d->devices, d->devices_len, s->devices_len, sizeof *d->devices);
  for (size_t i = 0; i < s->devices_len; i++)
    {
      oci_device_cgroup *t = &d->devices[d->devices_len++];
      *t = s->devices[i];
      t->type = dup_or_null(s->devices[i].type);
      t->access = dup_or_null(s->devices[i].access);
    }
}

void
cgroup_resources_merge(oci_resources *dst, const oci_resources *src)
{
  if (src == NULL)
    return;
  if (src->devices)
    devices(dst, src);
  if (src->memory)
    memory(dst, src->memory);
  if (src->cpu)
    cpu(dst, src->cpu);
  if (src->pids && src->pids->has_limit)
    {
      if (dst->pids == NULL)
        dst->pids = xmalloc0(sizeof *dst->pids);
      dst->pids->limit = src->pids->limit;
      dst->pids->has_limit = true;
    }
  if (src->block_io)
    block_io(dst, src->block_io);
  if (src->hugepage_limits_len > 0)
    hugepages(dst, src);
  if (src->network)
    network(dst, src->network);
  if (src->rdma_len > 0)
    rdma(dst, src);
  if (src->has_unified)
    {
      for (size_t i = 0; i < src->unified.len; i++)
        oci_map_set(&dst->unified, src->unified.keys[i], src->unified.values[i]);
      dst->has_unified = true;
    }
}
