/* OCI hooks: spawn, feed the state on stdin, wait with a deadline.
 *
 * posix_spawn (glibc: clone(CLONE_VM|CLONE_VFORK)) instead of fork: the
 * runtime's address space is not copied, exec failures come back as an
 * errno, and closefrom_np makes "the hook gets only 0, 1, 2" hold even for
 * fds the runtime inherited without O_CLOEXEC (--preserve-fds, a caller's
 * leak).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "linux/hooks.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pidfd.h"
#include "util.h"

extern char **environ;

/* Enough of a hook's output to explain a failure in one line. */
#define HOOK_CAPTURE 512
/* After the hook exits, how much more output we take from a grandchild
 * that still holds the pipe before giving up on it. */
#define HOOK_DRAIN_MAX (64 * 1024)

typedef struct hook_stream {
  int fd;          /* our read end, O_NONBLOCK; -1 at EOF */
  int fwd;         /* where the bytes go; -1 to discard */
  char buf[HOOK_CAPTURE + 1];
  size_t len;
} hook_stream;

static int
pidfd_open_(pid_t pid)
{
  return (int) syscall(SYS_pidfd_open, pid, 0);
}

/* Move fd above 2 (keeping O_CLOEXEC), closing the original. */
static int
fd_above_stdio(int fd)
{
  if (fd > 2)
    return fd;
  int n = fcntl(fd, F_DUPFD_CLOEXEC, 3);
  int e = errno;
  close(fd);
  errno = e;
  return n;
}

/* A pipe whose two ends are above 2, so dup2 onto 0/1/2 in the child can
 * never clobber one end with the other, and both O_CLOEXEC. */
static int
pipe_high(int p[2])
{
  int raw[2];
  if (pipe2(raw, O_CLOEXEC) < 0)
    return -1;
  p[0] = fd_above_stdio(raw[0]);
  p[1] = fd_above_stdio(raw[1]);
  if (p[0] < 0 || p[1] < 0)
    {
      int e = errno;
      if (p[0] >= 0)
        close(p[0]);
      if (p[1] >= 0)
        close(p[1]);
      p[0] = p[1] = -1;
      errno = e;
      return -1;
    }
  return 0;
}

static void
close_pair(int p[2])
{
  for (int i = 0; i < 2; i++)
    if (p[i] >= 0)
      {
        close(p[i]);
        p[i] = -1;
      }
}

static int
set_nonblock(int fd)
{
  int fl = fcntl(fd, F_GETFL);
  if (fl < 0)
    return -1;
  return fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static bool
fd_is_open(int fd)
{
  return fd >= 0 && fcntl(fd, F_GETFD) >= 0;
}

/* Read what is there now; keep the first bytes, forward all.  Returns
 * bytes read, 0 at EOF (fd closed), -1 when nothing is available. */
static ssize_t
stream_pump(hook_stream *s)
{
  char chunk[4096];
  ssize_t r;
  do
    r = read(s->fd, chunk, sizeof chunk);
  while (r < 0 && errno == EINTR);
  if (r < 0 && errno == EAGAIN)
    return -1;
  if (r <= 0)
    {
      /* EOF, or an error we can do nothing about: stop listening */
      close(s->fd);
      s->fd = -1;
      return 0;
    }
  if (s->len < HOOK_CAPTURE)
    {
      size_t n = (size_t) r < HOOK_CAPTURE - s->len ? (size_t) r : HOOK_CAPTURE - s->len;
      memcpy(s->buf + s->len, chunk, n);
      s->len += n;
    }
  if (s->fwd >= 0 && write_all(s->fwd, chunk, (size_t) r) < 0)
    s->fwd = -1; /* our own output is gone (EPIPE...): keep capturing */
  return r;
}

/* One line of text fit for an error message: a hook is configured by the
 * operator but may print anything, and the message can end up in a JSON
 * log or a terminal. */
static const char *
stream_text(hook_stream *s)
{
  size_t n = s->len;
  while (n > 0 && (s->buf[n - 1] == '\n' || s->buf[n - 1] == '\r' || s->buf[n - 1] == ' '))
    n--;
  for (size_t i = 0; i < n; i++)
    {
      unsigned char c = (unsigned char) s->buf[i];
      if (c == '\n' || c == '\t' || c == '\r')
        s->buf[i] = ' ';
      else if (c < 0x20 || c == 0x7f)
        s->buf[i] = '?';
    }
  s->buf[n] = '\0';
  return s->buf;
}

/* Run with SIGPIPE blocked so a hook that closes its stdin early costs an
 * EPIPE, not the runtime; a SIGPIPE raised meanwhile is consumed, one that
 * was pending before is left alone. */
typedef struct sigpipe_guard {
  sigset_t old;
  bool was_pending;
} sigpipe_guard;

static void
sigpipe_block(sigpipe_guard *g)
{
  sigset_t set, pend;
  sigemptyset(&set);
  sigaddset(&set, SIGPIPE);
  sigpending(&pend);
  g->was_pending = sigismember(&pend, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &set, &g->old);
}

static void
sigpipe_restore(sigpipe_guard *g)
{
  sigset_t set, pend;
  sigemptyset(&set);
  sigaddset(&set, SIGPIPE);
  sigpending(&pend);
  if (!g->was_pending && sigismember(&pend, SIGPIPE))
    {
      struct timespec zero = { 0, 0 };
      while (sigtimedwait(&set, NULL, &zero) < 0 && errno == EINTR)
        ;
    }
  pthread_sigmask(SIG_SETMASK, &g->old, NULL);
}

/* waitid() needs the zombie: with SIGCHLD ignored (or SA_NOCLDWAIT) the
 * kernel would reap the hook itself and its exit status would be lost. */
typedef struct sigchld_guard {
  struct sigaction old;
  bool changed;
} sigchld_guard;

static void
sigchld_default(sigchld_guard *g)
{
  g->changed = false;
  if (sigaction(SIGCHLD, NULL, &g->old) < 0)
    return;
  if (g->old.sa_handler == SIG_IGN || (g->old.sa_flags & SA_NOCLDWAIT))
    {
      struct sigaction dfl;
      memset(&dfl, 0, sizeof dfl);
      dfl.sa_handler = SIG_DFL;
      sigemptyset(&dfl.sa_mask);
      g->changed = sigaction(SIGCHLD, &dfl, NULL) == 0;
    }
}

static void
sigchld_restore(sigchld_guard *g)
{
  if (g->changed)
    sigaction(SIGCHLD, &g->old, NULL);
}

typedef struct hook_ctx {
  const char *kind;
  size_t n;        /* 1-based */
  const oci_hook *h;
} hook_ctx;

static int
hook_fail(const hook_ctx *c, clawrt_error *err, int errnum, const char *what,
          hook_stream *out, hook_stream *errs)
{
  const char *label = NULL, *text = "";
  if (errs && errs->len > 0)
    label = "stderr", text = stream_text(errs);
  else if (out && out->len > 0)
    label = "stdout", text = stream_text(out);
  if (label && *text)
    return clawrt_error_set(err, errnum, "%s hook #%zu (%s): %s: %s: %s", c->kind, c->n,
                            c->h->path, what, label, text);
  return clawrt_error_set(err, errnum, "%s hook #%zu (%s): %s", c->kind, c->n, c->h->path,
                          what);
}

static int
spawn_hook(const hook_ctx *c, int in_r, int out_w, int err_w, pid_t *pid, clawrt_error *err)
{
  const oci_hook *h = c->h;
  char *argv_default[2] = { h->path, NULL };
  char **argv = h->args.v && h->args.len > 0 ? h->args.v : argv_default;
  char *envp_empty[1] = { NULL };
  char **envp = h->env.v ? h->env.v : environ;
  if (envp == NULL)
    envp = envp_empty;

  posix_spawn_file_actions_t fa;
  posix_spawnattr_t attr;
  int rc = posix_spawn_file_actions_init(&fa);
  if (rc != 0)
    return clawrt_error_set(err, rc, "%s hook #%zu (%s): spawn setup", c->kind, c->n, h->path);
  rc = posix_spawnattr_init(&attr);
  if (rc != 0)
    {
      posix_spawn_file_actions_destroy(&fa);
      return clawrt_error_set(err, rc, "%s hook #%zu (%s): spawn setup", c->kind, c->n,
                              h->path);
    }

  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  if ((rc = posix_spawn_file_actions_adddup2(&fa, in_r, 0)) == 0
      && (rc = posix_spawn_file_actions_adddup2(&fa, out_w, 1)) == 0
      && (rc = posix_spawn_file_actions_adddup2(&fa, err_w, 2)) == 0
      && (rc = posix_spawn_file_actions_addclosefrom_np(&fa, 3)) == 0
      /* the runtime may be blocking signals (signalfd forwarding in `run`)
       * and may ignore some; the hook starts clean */
      && (rc = posix_spawnattr_setsigmask(&attr, &none)) == 0
      && (rc = posix_spawnattr_setsigdefault(&attr, &all)) == 0
      /* own process group: a timeout kills the hook and what it started */
      && (rc = posix_spawnattr_setpgroup(&attr, 0)) == 0)
    rc = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF
                                             | POSIX_SPAWN_SETPGROUP);
  if (rc == 0)
    rc = posix_spawn(pid, h->path, &fa, &attr, argv, envp);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  if (rc != 0)
    return clawrt_error_set(err, rc, "%s hook #%zu (%s): cannot execute", c->kind, c->n,
                            h->path);
  return 0;
}

static int
hook_validate(const hook_ctx *c, clawrt_error *err)
{
  const oci_hook *h = c->h;
  if (h->path == NULL || h->path[0] == '\0')
    return clawrt_error_set(err, EINVAL, "hooks.%s[%zu].path: missing", c->kind, c->n - 1);
  if (h->path[0] != '/')
    return clawrt_error_set(err, EINVAL,
                            "hooks.%s[%zu].path: \"%s\" is not absolute (the spec requires an "
                            "absolute path)",
                            c->kind, c->n - 1, h->path);
  if (h->has_timeout && h->timeout <= 0)
    return clawrt_error_set(err, EINVAL, "hooks.%s[%zu].timeout: %lld must be greater than 0",
                            c->kind, c->n - 1, (long long) h->timeout);
  return 0;
}

static int
run_one(const hook_ctx *c, const char *state, size_t state_len, int out_fd, int err_fd,
        clawrt_error *err)
{
  if (hook_validate(c, err) < 0)
    return -1;

  int in[2] = { -1, -1 }, out[2] = { -1, -1 }, errp[2] = { -1, -1 };
  if (pipe_high(in) < 0 || pipe_high(out) < 0 || pipe_high(errp) < 0)
    {
      int e = errno;
      close_pair(in);
      close_pair(out);
      close_pair(errp);
      return clawrt_error_set(err, e, "%s hook #%zu (%s): pipe", c->kind, c->n, c->h->path);
    }

  pid_t pid;
  int rc = spawn_hook(c, in[0], out[1], errp[1], &pid, err);
  /* the child's ends: ours must go, or EOF would never come */
  close(in[0]);
  close(out[1]);
  close(errp[1]);
  cleanup_close int in_w = in[1];
  hook_stream so = { .fd = out[0], .fwd = fd_is_open(out_fd) ? out_fd : -1 };
  hook_stream se = { .fd = errp[0], .fwd = fd_is_open(err_fd) ? err_fd : -1 };
  if (rc < 0)
    {
      close(so.fd);
      close(se.fd);
      return -1;
    }

  cleanup_close int pidfd = pidfd_open_(pid);
  if (pidfd < 0)
    {
      /* cannot happen short of fd exhaustion: do not leave it running */
      int e = errno;
      kill(-pid, SIGKILL);
      kill(pid, SIGKILL);
      waitpid(pid, NULL, 0);
      close(so.fd);
      close(se.fd);
      return clawrt_error_set(err, e, "%s hook #%zu (%s): pidfd_open", c->kind, c->n,
                              c->h->path);
    }

  set_nonblock(in_w);
  set_nonblock(so.fd);
  set_nonblock(se.fd);

  size_t sent = 0;
  if (state_len == 0)
    {
      close(in_w);
      in_w = -1;
    }

  /* timeouts beyond ~292 years are no timeout */
  bool has_deadline = c->h->has_timeout && c->h->timeout < INT64_MAX / 1000000000 - 1;
  uint64_t deadline = has_deadline ? now_ns() + (uint64_t) c->h->timeout * 1000000000ull : 0;
  bool exited = false, timed_out = false;

  while (!exited)
    {
      int timeout_ms = -1;
      if (has_deadline)
        {
          uint64_t now = now_ns();
          if (now >= deadline)
            {
              timed_out = true;
              break;
            }
          uint64_t left = (deadline - now + 999999) / 1000000;
          timeout_ms = left > INT32_MAX ? INT32_MAX : (int) left;
        }
      struct pollfd p[4] = {
        { .fd = pidfd, .events = POLLIN },
        { .fd = in_w, .events = POLLOUT },
        { .fd = so.fd, .events = POLLIN },
        { .fd = se.fd, .events = POLLIN },
      };
      int n = poll(p, 4, timeout_ms);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int e = errno;
          kill(-pid, SIGKILL);
          pidfd_signal(pidfd, SIGKILL);
          waitid(P_PIDFD, (id_t) pidfd, &(siginfo_t){ 0 }, WEXITED);
          close(so.fd), close(se.fd);
          return clawrt_error_set(err, e, "%s hook #%zu (%s): poll", c->kind, c->n, c->h->path);
        }
      if (n == 0)
        continue; /* the deadline check above decides */
      if (in_w >= 0 && (p[1].revents & (POLLOUT | POLLERR | POLLHUP)))
        {
          ssize_t w = write(in_w, state + sent, state_len - sent);
          if (w > 0)
            sent += (size_t) w;
          /* EPIPE: the hook closed stdin early, which is its right */
          if ((w < 0 && errno != EAGAIN && errno != EINTR) || sent == state_len)
            {
              close(in_w);
              in_w = -1;
            }
        }
      if (so.fd >= 0 && p[2].revents)
        stream_pump(&so);
      if (se.fd >= 0 && p[3].revents)
        stream_pump(&se);
      if (p[0].revents & POLLIN)
        exited = true;
    }

  if (timed_out)
    {
      kill(-pid, SIGKILL);
      pidfd_signal(pidfd, SIGKILL);
    }
  siginfo_t si;
  memset(&si, 0, sizeof si);
  int wrc;
  do
    wrc = waitid(P_PIDFD, (id_t) pidfd, &si, WEXITED);
  while (wrc < 0 && errno == EINTR);
  int wait_errno = errno;

  /* what the hook wrote just before it died; a grandchild holding the pipe
   * gets HOOK_DRAIN_MAX bytes of benefit of the doubt, no waiting */
  for (hook_stream *s = &so; s; s = s == &so ? &se : NULL)
    {
      size_t drained = 0;
      while (s->fd >= 0 && drained < HOOK_DRAIN_MAX)
        {
          ssize_t r = stream_pump(s);
          if (r <= 0)
            break;
          drained += (size_t) r;
        }
    }

  int ret = 0;
  char what[96];
  if (timed_out)
    {
      snprintf(what, sizeof what, "timed out after %llds", (long long) c->h->timeout);
      ret = hook_fail(c, err, ETIMEDOUT, what, &so, &se);
    }
  else if (wrc < 0)
    ret = clawrt_error_set(err, wait_errno, "%s hook #%zu (%s): waitid", c->kind, c->n,
                           c->h->path);
  else if (si.si_code == CLD_EXITED && si.si_status != 0)
    {
      snprintf(what, sizeof what, "exited with status %d", si.si_status);
      ret = hook_fail(c, err, 0, what, &so, &se);
    }
  else if (si.si_code == CLD_KILLED || si.si_code == CLD_DUMPED)
    {
      snprintf(what, sizeof what, "killed by signal %d (%s)%s", si.si_status,
               strsignal(si.si_status), si.si_code == CLD_DUMPED ? ", core dumped" : "");
      ret = hook_fail(c, err, 0, what, &so, &se);
    }
  if (so.fd >= 0)
    close(so.fd);
  if (se.fd >= 0)
    close(se.fd);
  return ret;
}

int
hooks_run_io(const oci_hook_list *hooks, const char *kind, const char *state_json,
             int out_fd, int err_fd, clawrt_error *err)
{
  if (hooks == NULL || hooks->len == 0)
    return 0;
  if (kind == NULL)
    kind = "hook";
  size_t state_len = state_json ? strlen(state_json) : 0;

  sigpipe_guard pg;
  sigchld_guard cg;
  sigpipe_block(&pg);
  sigchld_default(&cg);
  int ret = 0;
  for (size_t i = 0; i < hooks->len && ret == 0; i++)
    {
      hook_ctx c = { .kind = kind, .n = i + 1, .h = &hooks->v[i] };
      ret = run_one(&c, state_json, state_len, out_fd, err_fd, err);
    }
  sigchld_restore(&cg);
  sigpipe_restore(&pg);
  return ret;
}

int
hooks_run(const oci_hook_list *hooks, const char *kind, const char *state_json,
          clawrt_error *err)
{
  return hooks_run_io(hooks, kind, state_json, STDOUT_FILENO, STDERR_FILENO, err);
}
