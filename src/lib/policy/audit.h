/* audit: the isolation gaps of a bundle, read without running it.  A pure
 * function of the spec (and of where the bundle lies, to tell a host path
 * from one of the bundle's own), unit-tested on fixture configs. */
#ifndef CLAWRT_AUDIT_H
#define CLAWRT_AUDIT_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "ocispec.h"

typedef enum audit_severity {
  AUDIT_INFO,
  AUDIT_LOW,
  AUDIT_MEDIUM,
  AUDIT_HIGH,
  AUDIT_CRITICAL,
} audit_severity;

const char *audit_severity_name(audit_severity s);
/* "info" .. "critical"; -1 when unknown */
int audit_severity_parse(const char *name, audit_severity *out);

typedef struct audit_finding {
  audit_severity severity;
  const char *id;        /* stable identifier for tools: "host-namespace" */
  char *path;            /* the JSON path the finding is about */
  char *message;
} audit_finding;

typedef struct audit_report {
  audit_finding *findings;   /* most severe first, then in spec order */
  size_t len;
  bool strict;               /* strict mode is on (annotation or forced): the findings
                              * are those of the spec strict mode makes */
  oci_strv strict_changes;   /* what strict mode changes (or would) */
  char *strict_refusal;      /* why strict mode refuses this bundle, or NULL */
} audit_report;

/* bundle_dir: absolute; binds of paths below it are the bundle's own.
 * strict_forced: as `clawrt --strict`.  When strict mode is on and refuses
 * the bundle, that is a finding too ("strict-refused", high): such a
 * container does not start. */
int audit_spec(const oci_spec *spec, const char *bundle_dir, bool strict_forced,
               audit_report *out, clawrt_error *err);
void audit_report_free(audit_report *r);
/* Highest severity in the report; -1 when there is no finding. */
int audit_max_severity(const audit_report *r);

#endif
