/* run: create, start, and unless detached wait for the container while
 * forwarding signals and the terminal, then delete it. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sys/file.h>

#include "container_priv.h"
#include "linux/terminal.h"
#include "log.h"
#include "pidfd.h"
#include "signals.h"
#include "util.h"

static volatile int forward_pidfd = -1;

static void
forward_signal(int sig)
{
  int saved = errno;
  if (forward_pidfd >= 0)
    pidfd_signal(forward_pidfd, sig);
  errno = saved;
}

/* Every signal a user or an engine may send to `run` goes to the init,
 * as runc does (the set is signal_is_forwarded's, shared with the
 * terminal proxy, which forwards them itself while it runs). */
static void
install_forwarding(int pidfd)
{
  forward_pidfd = pidfd;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = forward_signal;
  sa.sa_flags = SA_RESTART;
  sigemptyset(&sa.sa_mask);
  for (int s = 1; s < NSIG; s++)
    if (signal_is_forwarded(s))
      sigaction(s, &sa, NULL);
}

static void
remove_forwarding(void)
{
  forward_pidfd = -1;
}

/* The init's own CPU time from /proc/PID/stat (utime + stime, fields 14
 * and 15), read while it is a zombie: what RLIMIT_CPU measured. */
static bool
init_cpu_time(pid_t pid, uint64_t *ns)
{
  char path[64], buf[1024];
  snprintf(path, sizeof path, "/proc/%d/stat", (int) pid);
  cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return false;
  ssize_t n = read_all(fd, buf, sizeof buf - 1);
  if (n <= 0)
    return false;
  buf[n] = '\0';
  /* the name in parentheses may hold anything: count from the last ')' */
  char *p = strrchr(buf, ')');
  unsigned long long ut, st;
  long hz = sysconf(_SC_CLK_TCK);
  if (p == NULL || hz <= 0
      || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
    return false;
  *ns = (uint64_t) (ut + st) * (1000000000ull / (uint64_t) hz);
  return true;
}

/* After the init exited, before anything is removed: which limit (if any)
 * ended it, and with want_stats the resource use, for the caller to print. */
static void
explain_exit(created *c, int status, bool has_cpu, uint64_t cpu_ns, bool want_stats,
             container_exit *ex)
{
  cgroup_stats s;
  bool has_stats = false;
  if (c->cg)
    {
      clawrt_error e = { 0 };
      has_stats = cgroup_get_stats(c->cg, &s, &e) == 0;
      clawrt_error_clear(&e);
    }
  cgroup_exit_facts f = { .wait_status = status, .has_init_cpu = has_cpu, .init_cpu_ns = cpu_ns };
  const oci_process *p = c->plan->b->spec->process;
  for (size_t i = 0; p && i < p->rlimits_len; i++)
    if (strcmp(p->rlimits[i].type, "RLIMIT_CPU") == 0)
      {
        f.has_rlimit_cpu = true;
        f.rlimit_cpu_soft = p->rlimits[i].soft;
        f.rlimit_cpu_hard = p->rlimits[i].hard;
      }
  cleanup_free char *why = cgroup_explain_exit(has_stats ? &s : NULL, &f);
  if (why)
    ex->died = xasprintf("container %s %s", c->st->id, why);
  if (want_stats)
    {
      cleanup_free char *sum = has_stats ? cgroup_stats_summary(&s)
                                         : xstrdup("no resource statistics (no cgroup)");
      ex->stats = xasprintf("container %s: %s", c->st->id, sum);
    }
  if (has_stats)
    cgroup_stats_free(&s);
}

static int
wait_init(created *c, container_exit *ex, bool want_stats, clawrt_error *err)
{
  if (c->tty_master >= 0 && terminal_proxy(c->tty_master, c->pidfd, err) < 0)
    {
      cleanup_free char *t = clawrt_error_text(err);
      log_warn("terminal: %s", t);
      clawrt_error_clear(err);
    }
  /* wait, but leave the zombie: its CPU time is still in /proc */
  siginfo_t si;
  int r;
  do
    r = waitid(P_PID, (id_t) c->pid, &si, WEXITED | WNOWAIT);
  while (r < 0 && errno == EINTR);
  uint64_t cpu_ns = 0;
  bool has_cpu = r == 0 && init_cpu_time(c->pid, &cpu_ns);
  int status;
  pid_t w;
  do
    w = waitpid(c->pid, &status, 0);
  while (w < 0 && errno == EINTR);
  if (w < 0)
    return clawrt_error_set(err, errno, "wait for container %s", c->st->id);
  if (WIFSIGNALED(status))
    ex->exit_status = 128 + WTERMSIG(status);
  else
    ex->exit_status = WEXITSTATUS(status);
  explain_exit(c, status, has_cpu, cpu_ns, want_stats, ex);
  return 0;
}

int
container_run(const clawrt_globals *g, const char *id, const create_opts *o, int *exit_status,
              clawrt_error *err)
{
  container_exit ex;
  int rc = container_run_ex(g, id, o, &ex, err);
  *exit_status = ex.exit_status;
  container_exit_free(&ex);
  return rc;
}

int
container_run_ex(const clawrt_globals *g, const char *id, const create_opts *o,
                 container_exit *ex, clawrt_error *err)
{
  created *c = NULL;
  memset(ex, 0, sizeof *ex);
  if (container_do_create(g, id, o, &c, err) < 0)
    return -1;
  if (container_release(c->dirfd, c->st, err) < 0)
    goto fail;
  container_poststart(c->dirfd, c->st);
  if (o->detach)
    {
      created_free(c);
      return 0;
    }
  /* others (delete, state) must be able to act on the running container */
  close(c->dirfd);
  c->dirfd = -1;
  install_forwarding(c->pidfd);
  int rc = wait_init(c, ex, o->stats, err);
  remove_forwarding();
  if (rc < 0)
    goto fail;
  if (!o->keep)
    {
      int dirfd = -1;
      if (state_open(c->rootfd, id, LOCK_EX, &dirfd, err) < 0)
        {
          /* someone deleted it already: nothing left to do */
          if (err->errnum == ENOENT)
            {
              clawrt_error_clear(err);
              created_free(c);
              return 0;
            }
          goto fail;
        }
      /* what `update` recorded since create is in the state on disk */
      container_state *now = NULL;
      clawrt_error e = { 0 };
      if (state_read(dirfd, &now, &e) == 0)
        {
          container_state_free(c->st);
          c->st = now;
        }
      clawrt_error_clear(&e);
      rc = container_destroy(c->rootfd, dirfd, c->st, err);
      close(dirfd);
      if (rc < 0)
        goto fail;
    }
  created_free(c);
  return 0;
fail:
  {
    int dirfd = c->dirfd >= 0 ? c->dirfd : -1;
    clawrt_error e = { 0 };
    if (dirfd < 0)
      state_open(c->rootfd, id, LOCK_EX, &dirfd, &e);
    if (dirfd >= 0)
      container_destroy(c->rootfd, dirfd, c->st, &e);
    if (dirfd >= 0 && dirfd != c->dirfd)
      close(dirfd);
    clawrt_error_clear(&e);
  }
  created_free(c);
  return -1;
}
