/* Shared by seccomp.c, seccomp_names.c and seccomp_listener.c only. */
#ifndef CLAWRT_SECCOMP_INTERNAL_H
#define CLAWRT_SECCOMP_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

/* Action kinds, before an errno is attached. */
typedef enum seccomp_action_kind {
  SECCOMP_ACTION_KILL_THREAD,
  SECCOMP_ACTION_KILL_PROCESS,
  SECCOMP_ACTION_TRAP,
  SECCOMP_ACTION_ERRNO,
  SECCOMP_ACTION_TRACE,
  SECCOMP_ACTION_ALLOW,
  SECCOMP_ACTION_LOG,
  SECCOMP_ACTION_NOTIFY,
} seccomp_action_kind;

/* -1 when unknown. */
int seccomp_action_from_name(const char *name);
/* libseccomp's enum scmp_compare value; -1 when unknown. */
int seccomp_operator_from_name(const char *name);
/* libseccomp arch token; 0 when the name is in the spec but this libseccomp
 * cannot build for it; -1 when unknown. */
int64_t seccomp_arch_from_name(const char *name);
/* seccomp(2) flag bit; (unsigned) -1 when unknown. */
unsigned int seccomp_flag_from_name(const char *name);

#endif
