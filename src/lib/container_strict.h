/* The host side of strict mode (policy/strict.h is the pure side): what
 * only this kernel and this cgroup tree can answer, checked at create time
 * so that a strict container that cannot get an item does not start. */
#ifndef CLAWRT_CONTAINER_STRICT_H
#define CLAWRT_CONTAINER_STRICT_H

#include "cgroup/cgroup.h"
#include "error.h"
#include "policy/strict.h"

/* Probe this kernel for what strict mode needs (cgroup and mount
 * namespaces, errno-returning seccomp filters).  proc: NULL for "/proc"
 * (tests give a fake tree); the seccomp probe is always the real kernel's. */
void strict_host_probe(const char *proc, strict_host *out);

/* Item 1, own leaf: before anything is created or written, refuse a
 * cgroupsPath whose cgroup other processes already use, in any hierarchy:
 * processes in the leaf or in a cgroup below it (the path of a live
 * container, or a parent of one), or in a cgroup above it up to the
 * runtime's own (the leaf would sit inside a live container's cgroup and
 * count against, and be seen by, it).  o gives the tree (root_prefix,
 * mountinfo_path, self_cgroup_path, systemd) and res the resources, as for
 * cgroup_create_with, so the same hierarchies are looked at; nothing is
 * created or written.  A container made concurrently at a clashing path
 * after this check is the cgroup layer's to refuse (an existing leaf with
 * processes is refused there too). */
int strict_cgroup_own(const cgroup_create_opts *o, const char *id, const char *cgroups_path,
                      const oci_resources *res, const char *origin, clawrt_error *err);

#endif
