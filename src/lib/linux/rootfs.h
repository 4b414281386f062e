/* The container's filesystem view, built by its init inside the new mount
 * namespace: rootfs_prepare -> (createContainer hooks) -> rootfs_pivot ->
 * rootfs_finalize.  rootfs_validate runs in the parent before anything is
 * created, so bad input makes nothing. */
#ifndef CLAWRT_LINUX_ROOTFS_H
#define CLAWRT_LINUX_ROOTFS_H

#include <stdbool.h>

#include "error.h"
#include "ocispec.h"

/* What the parent opens, as host root and before clone3, for a container in
 * a user namespace: its mapped root may not even look up root.path or a
 * bind source (a bundle below a 0700 directory), and only the host may make
 * an idmapped mount.  The child inherits the fds with its copy of the fd
 * table.  Detached trees cannot be cloned again in another mount namespace,
 * so each is attached at most once. */
typedef struct rootfs_fds {
  int root;          /* open_tree(OPEN_TREE_CLONE|AT_RECURSIVE) of root.path, -1 */
  int *mounts;       /* n entries, one per spec mount: a detached tree of its bind
                        source (idmapped when asked), -1; NULL when none */
  size_t n;
} rootfs_fds;
#define ROOTFS_FDS_INIT { .root = -1, .mounts = NULL, .n = 0 }

typedef struct rootfs_config {
  const oci_spec *spec;
  const char *rootfs;       /* absolute host path of root.path */
  const char *bundle;       /* absolute, relative mount sources resolve against it */
  int console_fd;           /* pty slave to bind on /dev/console, -1 if none */
  bool userns;              /* in a new user ns: no mknod, bind host devices instead */
  const char *mount_label;  /* SELinux context= for mounts, NULL if none/disabled */
  /* From rootfs_parent_open, or NULL.  An idmapped tree is always used; the
   * rootfs and plain bind trees only where the container's own lookup of
   * the host path is refused (EACCES): mounts the child clones itself keep
   * the locks the kernel puts on them for a user namespace. */
  const rootfs_fds *fds;
} rootfs_config;

/* Called in the child, already in its new mount ns (and user ns when asked),
 * before pivot_root: "/" rslave (or per rootfsPropagation), the rootfs
 * bound onto itself, every spec mount, default devices + linux.devices,
 * /dev symlinks, /dev/console.  *rootfd gets an O_PATH fd of the new root
 * (for rootfs_pivot; the caller closes it). */
int rootfs_prepare(const rootfs_config *cfg, int *rootfd, clawrt_error *err);

/* In the parent (host root, host user and mount namespaces), before clone3:
 * when the spec asks for a user namespace and a new mount namespace, the
 * trees of rootfs_fds (rootfs path as root.path resolved, bind sources
 * relative to bundle), each with the propagation the child would give it
 * (rslave, or per rootfsPropagation); with a user namespace and a joined
 * mount namespace, the idmapped trees only; otherwise nothing at all.  `out`
 * is always initialised; on failure nothing is left open. */
int rootfs_parent_open(const oci_spec *spec, const char *rootfs, const char *bundle,
                       rootfs_fds *out, clawrt_error *err);

/* Close every fd of `fds` and reset it to ROOTFS_FDS_INIT: the parent after
 * clone3 (the child holds its own copies), the child after rootfs_prepare. */
void rootfs_fds_close(rootfs_fds *fds);

/* pivot_root(".", ".") on rootfd, old root made rslave then detached, cwd
 * "/".  no_pivot: MS_MOVE the root onto "/" and chroot (for ramfs roots). */
int rootfs_pivot(int rootfd, bool no_pivot, clawrt_error *err);

/* After pivot: maskedPaths, readonlyPaths, root.readonly,
 * rootfsPropagation. */
int rootfs_finalize(const oci_spec *spec, clawrt_error *err);

/* In the parent, before anything is created: mounts (destination, type,
 * options, mappings), linux.devices, masked/readonly paths,
 * rootfsPropagation; the message names the JSON path, prefixed by origin
 * ("config.json"). */
int rootfs_validate(const oci_spec *spec, const char *origin, clawrt_error *err);

#endif
