/* Pseudo-terminals: allocation, console socket, controlling terminal. The
 * foreground proxy lives in terminal_proxy.c. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "linux/terminal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "util.h"

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif
#ifndef DEVPTS_SUPER_MAGIC
#define DEVPTS_SUPER_MAGIC 0x1cd1
#endif
/* include/uapi/linux/major.h */
#define TTYAUX_MAJOR 5
#define PTMX_MINOR 2
#define UNIX98_PTY_SLAVE_MAJOR 136
#define UNIX98_PTY_MAJOR_COUNT 8

int
terminal_set_size(int fd, const oci_box *size, clawrt_error *err)
{
  if (size == NULL)
    return 0;
  if (size->height > UINT16_MAX || size->width > UINT16_MAX)
    return clawrt_error_set(err, EINVAL,
                            "process.consoleSize: %ux%u does not fit a terminal (max 65535)",
                            size->height, size->width);
  struct winsize ws = { .ws_row = (unsigned short) size->height,
                        .ws_col = (unsigned short) size->width };
  if (ioctl(fd, TIOCSWINSZ, &ws) < 0)
    return clawrt_error_set(err, errno, "set terminal size %ux%u", size->height, size->width);
  return 0;
}

void
terminal_copy_stdio_size(int master)
{
  struct winsize ws;
  int src = isatty(STDIN_FILENO) ? STDIN_FILENO : isatty(STDOUT_FILENO) ? STDOUT_FILENO : -1;
  if (src >= 0 && ioctl(src, TIOCGWINSZ, &ws) == 0)
    ioctl(master, TIOCSWINSZ, &ws);
}

int
terminal_slave_name(int master, char **name, clawrt_error *err)
{
  unsigned int n;
  if (ioctl(master, TIOCGPTN, &n) < 0)
    return clawrt_error_set(err, errno, "TIOCGPTN: not a pty master");
  *name = xasprintf("/dev/pts/%u", n);
  return 0;
}

/* Whatever /dev/ptmx resolved to inside a rootfs someone else built, the
 * fds must be a pty pair before the container gets them as its stdio. */
static int
check_pty_pair(int master, int slave, clawrt_error *err)
{
  struct stat st;
  if (fstat(master, &st) < 0)
    return clawrt_error_set(err, errno, "fstat /dev/ptmx");
  if (!S_ISCHR(st.st_mode) || major(st.st_rdev) != TTYAUX_MAJOR
      || minor(st.st_rdev) != PTMX_MINOR)
    return clawrt_error_set(err, ENOTTY, "/dev/ptmx is not the pty multiplexer (c 5:2)");
  if (fstat(slave, &st) < 0)
    return clawrt_error_set(err, errno, "fstat pty slave");
  unsigned maj = major(st.st_rdev);
  if (!S_ISCHR(st.st_mode) || maj < UNIX98_PTY_SLAVE_MAJOR
      || maj >= UNIX98_PTY_SLAVE_MAJOR + UNIX98_PTY_MAJOR_COUNT)
    return clawrt_error_set(err, ENOTTY, "pty slave is not a unix98 pty device");
  struct statfs sfs;
  if (fstatfs(slave, &sfs) < 0)
    return clawrt_error_set(err, errno, "fstatfs pty slave");
  if (sfs.f_type != DEVPTS_SUPER_MAGIC)
    return clawrt_error_set(err, ENOTTY, "pty slave is not on a devpts filesystem");
  return 0;
}

int
terminal_open(int *master, int *slave, const oci_box *size, clawrt_error *err)
{
  cleanup_close int m = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (m < 0)
    return clawrt_error_set(err, errno,
                            "open /dev/ptmx (is devpts mounted on /dev/pts with ptmxmode=0666?)");
  int unlock = 0;
  if (ioctl(m, TIOCSPTLCK, &unlock) < 0)
    return clawrt_error_set(err, errno, "unlock pty");
  /* the peer from the master itself: no /dev/pts/N lookup to race */
  cleanup_close int s = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (s < 0)
    return clawrt_error_set(err, errno, "open pty slave (TIOCGPTPEER)");
  if (check_pty_pair(m, s, err) < 0)
    return -1;
  if (terminal_set_size(m, size, err) < 0)
    return -1;
  *master = steal_fd(&m);
  *slave = steal_fd(&s);
  return 0;
}

static int
connect_type(const struct sockaddr_un *addr, int type)
{
  int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return -1;
  int r;
  do
    r = connect(fd, (const struct sockaddr *) addr, sizeof *addr);
  while (r < 0 && errno == EINTR);
  if (r < 0)
    {
      int e = errno;
      close(fd);
      errno = e;
      return -1;
    }
  return fd;
}

/* connect_type() over both socket types: runc's protocol is a stream
 * socket; accept a seqpacket listener too. */
static int
connect_any(const struct sockaddr_un *addr)
{
  int fd = connect_type(addr, SOCK_STREAM);
  if (fd < 0 && errno == EPROTOTYPE)
    fd = connect_type(addr, SOCK_SEQPACKET);
  return fd;
}

/* sun_path holds 107 bytes, and engines and test harnesses put sockets in
 * deep temporary directories: reach a longer path through an O_PATH fd of
 * its directory, /proc/self/fd/N/NAME.  The directory is resolved once, by
 * this open, as a path on our command line is; /proc is the runtime's own
 * (this runs before clone, in the caller's mount namespace). */
static int
connect_long(const char *path, clawrt_error *err)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  const char *slash = strrchr(path, '/');
  const char *name = slash ? slash + 1 : path;
  cleanup_free char *dir = slash ? xasprintf("%.*s", (int) (slash - path), path) : xstrdup(".");
  if (*name == '\0')
    return clawrt_error_set(err, EINVAL, "--console-socket `%s`: names a directory", path);
  cleanup_close int dirfd = open(*dir ? dir : "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0)
    return clawrt_error_set(err, errno, "--console-socket `%s`: open its directory", path);
  int n = snprintf(addr.sun_path, sizeof addr.sun_path, "/proc/self/fd/%d/%s", dirfd, name);
  if (n < 0 || (size_t) n >= sizeof addr.sun_path)
    return clawrt_error_set(err, ENAMETOOLONG,
                            "--console-socket `%s`: the socket's file name is too long for a "
                            "unix socket address; use a shorter one", path);
  int fd = connect_any(&addr);
  if (fd < 0)
    return clawrt_error_set(err, errno, "--console-socket `%s`: connect", path);
  return fd;
}

int
terminal_console_connect(const char *console_socket, int *sock, clawrt_error *err)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  size_t len = console_socket ? strlen(console_socket) : 0;
  if (len == 0)
    return clawrt_error_set(err, EINVAL, "--console-socket: empty path");
  int fd;
  if (len >= sizeof addr.sun_path)
    {
      fd = connect_long(console_socket, err);
      if (fd < 0)
        return -1;
    }
  else
    {
      memcpy(addr.sun_path, console_socket, len + 1);
      fd = connect_any(&addr);
      if (fd < 0)
        return clawrt_error_set(err, errno, "--console-socket `%s`: connect", console_socket);
    }
  *sock = fd;
  return 0;
}

int
terminal_send_fd(int sock, int fd, const char *name, clawrt_error *err)
{
  if (name == NULL || *name == '\0')
    name = "pty"; /* SCM_RIGHTS needs at least one byte of data */
  struct iovec iov = { .iov_base = (void *) name, .iov_len = strlen(name) };
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } u;
  memset(&u, 0, sizeof u);
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
                        .msg_controllen = sizeof u.buf };
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &fd, sizeof fd);
  ssize_t r;
  do
    r = sendmsg(sock, &msg, MSG_NOSIGNAL);
  while (r < 0 && errno == EINTR);
  if (r < 0)
    return clawrt_error_set(err, errno, "send pty fd over the console socket");
  if ((size_t) r != iov.iov_len)
    return clawrt_error_set(err, EIO, "send pty fd: short write of its name");
  return 0;
}

int
terminal_recv_fd(int sock, int *fd, char **name, clawrt_error *err)
{
  char data[4096];
  struct iovec iov = { .iov_base = data, .iov_len = sizeof data - 1 };
  /* room for a few fds, so a sender that passes more is detected and its
   * extra fds closed instead of leaking into us */
  union {
    char buf[CMSG_SPACE(sizeof(int) * 8)];
    struct cmsghdr align;
  } u;
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
                        .msg_controllen = sizeof u.buf };
  ssize_t r;
  do
    r = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
  while (r < 0 && errno == EINTR);
  if (r < 0)
    return clawrt_error_set(err, errno, "receive pty fd");
  int got = -1, extra = 0;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
    {
      if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
        continue;
      size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      for (size_t i = 0; i < n; i++)
        {
          int f;
          memcpy(&f, CMSG_DATA(c) + i * sizeof(int), sizeof f);
          if (got < 0)
            got = f;
          else
            {
              close(f);
              extra++;
            }
        }
    }
  if (msg.msg_flags & MSG_CTRUNC)
    {
      if (got >= 0)
        close(got);
      return clawrt_error_set(err, EBADMSG, "receive pty fd: control data truncated");
    }
  if (got < 0)
    return clawrt_error_set(err, r == 0 ? ECONNRESET : EBADMSG,
                            "receive pty fd: %s", r == 0 ? "peer closed" : "no fd in message");
  if (extra > 0)
    {
      close(got);
      return clawrt_error_set(err, EBADMSG, "receive pty fd: %d unexpected extra fds", extra);
    }
  if (name)
    {
      data[r] = '\0';
      *name = xstrdup(data);
    }
  *fd = got;
  return 0;
}

int
terminal_send_master(const char *console_socket, int master, clawrt_error *err)
{
  cleanup_free char *name = NULL;
  if (terminal_slave_name(master, &name, err) < 0)
    return -1;
  cleanup_close int sock = -1;
  if (terminal_console_connect(console_socket, &sock, err) < 0)
    return -1;
  if (terminal_send_fd(sock, master, name, err) < 0)
    return clawrt_error_wrap(err, "--console-socket `%s`", console_socket);
  return 0;
}

int
terminal_setup_child(int slave, clawrt_error *err)
{
  if (setsid() < 0 && !(errno == EPERM && getsid(0) == getpid()))
    return clawrt_error_set(err, errno, "setsid");
  if (ioctl(slave, TIOCSCTTY, 0) < 0)
    return clawrt_error_set(err, errno, "make the pty the controlling terminal (TIOCSCTTY)");
  for (int fd = 0; fd <= 2; fd++)
    {
      if (fd == slave)
        {
          /* dup2(x, x) would keep O_CLOEXEC and the process would lose its
           * tty at execve */
          int fl = fcntl(fd, F_GETFD);
          if (fl < 0 || fcntl(fd, F_SETFD, fl & ~FD_CLOEXEC) < 0)
            return clawrt_error_set(err, errno, "clear O_CLOEXEC on fd %d", fd);
          continue;
        }
      int r;
      do
        r = dup2(slave, fd);
      while (r < 0 && errno == EINTR);
      if (r < 0)
        return clawrt_error_set(err, errno, "dup2 pty onto fd %d", fd);
    }
  if (slave > 2)
    close(slave);
  return 0;
}
