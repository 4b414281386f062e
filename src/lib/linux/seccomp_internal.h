/* Shared by seccomp.c, seccomp_names.c and seccomp_listener.c only. */
#ifndef CLAWRT_SECCOMP_INTERNAL_H
#define CLAWRT_SECCOMP_INTERNAL_H

#include <seccomp.h>
#include <stdbool.h>
#include <stddef.h>
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

/* One rule as libseccomp will receive it, collected before any is added so
 * the whole profile can be sized first. */
typedef struct seccomp_rule {
  int nr;
  uint32_t act;
  unsigned int ncmp;
  struct scmp_arg_cmp cmp[6];
  size_t i, j;                  /* syscalls[i].names[j], for errors */
} seccomp_rule;

/* A lower bound on the BPF instructions `rules` compile to, whatever
 * libseccomp's optimiser does: every distinct syscall number needs a
 * comparison, and every distinct set of argument conditions on a syscall
 * that has no unconditional rule needs at least one more.  Identical rules
 * count once (libseccomp merges them), and conditions on a syscall that also
 * has an unconditional rule count nothing (they may be folded into it).
 * Sorts `rules`.  Pure, so a profile that can never load is refused before
 * libseccomp spends time quadratic in its size. */
size_t seccomp_rules_min_insns(seccomp_rule *rules, size_t n);

#endif
