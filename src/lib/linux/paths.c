#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "paths.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "mount.h"
#include "resolve.h"
#include "util.h"

/* The container's /dev/null, proven to be the null device: a symlink or a
 * bind mount of something else there (CVE-2025-31133) would turn "mask
 * this file" into "expose that one".  The mount is made from this fd, so
 * what was checked is what gets mounted. */
static int
open_verified_null(int rootfd, clawrt_error *err)
{
  clawrt_error e2 = { 0 };
  cleanup_close int fd = open_in_root_how(rootfd, "/dev/null", O_PATH | O_NOFOLLOW, 0,
                                          RESOLVE_NO_SYMLINKS, &e2);
  if (fd < 0)
    {
      int en = e2.errnum;
      clawrt_error_clear(&e2);
      return clawrt_error_set(err, en, "maskedPaths: open the container's /dev/null");
    }
  struct stat st;
  if (fstat(fd, &st) < 0)
    return clawrt_error_set(err, errno, "maskedPaths: fstat /dev/null");
  if (!S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3))
    return clawrt_error_set(err, EPERM, "maskedPaths: the container's /dev/null is not the "
                            "null device (mode 0%o, device %u:%u); refusing to mask with it",
                            (unsigned) st.st_mode, major(st.st_rdev), minor(st.st_rdev));
  return steal_fd(&fd);
}

static int
mask_dir(int target, clawrt_error *err)
{
  mount_flags mf = { .flags = MS_RDONLY, .attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID
                                                    | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC };
  cleanup_close int mnt = -1;
  if (mount_fs_detached("tmpfs", "tmpfs", "size=4k,nr_inodes=1,mode=0555", &mf, NULL, &mnt,
                        err) < 0)
    return -1;
  return mount_move_onto(mnt, target, err);
}

int
paths_mask(int rootfd, const oci_strv *paths, clawrt_error *err)
{
  cleanup_close int null = -1;
  for (size_t i = 0; paths && i < paths->len; i++)
    {
      const char *p = paths->v[i];
      clawrt_error e2 = { 0 };
      cleanup_close int target = open_in_root(rootfd, p, O_PATH, 0, &e2);
      if (target < 0)
        {
          int en = e2.errnum;
          clawrt_error_clear(&e2);
          if (en == ENOENT)
            continue;  /* nothing there to hide */
          return clawrt_error_set(err, en, "linux.maskedPaths[%zu]: open `%s`", i, p);
        }
      struct stat st;
      if (fstat(target, &st) < 0)
        return clawrt_error_set(err, errno, "linux.maskedPaths[%zu]: fstat `%s`", i, p);
      if (S_ISDIR(st.st_mode))
        {
          if (mask_dir(target, err) < 0)
            return clawrt_error_wrap(err, "linux.maskedPaths[%zu] (%s)", i, p);
          continue;
        }
      if (null < 0 && (null = open_verified_null(rootfd, err)) < 0)
        return -1;
      cleanup_close int src = -1;
      if (mount_bind_detached(null, "", false, &src, err) < 0
          || mount_move_onto(src, target, err) < 0)
        return clawrt_error_wrap(err, "linux.maskedPaths[%zu] (%s)", i, p);
    }
  return 0;
}

int
paths_readonly(int rootfd, const oci_strv *paths, clawrt_error *err)
{
  for (size_t i = 0; paths && i < paths->len; i++)
    {
      const char *p = paths->v[i];
      clawrt_error e2 = { 0 };
      cleanup_close int target = open_in_root(rootfd, p, O_PATH, 0, &e2);
      if (target < 0)
        {
          int en = e2.errnum;
          clawrt_error_clear(&e2);
          if (en == ENOENT)
            continue;
          return clawrt_error_set(err, en, "linux.readonlyPaths[%zu]: open `%s`", i, p);
        }
      /* recursive: a mount below the path must not stay writable */
      cleanup_close int copy = -1;
      if (mount_bind_detached(target, "", true, &copy, err) < 0
          || mount_setattr_fd(copy, MOUNT_ATTR_RDONLY, 0, true, err) < 0
          || mount_move_onto(copy, target, err) < 0)
        return clawrt_error_wrap(err, "linux.readonlyPaths[%zu] (%s)", i, p);
    }
  return 0;
}
