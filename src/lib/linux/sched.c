#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "sched.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "procfs.h"
#include "util.h"

/* The kernel's ABI values (include/uapi/linux/sched.h, linux/ioprio.h),
 * spelled out here: src/lib/linux/sched.h would shadow <linux/sched.h> for
 * any build that puts src/lib on the <> include path. */
enum {
  K_SCHED_OTHER = 0, K_SCHED_FIFO = 1, K_SCHED_RR = 2, K_SCHED_BATCH = 3, K_SCHED_ISO = 4,
  K_SCHED_IDLE = 5, K_SCHED_DEADLINE = 6,
};
enum { K_IOPRIO_CLASS_RT = 1, K_IOPRIO_CLASS_BE = 2, K_IOPRIO_CLASS_IDLE = 3 };
enum { K_IOPRIO_WHO_PROCESS = 1, K_IOPRIO_CLASS_SHIFT = 13 };

struct k_sched_attr {   /* SCHED_ATTR_SIZE_VER1 */
  uint32_t size;
  uint32_t sched_policy;
  uint64_t sched_flags;
  int32_t sched_nice;
  uint32_t sched_priority;
  uint64_t sched_runtime, sched_deadline, sched_period;
  uint32_t sched_util_min, sched_util_max;
};

typedef struct { const char *name; int value; } name_value;

static const name_value policies[] = {
  { "SCHED_OTHER", K_SCHED_OTHER }, { "SCHED_FIFO", K_SCHED_FIFO }, { "SCHED_RR", K_SCHED_RR },
  { "SCHED_BATCH", K_SCHED_BATCH }, { "SCHED_ISO", K_SCHED_ISO }, { "SCHED_IDLE", K_SCHED_IDLE },
  { "SCHED_DEADLINE", K_SCHED_DEADLINE }, { NULL, 0 },
};

static const name_value sched_flags[] = {
  { "SCHED_FLAG_RESET_ON_FORK", 0x01 }, { "SCHED_FLAG_RECLAIM", 0x02 },
  { "SCHED_FLAG_DL_OVERRUN", 0x04 }, { "SCHED_FLAG_KEEP_POLICY", 0x08 },
  { "SCHED_FLAG_KEEP_PARAMS", 0x10 }, { "SCHED_FLAG_UTIL_CLAMP_MIN", 0x20 },
  { "SCHED_FLAG_UTIL_CLAMP_MAX", 0x40 }, { NULL, 0 },
};

static const name_value io_classes[] = {
  { "IOPRIO_CLASS_RT", K_IOPRIO_CLASS_RT }, { "IOPRIO_CLASS_BE", K_IOPRIO_CLASS_BE },
  { "IOPRIO_CLASS_IDLE", K_IOPRIO_CLASS_IDLE }, { NULL, 0 },
};

static int
lookup(const name_value *t, const char *name)
{
  for (; name && t->name; t++)
    if (strcmp(t->name, name) == 0)
      return t->value;
  return -1;
}

int
cpulist_parse(const char *cpulist, cpu_set_t *set, clawrt_error *err)
{
  CPU_ZERO(set);
  if (cpulist == NULL || cpulist[0] == '\0')
    return clawrt_error_set(err, EINVAL, "empty cpu list");
  const char *p = cpulist;
  for (;;)
    {
      char *end;
      if (*p < '0' || *p > '9')
        goto bad;
      errno = 0;
      unsigned long lo = strtoul(p, &end, 10), hi = lo;
      if (errno)
        goto bad;
      p = end;
      if (*p == '-')
        {
          p++;
          if (*p < '0' || *p > '9')
            goto bad;
          hi = strtoul(p, &end, 10);
          if (errno)
            goto bad;
          p = end;
        }
      if (hi < lo)
        return clawrt_error_set(err, EINVAL, "cpu list \"%s\": range %lu-%lu is backwards",
                                cpulist, lo, hi);
      if (hi >= CPU_SETSIZE)
        return clawrt_error_set(err, EINVAL, "cpu list \"%s\": cpu %lu is beyond the %d this "
                                "runtime supports", cpulist, hi, CPU_SETSIZE);
      for (unsigned long c = lo; c <= hi; c++)
        CPU_SET(c, set);
      if (*p == '\0')
        return 0;
      if (*p != ',')
        goto bad;
      p++;
    }
bad:
  return clawrt_error_set(err, EINVAL, "cpu list \"%s\" is malformed: expected e.g. \"0-3,7\"",
                          cpulist);
}

static int
validate_scheduler(const oci_scheduler *s, const char *o, clawrt_error *err)
{
  int pol = lookup(policies, s->policy);
  if (pol < 0)
    return clawrt_error_set(err, EINVAL, "%s: process.scheduler.policy: unknown policy \"%s\"",
                            o, s->policy ? s->policy : "");
  for (size_t i = 0; i < s->flags.len; i++)
    if (lookup(sched_flags, s->flags.v[i]) < 0)
      return clawrt_error_set(err, EINVAL, "%s: process.scheduler.flags[%zu]: unknown flag "
                              "\"%s\"", o, i, s->flags.v[i]);
  if (s->has_nice && (s->nice < -20 || s->nice > 19))
    return clawrt_error_set(err, EINVAL, "%s: process.scheduler.nice: %d is outside -20..19", o,
                            s->nice);
  bool rt = pol == K_SCHED_FIFO || pol == K_SCHED_RR;
  int32_t prio = s->has_priority ? s->priority : 0;
  if (rt && (prio < 1 || prio > 99))
    return clawrt_error_set(err, EINVAL, "%s: process.scheduler.priority: %s needs a priority "
                            "in 1..99, got %d", o, s->policy, prio);
  if (!rt && prio != 0)
    return clawrt_error_set(err, EINVAL, "%s: process.scheduler.priority: only SCHED_FIFO and "
                            "SCHED_RR take a priority; %s needs 0", o, s->policy);
  bool dl_fields = (s->has_runtime && s->runtime) || (s->has_deadline && s->deadline)
                   || (s->has_period && s->period);
  if (pol != K_SCHED_DEADLINE && dl_fields)
    return clawrt_error_set(err, EINVAL, "%s: process.scheduler: runtime, deadline and period "
                            "are for SCHED_DEADLINE only, not %s", o, s->policy);
  if (pol == K_SCHED_DEADLINE)
    {
      uint64_t deadline = s->deadline ? s->deadline : s->period;
      if (s->runtime > deadline || (s->period && deadline > s->period))
        return clawrt_error_set(err, EINVAL, "%s: process.scheduler: SCHED_DEADLINE needs "
                                "runtime <= deadline <= period (got %llu, %llu, %llu)", o,
                                (unsigned long long) s->runtime,
                                (unsigned long long) s->deadline,
                                (unsigned long long) s->period);
    }
  return 0;
}

int
sched_validate(const oci_process *p, const oci_linux *l, const char *origin, clawrt_error *err)
{
  const char *o = origin ? origin : "config.json";
  if (l && l->personality)
    {
      const oci_personality *per = l->personality;
      if (per->domain == NULL
          || (strcmp(per->domain, "LINUX") != 0 && strcmp(per->domain, "LINUX32") != 0))
        return clawrt_error_set(err, EINVAL, "%s: linux.personality.domain: unknown domain "
                                "\"%s\" (LINUX or LINUX32)", o, per->domain ? per->domain : "");
      if (per->flags.len > 0)
        return clawrt_error_set(err, EINVAL, "%s: linux.personality.flags[0]: unknown flag "
                                "\"%s\" (the spec defines no personality flags)", o,
                                per->flags.v[0]);
    }
  if (p == NULL)
    return 0;
  if (p->scheduler && validate_scheduler(p->scheduler, o, err) < 0)
    return -1;
  if (p->io_priority)
    {
      if (lookup(io_classes, p->io_priority->class_) < 0)
        return clawrt_error_set(err, EINVAL, "%s: process.ioPriority.class: unknown class \"%s\" "
                                "(IOPRIO_CLASS_RT, IOPRIO_CLASS_BE or IOPRIO_CLASS_IDLE)", o,
                                p->io_priority->class_ ? p->io_priority->class_ : "");
      if (p->io_priority->priority < 0 || p->io_priority->priority > 7)
        return clawrt_error_set(err, EINVAL, "%s: process.ioPriority.priority: %d is outside "
                                "0..7", o, p->io_priority->priority);
    }
  if (p->exec_cpu_affinity)
    {
      const char *which[2] = { "initial", "final" };
      const char *val[2] = { p->exec_cpu_affinity->initial, p->exec_cpu_affinity->final };
      for (int i = 0; i < 2; i++)
        {
          cpu_set_t set;
          if (val[i] && val[i][0] && cpulist_parse(val[i], &set, err) < 0)
            return clawrt_error_wrap(err, "%s: process.execCPUAffinity.%s", o, which[i]);
        }
    }
  if (p->has_oom_score_adj && (p->oom_score_adj < -1000 || p->oom_score_adj > 1000))
    return clawrt_error_set(err, EINVAL, "%s: process.oomScoreAdj: %d is outside -1000..1000",
                            o, p->oom_score_adj);
  return 0;
}

int
personality_apply(const oci_personality *p, clawrt_error *err)
{
  if (p == NULL)
    return 0;
  unsigned long per;
  if (p->domain && strcmp(p->domain, "LINUX") == 0)
    per = PER_LINUX;
  else if (p->domain && strcmp(p->domain, "LINUX32") == 0)
    per = PER_LINUX32;
  else
    return clawrt_error_set(err, EINVAL, "linux.personality.domain: unknown domain \"%s\"",
                            p->domain ? p->domain : "");
  if (personality(per) < 0)
    return clawrt_error_set(err, errno, "personality(%s)", p->domain);
  return 0;
}

int
scheduler_apply(const oci_scheduler *s, clawrt_error *err)
{
  if (s == NULL)
    return 0;
  int pol = lookup(policies, s->policy);
  if (pol < 0)
    return clawrt_error_set(err, EINVAL, "process.scheduler.policy: unknown policy \"%s\"",
                            s->policy ? s->policy : "");
  struct k_sched_attr a;
  memset(&a, 0, sizeof a);
  a.size = sizeof a;
  a.sched_policy = (uint32_t) pol;
  for (size_t i = 0; i < s->flags.len; i++)
    {
      int f = lookup(sched_flags, s->flags.v[i]);
      if (f < 0)
        return clawrt_error_set(err, EINVAL, "process.scheduler.flags[%zu]: unknown flag \"%s\"",
                                i, s->flags.v[i]);
      a.sched_flags |= (uint64_t) f;
    }
  a.sched_nice = s->has_nice ? s->nice : 0;
  a.sched_priority = s->has_priority ? (uint32_t) s->priority : 0;
  a.sched_runtime = s->runtime;
  a.sched_deadline = s->deadline;
  a.sched_period = s->period;
  if (syscall(SYS_sched_setattr, 0, &a, 0) < 0)
    {
      int e = errno;
      bool rt = pol == K_SCHED_FIFO || pol == K_SCHED_RR || pol == K_SCHED_DEADLINE;
      if (e == EPERM && rt)
        return clawrt_error_set(err, e, "sched_setattr(%s): a real-time policy needs "
                                "CAP_SYS_NICE and, where the kernel has real-time group "
                                "scheduling, real-time runtime in the container's cgroup "
                                "(linux.resources.cpu.realtimeRuntime)", s->policy);
      if (e == EPERM)
        return clawrt_error_set(err, e, "sched_setattr(%s): raising the priority needs "
                                "CAP_SYS_NICE", s->policy);
      return clawrt_error_set(err, e, "sched_setattr(%s, nice %d, priority %d)", s->policy,
                              a.sched_nice, (int) a.sched_priority);
    }
  return 0;
}

int
iopriority_apply(const oci_io_priority *p, clawrt_error *err)
{
  if (p == NULL)
    return 0;
  int cls = lookup(io_classes, p->class_);
  if (cls < 0)
    return clawrt_error_set(err, EINVAL, "process.ioPriority.class: unknown class \"%s\"",
                            p->class_ ? p->class_ : "");
  if (p->priority < 0 || p->priority > 7)
    return clawrt_error_set(err, EINVAL, "process.ioPriority.priority: %d is outside 0..7",
                            p->priority);
  int value = (cls << K_IOPRIO_CLASS_SHIFT) | p->priority;
  if (syscall(SYS_ioprio_set, K_IOPRIO_WHO_PROCESS, 0, value) < 0)
    return clawrt_error_set(err, errno, "ioprio_set(%s, %d)%s", p->class_, p->priority,
                            errno == EPERM ? ": IOPRIO_CLASS_RT needs CAP_SYS_ADMIN or "
                            "CAP_SYS_NICE" : "");
  return 0;
}

int
cpu_affinity_apply(const char *cpulist, clawrt_error *err)
{
  if (cpulist == NULL || cpulist[0] == '\0')
    return 0;  /* the spec: empty means leave it to the kernel */
  cpu_set_t set;
  if (cpulist_parse(cpulist, &set, err) < 0)
    return -1;
  if (sched_setaffinity(0, sizeof set, &set) < 0)
    return clawrt_error_set(err, errno, "sched_setaffinity(%s)%s", cpulist,
                            errno == EINVAL ? ": none of these CPUs is online or allowed" : "");
  return 0;
}

int
oom_score_adj_apply(int procfd, pid_t pid, int value, clawrt_error *err)
{
  char v[16];
  snprintf(v, sizeof v, "%d", value);
  int r;
  if (pid > 0)
    {
      char rel[32];
      snprintf(rel, sizeof rel, "%d/oom_score_adj", (int) pid);
      r = procfs_write_at(procfd, rel, v, err);
    }
  else
    r = procfs_write_thread_self(procfd, "oom_score_adj", v, err);
  if (r < 0 && err && (err->errnum == EACCES || err->errnum == EPERM))
    return clawrt_error_wrap(err, "process.oomScoreAdj %d: lowering the score below the "
                             "runtime's own needs CAP_SYS_RESOURCE", value);
  if (r < 0)
    return clawrt_error_wrap(err, "process.oomScoreAdj %d", value);
  return 0;
}
