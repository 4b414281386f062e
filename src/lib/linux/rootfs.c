#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "rootfs.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "devices.h"
#include "fs_internal.h"
#include "mount.h"
#include "mount_opts.h"
#include "paths.h"
#include "resolve.h"
#include "util.h"

static bool
has_namespace(const oci_spec *spec, const char *type)
{
  if (spec->linux == NULL)
    return false;
  for (size_t i = 0; i < spec->linux->namespaces_len; i++)
    if (spec->linux->namespaces[i].type && strcmp(spec->linux->namespaces[i].type, type) == 0)
      return true;
  return false;
}

static int
root_propagation(const oci_spec *spec, unsigned long *out, clawrt_error *err)
{
  *out = 0;
  const char *p = spec->linux ? spec->linux->rootfs_propagation : NULL;
  if (p == NULL || p[0] == '\0')
    return 0;
  if (mount_propagation_parse(p, out) < 0)
    return clawrt_error_set(err, EINVAL, "linux.rootfsPropagation: unknown value \"%s\"", p);
  return 0;
}

/* pivot_root refuses a new root whose parent mount is shared.  With a
 * shared rootfsPropagation the mount holding the rootfs directory is made
 * private; it is found by its mount id, not by comparing path strings. */
static int
make_parent_private(int dirfd, clawrt_error *err)
{
  struct statx stx;
  if (statx(dirfd, "", AT_EMPTY_PATH, STATX_MNT_ID, &stx) < 0)
    return clawrt_error_set(err, errno, "statx rootfs");
  if (!(stx.stx_mask & STATX_MNT_ID))
    return clawrt_error_set(err, ENOTSUP, "statx: the kernel does not report mount ids");
  mountinfo_entry *mi = NULL;
  size_t n = 0;
  if (mountinfo_read(&mi, &n, err) < 0)
    return -1;
  const mountinfo_entry *found = NULL;
  for (size_t i = 0; i < n && !found; i++)
    if ((uint64_t) mi[i].id == stx.stx_mnt_id)
      found = &mi[i];
  int r;
  if (found == NULL)
    r = clawrt_error_set(err, ENOENT, "the mount holding the rootfs (id %llu) is not in "
                         "mountinfo", (unsigned long long) stx.stx_mnt_id);
  else
    {
      /* a host path of our own mount table, not one inside the rootfs */
      cleanup_close int fd = open(found->mountpoint, O_PATH | O_DIRECTORY | O_CLOEXEC);
      r = fd < 0 ? clawrt_error_set(err, errno, "open %s", found->mountpoint)
                 : mount_set_propagation(fd, MS_PRIVATE, err);
    }
  mountinfo_free(mi, n);
  return r;
}

/* The mapped root cannot reach root.path, so the parent's copy of it is
 * attached on top of "/": the only directory of this mount namespace that
 * is sure to be there and ours alone (it is a fresh copy).  Lookups from "/"
 * start below a mount stacked on the root, so host paths (/dev, /proc, bind
 * sources) still resolve as before until pivot_root, which takes the copy as
 * the new root.  With a shared "/" the attach would propagate to its peers,
 * the host's root among them: "/" itself is made private first, as
 * make_parent_private does for the rootfs's own parent. */
static int
attach_premade_root(int slash, int premade, unsigned long prop, int *out, clawrt_error *err)
{
  if ((prop & MS_SHARED) && mount_set_propagation(slash, MS_PRIVATE, err) < 0)
    return clawrt_error_wrap(err, "make / private");
  if (mount_move_onto(premade, slash, err) < 0)
    return clawrt_error_wrap(err, "attach the runtime's copy of the rootfs on /");
  int fd = fcntl(premade, F_DUPFD_CLOEXEC, 3);
  if (fd < 0)
    return clawrt_error_set(err, errno, "dup the rootfs fd");
  *out = fd;
  return 0;
}

int
rootfs_prepare(const rootfs_config *cfg, int *rootfdp, clawrt_error *err)
{
  const oci_spec *spec = cfg->spec;
  unsigned long prop;
  if (root_propagation(spec, &prop, err) < 0)
    return -1;
  /* nothing made from here on may propagate to the host: rslave unless
   * the spec asks for something else (runc does the same) */
  cleanup_close int slash = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (slash < 0)
    return clawrt_error_set(err, errno, "open /");
  /* Unless the spec wants mounts shared with the host, everything below /
   * is made rslave first, so that a non-recursive rootfsPropagation
   * ("private", "unbindable") cannot leave a shared host submount under
   * the rootfs (pivot_root refuses it, and mounts would leak).  An
   * unbindable "/" could not give the rootfs bind below: it becomes
   * unbindable once everything is mounted (rootfs_finalize). */
  if (!(prop & MS_SHARED) && mount_set_propagation(slash, MS_SLAVE | MS_REC, err) < 0)
    return clawrt_error_wrap(err, "make / rslave");
  unsigned long first = prop & ~(unsigned long) MS_UNBINDABLE;
  if ((prop & MS_UNBINDABLE) && (prop & MS_REC))
    first = MS_PRIVATE | MS_REC;
  else if (prop & MS_UNBINDABLE)
    first = MS_PRIVATE;
  if (first && mount_set_propagation(slash, first, err) < 0)
    return clawrt_error_wrap(err, "make / per rootfsPropagation");

  cleanup_close int rootfd = -1;
  cleanup_close int dirfd = open(cfg->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  int premade = cfg->fds ? cfg->fds->root : -1;
  if (dirfd < 0 && errno == EACCES && premade >= 0)
    {
      if (attach_premade_root(slash, premade, prop, &rootfd, err) < 0)
        return clawrt_error_wrap(err, "rootfs %s", cfg->rootfs);
    }
  else if (dirfd < 0)
    return clawrt_error_set(err, errno, "root.path `%s`", cfg->rootfs);
  else
    {
      if ((prop & MS_SHARED) && make_parent_private(dirfd, err) < 0)
        return clawrt_error_wrap(err, "rootfs %s", cfg->rootfs);
      /* the root must be a mount of its own for pivot_root; the detached
       * copy's fd stays the root every later lookup is confined to */
      if (mount_bind_detached(dirfd, "", true, &rootfd, err) < 0
          || mount_move_onto(rootfd, dirfd, err) < 0)
        return clawrt_error_wrap(err, "bind the rootfs %s onto itself", cfg->rootfs);
    }

  mount_ctx ctx = {
    .rootfd = rootfd,
    .bundle = cfg->bundle,
    .mount_label = cfg->mount_label,
    .userns = cfg->userns,
    .cgroupns = has_namespace(spec, "cgroup"),
    .linux = spec->linux,
  };
  for (size_t i = 0; i < spec->mounts_len; i++)
    if (mount_spec_entry(&ctx, &spec->mounts[i], i,
                         (cfg->fds && i < cfg->fds->n) ? cfg->fds->mounts[i] : -1, err) < 0)
      return -1;

  if (devices_need_setup(spec))
    {
      if (devices_create(rootfd, spec, cfg->userns, err) < 0
          || devices_symlinks(rootfd, err) < 0)
        return -1;
    }
  if (cfg->console_fd >= 0 && devices_console(rootfd, cfg->console_fd, err) < 0)
    return -1;
  *rootfdp = steal_fd(&rootfd);
  return 0;
}

int
rootfs_pivot(int rootfd, bool no_pivot, clawrt_error *err)
{
  if (fchdir(rootfd) < 0)
    return clawrt_error_set(err, errno, "chdir to the rootfs");
  if (no_pivot)
    {
      /* for a root on ramfs/initramfs, where pivot_root is refused; the
       * old root stays reachable to anything that can escape a chroot,
       * which is why it is not the default */
      /* ELOOP: the mount on top of "/" is rootfd's own, the parent's copy
       * that attach_premade_root already put there */
      if (move_mount(rootfd, "", AT_FDCWD, "/", MOVE_MOUNT_F_EMPTY_PATH) < 0 && errno != ELOOP)
        return clawrt_error_set(err, errno, "move the rootfs onto /");
      if (chroot(".") < 0)
        return clawrt_error_set(err, errno, "chroot");
      if (chdir("/") < 0)
        return clawrt_error_set(err, errno, "chdir /");
      return 0;
    }
  cleanup_close int oldroot = open("/", O_DIRECTORY | O_PATH | O_CLOEXEC);
  if (oldroot < 0)
    return clawrt_error_set(err, errno, "open the old root");
  /* pivot_root(".", "."): the old root ends up stacked on the new one, so
   * no directory for it is needed inside the container's tree */
  if (syscall(SYS_pivot_root, ".", ".") < 0)
    return clawrt_error_set(err, errno, "pivot_root (on a ramfs root use --no-pivot)");
  if (fchdir(oldroot) < 0)
    return clawrt_error_set(err, errno, "chdir to the old root");
  /* the detach below must not reach the host's mounts through propagation */
  if (mount_set_propagation(oldroot, MS_SLAVE | MS_REC, err) < 0)
    return clawrt_error_wrap(err, "make the old root rslave");
  if (umount2(".", MNT_DETACH) < 0)
    return clawrt_error_set(err, errno, "detach the old root");
  if (chdir("/") < 0)
    return clawrt_error_set(err, errno, "chdir /");
  return 0;
}

int
rootfs_finalize(const oci_spec *spec, clawrt_error *err)
{
  cleanup_close int rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    return clawrt_error_set(err, errno, "open /");
  const oci_linux *l = spec->linux;
  /* read-only first, then masks: a mask inside a read-only path stays on
   * top, and a read-only copy never hides a mask below it */
  if (l && paths_readonly(rootfd, &l->readonly_paths, err) < 0)
    return -1;
  if (l && paths_mask(rootfd, &l->masked_paths, err) < 0)
    return -1;
  if (spec->root && spec->root->readonly
      && mount_setattr_fd(rootfd, MOUNT_ATTR_RDONLY, 0, false, err) < 0)
    return clawrt_error_wrap(err, "root.readonly");
  unsigned long prop;
  if (root_propagation(spec, &prop, err) < 0)
    return -1;
  if (prop && mount_set_propagation(rootfd, prop, err) < 0)
    return clawrt_error_wrap(err, "linux.rootfsPropagation");
  return 0;
}
