/* A launch plan: everything the container's init needs, decided and
 * compiled in the parent before anything is created (namespaces to make
 * and join, the seccomp programs, resolved paths).  The child only carries
 * it out; it makes no decision that could have failed earlier. */
#ifndef CLAWRT_PLAN_H
#define CLAWRT_PLAN_H

#include <stdbool.h>

#include "bundle.h"
#include "error.h"
#include "linux/ns.h"
#include "linux/seccomp.h"
#include "ocispec.h"

typedef struct launch_plan {
  bundle *b;                  /* spec, paths (owned) */
  ns_plan ns;
  /* Namespaces are made by clone3() in one go unless some must be joined
   * inside a new user namespace's sight: then the init joins, unshares and
   * (for a new pid ns) forks itself, see init.c. */
  bool staged;
  int clone_flags;            /* CLONE_NEW* given to clone3 (not cgroup, not time) */
  int unshare_flags;          /* CLONE_NEW* the init unshares itself */
  bool deny_setgroups;        /* write setgroups=deny before gid_map */
  seccomp_program *seccomp;   /* the bundle's profile, NULL if none */
  seccomp_program *seccomp_extra; /* a policy's layered filter (strict mode), NULL if none */
  bool has_hooks_in_parent;   /* prestart or createRuntime */
  bool needs_state_in_child;  /* createContainer/startContainer hooks, seccomp listener */
} launch_plan;

/* Takes b, also on failure. */
int plan_build(bundle *b, launch_plan **out, clawrt_error *err);
void plan_free(launch_plan *p);

#endif
