/* Linux security modules: SELinux process and mount labels, AppArmor exec
 * profile.  Every /proc/.../attr write goes through procfs.h. */
#ifndef CLAWRT_LSM_H
#define CLAWRT_LSM_H

#include <stdbool.h>

#include "error.h"
#include "ocispec.h"

/* SELinux is enabled when selinuxfs is mounted and the kernel has a policy
 * loaded: libselinux's is_selinux_enabled(), from libselinux loaded on the
 * first call (selinuxfs being mounted when it cannot be loaded).  Cached:
 * call it in the parent before clone when a child will ask. */
bool selinux_is_enabled(void);

/* Policy, in the parent before anything is created: a config that asks for
 * a confinement this host cannot give is refused, as runc 1.1 does:
 *   process.selinuxLabel or linux.mountLabel with SELinux disabled
 *     ("selinux label is specified in config, but selinux is disabled");
 *   process.apparmorProfile with AppArmor disabled (runc fails later, in
 *     its init; refusing here says why before a container exists).
 * A runtime that prefers crun's choice (run such configs unlabelled) simply
 * does not call this; the mechanisms below are safe either way. */
int lsm_validate(const oci_process *p, const oci_linux *l, const char *origin,
                 clawrt_error *err);

/* Label the next execve: write the label to attr/exec of the calling thread.
 * With SELinux disabled this is a deliberate no-op returning 0 (crun's
 * choice; runc refuses the config instead, which lsm_validate() does before
 * this is ever reached): there is nothing to enforce the label with.  label
 * NULL or "" is a no-op too.
 * The _at form takes a procfs root from procfs_open_root(); the short form
 * opens "/proc" of the caller's current root and verifies it. */
int selinux_set_exec_label_at(int procfd, const char *label, clawrt_error *err);
int selinux_set_exec_label(const char *label, clawrt_error *err);

/* Label of keyrings the thread creates (runc labels the session keyring
 * with the process label).  No-op when SELinux is disabled. */
int selinux_set_keycreate_label_at(int procfd, const char *label, clawrt_error *err);

/* Mount data with `context="label"` appended (comma-separated after data
 * when data is non-empty), for linux.mountLabel; when SELinux is disabled or
 * label is empty, a copy of data.  A label containing '"' is refused (it
 * would end the quoting that keeps "s0:c1,c2" one option).  *out is heap (never NULL on success). */
int selinux_mount_data(const char *data, const char *label, char **out, clawrt_error *err);

/* AppArmor is enabled when /sys/module/apparmor/parameters/enabled is "Y". */
bool apparmor_is_enabled(void);

/* Profile for the next execve: "exec PROFILE" to attr/apparmor/exec (or the
 * older attr/exec) of the calling thread.  Asking for a profile on a host
 * without AppArmor is an error, as runc makes it: the config asked for a
 * confinement that cannot be provided.  NULL or "" is a no-op. */
int apparmor_set_exec_profile_at(int procfd, const char *profile, clawrt_error *err);
int apparmor_set_exec_profile(const char *profile, clawrt_error *err);

#endif
