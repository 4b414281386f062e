#define _GNU_SOURCE
#include "plan.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "policy/strict.h"
#include "util.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

void
plan_free(launch_plan *p)
{
  if (p == NULL)
    return;
  ns_plan_close(&p->ns);
  seccomp_program_free(p->seccomp);
  seccomp_program_free(p->seccomp_extra);
  bundle_free(p->b);
  free(p);
}

static bool
hooks_present(const oci_hook_list *l)
{
  return l->len > 0;
}

int
plan_build(bundle *b, launch_plan **out, clawrt_error *err)
{
  launch_plan *p = xmalloc0(sizeof *p);
  p->b = b;
  const oci_spec *spec = b->spec;
  if (ns_plan_build(spec, b->origin, &p->ns, err) < 0)
    goto fail;

  /* pid and time namespaces apply to children: the parent joins or
   * creates them for the init before clone3.  A cgroup namespace must be
   * made after the init sits in its cgroups (v1 moves happen after clone),
   * so the init always unshares it itself. */
  int joined_other = 0;
  for (size_t i = 0; i < p->ns.joins_len; i++)
    if (p->ns.joins[i].flag != CLONE_NEWPID && p->ns.joins[i].flag != CLONE_NEWTIME)
      joined_other |= p->ns.joins[i].flag;
  int creatable = p->ns.new_flags & ~(CLONE_NEWCGROUP | CLONE_NEWTIME);
  /* Joining a namespace owned by the host's user ns from inside a new user
   * ns is refused by the kernel, and joining a user ns by path must come
   * before anything else: both need the staged path. */
  p->staged = (joined_other & CLONE_NEWUSER)
              || ((creatable & CLONE_NEWUSER) && (joined_other & ~CLONE_NEWUSER));
  if (p->staged)
    {
      p->clone_flags = 0;
      p->unshare_flags = creatable | (p->ns.new_flags & CLONE_NEWCGROUP);
    }
  else
    {
      p->clone_flags = creatable;
      p->unshare_flags = p->ns.new_flags & CLONE_NEWCGROUP;
    }
  /* without privilege over the parent user ns, gid_map needs setgroups
   * denied; as root in the host ns we may keep setgroups working */
  p->deny_setgroups = false;

  if (spec->linux && spec->linux->seccomp
      && seccomp_compile(spec->linux->seccomp, b->origin, &p->seccomp, err) < 0)
    goto fail;

  /* strict mode fails closed: no seccomp on this kernel, no container */
  if (strict_requested(spec, false) && seccomp_compile_strict(&p->seccomp_extra, err) < 0)
    {
      clawrt_error_wrap(err, "%s: strict mode: item 4 (seccomp filter)", b->origin);
      goto fail;
    }
  if (spec->hooks)
    {
      p->has_hooks_in_parent
          = hooks_present(&spec->hooks->prestart) || hooks_present(&spec->hooks->create_runtime);
      p->needs_state_in_child = hooks_present(&spec->hooks->create_container)
                                || hooks_present(&spec->hooks->start_container);
    }
  if (spec->linux && spec->linux->seccomp && spec->linux->seccomp->listener_path)
    p->needs_state_in_child = true;
  *out = p;
  return 0;
fail:
  plan_free(p);
  return -1;
}
