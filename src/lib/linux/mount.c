#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "mount.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs_internal.h"
#include "resolve.h"
#include "util.h"

bool
mount_is_bind(const oci_mount *m)
{
  if (m->type && strcmp(m->type, "bind") == 0)
    return true;
  for (size_t i = 0; i < m->options.len; i++)
    if (strcmp(m->options.v[i], "bind") == 0 || strcmp(m->options.v[i], "rbind") == 0)
      return true;
  return false;
}

bool
mount_is_idmapped(const oci_mount *m)
{
  if (m->uid_mappings_len > 0 || m->gid_mappings_len > 0)
    return true;
  for (size_t i = 0; i < m->options.len; i++)
    if (strcmp(m->options.v[i], "idmap") == 0 || strcmp(m->options.v[i], "ridmap") == 0)
      return true;
  return false;
}

/* The fs context keeps the kernel's own explanation ("tmpfs: Bad value for
 * 'size'"); reading the fd drains it, one message per read. */
static void
fs_log_read(int fsfd, char *all, size_t cap)
{
  char buf[512];
  size_t used = 0;
  all[0] = '\0';
  for (int i = 0; i < 8; i++)
    {
      ssize_t n = read(fsfd, buf, sizeof buf - 1);
      if (n <= 0)
        break;
      buf[n] = '\0';
      if (buf[n - 1] == '\n')
        buf[--n] = '\0';
      /* each message starts with its level: "e ", "w " or "i " */
      const char *msg = (n > 2 && buf[1] == ' ') ? buf + 2 : buf;
      int w = snprintf(all + used, cap - used, "%s%s", used ? "; " : "", msg);
      if (w < 0 || (size_t) w >= cap - used)
        break;
      used += (size_t) w;
    }
}

static int __attribute__((format(printf, 4, 5)))
fs_fail(int fsfd, clawrt_error *err, int errnum, const char *fmt, ...)
{
  char log[2048];
  fs_log_read(fsfd, log, sizeof log);
  cleanup_free char *what = NULL;
  va_list ap;
  va_start(ap, fmt);
  if (vasprintf(&what, fmt, ap) < 0)
    what = NULL;
  va_end(ap);
  if (log[0])
    return clawrt_error_set(err, errnum, "%s (kernel: %s)", what ? what : "fsconfig", log);
  return clawrt_error_set(err, errnum, "%s", what ? what : "fsconfig");
}

/* Superblock flags that the new mount API takes as fsconfig flags.
 * MS_SILENT and MS_I_VERSION have no fsconfig name: silent only quietens
 * messages while the superblock is filled, and i_version is decided by
 * each filesystem since Linux 6.1. */
static const struct { unsigned long ms; const char *set, *clr; } sb_flags[] = {
  { MS_SYNCHRONOUS, "sync", "async" },
  { MS_DIRSYNC, "dirsync", NULL },
  { MS_MANDLOCK, "mand", "nomand" },
  { MS_LAZYTIME, "lazytime", "nolazytime" },
};

static int
fsconfig_flag(int fsfd, const char *key, clawrt_error *err)
{
  if (fsconfig(fsfd, FSCONFIG_SET_FLAG, key, NULL, 0) < 0)
    return fs_fail(fsfd, err, errno, "fsconfig %s", key);
  return 0;
}

/* One data option: "key=value" or a bare flag.  Backslash-escaped commas
 * stay in the value (overlayfs paths), as the kernel's own splitter does. */
static int
fsconfig_option(int fsfd, const char *opt, size_t len, clawrt_error *err)
{
  cleanup_free char *o = strndup(opt, len);
  if (o == NULL)
    abort();
  if (o[0] == '\0')
    return 0;
  char *eq = strchr(o, '=');
  if (eq == NULL)
    return fsconfig_flag(fsfd, o, err);
  *eq = '\0';
  if (fsconfig(fsfd, FSCONFIG_SET_STRING, o, eq + 1, 0) < 0)
    {
      *eq = '=';
      return fs_fail(fsfd, err, errno, "fsconfig %s", o);
    }
  return 0;
}

static int
fsconfig_data(int fsfd, const char *data, clawrt_error *err)
{
  const char *start = data;
  for (const char *p = data;; p++)
    {
      if (*p == '\\' && p[1])
        {
          p++;
          continue;
        }
      if (*p == ',' || *p == '\0')
        {
          if (fsconfig_option(fsfd, start, (size_t) (p - start), err) < 0)
            return -1;
          if (*p == '\0')
            return 0;
          start = p + 1;
        }
    }
}

static bool
data_has_key(const char *data, const char *key)
{
  size_t kl = strlen(key);
  for (const char *p = data; p && *p;)
    {
      if (strncmp(p, key, kl) == 0 && (p[kl] == '=' || p[kl] == ',' || p[kl] == '\0'))
        return true;
      p = strchr(p, ',');
      p = p ? p + 1 : NULL;
    }
  return false;
}

/* Filesystems whose superblock may be the host's own (one per pid, net or
 * ipc namespace, or one per hierarchy): "ro" there would flip the host's
 * superblock, so read-only is only ever a property of our mount. */
static bool
sb_may_be_shared(const char *type)
{
  static const char *const shared[] = { "proc", "sysfs", "mqueue", "cgroup", "cgroup2",
                                        "securityfs", "debugfs", "tracefs", "bpf",
                                        "fusectl", "configfs", "pstore", "binfmt_misc",
                                        "hugetlbfs", NULL };
  for (size_t i = 0; shared[i]; i++)
    if (strcmp(type, shared[i]) == 0)
      return true;
  return false;
}

int
mount_fs_detached(const char *type, const char *source, const char *data,
                  const mount_flags *mf, const char *label, int *out, clawrt_error *err)
{
  cleanup_close int fsfd = fsopen(type, FSOPEN_CLOEXEC);
  if (fsfd < 0)
    {
      if (errno == ENODEV)
        return clawrt_error_set(err, errno, "unknown filesystem type \"%s\" (not in "
                                "/proc/filesystems; is its module loaded?)", type);
      return clawrt_error_set(err, errno, "fsopen %s", type);
    }
  if (source && source[0]
      && fsconfig(fsfd, FSCONFIG_SET_STRING, "source", source, 0) < 0)
    return fs_fail(fsfd, err, errno, "fsconfig source=%s", source);
  if (data && data[0] && fsconfig_data(fsfd, data, err) < 0)
    return -1;
  if (mf)
    {
      for (size_t i = 0; i < sizeof sb_flags / sizeof sb_flags[0]; i++)
        {
          if ((mf->flags & sb_flags[i].ms) && fsconfig_flag(fsfd, sb_flags[i].set, err) < 0)
            return -1;
          if ((mf->clear & sb_flags[i].ms) && sb_flags[i].clr
              && fsconfig_flag(fsfd, sb_flags[i].clr, err) < 0)
            return -1;
        }
      if ((mf->flags & MS_RDONLY) && !sb_may_be_shared(type)
          && fsconfig_flag(fsfd, "ro", err) < 0)
        return -1;
    }
  if (label && label[0] && !data_has_key(data, "context")
      && fsconfig(fsfd, FSCONFIG_SET_STRING, "context", label, 0) < 0)
    return fs_fail(fsfd, err, errno, "fsconfig context=%s", label);
  if (fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
    return fs_fail(fsfd, err, errno, "create the %s filesystem", type);
  int mfd = fsmount(fsfd, FSMOUNT_CLOEXEC, 0);
  if (mfd < 0)
    return fs_fail(fsfd, err, errno, "fsmount %s", type);
  cleanup_close int mntfd = mfd;
  if (mf && mount_apply_attrs(mntfd, mf, err) < 0)
    return -1;
  *out = steal_fd(&mntfd);
  return 0;
}

int
mount_bind_detached(int dirfd, const char *path, bool recursive, int *out, clawrt_error *err)
{
  unsigned int flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0);
  if (path == NULL || path[0] == '\0')
    {
      flags |= AT_EMPTY_PATH;
      path = "";
    }
  int fd = open_tree(dirfd, path, flags);
  if (fd < 0)
    {
      if (errno == EINVAL)
        /* an unbindable source, a source in another mount namespace, or (in a user
         * namespace) a copy of one mount alone that would uncover what
         * the locked mounts below it hide */
        return clawrt_error_set(err, errno, "bind `%s`: unbindable, or not in this mount "
                                "namespace%s",
                                path[0] ? path : "(fd)",
                                recursive ? "" : ", or mounts below it are locked in this "
                                                 "user namespace (use \"rbind\")");
      return clawrt_error_set(err, errno, "open_tree `%s`", path[0] ? path : "(fd)");
    }
  *out = fd;
  return 0;
}

int
mount_setattr_fd(int fd, uint64_t set, uint64_t clr, bool recursive, clawrt_error *err)
{
  if (set == 0 && clr == 0)
    return 0;
  struct mount_attr a = { .attr_set = set, .attr_clr = clr };
  if (mount_setattr(fd, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &a, sizeof a) < 0)
    {
      if (errno == EPERM)
        return clawrt_error_set(err, errno, "mount_setattr%s: a flag the mount inherited "
                                "from its source is locked in this user namespace",
                                recursive ? " (recursive)" : "");
      return clawrt_error_set(err, errno, "mount_setattr%s", recursive ? " (recursive)" : "");
    }
  return 0;
}

int
mount_apply_attrs(int mntfd, const mount_flags *mf, clawrt_error *err)
{
  /* the subtree first, so a plain option can still override the top mount */
  if (mf->rec_attr && mount_setattr_fd(mntfd, mf->rec_attr_set, mf->rec_attr_clr, true, err) < 0)
    return -1;
  return mount_setattr_fd(mntfd, mf->attr_set, mf->attr_clr, false, err);
}

int
mount_set_propagation(int fd, unsigned long prop, clawrt_error *err)
{
  if (prop == 0)
    return 0;
  struct mount_attr a = { .propagation = prop & ~(unsigned long) MS_REC };
  unsigned int flags = AT_EMPTY_PATH | ((prop & MS_REC) ? AT_RECURSIVE : 0);
  if (mount_setattr(fd, "", flags, &a, sizeof a) < 0)
    return clawrt_error_set(err, errno, "set mount propagation");
  return 0;
}

int
mount_move_onto(int mntfd, int targetfd, clawrt_error *err)
{
  if (move_mount(mntfd, "", targetfd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
    return clawrt_error_set(err, errno, "move_mount");
  return 0;
}

int
fs_apply_idmap(int treefd, int userns_fd, bool recursive, clawrt_error *err)
{
  struct mount_attr a = { .attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t) userns_fd };
  if (mount_setattr(treefd, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &a, sizeof a) < 0)
    {
      if (errno == EINVAL)
        return clawrt_error_set(err, errno, "idmap the mount: the filesystem (or one below "
                                "it, for ridmap) does not support idmapped mounts");
      return clawrt_error_set(err, errno, "idmap the mount");
    }
  return 0;
}

char *
fs_bind_source_path(const oci_mount *m, const char *bundle)
{
  if (m->source[0] == '/' || bundle == NULL)
    return xstrdup(m->source);
  return xasprintf("%s/%s", bundle, m->source);
}

int
mount_open_idmapped(const oci_mount *m, size_t index, const char *bundle, int userns_fd,
                    int *out, clawrt_error *err)
{
  mount_flags mf;
  cleanup_free char *where = xasprintf("mounts[%zu].options", index);
  if (mount_opts_parse(&m->options, where, &mf, err) < 0)
    return -1;
  bool rbind = mf.rbind, ridmap = mf.ridmap;
  mount_flags_free(&mf);
  if (m->source == NULL)
    return clawrt_error_set(err, EINVAL, "mounts[%zu].source: required for a bind mount",
                            index);
  cleanup_free char *src = fs_bind_source_path(m, bundle);
  cleanup_close int tree = -1;
  if (mount_bind_detached(AT_FDCWD, src, rbind, &tree, err) < 0)
    return clawrt_error_wrap(err, "mounts[%zu]", index);
  cleanup_close int owned = -1;
  int ns = userns_fd;
  if (m->uid_mappings_len > 0 || m->gid_mappings_len > 0 || userns_fd < 0)
    {
      if (fs_idmap_for_mount(m, NULL, &owned, err) < 0)
        return clawrt_error_wrap(err, "mounts[%zu]", index);
      ns = owned;
    }
  if (fs_apply_idmap(tree, ns, ridmap, err) < 0)
    return clawrt_error_wrap(err, "mounts[%zu] (%s)", index, src);
  *out = steal_fd(&tree);
  return 0;
}

/* The destination for a new proc or sysfs must be a real directory: a
 * symlink (even one inside the root) is how CVE-2019-19921 redirected it. */
static int
open_real_dir(int rootfd, const char *dest, clawrt_error *err)
{
  cleanup_close int fd = mkdir_p_in_root(rootfd, dest, 0755, err);
  if (fd < 0)
    return -1;
  clawrt_error e2 = { 0 };
  int strict = open_in_root_how(rootfd, dest, O_PATH | O_DIRECTORY, 0, RESOLVE_NO_SYMLINKS, &e2);
  if (strict < 0)
    {
      int en = e2.errnum;
      clawrt_error_clear(&e2);
      if (en == ELOOP)
        return clawrt_error_set(err, en, "destination `%s` goes through a symlink; proc and "
                                "sysfs are only mounted on real directories", dest);
      return clawrt_error_set(err, en, "open `%s`", dest);
    }
  return strict;
}

static int
target_for(const mount_ctx *ctx, const char *dest, int srcfd, clawrt_error *err)
{
  struct stat st;
  if (srcfd >= 0)
    {
      if (fstat(srcfd, &st) < 0)
        return clawrt_error_set(err, errno, "fstat mount source");
      if (!S_ISDIR(st.st_mode))
        return mkfile_in_root(ctx->rootfd, dest, 0644, err);
    }
  return mkdir_p_in_root(ctx->rootfd, dest, 0755, err);
}

static int
attach(int mntfd, int target, const mount_flags *mf, clawrt_error *err)
{
  if (mount_move_onto(mntfd, target, err) < 0)
    return -1;
  /* propagation once attached: a shared mount has peers only in a
   * namespace, not in the anonymous one it was made in */
  return mount_set_propagation(mntfd, mf->propagation, err);
}

static int
do_bind(const mount_ctx *ctx, const oci_mount *m, const mount_flags *mf, int premade_fd,
        clawrt_error *err)
{
  cleanup_close int owned = -1;
  bool idmapped = mount_is_idmapped(m);
  int src = (premade_fd >= 0 && idmapped) ? premade_fd : -1;
  if (src < 0)
    {
      if (idmapped && ctx->userns)
        return clawrt_error_set(err, EPERM, "an idmapped mount in a user namespace must "
                                "be prepared by the runtime in the host namespace");
      cleanup_free char *path = fs_bind_source_path(m, ctx->bundle);
      if (mount_bind_detached(AT_FDCWD, path, mf->rbind, &owned, err) < 0)
        {
          /* the mapped root may not look it up: the parent's copy it is */
          if (err->errnum != EACCES || premade_fd < 0)
            return -1;
          clawrt_error_clear(err);
          src = premade_fd;
        }
      else
        src = owned;
      if (idmapped)
        {
          cleanup_close int ns = -1;
          if (fs_idmap_for_mount(m, ctx->linux, &ns, err) < 0
              || fs_apply_idmap(src, ns, mf->ridmap, err) < 0)
            return -1;
        }
    }
  if (mount_apply_attrs(src, mf, err) < 0)
    return -1;
  cleanup_close int target = target_for(ctx, m->destination, src, err);
  if (target < 0)
    return -1;
  return attach(src, target, mf, err);
}

/* "remount": change the flags of what is already mounted there. */
static int
do_remount(const mount_ctx *ctx, const oci_mount *m, const mount_flags *mf, clawrt_error *err)
{
  cleanup_close int fd = open_in_root(ctx->rootfd, m->destination, O_PATH, 0, err);
  if (fd < 0)
    return -1;
  if (mount_apply_attrs(fd, mf, err) < 0)
    return -1;
  return mount_set_propagation(fd, mf->propagation, err);
}

static bool
type_is(const oci_mount *m, const char *t)
{
  return m->type && strcmp(m->type, t) == 0;
}

static int
copy_up(int mntfd, int target, const mount_flags *mf, clawrt_error *err)
{
  /* fsmount's fd is O_PATH: a real directory fd of the tmpfs root, while
   * it is still detached and nobody else can see it */
  cleanup_close int dst = openat(mntfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dst < 0)
    return clawrt_error_set(err, errno, "open the new tmpfs");
  if (fs_copy_tree(target, dst, err) < 0)
    return -1;
  return mount_apply_attrs(mntfd, mf, err);
}

static int
do_fresh(const mount_ctx *ctx, const oci_mount *m, const mount_flags *mf, clawrt_error *err)
{
  bool procish = type_is(m, "proc") || type_is(m, "sysfs");
  if (mf->copyup && !type_is(m, "tmpfs"))
    return clawrt_error_set(err, EINVAL, "\"tmpcopyup\" is only for tmpfs");
  /* a copy-up fills the tmpfs first: read-only comes after */
  mount_flags wf = *mf;
  if (mf->copyup)
    {
      wf.flags &= ~(unsigned long) MS_RDONLY;
      wf.attr_set &= ~(uint64_t) MOUNT_ATTR_RDONLY;
      wf.rec_attr_set &= ~(uint64_t) MOUNT_ATTR_RDONLY;
    }
  /* SELinux labels for the filesystems that store them per mount; proc and
   * sysfs label themselves, and a label there is refused by the kernel */
  const char *label = procish ? NULL : ctx->mount_label;
  const char *source = (m->source && m->source[0]) ? m->source : m->type;
  cleanup_close int mntfd = -1;
  clawrt_error e2 = { 0 };
  if (mount_fs_detached(m->type, source, mf->data, &wf, label, &mntfd, &e2) < 0)
    {
      int en = e2.errnum;
      if (type_is(m, "sysfs") && ctx->userns && (en == EPERM || en == EACCES))
        {
          /* sysfs belongs to a network namespace, and one this user
           * namespace does not own cannot get a new instance: bind the
           * host's instead, as runc does */
          clawrt_error_clear(&e2);
          if (mount_bind_detached(AT_FDCWD, "/sys", true, &mntfd, err) < 0)
            return -1;
          /* the host's mounts below /sys come along: the restrictions asked
           * for /sys hold for them too */
          mount_flags rf = *mf;
          uint64_t lock = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV
                          | MOUNT_ATTR_NOEXEC;
          rf.rec_attr_set |= mf->attr_set & lock;
          rf.rec_attr_clr &= ~(mf->attr_set & lock);
          rf.rec_attr = rf.rec_attr || (mf->attr_set & lock);
          if (mount_apply_attrs(mntfd, &rf, err) < 0)
            return -1;
        }
      else if (type_is(m, "mqueue") && label)
        {
          /* older kernels do not take a context= on mqueue */
          clawrt_error_clear(&e2);
          if (mount_fs_detached(m->type, source, mf->data, mf, NULL, &mntfd, err) < 0)
            return -1;
        }
      else
        {
          clawrt_error_set(err, en, "%s", e2.msg ? e2.msg : "mount");
          clawrt_error_clear(&e2);
          return -1;
        }
    }
  cleanup_close int target = procish ? open_real_dir(ctx->rootfd, m->destination, err)
                                     : mkdir_p_in_root(ctx->rootfd, m->destination, 0755, err);
  if (target < 0)
    return -1;
  if (mf->copyup && copy_up(mntfd, target, mf, err) < 0)
    return -1;
  return attach(mntfd, target, mf, err);
}

int
mount_spec_entry(const mount_ctx *ctx, const oci_mount *m, size_t index, int premade_fd,
                 clawrt_error *err)
{
  cleanup_free char *where = xasprintf("mounts[%zu].options", index);
  mount_flags mf;
  if (mount_opts_parse(&m->options, where, &mf, err) < 0)
    return -1;
  bool bind = mount_is_bind(m);
  int r;
  if (mf.remount)
    r = do_remount(ctx, m, &mf, err);
  else if (bind)
    r = do_bind(ctx, m, &mf, premade_fd, err);
  else if (type_is(m, "cgroup"))
    r = fs_mount_cgroup(ctx, m, &mf, err);
  else
    r = do_fresh(ctx, m, &mf, err);
  mount_flags_free(&mf);
  if (r < 0)
    return clawrt_error_wrap(err, "mounts[%zu] (%s on %s)", index,
                             bind ? "bind" : (m->type ? m->type : "mount"), m->destination);
  return 0;
}
