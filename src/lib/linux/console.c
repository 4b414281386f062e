#define _GNU_SOURCE
#include "console.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sys/mount.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "util.h"

static bool
is_pty(int fd)
{
  struct stat st;
  if (fstat(fd, &st) < 0 || !S_ISCHR(st.st_mode))
    return false;
  /* Unix98 pty slaves: majors 136..143 */
  return major(st.st_rdev) >= 136 && major(st.st_rdev) <= 143;
}

int
console_bind(int slave, clawrt_error *err)
{
  if (!is_pty(slave))
    return clawrt_error_set(err, EINVAL, "/dev/console: the terminal is not a pty");
  struct open_how how = { .flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
                          .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
  cleanup_close int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0)
    return clawrt_error_set(err, errno, "open /");
  cleanup_close int dev = (int) syscall(SYS_openat2, root, "dev", &how, sizeof how);
  if (dev < 0)
    return clawrt_error_set(err, errno, "/dev/console: open /dev in the container");
  cleanup_close int target = openat(dev, "console", O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (target < 0 && errno == EEXIST)
    target = openat(dev, "console", O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (target < 0)
    return clawrt_error_set(err, errno, "/dev/console: create");
  struct stat st;
  struct statfs sfs;
  if (fstat(target, &st) < 0 || fstatfs(target, &sfs) < 0)
    return clawrt_error_set(err, errno, "/dev/console: stat");
  if (!(S_ISREG(st.st_mode) || S_ISCHR(st.st_mode)) || sfs.f_type == PROC_SUPER_MAGIC
      || sfs.f_type == SYSFS_MAGIC)
    return clawrt_error_set(err, EPERM,
                            "/dev/console: refusing to mount over something that is not a plain file (a symlink or a file on procfs/sysfs)");
  cleanup_close int tree = (int) syscall(SYS_open_tree, slave, "",
                                         OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
  if (tree < 0)
    return clawrt_error_set(err, errno, "/dev/console: open_tree of the pty");
  if (syscall(SYS_move_mount, tree, "", target, "",
              MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
    return clawrt_error_set(err, errno, "/dev/console: mount the pty");
  return 0;
}
