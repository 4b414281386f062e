/* Scheduling-related process attributes: personality, scheduler (policy,
 * nice, priority, deadline), I/O priority, CPU affinity, oom_score_adj. */
#ifndef CLAWRT_SCHED_H
#define CLAWRT_SCHED_H

#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "ocispec.h"

/* Check process.scheduler, process.ioPriority, process.execCPUAffinity,
 * process.oomScoreAdj and linux.personality (either may be NULL):
 *   personality.domain LINUX|LINUX32, no flags (the spec defines none);
 *   scheduler.policy SCHED_OTHER|FIFO|RR|BATCH|ISO|IDLE|DEADLINE, flags
 *   SCHED_FLAG_*, nice -20..19, priority 1..99 for FIFO/RR and 0 otherwise,
 *   runtime/deadline/period only for SCHED_DEADLINE with
 *   runtime <= deadline <= period;
 *   ioPriority.class IOPRIO_CLASS_RT|BE|IDLE, priority 0..7;
 *   execCPUAffinity cpu lists parse and name CPUs below CPU_SETSIZE;
 *   oomScoreAdj -1000..1000. */
int sched_validate(const oci_process *p, const oci_linux *l, const char *origin,
                   clawrt_error *err);

/* personality(2): PER_LINUX or PER_LINUX32. */
int personality_apply(const oci_personality *p, clawrt_error *err);

/* sched_setattr(2) on the calling thread. */
int scheduler_apply(const oci_scheduler *s, clawrt_error *err);

/* ioprio_set(IOPRIO_WHO_PROCESS, 0, class|priority). */
int iopriority_apply(const oci_io_priority *p, clawrt_error *err);

/* Pure: "0-3,7,9-11" -> set.  Empty or malformed lists are errors. */
int cpulist_parse(const char *cpulist, cpu_set_t *set, clawrt_error *err);

/* sched_setaffinity(0, cpulist).  For exec, the runtime applies
 * execCPUAffinity.initial before joining the container's cgroup and .final
 * after it (the cgroup's cpuset would otherwise clip it). */
int cpu_affinity_apply(const char *cpulist, clawrt_error *err);

/* Write value to procfd/<pid>/oom_score_adj (pid 0: the calling thread,
 * resolved through thread-self).  Lowering below the current value needs
 * CAP_SYS_RESOURCE, which the error says. */
int oom_score_adj_apply(int procfd, pid_t pid, int value, clawrt_error *err);

#endif
