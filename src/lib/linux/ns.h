/* Namespaces: the table of kinds, clone flags from a spec, joining by path,
 * and the user-namespace id maps and time-namespace offsets that the
 * parent writes for the child. */
#ifndef CLAWRT_NS_H
#define CLAWRT_NS_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"
#include "ocispec.h"

typedef struct ns_kind {
  const char *spec_name;   /* "network" */
  const char *proc_name;   /* "net": /proc/PID/ns/net */
  int flag;                /* CLONE_NEWNET */
} ns_kind;

const ns_kind *ns_kind_by_spec_name(const char *name);
const ns_kind *ns_kind_by_flag(int flag);
/* All kinds, in the order they must be joined: user first (it decides
 * what the others may do), mount last (after it, host paths are gone). */
const ns_kind *ns_kinds(size_t *len);

/* A namespace to join: the fd is opened (and checked to be a namespace of
 * the right kind with NS_GET_NSTYPE) in the parent, before anything exists. */
typedef struct ns_join {
  int flag;
  int fd;
} ns_join;

typedef struct ns_plan {
  int new_flags;           /* CLONE_NEW* to create, CLONE_NEWCGROUP and CLONE_NEWTIME included */
  ns_join joins[8];
  size_t joins_len;
  bool userns;             /* the container has a user namespace (new or joined) */
} ns_plan;

/* Check the spec's namespaces against this host and open the ones to join.
 * origin prefixes errors ("config.json"). */
int ns_plan_build(const oci_spec *spec, const char *origin, ns_plan *out, clawrt_error *err);
void ns_plan_close(ns_plan *p);
int ns_plan_join_fd(const ns_plan *p, int flag);  /* -1 when not joined */

/* setns() into every join of the given kinds, in ns_kinds() order. */
int ns_join_kinds(const ns_plan *p, int kinds, clawrt_error *err);

/* "0 1000 65536\n..." from mappings; NULL when none. */
char *ns_format_idmap(const oci_id_mapping *m, size_t n);

/* Write uid_map, setgroups=deny when asked, gid_map of pid through the host
 * procfs (verified fds). */
int ns_write_idmaps(pid_t pid, const oci_linux *linux, bool deny_setgroups, clawrt_error *err);

/* For a new time namespace: unshare(CLONE_NEWTIME) in the calling process
 * (it affects its children only) and write the offsets. */
int ns_prepare_time(const oci_time_offsets *t, clawrt_error *err);

#endif
