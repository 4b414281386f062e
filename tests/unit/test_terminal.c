/* terminal.c / terminal_proxy.c on real ptys.  TAP output. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "linux/terminal.h"
#include "util.h"

static int failures, ntest;

#define CHECK(cond, ...)                                                                     \
  do                                                                                         \
    {                                                                                        \
      ntest++;                                                                               \
      if (cond)                                                                              \
        printf("ok %d - ", ntest);                                                           \
      else                                                                                   \
        {                                                                                    \
          failures++;                                                                        \
          printf("not ok %d - ", ntest);                                                     \
        }                                                                                    \
      printf(__VA_ARGS__);                                                                   \
      printf("\n");                                                                          \
      fflush(stdout);                                                                        \
    }                                                                                        \
  while (0)

static bool
is_cloexec(int fd)
{
  int f = fcntl(fd, F_GETFD);
  return f >= 0 && (f & FD_CLOEXEC);
}

/* Read from fd into buf (kept NUL-terminated) until `want` shows up, EOF,
 * or ms milliseconds pass.  Returns whether `want` was seen. */
static bool
read_until(int fd, char *buf, size_t cap, size_t *len, const char *want, int ms)
{
  uint64_t end = now_ns() + (uint64_t) ms * 1000000ull;
  while (!(want && strstr(buf, want)))
    {
      uint64_t now = now_ns();
      if (now >= end || *len + 1 >= cap)
        return false;
      struct pollfd p = { .fd = fd, .events = POLLIN };
      int r = poll(&p, 1, (int) ((end - now) / 1000000 + 1));
      if (r <= 0)
        continue;
      ssize_t n = read(fd, buf + *len, cap - 1 - *len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return want == NULL;
      *len += (size_t) n;
      buf[*len] = '\0';
    }
  return true;
}

static void
test_open(void)
{
  clawrt_error e = { 0 };
  int m = -1, s = -1;
  int r = terminal_open(&m, &s, NULL, &e);
  CHECK(r == 0 && isatty(s) && is_cloexec(m) && is_cloexec(s),
        "terminal_open gives a CLOEXEC pty pair (%s)", e.msg ? e.msg : "");
  if (r < 0)
    return;

  char buf[64] = "";
  size_t len = 0;
  r = write_all(s, "from-slave\n", 11);
  bool ok = r == 0 && read_until(m, buf, sizeof buf, &len, "from-slave\r\n", 2000);
  CHECK(ok, "slave -> master (onlcr applies: %zu bytes)", len);

  memset(buf, 0, sizeof buf);
  len = 0;
  r = write_all(m, "from-master\n", 12);
  ssize_t n = read(s, buf, sizeof buf - 1); /* canonical: one line */
  CHECK(r == 0 && n == 12 && memcmp(buf, "from-master\n", 12) == 0, "master -> slave");

  cleanup_free char *name = NULL;
  char link[64] = "";
  cleanup_free char *fdpath = xasprintf("/proc/self/fd/%d", s);
  ssize_t ln = readlink(fdpath, link, sizeof link - 1);
  r = terminal_slave_name(m, &name, &e);
  CHECK(r == 0 && ln > 0 && strcmp(name, link) == 0, "terminal_slave_name is the slave (%s)",
        name ? name : e.msg);
  clawrt_error_clear(&e);

  CHECK(terminal_slave_name(s, &name, &e) < 0, "terminal_slave_name refuses a slave");
  clawrt_error_clear(&e);
  close(m);
  close(s);
}

static void
test_size(void)
{
  clawrt_error e = { 0 };
  int m = -1, s = -1;
  oci_box box = { .height = 25, .width = 81 };
  int r = terminal_open(&m, &s, &box, &e);
  struct winsize ws = { 0 };
  CHECK(r == 0 && ioctl(s, TIOCGWINSZ, &ws) == 0 && ws.ws_row == 25 && ws.ws_col == 81,
        "consoleSize applied at open (%ux%u)", ws.ws_row, ws.ws_col);
  if (r < 0)
    return;
  oci_box box2 = { .height = 50, .width = 200 };
  r = terminal_set_size(m, &box2, &e);
  CHECK(r == 0 && ioctl(s, TIOCGWINSZ, &ws) == 0 && ws.ws_row == 50 && ws.ws_col == 200,
        "terminal_set_size (%ux%u)", ws.ws_row, ws.ws_col);
  oci_box huge = { .height = 70000, .width = 1 };
  r = terminal_set_size(m, &huge, &e);
  CHECK(r < 0 && e.msg && strstr(e.msg, "process.consoleSize"),
        "oversized consoleSize refused naming the field (%s)", e.msg);
  clawrt_error_clear(&e);
  CHECK(terminal_set_size(m, NULL, &e) == 0, "NULL size is a no-op");
  close(m);
  close(s);
}

static void
test_send_recv(void)
{
  clawrt_error e = { 0 };
  int m = -1, s = -1;
  if (terminal_open(&m, &s, NULL, &e) < 0)
    {
      CHECK(0, "terminal_open for send/recv (%s)", e.msg);
      return;
    }
  int sp[2];
  socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp);
  int r = terminal_send_fd(sp[0], m, "/dev/pts/77", &e);
  int got = -1;
  char *name = NULL;
  int r2 = terminal_recv_fd(sp[1], &got, &name, &e);
  struct stat a, b;
  fstat(m, &a);
  fstat(got, &b);
  CHECK(r == 0 && r2 == 0 && name && strcmp(name, "/dev/pts/77") == 0 && is_cloexec(got)
            && a.st_rdev == b.st_rdev,
        "send_fd/recv_fd carry the fd and its name (%s)", e.msg ? e.msg : name);
  char buf[32] = "";
  size_t len = 0;
  write_all(s, "via-received\n", 13);
  CHECK(read_until(got, buf, sizeof buf, &len, "via-received", 2000),
        "data flows through the received master");
  free(name);
  close(got);

  /* a sender that passes two fds: both closed, error */
  int two[2] = { dup(s), dup(s) };
  char one = 'x';
  struct iovec iov = { .iov_base = &one, .iov_len = 1 };
  union {
    char buf[CMSG_SPACE(sizeof two)];
    struct cmsghdr al;
  } u;
  memset(&u, 0, sizeof u);
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
                        .msg_controllen = sizeof u.buf };
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof two);
  memcpy(CMSG_DATA(c), two, sizeof two);
  sendmsg(sp[0], &msg, 0);
  close(two[0]);
  close(two[1]);
  got = -1;
  r = terminal_recv_fd(sp[1], &got, NULL, &e);
  CHECK(r < 0 && got == -1 && e.msg && strstr(e.msg, "extra"), "extra fds refused (%s)", e.msg);
  clawrt_error_clear(&e);

  write_all(sp[0], "nofd", 4);
  r = terminal_recv_fd(sp[1], &got, NULL, &e);
  CHECK(r < 0 && e.msg && strstr(e.msg, "no fd"), "a message without fd refused (%s)", e.msg);
  clawrt_error_clear(&e);
  close(sp[0]);
  r = terminal_recv_fd(sp[1], &got, NULL, &e);
  CHECK(r < 0 && e.msg && strstr(e.msg, "peer closed"), "EOF reported (%s)", e.msg);
  clawrt_error_clear(&e);
  close(sp[1]);
  close(m);
  close(s);
}

/* A socket path over sun_path's 107 bytes: reached through its directory. */
static void
test_long_socket_path(const char *dir)
{
  clawrt_error e = { 0 };
  char d[61], f[121];
  memset(d, 'd', sizeof d - 1);
  d[sizeof d - 1] = '\0';
  memset(f, 'f', sizeof f - 1);
  f[sizeof f - 1] = '\0';
  cleanup_free char *deep1 = xasprintf("%s/%s", dir, d);
  cleanup_free char *deep = xasprintf("%s/%s", deep1, d);
  cleanup_free char *path = xasprintf("%s/console.sock", deep);
  if (mkdir(deep1, 0700) < 0 || mkdir(deep, 0700) < 0)
    abort();
  /* bind by a relative name from inside the directory: as long as the test
   * does not use the code under test to make its own socket */
  cleanup_close int cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
  int l = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  strcpy(addr.sun_path, "console.sock");
  if (cwd < 0 || chdir(deep) < 0 || bind(l, (struct sockaddr *) &addr, sizeof addr) < 0
      || listen(l, 1) < 0 || fchdir(cwd) < 0)
    abort();

  int sock = -1;
  int r = terminal_console_connect(path, &sock, &e);
  int c = r == 0 ? accept4(l, NULL, NULL, SOCK_CLOEXEC) : -1;
  CHECK(strlen(path) > 107 && r == 0 && c >= 0 && is_cloexec(sock),
        "connect to a %zu-byte socket path (%s)", strlen(path), e.msg ? e.msg : "ok");
  clawrt_error_clear(&e);
  if (c >= 0)
    close(c);
  if (sock >= 0)
    close(sock);
  close(l);
  unlink(path);

  cleanup_free char *nodir = xasprintf("%s/nope/console.sock", deep);
  r = terminal_console_connect(nodir, &sock, &e);
  CHECK(r < 0 && e.errnum == ENOENT && e.msg && strstr(e.msg, nodir),
        "a long path in a missing directory names the path (%s)", e.msg);
  clawrt_error_clear(&e);

  cleanup_free char *longname = xasprintf("%s/%s", dir, f);
  r = terminal_console_connect(longname, &sock, &e);
  CHECK(r < 0 && e.errnum == ENAMETOOLONG && e.msg && strstr(e.msg, "file name"),
        "a socket file name too long even for its directory fd is refused (%s)", e.msg);
  clawrt_error_clear(&e);
  rmdir(deep);
  rmdir(deep1);
}

/* terminal_copy_stdio_size: our stdin's size, else stdout's, else none. */
static void
test_copy_stdio_size(void)
{
  for (int variant = 0; variant < 3; variant++)
    {
      pid_t pid = fork();
      if (pid == 0)
        {
          clawrt_error ce = { 0 };
          int om = -1, os = -1, m = -1, s = -1;
          oci_box ours = { .height = 12, .width = 34 }, theirs = { .height = 5, .width = 6 };
          if (terminal_open(&om, &os, &ours, &ce) < 0 || terminal_open(&m, &s, &theirs, &ce) < 0)
            _exit(10);
          int null = open("/dev/null", O_RDWR | O_CLOEXEC);
          /* 0: stdin is the tty; 1: only stdout is; 2: neither */
          if (dup2(variant == 0 ? os : null, 0) < 0 || dup2(variant == 1 ? os : null, 1) < 0)
            _exit(11);
          terminal_copy_stdio_size(m);
          struct winsize ws;
          if (ioctl(m, TIOCGWINSZ, &ws) < 0)
            _exit(12);
          bool want_ours = variant < 2;
          _exit(ws.ws_row == (want_ours ? 12 : 5) && ws.ws_col == (want_ours ? 34 : 6) ? 0 : 13);
        }
      int st = 0;
      waitpid(pid, &st, 0);
      static const char *what[] = { "from stdin", "from stdout when stdin is no tty",
                                    "kept when neither is a tty" };
      CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "terminal_copy_stdio_size: %s (exit %d)",
            what[variant], WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    }
}

static void
test_console_socket(void)
{
  clawrt_error e = { 0 };
  char dir[] = "/tmp/clawrt-test-term.XXXXXX";
  if (mkdtemp(dir) == NULL)
    abort();
  cleanup_free char *path = xasprintf("%s/console.sock", dir);
  int l = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  strcpy(addr.sun_path, path);
  if (bind(l, (struct sockaddr *) &addr, sizeof addr) < 0 || listen(l, 1) < 0)
    abort();

  int m = -1, s = -1;
  int r = terminal_open(&m, &s, NULL, &e);
  cleanup_free char *want = NULL;
  if (r == 0)
    r = terminal_slave_name(m, &want, &e);
  if (r == 0)
    r = terminal_send_master(path, m, &e); /* completes against the backlog */
  int c = accept4(l, NULL, NULL, SOCK_CLOEXEC);
  int got = -1;
  char *name = NULL;
  int r2 = c >= 0 ? terminal_recv_fd(c, &got, &name, &e) : -1;
  CHECK(r == 0 && r2 == 0 && name && strcmp(name, want) == 0,
        "terminal_send_master over a console socket path, payload is the pty name (%s)",
        e.msg ? e.msg : name);
  char buf[32] = "";
  size_t len = 0;
  if (got >= 0)
    {
      write_all(s, "console\n", 8);
      CHECK(read_until(got, buf, sizeof buf, &len, "console", 2000),
            "the receiver reads the container side's output");
      close(got);
    }
  free(name);
  if (c >= 0)
    close(c);
  close(l);

  cleanup_free char *missing = xasprintf("%s/nope.sock", dir);
  int sock = -1;
  r = terminal_console_connect(missing, &sock, &e);
  CHECK(r < 0 && e.errnum == ENOENT && e.msg && strstr(e.msg, missing),
        "connect to a missing socket names the path (%s)", e.msg);
  clawrt_error_clear(&e);

  test_long_socket_path(dir);

  unlink(path);
  rmdir(dir);
  close(m);
  close(s);
}

static void
test_setup_child(void)
{
  clawrt_error e = { 0 };
  int m = -1, s = -1;
  if (terminal_open(&m, &s, NULL, &e) < 0)
    {
      CHECK(0, "terminal_open (%s)", e.msg);
      return;
    }
  for (int variant = 0; variant < 2; variant++)
    {
      pid_t pid = fork();
      if (pid == 0)
        {
          close(m);
          int fd = s;
          if (variant == 1)
            {
              /* the slave already is fd 0, with O_CLOEXEC */
              dup3(s, 0, O_CLOEXEC);
              close(s);
              fd = 0;
            }
          clawrt_error ce = { 0 };
          if (terminal_setup_child(fd, &ce) < 0)
            _exit(10);
          bool ok = isatty(0) && isatty(1) && isatty(2) && getsid(0) == getpid()
                    && tcgetpgrp(0) == getpid() && !is_cloexec(0) && !is_cloexec(1)
                    && !is_cloexec(2) && (variant == 1 || fcntl(fd, F_GETFD) < 0);
          dprintf(1, ok ? "child-ok\n" : "child-bad\n");
          _exit(0);
        }
      char buf[64] = "";
      size_t len = 0;
      bool seen = read_until(m, buf, sizeof buf, &len, "child-ok", 3000);
      int st = 0;
      waitpid(pid, &st, 0);
      CHECK(seen && WIFEXITED(st) && WEXITSTATUS(st) == 0,
            "terminal_setup_child: session, controlling tty, stdio%s (%s)",
            variant ? " (slave already fd 0, O_CLOEXEC cleared)" : "", buf);
    }
  close(m);
  close(s);
}

/* --- terminal_proxy -------------------------------------------------- */

typedef void (*child_fn)(void);

/* Fork P with stdin/stdout as given; P opens a pty, forks C running fn on
 * it, and proxies.  P exits 100 + C's exit code, 50 + C's signal, 1 when the
 * proxy failed. */
static pid_t
spawn_proxy(int in_fd, int out_fd, int ctty, const oci_box *size, child_fn fn)
{
  pid_t p = fork();
  if (p != 0)
    return p;
  if (ctty >= 0)
    {
      setsid();
      ioctl(ctty, TIOCSCTTY, 0);
    }
  dup2(in_fd, 0);
  dup2(out_fd, 1);
  /* the test's other pipe ends, or EOF never comes */
  syscall(SYS_close_range, 3, ~0U, 0);
  clawrt_error e = { 0 };
  int m, s;
  if (terminal_open(&m, &s, size, &e) < 0)
    _exit(2);
  pid_t c = fork();
  if (c == 0)
    {
      close(m);
      if (terminal_setup_child(s, &e) < 0)
        _exit(3);
      fn();
      _exit(0);
    }
  close(s);
  int pidfd = (int) syscall(SYS_pidfd_open, c, 0);
  if (terminal_proxy(m, pidfd, &e) < 0)
    {
      fprintf(stderr, "proxy: %s\n", e.msg);
      _exit(1);
    }
  siginfo_t si = { 0 };
  waitid(P_PIDFD, (id_t) pidfd, &si, WEXITED);
  _exit(si.si_code == CLD_EXITED ? 100 + si.si_status : 50 + si.si_status);
}

static void
child_count_stdin(void)
{
  char buf[256];
  size_t total = 0;
  char first[32] = "";
  ssize_t n;
  while ((n = read(0, buf, sizeof buf)) > 0)
    {
      if (total == 0)
        snprintf(first, sizeof first, "%.*s", (int) (n < 20 ? n : 20), buf);
      total += (size_t) n;
    }
  printf("got %zu bytes\n", total);
  fflush(stdout);
  _exit(7);
}

static void
child_wait_signal(void)
{
  printf("ready\n");
  fflush(stdout);
  for (;;)
    pause();
}

static void
child_flood(void)
{
  static char block[4096];
  memset(block, 'z', sizeof block);
  for (int i = 0; i < 25; i++)
    write_all(1, block, sizeof block);
  _exit(0);
}

static void
on_winch(int sig)
{
  (void) sig;
}

static void
child_sizes(void)
{
  sigset_t set, none;
  sigemptyset(&set);
  sigemptyset(&none);
  sigaddset(&set, SIGWINCH);
  sigprocmask(SIG_BLOCK, &set, NULL);
  signal(SIGWINCH, on_winch);
  struct winsize ws;
  ioctl(0, TIOCGWINSZ, &ws);
  printf("size %u %u\n", ws.ws_row, ws.ws_col);
  fflush(stdout);
  sigsuspend(&none);
  ioctl(0, TIOCGWINSZ, &ws);
  printf("size %u %u\n", ws.ws_row, ws.ws_col);
  fflush(stdout);
  _exit(0);
}

static int
wait_status(pid_t p)
{
  int st = 0;
  waitpid(p, &st, 0);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -WTERMSIG(st);
}

static void
test_proxy_pipes(void)
{
  int in[2], out[2];
  if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0)
    abort();
  pid_t p = spawn_proxy(in[0], out[1], -1, NULL, child_count_stdin);
  close(in[0]);
  close(out[1]);
  /* a partial last line: two VEOFs are needed to end the child's read */
  write_all(in[1], "hello\nworld", 11);
  close(in[1]);
  char buf[4096] = "";
  size_t len = 0;
  bool seen = read_until(out[0], buf, sizeof buf, &len, "got 11 bytes", 5000);
  read_until(out[0], buf, sizeof buf, &len, NULL, 3000);
  int st = wait_status(p);
  CHECK(seen && st == 107,
        "proxy: stdin -> pty, EOF of a pipe becomes VEOF, output -> stdout, exit seen "
        "(status %d, output %zu bytes)",
        st, len);
  close(out[0]);
}

static void
test_proxy_drain(void)
{
  int in[2], out[2];
  if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0)
    abort();
  pid_t p = spawn_proxy(in[0], out[1], -1, NULL, child_flood);
  close(in[0]);
  close(out[1]);
  static char buf[200000];
  size_t len = 0;
  read_until(out[0], buf, sizeof buf, &len, NULL, 5000);
  int st = wait_status(p);
  CHECK(st == 100 && len == 25 * 4096,
        "proxy: all output of a child that exits at once arrives (%zu of %d bytes)", len,
        25 * 4096);
  close(in[1]);
  close(out[0]);
}

static void
test_proxy_signals(void)
{
  int in[2], out[2];
  if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0)
    abort();
  pid_t p = spawn_proxy(in[0], out[1], -1, NULL, child_wait_signal);
  close(in[0]);
  close(out[1]);
  char buf[256] = "";
  size_t len = 0;
  bool ready = read_until(out[0], buf, sizeof buf, &len, "ready", 5000);
  kill(p, SIGTERM);
  int st = wait_status(p);
  CHECK(ready && st == 50 + SIGTERM,
        "proxy: SIGTERM to the runtime is forwarded to the child, not fatal to us (status %d)",
        st);
  close(in[1]);
  close(out[0]);
}

static void
test_proxy_tty(void)
{
  clawrt_error e = { 0 };
  int om, os;
  if (terminal_open(&om, &os, NULL, &e) < 0)
    {
      CHECK(0, "outer pty (%s)", e.msg);
      return;
    }
  struct termios before, during, after;
  tcgetattr(os, &before);
  struct winsize ws = { .ws_row = 30, .ws_col = 100 };
  ioctl(om, TIOCSWINSZ, &ws);
  pid_t p = spawn_proxy(os, os, os, NULL, child_sizes);
  char buf[1024] = "";
  size_t len = 0;
  bool first = read_until(om, buf, sizeof buf, &len, "size 30 100", 5000);
  tcgetattr(om, &during);
  CHECK(first, "proxy: our window size is copied to the container's pty (%s)", buf);
  CHECK(!(during.c_lflag & (ICANON | ECHO | ISIG)), "proxy: a tty stdin is in raw mode");
  ws.ws_row = 40;
  ws.ws_col = 120;
  ioctl(om, TIOCSWINSZ, &ws); /* SIGWINCH to P, the outer pty's foreground */
  bool second = read_until(om, buf, sizeof buf, &len, "size 40 120", 5000);
  int st = wait_status(p);
  tcgetattr(om, &after);
  CHECK(second && st == 100, "proxy: SIGWINCH resizes the container's pty (status %d)", st);
  CHECK(after.c_lflag == before.c_lflag && after.c_iflag == before.c_iflag
            && after.c_oflag == before.c_oflag,
        "proxy: terminal settings restored at the end");
  close(om);
  close(os);
}

int
main(void)
{
  alarm(60); /* a hang is a failure, not a stuck `make check` */
  if (access("/dev/ptmx", R_OK | W_OK) < 0)
    {
      printf("1..0 # SKIP no usable /dev/ptmx on this machine\n");
      return 0;
    }
  test_open();
  test_size();
  test_send_recv();
  test_console_socket();
  test_copy_stdio_size();
  test_setup_child();
  test_proxy_pipes();
  test_proxy_drain();
  test_proxy_signals();
  test_proxy_tty();
  printf("1..%d\n", ntest);
  return failures ? 1 : 0;
}
