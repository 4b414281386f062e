/* The foreground terminal of `run`/`exec` without --console-socket: our
 * stdio <-> the container's pty master, until the container is gone. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "linux/terminal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#include "pidfd.h"
#include "signals.h"
#include "util.h"

/* After the container exited, output still queued in the pty is delivered;
 * this much silence means someone outside the container's pid namespace
 * still holds the slave and EIO will not come. */
#define DRAIN_IDLE_MS 250
/* ... and a process outside it that keeps writing does not keep `run`
 * alive forever: what is queued in a pty (a few pages) drains in far less */
#define DRAIN_MAX_NS (1000ull * 1000 * 1000)

typedef struct proxy {
  int master;
  int pidfd;
  int sigfd;
  int size_src;          /* our tty to take the window size from, or -1 */
  bool raw_set;
  struct termios saved;  /* of fd 0, when raw_set */
  int master_flags;      /* restored at the end */
  sigset_t old_mask;
  bool mask_set;
  /* stdin -> master: only read more stdin when this is empty, so a
   * container that does not read cannot make us block */
  char in[4096];
  size_t in_off, in_len;
  bool stdin_open;
  bool stdin_tty;
  bool last_in_newline;
  bool stdout_ok;
  bool master_open;
  bool exited;
  uint64_t exited_at;
} proxy;

static void drain_signals(proxy *p);

static void
proxy_restore(proxy *p)
{
  if (p->raw_set)
    {
      /* TCSANOW: draining could block on a stuck terminal */
      while (tcsetattr(STDIN_FILENO, TCSANOW, &p->saved) < 0 && errno == EINTR)
        ;
      p->raw_set = false;
    }
  if (p->master_flags >= 0)
    {
      fcntl(p->master, F_SETFL, p->master_flags);
      p->master_flags = -1;
    }
  if (p->sigfd >= 0)
    {
      /* a signal that came in the last instant is for the container too;
       * delivered to us after the unblock it could kill the runtime in the
       * middle of its cleanup */
      drain_signals(p);
      close(p->sigfd);
      p->sigfd = -1;
    }
  if (p->mask_set)
    {
      sigprocmask(SIG_SETMASK, &p->old_mask, NULL);
      p->mask_set = false;
    }
}

static void
copy_size(proxy *p)
{
  struct winsize ws;
  if (p->size_src >= 0 && ioctl(p->size_src, TIOCGWINSZ, &ws) == 0)
    ioctl(p->master, TIOCSWINSZ, &ws);
}

static void
forward_signal(proxy *p, int sig)
{
  if (sig == SIGWINCH)
    {
      copy_size(p);
      return;
    }
  if (sig == SIGPIPE || p->exited)
    return;
  /* ESRCH: it is exiting; nothing else is actionable here */
  pidfd_signal(p->pidfd, sig);
}

static void
drain_signals(proxy *p)
{
  struct signalfd_siginfo si;
  for (;;)
    {
      ssize_t r = read(p->sigfd, &si, sizeof si);
      if (r != (ssize_t) sizeof si)
        return; /* EAGAIN */
      forward_signal(p, (int) si.ssi_signo);
    }
}

/* Our stdin hit EOF but it is not a terminal (a pipe, a file): tell the
 * container the way a terminal would, with the VEOF character. */
static void
queue_eof(proxy *p)
{
  struct termios t;
  if (p->stdin_tty || tcgetattr(p->master, &t) < 0 || !(t.c_lflag & ICANON))
    return;
  p->in_off = 0;
  p->in_len = 0;
  /* VEOF after a partial line only ends the line; a second one is EOF */
  if (!p->last_in_newline)
    p->in[p->in_len++] = (char) t.c_cc[VEOF];
  p->in[p->in_len++] = (char) t.c_cc[VEOF];
}

static void
pump_stdin(proxy *p)
{
  ssize_t r;
  do
    r = read(STDIN_FILENO, p->in, sizeof p->in);
  while (r < 0 && errno == EINTR);
  if (r < 0 && errno == EAGAIN)
    return;
  if (r <= 0)
    {
      p->stdin_open = false;
      if (r == 0)
        queue_eof(p);
      return;
    }
  p->in_off = 0;
  p->in_len = (size_t) r;
  p->last_in_newline = p->in[r - 1] == '\n' || p->in[r - 1] == '\r';
}

static void
pump_to_master(proxy *p)
{
  ssize_t w = write(p->master, p->in + p->in_off, p->in_len - p->in_off);
  if (w < 0 && (errno == EAGAIN || errno == EINTR))
    return;
  if (w < 0)
    {
      /* EIO: nobody holds the slave any more; the input has no reader */
      p->in_off = p->in_len = 0;
      return;
    }
  p->in_off += (size_t) w;
  if (p->in_off == p->in_len)
    p->in_off = p->in_len = 0;
}

/* Returns 1 when data moved, 0 when none was there, -1 at the end (EIO:
 * every slave fd closed). */
static int
pump_master(proxy *p)
{
  char buf[16384];
  ssize_t r;
  do
    r = read(p->master, buf, sizeof buf);
  while (r < 0 && errno == EINTR);
  if (r < 0 && errno == EAGAIN)
    return 0;
  if (r <= 0)
    {
      p->master_open = false;
      return -1;
    }
  /* if our stdout is gone keep reading, so the container never blocks on
   * a full pty */
  if (p->stdout_ok && write_all(STDOUT_FILENO, buf, (size_t) r) < 0)
    p->stdout_ok = false;
  return 1;
}

static int
proxy_setup(proxy *p, clawrt_error *err)
{
  /* the same set a foreground run relays without a terminal, so nothing
   * changes for a supervisor's signals whether a pty is involved or not;
   * blocked, none of them can kill us with the tty left raw */
  sigset_t set;
  sigemptyset(&set);
  for (int sig = 1; sig <= SIGRTMAX; sig++)
    if (signal_is_forwarded(sig))
      sigaddset(&set, sig);
  sigaddset(&set, SIGWINCH);
  sigaddset(&set, SIGPIPE);
  if (sigprocmask(SIG_BLOCK, &set, &p->old_mask) < 0)
    return clawrt_error_set(err, errno, "block signals for the terminal proxy");
  p->mask_set = true;
  p->sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  if (p->sigfd < 0)
    return clawrt_error_set(err, errno, "signalfd");

  p->master_flags = fcntl(p->master, F_GETFL);
  if (p->master_flags < 0)
    return clawrt_error_set(err, errno, "terminal proxy: bad pty master fd %d", p->master);
  if (fcntl(p->master, F_SETFL, p->master_flags | O_NONBLOCK) < 0)
    return clawrt_error_set(err, errno, "make the pty master non-blocking");

  p->stdin_tty = isatty(STDIN_FILENO);
  p->size_src = p->stdin_tty ? STDIN_FILENO : isatty(STDOUT_FILENO) ? STDOUT_FILENO : -1;
  if (p->stdin_tty)
    {
      if (tcgetattr(STDIN_FILENO, &p->saved) < 0)
        return clawrt_error_set(err, errno, "read the terminal settings of stdin");
      struct termios raw = p->saved;
      cfmakeraw(&raw);
      if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) < 0)
        return clawrt_error_set(err, errno, "put stdin in raw mode");
      p->raw_set = true;
    }
  copy_size(p);
  return 0;
}

int
terminal_proxy(int master, int pidfd, clawrt_error *err)
{
  proxy p = { .master = master, .pidfd = pidfd, .sigfd = -1, .size_src = -1,
              .master_flags = -1, .stdin_open = true, .last_in_newline = true,
              .stdout_ok = true, .master_open = true };
  if (pidfd < 0 || master < 0)
    return clawrt_error_set(err, EBADF, "terminal proxy: no %s fd",
                            pidfd < 0 ? "pidfd" : "pty master");
  if (proxy_setup(&p, err) < 0)
    {
      proxy_restore(&p);
      return -1;
    }
  /* stdin may be closed altogether (a daemon's caller): nothing to read */
  if (fcntl(STDIN_FILENO, F_GETFD) < 0)
    p.stdin_open = false;

  int ret = 0;
  while (!(p.exited && !p.master_open))
    {
      struct pollfd fds[4];
      int n = 0, i_sig = -1, i_pid = -1, i_master = -1, i_in = -1;
      fds[i_sig = n++] = (struct pollfd){ .fd = p.sigfd, .events = POLLIN };
      if (!p.exited)
        fds[i_pid = n++] = (struct pollfd){ .fd = p.pidfd, .events = POLLIN };
      if (p.master_open)
        fds[i_master = n++] = (struct pollfd){
          .fd = p.master, .events = POLLIN | (p.in_len ? POLLOUT : 0)
        };
      if (p.stdin_open && p.in_len == 0)
        fds[i_in = n++] = (struct pollfd){ .fd = STDIN_FILENO, .events = POLLIN };

      int r = poll(fds, (nfds_t) n, p.exited ? DRAIN_IDLE_MS : -1);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        {
          ret = clawrt_error_set(err, errno, "terminal proxy: poll");
          break;
        }
      if (r == 0)
        break; /* exited and quiet: the slave is held outside the container */
      if (p.exited && now_ns() - p.exited_at > DRAIN_MAX_NS)
        break;

      if (fds[i_sig].revents)
        drain_signals(&p);
      if (i_master >= 0 && fds[i_master].revents)
        {
          if (fds[i_master].revents & POLLOUT)
            pump_to_master(&p);
          if (fds[i_master].revents & (POLLIN | POLLHUP | POLLERR))
            while (pump_master(&p) > 0)
              ;
          if (!p.master_open)
            p.in_off = p.in_len = 0;
        }
      if (i_in >= 0 && fds[i_in].revents)
        {
          if (fds[i_in].revents & POLLNVAL)
            p.stdin_open = false;
          else
            pump_stdin(&p);
        }
      if (i_pid >= 0 && (fds[i_pid].revents & POLLIN))
        {
          p.exited = true;
          p.exited_at = now_ns();
        }
    }
  proxy_restore(&p);
  return ret;
}
