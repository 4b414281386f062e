/* Mount mechanisms, all through file descriptors: a detached mount is made
 * with fsopen/fsconfig/fsmount (new filesystem) or open_tree(OPEN_TREE_CLONE)
 * (bind), shaped with mount_setattr, and attached with
 * move_mount(MOVE_MOUNT_T_EMPTY_PATH) onto a target fd that was resolved
 * with openat2(RESOLVE_IN_ROOT).  No path string inside the rootfs is ever
 * handed to the kernel's mount code. */
#ifndef CLAWRT_LINUX_MOUNT_H
#define CLAWRT_LINUX_MOUNT_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "mount_opts.h"
#include "ocispec.h"

/* Everything a single spec mount needs to know about the container. */
typedef struct mount_ctx {
  int rootfd;               /* the container root (a mount root), O_PATH ok */
  const char *bundle;       /* relative bind sources resolve against it */
  const char *mount_label;  /* SELinux context= for new filesystems, or NULL */
  bool userns;              /* inside a new user namespace */
  bool cgroupns;            /* inside a new cgroup namespace */
  const oci_linux *linux;   /* for the container's id maps ("idmap" without
                               mappings of its own); may be NULL */
} mount_ctx;

/* Mount spec mount `m` (mounts[index], for messages) inside ctx->rootfd.
 * premade_fd >= 0 is a detached tree of m's bind source that the parent
 * made in the host user namespace (rootfs_parent_open), not closed here.
 * An idmapped one is always the source.  A plain one is the source only when
 * this process may not look the source path up (EACCES: the mapped root of a
 * user namespace below a 0700 directory); otherwise the bind is cloned here,
 * so that the kernel keeps the host's mount flags and submounts locked. */
int mount_spec_entry(const mount_ctx *ctx, const oci_mount *m, size_t index, int premade_fd,
                     clawrt_error *err);

/* A new detached filesystem: fsopen(type), every data option by fsconfig,
 * "source", the SELinux label, CMD_CREATE, fsmount with the attributes of
 * mf.  The kernel's own message from the fs context log is kept in *err. */
int mount_fs_detached(const char *type, const char *source, const char *data,
                      const mount_flags *mf, const char *label, int *out, clawrt_error *err);

/* A detached copy of the mount tree at dirfd/path (path "" = dirfd itself),
 * recursive for rbind. */
int mount_bind_detached(int dirfd, const char *path, bool recursive, int *out,
                        clawrt_error *err);

/* mount_setattr the attributes of mf on mntfd: the r* ones on the whole
 * subtree, then the plain ones on the top mount.  Propagation is separate
 * (mount_set_propagation), applied once the mount is attached. */
int mount_apply_attrs(int mntfd, const mount_flags *mf, clawrt_error *err);

/* Set or clear MOUNT_ATTR_* on the mount at fd (AT_RECURSIVE if asked). */
int mount_setattr_fd(int fd, uint64_t set, uint64_t clr, bool recursive, clawrt_error *err);

/* Propagation (MS_SHARED/MS_SLAVE/MS_PRIVATE/MS_UNBINDABLE, MS_REC = the
 * subtree) of the mount whose root is fd. */
int mount_set_propagation(int fd, unsigned long prop, clawrt_error *err);

/* Attach the detached mount mntfd on top of targetfd. */
int mount_move_onto(int mntfd, int targetfd, clawrt_error *err);

/* For the parent, in the host user namespace: a detached, idmapped copy of
 * bind mount m's source (relative to bundle).  The idmap comes from m's
 * uid/gidMappings, else from userns_fd (the container's user namespace),
 * else it is an error.  Idmapping needs CAP_SYS_ADMIN over the source's
 * superblock, so a child already in its user namespace cannot do it. */
int mount_open_idmapped(const oci_mount *m, size_t index, const char *bundle, int userns_fd,
                        int *out, clawrt_error *err);

/* Does spec mount m need mount_open_idmapped (idmap/ridmap or mappings)? */
bool mount_is_idmapped(const oci_mount *m);

/* Is m a bind mount (type "bind" or a bind/rbind option)? */
bool mount_is_bind(const oci_mount *m);

/* A user namespace with exactly these maps, as an fd (for MOUNT_ATTR_IDMAP):
 * a short-lived child unshares, the maps are written through the verified
 * host procfs, its ns/user is opened, the child is reaped. */
int idmap_userns_fd(const oci_id_mapping *uid, size_t uid_len, const oci_id_mapping *gid,
                    size_t gid_len, int *out, clawrt_error *err);

#endif
