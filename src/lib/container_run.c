/* run: create, start, and unless detached wait for the container while
 * forwarding signals and the terminal, then delete it. */
#define _GNU_SOURCE
#include <errno.h>
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
#include "signals.h"
#include "util.h"

static volatile int forward_pidfd = -1;

static void
forward_signal(int sig)
{
  int saved = errno;
  if (forward_pidfd >= 0)
    syscall(SYS_pidfd_send_signal, forward_pidfd, sig, NULL, 0);
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

static int
wait_init(created *c, int *exit_status, clawrt_error *err)
{
  if (c->tty_master >= 0 && terminal_proxy(c->tty_master, c->pidfd, err) < 0)
    {
      cleanup_free char *t = clawrt_error_text(err);
      log_warn("terminal: %s", t);
      clawrt_error_clear(err);
    }
  int status;
  pid_t r;
  do
    r = waitpid(c->pid, &status, 0);
  while (r < 0 && errno == EINTR);
  if (r < 0)
    return clawrt_error_set(err, errno, "wait for container %s", c->st->id);
  if (WIFSIGNALED(status))
    *exit_status = 128 + WTERMSIG(status);
  else
    *exit_status = WEXITSTATUS(status);
  return 0;
}

int
container_run(const clawrt_globals *g, const char *id, const create_opts *o, int *exit_status,
              clawrt_error *err)
{
  created *c = NULL;
  *exit_status = 0;
  if (container_do_create(g, id, o, &c, err) < 0)
    return -1;
  if (container_release(c->dirfd, c->st, err) < 0)
    goto fail;
  if (o->detach)
    {
      created_free(c);
      return 0;
    }
  /* others (delete, state) must be able to act on the running container */
  close(c->dirfd);
  c->dirfd = -1;
  install_forwarding(c->pidfd);
  int rc = wait_init(c, exit_status, err);
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
