/* Identity of the container process: groups, gid, uid, umask, HOME. */
#ifndef CLAWRT_USER_H
#define CLAWRT_USER_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"
#include "ocispec.h"

/* In the child, before caps_apply():
 *   setgroups(additionalGids) -- an empty list clears the supplementary
 *     groups inherited from the runtime; skipped when !setgroups_allowed
 *     (a user namespace whose /proc/PID/setgroups is "deny"), in which case
 *     a non-empty additionalGids is an error;
 *   PR_SET_KEEPCAPS, setresgid(gid), setresuid(uid), PR_SET_KEEPCAPS off:
 *     the permitted set survives so caps_apply() can set the final sets;
 *   umask(user.umask), or 0022 when absent (runc's default).
 * Failing calls name the id ("setresuid(1000): ..."). */
int user_apply(const oci_user *u, bool setgroups_allowed, clawrt_error *err);

/* HOME for uid from the text of an /etc/passwd (pure, for unit tests): the
 * home field of the first line whose uid field equals uid, or "/" when there
 * is none, as runc does.  Caller frees. */
char *user_home_from_passwd(const char *passwd, size_t len, uid_t uid);

/* The same reading rootfd's etc/passwd (openat2 RESOLVE_IN_ROOT, regular
 * file, size capped); a missing file gives "/". */
int user_home_lookup(int rootfd, uid_t uid, char **home, clawrt_error *err);

#endif
