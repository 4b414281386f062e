/* `features`: what this runtime supports, as runtime-spec features.md
 * describes it.  Every list is read from the table the parser, the
 * validator or the mechanism itself uses (namespace kinds, capability
 * names, mount options, seccomp names, the hook lists of the spec model),
 * and every "enabled" is probed on this host, so the document cannot
 * claim something a container would then be refused. */
#ifndef CLAWRT_FEATURES_H
#define CLAWRT_FEATURES_H

#include "error.h"
#include "ocispec.h"

/* Minimum runtime-spec version a config.json may declare (bundle.c takes
 * any 1.x). */
#define FEATURES_OCI_VERSION_MIN "1.0.0"

/* What `criu check` said, for the checkpoint annotation. */
typedef enum features_criu {
  FEATURES_CRIU_UNKNOWN,     /* not probed: the annotation is left out */
  FEATURES_CRIU_WORKS,
  FEATURES_CRIU_BROKEN,      /* missing, or `criu check` fails */
} features_criu;

typedef struct features_opts {
  features_criu criu;
} features_opts;

/* Fill *out (zeroed first; free with features_free).  A host probe that
 * fails makes the feature absent or false; only a cgroup layout that cannot
 * be read at all (no mountinfo) fails the call. */
int features_get(const features_opts *o, oci_features *out, clawrt_error *err);
void features_free(oci_features *f);

/* features_get() + oci_features_emit(): indented JSON, as runc prints it. */
int features_json(const features_opts *o, char **json, size_t *len, clawrt_error *err);

#endif
