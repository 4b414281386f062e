/* pidfd_signal: the syscall, and the kill(2) fallback where
 * pidfd_send_signal is missing (emulated with a seccomp filter answering
 * ENOSYS, as valgrind and old engines' profiles do), which must never
 * signal a process that has exited. TAP output. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <seccomp.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pidfd.h"
#include "tap.h"

static pid_t
spawn_sleeper(int *pidfd)
{
  pid_t pid = fork();
  if (pid == 0)
    {
      pause();
      _exit(0);
    }
  *pidfd = (int) syscall(SYS_pidfd_open, pid, 0);
  return pid;
}

/* In a child: pidfd_signal with or without pidfd_send_signal; the child's
 * exit status is 0 on success, else the errno. */
static int
signal_from_child(int pidfd, int sig, bool without_syscall)
{
  pid_t c = fork();
  if (c == 0)
    {
      if (without_syscall)
        {
          scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
          if (!ctx || seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS),
                                       SCMP_SYS(pidfd_send_signal), 0) < 0 ||
              seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 1) < 0 || seccomp_load(ctx) < 0)
            _exit(100);
          if (syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) == 0 || errno != ENOSYS)
            _exit(101);
        }
      _exit(pidfd_signal(pidfd, sig) == 0 ? 0 : errno);
    }
  int st;
  waitpid(c, &st, 0);
  return WIFEXITED(st) ? WEXITSTATUS(st) : 200;
}

static bool
killed_by(pid_t pid, int sig)
{
  int st;
  return waitpid(pid, &st, 0) == pid && WIFSIGNALED(st) && WTERMSIG(st) == sig;
}

int
main(void)
{
  int pidfd;
  pid_t pid = spawn_sleeper(&pidfd);
  CHECK(pidfd >= 0 && signal_from_child(pidfd, SIGTERM, false) == 0 && killed_by(pid, SIGTERM),
        "pidfd_send_signal delivers");
  close(pidfd);

  pid = spawn_sleeper(&pidfd);
  int r = signal_from_child(pidfd, SIGUSR1, true);
  CHECK(r == 0 && killed_by(pid, SIGUSR1), "without pidfd_send_signal: kill(2) on the "
        "pidfd's pid delivers (child said %d)", r);
  close(pidfd);

  /* exited but not reaped: the pid is still taken, the pidfd is readable */
  pid = spawn_sleeper(&pidfd);
  kill(pid, SIGKILL);
  siginfo_t si;
  waitid(P_PID, (id_t) pid, &si, WEXITED | WNOWAIT);
  r = signal_from_child(pidfd, SIGTERM, true);
  CHECK(r == ESRCH, "without pidfd_send_signal: an exited process gets ESRCH, no kill (%d)", r);
  CHECK(killed_by(pid, SIGKILL), "and it still died of its own SIGKILL");
  close(pidfd);

  CHECK(pidfd_signal(-1, 0) < 0 && errno == EBADF, "a bad fd is EBADF");
  return tap_done();
}
