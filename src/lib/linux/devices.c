#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "devices.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "mount.h"
#include "resolve.h"
#include "util.h"

typedef struct dev_node {
  const char *path;   /* absolute, inside the container */
  mode_t type;        /* S_IFCHR S_IFBLK S_IFIFO */
  unsigned int major, minor;
  mode_t mode;
  uid_t uid;
  gid_t gid;
} dev_node;

static const dev_node default_devices[] = {
  { "/dev/null", S_IFCHR, 1, 3, 0666, 0, 0 },
  { "/dev/zero", S_IFCHR, 1, 5, 0666, 0, 0 },
  { "/dev/full", S_IFCHR, 1, 7, 0666, 0, 0 },
  { "/dev/random", S_IFCHR, 1, 8, 0666, 0, 0 },
  { "/dev/urandom", S_IFCHR, 1, 9, 0666, 0, 0 },
  { "/dev/tty", S_IFCHR, 5, 0, 0666, 0, 0 },
};

bool
devices_need_setup(const oci_spec *spec)
{
  /* a /dev bound from elsewhere is that place's business, like runc */
  for (size_t i = 0; i < spec->mounts_len; i++)
    {
      const oci_mount *m = &spec->mounts[i];
      if (m->destination && strcmp(m->destination, "/dev") == 0 && mount_is_bind(m))
        return false;
    }
  return true;
}

static bool
same_node(const struct stat *st, const dev_node *d)
{
  if ((st->st_mode & S_IFMT) != d->type)
    return false;
  return d->type == S_IFIFO
         || (major(st->st_rdev) == d->major && minor(st->st_rdev) == d->minor);
}

/* In a user namespace mknod is refused: bind the host's node, which must
 * be the device the spec asks for, onto an empty file. */
static int
bind_host_node(int rootfd, const dev_node *d, clawrt_error *err)
{
  cleanup_close int src = -1;
  if (mount_bind_detached(AT_FDCWD, d->path, false, &src, err) < 0)
    return clawrt_error_wrap(err, "host device %s", d->path);
  struct stat st;
  if (fstat(src, &st) < 0)
    return clawrt_error_set(err, errno, "fstat host %s", d->path);
  if (!same_node(&st, d))
    return clawrt_error_set(err, ENODEV, "host %s is not the device %u:%u of the spec",
                            d->path, d->major, d->minor);
  cleanup_close int target = mkfile_in_root(rootfd, d->path, 0644, err);
  if (target < 0)
    return -1;
  struct stat ts;
  if (fstat(target, &ts) < 0)
    return clawrt_error_set(err, errno, "fstat %s", d->path);
  if (S_ISDIR(ts.st_mode))
    return clawrt_error_set(err, EISDIR, "%s is a directory in the rootfs", d->path);
  return mount_move_onto(src, target, err);
}

static int
make_node(int rootfd, const dev_node *d, clawrt_error *err)
{
  cleanup_free char *parent = NULL, *name = NULL;
  if (path_split_last(d->path, &parent, &name) < 0)
    return clawrt_error_set(err, EINVAL, "device path `%s`", d->path);
  cleanup_close int dir = mkdir_p_in_root(rootfd, parent, 0755, err);
  if (dir < 0)
    return -1;
  struct stat st;
  if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
    {
      if (S_ISDIR(st.st_mode))
        return clawrt_error_set(err, EISDIR, "%s is a directory in the rootfs", d->path);
      /* whatever the image left there (a file, a symlink, another node)
       * goes: the spec decides what this name is */
      if (!same_node(&st, d) && unlinkat(dir, name, 0) < 0)
        return clawrt_error_set(err, errno, "remove %s", d->path);
    }
  else if (errno != ENOENT)
    return clawrt_error_set(err, errno, "stat %s", d->path);

  if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    {
      /* umask would strip bits the spec asked for; the init is single
       * threaded here, so the process-wide umask is ours to borrow */
      mode_t old = umask(0);
      int r = mknodat(dir, name, d->type | (d->mode & 07777), makedev(d->major, d->minor));
      int saved = errno;
      umask(old);
      if (r < 0)
        return clawrt_error_set(err, saved, "mknod %s", d->path);
    }
  /* the name is re-checked on an fd that cannot be a symlink's target */
  cleanup_close int fd = openat(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 || fstat(fd, &st) < 0)
    return clawrt_error_set(err, errno, "open %s", d->path);
  if (!same_node(&st, d))
    return clawrt_error_set(err, EEXIST, "%s changed while it was made", d->path);
  if (fchownat(fd, "", d->uid, d->gid, AT_EMPTY_PATH) < 0)
    return clawrt_error_set(err, errno, "chown %s to %u:%u", d->path, (unsigned) d->uid,
                            (unsigned) d->gid);
  /* an existing node kept its mode: set it through the fd */
  if ((st.st_mode & 07777) != (d->mode & 07777))
    {
      cleanup_free char *proc = xasprintf("/proc/self/fd/%d", fd);
      if (chmod(proc, d->mode & 07777) < 0)
        return clawrt_error_set(err, errno, "chmod %s", d->path);
    }
  return 0;
}

static int
create_one(int rootfd, const dev_node *d, bool userns, clawrt_error *err)
{
  if (userns)
    return bind_host_node(rootfd, d, err);
  return make_node(rootfd, d, err);
}

static bool
spec_has_device(const oci_spec *spec, const char *path)
{
  if (spec->linux == NULL)
    return false;
  for (size_t i = 0; i < spec->linux->devices_len; i++)
    if (spec->linux->devices[i].path && strcmp(spec->linux->devices[i].path, path) == 0)
      return true;
  return false;
}

static int
from_spec(const oci_device *sd, dev_node *d)
{
  memset(d, 0, sizeof *d);
  d->path = sd->path;
  switch (sd->type ? sd->type[0] : 0)
    {
    case 'c':
    case 'u':
      d->type = S_IFCHR;
      break;
    case 'b':
      d->type = S_IFBLK;
      break;
    case 'p':
      d->type = S_IFIFO;
      break;
    default:
      return -1;
    }
  d->major = (unsigned int) sd->major;
  d->minor = (unsigned int) sd->minor;
  d->mode = sd->has_file_mode ? (mode_t) (sd->file_mode & 07777) : 0666;
  d->uid = sd->has_uid ? sd->uid : 0;
  d->gid = sd->has_gid ? sd->gid : 0;
  return 0;
}

int
devices_create(int rootfd, const oci_spec *spec, bool userns, clawrt_error *err)
{
  for (size_t i = 0; i < sizeof default_devices / sizeof default_devices[0]; i++)
    {
      const dev_node *d = &default_devices[i];
      if (spec_has_device(spec, d->path))
        continue;
      if (create_one(rootfd, d, userns, err) < 0)
        return clawrt_error_wrap(err, "default device %s", d->path);
    }
  if (spec->linux == NULL)
    return 0;
  for (size_t i = 0; i < spec->linux->devices_len; i++)
    {
      dev_node d;
      if (from_spec(&spec->linux->devices[i], &d) < 0)
        return clawrt_error_set(err, EINVAL, "linux.devices[%zu].type: unknown \"%s\"", i,
                                spec->linux->devices[i].type ? spec->linux->devices[i].type : "");
      if (d.type == S_IFIFO && userns)
        {
          /* a FIFO needs no privilege: make it even in a user namespace */
          if (make_node(rootfd, &d, err) < 0)
            return clawrt_error_wrap(err, "linux.devices[%zu]", i);
          continue;
        }
      if (create_one(rootfd, &d, userns, err) < 0)
        return clawrt_error_wrap(err, "linux.devices[%zu] (%s)", i, d.path);
    }
  return 0;
}

static int
replace_with_symlink(int devfd, const char *name, const char *target, bool replace,
                     clawrt_error *err)
{
  if (symlinkat(target, devfd, name) == 0)
    return 0;
  if (errno != EEXIST)
    return clawrt_error_set(err, errno, "symlink /dev/%s -> %s", name, target);
  if (!replace)
    return 0;
  struct stat st;
  if (fstatat(devfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return clawrt_error_set(err, errno, "stat /dev/%s", name);
  if (S_ISDIR(st.st_mode))
    return clawrt_error_set(err, EISDIR, "/dev/%s is a directory", name);
  if (unlinkat(devfd, name, 0) < 0 || symlinkat(target, devfd, name) < 0)
    return clawrt_error_set(err, errno, "symlink /dev/%s -> %s", name, target);
  return 0;
}

int
devices_symlinks(int rootfd, clawrt_error *err)
{
  cleanup_close int dev = mkdir_p_in_root(rootfd, "/dev", 0755, err);
  if (dev < 0)
    return -1;
  static const struct { const char *name, *target; } links[] = {
    { "fd", "/proc/self/fd" },
    { "stdin", "/proc/self/fd/0" },
    { "stdout", "/proc/self/fd/1" },
    { "stderr", "/proc/self/fd/2" },
  };
  for (size_t i = 0; i < sizeof links / sizeof links[0]; i++)
    if (replace_with_symlink(dev, links[i].name, links[i].target, false, err) < 0)
      return -1;
  /* only where the kernel has one to point at */
  if (access("/proc/kcore", F_OK) == 0
      && replace_with_symlink(dev, "core", "/proc/kcore", false, err) < 0)
    return -1;
  /* the container's devpts instance, not a host node */
  return replace_with_symlink(dev, "ptmx", "pts/ptmx", true, err);
}

int
devices_console(int rootfd, int console_fd, clawrt_error *err)
{
  struct stat st;
  if (fstat(console_fd, &st) < 0)
    return clawrt_error_set(err, errno, "fstat console");
  /* Unix98 pty slaves: majors 136..143 */
  if (!S_ISCHR(st.st_mode) || major(st.st_rdev) < 136 || major(st.st_rdev) > 143)
    return clawrt_error_set(err, ENOTTY, "console fd is not a pty slave (device %u:%u)",
                            major(st.st_rdev), minor(st.st_rdev));
  cleanup_close int dev = mkdir_p_in_root(rootfd, "/dev", 0755, err);
  if (dev < 0)
    return -1;
  /* never through a name the image may have made a symlink (CVE-2025-52565):
   * anything but a plain file at /dev/console is removed, and the mount
   * goes onto an fd opened without following */
  struct stat cs;
  if (fstatat(dev, "console", &cs, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISREG(cs.st_mode))
    {
      if (unlinkat(dev, "console", S_ISDIR(cs.st_mode) ? AT_REMOVEDIR : 0) < 0)
        return clawrt_error_set(err, errno, "remove /dev/console");
    }
  int f = openat(dev, "console", O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (f < 0)
    return clawrt_error_set(err, errno, "create /dev/console");
  close(f);
  cleanup_close int target = openat(dev, "console", O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (target < 0 || fstat(target, &cs) < 0)
    return clawrt_error_set(err, errno, "open /dev/console");
  if (!S_ISREG(cs.st_mode))
    return clawrt_error_set(err, EEXIST, "/dev/console changed while it was made");
  /* the fd's own mount belongs to the namespace it was opened in, which
   * open_tree refuses to copy: look its path up again here, and accept
   * the result only if it is the very same pty */
  char link[64], path[4096];
  snprintf(link, sizeof link, "/proc/self/fd/%d", console_fd);
  ssize_t l = readlink(link, path, sizeof path - 1);
  if (l < 0)
    return clawrt_error_set(err, errno, "readlink %s", link);
  path[l] = '\0';
  cleanup_close int src = -1;
  if (mount_bind_detached(AT_FDCWD, path, false, &src, err) < 0)
    return clawrt_error_wrap(err, "console %s", path);
  struct stat ss;
  if (fstat(src, &ss) < 0)
    return clawrt_error_set(err, errno, "fstat %s", path);
  if (ss.st_dev != st.st_dev || ss.st_ino != st.st_ino || ss.st_rdev != st.st_rdev)
    return clawrt_error_set(err, EXDEV, "console: %s is not the pty that was passed", path);
  if (mount_move_onto(src, target, err) < 0)
    return clawrt_error_wrap(err, "bind the console on /dev/console");
  return 0;
}
