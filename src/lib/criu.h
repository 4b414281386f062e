/* Checkpoint and restore through CRIU, driving the `criu` binary with
 * command-line options (no RPC: that needs protobuf and buys nothing the
 * options do not give).
 *
 * What a checkpoint directory holds besides CRIU's images:
 *   descriptors.json   the container init's fds 0-2 as readlink shows them
 *                      ("pipe:[123]", "/dev/null"), runc's file: restore
 *                      hands the caller's own stdio to CRIU for each pipe,
 *                      so an engine's new pipes replace the old ones;
 *   clawrt-external    one "KIND KEY" line per resource CRIU was told is
 *                      external at dump ("mnt /etc/hosts", "tty 8801:2d",
 *                      "net extRootNetNS"): restore must name each again.
 * Logs (dump.log, pre-dump.log, restore.log) go to the work directory.
 *
 * Failures leave the container as it was: a failed dump thaws it (CRIU
 * does; a freezer left frozen is thawed again here), a failed restore
 * removes the cgroup, the state directory and every mount it made. */
#ifndef CLAWRT_CRIU_H
#define CLAWRT_CRIU_H

#include <stdbool.h>
#include <stddef.h>

#include "container.h"
#include "error.h"
#include "ocispec.h"

/* runc's flags of both commands. */
typedef struct criu_opts {
  const char *image_path;     /* --image-path; default ./checkpoint */
  const char *work_path;      /* --work-path; default the image path */
  const char *parent_path;    /* --parent-path (checkpoint): earlier pre-dump,
                                 relative to the image path as CRIU wants it */
  bool leave_running;         /* --leave-running */
  bool tcp_established;       /* --tcp-established */
  bool ext_unix_sk;           /* --ext-unix-sk */
  bool shell_job;             /* --shell-job */
  bool file_locks;            /* --file-locks */
  bool pre_dump;              /* --pre-dump: memory only, container keeps running */
  const char *manage_cgroups_mode; /* --manage-cgroups-mode soft|full|strict|ignore */
} criu_opts;

typedef struct restore_opts {
  criu_opts criu;
  const char *bundle;         /* -b; default "." */
  bool detach;                /* -d */
  const char *pid_file;
  const char *console_socket;
  bool no_subreaper;          /* -no-subreaper */
} restore_opts;

/* Checkpoint a running (or paused) container into o->image_path.  Unless
 * --leave-running or --pre-dump, the container is then deleted, as runc
 * does: CRIU has killed its processes and restore makes it anew. */
int container_checkpoint(const clawrt_globals *g, const char *id, const criu_opts *o,
                         clawrt_error *err);

/* Create container id from the bundle and the images of o->criu.image_path.
 * With detach, return once it runs; otherwise wait for its init, relay
 * signals to it, delete it when it exits and give its exit status (128+N
 * for signal N) in *exit_status. */
int container_restore(const clawrt_globals *g, const char *id, const restore_opts *o,
                      int *exit_status, clawrt_error *err);

/* ---- the criu binary ---------------------------------------------------- */

/* `criu check`: 0 when it passes; otherwise -1 with CRIU's own error lines
 * in *err ("criu check failed: Error (criu/vdso.c:381): ..."). */
int criu_check(clawrt_error *err);

/* Validate --manage-cgroups-mode (NULL means "soft"); the error names the
 * flag. */
int criu_cgroups_mode(const char *mode, const char **out, clawrt_error *err);

/* Pure: the lines of a CRIU log worth showing a user: its "Error (...)"
 * lines (also "Warn" lines when there is no error line), without the
 * timestamp, at most max of the last ones, joined by "; ".  NULL when the
 * log has none. */
char *criu_log_reason(const char *log, size_t max);

/* ---- clawrt-external (pure, unit-tested) -------------------------------- */

typedef struct criu_external {
  char *kind;                 /* "mnt" "tty" "net" "pid" */
  char *key;
} criu_external;

/* Parse / format the clawrt-external file.  Lines are "KIND KEY"; a KEY
 * may hold spaces (mount points can), not newlines (those are refused at
 * dump). */
int criu_external_parse(const char *text, criu_external **out, size_t *n, clawrt_error *err);
char *criu_external_format(const criu_external *v, size_t n);
void criu_external_free(criu_external *v, size_t n);

/* Pure: the value restore gives mnt external `key` (a mount point inside
 * the container): the source of the spec's bind mount there (relative
 * sources resolved against bundle_dir), "/dev/null" for a masked path,
 * else the key itself (a host device node bound at the same path).
 * Caller frees. */
char *criu_mount_source(const oci_spec *spec, const char *bundle_dir, const char *key);

#endif
