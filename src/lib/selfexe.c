#define _GNU_SOURCE
#include "selfexe.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util.h"

#define SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

static char **saved_argv;

void
selfexe_init(char **argv)
{
  saved_argv = argv;
}

bool
selfexe_is_sealed(void)
{
  cleanup_close int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return false;
  int seals = fcntl(fd, F_GET_SEALS);
  return seals >= 0 && (seals & SEALS) == SEALS;
}

int
selfexe_protect(bool safe_without, clawrt_error *err)
{
  if (safe_without || selfexe_is_sealed())
    return 0;
  if (saved_argv == NULL)
    return clawrt_error_set(err, EINVAL, "internal: selfexe_init was not called");
  cleanup_close int src = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (src < 0)
    return clawrt_error_set(err, errno, "open /proc/self/exe");
  struct stat st;
  if (fstat(src, &st) < 0 || !S_ISREG(st.st_mode))
    return clawrt_error_set(err, errno ? errno : EINVAL, "/proc/self/exe is not a regular file");
  cleanup_close int mfd = memfd_create("clawrt", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (mfd < 0)
    return clawrt_error_set(err, errno, "memfd_create for a sealed copy of clawrt");
  off_t off = 0;
  while (off < st.st_size)
    {
      ssize_t n = sendfile(mfd, src, &off, (size_t) (st.st_size - off));
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return clawrt_error_set(err, n < 0 ? errno : EIO, "copy clawrt into a memfd");
    }
  if (fcntl(mfd, F_ADD_SEALS, SEALS) < 0)
    return clawrt_error_set(err, errno, "seal the clawrt copy");
  extern char **environ;
  syscall(SYS_execveat, mfd, "", saved_argv, environ, AT_EMPTY_PATH);
  if (errno == ENOENT || errno == ENOSYS)
    {
      /* valgrind cannot name a memfd for execveat (ENOENT), old kernels
       * lack it: the same sealed file through the host's procfs, which no
       * container reaches (an ELF needs no fd after execve, so
       * O_CLOEXEC does not get in the way) */
      char path[40];
      snprintf(path, sizeof path, "/proc/self/fd/%d", mfd);
      execve(path, saved_argv, environ);
    }
  return clawrt_error_set(err, errno, "re-execute clawrt from its sealed copy");
}
