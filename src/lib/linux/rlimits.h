/* process.rlimits: POSIX resource limits of the container process. */
#ifndef CLAWRT_RLIMITS_H
#define CLAWRT_RLIMITS_H

#include <stddef.h>

#include "error.h"
#include "ocispec.h"

/* "RLIMIT_NOFILE" <-> RLIMIT_NOFILE; -1 / NULL when unknown. */
int rlimit_from_name(const char *name);
const char *rlimit_to_name(int resource);
/* Every name, for features and tests. */
const char *const *rlimit_names(size_t *n);

/* "config.json: process.rlimits[1].type: unknown rlimit \"RLIMIT_FOO\"",
 * "...rlimits[1]: soft limit 10 is above hard limit 5",
 * "...rlimits[2].type: duplicate RLIMIT_NOFILE (first at rlimits[0])". */
int rlimits_validate(const oci_rlimit *r, size_t n, const char *origin, clawrt_error *err);

/* setrlimit each one in the child (before dropping privileges).  Raising a
 * hard limit above the current one needs CAP_SYS_RESOURCE in the initial user
 * namespace; without it the error says so and gives the current hard limit.
 * Errors name the index ("process.rlimits[1]: ..."). */
int rlimits_apply(const oci_rlimit *r, size_t n, clawrt_error *err);

#endif
