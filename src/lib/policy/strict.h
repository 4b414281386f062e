/* Strict mode: one policy for untrusted work, applied to the parsed spec
 * before planning, then carried out by the ordinary mechanisms.  It is a
 * pure transformation (same spec in, same spec out) except for the parts
 * only the host can answer, which the mechanisms refuse at run time:
 * a cgroup already in use, a kernel without seccomp or cgroup namespaces.
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
 * (when non-NULL), one line each, for `audit` and `spec --effective`.
 * Fails (closed) when the spec asks for something strict mode cannot make
 * safe, e.g. joining another process's cgroup namespace. */
int strict_apply(oci_spec *spec, const char *origin, oci_strv *changes, clawrt_error *err);

/* The per-process part (capabilities, no_new_privileges), also applied to
 * every `exec` into a strict container. */
void strict_apply_process(oci_process *p, oci_strv *changes);

#endif
