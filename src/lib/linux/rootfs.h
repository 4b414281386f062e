/* The container's filesystem view, built by its init inside the new mount
 * namespace: rootfs_prepare -> (createContainer hooks) -> rootfs_pivot ->
 * rootfs_finalize.  rootfs_validate runs in the parent before anything is
 * created, so bad input makes nothing. */
#ifndef CLAWRT_LINUX_ROOTFS_H
#define CLAWRT_LINUX_ROOTFS_H

#include <stdbool.h>

#include "error.h"
#include "ocispec.h"

typedef struct rootfs_config {
  const oci_spec *spec;
  const char *rootfs;       /* absolute host path of root.path */
  const char *bundle;       /* absolute, relative mount sources resolve against it */
  int console_fd;           /* pty slave to bind on /dev/console, -1 if none */
  bool userns;              /* in a new user ns: no mknod, bind host devices instead */
  const char *mount_label;  /* SELinux context= for mounts, NULL if none/disabled */
  /* Optional: one fd per spec mount (spec->mounts_len entries), a detached
   * tree made by the parent with mount_open_idmapped(), or -1.  NULL: none.
   * Needed for idmapped mounts when userns is true. */
  const int *mount_fds;
} rootfs_config;

/* Called in the child, already in its new mount ns (and user ns when asked),
 * before pivot_root: "/" rslave (or per rootfsPropagation), the rootfs
 * bound onto itself, every spec mount, default devices + linux.devices,
 * /dev symlinks, /dev/console.  *rootfd gets an O_PATH fd of the new root
 * (for rootfs_pivot; the caller closes it). */
int rootfs_prepare(const rootfs_config *cfg, int *rootfd, clawrt_error *err);

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
