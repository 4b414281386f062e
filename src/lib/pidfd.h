/* Signals to a process held by a pidfd. */
#ifndef CLAWRT_PIDFD_H
#define CLAWRT_PIDFD_H

/* pidfd_send_signal(2).  Where the syscall is missing (ENOSYS: under
 * valgrind, or inside an engine whose seccomp profile predates it) this
 * falls back to kill(2) on the pid the pidfd's fdinfo names, and only while
 * the pidfd says the process has not exited, so a recycled pid is never
 * signalled; the window between that check and kill() is the one runc
 * always has.  Async-signal-safe: signal forwarders call it.  0, or -1 with
 * errno (ESRCH once the process is gone). */
int pidfd_signal(int pidfd, int sig);

#endif
