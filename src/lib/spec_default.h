/* The starter config.json that `clawrt spec` writes: the same container as
 * runc's (a shell with three capabilities, new pid/net/ipc/uts/mount/cgroup
 * namespaces, read-only rootfs, /proc and /sys partly masked), so bundles
 * made for one runtime run on the other. */
#ifndef CLAWRT_SPEC_DEFAULT_H
#define CLAWRT_SPEC_DEFAULT_H

#include <sys/types.h>

#include "ocispec.h"

/* The runtime-spec version we write and implement. */
#define CLAWRT_OCI_VERSION "1.2.0"

/* A new spec; free with oci_spec_free(). */
oci_spec *spec_default(void);

/* Adapt spec for a user without privileges, the way `spec --rootless`
 * does: a user namespace mapping root inside to uid/gid outside, no network
 * namespace (an unprivileged user could not configure one), /sys bound from
 * the host (sysfs cannot be mounted without owning the network namespace),
 * devpts without gid=5 (no such group mapped), and no cgroup resources (an
 * unprivileged user cannot set them). */
void spec_make_rootless(oci_spec *spec, uid_t uid, gid_t gid);

#endif
