/* Resource use of a container, read from whichever hierarchy holds each
 * controller: for `events` (runc's shape), `ps`, `run --stats` and the
 * line that says why the kernel killed a container (oom_kill, pids
 * refused).  A file the kernel lacks leaves its part unset, never fails
 * the whole read. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "util.h"

/* v1's "no limit": LONG_MAX rounded to the page size */
#define V1_UNLIMITED_FLOOR 0x7FFFFFFFFFFF0000ull

static bool
get(int fd, const char *file, uint64_t *out)
{
  clawrt_error e = { 0 };
  if (cg_read_u64(fd, file, out, &e) == 0)
    return true;
  clawrt_error_clear(&e);
  return false;
}

static uint64_t
limit_of(uint64_t v)
{
  return v >= V1_UNLIMITED_FLOOR ? CGROUP_UNLIMITED : v;
}

static char *
text(int fd, const char *file)
{
  clawrt_error e = { 0 };
  char *t = NULL;
  if (cg_read(fd, file, true, &t, &e) < 0)
    clawrt_error_clear(&e);
  return t;
}

static void
kv_parse(const char *t, cgroup_kv **out, size_t *n)
{
  *out = NULL;
  *n = 0;
  size_t cap = 0;
  for (const char *p = t; p && *p;)
    {
      const char *nl = strchrnul(p, '\n');
      const char *sp = memchr(p, ' ', (size_t) (nl - p));
      if (sp)
        {
          cleanup_free char *num = strndup(sp + 1, (size_t) (nl - sp - 1));
          uint64_t v;
          if (parse_u64(num, &v) == 0)
            {
              if (*n == cap)
                {
                  cap = cap ? cap * 2 : 32;
                  *out = xrealloc(*out, cap * sizeof **out);
                }
              (*out)[*n].key = strndup(p, (size_t) (sp - p));
              (*out)[(*n)++].value = v;
            }
        }
      p = *nl ? nl + 1 : NULL;
    }
}

static uint64_t
kv_get(const cgroup_kv *kv, size_t n, const char *key)
{
  for (size_t i = 0; i < n; i++)
    if (strcmp(kv[i].key, key) == 0)
      return kv[i].value;
  return 0;
}

static void
cpu_v1(const cgroup_manager *m, cgroup_stats *s)
{
  cg_dir *acct = cg_dir_for(m, CG_CPUACCT);
  if (acct && !acct->v2 && get(acct->fd, "cpuacct.usage", &s->cpu_usage_ns))
    {
      s->has_cpu = true;
      if (!get(acct->fd, "cpuacct.usage_user", &s->cpu_user_ns)
          || !get(acct->fd, "cpuacct.usage_sys", &s->cpu_system_ns))
        {
          /* older kernels: cpuacct.stat in clock ticks */
          cleanup_free char *st = text(acct->fd, "cpuacct.stat");
          long hz = sysconf(_SC_CLK_TCK);
          uint64_t u = 0, y = 0;
          if (st && hz > 0 && cg_keyed_get(st, "user", &u) == 0
              && cg_keyed_get(st, "system", &y) == 0)
            {
              s->cpu_user_ns = u * (1000000000ull / (uint64_t) hz);
              s->cpu_system_ns = y * (1000000000ull / (uint64_t) hz);
            }
        }
      cleanup_free char *pc = text(acct->fd, "cpuacct.usage_percpu");
      for (char *p = pc, *save = NULL, *tok; pc && (tok = strtok_r(p, " ", &save)); p = NULL)
        {
          uint64_t v;
          if (parse_u64(tok, &v) < 0)
            continue;
          s->cpu_percpu_ns = xrealloc(s->cpu_percpu_ns, (s->cpu_percpu_len + 1) * sizeof v);
          s->cpu_percpu_ns[s->cpu_percpu_len++] = v;
        }
    }
  cg_dir *cpu = cg_dir_for(m, CG_CPU);
  cleanup_free char *st = cpu && !cpu->v2 ? text(cpu->fd, "cpu.stat") : NULL;
  if (st)
    {
      cg_keyed_get(st, "nr_periods", &s->cpu_periods);
      cg_keyed_get(st, "nr_throttled", &s->cpu_throttled_periods);
      cg_keyed_get(st, "throttled_time", &s->cpu_throttled_ns);
    }
}

static void
cpu_v2(int fd, cgroup_stats *s)
{
  cleanup_free char *st = text(fd, "cpu.stat");
  uint64_t v;
  if (st == NULL || cg_keyed_get(st, "usage_usec", &v) < 0)
    return;
  s->has_cpu = true;
  s->cpu_usage_ns = v * 1000;
  if (cg_keyed_get(st, "user_usec", &v) == 0)
    s->cpu_user_ns = v * 1000;
  if (cg_keyed_get(st, "system_usec", &v) == 0)
    s->cpu_system_ns = v * 1000;
  cg_keyed_get(st, "nr_periods", &s->cpu_periods);
  cg_keyed_get(st, "nr_throttled", &s->cpu_throttled_periods);
  if (cg_keyed_get(st, "throttled_usec", &v) == 0)
    s->cpu_throttled_ns = v * 1000;
}

static void
memory_v1(int fd, cgroup_stats *s)
{
  if (!get(fd, "memory.usage_in_bytes", &s->mem_usage))
    return;
  s->has_memory = true;
  uint64_t v;
  if (get(fd, "memory.limit_in_bytes", &v))
    s->mem_limit = limit_of(v);
  s->has_mem_max_usage = get(fd, "memory.max_usage_in_bytes", &s->mem_max_usage);
  get(fd, "memory.failcnt", &s->mem_failcnt);
  if (get(fd, "memory.memsw.usage_in_bytes", &s->swap_usage))
    {
      s->has_swap = true;
      if (get(fd, "memory.memsw.limit_in_bytes", &v))
        s->swap_limit = limit_of(v);
      get(fd, "memory.memsw.max_usage_in_bytes", &s->swap_max_usage);
      get(fd, "memory.memsw.failcnt", &s->swap_failcnt);
    }
  get(fd, "memory.kmem.usage_in_bytes", &s->kernel_usage);
  if (get(fd, "memory.kmem.limit_in_bytes", &v))
    s->kernel_limit = limit_of(v);
  cleanup_free char *oc = text(fd, "memory.oom_control");
  if (oc)
    {
      uint64_t under = 0;
      cg_keyed_get(oc, "under_oom", &under);
      s->under_oom = under != 0;
      cg_keyed_get(oc, "oom_kill", &s->oom_kill);
      /* v1 counts no OOM events apart from the kills */
      s->oom_events = s->oom_kill;
    }
  cleanup_free char *st = text(fd, "memory.stat");
  kv_parse(st, &s->mem_raw, &s->mem_raw_len);
  s->cache = kv_get(s->mem_raw, s->mem_raw_len, "total_cache");
  s->rss = kv_get(s->mem_raw, s->mem_raw_len, "total_rss");
}

static void
memory_v2(int fd, cgroup_stats *s)
{
  if (!get(fd, "memory.current", &s->mem_usage))
    return;
  s->has_memory = true;
  if (!get(fd, "memory.max", &s->mem_limit))
    s->mem_limit = CGROUP_UNLIMITED;
  s->has_mem_max_usage = get(fd, "memory.peak", &s->mem_max_usage);
  cleanup_free char *ev = text(fd, "memory.events");
  if (ev)
    {
      cg_keyed_get(ev, "max", &s->mem_failcnt);
      cg_keyed_get(ev, "oom", &s->oom_events);
      cg_keyed_get(ev, "oom_kill", &s->oom_kill);
    }
  if (get(fd, "memory.swap.current", &s->swap_usage))
    {
      s->has_swap = true;
      if (!get(fd, "memory.swap.max", &s->swap_limit))
        s->swap_limit = CGROUP_UNLIMITED;
      get(fd, "memory.swap.peak", &s->swap_max_usage);
      cleanup_free char *sev = text(fd, "memory.swap.events");
      if (sev)
        cg_keyed_get(sev, "max", &s->swap_failcnt);
    }
  cleanup_free char *st = text(fd, "memory.stat");
  kv_parse(st, &s->mem_raw, &s->mem_raw_len);
  s->cache = kv_get(s->mem_raw, s->mem_raw_len, "file");
  s->rss = kv_get(s->mem_raw, s->mem_raw_len, "anon");
  s->kernel_usage = kv_get(s->mem_raw, s->mem_raw_len, "kernel");
  s->kernel_limit = CGROUP_UNLIMITED;
}

static void
pids(int fd, cgroup_stats *s)
{
  if (!get(fd, "pids.current", &s->pids_current))
    return;
  s->has_pids = true;
  if (!get(fd, "pids.max", &s->pids_limit))
    s->pids_limit = CGROUP_UNLIMITED;
  get(fd, "pids.peak", &s->pids_peak);
  cleanup_free char *ev = text(fd, "pids.events");
  if (ev)
    cg_keyed_get(ev, "max", &s->pids_max_events);
}

static void
add_entry(cgroup_blkio_entry **v, size_t *n, uint32_t maj, uint32_t min, const char *op,
          uint64_t value)
{
  *v = xrealloc(*v, (*n + 1) * sizeof **v);
  (*v)[(*n)++] = (cgroup_blkio_entry){ .major = maj, .minor = min, .op = xstrdup(op),
                                       .value = value };
}

/* "8:0 Read 4096" lines; the "Total N" summary line is dropped */
static void
blkio_v1_file(int fd, const char *file, cgroup_blkio_entry **v, size_t *n)
{
  cleanup_free char *t = text(fd, file);
  for (char *p = t, *save = NULL, *line; t && (line = strtok_r(p, "\n", &save)); p = NULL)
    {
      unsigned maj, min;
      char op[16];
      unsigned long long val;
      if (sscanf(line, "%u:%u %15s %llu", &maj, &min, op, &val) == 4)
        add_entry(v, n, maj, min, op, val);
    }
}

static void
blkio_v1(int fd, cgroup_stats *s)
{
  blkio_v1_file(fd, "blkio.throttle.io_service_bytes_recursive", &s->io_service_bytes,
                &s->io_service_bytes_len);
  blkio_v1_file(fd, "blkio.throttle.io_serviced_recursive", &s->io_serviced,
                &s->io_serviced_len);
  s->has_blkio = true;
}

static void
blkio_v2(int fd, cgroup_stats *s)
{
  cleanup_free char *t = text(fd, "io.stat");
  if (t == NULL)
    return;
  s->has_blkio = true;
  static const struct
  {
    const char *key, *op;
    bool bytes;
  } map[] = { { "rbytes", "Read", true }, { "wbytes", "Write", true },
              { "dbytes", "Discard", true }, { "rios", "Read", false },
              { "wios", "Write", false }, { "dios", "Discard", false } };
  for (char *p = t, *save = NULL, *line; (line = strtok_r(p, "\n", &save)); p = NULL)
    {
      unsigned maj, min;
      int off = 0;
      if (sscanf(line, "%u:%u%n", &maj, &min, &off) != 2)
        continue;
      char *save2 = NULL;
      for (char *q = line + off, *tok; (tok = strtok_r(q, " ", &save2)); q = NULL)
        {
          char *eq = strchr(tok, '=');
          uint64_t v;
          if (eq == NULL || parse_u64(eq + 1, &v) < 0)
            continue;
          *eq = '\0';
          for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
            if (strcmp(tok, map[i].key) == 0)
              {
                if (map[i].bytes)
                  add_entry(&s->io_service_bytes, &s->io_service_bytes_len, maj, min, map[i].op, v);
                else
                  add_entry(&s->io_serviced, &s->io_serviced_len, maj, min, map[i].op, v);
              }
        }
    }
}

/* hugetlb.<size>.usage_in_bytes (v1) or hugetlb.<size>.current (v2) */
static void
hugetlb(int fd, bool v2, cgroup_stats *s)
{
  /* not a dup: it would share (and move) fd's directory offset */
  int dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
  if (d == NULL)
    {
      if (dfd >= 0)
        close(dfd);
      return;
    }
  const char *suffix = v2 ? ".current" : ".usage_in_bytes";
  size_t sl = strlen(suffix);
  struct dirent *de;
  while ((de = readdir(d)))
    {
      size_t l = strlen(de->d_name);
      if (strncmp(de->d_name, "hugetlb.", 8) != 0 || l <= 8 + sl
          || strcmp(de->d_name + l - sl, suffix) != 0)
        continue;
      cleanup_free char *size = strndup(de->d_name + 8, l - 8 - sl);
      if (strchr(size, '.'))
        continue; /* hugetlb.2MB.rsvd.current and the like */
      cgroup_hugetlb_stat h = { .page_size = xstrdup(size) };
      get(fd, de->d_name, &h.usage);
      cleanup_free char *f = NULL;
      if (v2)
        {
          f = xasprintf("hugetlb.%s.events", size);
          cleanup_free char *ev = text(fd, f);
          if (ev)
            cg_keyed_get(ev, "max", &h.failcnt);
        }
      else
        {
          f = xasprintf("hugetlb.%s.max_usage_in_bytes", size);
          get(fd, f, &h.max_usage);
          free(f);
          f = xasprintf("hugetlb.%s.failcnt", size);
          get(fd, f, &h.failcnt);
        }
      s->hugetlb = xrealloc(s->hugetlb, (s->hugetlb_len + 1) * sizeof *s->hugetlb);
      s->hugetlb[s->hugetlb_len++] = h;
    }
  closedir(d);
}

int
cgroup_get_stats(const cgroup_manager *m, cgroup_stats *out, clawrt_error *err)
{
  memset(out, 0, sizeof *out);
  cg_dir *v2 = cg_v2_dir(m);
  cg_dir *d;
  if (m->layout == CGROUP_LAYOUT_V2 && v2)
    cpu_v2(v2->fd, out);
  else
    cpu_v1(m, out);
  if ((d = cg_dir_for(m, CG_MEMORY)))
    (d->v2 ? memory_v2 : memory_v1)(d->fd, out);
  if ((d = cg_dir_for(m, CG_PIDS)))
    pids(d->fd, out);
  if ((d = cg_dir_for(m, CG_BLKIO)))
    (d->v2 ? blkio_v2 : blkio_v1)(d->fd, out);
  if ((d = cg_dir_for(m, CG_HUGETLB)))
    hugetlb(d->fd, d->v2, out);
  if (!out->has_cpu && !out->has_memory && !out->has_pids)
    return clawrt_error_set(err, ENOENT, "cgroup %s: no statistics (is it gone?)", m->path);
  return 0;
}

void
cgroup_stats_free(cgroup_stats *s)
{
  free(s->cpu_percpu_ns);
  for (size_t i = 0; i < s->mem_raw_len; i++)
    free(s->mem_raw[i].key);
  free(s->mem_raw);
  for (size_t i = 0; i < s->io_service_bytes_len; i++)
    free(s->io_service_bytes[i].op);
  free(s->io_service_bytes);
  for (size_t i = 0; i < s->io_serviced_len; i++)
    free(s->io_serviced[i].op);
  free(s->io_serviced);
  for (size_t i = 0; i < s->hugetlb_len; i++)
    free(s->hugetlb[i].page_size);
  free(s->hugetlb);
  memset(s, 0, sizeof *s);
}
