/* Strict mode: one policy for untrusted work, applied to the parsed spec
 * before planning, then carried out by the ordinary mechanisms.  It is a
 * pure transformation (same spec in, same spec out) except for the parts
 * only the host can answer, which are checked at create time
 * (container_strict.c: the kernel's cgroup namespaces and seccomp, a cgroup
 * already in use) and refused with the item they break.
 * See doc/strict-mode.md for the threat each item answers. */
#ifndef CLAWRT_STRICT_H
#define CLAWRT_STRICT_H

#include <stdbool.h>

#include "error.h"
#include "ocispec.h"

#define CLAWRT_STRICT_ANNOTATION "io.clawrt.strict"

/* The annotation says "true", or the caller forces it (clawrt --strict). */
bool strict_requested(const oci_spec *spec, bool forced);

/* Transform spec in place.  Every change made is described in *changes
 * (when non-NULL), one line each ("item N: field: what"), for `audit` and
 * `spec --effective`.  Fails (closed) when the spec asks for something
 * strict mode cannot make safe, e.g. joining another process's cgroup
 * namespace or binding the host's cgroup tree; the message starts with
 * "ORIGIN: strict mode: item N (...)".  Applying it twice changes nothing
 * more. */
int strict_apply(oci_spec *spec, const char *origin, oci_strv *changes, clawrt_error *err);

/* The per-process part (capabilities, no_new_privileges), also applied to
 * every `exec` into a strict container. */
void strict_apply_process(oci_process *p, oci_strv *changes);

/* What strict mode needs from the kernel, as probed on this host
 * (strict_host_probe in container_strict.h). */
typedef struct strict_host {
  bool cgroup_ns;      /* cgroup namespaces (/proc/self/ns/cgroup) */
  bool mount_ns;       /* mount namespaces (/proc/self/ns/mnt) */
  bool seccomp;        /* seccomp filters that return an errno can be loaded */
} strict_host;

/* Fail closed: an error naming the item and the missing kernel feature
 * when the host cannot give one. */
int strict_host_check(const strict_host *h, const char *origin, clawrt_error *err);

#endif
