/* Values of the command line that carry units, read as runc reads them
 * (`update --memory 64m`, `events --interval 500ms`). */
#ifndef CLAWRT_CMD_UNITS_H
#define CLAWRT_CMD_UNITS_H

#include <stdint.h>

#include "error.h"

/* A byte count: "1024", "64m", "1.5G", "512KiB", "2 gb", "100b"; the
 * suffixes k m g t p are powers of 1024, in any case, with an optional "i"
 * and "b" after them (runc's memory flags).  "-1" is -1 (no limit).  Errors
 * name flag: "--memory: invalid size \"12x\" (a number with an optional
 * unit: 512k, 64m, 1g)". */
int units_parse_bytes(const char *flag, const char *s, int64_t *out, clawrt_error *err);

/* A duration as Go writes them: "5s", "500ms", "1m30s", "1.5h", "250us",
 * "10ns" ("0" alone is 0).  *ns is the total in nanoseconds; negative
 * durations are refused. */
int units_parse_duration(const char *flag, const char *s, uint64_t *ns, clawrt_error *err);

#endif
