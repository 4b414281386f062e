#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
/* rootfs_parent_open: what the runtime opens for a container in a user
 * namespace while it is still host root in the host's namespaces, so that
 * the container's init, already its user namespace's (unprivileged) root,
 * can mount what it could not reach.  See rootfs.h. */
#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <unistd.h>

#include "fs_internal.h"
#include "mount.h"
#include "mount_opts.h"
#include "rootfs.h"
#include "util.h"

static const oci_namespace *
find_namespace(const oci_spec *spec, const char *type)
{
  if (spec->linux == NULL)
    return NULL;
  for (size_t i = 0; i < spec->linux->namespaces_len; i++)
    if (spec->linux->namespaces[i].type && strcmp(spec->linux->namespaces[i].type, type) == 0)
      return &spec->linux->namespaces[i];
  return NULL;
}

void
rootfs_fds_close(rootfs_fds *fds)
{
  if (fds == NULL)
    return;
  if (fds->root >= 0)
    close(fds->root);
  for (size_t i = 0; fds->mounts && i < fds->n; i++)
    if (fds->mounts[i] >= 0)
      close(fds->mounts[i]);
  free(fds->mounts);
  *fds = (rootfs_fds) ROOTFS_FDS_INIT;
}

/* The user namespace whose mappings an "idmap" mount without mappings of
 * its own borrows: one made with linux.uid/gidMappings (the container's
 * own does not exist yet), or the one the container joins.  -1 with no
 * error when there is neither: mount_open_idmapped then names the mount. */
static int
container_userns_fd(const oci_spec *spec, const oci_namespace *user, int *out,
                    clawrt_error *err)
{
  const oci_linux *l = spec->linux;
  *out = -1;
  if (l->uid_mappings_len > 0 || l->gid_mappings_len > 0)
    return idmap_userns_fd(l->uid_mappings, l->uid_mappings_len, l->gid_mappings,
                           l->gid_mappings_len, out, err);
  if (user->path == NULL || user->path[0] == '\0')
    return 0;
  int fd = open(user->path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return clawrt_error_set(err, errno, "linux.namespaces: user namespace `%s`", user->path);
  if (ioctl(fd, NS_GET_NSTYPE) != CLONE_NEWUSER)
    {
      close(fd);
      return clawrt_error_set(err, EINVAL, "linux.namespaces: `%s` is not a user namespace",
                              user->path);
    }
  *out = fd;
  return 0;
}

/* The propagation the child gives "/" before it clones anything there
 * (rslave unless rootfsPropagation says otherwise), so a tree cloned here
 * relates to the host's mounts as one cloned there would.  A shared one
 * is left as cloned, a peer of its source, as a clone of a shared "/" is.
 * The root itself is made private then, as make_parent_private() leaves
 * the child's own copy. */
static int
give_propagation(int fd, unsigned long prop, bool is_root, clawrt_error *err)
{
  if (prop & MS_SHARED)
    return is_root ? mount_set_propagation(fd, MS_PRIVATE, err) : 0;
  return mount_set_propagation(fd, prop ? prop : (MS_SLAVE | MS_REC), err);
}

static int
open_bind_tree(const oci_mount *m, size_t i, const char *bundle, int userns_fd,
               unsigned long prop, int *out, clawrt_error *err)
{
  cleanup_free char *where = xasprintf("mounts[%zu].options", i);
  mount_flags mf;
  if (mount_opts_parse(&m->options, where, &mf, err) < 0)
    return -1;
  bool remount = mf.remount, rbind = mf.rbind;
  mount_flags_free(&mf);
  *out = -1;
  if (remount || !mount_is_bind(m))
    return 0;
  cleanup_close int fd = -1;
  if (mount_is_idmapped(m))
    {
      if (mount_open_idmapped(m, i, bundle, userns_fd, &fd, err) < 0)
        return -1;
    }
  else
    {
      if (m->source == NULL)
        return clawrt_error_set(err, EINVAL, "mounts[%zu].source: required for a bind mount",
                                i);
      cleanup_free char *src = fs_bind_source_path(m, bundle);
      if (mount_bind_detached(AT_FDCWD, src, rbind, &fd, err) < 0)
        return clawrt_error_wrap(err, "mounts[%zu] (bind on %s)", i,
                                 m->destination ? m->destination : "?");
    }
  if (give_propagation(fd, prop, false, err) < 0)
    return clawrt_error_wrap(err, "mounts[%zu]", i);
  *out = steal_fd(&fd);
  return 0;
}

int
rootfs_parent_open(const oci_spec *spec, const char *rootfs, const char *bundle,
                   rootfs_fds *out, clawrt_error *err)
{
  *out = (rootfs_fds) ROOTFS_FDS_INIT;
  const oci_namespace *user = find_namespace(spec, "user");
  const oci_namespace *mnt = find_namespace(spec, "mount");
  /* without a user namespace the init is host root and needs none of it;
   * without a mount namespace it mounts nothing */
  if (user == NULL || mnt == NULL)
    return 0;
  /* in a joined mount namespace, root.path and the bind sources are that
   * namespace's paths: only what the child cannot make at all is made */
  bool joined = mnt->path && mnt->path[0];
  bool any_idmap = false;
  for (size_t i = 0; i < spec->mounts_len; i++)
    any_idmap = any_idmap || mount_is_idmapped(&spec->mounts[i]);
  if (joined && !any_idmap)
    return 0;

  unsigned long prop = 0;
  const char *p = spec->linux->rootfs_propagation;
  if (p && p[0] && mount_propagation_parse(p, &prop) < 0)
    return clawrt_error_set(err, EINVAL, "linux.rootfsPropagation: unknown value \"%s\"", p);

  rootfs_fds r = ROOTFS_FDS_INIT;
  cleanup_close int userns_fd = -1;
  if (any_idmap && container_userns_fd(spec, user, &userns_fd, err) < 0)
    return -1;
  if (!joined)
    {
      if (mount_bind_detached(AT_FDCWD, rootfs, true, &r.root, err) < 0
          || give_propagation(r.root, prop, true, err) < 0)
        {
          rootfs_fds_close(&r);
          return clawrt_error_wrap(err, "root.path `%s`", rootfs);
        }
    }
  if (spec->mounts_len > 0)
    {
      r.n = spec->mounts_len;
      r.mounts = xmalloc0(r.n * sizeof *r.mounts);
      for (size_t i = 0; i < r.n; i++)
        r.mounts[i] = -1;
    }
  for (size_t i = 0; i < r.n; i++)
    {
      const oci_mount *m = &spec->mounts[i];
      if (joined && !mount_is_idmapped(m))
        continue;
      if (open_bind_tree(m, i, bundle, userns_fd, prop, &r.mounts[i], err) < 0)
        {
          rootfs_fds_close(&r);
          return -1;
        }
    }
  *out = r;
  return 0;
}
