/* "Why did it die": from the cgroup's counters at the init's exit, its wait
 * status and its RLIMIT_CPU, the one sentence `run` prints when a limit
 * ended the container, and the `run --stats` summary.  Pure: the caller
 * gathers the facts (container_run.c), so every rule is unit-tested.
 *
 * Only evidence counts: a kill is put on the memory limit when the kernel
 * counted an OOM kill in the cgroup, on the pids limit when it counted a
 * refused fork, on RLIMIT_CPU when the signal is SIGXCPU or the init's own
 * CPU time reached the hard limit.  A plain `kill -9` explains nothing.
 * RLIMIT_NOFILE leaves no trace to read: the kernel returns EMFILE to the
 * process and counts nothing, so it is never claimed. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "cgroup.h"
#include "signals.h"
#include "util.h"

/* The kernel enforces RLIMIT_CPU on tick-sampled user+system time, while
 * /proc reports the init's time scaled to its precise runtime, which on a
 * busy (virtual) machine reads up to a fifth lower: killed at a 1 s hard
 * limit, it shows 0.82 s.  Where the cgroup has both measures (v1:
 * cpuacct.usage precise, usage_user/usage_sys in ticks) their ratio
 * corrects the init's figure; a fifth of the limit (at least 100 ms) is
 * the slack either way. */
static uint64_t
kernel_cpu_estimate(const cgroup_stats *s, uint64_t init_ns)
{
  if (s == NULL || !s->has_cpu || s->cpu_usage_ns == 0)
    return init_ns;
  uint64_t ticks = s->cpu_user_ns + s->cpu_system_ns;
  if (ticks <= s->cpu_usage_ns)
    return init_ns;
  return (uint64_t) ((long double) init_ns * ticks / s->cpu_usage_ns);
}

static bool
reached_hard_limit(uint64_t used_ns, uint64_t limit_s)
{
  if (limit_s > UINT64_MAX / 2000000000ull)
    return false;
  uint64_t limit_ns = limit_s * 1000000000ull;
  uint64_t slack = limit_ns / 5 > 100000000ull ? limit_ns / 5 : 100000000ull;
  return used_ns + slack >= limit_ns;
}

char *
cgroup_format_bytes(uint64_t n)
{
  static const char *const unit[] = { "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
  if (n == CGROUP_UNLIMITED)
    return xstrdup("unlimited");
  if (n < 1024)
    return xasprintf("%" PRIu64 " B", n);
  double v = (double) n / 1024.0;
  size_t u = 0;
  while (v >= 1024.0 && u + 1 < sizeof unit / sizeof unit[0])
    {
      v /= 1024.0;
      u++;
    }
  return xasprintf("%.1f %s", v, unit[u]);
}

static char *
seconds(uint64_t ns)
{
  return xasprintf("%.2f s", (double) ns / 1e9);
}

static char *
memory_reason(const cgroup_stats *s)
{
  cleanup_free char *peak = s->has_mem_max_usage ? cgroup_format_bytes(s->mem_max_usage) : NULL;
  cleanup_free char *peak_part = peak ? xasprintf(", peak %s", peak) : xstrdup("");
  if (s->mem_limit == CGROUP_UNLIMITED)
    return xasprintf("out of memory without a memory limit of its own: the host or a parent "
                     "cgroup ran out (oom kills %" PRIu64 "%s)",
                     s->oom_kill, peak_part);
  cleanup_free char *limit = cgroup_format_bytes(s->mem_limit);
  return xasprintf("memory limit exceeded (limit %s%s, oom kills %" PRIu64 ")", limit,
                   peak_part, s->oom_kill);
}

static char *
pids_reason(const cgroup_stats *s)
{
  cleanup_free char *limit = s->pids_limit == CGROUP_UNLIMITED
                                 ? xstrdup("max")
                                 : xasprintf("%" PRIu64, s->pids_limit);
  cleanup_free char *peak
      = s->pids_peak ? xasprintf(", peak %" PRIu64, s->pids_peak) : xstrdup("");
  return xasprintf("pids limit reached (limit %s%s, forks refused %" PRIu64 ")", limit, peak,
                   s->pids_max_events);
}

static char *
cpu_reason(const char *which, uint64_t limit_s, const cgroup_stats *s,
           const cgroup_exit_facts *f)
{
  cleanup_free char *used
      = f->has_init_cpu ? seconds(kernel_cpu_estimate(s, f->init_cpu_ns)) : NULL;
  cleanup_free char *used_part = used ? xasprintf(", used %s", used) : xstrdup("");
  return xasprintf("CPU time limit exceeded (RLIMIT_CPU %s %" PRIu64 " s%s)", which, limit_s,
                   used_part);
}

static bool
cpu_limited(uint64_t limit_s)
{
  return limit_s != (uint64_t) RLIM_INFINITY;
}

/* The limit to blame, or NULL. */
static char *
reason(const cgroup_stats *s, const cgroup_exit_facts *f)
{
  int st = f->wait_status;
  bool killed = WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL;
  bool oom = s && s->has_memory && s->oom_kill > 0;
  bool forks_refused = s && s->has_pids && s->pids_max_events > 0;

  if (killed && oom)
    return memory_reason(s);
  if (WIFSIGNALED(st) && WTERMSIG(st) == SIGXCPU && f->has_rlimit_cpu
      && cpu_limited(f->rlimit_cpu_soft))
    return cpu_reason("soft", f->rlimit_cpu_soft, s, f);
  if (killed && f->has_rlimit_cpu && cpu_limited(f->rlimit_cpu_hard) && f->has_init_cpu
      && reached_hard_limit(kernel_cpu_estimate(s, f->init_cpu_ns), f->rlimit_cpu_hard))
    return cpu_reason("hard", f->rlimit_cpu_hard, s, f);
  if (killed)
    return NULL; /* someone's SIGKILL: no limit to blame */
  /* It exited on its own (or by its own fault): a limit that hit one of
   * its processes is the likely cause, e.g. a shell whose child was
   * OOM-killed exits 137. */
  if (oom)
    return memory_reason(s);
  if (forks_refused)
    return pids_reason(s);
  return NULL;
}

char *
cgroup_explain_exit(const cgroup_stats *s, const cgroup_exit_facts *f)
{
  int st = f->wait_status;
  if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
    return NULL;
  cleanup_free char *why = reason(s, f);
  if (why == NULL)
    return NULL;
  if (WIFEXITED(st))
    return xasprintf("exited with status %d: %s", WEXITSTATUS(st), why);
  if (WTERMSIG(st) == SIGKILL)
    return xasprintf("killed: %s", why);
  char buf[16];
  const char *name = signal_name(WTERMSIG(st), buf, sizeof buf);
  return name ? xasprintf("killed by %s: %s", name, why)
              : xasprintf("killed by signal %d: %s", WTERMSIG(st), why);
}

char *
cgroup_stats_summary(const cgroup_stats *s)
{
  char *parts[4] = { NULL };
  size_t n = 0;
  if (s->has_cpu)
    {
      cleanup_free char *t = seconds(s->cpu_usage_ns);
      cleanup_free char *u = seconds(s->cpu_user_ns);
      cleanup_free char *y = seconds(s->cpu_system_ns);
      parts[n++] = xasprintf("cpu %s (user %s, system %s)", t, u, y);
    }
  if (s->has_memory)
    {
      cleanup_free char *peak
          = s->has_mem_max_usage ? cgroup_format_bytes(s->mem_max_usage) : xstrdup("unknown");
      cleanup_free char *lim = cgroup_format_bytes(s->mem_limit);
      cleanup_free char *limit = s->mem_limit == CGROUP_UNLIMITED ? xstrdup("no limit")
                                                                  : xasprintf("limit %s", lim);
      cleanup_free char *kills = s->oom_kill ? xasprintf(", oom kills %" PRIu64, s->oom_kill)
                                             : xstrdup("");
      parts[n++] = xasprintf("peak memory %s (%s%s)", peak, limit, kills);
    }
  if (s->has_pids)
    {
      cleanup_free char *peak = s->pids_peak ? xasprintf("%" PRIu64, s->pids_peak)
                                             : xstrdup("unknown");
      cleanup_free char *limit = s->pids_limit == CGROUP_UNLIMITED
                                     ? xstrdup("no limit")
                                     : xasprintf("limit %" PRIu64, s->pids_limit);
      cleanup_free char *refused
          = s->pids_max_events ? xasprintf(", forks refused %" PRIu64, s->pids_max_events)
                               : xstrdup("");
      parts[n++] = xasprintf("peak pids %s (%s%s)", peak, limit, refused);
    }
  if (n == 0)
    return xstrdup("no resource statistics");
  char *out = xstrdup(parts[0]);
  for (size_t i = 1; i < n; i++)
    {
      char *t = xasprintf("%s, %s", out, parts[i]);
      free(out);
      out = t;
    }
  for (size_t i = 0; i < n; i++)
    free(parts[i]);
  return out;
}
