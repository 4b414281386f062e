/* Load a bundle: read config.json, parse it, and validate it against this
 * host, so that bad input stops here with nothing created. */
#ifndef CLAWRT_BUNDLE_H
#define CLAWRT_BUNDLE_H

#include "error.h"
#include "ocispec.h"

typedef struct bundle {
  char *dir;            /* absolute, symlinks resolved */
  char *rootfs;         /* absolute path of root.path, symlinks resolved */
  char *origin;         /* how errors name the config file: "config.json" */
  oci_spec *spec;
} bundle;

/* config_path NULL: DIR/config.json. */
int bundle_load(const char *dir, const char *config_path, bundle **out, clawrt_error *err);
/* The checks of bundle_load on an already parsed spec (tests, policies). */
int bundle_validate(const oci_spec *spec, const char *origin, clawrt_error *err);
void bundle_free(bundle *b);

#define CLAWRT_CONFIG_MAX (16u << 20)

#endif
