/* Linux capabilities of the container process.
 *
 * Names are the kernel's CAP_* names.  A name this library knows but the
 * running kernel lacks (number > /proc/sys/kernel/cap_last_cap) is ignored,
 * as runc does, so one config works on older kernels; a name nobody knows is
 * an error that names the field.
 */
#ifndef CLAWRT_CAPS_H
#define CLAWRT_CAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "ocispec.h"

/* Highest capability number this library has a name for (CAP_CHECKPOINT_RESTORE). */
#define CAPS_MAX_KNOWN 40

/* Name <-> number.  caps_from_name accepts exactly "CAP_XXX" (upper case, as
 * the spec writes them); -1 when unknown.  caps_to_name returns NULL when
 * unknown. */
int caps_from_name(const char *name);
const char *caps_to_name(int cap);

/* The running kernel's last capability (probed once with PR_CAPBSET_READ, no
 * /proc access needed). */
int caps_last_cap(void);

/* Every set as a 64-bit mask, already restricted to caps_last_cap(). */
typedef struct caps_sets {
  uint64_t bounding, effective, inheritable, permitted, ambient;
} caps_sets;

/* Check every name; "config.json: process.capabilities.bounding[3]: unknown
 * capability \"CAP_FOO\"". */
int caps_validate(const oci_capabilities *c, const char *origin, clawrt_error *err);

/* Pure: names -> masks (c == NULL gives all sets empty).  Unknown names are
 * an error here too, so a caller that skipped caps_validate is still safe. */
int caps_compile(const oci_capabilities *c, caps_sets *out, clawrt_error *err);

/* Apply in the child.  Order, each step needing the previous one:
 *   1. raise effective to the current permitted set (after a setresuid done
 *      with PR_SET_KEEPCAPS the effective set is empty, and step 2 needs
 *      CAP_SETPCAP);
 *   2. PR_CAPBSET_DROP every capability not in `bounding`;
 *   3. capset(effective, permitted, inheritable);
 *   4. clear the ambient set, then raise each ambient capability.  Those not
 *      in both permitted and inheritable are skipped (the kernel forbids
 *      them; runc also carries on).
 * Works before or after user_apply(); the usual order is user_apply() then
 * caps_apply(). */
int caps_apply_sets(const caps_sets *s, clawrt_error *err);
int caps_apply(const oci_capabilities *c, clawrt_error *err);

/* Format a mask the way /proc/PID/status prints it ("000001ffffffffff"),
 * into buf of at least 17 bytes. */
void caps_format_mask(uint64_t mask, char buf[17]);

#endif
