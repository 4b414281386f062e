/* linux.maskedPaths and linux.readonlyPaths, applied after pivot_root on
 * fds resolved in the new root. */
#ifndef CLAWRT_LINUX_PATHS_H
#define CLAWRT_LINUX_PATHS_H

#include "error.h"
#include "ocispec.h"

/* A directory gets an empty read-only tmpfs, anything else the container's
 * /dev/null, which must be the real char device 1:3 (checked on an O_PATH
 * fd, bound through that fd: CVE-2025-31133 class).  Missing: skipped. */
int paths_mask(int rootfd, const oci_strv *paths, clawrt_error *err);

/* Bind each path onto itself and make the copy read-only recursively.
 * Missing: skipped. */
int paths_readonly(int rootfd, const oci_strv *paths, clawrt_error *err);

#endif
