/* recvtty: the receiving end of --console-socket, for the bats tests.
 *
 *   recvtty [-i INPUT] [-n NAMEFILE] [-t SECONDS] SOCKET
 *
 * Listens on the unix socket SOCKET (created atomically: the path appears
 * only once it accepts connections, so a test can wait for `-S SOCKET`),
 * accepts one connection, receives one fd by SCM_RIGHTS (the pty master),
 * writes the message text to NAMEFILE (-n), writes INPUT to the pty (-i),
 * then copies everything the pty prints to stdout until the container side
 * is closed.  Exit 0 then; 124 when SECONDS (default 30) pass first; 1 on
 * any other error.  Standalone on purpose: it checks the runtime's side of
 * the protocol without sharing its code.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static void
die(const char *what)
{
  fprintf(stderr, "recvtty: %s: %s\n", what, strerror(errno));
  exit(1);
}

static void
on_alarm(int sig)
{
  (void) sig;
  static const char msg[] = "recvtty: timed out\n";
  ssize_t r = write(2, msg, sizeof msg - 1);
  (void) r;
  _exit(124);
}

/* Bound through an O_PATH fd of SOCKET's directory (/proc/self/fd/N/NAME),
 * so SOCKET may be longer than sun_path, as a deep test directory makes it. */
static int
listen_at(const char *path)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  const char *slash = strrchr(path, '/');
  const char *name = slash ? slash + 1 : path;
  char *dir = slash == NULL ? strdup(".") : slash == path ? strdup("/")
                                          : strndup(path, (size_t) (slash - path));
  if (dir == NULL)
    die("strdup");
  int dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0)
    die(dir);
  char tmp[256];
  if (snprintf(tmp, sizeof tmp, "%s.%d", name, (int) getpid()) >= (int) sizeof tmp
      || snprintf(addr.sun_path, sizeof addr.sun_path, "/proc/self/fd/%d/%s", dirfd, tmp)
             >= (int) sizeof addr.sun_path)
    {
      errno = ENAMETOOLONG;
      die(path);
    }
  int l = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (l < 0)
    die("socket");
  unlinkat(dirfd, tmp, 0);
  if (bind(l, (struct sockaddr *) &addr, sizeof addr) < 0)
    die(tmp);
  if (listen(l, 1) < 0)
    die("listen");
  if (renameat(dirfd, tmp, dirfd, name) < 0)
    die(path);
  close(dirfd);
  free(dir);
  return l;
}

static int
recv_fd(int c, char *name, size_t namelen)
{
  struct iovec iov = { .iov_base = name, .iov_len = namelen - 1 };
  union {
    char buf[CMSG_SPACE(sizeof(int) * 4)];
    struct cmsghdr align;
  } u;
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
                        .msg_controllen = sizeof u.buf };
  ssize_t r;
  do
    r = recvmsg(c, &msg, MSG_CMSG_CLOEXEC);
  while (r < 0 && errno == EINTR);
  if (r < 0)
    die("recvmsg");
  name[r] = '\0';
  struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
  if (cm == NULL || cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS
      || cm->cmsg_len != CMSG_LEN(sizeof(int)) || (msg.msg_flags & MSG_CTRUNC))
    {
      fprintf(stderr, "recvtty: expected exactly one fd, got %s\n",
              cm ? "something else" : "none");
      exit(1);
    }
  int fd;
  memcpy(&fd, CMSG_DATA(cm), sizeof fd);
  return fd;
}

static void
write_all_or_die(int fd, const char *buf, size_t len, const char *what)
{
  while (len > 0)
    {
      ssize_t w = write(fd, buf, len);
      if (w < 0 && errno == EINTR)
        continue;
      if (w < 0)
        die(what);
      buf += w;
      len -= (size_t) w;
    }
}

int
main(int argc, char **argv)
{
  const char *input = NULL, *namefile = NULL;
  unsigned timeout = 30;
  int opt;
  while ((opt = getopt(argc, argv, "i:n:t:")) != -1)
    switch (opt)
      {
      case 'i':
        input = optarg;
        break;
      case 'n':
        namefile = optarg;
        break;
      case 't':
        timeout = (unsigned) strtoul(optarg, NULL, 10);
        break;
      default:
        fprintf(stderr, "usage: recvtty [-i INPUT] [-n NAMEFILE] [-t SECONDS] SOCKET\n");
        return 2;
      }
  if (optind + 1 != argc)
    {
      fprintf(stderr, "usage: recvtty [-i INPUT] [-n NAMEFILE] [-t SECONDS] SOCKET\n");
      return 2;
    }
  signal(SIGALRM, on_alarm);
  signal(SIGPIPE, SIG_IGN);
  alarm(timeout);

  int l = listen_at(argv[optind]);
  int c;
  do
    c = accept4(l, NULL, NULL, SOCK_CLOEXEC);
  while (c < 0 && errno == EINTR);
  if (c < 0)
    die("accept");
  char name[4096];
  int master = recv_fd(c, name, sizeof name);
  close(c);
  close(l);
  unlink(argv[optind]);

  if (namefile)
    {
      FILE *f = fopen(namefile, "we");
      if (f == NULL || fprintf(f, "%s\n", name) < 0 || fclose(f) != 0)
        die(namefile);
    }
  if (input)
    write_all_or_die(master, input, strlen(input), "write input to the pty");

  char buf[8192];
  for (;;)
    {
      ssize_t r = read(master, buf, sizeof buf);
      if (r < 0 && errno == EINTR)
        continue;
      if (r <= 0)
        break; /* EIO: every slave fd is closed, the container is done */
      write_all_or_die(1, buf, (size_t) r, "write stdout");
    }
  return 0;
}
