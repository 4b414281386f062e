#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "rlimits.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "util.h"

/* Indexed by resource number: every limit getrlimit(2) documents. */
static const char *const rlimit_table[RLIMIT_NLIMITS] = {
  [RLIMIT_CPU] = "RLIMIT_CPU",
  [RLIMIT_FSIZE] = "RLIMIT_FSIZE",
  [RLIMIT_DATA] = "RLIMIT_DATA",
  [RLIMIT_STACK] = "RLIMIT_STACK",
  [RLIMIT_CORE] = "RLIMIT_CORE",
  [RLIMIT_RSS] = "RLIMIT_RSS",
  [RLIMIT_NPROC] = "RLIMIT_NPROC",
  [RLIMIT_NOFILE] = "RLIMIT_NOFILE",
  [RLIMIT_MEMLOCK] = "RLIMIT_MEMLOCK",
  [RLIMIT_AS] = "RLIMIT_AS",
  [RLIMIT_LOCKS] = "RLIMIT_LOCKS",
  [RLIMIT_SIGPENDING] = "RLIMIT_SIGPENDING",
  [RLIMIT_MSGQUEUE] = "RLIMIT_MSGQUEUE",
  [RLIMIT_NICE] = "RLIMIT_NICE",
  [RLIMIT_RTPRIO] = "RLIMIT_RTPRIO",
  [RLIMIT_RTTIME] = "RLIMIT_RTTIME",
};

int
rlimit_from_name(const char *name)
{
  if (name == NULL)
    return -1;
  for (int i = 0; i < RLIMIT_NLIMITS; i++)
    if (rlimit_table[i] && strcmp(rlimit_table[i], name) == 0)
      return i;
  return -1;
}

const char *
rlimit_to_name(int resource)
{
  if (resource < 0 || resource >= RLIMIT_NLIMITS)
    return NULL;
  return rlimit_table[resource];
}

const char *const *
rlimit_names(size_t *n)
{
  *n = RLIMIT_NLIMITS;
  return rlimit_table;
}

int
rlimits_validate(const oci_rlimit *r, size_t n, const char *origin, clawrt_error *err)
{
  const char *o = origin ? origin : "config.json";
  int first[RLIMIT_NLIMITS];
  for (int i = 0; i < RLIMIT_NLIMITS; i++)
    first[i] = -1;
  for (size_t i = 0; i < n; i++)
    {
      int res = rlimit_from_name(r[i].type);
      if (res < 0)
        return clawrt_error_set(err, EINVAL, "%s: process.rlimits[%zu].type: unknown rlimit "
                                "\"%s\" (names are as in getrlimit(2), e.g. \"RLIMIT_NOFILE\")",
                                o, i, r[i].type ? r[i].type : "");
      if (first[res] >= 0)
        return clawrt_error_set(err, EINVAL, "%s: process.rlimits[%zu].type: duplicate %s "
                                "(first at process.rlimits[%d])", o, i, r[i].type, first[res]);
      first[res] = (int) i;
      if (r[i].soft > r[i].hard)
        return clawrt_error_set(err, EINVAL, "%s: process.rlimits[%zu]: soft limit %llu is above "
                                "hard limit %llu", o, i, (unsigned long long) r[i].soft,
                                (unsigned long long) r[i].hard);
    }
  return 0;
}

static void
fmt_limit(char *buf, size_t len, rlim_t v)
{
  if (v == RLIM_INFINITY)
    snprintf(buf, len, "unlimited");
  else
    snprintf(buf, len, "%llu", (unsigned long long) v);
}

int
rlimits_apply(const oci_rlimit *r, size_t n, clawrt_error *err)
{
  for (size_t i = 0; i < n; i++)
    {
      int res = rlimit_from_name(r[i].type);
      if (res < 0)
        return clawrt_error_set(err, EINVAL, "process.rlimits[%zu].type: unknown rlimit \"%s\"",
                                i, r[i].type ? r[i].type : "");
      /* uint64 max is RLIM_INFINITY on Linux: the spec's way to say unlimited */
      struct rlimit want = { .rlim_cur = (rlim_t) r[i].soft, .rlim_max = (rlim_t) r[i].hard };
      struct rlimit old;
      if (prlimit(0, (__rlimit_resource_t) res, &want, &old) == 0)
        continue;
      int e = errno;
      char hard[32], cur[32];
      fmt_limit(hard, sizeof hard, want.rlim_max);
      if (getrlimit((__rlimit_resource_t) res, &old) < 0)
        return clawrt_error_set(err, e, "process.rlimits[%zu]: setrlimit %s", i, r[i].type);
      fmt_limit(cur, sizeof cur, old.rlim_max);
      if (e == EPERM && want.rlim_max > old.rlim_max)
        return clawrt_error_set(err, e, "process.rlimits[%zu]: %s hard limit %s is above the "
                                "current hard limit %s, and raising it needs CAP_SYS_RESOURCE, "
                                "which the runtime does not have: lower it to at most %s",
                                i, r[i].type, hard, cur, cur);
      if (e == EPERM && res == RLIMIT_NOFILE)
        return clawrt_error_set(err, e, "process.rlimits[%zu]: RLIMIT_NOFILE hard limit %s is "
                                "above /proc/sys/fs/nr_open", i, hard);
      return clawrt_error_set(err, e, "process.rlimits[%zu]: setrlimit %s (soft %llu, hard %s)",
                              i, r[i].type, (unsigned long long) r[i].soft, hard);
    }
  return 0;
}
