/* Small edits of a parsed spec, for policies and for `exec`: everything in
 * an oci_spec is heap-owned, so edits allocate and free consistently with
 * oci_spec_free(). */
#ifndef CLAWRT_SPEC_EDIT_H
#define CLAWRT_SPEC_EDIT_H

#include <stdbool.h>

#include "ocispec.h"

void strv_add(oci_strv *v, const char *s);
/* Add s unless it is there already. */
void strv_add_unique(oci_strv *v, const char *s);
/* Remove every occurrence; returns how many. */
size_t strv_remove(oci_strv *v, const char *s);
bool strv_contains(const oci_strv *v, const char *s);
/* Replace the contents with a NULL-terminated vector (copied). */
void strv_set(oci_strv *v, char *const *src);

#endif
