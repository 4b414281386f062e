/* Path resolution inside a container root that the container (or whoever
 * built the image) controls.  Every lookup goes through openat2() with
 * RESOLVE_IN_ROOT, so ".." and absolute symlinks are clamped to the root
 * and a symlink can never lead a mount or a mknod out to the host
 * (CVE-2021-30465 class).  Magic links (/proc/self/fd/N style) are refused. */
#ifndef CLAWRT_LINUX_RESOLVE_H
#define CLAWRT_LINUX_RESOLVE_H

#include <sys/types.h>

#include "error.h"

/* openat2(rootfd, path, flags|O_CLOEXEC, RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS);
 * EAGAIN (a concurrent rename) is retried.  Returns the fd or -1. */
int open_in_root(int rootfd, const char *path, int flags, mode_t mode, clawrt_error *err);

/* Same, with extra RESOLVE_* bits (e.g. RESOLVE_NO_SYMLINKS). */
int open_in_root_how(int rootfd, const char *path, int flags, mode_t mode,
                     unsigned long long resolve, clawrt_error *err);

/* Create the missing directories of `path` inside the root, one component
 * at a time on the fd of its parent (mkdirat never follows the new name); a
 * dangling symlink on the way is followed inside the root.  The last
 * directory gets `mode`, those made on the way 0755 (both less the umask).
 * Returns an O_PATH fd of the final directory. */
int mkdir_p_in_root(int rootfd, const char *path, mode_t mode, clawrt_error *err);

/* Like mkdir_p_in_root for the parents (0755), then the last component as
 * an empty regular file of `mode` if missing (O_CREAT|O_EXCL|O_NOFOLLOW on
 * the parent fd).  Whatever already exists there is returned as is.  O_PATH
 * fd. */
int mkfile_in_root(int rootfd, const char *path, mode_t mode, clawrt_error *err);

/* Split "a//b/./c/" into its last component and the rest: *parent gets
 * "a/b" (or "" for a top-level name), *name "c".  Both heap, caller frees.
 * -1 with EINVAL when nothing is left (path "/" or ""). Pure. */
int path_split_last(const char *path, char **parent, char **name);

#endif
