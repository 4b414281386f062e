/* update: change the resources of a live container, from a
 * linux.resources object (--resources FILE, or - for stdin, as containerd
 * and podman pass it) or from runc's flags. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bundle.h"
#include "cmd.h"
#include "units.h"
#include "util.h"

enum {
  F_RESOURCES = 1,
  F_BLKIO_WEIGHT,
  F_CPU_PERIOD,
  F_CPU_QUOTA,
  F_CPU_SHARE,
  F_CPU_RT_PERIOD,
  F_CPU_RT_RUNTIME,
  F_CPUSET_CPUS,
  F_CPUSET_MEMS,
  F_MEMORY,
  F_MEMORY_RESERVATION,
  F_MEMORY_SWAP,
  F_KERNEL_MEMORY,
  F_KERNEL_MEMORY_TCP,
  F_PIDS_LIMIT,
  F_L3_CACHE_SCHEMA,
  F_MEM_BW_SCHEMA,
};

static const cli_flag flags[] = {
  { "resources", 'r', "FILE",
    "a linux.resources JSON object to apply, - for stdin (no other flag with it)",
    F_RESOURCES },
  { "blkio-weight", 0, "N", "block I/O weight, 10 to 1000", F_BLKIO_WEIGHT },
  { "cpu-period", 0, "USECS", "CPU CFS period (0: unchanged)", F_CPU_PERIOD },
  { "cpu-quota", 0, "USECS", "CPU CFS quota per period, -1 for none", F_CPU_QUOTA },
  { "cpu-share", 0, "N", "CPU shares (weight relative to other containers)", F_CPU_SHARE },
  { "cpu-rt-period", 0, "USECS", "CPU realtime period (0: unchanged)", F_CPU_RT_PERIOD },
  { "cpu-rt-runtime", 0, "USECS", "CPU realtime runtime per period", F_CPU_RT_RUNTIME },
  { "cpuset-cpus", 0, "LIST", "CPUs to run on (\"0-2,4\")", F_CPUSET_CPUS },
  { "cpuset-mems", 0, "LIST", "memory nodes to use (\"0\")", F_CPUSET_MEMS },
  { "memory", 0, "BYTES", "memory limit (k, m, g suffixes; -1 for none)", F_MEMORY },
  { "memory-reservation", 0, "BYTES", "memory soft limit", F_MEMORY_RESERVATION },
  { "memory-swap", 0, "BYTES", "memory + swap limit, -1 for unlimited swap", F_MEMORY_SWAP },
  { "kernel-memory", 0, "BYTES", "kernel memory limit (cgroup v1 kernels before 5.16)",
    F_KERNEL_MEMORY },
  { "kernel-memory-tcp", 0, "BYTES", "kernel TCP buffer limit (cgroup v1)",
    F_KERNEL_MEMORY_TCP },
  { "pids-limit", 0, "N", "most processes at once, -1 for none (0: unchanged)", F_PIDS_LIMIT },
  { "l3-cache-schema", 0, "SCHEMA", "Intel RDT L3 cache schema (not supported: an error)",
    F_L3_CACHE_SCHEMA },
  { "mem-bw-schema", 0, "SCHEMA", "Intel RDT memory bandwidth schema (not supported: an error)",
    F_MEM_BW_SCHEMA },
  { NULL, 0, NULL, NULL, 0 },
};

static int
flag_i64(const char *flag, const char *v, int64_t *out, clawrt_error *err)
{
  if (parse_i64(v, out) < 0)
    return clawrt_error_set(err, 0, "--%s: \"%s\" is not an integer", flag, v);
  return 0;
}

static int
flag_u64(const char *flag, const char *v, uint64_t *out, clawrt_error *err)
{
  if (parse_u64(v, out) < 0)
    return clawrt_error_set(err, 0, "--%s: \"%s\" is not a non-negative integer", flag, v);
  return 0;
}

static oci_memory *
mem(oci_resources *r)
{
  if (r->memory == NULL)
    r->memory = xmalloc0(sizeof *r->memory);
  return r->memory;
}

static oci_cpu *
cpu(oci_resources *r)
{
  if (r->cpu == NULL)
    r->cpu = xmalloc0(sizeof *r->cpu);
  return r->cpu;
}

/* One of runc's flags into r.  Zero means "unchanged" where runc says so
 * (memory sizes, periods, pids, blkio weight). */
static int
apply_flag(oci_resources *r, int id, const char *flag, const char *v, clawrt_error *err)
{
  int64_t i;
  uint64_t u;
  switch (id)
    {
    case F_MEMORY:
    case F_MEMORY_RESERVATION:
    case F_MEMORY_SWAP:
    case F_KERNEL_MEMORY:
    case F_KERNEL_MEMORY_TCP:
      if (units_parse_bytes(flag, v, &i, err) < 0)
        return -1;
      if (i == 0)
        return 0;
      if (id == F_MEMORY)
        mem(r)->limit = i, mem(r)->has_limit = true;
      else if (id == F_MEMORY_RESERVATION)
        mem(r)->reservation = i, mem(r)->has_reservation = true;
      else if (id == F_MEMORY_SWAP)
        mem(r)->swap = i, mem(r)->has_swap = true;
      else if (id == F_KERNEL_MEMORY)
        mem(r)->kernel = i, mem(r)->has_kernel = true;
      else
        mem(r)->kernel_tcp = i, mem(r)->has_kernel_tcp = true;
      return 0;
    case F_CPU_PERIOD:
    case F_CPU_RT_PERIOD:
    case F_CPU_SHARE:
      if (flag_u64(flag, v, &u, err) < 0)
        return -1;
      if (u == 0)
        return 0;
      if (id == F_CPU_PERIOD)
        cpu(r)->period = u, cpu(r)->has_period = true;
      else if (id == F_CPU_RT_PERIOD)
        cpu(r)->realtime_period = u, cpu(r)->has_realtime_period = true;
      else
        cpu(r)->shares = u, cpu(r)->has_shares = true;
      return 0;
    case F_CPU_QUOTA:
      if (flag_i64(flag, v, &i, err) < 0)
        return -1;
      cpu(r)->quota = i, cpu(r)->has_quota = true;
      return 0;
    case F_CPU_RT_RUNTIME:
      if (flag_i64(flag, v, &i, err) < 0)
        return -1;
      cpu(r)->realtime_runtime = i, cpu(r)->has_realtime_runtime = true;
      return 0;
    case F_CPUSET_CPUS:
      free(cpu(r)->cpus);
      cpu(r)->cpus = xstrdup(v);
      return 0;
    case F_CPUSET_MEMS:
      free(cpu(r)->mems);
      cpu(r)->mems = xstrdup(v);
      return 0;
    case F_PIDS_LIMIT:
      if (flag_i64(flag, v, &i, err) < 0)
        return -1;
      if (i == 0)
        return 0;
      if (r->pids == NULL)
        r->pids = xmalloc0(sizeof *r->pids);
      r->pids->limit = i;
      r->pids->has_limit = true;
      return 0;
    case F_BLKIO_WEIGHT:
      if (flag_u64(flag, v, &u, err) < 0)
        return -1;
      if (u == 0)
        return 0;
      if (u > 1000 || u < 10)
        return clawrt_error_set(err, 0, "--blkio-weight: %s is not in [10, 1000]", v);
      if (r->block_io == NULL)
        r->block_io = xmalloc0(sizeof *r->block_io);
      r->block_io->weight = (uint16_t) u;
      r->block_io->has_weight = true;
      return 0;
    case F_L3_CACHE_SCHEMA:
    case F_MEM_BW_SCHEMA:
      return clawrt_error_set(err, 0,
                              "--%s: clawrt does not manage Intel RDT (resctrl, "
                              "linux.intelRdt); remove the flag",
                              flag);
    }
  return clawrt_error_set(err, EINVAL, "update: flag id %d", id);
}

static int
read_stdin(char **out, size_t *len, clawrt_error *err)
{
  size_t cap = 4096, n = 0;
  cleanup_free char *buf = xmalloc0(cap + 1);
  for (;;)
    {
      if (n == cap)
        {
          if (cap >= CLAWRT_CONFIG_MAX)
            return clawrt_error_set(err, EFBIG, "--resources -: stdin holds more than %u bytes",
                                    CLAWRT_CONFIG_MAX);
          cap *= 2;
          buf = xrealloc(buf, cap + 1);
        }
      ssize_t r = read(STDIN_FILENO, buf + n, cap - n);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        return clawrt_error_set(err, errno, "--resources -: read stdin");
      if (r == 0)
        break;
      n += (size_t) r;
    }
  buf[n] = '\0';
  *len = n;
  *out = steal_pointer(&buf);
  return 0;
}

static int
load_resources(const char *path, oci_resources **out, clawrt_error *err)
{
  cleanup_free char *buf = NULL;
  size_t len = 0;
  bool std = strcmp(path, "-") == 0;
  if (std ? read_stdin(&buf, &len, err) < 0
          : read_file_at(AT_FDCWD, path, CLAWRT_CONFIG_MAX, &buf, &len, err) < 0)
    return std ? -1 : clawrt_error_wrap(err, "--resources %s", path);
  return oci_resources_parse(buf, len, std ? "resources (stdin)" : path, out, err);
}

typedef struct update_args {
  const char *file;        /* --resources */
  const char *other;       /* the last other flag given */
  oci_resources *res;      /* what the other flags set */
} update_args;

static int
on_flag(void *ctx, int id, const char *v, clawrt_error *err)
{
  update_args *a = ctx;
  if (id == CLI_END)
    return 0;
  if (id == F_RESOURCES)
    {
      a->file = v;
      return 0;
    }
  const cli_flag *f;
  for (f = flags; f->name && f->id != id; f++)
    ;
  a->other = f->name;
  return apply_flag(a->res, id, f->name, v, err);
}

static int
run(const clawrt_globals *g, int argc, char **argv, int *exit_status, clawrt_error *err)
{
  update_args a = { .res = xmalloc0(sizeof(oci_resources)) };
  int ind, rc = cli_parse(&cmd_update, argc, argv, on_flag, &a, &ind, err);
  if (rc != 0)
    {
      rc = rc < 0 ? -1 : 0;
      goto out;
    }
  rc = -1;
  if (a.file && a.other)
    {
      clawrt_error_set(err, 0,
                       "update: --resources and --%s together: the file gives every value; "
                       "put %s in it instead",
                       a.other, a.other);
      goto out;
    }
  if (a.file)
    {
      oci_resources_free(a.res);
      a.res = NULL;
      if (load_resources(a.file, &a.res, err) < 0)
        goto out;
    }
  else if (a.other == NULL)
    {
      clawrt_error_set(err, 0, "update: nothing to change: give --resources FILE or a flag "
                               "such as --memory (see clawrt update --help)");
      goto out;
    }
  rc = container_update(g, argv[ind], a.res, err);
out:
  oci_resources_free(a.res);
  return rc;
}

const cli_command cmd_update = {
  .name = "update",
  .args = "<container-id>",
  .summary = "change the resource limits of a running container",
  .description =
      "Applies new cgroup limits to a container that has not stopped.  The values\n"
      "come from --resources, a linux.resources object of the runtime spec (a file,\n"
      "or - for stdin), or from the flags; what is not given stays as it is.  Sizes\n"
      "take k, m, g, t suffixes (powers of 1024).  A value this host's cgroups cannot\n"
      "apply is an error naming the field.",
  .flags = flags,
  .run = run,
  .min_args = 1,
  .max_args = 1,
};
