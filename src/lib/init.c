#define _GNU_SOURCE
#include "init.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "linux/devices.h"
#include "linux/hooks.h"
#include "linux/lsm.h"
#include "linux/procfs.h"
#include "linux/rootfs.h"
#include "linux/sched.h"
#include "linux/seccomp.h"
#include "linux/sysctl.h"
#include "linux/terminal.h"
#include "process.h"
#include "sync.h"
#include "util.h"

#define KEYCTL_JOIN_SESSION_KEYRING 1

/* Report and die: the parent turns the message into the command's error. */
__attribute__((noreturn)) static void
init_fail(const init_args *a, clawrt_error *err)
{
  sync_send_error(a->sync, err);
  _exit(1);
}

/* Staged namespaces: join, then a new user ns (the parent writes its maps),
 * then the rest.  A new pid ns takes effect for children only, so we fork
 * and the child carries on as the init while we leave; the parent, a
 * subreaper, inherits it and learns its pid from its credentials. */
static int
init_staged_namespaces(const init_args *a, clawrt_error *err)
{
  const launch_plan *p = a->plan;
  if (ns_join_kinds(&p->ns, CLONE_NEWUSER, err) < 0)
    return -1;
  if (ns_join_kinds(&p->ns, ~(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWTIME), err) < 0)
    return -1;
  int rest = p->unshare_flags & ~CLONE_NEWCGROUP;
  if (rest & CLONE_NEWUSER)
    {
      if (unshare(CLONE_NEWUSER) < 0)
        return clawrt_error_set(err, errno, "create user namespace");
      if (sync_send(a->sync, SYNC_USERNS, NULL, 0, -1, 0, err) < 0
          || sync_expect(a->sync, SYNC_USERNS_DONE, NULL, NULL, err) < 0)
        return -1;
      if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
        return clawrt_error_set(err, errno, "become root in the user namespace");
    }
  if (ns_join_kinds(&p->ns, CLONE_NEWNS, err) < 0)
    return -1;
  if (unshare(rest & ~CLONE_NEWUSER) < 0)
    return clawrt_error_set(err, errno, "create namespaces");
  if (rest & CLONE_NEWPID)
    {
      pid_t pid = fork();
      if (pid < 0)
        return clawrt_error_set(err, errno, "fork into the pid namespace");
      if (pid > 0)
        _exit(0);
    }
  return sync_send(a->sync, SYNC_PID, NULL, 0, -1, 1, err);
}

static int
init_hostname(const oci_spec *spec, clawrt_error *err)
{
  if (spec->hostname && sethostname(spec->hostname, strlen(spec->hostname)) < 0)
    return clawrt_error_set(err, errno, "hostname: sethostname `%s`", spec->hostname);
  if (spec->domainname && setdomainname(spec->domainname, strlen(spec->domainname)) < 0)
    return clawrt_error_set(err, errno, "domainname: setdomainname `%s`", spec->domainname);
  return 0;
}

/* Block until `start` opens exec.fifo for reading, and tell it we are
 * released.  The fifo stays open (close-on-exec) until execve: `start`
 * reads to EOF, so a startContainer hook or execve failure reaches it as
 * text, and success as EOF. */
static int
init_wait_start(int state_dirfd, int *fifo, clawrt_error *err)
{
  int fd;
  do
    fd = openat(state_dirfd, "exec.fifo", O_WRONLY | O_CLOEXEC);
  while (fd < 0 && errno == EINTR);
  if (fd < 0)
    return clawrt_error_set(err, errno, "open exec.fifo");
  if (write_all(fd, "0", 1) < 0)
    {
      int e = errno;
      close(fd);
      return clawrt_error_set(err, e, "write exec.fifo");
    }
  close(state_dirfd);
  *fifo = fd;
  return 0;
}

static int
init_rootfs_prepare(const init_args *a, int *rootfd, clawrt_error *err)
{
  const launch_plan *p = a->plan;
  const oci_spec *spec = p->b->spec;
  rootfs_config rc = {
    .spec = spec,
    .rootfs = p->b->rootfs,
    .bundle = p->b->dir,
    .console_fd = -1,
    .userns = p->ns.userns,
    .fds = a->rootfs_fds,
    /* as runc: without SELinux a mount label is not applied (the kernel
     * would reject context= on most filesystems) */
    .mount_label = spec->linux && spec->linux->mount_label && spec->linux->mount_label[0]
                           && selinux_is_enabled()
                       ? spec->linux->mount_label
                       : NULL,
  };
  return rootfs_prepare(&rc, rootfd, err);
}

/* Without a mount namespace there is no mount to make that would not be
 * the host's: like runc, only chroot into the rootfs (`audit` flags it). */
static int
init_chroot(const launch_plan *p, clawrt_error *err)
{
  cleanup_close int fd = open(p->b->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return clawrt_error_set(err, errno, "open rootfs `%s`", p->b->rootfs);
  if (fchdir(fd) < 0 || chroot(".") < 0 || chdir("/") < 0)
    return clawrt_error_set(err, errno, "chroot into `%s`", p->b->rootfs);
  return 0;
}

void
init_main(const init_args *a)
{
  const launch_plan *p = a->plan;
  const oci_spec *spec = p->b->spec;
  clawrt_error err = { 0 };
  char *state_json = NULL;

  process_reset_signals();
  /* Until the container is ready, it must not outlive a killed parent. */
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  /* Non-dumpable: no process of the container may open our /proc files
   * (exe, fds, mem) while we are still clawrt; execve resets it. */
  prctl(PR_SET_DUMPABLE, 0);

  /* The state dir fd we inherited carries the creator's flock: keep a
   * lock-free one, so that `start` and `delete` can lock it after create. */
  int state_dirfd = openat(a->state_dirfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
  close(a->state_dirfd);
  if (state_dirfd < 0)
    {
      clawrt_error_set(&err, errno, "reopen the state directory");
      init_fail(a, &err);
    }

  if (sync_expect(a->sync, SYNC_GO, NULL, NULL, &err) < 0)
    _exit(1); /* the parent is gone or failed: nothing to report to */
  /* into the container's cgroups before anything else: every namespace,
   * mount and fork from here on is charged and limited there */
  if (a->cgroup_self && cgroup_self_enter_run(a->cgroup_self, &err) < 0)
    init_fail(a, &err);

  if (p->staged)
    {
      if (init_staged_namespaces(a, &err) < 0)
        init_fail(a, &err);
    }
  else
    {
      if (p->clone_flags & CLONE_NEWUSER)
        {
          if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
            {
              clawrt_error_set(&err, errno, "become root in the user namespace");
              init_fail(a, &err);
            }
        }
      if (ns_join_kinds(&p->ns, ~(CLONE_NEWPID | CLONE_NEWTIME), &err) < 0)
        init_fail(a, &err);
    }
  /* now that the cgroups are ours, a cgroup namespace roots at them */
  if ((p->unshare_flags & CLONE_NEWCGROUP) && unshare(CLONE_NEWCGROUP) < 0)
    {
      clawrt_error_set(&err, errno, "create cgroup namespace");
      init_fail(a, &err);
    }
  if (!a->no_new_keyring)
    {
      char name[128];
      snprintf(name, sizeof name, "_ses.%s", a->id);
      if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, name) < 0 && errno != ENOSYS)
        {
          clawrt_error_set(&err, errno, "join a new session keyring (try --no-new-keyring)");
          init_fail(a, &err);
        }
    }

  bool mountns = (p->ns.new_flags & CLONE_NEWNS) || ns_plan_join_fd(&p->ns, CLONE_NEWNS) >= 0;
  int rootfd = -1;
  if (mountns && init_rootfs_prepare(a, &rootfd, &err) < 0)
    init_fail(a, &err);
  rootfs_fds_close(a->rootfs_fds);

  if (p->has_hooks_in_parent || p->needs_state_in_child)
    {
      sync_msg *m = xmalloc0(sizeof *m);
      if (sync_send(a->sync, SYNC_HOOKS, NULL, 0, -1, 0, &err) < 0
          || sync_recv(a->sync, m, NULL, NULL, &err) < 0)
        init_fail(a, &err);
      if (m->type == SYNC_ERROR)
        _exit(1); /* the parent reports its own hook failure */
      state_json = xasprintf("%.*s", (int) m->len, m->payload);
      free(m);
    }
  if (spec->hooks
      && hooks_run(&spec->hooks->create_container, "createContainer", state_json, &err) < 0)
    init_fail(a, &err);

  int listener_sock = -1;
  char *listener_state = NULL;
  const oci_seccomp *sc = spec->linux ? spec->linux->seccomp : NULL;
  if (sc && sc->listener_path)
    {
      listener_sock = seccomp_listener_connect(sc->listener_path, &err);
      if (listener_sock < 0
          || seccomp_process_state_from_json(state_json ? state_json : "{}",
                                             sc->listener_metadata, &listener_state, &err)
                 < 0)
        init_fail(a, &err);
    }

  if (mountns)
    {
      if (rootfs_pivot(rootfd, a->no_pivot, &err) < 0)
        init_fail(a, &err);
      close(rootfd);
    }
  else if (init_chroot(p, &err) < 0)
    init_fail(a, &err);
  if (init_hostname(spec, &err) < 0)
    init_fail(a, &err);
  if (spec->linux && personality_apply(spec->linux->personality, &err) < 0)
    init_fail(a, &err);

  int procfd = -1;
  {
    clawrt_error e = { 0 };
    procfd = procfs_open_root(AT_FDCWD, "/proc", &e);
    if (procfd < 0 && spec->linux && spec->linux->sysctl.len)
      {
        clawrt_error_wrap(&e, "linux.sysctl: needs /proc mounted in the container");
        init_fail(a, &e);
      }
    clawrt_error_clear(&e);
  }
  /* sysctls before readonlyPaths make /proc/sys read-only */
  if (spec->linux && spec->linux->sysctl.len
      && sysctl_apply(procfd, &spec->linux->sysctl, &err) < 0)
    init_fail(a, &err);
  if (mountns && rootfs_finalize(spec, &err) < 0)
    init_fail(a, &err);

  if (spec->process->terminal)
    {
      int master = -1, slave = -1;
      cleanup_close int newroot = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
      if (terminal_open(&master, &slave, spec->process->console_size, &err) < 0
          || devices_console(newroot, slave, &err) < 0)
        init_fail(a, &err);
      /* the process may ask before the proxy of run/exec copies it */
      if (a->tty_to_parent)
        terminal_copy_stdio_size(master);
      if (a->console_sock >= 0)
        {
          if (terminal_send_fd(a->console_sock, master, "/dev/ptmx", &err) < 0)
            init_fail(a, &err);
          close(a->console_sock);
        }
      else if (sync_send(a->sync, SYNC_TTY, NULL, 0, master, 0, &err) < 0)
        init_fail(a, &err);
      close(master);
      if (terminal_setup_child(slave, &err) < 0)
        init_fail(a, &err);
    }

  proc_setup ps = {
    .process = spec->process,
    .seccomp = p->seccomp,
    .seccomp_extra = p->seccomp_extra,
    .listener_sock = listener_sock,
    .listener_state = listener_state,
    .setgroups_allowed = !p->deny_setgroups,
    .create_cwd = true,
    .procfd = procfd,
  };
  if (process_prepare(&ps, &err) < 0)
    init_fail(a, &err);
  if (procfd >= 0)
    close(procfd);
  if (process_restrict_fds(a->preserve_fds, &err) < 0)
    init_fail(a, &err);

  /* Ready: from here the container may outlive `create`. */
  prctl(PR_SET_PDEATHSIG, 0);
  if (sync_send(a->sync, SYNC_READY, NULL, 0, -1, 0, &err) < 0)
    _exit(1);
  close(a->sync);

  int fifo = -1;
  if (init_wait_start(state_dirfd, &fifo, &err) < 0)
    goto late_fail;
  if (spec->hooks
      && hooks_run(&spec->hooks->start_container, "startContainer", state_json, &err) < 0)
    goto late_fail;
  process_exec(&ps, &err);
late_fail:
  {
    /* to `start` if it still listens, and to stderr, all the container's
     * owner may see once the creator is gone */
    cleanup_free char *t = clawrt_error_text(&err);
    if (fifo >= 0 && t)
      write_all(fifo, t, strlen(t));
    dprintf(2, "clawrt: %s\n", t ? t : "container init failed");
    _exit(127);
  }
}
