#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
/* The "cgroup" mount type.  What a container sees depends on the host:
 *  - pure cgroup v2 (/sys/fs/cgroup is cgroup2): one cgroup2 mount;
 *  - v1 or hybrid: a tmpfs with one directory per hierarchy the host has
 *    under /sys/fs/cgroup (cpu, memory, ..., name=systemd as "systemd", and
 *    the cgroup2 "unified" when there is one), co-mounted controllers
 *    reachable by symlinks.
 * With a cgroup namespace each is a fresh mount, which the kernel roots at
 * the namespace's cgroup; without one, the container's own cgroup directory
 * of each hierarchy is bound there, never a parent of it. */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "fs_internal.h"
#include "resolve.h"
#include "util.h"

#define CGROUP_ROOT "/sys/fs/cgroup"

typedef struct cg_line {
  char *controllers;  /* "cpu,cpuacct", "name=systemd", "" for v2 */
  char *path;
} cg_line;

static void
cg_lines_free(cg_line *v, size_t n)
{
  for (size_t i = 0; v && i < n; i++)
    {
      free(v[i].controllers);
      free(v[i].path);
    }
  free(v);
}

/* /proc/thread-self/cgroup: "4:memory:/a/b" per line. */
static int
cg_lines_read(cg_line **out, size_t *n, clawrt_error *err)
{
  cleanup_free char *buf = NULL;
  if (fs_read_thread_self("cgroup", &buf, err) < 0)
    return -1;
  size_t cap = 16, len = 0;
  cg_line *v = xmalloc0(cap * sizeof *v);
  for (char *p = buf; *p;)
    {
      char *e = strchrnul(p, '\n');
      char c = *e;
      *e = '\0';
      char *a = strchr(p, ':'), *b = a ? strchr(a + 1, ':') : NULL;
      if (a && b)
        {
          if (len == cap)
            v = xrealloc(v, (cap *= 2) * sizeof *v);
          v[len].controllers = strndup(a + 1, (size_t) (b - a - 1));
          v[len].path = xstrdup(b + 1);
          if (v[len].controllers == NULL)
            abort();
          len++;
        }
      p = c ? e + 1 : e;
    }
  *out = v;
  *n = len;
  return 0;
}

static bool
csv_has(const char *csv, const char *item, size_t ilen)
{
  for (const char *p = csv; p && *p;)
    {
      const char *e = strchrnul(p, ',');
      if ((size_t) (e - p) == ilen && strncmp(p, item, ilen) == 0)
        return true;
      p = *e ? e + 1 : e;
    }
  return false;
}

/* The line of /proc/self/cgroup for this hierarchy: for cgroup2 the one
 * with no controllers; for v1 the one whose controllers the superblock
 * options all name. */
static const cg_line *
own_line(const mountinfo_entry *e, const cg_line *v, size_t n)
{
  bool v2 = strcmp(e->fstype, "cgroup2") == 0;
  for (size_t i = 0; i < n; i++)
    {
      if (v2)
        {
          if (v[i].controllers[0] == '\0')
            return &v[i];
          continue;
        }
      if (v[i].controllers[0] == '\0')
        continue;
      bool all = true;
      for (const char *p = v[i].controllers; *p && all;)
        {
          const char *q = strchrnul(p, ',');
          all = csv_has(e->super_options, p, (size_t) (q - p));
          p = *q ? q + 1 : q;
        }
      if (all)
        return &v[i];
    }
  return NULL;
}

/* The host directory of our own cgroup in the hierarchy mounted at e. */
static int
own_dir(const mountinfo_entry *e, const cg_line *l, char **out, clawrt_error *err)
{
  const char *rel = l->path;
  size_t rl = strlen(e->root);
  if (strcmp(e->root, "/") != 0)
    {
      /* the host mounted a sub-cgroup here (it is itself in a container) */
      if (strncmp(rel, e->root, rl) != 0 || (rel[rl] != '/' && rel[rl] != '\0'))
        return clawrt_error_set(err, ENOENT, "cgroup %s is outside what %s shows (%s)",
                                l->path, e->mountpoint, e->root);
      rel += rl;
    }
  *out = xasprintf("%s%s", e->mountpoint, rel);
  return 0;
}

static int
hierarchy_mount(const mount_ctx *ctx, const mountinfo_entry *e, const cg_line *l,
                const mount_flags *mf, int *out, clawrt_error *err)
{
  bool v2 = strcmp(e->fstype, "cgroup2") == 0;
  if (ctx->cgroupns)
    /* the kernel roots a new mount at the namespace's cgroup; for v1 the
     * controller list ("cpu,cpuacct", "name=systemd") selects the hierarchy */
    return mount_fs_detached(e->fstype, e->fstype, v2 ? NULL : l->controllers, mf, NULL, out,
                             err);
  cleanup_free char *dir = NULL;
  if (own_dir(e, l, &dir, err) < 0)
    return -1;
  if (mount_bind_detached(AT_FDCWD, dir, true, out, err) < 0)
    return -1;
  return mount_apply_attrs(*out, mf, err);
}

static const char *
base_name(const char *p)
{
  const char *s = strrchr(p, '/');
  return s ? s + 1 : p;
}

static bool
directly_below_root(const char *mp)
{
  size_t l = strlen(CGROUP_ROOT);
  return strncmp(mp, CGROUP_ROOT, l) == 0 && mp[l] == '/' && mp[l + 1]
         && strchr(mp + l + 1, '/') == NULL;
}

/* mountinfo also lists mounts that something stacked later hides (a pure
 * v1 view built on a hybrid host leaves the cgroup2 mount under its own
 * tmpfs, and the v1 hierarchies twice): only the mount a lookup of the
 * mountpoint reaches now is the host's hierarchy. */
static bool
is_visible(const mountinfo_entry *e)
{
  struct statx stx;
  if (statx(AT_FDCWD, e->mountpoint, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT, STATX_MNT_ID,
            &stx) < 0 || !(stx.stx_mask & STATX_MNT_ID))
    return false;
  return stx.stx_mnt_id == (uint64_t) e->id;
}

static int
mount_v2_only(const mount_ctx *ctx, const oci_mount *m, const mount_flags *mf,
              const cg_line *lines, size_t nlines, clawrt_error *err)
{
  mountinfo_entry host = { .fstype = "cgroup2", .root = "/", .mountpoint = CGROUP_ROOT,
                           .super_options = "" };
  const cg_line *l = own_line(&host, lines, nlines);
  if (l == NULL)
    return clawrt_error_set(err, ENOENT, "no cgroup2 entry in /proc/self/cgroup");
  cleanup_close int mnt = -1;
  if (ctx->cgroupns)
    {
      if (mount_fs_detached("cgroup2", "cgroup2", mf->data, mf, NULL, &mnt, err) < 0)
        return -1;
    }
  else
    {
      /* the host hierarchy's mount root is what /proc/self/cgroup is relative
       * to when the runtime itself is not in a cgroup namespace */
      cleanup_free char *dir = xasprintf("%s%s", CGROUP_ROOT, l->path);
      if (mount_bind_detached(AT_FDCWD, dir, true, &mnt, err) < 0
          || mount_apply_attrs(mnt, mf, err) < 0)
        return -1;
    }
  cleanup_close int target = mkdir_p_in_root(ctx->rootfd, m->destination, 0755, err);
  if (target < 0 || mount_move_onto(mnt, target, err) < 0)
    return -1;
  return mount_set_propagation(mnt, mf->propagation, err);
}

static int
mount_hybrid(const mount_ctx *ctx, const oci_mount *m, const mount_flags *mf,
             const cg_line *lines, size_t nlines, clawrt_error *err)
{
  mountinfo_entry *mi = NULL;
  size_t nmi = 0;
  if (mountinfo_read(&mi, &nmi, err) < 0)
    return -1;
  int r = -1;
  cleanup_close int tmpfs = -1, target = -1;
  /* the tmpfs stays writable until its directories exist */
  mount_flags tf = *mf;
  tf.data = NULL;
  tf.flags &= ~(unsigned long) MS_RDONLY;
  tf.attr_set &= ~(uint64_t) MOUNT_ATTR_RDONLY;
  tf.rec_attr_set &= ~(uint64_t) MOUNT_ATTR_RDONLY;
  bool ro = (mf->attr_set & MOUNT_ATTR_RDONLY) || (mf->rec_attr_set & MOUNT_ATTR_RDONLY);
  if (mount_fs_detached("tmpfs", "tmpfs", "mode=755", &tf, ctx->mount_label, &tmpfs, err) < 0)
    goto out;
  target = mkdir_p_in_root(ctx->rootfd, m->destination, 0755, err);
  if (target < 0 || mount_move_onto(tmpfs, target, err) < 0)
    goto out;

  for (size_t i = 0; i < nmi; i++)
    {
      const mountinfo_entry *e = &mi[i];
      if ((strcmp(e->fstype, "cgroup") != 0 && strcmp(e->fstype, "cgroup2") != 0)
          || !directly_below_root(e->mountpoint) || !is_visible(e))
        continue;
      const cg_line *l = own_line(e, lines, nlines);
      if (l == NULL)
        continue;  /* a hierarchy this process is not in (not enabled for it) */
      const char *name = base_name(e->mountpoint);
      if (mkdirat(tmpfs, name, 0755) < 0 && errno != EEXIST)
        {
          clawrt_error_set(err, errno, "mkdir %s in the cgroup tmpfs", name);
          goto out;
        }
      cleanup_close int sub = open_in_root_how(tmpfs, name, O_PATH | O_DIRECTORY, 0,
                                               RESOLVE_NO_SYMLINKS, err);
      cleanup_close int hm = -1;
      if (sub < 0 || hierarchy_mount(ctx, e, l, mf, &hm, err) < 0
          || mount_move_onto(hm, sub, err) < 0)
        {
          clawrt_error_wrap(err, "cgroup hierarchy %s", name);
          goto out;
        }
      /* "cpu,cpuacct" is also reachable as "cpu" and "cpuacct" */
      if (strchr(name, ','))
        for (const char *p = name; *p;)
          {
            const char *q = strchrnul(p, ',');
            cleanup_free char *part = strndup(p, (size_t) (q - p));
            if (part && symlinkat(name, tmpfs, part) < 0 && errno != EEXIST)
              {
                clawrt_error_set(err, errno, "symlink %s -> %s", part, name);
                goto out;
              }
            p = *q ? q + 1 : q;
          }
    }
  if (ro && mount_setattr_fd(tmpfs, MOUNT_ATTR_RDONLY, 0, false, err) < 0)
    goto out;
  r = mount_set_propagation(tmpfs, mf->propagation, err);
out:
  mountinfo_free(mi, nmi);
  return r;
}

int
fs_mount_cgroup(const mount_ctx *ctx, const oci_mount *m, const mount_flags *mf,
                clawrt_error *err)
{
  cg_line *lines = NULL;
  size_t n = 0;
  if (cg_lines_read(&lines, &n, err) < 0)
    return -1;
  struct statfs sfs;
  int r;
  if (statfs(CGROUP_ROOT, &sfs) == 0 && sfs.f_type == CGROUP2_SUPER_MAGIC)
    r = mount_v2_only(ctx, m, mf, lines, n, err);
  else
    r = mount_hybrid(ctx, m, mf, lines, n, err);
  cg_lines_free(lines, n);
  return r;
}
