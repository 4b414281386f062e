/* Device nodes in the container's /dev: the default set, linux.devices,
 * the /dev symlinks and /dev/console.  Everything is created on fds
 * resolved inside the root; in a user namespace (no mknod) the host node is
 * bind-mounted on an empty file instead. */
#ifndef CLAWRT_LINUX_DEVICES_H
#define CLAWRT_LINUX_DEVICES_H

#include <stdbool.h>

#include "error.h"
#include "ocispec.h"

/* null zero full random urandom tty (0666, root), unless linux.devices
 * names the same path, then linux.devices (mode, uid, gid). */
int devices_create(int rootfd, const oci_spec *spec, bool userns, clawrt_error *err);

/* /dev/fd -> /proc/self/fd, /dev/std{in,out,err}, /dev/core -> /proc/kcore
 * (only when /proc/kcore exists), /dev/ptmx -> pts/ptmx (replacing a node). */
int devices_symlinks(int rootfd, clawrt_error *err);

/* Bind the pty slave console_fd (verified: char device, major 136..143)
 * onto /dev/console, which is created as a plain file inside the root; a
 * symlink or anything else at /dev/console is removed first, never followed. */
int devices_console(int rootfd, int console_fd, clawrt_error *err);

/* Does the spec want /dev populated (i.e. /dev is not a bind mount)? */
bool devices_need_setup(const oci_spec *spec);

#endif
