/* procfs: the only way libclawrt reads or writes /proc.
 *
 * A container controls its rootfs, so a path string like "/proc/self/attr/exec"
 * may name anything (a bind mount over /proc, a symlink, a FUSE file).  Every
 * access therefore starts from an fd that was verified to be the root of a
 * procfs mount, walks with openat2() refusing symlinks, magic links and mount
 * crossings, and checks again that the file it got is on procfs.
 */
#ifndef CLAWRT_PROCFS_H
#define CLAWRT_PROCFS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "error.h"

/* O_PATH|O_DIRECTORY|O_CLOEXEC fd of dirfd/path, which must be the root of a
 * procfs mount (fstatfs PROC_SUPER_MAGIC and statx STATX_ATTR_MOUNT_ROOT). */
int procfs_open_root(int dirfd, const char *path, clawrt_error *err);

/* Fail unless fd lives on procfs.  `what` names it in the error. */
int procfs_verify_fd(int fd, const char *what, clawrt_error *err);

/* Open procfd/rel (rel is relative, e.g. "sys/net/ipv4/ip_forward" or
 * "1234/oom_score_adj") with openat2 RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS|
 * RESOLVE_NO_MAGICLINKS|RESOLVE_NO_XDEV; O_CLOEXEC is always added.  The
 * result is re-verified on procfs. */
int procfs_open_at(int procfd, const char *rel, int flags, clawrt_error *err);

/* "self" and "thread-self" are symlinks, which procfs_open_at refuses.  This
 * reads procfd's own thread-self link (so the pid is the one *this procfs
 * instance* sees, right even across pid namespaces) and opens
 * "<pid>/task/<tid>/rel". */
int procfs_open_thread_self(int procfd, const char *rel, int flags, clawrt_error *err);

/* Write value (no newline added) to procfd/rel in one write(2): procfs
 * parses per write, so a short write is an error, not a retry. */
int procfs_write_at(int procfd, const char *rel, const char *value, clawrt_error *err);
int procfs_write_thread_self(int procfd, const char *rel, const char *value,
                             clawrt_error *err);

/* Read at most max bytes of procfd/rel into a NUL-terminated heap string. */
int procfs_read_at(int procfd, const char *rel, size_t max, char **out, clawrt_error *err);

#endif
