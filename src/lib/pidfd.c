#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "pidfd.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#define K_PROC_SUPER_MAGIC 0x9fa0

/* "/proc/self/fdinfo/N" without snprintf, which is not async-signal-safe */
static void
fdinfo_path(char *buf, int fd)
{
  static const char prefix[] = "/proc/self/fdinfo/";
  char digits[12];
  int n = 0;
  do
    digits[n++] = (char) ('0' + fd % 10);
  while ((fd /= 10) > 0);
  char *p = buf;
  for (const char *s = prefix; *s; s++)
    *p++ = *s;
  while (n > 0)
    *p++ = digits[--n];
  *p = '\0';
}

/* The "Pid:" line of the pidfd's fdinfo: > 0, or -1 (0 and -1 there mean
 * the process is in no pid namespace of ours, or gone). */
static pid_t
pidfd_pid(int pidfd)
{
  char path[40], buf[512];
  fdinfo_path(path, pidfd);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  struct statfs sfs;
  ssize_t n = -1;
  if (fstatfs(fd, &sfs) == 0 && sfs.f_type == K_PROC_SUPER_MAGIC)
    n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0)
    return -1;
  buf[n] = '\0';
  for (char *line = buf; line && *line;)
    {
      if (line[0] == 'P' && line[1] == 'i' && line[2] == 'd' && line[3] == ':')
        {
          char *s = line + 4;
          while (*s == ' ' || *s == '\t')
            s++;
          long v = 0;
          if (*s < '0' || *s > '9')
            return -1;
          for (; *s >= '0' && *s <= '9'; s++)
            if ((v = v * 10 + (*s - '0')) > 0x7fffffff)
              return -1;
          return v > 0 ? (pid_t) v : -1;
        }
      while (*line && *line != '\n')
        line++;
      if (*line)
        line++;
    }
  return -1;
}

int
pidfd_signal(int pidfd, int sig)
{
  if (syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) == 0)
    return 0;
  if (errno != ENOSYS)
    return -1;
  /* a pidfd polls readable once its process has exited */
  struct pollfd p = { pidfd, POLLIN, 0 };
  int r = poll(&p, 1, 0);
  if (r != 0)
    {
      errno = r > 0 ? ESRCH : errno;
      return -1;
    }
  pid_t pid = pidfd_pid(pidfd);
  if (pid <= 0)
    {
      errno = ESRCH;
      return -1;
    }
  return kill(pid, sig);
}
