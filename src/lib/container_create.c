/* create: the parent side, from a bundle to a container waiting in
 * "created".  Every failure after the state dir is reserved unwinds what was
 * made: init process, cgroup, state dir. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <pwd.h>
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
#include "container_strict.h"
#include "faults.h"
#include "init.h"
#include "linux/hooks.h"
#include "linux/rootfs.h"
#include "linux/terminal.h"
#include "log.h"
#include "pidfd.h"
#include "policy/spec_edit.h"
#include "policy/strict.h"
#include "selfexe.h"
#include "sync.h"
#include "util.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

void
created_free(created *c)
{
  if (c == NULL)
    return;
  plan_free(c->plan);
  container_state_free(c->st);
  cgroup_manager_free(c->cg);
  if (c->rootfd >= 0)
    close(c->rootfd);
  if (c->dirfd >= 0)
    close(c->dirfd);
  if (c->pidfd >= 0)
    close(c->pidfd);
  if (c->tty_master >= 0)
    close(c->tty_master);
  free(c);
}

static void
self_enter_release(cgroup_self_enter *s)
{
  cgroup_self_enter_close(s);
}
#define cleanup_self_enter __attribute__((cleanup(self_enter_release)))

static char *
owner_name(void)
{
  struct passwd *pw = getpwuid(geteuid());
  return xstrdup(pw ? pw->pw_name : "");
}

/* LISTEN_FDS of our environment when it is meant for us (LISTEN_PID is
 * our pid or absent), else 0. */
static int
listen_fds(void)
{
  const char *n = getenv("LISTEN_FDS"), *pid = getenv("LISTEN_PID");
  uint64_t v, lp;
  if (n == NULL || parse_u64(n, &v) < 0 || v == 0 || v > 1024)
    return 0;
  if (pid && (parse_u64(pid, &lp) < 0 || (pid_t) lp != getpid()))
    return 0;
  return (int) v;
}

static pid_t
clone3_init(int flags, int cgroup_fd, int *pidfd)
{
  struct clone_args ca = {
    .flags = (uint64_t) flags | CLONE_PIDFD,
    .pidfd = (uint64_t) (uintptr_t) pidfd,
    .exit_signal = SIGCHLD,
  };
  if (cgroup_fd >= 0)
    {
      ca.flags |= CLONE_INTO_CGROUP;
      ca.cgroup = (uint64_t) cgroup_fd;
    }
  pid_t pid = (pid_t) syscall(SYS_clone3, &ca, sizeof ca);
  /* clone3 refused outright (ENOSYS from a seccomp profile such as a
   * container engine's default, or valgrind): clone(2) does the same but
   * CLONE_INTO_CGROUP, for which the caller then retries without it */
  if (pid < 0 && errno == ENOSYS && cgroup_fd < 0)
    pid = (pid_t) syscall(SYS_clone, (unsigned long) ca.flags | SIGCHLD, NULL, pidfd, NULL, 0);
  return pid;
}

int
container_write_pid_file(const char *path, pid_t pid, clawrt_error *err)
{
  cleanup_free char *dup = xstrdup(path);
  char *slash = strrchr(dup, '/');
  const char *dir = ".", *name = dup;
  if (slash)
    {
      *slash = '\0';
      dir = *dup ? dup : "/";
      name = slash + 1;
    }
  cleanup_close int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    return clawrt_error_set(err, errno, "pid file `%s`", path);
  char buf[32];
  int n = snprintf(buf, sizeof buf, "%d", (int) pid);
  if (atomic_write_at(dfd, name, buf, (size_t) n, 0644, err) < 0)
    return clawrt_error_wrap(err, "pid file `%s`", path);
  return 0;
}

/* The host id that container id `cid` maps to, or -1. */
static long
host_id_of(const oci_id_mapping *m, size_t n, uint32_t cid)
{
  for (size_t i = 0; i < n; i++)
    if (cid >= m[i].container_id && cid - m[i].container_id < m[i].size)
      return (long) m[i].host_id + (cid - m[i].container_id);
  return -1;
}

/* In a new user namespace the init is the mapped root, not host root:
 * give it exec.fifo (and a way into the state dir, which lists nothing
 * to it) so it can wait there for start. */
static int
fifo_for_userns(created *c, clawrt_error *err)
{
  const launch_plan *p = c->plan;
  const oci_linux *l = p->b->spec->linux;
  if (!p->ns.userns || l == NULL)
    return 0;
  uint32_t uid = p->b->spec->process->user.uid;
  long hu = host_id_of(l->uid_mappings, l->uid_mappings_len, 0);
  long hg = host_id_of(l->gid_mappings, l->gid_mappings_len, 0);
  if (hu < 0)
    hu = host_id_of(l->uid_mappings, l->uid_mappings_len, uid);
  if (hg < 0)
    hg = host_id_of(l->gid_mappings, l->gid_mappings_len, p->b->spec->process->user.gid);
  if (hu < 0 || hg < 0)
    return 0;
  if (fchownat(c->dirfd, "exec.fifo", (uid_t) hu, (gid_t) hg, AT_SYMLINK_NOFOLLOW) < 0)
    return clawrt_error_set(err, errno, "chown exec.fifo to the container's root");
  if (fchmod(c->dirfd, 0711) < 0)
    return clawrt_error_set(err, errno, "chmod the state directory");
  return 0;
}

/* Runs prestart + createRuntime hooks for the child and hands it the state
 * JSON the hooks in the container get. */
static int
serve_hooks(created *c, int sock, clawrt_error *err)
{
  const oci_spec *spec = c->plan->b->spec;
  c->st->pid = c->pid;
  /* the container is not started yet: what runtime-tools and runc give
   * these hooks is "created" */
  cleanup_free char *state = container_state_for_hooks(c->st, "created");
  if (spec->hooks)
    {
      if (hooks_run(&spec->hooks->prestart, "prestart", state, err) < 0
          || hooks_run(&spec->hooks->create_runtime, "createRuntime", state, err) < 0)
        {
          sync_send_error(sock, err);
          return -1;
        }
    }
  return sync_send(sock, SYNC_HOOKS_DONE, state, strlen(state), -1, 0, err);
}

/* Drive the child through the protocol until it is ready. */
static int
parent_sync(created *c, int sock, bool foreground_tty, clawrt_error *err)
{
  const launch_plan *p = c->plan;
  const oci_linux *l = p->b->spec->linux;
  if (!p->staged && (p->clone_flags & CLONE_NEWUSER)
      && ns_write_idmaps(c->pid, l, p->deny_setgroups, err) < 0)
    return -1;
  if (sync_send(sock, SYNC_GO, NULL, 0, -1, 0, err) < 0)
    return -1;
  sync_msg *m = xmalloc0(sizeof *m);
  int rc = -1;
  for (;;)
    {
      int fd = -1;
      pid_t cpid = 0;
      if (sync_recv(sock, m, &fd, &cpid, err) < 0)
        break;
      if (m->type == SYNC_ERROR)
        {
          clawrt_error_unpack(err, m->payload, (int) m->len);
          break;
        }
      if (m->type == SYNC_USERNS)
        {
          if (ns_write_idmaps(c->pid, l, p->deny_setgroups, err) < 0)
            {
              sync_send_error(sock, err);
              break;
            }
          if (sync_send(sock, SYNC_USERNS_DONE, NULL, 0, -1, 0, err) < 0)
            break;
        }
      else if (m->type == SYNC_PID)
        {
          if (cpid <= 0)
            {
              clawrt_error_set(err, EPROTO, "container init sent no credentials");
              break;
            }
          if (cpid != c->pid)
            {
              /* the init forked into its pid namespace: follow the new one
               * and reap the intermediate, which exits right away */
              close(c->pidfd);
              waitpid(c->pid, NULL, 0);
              c->pid = cpid;
              c->pidfd = (int) syscall(SYS_pidfd_open, cpid, 0);
              if (c->pidfd < 0)
                {
                  clawrt_error_set(err, errno, "pidfd_open of the container init");
                  break;
                }
            }
        }
      else if (m->type == SYNC_HOOKS)
        {
          if (serve_hooks(c, sock, err) < 0)
            break;
        }
      else if (m->type == SYNC_TTY)
        {
          if (fd < 0 || !foreground_tty)
            {
              if (fd >= 0)
                close(fd);
              clawrt_error_set(err, EPROTO, "unexpected terminal from the container init");
              break;
            }
          c->tty_master = fd;
        }
      else if (m->type == SYNC_READY)
        {
          rc = 0;
          break;
        }
      else
        {
          clawrt_error_set(err, EPROTO, "unexpected message %u from the container init",
                           (unsigned) m->type);
          break;
        }
    }
  free(m);
  return rc;
}

/* The init died or failed: say how, when the child did not say it. */
static void
explain_child_exit(created *c, clawrt_error *err)
{
  if (err->errnum != ECONNRESET)
    return;
  int status = 0;
  if (waitpid(c->pid, &status, 0) == c->pid)
    {
      clawrt_error_clear(err);
      if (WIFSIGNALED(status))
        clawrt_error_set(err, 0, "container init was killed by signal %d before it was ready",
                         WTERMSIG(status));
      else
        clawrt_error_set(err, 0, "container init exited with status %d before it was ready",
                         WEXITSTATUS(status));
    }
}

/* Namespaces that apply to our children only are entered by us, right
 * before clone3: joined pid/time namespaces and a new time namespace. */
static int
enter_for_children(const launch_plan *p, clawrt_error *err)
{
  int fd = ns_plan_join_fd(&p->ns, CLONE_NEWPID);
  if (fd >= 0 && setns(fd, CLONE_NEWPID) < 0)
    return clawrt_error_set(err, errno, "join pid namespace");
  fd = ns_plan_join_fd(&p->ns, CLONE_NEWTIME);
  if (fd >= 0 && setns(fd, CLONE_NEWTIME) < 0)
    return clawrt_error_set(err, errno, "join time namespace");
  if ((p->ns.new_flags & CLONE_NEWTIME)
      && ns_prepare_time(p->b->spec->linux ? p->b->spec->linux->time_offsets : NULL, err) < 0)
    return -1;
  if (p->staged && (p->unshare_flags & CLONE_NEWPID)
      && prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
    return clawrt_error_set(err, errno, "become a subreaper");
  return 0;
}

int
container_cgroup_create(const bundle *b, const clawrt_globals *g, const char *id,
                        cgroup_manager **out, clawrt_error *err)
{
  const oci_linux *l = b->spec->linux;
  oci_resources r = { 0 };
  if (l && l->resources)
    r = *l->resources;
  cgroup_device_rules(r.devices, r.devices_len, l ? l->devices : NULL, l ? l->devices_len : 0,
                      &r.devices, &r.devices_len);
  /* strict item 1: a cgroup of its own, checked before anything is
   * written to a cgroup another container may use */
  bool strict = strict_requested(b->spec, false);
  cgroup_create_opts so = { .systemd = g->systemd_cgroup };
  int rc = 0;
  if (strict)
    rc = strict_cgroup_own(&so, id, l ? l->cgroups_path : NULL, &r, b->origin, err);
  if (rc == 0)
    {
      rc = cgroup_create(NULL, id, l ? l->cgroups_path : NULL, &r, g->systemd_cgroup, out, err);
      if (rc < 0)
        clawrt_error_wrap(err, strict ? "%s: strict mode: item 1 (own leaf cgroup)" : "%s",
                          b->origin);
    }
  free(r.devices);
  return rc;
}

/* A full or read-only state root: name it, so the fix is plain (what was
 * there before is untouched: files are replaced by rename only). */
static void
state_root_error(clawrt_error *err, const char *root)
{
  if (err->errnum == ENOSPC || err->errnum == EDQUOT)
    clawrt_error_wrap(err, "state root `%s` is full (free space there and retry)", root);
  else if (err->errnum == EROFS)
    clawrt_error_wrap(err, "state root `%s` is on a read-only filesystem", root);
}

static void
undo_create(created *c)
{
  clawrt_error e = { 0 };
  bool had_init = c->pid > 0;
  if (c->pid > 0)
    {
      if (c->pidfd >= 0)
        pidfd_signal(c->pidfd, SIGKILL);
      else
        kill(c->pid, SIGKILL);
      waitpid(c->pid, NULL, 0);
    }
  if (c->cg)
    {
      if (cgroup_destroy(c->cg, &e) < 0)
        {
          cleanup_free char *t = clawrt_error_text(&e);
          log_warn("remove cgroup: %s", t);
          clawrt_error_clear(&e);
        }
      c->cg = NULL;
    }
  /* runtime-spec lifecycle: a failed create (a failing createRuntime,
   * createContainer hook...) goes on at delete, poststop hooks included */
  const oci_hooks *h = c->plan ? c->plan->b->spec->hooks : NULL;
  if (had_init && h && h->poststop.len && c->st)
    {
      cleanup_free char *sj = container_state_for_hooks(c->st, "stopped");
      container_hooks_warn(&h->poststop, "poststop", sj);
    }
  if (c->dirfd >= 0 && c->st && state_remove(c->rootfd, c->st->id, &e) < 0)
    {
      cleanup_free char *t = clawrt_error_text(&e);
      log_warn("remove state: %s", t);
      clawrt_error_clear(&e);
    }
}

int
container_do_create(const clawrt_globals *g, const char *id, const create_opts *o,
                    created **out, clawrt_error *err)
{
  if (state_check_id(id, err) < 0)
    return -1;
  bundle *b = NULL;
  if (bundle_load(o->bundle, o->config_path, &b, err) < 0)
    return -1;
  if (strict_requested(b->spec, g->strict))
    {
      /* item 8: fail closed, before anything exists */
      strict_host h;
      strict_host_probe(NULL, &h);
      if (strict_apply(b->spec, b->origin, NULL, err) < 0
          || strict_host_check(&h, b->origin, err) < 0)
        {
          bundle_free(b);
          return -1;
        }
    }
  created *c = xmalloc0(sizeof *c);
  c->rootfd = c->dirfd = c->pidfd = c->tty_master = -1;
  if (plan_build(b, &c->plan, err) < 0)
    {
      created_free(c);
      return -1;
    }
  const launch_plan *p = c->plan;
  const oci_spec *spec = p->b->spec;
  bool tty = spec->process->terminal;
  if (tty && o->console_socket == NULL && o->detach)
    {
      created_free(c);
      return clawrt_error_set(err, EINVAL,
                              "process.terminal is true: a detached container needs --console-socket");
    }
  if (!tty && o->console_socket)
    {
      /* the message names the plan's file: set it before the plan is freed */
      clawrt_error_set(err, EINVAL, "--console-socket given but process.terminal is false in %s",
                       p->b->origin);
      created_free(c);
      return -1;
    }
  int preserve = o->preserve_fds;
  int listen = listen_fds();
  if (listen > 0)
    {
      /* systemd socket activation, as runc: the fds follow 3.. and the
       * program learns of them the way sd_listen_fds() expects */
      preserve += listen;
      char buf[64];
      snprintf(buf, sizeof buf, "LISTEN_FDS=%d", listen);
      strv_add(&p->b->spec->process->env, buf);
      strv_add(&p->b->spec->process->env, "LISTEN_PID=1");
    }
  if (selfexe_protect(p->ns.new_flags & CLONE_NEWPID, err) < 0)
    {
      created_free(c);
      return -1;
    }

  if (state_open_root(g->root, &c->rootfd, err) < 0
      || state_reserve(c->rootfd, id, &c->dirfd, err) < 0)
    {
      state_root_error(err, g->root);
      created_free(c);
      return -1;
    }
  fault_point("create:after-reserve");
  container_state *st = c->st = xmalloc0(sizeof *st);
  st->id = xstrdup(id);
  st->bundle = xstrdup(p->b->dir);
  st->rootfs = xstrdup(p->b->rootfs);
  st->created = rfc3339_now();
  st->owner = owner_name();
  st->strict = strict_requested(spec, false);
  for (size_t i = 0; i < spec->annotations.len; i++)
    oci_map_set(&st->annotations, spec->annotations.keys[i], spec->annotations.values[i]);

  /* declared before the first goto: their cleanups run on every path */
  cleanup_close int console = -1;
  cleanup_close int own_pidns = -1;
  cleanup_free char *cfg = NULL;
  size_t cfglen = 0;
  int sv[2] = { -1, -1 };
  rootfs_fds rfds = ROOTFS_FDS_INIT;
  cleanup_self_enter cgroup_self_enter cg_self = CGROUP_SELF_ENTER_INIT;
  if (mkfifoat(c->dirfd, "exec.fifo", 0600) < 0)
    {
      clawrt_error_set(err, errno, "create exec.fifo");
      goto fail;
    }
  if (fifo_for_userns(c, err) < 0)
    goto fail;
  /* the state exists before the cgroup, so a create killed from here on
   * is visible to `list` and removable by `delete --force`; config.json
   * comes first: it names the cgroup that delete must find when the
   * create was killed before it could record it */
  if (oci_spec_emit(spec, &cfg, &cfglen, err) < 0
      || atomic_write_at(c->dirfd, "config.json", cfg, cfglen, 0600, err) < 0
      || state_write(c->dirfd, st, err) < 0)
    goto state_fail;
  fault_point("create:after-state");
  if (container_cgroup_create(c->plan->b, g, id, &c->cg, err) < 0)
    goto fail;
  fault_point("create:after-cgroup");
  st->cgroup_json = cgroup_serialize(c->cg);
  if (state_write(c->dirfd, st, err) < 0)
    goto state_fail;
  if (o->console_socket && terminal_console_connect(o->console_socket, &console, err) < 0)
    goto fail;
  if (sync_socketpair(sv, err) < 0)
    goto fail;
  if (rootfs_parent_open(spec, p->b->rootfs, p->b->dir, &rfds, err) < 0)
    goto fail;
  /* a joined pid namespace is the init's only: what we fork later (hooks,
   * LeakSanitizer's tracer in a sanitizer build) stays in ours */
  if (ns_plan_join_fd(&p->ns, CLONE_NEWPID) >= 0
      && (own_pidns = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC)) < 0)
    {
      clawrt_error_set(err, errno, "open /proc/self/ns/pid");
      goto fail;
    }
  if (enter_for_children(p, err) < 0)
    goto fail;
  if (cgroup_self_enter_open(c->cg, &cg_self, err) < 0)
    goto fail;

  init_args ia = {
    .plan = p,
    .id = id,
    .sync = sv[1],
    .state_dirfd = c->dirfd,
    .console_sock = console,
    .tty_to_parent = tty && console < 0,
    .no_pivot = o->no_pivot,
    .no_new_keyring = o->no_new_keyring,
    .preserve_fds = preserve,
    .rootfs_fds = &rfds,
    .cgroup_self = &cg_self,
  };
  int v2fd = cgroup_v2_fd(c->cg);
  c->pid = clone3_init(p->clone_flags, v2fd, &c->pidfd);
  bool into_cgroup = v2fd >= 0;
  if (c->pid < 0 && v2fd >= 0
      && (errno == EINVAL || errno == EOPNOTSUPP || errno == EBUSY || errno == ENOSYS))
    {
      c->pid = clone3_init(p->clone_flags, -1, &c->pidfd);
      into_cgroup = false;
    }
  if (c->pid < 0)
    {
      clawrt_error_set(err, errno, "clone3 the container init");
      c->pid = 0;
      goto fail;
    }
  if (c->pid == 0)
    {
      close(sv[0]);
      init_main(&ia);
    }
  fault_point("create:after-clone");
  if (own_pidns >= 0)
    setns(own_pidns, CLONE_NEWPID);
  close(sv[1]);
  sv[1] = -1;
  rootfs_fds_close(&rfds);
  cgroup_self_enter_close(&cg_self);
  c->child_is_ours = true;
  st->pid = c->pid;
  /* the v1 hierarchies: the init moves itself (cgroup/self_enter.h) */
  if (!into_cgroup && cgroup_enter_v2(c->cg, c->pid, err) < 0)
    goto fail;
  if (parent_sync(c, sv[0], tty && console < 0, err) < 0)
    {
      explain_child_exit(c, err);
      goto fail;
    }
  fault_point("create:after-ready");
  close(sv[0]);
  sv[0] = -1;

  st->pid = c->pid;
  st->pid_start_time = proc_start_time(c->pid);
  fault_point("create:before-state-final");
  if (state_write(c->dirfd, st, err) < 0)
    goto state_fail;
  if (o->pid_file && container_write_pid_file(o->pid_file, c->pid, err) < 0)
    goto fail;
  *out = c;
  return 0;

state_fail:
  state_root_error(err, g->root);
fail:
  if (own_pidns >= 0)
    setns(own_pidns, CLONE_NEWPID);
  rootfs_fds_close(&rfds);
  if (sv[0] >= 0)
    close(sv[0]);
  if (sv[1] >= 0)
    close(sv[1]);
  undo_create(c);
  created_free(c);
  return -1;
}

int
container_create(const clawrt_globals *g, const char *id, const create_opts *o,
                 clawrt_error *err)
{
  created *c = NULL;
  /* nobody stays to proxy a terminal: create is always detached */
  create_opts co = *o;
  co.detach = true;
  if (container_do_create(g, id, &co, &c, err) < 0)
    return -1;
  created_free(c);
  return 0;
}
