/* exec: a new process in a running container.  It joins the init's
 * namespaces and cgroup, and is set up by the same process_prepare /
 * process_exec as the init, with the container's seccomp profile. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "container_priv.h"
#include "cgroup/self_enter.h"
#include "faults.h"
#include "linux/caps.h"
#include "linux/lsm.h"
#include "linux/ns.h"
#include "linux/procfs.h"
#include "linux/seccomp.h"
#include "linux/terminal.h"
#include "log.h"
#include "pidfd.h"
#include "signals.h"
#include "policy/spec_edit.h"
#include "policy/strict.h"
#include "process.h"
#include "selfexe.h"
#include "sync.h"
#include "util.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* runc's range: above it a uid is -1 ("leave unchanged") to setresuid, or
 * wraps to 0 when cut to 32 bits, and the process would stay root. */
#define EXEC_ID_MAX 2147483647u

static int
parse_id(const char *s, size_t len, uint32_t *out)
{
  char buf[16];
  uint64_t v;
  if (len == 0 || len >= sizeof buf)
    return -1;
  memcpy(buf, s, len);
  buf[len] = '\0';
  if (strchr(buf, '\n') || parse_u64(buf, &v) < 0 || v > EXEC_ID_MAX)
    return -1;
  *out = (uint32_t) v;
  return 0;
}

static int
parse_user(const char *s, oci_user *u, clawrt_error *err)
{
  const char *colon = strchr(s, ':');
  size_t ulen = colon ? (size_t) (colon - s) : strlen(s);
  uint32_t uid, gid = 0;
  if (parse_id(s, ulen, &uid) < 0 || (colon && parse_id(colon + 1, strlen(colon + 1), &gid) < 0))
    return clawrt_error_set(err, EINVAL,
                            "exec: --user: expected UID[:GID], numbers from 0 to %u, got \"%.64s\"",
                            EXEC_ID_MAX, s);
  u->uid = uid;
  if (colon)
    u->gid = gid;
  return 0;
}

/* An entry runc would refuse: no '=' or an empty name. */
static bool
env_entry_ok(const char *kv)
{
  const char *eq = strchr(kv, '=');
  return eq != NULL && eq != kv;
}

/* Set KEY=VALUE, replacing an entry of the same KEY in place (as runc does):
 * getenv() returns the first match, so an appended duplicate would not
 * override the container's value for most programs. */
static void
env_set(oci_strv *env, const char *kv)
{
  size_t klen = (size_t) (strchr(kv, '=') - kv) + 1;
  for (size_t i = 0; i < env->len; i++)
    if (strncmp(env->v[i], kv, klen) == 0)
      {
        free(env->v[i]);
        env->v[i] = xstrdup(kv);
        return;
      }
  strv_add(env, kv);
}

/* What create checks of the container's process, for a --process FILE
 * (runc validates that object the same way before exec). */
static int
validate_process_file(const oci_process *p, const oci_spec *spec, const char *origin,
                      clawrt_error *err)
{
  if (p->args.len == 0)
    return clawrt_error_set(err, EINVAL, "%s: args: must name the program to run", origin);
  if (p->cwd == NULL || p->cwd[0] != '/')
    return clawrt_error_set(err, EINVAL, "%s: cwd: must be an absolute path, got \"%s\"", origin,
                            p->cwd ? p->cwd : "");
  for (size_t i = 0; i < p->env.len; i++)
    if (!env_entry_ok(p->env.v[i]))
      return clawrt_error_set(err, EINVAL, "%s: env[%zu]: \"%.64s\" is not KEY=VALUE", origin, i,
                              p->env.v[i]);
  if (process_attrs_validate(p, spec->linux, origin, err) < 0)
    return -1;
  return lsm_validate(p, NULL, origin, err);
}

/* The flags, checked before they replace parts of the container's process,
 * so that the error names the flag. */
static int
validate_flags(const exec_opts *o, clawrt_error *err)
{
  if (o->cwd && o->cwd[0] != '/')
    return clawrt_error_set(err, EINVAL, "exec: --cwd: must be an absolute path, got \"%s\"",
                            o->cwd);
  for (size_t i = 0; o->env && o->env[i]; i++)
    if (!env_entry_ok(o->env[i]))
      return clawrt_error_set(err, EINVAL, "exec: --env \"%.64s\": expected KEY=VALUE", o->env[i]);
  for (size_t i = 0; o->caps && o->caps[i]; i++)
    if (caps_from_name(o->caps[i]) < 0)
      return clawrt_error_set(err, EINVAL,
                              "exec: --cap: unknown capability \"%.64s\" (names are as in "
                              "capabilities(7), e.g. \"CAP_NET_ADMIN\")", o->caps[i]);
  if (o->process_label && o->process_label[0] && !selinux_is_enabled())
    return clawrt_error_set(err, EINVAL, "exec: --process-label \"%.128s\": SELinux is disabled "
                            "or not supported on this host", o->process_label);
  if (o->apparmor && o->apparmor[0] && !apparmor_is_enabled())
    return clawrt_error_set(err, EINVAL, "exec: --apparmor \"%.128s\": AppArmor is not enabled "
                            "on this host", o->apparmor);
  return 0;
}

/* The process to run: --process FILE, or the container's own process with
 * the command line's changes, as runc builds it. */
static int
exec_process(const oci_spec *spec, const exec_opts *o, oci_process **out, clawrt_error *err)
{
  if (o->process_path)
    {
      cleanup_free char *buf = NULL;
      size_t len;
      if (read_file_at(AT_FDCWD, o->process_path, CLAWRT_CONFIG_MAX, &buf, &len, err) < 0)
        return clawrt_error_wrap(err, "--process");
      const char *slash = strrchr(o->process_path, '/');
      const char *origin = slash ? slash + 1 : o->process_path;
      if (oci_process_parse(buf, len, origin, out, err) < 0)
        return -1;
      if (validate_process_file(*out, spec, origin, err) < 0)
        {
          oci_process_free(*out);
          *out = NULL;
          return -1;
        }
      return 0;
    }
  if (o->args == NULL || o->args[0] == NULL)
    return clawrt_error_set(err, EINVAL, "exec: give a command to run, or --process FILE");
  if (validate_flags(o, err) < 0)
    return -1;
  oci_spec *dup = oci_spec_dup(spec);
  oci_process *p = dup->process;
  dup->process = NULL;
  oci_spec_free(dup);
  strv_set(&p->args, o->args);
  p->terminal = o->tty;
  p->has_terminal = true;
  if (o->cwd)
    {
      free(p->cwd);
      p->cwd = xstrdup(o->cwd);
    }
  for (size_t i = 0; o->env && o->env[i]; i++)
    env_set(&p->env, o->env[i]);
  if (o->user && parse_user(o->user, &p->user, err) < 0)
    {
      oci_process_free(p);
      return -1;
    }
  if (o->additional_gids_len)
    {
      free(p->user.additional_gids);
      p->user.additional_gids = xmalloc0(sizeof(uint32_t) * o->additional_gids_len);
      memcpy(p->user.additional_gids, o->additional_gids,
             sizeof(uint32_t) * o->additional_gids_len);
      p->user.additional_gids_len = o->additional_gids_len;
    }
  if (o->caps && o->caps[0])
    {
      if (p->capabilities == NULL)
        p->capabilities = xmalloc0(sizeof *p->capabilities);
      for (size_t i = 0; o->caps[i]; i++)
        {
          strv_add(&p->capabilities->bounding, o->caps[i]);
          strv_add(&p->capabilities->effective, o->caps[i]);
          strv_add(&p->capabilities->permitted, o->caps[i]);
        }
    }
  if (o->no_new_privs)
    {
      p->no_new_privileges = true;
      p->has_no_new_privileges = true;
    }
  if (o->process_label)
    {
      free(p->selinux_label);
      p->selinux_label = xstrdup(o->process_label);
    }
  if (o->apparmor)
    {
      free(p->apparmor_profile);
      p->apparmor_profile = xstrdup(o->apparmor);
    }
  *out = p;
  return 0;
}

/* exec --cgroup, before anything runs.  On cgroup v2 every controller is in
 * the one hierarchy, so controllers given different sub-cgroups would all
 * end in the last one written. */
static int
check_sub_cgroups(const cgroup_manager *cg, const exec_opts *o, clawrt_error *err)
{
  if (cg == NULL)
    return clawrt_error_set(err, 0, "exec: --cgroup: the container has no cgroup recorded");
  if (cgroup_manager_layout(cg) != CGROUP_LAYOUT_V2)
    {
      /* on v1 a process has one cgroup per hierarchy: controllers mounted
       * together (cpu,cpuacct) cannot be given different paths */
      for (size_t i = 0; i < o->cgroups_len; i++)
        for (size_t j = i + 1; j < o->cgroups_len; j++)
          {
            const struct exec_cgroup *a = &o->cgroups[i], *b = &o->cgroups[j];
            const char *ha = a->controller ? cgroup_hierarchy_of(cg, a->controller) : NULL;
            const char *hb = b->controller ? cgroup_hierarchy_of(cg, b->controller) : NULL;
            if (ha && hb && strcmp(ha, hb) == 0 && strcmp(a->path, b->path) != 0)
              return clawrt_error_set(err, 0, "exec: --cgroup %s:%s and %s:%s: %s and %s share "
                                      "one hierarchy here (%s), give them one path",
                                      a->controller, a->path, b->controller, b->path,
                                      a->controller, b->controller, ha);
          }
      return 0;
    }
  const struct exec_cgroup *a = &o->cgroups[0];
  for (size_t i = 1; i < o->cgroups_len; i++)
    if (strcmp(o->cgroups[i].path, a->path) != 0)
      return clawrt_error_set(err, 0, "exec: --cgroup %s:%s and %s:%s: on cgroup v2 every "
                              "controller is in one hierarchy, give them one path",
                              a->controller, a->path, o->cgroups[i].controller,
                              o->cgroups[i].path);
  return 0;
}

/* Namespaces of the init that differ from ours: those we join. */
static int
container_ns_flags(pid_t pid, clawrt_error *err)
{
  size_t n;
  const ns_kind *k = ns_kinds(&n);
  int flags = 0;
  for (size_t i = 0; i < n; i++)
    {
      char a[64], b[64];
      struct stat sa, sb;
      snprintf(a, sizeof a, "/proc/%d/ns/%s", (int) pid, k[i].proc_name);
      snprintf(b, sizeof b, "/proc/self/ns/%s", k[i].proc_name);
      if (stat(a, &sa) < 0 || stat(b, &sb) < 0)
        continue;
      if (sa.st_ino != sb.st_ino || sa.st_dev != sb.st_dev)
        flags |= k[i].flag;
    }
  return flags;
}

typedef struct exec_child {
  int sync;
  int pidfd_init;
  int ns_flags;
  proc_setup *ps;
  int console_sock;
  bool tty_to_parent;
  int preserve_fds;
  cgroup_self_enter *cg_self; /* v1 `tasks` files to move into; NULL: the parent moves it */
} exec_child;

__attribute__((noreturn)) static void
exec_child_main(const exec_child *x)
{
  clawrt_error err = { 0 };
  process_reset_signals();
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  prctl(PR_SET_DUMPABLE, 0);
  if (sync_expect(x->sync, SYNC_GO, NULL, NULL, &err) < 0)
    _exit(1);
  /* the container's cgroups before its namespaces (cgroup/self_enter.h) */
  if (x->cg_self && cgroup_self_enter_run(x->cg_self, &err) < 0)
    goto fail;
  int join = x->ns_flags & ~(CLONE_NEWPID | CLONE_NEWTIME);
  if (join && setns(x->pidfd_init, join) < 0)
    {
      clawrt_error_set(&err, errno, "join the container's namespaces");
      goto fail;
    }
  close(x->pidfd_init);
  if (x->ps->process->terminal)
    {
      int master = -1, slave = -1;
      if (terminal_open(&master, &slave, x->ps->process->console_size, &err) < 0)
        goto fail;
      /* the process may ask before the proxy of run/exec copies it */
      if (x->tty_to_parent)
        terminal_copy_stdio_size(master);
      if (x->console_sock >= 0)
        {
          if (terminal_send_fd(x->console_sock, master, "/dev/ptmx", &err) < 0)
            goto fail;
          close(x->console_sock);
        }
      else if (sync_send(x->sync, SYNC_TTY, NULL, 0, master, 0, &err) < 0)
        goto fail;
      close(master);
      if (terminal_setup_child(slave, &err) < 0)
        goto fail;
    }
  {
    clawrt_error e = { 0 };
    x->ps->procfd = procfs_open_root(AT_FDCWD, "/proc", &e);
    clawrt_error_clear(&e);
  }
  if (process_prepare(x->ps, &err) < 0)
    goto fail;
  if (x->ps->procfd >= 0)
    close(x->ps->procfd);
  x->ps->procfd = -1;
  if (process_restrict_fds(x->preserve_fds, &err) < 0)
    goto fail;
  prctl(PR_SET_PDEATHSIG, 0);
  process_exec(x->ps, &err);
fail:
  sync_send_error(x->sync, &err);
  _exit(127);
}

static volatile int exec_fwd_pidfd = -1;

static void
exec_forward(int sig)
{
  int saved = errno;
  if (exec_fwd_pidfd >= 0)
    pidfd_signal(exec_fwd_pidfd, sig);
  errno = saved;
}

int
container_exec(const clawrt_globals *g, const char *id, const exec_opts *o, int *exit_status,
               clawrt_error *err)
{
  *exit_status = 0;
  cleanup_close int rootfd = -1, dirfd = -1;
  container_state *st = NULL;
  oci_spec *spec = NULL;
  oci_process *proc = NULL;
  cgroup_manager *cg = NULL;
  seccomp_program *sc = NULL, *sc_strict = NULL;
  cleanup_close int pidfd_init = -1, pidfd = -1, console = -1, tty_master = -1, own_pidns = -1;
  int sv[2] = { -1, -1 };
  pid_t pid = 0;
  int rc = -1;
  cgroup_self_enter cg_self = CGROUP_SELF_ENTER_INIT;

  if (container_open(g, id, 0, &rootfd, &dirfd, &st, err) < 0)
    return -1;
  clawrt_error cg_err = { 0 };
  bool cg_lost = st->cgroup_json && cgroup_load(NULL, st->cgroup_json, &cg, &cg_err) < 0;
  const char *status = container_status(dirfd, st, cg);
  if (strcmp(status, "stopped") == 0 || strcmp(status, "created") == 0)
    {
      clawrt_error_set(err, 0, "cannot exec in a %s container", status);
      goto out;
    }
  if (strcmp(status, "paused") == 0 && !o->ignore_paused)
    {
      clawrt_error_set(err, 0, "cannot exec in a paused container (use --ignore-paused)");
      goto out;
    }
  if (cg_lost)
    {
      /* without it the process would run in our cgroups, out of the
       * container's limits and device rules */
      *err = cg_err;
      cg_err = (clawrt_error){ 0 };
      clawrt_error_wrap(err, "exec: the container's cgroup");
      goto out;
    }
  {
    cleanup_free char *cfg = NULL;
    size_t len;
    if (read_file_at(dirfd, "config.json", CLAWRT_CONFIG_MAX, &cfg, &len, err) < 0
        || oci_spec_parse(cfg, len, "config.json", &spec, err) < 0)
      goto out;
  }
  if (exec_process(spec, o, &proc, err) < 0)
    goto out;
  bool strict = st->strict || strict_requested(spec, false);
  if (strict)
    strict_apply_process(proc, NULL);
  if (proc->terminal && o->console_socket == NULL && o->detach)
    {
      clawrt_error_set(err, EINVAL, "exec with a terminal and --detach needs --console-socket");
      goto out;
    }
  /* the exec'd process is visible to the container before it execs */
  if (selfexe_protect(false, err) < 0)
    goto out;
  if (spec->linux && spec->linux->seccomp
      && seccomp_compile(spec->linux->seccomp, "config.json", &sc, err) < 0)
    goto out;
  if (strict && seccomp_compile_strict(&sc_strict, err) < 0)
    goto out;
  pidfd_init = (int) syscall(SYS_pidfd_open, st->pid, 0);
  if (pidfd_init < 0 || proc_start_time(st->pid) != st->pid_start_time)
    {
      clawrt_error_set_complete(err, ESRCH, "container not running");
      goto out;
    }
  int nsflags = container_ns_flags(st->pid, err);
  /* the container's pid namespace is for the exec'd process only: what we
   * fork later (LeakSanitizer's tracer in a sanitizer build, which hangs
   * exit when it cannot see us) stays in ours */
  if ((nsflags & CLONE_NEWPID) && (own_pidns = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC)) < 0)
    {
      clawrt_error_set(err, errno, "open /proc/self/ns/pid");
      goto out;
    }
  if (nsflags & CLONE_NEWPID && setns(pidfd_init, CLONE_NEWPID) < 0)
    {
      clawrt_error_set(err, errno, "join the container's pid namespace");
      goto out;
    }
  if (nsflags & CLONE_NEWTIME && setns(pidfd_init, CLONE_NEWTIME) < 0)
    {
      clawrt_error_set(err, errno, "join the container's time namespace");
      goto out;
    }
  if (o->console_socket && terminal_console_connect(o->console_socket, &console, err) < 0)
    goto out;
  if (sync_socketpair(sv, err) < 0)
    goto out;

  proc_setup ps = {
    .process = proc,
    .seccomp = sc,
    .seccomp_extra = sc_strict,
    .listener_sock = -1,
    .setgroups_allowed = true,
    .procfd = -1,
  };
  exec_child x = {
    .sync = sv[1],
    .pidfd_init = pidfd_init,
    .ns_flags = nsflags,
    .ps = &ps,
    .console_sock = console,
    .tty_to_parent = proc->terminal && console < 0,
    .preserve_fds = o->preserve_fds,
  };
  if (o->cgroups_len && check_sub_cgroups(cg, o, err) < 0)
    goto out;
  /* with --cgroup the parent moves it, into the container's cgroup and
   * then the sub-cgroups, in that order */
  if (cg && o->cgroups_len == 0)
    {
      if (cgroup_self_enter_open(cg, &cg_self, err) < 0)
        goto out;
      x.cg_self = &cg_self;
    }
  int v2fd = cg ? cgroup_v2_fd(cg) : -1;
  struct clone_args ca = { .flags = CLONE_PIDFD, .pidfd = (uint64_t) (uintptr_t) &pidfd,
                           .exit_signal = SIGCHLD };
  if (v2fd >= 0)
    {
      ca.flags |= CLONE_INTO_CGROUP;
      ca.cgroup = (uint64_t) v2fd;
    }
  pid = (pid_t) syscall(SYS_clone3, &ca, sizeof ca);
  if (pid < 0 && v2fd >= 0)
    {
      ca.flags &= ~(uint64_t) CLONE_INTO_CGROUP;
      v2fd = -1;
      pid = (pid_t) syscall(SYS_clone3, &ca, sizeof ca);
    }
  /* as for the init (container_create.c): clone(2) where clone3 is refused */
  if (pid < 0 && errno == ENOSYS)
    pid = (pid_t) syscall(SYS_clone, (unsigned long) ca.flags | SIGCHLD, NULL, &pidfd, NULL, 0);
  if (pid < 0)
    {
      clawrt_error_set(err, errno, "clone3 the exec process");
      pid = 0;
      goto out;
    }
  if (pid == 0)
    {
      close(sv[0]);
      exec_child_main(&x);
    }
  fault_point("exec:after-clone");
  if (own_pidns >= 0)
    setns(own_pidns, CLONE_NEWPID);
  close(sv[1]);
  sv[1] = -1;
  cgroup_self_enter_close(&cg_self);
  if (cg && x.cg_self && v2fd < 0 && cgroup_enter_v2(cg, pid, err) < 0)
    goto kill_out;
  if (cg && !x.cg_self)
    {
      /* the container's cgroup in every hierarchy first, even with --cgroup:
       * a sub-cgroup of one controller must not leave the process in our
       * own cgroups of the others, out of the container's limits */
      int r = v2fd >= 0 ? cgroup_enter_rest(cg, pid, err) : cgroup_enter(cg, pid, err);
      for (size_t i = 0; r == 0 && i < o->cgroups_len; i++)
        if (cgroup_enter_sub(cg, pid, o->cgroups[i].controller, o->cgroups[i].path, err) < 0)
          r = clawrt_error_wrap(err, "exec");
      if (r < 0)
        goto kill_out;
    }
  if (sync_send(sv[0], SYNC_GO, NULL, 0, -1, 0, err) < 0)
    goto kill_out;
  fault_point("exec:before-exec");
  /* EOF: the child exec'd (the socket is close-on-exec) */
  for (;;)
    {
      sync_msg *m = xmalloc0(sizeof *m);
      int fd = -1;
      clawrt_error e = { 0 };
      int r = sync_recv(sv[0], m, &fd, NULL, &e);
      if (r < 0)
        {
          bool eof = e.errnum == ECONNRESET;
          clawrt_error_clear(&e);
          free(m);
          if (eof)
            break;
          clawrt_error_set(err, EIO, "exec: lost the child");
          goto kill_out;
        }
      if (m->type == SYNC_ERROR)
        {
          clawrt_error_unpack(err, m->payload, (int) m->len);
          free(m);
          waitpid(pid, NULL, 0);
          pid = 0;
          goto out;
        }
      if (m->type == SYNC_TTY && fd >= 0)
        tty_master = fd;
      else if (fd >= 0)
        close(fd);
      free(m);
    }
  if (o->pid_file && container_write_pid_file(o->pid_file, pid, err) < 0)
    goto kill_out;
  if (o->detach)
    {
      rc = 0;
      goto out;
    }
  {
    exec_fwd_pidfd = pidfd;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = exec_forward;
    sa.sa_flags = SA_RESTART;
    for (int s = 1; s < NSIG; s++)
      if (signal_is_forwarded(s))
        sigaction(s, &sa, NULL);
    if (tty_master >= 0 && terminal_proxy(tty_master, pidfd, err) < 0)
      {
        cleanup_free char *t = clawrt_error_text(err);
        log_warn("terminal: %s", t);
        clawrt_error_clear(err);
      }
    int wst;
    pid_t r;
    do
      r = waitpid(pid, &wst, 0);
    while (r < 0 && errno == EINTR);
    exec_fwd_pidfd = -1;
    if (r < 0)
      {
        clawrt_error_set(err, errno, "wait for the exec process");
        goto out;
      }
    *exit_status = WIFSIGNALED(wst) ? 128 + WTERMSIG(wst) : WEXITSTATUS(wst);
    rc = 0;
    goto out;
  }

kill_out:
  if (pid > 0)
    {
      kill(pid, SIGKILL);
      waitpid(pid, NULL, 0);
    }
out:
  cgroup_self_enter_close(&cg_self);
  if (own_pidns >= 0)
    setns(own_pidns, CLONE_NEWPID);
  clawrt_error_clear(&cg_err);
  if (sv[0] >= 0)
    close(sv[0]);
  if (sv[1] >= 0)
    close(sv[1]);
  seccomp_program_free(sc);
  seccomp_program_free(sc_strict);
  cgroup_manager_free(cg);
  oci_process_free(proc);
  oci_spec_free(spec);
  container_state_free(st);
  return rc;
}
