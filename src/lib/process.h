/* Setting up the process the container runs: used by the container's init
 * and by `exec`, so both get the same limits, labels, user, capabilities,
 * no_new_privileges and seccomp in the same order (one path, not two). */
#ifndef CLAWRT_PROCESS_H
#define CLAWRT_PROCESS_H

#include <stdbool.h>

#include "error.h"
#include "linux/seccomp.h"
#include "ocispec.h"

typedef struct proc_setup {
  const oci_process *process;
  const seccomp_program *seccomp;        /* bundle profile, NULL if none */
  const seccomp_program *seccomp_extra;  /* policy filter layered after it, NULL if none */
  int listener_sock;                     /* connected to listenerPath, -1 if none */
  const char *listener_state;            /* containerProcessState JSON */
  bool setgroups_allowed;
  int procfd;                            /* verified procfs of the container, -1 if none */
  bool create_cwd;                       /* the init makes a missing cwd; exec does not (runc) */
  /* filled by process_prepare */
  char *exec_path;
  char **envp;                           /* process.env, plus HOME when it lacks one */
} proc_setup;

/* Inside the container's root, still privileged: rlimits, scheduling,
 * labels, cwd (resolved inside the root, never through a leaked fd), and
 * the executable looked up in the process's PATH.  Errors here are the
 * ones `create` reports, like runc's "executable file not found". */
/* The checks of a process's capabilities, rlimits and scheduling that the
 * container's process (bundle.c) and an exec'd one share; `l` is the
 * container's linux section (sched needs it), origin prefixes errors. */
int process_attrs_validate(const oci_process *p, const oci_linux *l, const char *origin,
                           clawrt_error *err);

int process_prepare(proc_setup *ps, clawrt_error *err);

/* Only stdio, the preserved fds 3..3+preserve-1 and what we still need
 * may reach the program: every fd above is marked close-on-exec, the
 * preserved ones are cleared of it. */
int process_restrict_fds(int preserve, clawrt_error *err);

/* Default dispositions and an empty signal mask, whatever the caller of
 * clawrt had ignored or blocked. */
void process_reset_signals(void);

/* User, capabilities, no_new_privileges, seccomp, execve.  Returns only on
 * failure. */
int process_exec(proc_setup *ps, clawrt_error *err);

#endif
