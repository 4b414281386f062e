#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "seccomp.h"
#include "seccomp_internal.h"
#include "util.h"

/* The kernel's ABI (uapi linux/seccomp.h), spelled out so this file does not
 * depend on which seccomp.h the include path finds first. */
#define K_SECCOMP_SET_MODE_FILTER 1
#define K_SECCOMP_FILTER_FLAG_TSYNC (1u << 0)
#define K_SECCOMP_FILTER_FLAG_NEW_LISTENER (1u << 3)
#define K_SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1u << 5)
#define K_MAX_ERRNO 4095
#define K_BPF_MAXINSNS 4096

struct seccomp_program {
  struct sock_filter *insns;
  size_t len;
  unsigned int flags;   /* for seccomp(2), NEW_LISTENER included when notify */
  bool notify;
};

void
seccomp_program_free(seccomp_program *p)
{
  if (p == NULL)
    return;
  free(p->insns);
  free(p);
}

bool
seccomp_program_uses_notify(const seccomp_program *p)
{
  return p->notify;
}

unsigned int
seccomp_program_flags(const seccomp_program *p)
{
  return p->flags;
}

size_t
seccomp_program_len(const seccomp_program *p)
{
  return p->len;
}

const void *
seccomp_program_bpf(const seccomp_program *p)
{
  return p->insns;
}

static void
ctx_release(scmp_filter_ctx *c)
{
  if (*c)
    seccomp_release(*c);
}
#define cleanup_scmp __attribute__((cleanup(ctx_release)))

/* Action name + optional errno -> libseccomp action value.  `what` is the
 * JSON path of the action, `errwhat` that of its errno field. */
static int
resolve_action(const char *name, bool has_errno, uint32_t errno_ret, const char *o,
               const char *what, const char *errwhat, uint32_t *out, clawrt_error *err)
{
  int kind = seccomp_action_from_name(name);
  if (kind < 0)
    return clawrt_error_set(err, EINVAL, "%s: %s: unknown action \"%s\"", o, what,
                            name ? name : "");
  if (has_errno && kind != SECCOMP_ACTION_ERRNO && kind != SECCOMP_ACTION_TRACE)
    return clawrt_error_set(err, EINVAL, "%s: %s: only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take "
                            "an errno, not %s", o, errwhat, name);
  if (has_errno && errno_ret > K_MAX_ERRNO)
    return clawrt_error_set(err, EINVAL, "%s: %s: %u is above the largest errno (%d)", o,
                            errwhat, errno_ret, K_MAX_ERRNO);
  uint16_t e = has_errno ? (uint16_t) errno_ret : EPERM;
  switch ((seccomp_action_kind) kind)
    {
    case SECCOMP_ACTION_KILL_THREAD: *out = SCMP_ACT_KILL_THREAD; break;
    case SECCOMP_ACTION_KILL_PROCESS: *out = SCMP_ACT_KILL_PROCESS; break;
    case SECCOMP_ACTION_TRAP: *out = SCMP_ACT_TRAP; break;
    case SECCOMP_ACTION_ERRNO: *out = SCMP_ACT_ERRNO(e); break;
    case SECCOMP_ACTION_TRACE: *out = SCMP_ACT_TRACE(e); break;
    case SECCOMP_ACTION_ALLOW: *out = SCMP_ACT_ALLOW; break;
    case SECCOMP_ACTION_LOG: *out = SCMP_ACT_LOG; break;
    case SECCOMP_ACTION_NOTIFY: *out = SCMP_ACT_NOTIFY; break;
    }
  return 0;
}

/* Syscalls the runtime's init itself makes between loading the filter and
 * the agent receiving the listener: a NOTIFY on them would wait forever. */
static const char *const notify_forbidden[] = { "write", "sendmsg", NULL };

/* Rules collected from the profile, added to libseccomp only once the whole
 * profile is known to fit. */
typedef struct rule_vec {
  seccomp_rule *v;
  size_t len, cap;
} rule_vec;

static void
rule_vec_release(rule_vec *r)
{
  free(r->v);
}
#define cleanup_rules __attribute__((cleanup(rule_vec_release)))

static void
push_rule(rule_vec *r, uint32_t act, int nr, const struct scmp_arg_cmp *cmp, unsigned int ncmp,
          size_t i, size_t j)
{
  if (r->len == r->cap)
    {
      r->cap = r->cap ? r->cap * 2 : 64;
      r->v = xrealloc(r->v, r->cap * sizeof *r->v);
    }
  seccomp_rule *e = &r->v[r->len++];
  *e = (seccomp_rule) { .nr = nr, .act = act, .ncmp = ncmp, .i = i, .j = j };
  if (ncmp)
    memcpy(e->cmp, cmp, ncmp * sizeof *cmp);
}

static int
collect_syscall(rule_vec *rules, const oci_syscall *sc, size_t i, uint32_t default_act,
                const char *o, bool *notify, clawrt_error *err)
{
  char what[96], errwhat[96];
  snprintf(what, sizeof what, "linux.seccomp.syscalls[%zu].action", i);
  snprintf(errwhat, sizeof errwhat, "linux.seccomp.syscalls[%zu].errnoRet", i);
  uint32_t act;
  if (resolve_action(sc->action, sc->has_errno_ret, sc->errno_ret, o, what, errwhat, &act,
                     err) < 0)
    return -1;
  if (sc->names.len == 0)
    return clawrt_error_set(err, EINVAL, "%s: linux.seccomp.syscalls[%zu].names: must name at "
                            "least one syscall", o, i);

  struct scmp_arg_cmp cmp[6];
  bool shared_index = false;
  unsigned int seen = 0;
  if (sc->args_len > 6)
    return clawrt_error_set(err, EINVAL, "%s: linux.seccomp.syscalls[%zu].args: %zu conditions, "
                            "but a syscall has only 6 arguments", o, i, sc->args_len);
  for (size_t a = 0; a < sc->args_len; a++)
    {
      const oci_seccomp_arg *arg = &sc->args[a];
      if (arg->index >= 6)
        return clawrt_error_set(err, EINVAL, "%s: linux.seccomp.syscalls[%zu].args[%zu].index: "
                                "%u is not a syscall argument (0..5)", o, i, a, arg->index);
      int op = seccomp_operator_from_name(arg->op);
      if (op < 0)
        return clawrt_error_set(err, EINVAL, "%s: linux.seccomp.syscalls[%zu].args[%zu].op: "
                                "unknown operator \"%s\"", o, i, a, arg->op ? arg->op : "");
      /* MASKED_EQ: value is the mask, valueTwo the datum, so the rule
       * matches (arg & value) == valueTwo */
      cmp[a] = (struct scmp_arg_cmp) { .arg = arg->index, .op = (enum scmp_compare) op,
                                       .datum_a = arg->value, .datum_b = arg->value_two };
      if (seen & (1u << arg->index))
        shared_index = true;
      seen |= 1u << arg->index;
    }

  if (act == SCMP_ACT_NOTIFY)
    {
      *notify = true;
      for (size_t j = 0; j < sc->names.len; j++)
        for (const char *const *f = notify_forbidden; *f; f++)
          if (strcmp(sc->names.v[j], *f) == 0)
            return clawrt_error_set(err, EINVAL, "%s: linux.seccomp.syscalls[%zu].names[%zu]: "
                                    "SCMP_ACT_NOTIFY cannot be used for \"%s\": the runtime "
                                    "needs it before the agent has the listener", o, i, j, *f);
    }
  /* libseccomp refuses it, and the default already does exactly this */
  if (act == default_act)
    return 0;

  for (size_t j = 0; j < sc->names.len; j++)
    {
      const char *name = sc->names.v[j];
      int nr = seccomp_syscall_resolve_name(name);
      if (nr == __NR_SCMP_ERROR)
        continue;  /* unknown to this libseccomp/arch: skipped like runc */
      if (sc->args_len == 0)
        push_rule(rules, act, nr, NULL, 0, i, j);
      else if (!shared_index)
        push_rule(rules, act, nr, cmp, (unsigned int) sc->args_len, i, j);
      else
        /* libseccomp cannot AND two conditions on one argument: each
         * condition becomes its own rule, i.e. they are ORed (runc's
         * reading too) */
        for (size_t a = 0; a < sc->args_len; a++)
          push_rule(rules, act, nr, &cmp[a], 1, i, j);
    }
  return 0;
}

/* libseccomp's rule insertion is quadratic in the rules of one syscall
 * (50,000 take it most of a minute): a profile that cannot fit the kernel's
 * limit whatever the optimiser does is refused before it starts. */
static int
add_rules(scmp_filter_ctx ctx, rule_vec *rules, const char *o, clawrt_error *err)
{
  cleanup_free seccomp_rule *copy = NULL;
  if (rules->len > K_BPF_MAXINSNS / 2)
    {
      copy = xmalloc0(rules->len * sizeof *copy);
      memcpy(copy, rules->v, rules->len * sizeof *copy);
      size_t min = seccomp_rules_min_insns(copy, rules->len);
      if (min > K_BPF_MAXINSNS)
        return clawrt_error_set(err, E2BIG, "%s: linux.seccomp: %zu rules need at least %zu "
                                "BPF instructions, above the kernel's limit of %d: merge rules "
                                "that share an action, or drop argument conditions", o,
                                rules->len, min, K_BPF_MAXINSNS);
    }
  for (size_t k = 0; k < rules->len; k++)
    {
      const seccomp_rule *e = &rules->v[k];
      int r = seccomp_rule_add_array(ctx, e->act, e->nr, e->ncmp, e->ncmp ? e->cmp : NULL);
      if (r < 0)
        {
          const char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, e->nr);
          clawrt_error_set(err, -r, "%s: linux.seccomp.syscalls[%zu].names[%zu]: cannot add a "
                           "rule for \"%s\"", o, e->i, e->j, name ? name : "?");
          free((void *) name);
          return -1;
        }
    }
  return 0;
}

/* seccomp_export_bpf -> memfd -> heap, so the child only needs memory. */
static int
export_program(scmp_filter_ctx ctx, seccomp_program *p, clawrt_error *err)
{
  cleanup_close int fd = memfd_create("clawrt-seccomp", MFD_CLOEXEC);
  if (fd < 0)
    return clawrt_error_set(err, errno, "memfd_create for the seccomp program");
  int r = seccomp_export_bpf(ctx, fd);
  if (r < 0)
    return clawrt_error_set(err, -r, "seccomp_export_bpf");
  struct stat st;
  if (fstat(fd, &st) < 0)
    return clawrt_error_set(err, errno, "fstat seccomp memfd");
  size_t size = (size_t) st.st_size;
  if (size == 0 || size % sizeof(struct sock_filter) != 0)
    return clawrt_error_set(err, EPROTO, "libseccomp exported %zu bytes, not a whole number of "
                            "BPF instructions", size);
  size_t len = size / sizeof(struct sock_filter);
  if (len > K_BPF_MAXINSNS)
    return clawrt_error_set(err, E2BIG, "linux.seccomp compiles to %zu BPF instructions, above "
                            "the kernel's limit of %d: merge rules that share an action", len,
                            K_BPF_MAXINSNS);
  p->insns = xmalloc0(size);
  if (pread(fd, p->insns, size, 0) != (ssize_t) size)
    return clawrt_error_set(err, errno ? errno : EIO, "read back the seccomp program");
  p->len = len;
  return 0;
}

static scmp_filter_ctx
new_ctx(uint32_t default_act, clawrt_error *err)
{
  scmp_filter_ctx ctx = seccomp_init(default_act);
  if (ctx == NULL)
    {
      clawrt_error_set(err, ENOMEM, "seccomp_init");
      return NULL;
    }
  /* a binary tree of syscall numbers instead of a linear scan: profiles of
   * a few hundred syscalls run on every syscall of every container */
  (void) seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
  return ctx;
}

int
seccomp_compile(const oci_seccomp *s, const char *origin, seccomp_program **out,
                clawrt_error *err)
{
  const char *o = origin ? origin : "config.json";
  *out = NULL;
  uint32_t default_act;
  if (s->default_action == NULL)
    return clawrt_error_set(err, EINVAL, "%s: linux.seccomp.defaultAction: required", o);
  if (resolve_action(s->default_action, s->has_default_errno_ret, s->default_errno_ret, o,
                     "linux.seccomp.defaultAction", "linux.seccomp.defaultErrnoRet",
                     &default_act, err) < 0)
    return -1;
  if (default_act == SCMP_ACT_NOTIFY)
    return clawrt_error_set(err, EINVAL, "%s: linux.seccomp.defaultAction: SCMP_ACT_NOTIFY "
                            "cannot be the default action (every syscall of the runtime would "
                            "wait for the agent)", o);
  if (s->listener_metadata && s->listener_metadata[0] && !(s->listener_path && s->listener_path[0]))
    return clawrt_error_set(err, EINVAL, "%s: linux.seccomp.listenerMetadata: set without "
                            "listenerPath", o);

  unsigned int flags = 0;
  for (size_t i = 0; i < s->flags.len; i++)
    {
      unsigned int f = seccomp_flag_from_name(s->flags.v[i]);
      if (f == (unsigned int) -1)
        return clawrt_error_set(err, EINVAL, "%s: linux.seccomp.flags[%zu]: unknown flag \"%s\"",
                                o, i, s->flags.v[i]);
      /* init is single-threaded when it loads the filter: TSYNC has nothing
       * to sync, and it cannot be combined with NEW_LISTENER */
      if (f != K_SECCOMP_FILTER_FLAG_TSYNC)
        flags |= f;
    }

  cleanup_scmp scmp_filter_ctx ctx = new_ctx(default_act, err);
  if (ctx == NULL)
    return -1;

  for (size_t i = 0; i < s->architectures.len; i++)
    {
      int64_t tok = seccomp_arch_from_name(s->architectures.v[i]);
      if (tok < 0)
        return clawrt_error_set(err, EINVAL, "%s: linux.seccomp.architectures[%zu]: unknown "
                                "architecture \"%s\"", o, i, s->architectures.v[i]);
      if (tok == 0)
        continue;  /* valid, but this libseccomp cannot build for it */
      int r = seccomp_arch_add(ctx, (uint32_t) tok);
      if (r < 0 && r != -EEXIST)
        return clawrt_error_set(err, -r, "%s: linux.seccomp.architectures[%zu]: cannot add "
                                "\"%s\"", o, i, s->architectures.v[i]);
    }

  bool notify = false;
  cleanup_rules rule_vec rules = { 0 };
  for (size_t i = 0; i < s->syscalls_len; i++)
    if (collect_syscall(&rules, &s->syscalls[i], i, default_act, o, &notify, err) < 0)
      return -1;
  if (add_rules(ctx, &rules, o, err) < 0)
    return -1;

  if (notify && !(s->listener_path && s->listener_path[0]))
    return clawrt_error_set(err, EINVAL, "%s: linux.seccomp: SCMP_ACT_NOTIFY is used but "
                            "listenerPath is not set: name the agent's socket in listenerPath",
                            o);
  if (notify)
    flags |= K_SECCOMP_FILTER_FLAG_NEW_LISTENER;
  else
    /* it changes how a listener's waiters sleep; with no listener the
     * kernel refuses it (EINVAL) though there is nothing to change */
    flags &= ~K_SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;

  seccomp_program *p = xmalloc0(sizeof *p);
  p->flags = flags;
  p->notify = notify;
  if (export_program(ctx, p, err) < 0)
    {
      seccomp_program_free(p);
      return clawrt_error_wrap(err, "%s: linux.seccomp", o);
    }
  *out = p;
  return 0;
}

/* Strict layer.  clone's flags are argument 0 except on s390, where the
 * first two arguments are swapped. */
static const uint64_t clone_new_flags[] = {
  CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWPID,
  CLONE_NEWNET,
};

int
seccomp_compile_strict(seccomp_program **out, clawrt_error *err)
{
  *out = NULL;
  cleanup_scmp scmp_filter_ctx ctx = new_ctx(SCMP_ACT_ALLOW, err);
  if (ctx == NULL)
    return -1;
  uint32_t native = seccomp_arch_native();
  uint32_t compat[2] = { 0, 0 };
  unsigned int clone_flags_arg = 0;
  if (native == SCMP_ARCH_X86_64)
    {
      compat[0] = SCMP_ARCH_X86;
      compat[1] = SCMP_ARCH_X32;
    }
  else if (native == SCMP_ARCH_AARCH64)
    compat[0] = SCMP_ARCH_ARM;
  else if (native == SCMP_ARCH_S390X || native == SCMP_ARCH_S390)
    {
      if (native == SCMP_ARCH_S390X)
        compat[0] = SCMP_ARCH_S390;
      clone_flags_arg = 1;
    }
  for (int i = 0; i < 2; i++)
    if (compat[i])
      {
        int r = seccomp_arch_add(ctx, compat[i]);
        if (r < 0 && r != -EEXIST)
          return clawrt_error_set(err, -r, "strict seccomp: adding compat architecture 0x%x",
                                  compat[i]);
      }

  struct { const char *name; uint32_t act; } deny[] = {
    { "unshare", SCMP_ACT_ERRNO(EPERM) },
    { "setns", SCMP_ACT_ERRNO(EPERM) },
    /* clone3's flags are behind a pointer seccomp cannot follow; ENOSYS
     * makes libc fall back to clone, whose flags are checked below */
    { "clone3", SCMP_ACT_ERRNO(ENOSYS) },
  };
  for (size_t i = 0; i < sizeof deny / sizeof deny[0]; i++)
    {
      int nr = seccomp_syscall_resolve_name(deny[i].name);
      if (nr == __NR_SCMP_ERROR)
        continue;
      int r = seccomp_rule_add(ctx, deny[i].act, nr, 0);
      if (r < 0)
        return clawrt_error_set(err, -r, "strict seccomp: rule for %s", deny[i].name);
    }
  int clone_nr = seccomp_syscall_resolve_name("clone");
  for (size_t i = 0; i < sizeof clone_new_flags / sizeof clone_new_flags[0]; i++)
    {
      struct scmp_arg_cmp c = { .arg = clone_flags_arg, .op = SCMP_CMP_MASKED_EQ,
                                .datum_a = clone_new_flags[i], .datum_b = clone_new_flags[i] };
      int r = seccomp_rule_add_array(ctx, SCMP_ACT_ERRNO(EPERM), clone_nr, 1, &c);
      if (r < 0)
        return clawrt_error_set(err, -r, "strict seccomp: rule for clone flag 0x%llx",
                                (unsigned long long) clone_new_flags[i]);
    }

  seccomp_program *p = xmalloc0(sizeof *p);
  if (export_program(ctx, p, err) < 0)
    {
      seccomp_program_free(p);
      return clawrt_error_wrap(err, "strict seccomp");
    }
  *out = p;
  return 0;
}

int
seccomp_install(const seccomp_program *p, int *listener_fd, clawrt_error *err)
{
  if (listener_fd)
    *listener_fd = -1;
  if (p->notify && listener_fd == NULL)
    return clawrt_error_set(err, EINVAL, "seccomp_install: the program uses SCMP_ACT_NOTIFY "
                            "but the caller takes no listener");
  struct sock_fprog prog = { .len = (unsigned short) p->len, .filter = p->insns };
  long r = syscall(SYS_seccomp, K_SECCOMP_SET_MODE_FILTER, p->flags, &prog);
  if (r < 0)
    {
      int e = errno;
      if (e == EACCES)
        return clawrt_error_set(err, e, "loading the seccomp filter needs no_new_privs or "
                                "CAP_SYS_ADMIN");
      if (e == EINVAL && p->flags)
        return clawrt_error_set(err, e, "loading the seccomp filter: the kernel refused the "
                                "filter flags 0x%x (SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV "
                                "needs Linux 5.19, SPEC_ALLOW 4.17, LOG 4.14)", p->flags);
      if (e == EBUSY)
        return clawrt_error_set(err, e, "loading the seccomp filter: a filter with a listener is "
                                "already installed (only one SCMP_ACT_NOTIFY profile per "
                                "process)");
      return clawrt_error_set(err, e, "loading the seccomp filter");
    }
  if (p->notify)
    *listener_fd = (int) r;
  return 0;
}

int
seccomp_supported_flags(char ***out, clawrt_error *err)
{
  size_t n;
  const char *const *names = seccomp_known_flags(&n);
  char **v = xmalloc0((n + 1) * sizeof *v);
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    {
      /* flags are checked before the program pointer: EFAULT says the
       * kernel accepted the flag, EINVAL that it does not know it.
       * WAIT_KILLABLE_RECV is only valid together with NEW_LISTENER. */
      unsigned int f = seccomp_flag_from_name(names[i]);
      if (f == K_SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV)
        f |= K_SECCOMP_FILTER_FLAG_NEW_LISTENER;
      long r = syscall(SYS_seccomp, K_SECCOMP_SET_MODE_FILTER, f, NULL);
      if (r < 0 && errno == EFAULT)
        v[k++] = xstrdup(names[i]);
    }
  *out = v;
  return 0;
}
