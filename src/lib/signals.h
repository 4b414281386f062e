/* Signal names for `kill`, and the signal set a foreground `run`/`exec`
 * relays to the container. */
#ifndef CLAWRT_SIGNALS_H
#define CLAWRT_SIGNALS_H

#include <signal.h>
#include <stddef.h>
#include <stdbool.h>

#include "error.h"

/* "KILL", "SIGKILL", "kill", "9", "RTMIN+3", "SIGRTMAX-1" -> signal number.
 * Names are case-insensitive with or without "SIG", as runc takes them;
 * numbers go from 0 (existence check only) to SIGRTMAX. */
int signal_parse(const char *s, int *signo, clawrt_error *err);

/* "SIGTERM", "SIGRTMIN+2"; NULL for a number that is no signal.  The
 * name is written to buf (16 bytes are enough), which is returned. */
const char *signal_name(int signo, char *buf, size_t len);

/* Signals a foreground run relays to the container's init: all but those
 * that cannot be caught (KILL, STOP), those the kernel raises for our own
 * faults (SEGV, BUS, FPE, ILL, TRAP, SYS, ABRT), SIGCHLD (the child's exit,
 * ours to reap), SIGWINCH (ours: it resizes the container's terminal), and
 * SIGPIPE, SIGTTIN, SIGTTOU (the kernel's replies to our own I/O on a
 * closed pipe or from a background process group: nothing the container
 * should hear). */
bool signal_is_forwarded(int signo);

/* Block every signal that signal_is_forwarded() names, and SIGCHLD,
 * SIGWINCH, SIGPIPE, SIGTTIN, SIGTTOU; return a signalfd
 * (O_CLOEXEC|O_NONBLOCK) that reports them.  *old gets the previous mask:
 * the child restores it before execve, the parent when it is done. */
int signals_open_fd(sigset_t *old, int *fd, clawrt_error *err);

#endif
