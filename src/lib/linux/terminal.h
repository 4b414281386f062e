/* Pseudo-terminals for process.terminal: allocation, the console socket
 * (runc's --console-socket protocol), the child's controlling terminal, and
 * the foreground proxy of `run`/`exec` without a console socket.
 *
 * Typical flows:
 *  --console-socket: the parent calls terminal_console_connect() on the host
 *    path before cloning (the path is a host path; the child, after
 *    pivot_root, could not resolve it), the child inherits the socket, calls
 *    terminal_open() inside the container (so the pty belongs to the
 *    container's devpts and `tty` says /dev/pts/0), terminal_send_fd() of
 *    the master, closes master and socket, terminal_setup_child(slave).
 *  foreground: the child sends the master to the parent over the sync socket
 *    (terminal_send_fd / terminal_recv_fd), the parent runs
 *    terminal_proxy(master, pidfd).
 */
#ifndef CLAWRT_LINUX_TERMINAL_H
#define CLAWRT_LINUX_TERMINAL_H

#include "error.h"
#include "ocispec.h"

/* Open a new pty from /dev/ptmx (O_RDWR|O_NOCTTY|O_CLOEXEC), unlock it and
 * get the slave with TIOCGPTPEER (no path lookup of /dev/pts/N, so nothing
 * in the rootfs can swap it).  Both ends are checked to be real pty devices
 * (master c 5:2, slave on devpts) whatever /dev/ptmx resolved to.  `size`
 * (process.consoleSize) may be NULL. */
int terminal_open(int *master, int *slave, const oci_box *size, clawrt_error *err);

/* Copy the window size of our own terminal (stdin when it is a tty, else
 * stdout) onto the pty `master`; nothing when neither is a tty.  Best
 * effort, like SIGWINCH.  For the foreground pty, in the child before its
 * process runs: terminal_proxy() copies it again, but only after `start`,
 * and a process that asks first would see process.consoleSize or 0x0. */
void terminal_copy_stdio_size(int master);

/* "/dev/pts/N" of the pty whose master is `master`.  Caller frees. */
int terminal_slave_name(int master, char **name, clawrt_error *err);

/* TIOCSWINSZ: rows = size->height, columns = size->width. */
int terminal_set_size(int fd, const oci_box *size, clawrt_error *err);

/* Connect (SOCK_STREAM, O_CLOEXEC) to the unix socket at `console_socket`,
 * a path on the host.  A path longer than sun_path is reached through its
 * directory (/proc/self/fd/N/NAME).  Names the path in errors. */
int terminal_console_connect(const char *console_socket, int *sock, clawrt_error *err);

/* Send `fd` over the connected unix socket `sock` with SCM_RIGHTS; the data
 * of the message is `name` (runc sends the pty's name; receivers such as
 * containerd and conmon only need the fd).  name NULL or "": "pty". */
int terminal_send_fd(int sock, int fd, const char *name, clawrt_error *err);

/* Receive one fd sent by terminal_send_fd() (or runc): *fd is O_CLOEXEC,
 * *name (may be NULL to ignore) the message data, NUL-terminated.  Extra or
 * truncated fds are closed and reported as an error. */
int terminal_recv_fd(int sock, int *fd, char **name, clawrt_error *err);

/* Connect to console_socket, send the master with its "/dev/pts/N" name,
 * close.  For callers that can resolve the path where they are. */
int terminal_send_master(const char *console_socket, int master, clawrt_error *err);

/* In the container's init/exec process, before execve: new session
 * (setsid; already being a session leader is fine), make `slave` the
 * controlling terminal (TIOCSCTTY), dup2 it onto 0, 1, 2 without O_CLOEXEC,
 * close the original when it is above 2. */
int terminal_setup_child(int slave, clawrt_error *err);

/* Foreground I/O between our stdio and the container's pty:
 *  - stdin in raw mode when it is a tty, restored on every return path;
 *  - stdin -> master, master -> stdout (master made O_NONBLOCK, ours not);
 *  - our window size copied at start and on every SIGWINCH (TIOCSWINSZ);
 *  - every signal_is_forwarded() signal (signals.h) is blocked for the
 *    duration and forwarded to the child (pidfd_send_signal), so no signal
 *    kills us with the tty left raw; the mask is restored at return (a
 *    caller's handlers see nothing of what came in meanwhile);
 *  - EOF on a stdin that is not a tty writes the pty's VEOF character, so
 *    `printf 'cmd\n' | clawrt run` ends like under a terminal.
 * Returns 0 once the child (pidfd) has exited and the master is drained
 * (EIO/HUP, or 250ms of silence when someone else still holds the slave).
 * Does NOT reap the child: waitid(P_PIDFD) is the caller's.  The caller
 * must have closed its own copy of the slave.  Takes ownership of nothing. */
int terminal_proxy(int master, int pidfd, clawrt_error *err);

#endif
