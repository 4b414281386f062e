#define _GNU_SOURCE
#include "selfexe.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "util.h"

#define SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)
#define K_OVERLAYFS_SUPER_MAGIC 0x794c7630
/* "dev:ino" of the overlay copy we re-executed from, for the new image to
 * recognise it; unset as soon as it is read */
#define SEALED_ENV "_CLAWRT_SEALED_EXE"

static char **saved_argv;

/* What SEALED_ENV holds for a file: "dev:ino" in hex. */
static void
exe_mark(const struct stat *st, char *buf, size_t len)
{
  snprintf(buf, len, "%llx:%llx", (unsigned long long) st->st_dev,
           (unsigned long long) st->st_ino);
}

void
selfexe_init(char **argv)
{
  saved_argv = argv;
}

/* Our own upperless overlay: what SEALED_ENV names, on a read-only
 * overlayfs.  Anyone who can set our environment is root on the host
 * already; the checks make sure the variable describes this very file. */
static bool
is_our_overlay(int fd)
{
  const char *want = getenv(SEALED_ENV);
  if (want == NULL)
    return false;
  char have[64];
  struct stat st;
  struct statfs sfs;
  bool ok = fstat(fd, &st) == 0 && fstatfs(fd, &sfs) == 0
            && sfs.f_type == K_OVERLAYFS_SUPER_MAGIC && (sfs.f_flags & ST_RDONLY);
  if (ok)
    {
      exe_mark(&st, have, sizeof have);
      ok = strcmp(have, want) == 0;
    }
  unsetenv(SEALED_ENV);
  return ok;
}

bool
selfexe_is_sealed(void)
{
  cleanup_close int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return false;
  int seals = fcntl(fd, F_GET_SEALS);
  if (seals >= 0 && (seals & SEALS) == SEALS)
    return true;
  return is_our_overlay(fd);
}

/* The binary, opened from a detached overlayfs whose layers are its own
 * directory and an empty tmpfs, with no upper layer.  Such an overlay is
 * read-only in its superblock: no remount, no clone of the mount with
 * MOUNT_ATTR_RDONLY cleared, makes it writable, which is what a sealed
 * memfd gives, without copying the binary (0.7 ms and 1.8 MB of shared
 * memory for as long as each exec runs).  -1 when the kernel cannot
 * (overlayfs missing, no "lowerdir+" before 6.8): the caller copies. */
static int
overlay_copy(const struct stat *src_st)
{
  char path[4096];
  ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
  if (n <= 0 || path[0] != '/')
    return -1;
  path[n] = '\0';
  char *slash = strrchr(path, '/');
  const char *base = slash + 1;
  if (*base == '\0' || strstr(base, " (deleted)"))
    return -1;
  *slash = '\0';
  /* the host's directory of our own binary, before any container exists:
   * no path of a rootfs is resolved here */
  cleanup_close int dir = open(path[0] ? path : "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  cleanup_close int tfs = (int) syscall(SYS_fsopen, "tmpfs", FSOPEN_CLOEXEC);
  if (dir < 0 || tfs < 0
      || syscall(SYS_fsconfig, tfs, FSCONFIG_SET_STRING, "mode", "0500", 0) < 0
      || syscall(SYS_fsconfig, tfs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
    return -1;
  cleanup_close int empty = (int) syscall(SYS_fsmount, tfs, FSMOUNT_CLOEXEC, MOUNT_ATTR_RDONLY);
  cleanup_close int ofs = (int) syscall(SYS_fsopen, "overlay", FSOPEN_CLOEXEC);
  /* overlayfs wants two lower layers when it has no upper one */
  if (empty < 0 || ofs < 0
      || syscall(SYS_fsconfig, ofs, FSCONFIG_SET_FD, "lowerdir+", NULL, dir) < 0
      || syscall(SYS_fsconfig, ofs, FSCONFIG_SET_FD, "lowerdir+", NULL, empty) < 0
      || syscall(SYS_fsconfig, ofs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
    return -1;
  cleanup_close int mnt = (int) syscall(SYS_fsmount, ofs, FSMOUNT_CLOEXEC,
                                        MOUNT_ATTR_RDONLY | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOSUID);
  if (mnt < 0)
    return -1;
  int fd = openat(mnt, base, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return -1;
  /* the same file as the one we run (a single-lower overlay keeps the
   * inode number), on a read-only overlay */
  struct stat st;
  struct statfs sfs;
  if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_ino != src_st->st_ino
      || st.st_size != src_st->st_size || fstatfs(fd, &sfs) < 0
      || sfs.f_type != K_OVERLAYFS_SUPER_MAGIC || !(sfs.f_flags & ST_RDONLY))
    {
      close(fd);
      return -1;
    }
  char mark[64];
  exe_mark(&st, mark, sizeof mark);
  if (setenv(SEALED_ENV, mark, 1) < 0)
    {
      close(fd);
      return -1;
    }
  return fd;
}

/* A sealed memfd holding a copy of the binary. */
static int
memfd_copy(int src, const struct stat *st, clawrt_error *err)
{
  int mfd = memfd_create("clawrt", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (mfd < 0)
    return clawrt_error_set(err, errno, "memfd_create for a sealed copy of clawrt");
  off_t off = 0;
  while (off < st->st_size)
    {
      ssize_t n = sendfile(mfd, src, &off, (size_t) (st->st_size - off));
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          clawrt_error_set(err, n < 0 ? errno : EIO, "copy clawrt into a memfd");
          close(mfd);
          return -1;
        }
    }
  if (fcntl(mfd, F_ADD_SEALS, SEALS) < 0)
    {
      clawrt_error_set(err, errno, "seal the clawrt copy");
      close(mfd);
      return -1;
    }
  return mfd;
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
  cleanup_close int exe = overlay_copy(&st);
  if (exe < 0 && (exe = memfd_copy(src, &st, err)) < 0)
    return -1;
  extern char **environ;
  syscall(SYS_execveat, exe, "", saved_argv, environ, AT_EMPTY_PATH);
  if (errno == ENOENT || errno == ENOSYS)
    {
      /* valgrind cannot name a memfd or a detached mount for execveat
       * (ENOENT), old kernels lack it: the same file through the host's
       * procfs, which no container reaches (an ELF needs no fd after
       * execve, so O_CLOEXEC does not get in the way) */
      char path[40];
      snprintf(path, sizeof path, "/proc/self/fd/%d", exe);
      execve(path, saved_argv, environ);
    }
  unsetenv(SEALED_ENV);
  return clawrt_error_set(err, errno, "re-execute clawrt from its sealed copy");
}
