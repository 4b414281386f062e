/* The JSON lines of `events`, in the shape runc prints them (containerd
 * and podman parse it): {"type":"stats","id":ID,"data":{cpu, memory, pids,
 * blkio, hugetlb}} and {"type":"oom","id":ID}.  Field names and which zero
 * values are left out follow runc's; a limit that is "max" reads as
 * 18446744073709551615 for memory and is left out for pids, as runc does. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <string.h>

#include "cgroup.h"
#include "json.h"
#include "util.h"

/* A key whose zero value runc omits. */
static void
opt_u64(json_gen *g, const char *key, uint64_t v)
{
  if (v == 0)
    return;
  json_gen_key(g, key);
  json_gen_u64(g, v);
}

static void
u64(json_gen *g, const char *key, uint64_t v)
{
  json_gen_key(g, key);
  json_gen_u64(g, v);
}

static void
cpu(json_gen *g, const cgroup_stats *s)
{
  json_gen_key(g, "cpu");
  json_gen_object_open(g);
  json_gen_key(g, "usage");
  json_gen_object_open(g);
  opt_u64(g, "total", s->cpu_usage_ns);
  if (s->cpu_percpu_len)
    {
      json_gen_key(g, "percpu");
      json_gen_array_open(g);
      for (size_t i = 0; i < s->cpu_percpu_len; i++)
        json_gen_u64(g, s->cpu_percpu_ns[i]);
      json_gen_array_close(g);
    }
  u64(g, "kernel", s->cpu_system_ns);
  u64(g, "user", s->cpu_user_ns);
  json_gen_object_close(g);
  json_gen_key(g, "throttling");
  json_gen_object_open(g);
  opt_u64(g, "periods", s->cpu_periods);
  opt_u64(g, "throttledPeriods", s->cpu_throttled_periods);
  opt_u64(g, "throttledTime", s->cpu_throttled_ns);
  json_gen_object_close(g);
  json_gen_object_close(g);
}

static void
mem_entry(json_gen *g, const char *key, uint64_t limit, uint64_t usage, uint64_t max,
          uint64_t failcnt)
{
  json_gen_key(g, key);
  json_gen_object_open(g);
  u64(g, "limit", limit);
  opt_u64(g, "usage", usage);
  opt_u64(g, "max", max);
  u64(g, "failcnt", failcnt);
  json_gen_object_close(g);
}

static void
memory(json_gen *g, const cgroup_stats *s)
{
  json_gen_key(g, "memory");
  json_gen_object_open(g);
  if (s->has_memory)
    {
      opt_u64(g, "cache", s->cache);
      mem_entry(g, "usage", s->mem_limit, s->mem_usage, s->mem_max_usage, s->mem_failcnt);
      if (s->has_swap)
        mem_entry(g, "swap", s->swap_limit, s->swap_usage, s->swap_max_usage, s->swap_failcnt);
      mem_entry(g, "kernel", s->kernel_limit, s->kernel_usage, 0, 0);
      if (s->mem_raw_len)
        {
          json_gen_key(g, "raw");
          json_gen_object_open(g);
          for (size_t i = 0; i < s->mem_raw_len; i++)
            u64(g, s->mem_raw[i].key, s->mem_raw[i].value);
          json_gen_object_close(g);
        }
    }
  json_gen_object_close(g);
}

static void
pids(json_gen *g, const cgroup_stats *s)
{
  json_gen_key(g, "pids");
  json_gen_object_open(g);
  if (s->has_pids)
    {
      opt_u64(g, "current", s->pids_current);
      if (s->pids_limit != CGROUP_UNLIMITED)
        opt_u64(g, "limit", s->pids_limit);
    }
  json_gen_object_close(g);
}

static void
blkio_list(json_gen *g, const char *key, const cgroup_blkio_entry *v, size_t n)
{
  if (n == 0)
    return;
  json_gen_key(g, key);
  json_gen_array_open(g);
  for (size_t i = 0; i < n; i++)
    {
      json_gen_object_open(g);
      opt_u64(g, "major", v[i].major);
      opt_u64(g, "minor", v[i].minor);
      if (v[i].op && *v[i].op)
        {
          json_gen_key(g, "op");
          json_gen_string(g, v[i].op);
        }
      opt_u64(g, "value", v[i].value);
      json_gen_object_close(g);
    }
  json_gen_array_close(g);
}

static void
blkio(json_gen *g, const cgroup_stats *s)
{
  json_gen_key(g, "blkio");
  json_gen_object_open(g);
  blkio_list(g, "ioServiceBytesRecursive", s->io_service_bytes, s->io_service_bytes_len);
  blkio_list(g, "ioServicedRecursive", s->io_serviced, s->io_serviced_len);
  json_gen_object_close(g);
}

static void
hugetlb(json_gen *g, const cgroup_stats *s)
{
  json_gen_key(g, "hugetlb");
  json_gen_object_open(g);
  for (size_t i = 0; i < s->hugetlb_len; i++)
    {
      json_gen_key(g, s->hugetlb[i].page_size);
      json_gen_object_open(g);
      opt_u64(g, "usage", s->hugetlb[i].usage);
      opt_u64(g, "max", s->hugetlb[i].max_usage);
      u64(g, "failcnt", s->hugetlb[i].failcnt);
      json_gen_object_close(g);
    }
  json_gen_object_close(g);
}

int
cgroup_event_json(const char *type, const char *id, const cgroup_stats *s, char **out,
                  clawrt_error *err)
{
  json_gen *g = json_gen_new(false);
  json_gen_object_open(g);
  json_gen_key(g, "type");
  json_gen_string(g, type);
  json_gen_key(g, "id");
  json_gen_string(g, id);
  if (s)
    {
      json_gen_key(g, "data");
      json_gen_object_open(g);
      cpu(g, s);
      memory(g, s);
      pids(g, s);
      blkio(g, s);
      hugetlb(g, s);
      json_gen_object_close(g);
    }
  json_gen_object_close(g);
  size_t len;
  int rc = json_gen_finish(g, out, &len, err);
  json_gen_free(g);
  return rc;
}
