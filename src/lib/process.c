#define _GNU_SOURCE
#include "process.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <linux/openat2.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "linux/caps.h"
#include "linux/lsm.h"
#include "linux/rlimits.h"
#include "linux/sched.h"
#include "linux/user.h"
#include "util.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static int
openat2_in_root(const char *path, int flags)
{
  struct open_how how = { .flags = (uint64_t) (flags | O_CLOEXEC),
                          .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
  cleanup_close int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0)
    return -1;
  int fd;
  do
    fd = (int) syscall(SYS_openat2, root, path, &how, sizeof how);
  while (fd < 0 && errno == EAGAIN);
  return fd;
}

static bool
is_executable(const char *path)
{
  cleanup_close int fd = openat2_in_root(path, O_PATH);
  if (fd < 0)
    return false;
  struct stat st;
  if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
    return false;
  return (st.st_mode & 0111) != 0;
}

static const char *
env_get(const oci_strv *env, const char *key)
{
  size_t kl = strlen(key);
  const char *v = NULL;
  for (size_t i = 0; i < env->len; i++)
    if (strncmp(env->v[i], key, kl) == 0 && env->v[i][kl] == '=')
      v = env->v[i] + kl + 1;
  return v;
}

/* The executable the way exec.LookPath finds it, which is what runc users
 * (and podman's exit code 127 detection) rely on. */
static int
look_path(const oci_process *p, char **out, clawrt_error *err)
{
  const char *name = p->args.v[0];
  if (strchr(name, '/'))
    {
      if (!is_executable(name))
        return clawrt_error_set(err, errno ? errno : EACCES, "exec: \"%s\"", name);
      *out = xstrdup(name);
      return 0;
    }
  const char *path = env_get(&p->env, "PATH");
  cleanup_free char *dirs = xstrdup(path ? path : DEFAULT_PATH);
  char *save = NULL;
  for (char *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save))
    {
      cleanup_free char *cand = xasprintf("%s/%s", *d ? d : ".", name);
      if (is_executable(cand))
        {
          *out = steal_pointer(&cand);
          return 0;
        }
    }
  return clawrt_error_set_complete(err, ENOENT, "exec: \"%s\": executable file not found in $PATH", name);
}

/* process.env, and HOME from the container's /etc/passwd when the env
 * has none, as runc gives it (programs like git and ssh need one). */
static int
build_env(proc_setup *ps, clawrt_error *err)
{
  const oci_strv *env = &ps->process->env;
  size_t n = env->len;
  ps->envp = xmalloc0(sizeof(char *) * (n + 2));
  for (size_t i = 0; i < n; i++)
    ps->envp[i] = env->v[i];
  if (env_get(env, "HOME") == NULL)
    {
      cleanup_close int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
      char *home = NULL;
      if (root < 0 || user_home_lookup(root, ps->process->user.uid, &home, err) < 0)
        return -1;
      ps->envp[n] = xasprintf("HOME=%s", home);
      free(home);
    }
  return 0;
}

int
process_attrs_validate(const oci_process *p, const oci_linux *l, const char *origin,
                       clawrt_error *err)
{
  if (p->capabilities && caps_validate(p->capabilities, origin, err) < 0)
    return -1;
  if (rlimits_validate(p->rlimits, p->rlimits_len, origin, err) < 0)
    return -1;
  return sched_validate(p, l, origin, err);
}

int
process_prepare(proc_setup *ps, clawrt_error *err)
{
  const oci_process *p = ps->process;
  if (rlimits_apply(p->rlimits, p->rlimits_len, err) < 0)
    return -1;
  if (p->has_oom_score_adj)
    {
      if (ps->procfd < 0)
        return clawrt_error_set(err, ENOENT, "process.oomScoreAdj: needs /proc mounted in the container");
      /* pid 0: our own entry through thread-self, right in any pid ns */
      if (oom_score_adj_apply(ps->procfd, 0, p->oom_score_adj, err) < 0)
        return -1;
    }
  if (p->scheduler && scheduler_apply(p->scheduler, err) < 0)
    return -1;
  if (p->io_priority && iopriority_apply(p->io_priority, err) < 0)
    return -1;
  if (p->exec_cpu_affinity && p->exec_cpu_affinity->initial
      && cpu_affinity_apply(p->exec_cpu_affinity->initial, err) < 0)
    return -1;
  if (p->apparmor_profile && apparmor_set_exec_profile_at(ps->procfd, p->apparmor_profile, err) < 0)
    return -1;
  if (p->selinux_label && selinux_set_exec_label_at(ps->procfd, p->selinux_label, err) < 0)
    return -1;

  /* cwd: resolved inside the root.  A cwd reached through a leaked fd
   * (/proc/self/fd/N, CVE-2024-21626) cannot resolve: magic links are
   * refused and every fd we hold is O_CLOEXEC anyway. */
  cleanup_close int cwd = openat2_in_root(p->cwd, O_PATH | O_DIRECTORY);
  if (cwd < 0 && errno == ENOENT && ps->create_cwd)
    {
      /* runc creates a missing cwd */
      cleanup_close int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
      clawrt_error e = { 0 };
      if (root >= 0 && mkdir_p_at(root, p->cwd + 1, 0755, &e) == 0)
        cwd = openat2_in_root(p->cwd, O_PATH | O_DIRECTORY);
      clawrt_error_clear(&e);
    }
  if (cwd < 0)
    return clawrt_error_set(err, errno, "process.cwd: `%s`", p->cwd);
  if (fchdir(cwd) < 0)
    return clawrt_error_set(err, errno, "process.cwd: chdir `%s`", p->cwd);
  if (build_env(ps, err) < 0)
    return -1;
  return look_path(p, &ps->exec_path, err);
}

/* The policy's filter first: a bundle profile that denies seccomp(2)
 * itself must not keep the policy's from loading. */
static int
install_filters(const proc_setup *ps, int *listener, clawrt_error *err)
{
  if (ps->seccomp_extra && seccomp_install(ps->seccomp_extra, NULL, err) < 0)
    return -1;
  if (ps->seccomp && seccomp_install(ps->seccomp, listener, err) < 0)
    return -1;
  return 0;
}

int
process_exec(proc_setup *ps, clawrt_error *err)
{
  const oci_process *p = ps->process;
  bool nnp = p->no_new_privileges;

  int listener = -1;
  /* Without no_new_privileges, loading a filter needs CAP_SYS_ADMIN: do it
   * while we are still root with every capability, as runc does (the
   * filter must then allow the few calls that follow: setgroups, setres*id,
   * capset, prctl, execve).  With it, load as late as possible. */
  if (!nnp && install_filters(ps, &listener, err) < 0)
    return -1;
  if (user_apply(&p->user, ps->setgroups_allowed, err) < 0)
    return -1;
  if (caps_apply(p->capabilities, err) < 0)
    return -1;
  if (nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    return clawrt_error_set(err, errno, "set no_new_privileges");
  if (nnp && install_filters(ps, &listener, err) < 0)
    return -1;
  if (listener >= 0 && ps->listener_sock >= 0)
    {
      if (seccomp_listener_send(ps->listener_sock, listener, ps->listener_state, err) < 0)
        return -1;
      close(listener);
    }
  execve(ps->exec_path, p->args.v, ps->envp);
  return clawrt_error_set(err, errno, "exec `%s`", ps->exec_path);
}

int
process_restrict_fds(int preserve, clawrt_error *err)
{
  int first = 3 + preserve;
  for (int fd = 3; fd < first; fd++)
    {
      int fl = fcntl(fd, F_GETFD);
      if (fl >= 0 && fcntl(fd, F_SETFD, fl & ~FD_CLOEXEC) < 0)
        return clawrt_error_set(err, errno, "preserve fd %d", fd);
    }
  if (syscall(SYS_close_range, (unsigned) first, ~0u, CLOSE_RANGE_CLOEXEC) < 0)
    return clawrt_error_set(err, errno, "close_range");
  return 0;
}

void
process_reset_signals(void)
{
  sigset_t all;
  sigemptyset(&all);
  sigprocmask(SIG_SETMASK, &all, NULL);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = SIG_DFL;
  for (int s = 1; s < NSIG; s++)
    if (s != SIGKILL && s != SIGSTOP)
      sigaction(s, &sa, NULL);
}
