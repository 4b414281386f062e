/* The host side of strict mode (policy/strict.h is the pure side): what
 * only this kernel and this cgroup tree can answer, checked at create time
 * so that a strict container that cannot get an item does not start. */
#ifndef CLAWRT_CONTAINER_STRICT_H
#define CLAWRT_CONTAINER_STRICT_H

#include "cgroup/cgroup.h"
#include "error.h"
#include "policy/strict.h"

/* Probe this kernel for what strict mode needs (cgroup and mount
 * namespaces, errno-returning seccomp filters).  proc: "/proc" (tests give
 * a fake tree); the seccomp probe is always the real kernel's. */
void strict_host_probe(const char *proc, strict_host *out);

/* Item 1, own leaf: refuse a cgroup that processes other than the ones it
 * is made for already use, in any hierarchy: processes in the leaf or in
 * a cgroup below it (the path of a live container, or a parent of one),
 * or in a cgroup above it (the leaf would sit inside a live container's
 * cgroup), up to the runtime's own cgroup.  On refusal *cg is disposed of
 * without touching those processes (what this create made is removed, what
 * was there stays) and set to NULL. */
int strict_cgroup_own(cgroup_manager **cg, const char *origin, clawrt_error *err);

#endif
