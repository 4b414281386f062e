/* The library API behind every subcommand: the files in cmd/ parse flags, fill these
 * option structs, call one function, print.  Every function returns 0 or -1
 * with *err filled; none prints (but the container's own stdio is passed
 * through) and none exits. */
#ifndef CLAWRT_CONTAINER_H
#define CLAWRT_CONTAINER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "ocispec.h"

/* Global options, shared by every command. */
typedef struct clawrt_globals {
  const char *root;          /* --root, default /run/clawrt */
  const char *log_path;      /* --log */
  const char *log_format;    /* --log-format text|json */
  bool debug;                /* --debug */
  bool systemd_cgroup;       /* --systemd-cgroup */
  bool strict;               /* --strict: strict mode for every container of this call */
} clawrt_globals;

#define CLAWRT_DEFAULT_ROOT "/run/clawrt"

typedef struct create_opts {
  const char *bundle;        /* -b; default "." */
  const char *config_path;   /* default BUNDLE/config.json */
  const char *pid_file;
  const char *console_socket;
  bool no_pivot;
  bool no_new_keyring;
  int preserve_fds;          /* fds 3 .. 3+N-1 passed to the container */
  /* run only (create is always detached) */
  bool detach;               /* -d */
  bool keep;                 /* --keep: do not delete after exit */
  bool stats;                /* --stats: print resource use at exit */
} create_opts;

typedef struct exec_opts {
  const char *process_path;  /* --process FILE: a full OCI process object */
  char **args;               /* argv when no --process */
  bool detach;
  const char *pid_file;
  const char *console_socket;
  bool tty, has_tty;
  const char *cwd;
  char **env;                /* --env K=V, appended */
  const char *user;          /* --user UID[:GID] */
  uint32_t *additional_gids;
  size_t additional_gids_len;
  char **caps;               /* --cap, added */
  bool no_new_privs;
  const char *process_label;
  const char *apparmor;
  int preserve_fds;
  /* --cgroup: sub-cgroups of the container's to run in, one entry per
   * controller (controller NULL: every hierarchy, and then the only entry;
   * a controller at most once).  The hierarchies no entry names keep the
   * container's own cgroup. */
  struct exec_cgroup {
    char *controller;
    char *path;              /* relative to the container's cgroup */
  } *cgroups;
  size_t cgroups_len;
  bool ignore_paused;
} exec_opts;

/* What `list` and `state` report. */
typedef struct container_info {
  char *id;
  pid_t pid;                 /* 0 when stopped */
  char *status;              /* creating created running paused stopped */
  char *bundle;
  char *rootfs;
  char *created;             /* RFC 3339 with nanoseconds, UTC */
  char *owner;
  oci_map annotations;
} container_info;

void container_info_free(container_info *info);

int container_create(const clawrt_globals *g, const char *id, const create_opts *o,
                     clawrt_error *err);
int container_start(const clawrt_globals *g, const char *id, clawrt_error *err);
/* create + start; unless detach, wait for the container's init, forward
 * signals, delete it (unless keep) and put its exit status (128+signal when
 * killed) in *exit_status. */
int container_run(const clawrt_globals *g, const char *id, const create_opts *o,
                  int *exit_status, clawrt_error *err);
int container_get_state(const clawrt_globals *g, const char *id, container_info *out,
                    clawrt_error *err);
/* state as runc prints it (indented JSON). */
int container_state_json(const clawrt_globals *g, const char *id, char **json,
                         clawrt_error *err);
int container_kill(const clawrt_globals *g, const char *id, int signo, bool all,
                   clawrt_error *err);
int container_delete(const clawrt_globals *g, const char *id, bool force, clawrt_error *err);
int container_list(const clawrt_globals *g, container_info **out, size_t *len,
                   clawrt_error *err);
int container_exec(const clawrt_globals *g, const char *id, const exec_opts *o,
                   int *exit_status, clawrt_error *err);

/* ---- cgroup commands (container_cgroup.c) -------------------------------- */

/* Apply res (a linux.resources object, `update --resources`; absent fields
 * are left as they are) to a container that has not stopped.  The
 * container's memory.checkBeforeUpdate holds unless res sets it. */
int container_update(const clawrt_globals *g, const char *id, const oci_resources *res,
                     clawrt_error *err);
/* Freeze every process of a running container / thaw a paused one; `state`
 * then shows "paused" / "running". */
int container_pause(const clawrt_globals *g, const char *id, clawrt_error *err);
int container_resume(const clawrt_globals *g, const char *id, clawrt_error *err);
/* The host pids of every process in the container's cgroup, ascending
 * (caller frees *pids). */
int container_ps(const clawrt_globals *g, const char *id, pid_t **pids, size_t *n,
                 clawrt_error *err);

typedef struct events_opts {
  bool stats_once;           /* --stats: one stats event, then return */
  uint64_t interval_ms;      /* --interval; 0: 5 s */
} events_opts;
/* Receives each event as one line of JSON (no newline); -1 (with *err)
 * stops the stream and fails container_events. */
typedef int container_event_fn(const char *json, void *data, clawrt_error *err);
/* runc's events: {"type":"stats","id":ID,"data":{...}} once (stats_once)
 * or every interval, and {"type":"oom","id":ID} whenever the kernel
 * OOM-kills in the container, until its init exits (then 0).  A stopped
 * container is an error. */
int container_events(const clawrt_globals *g, const char *id, const events_opts *o,
                     container_event_fn *fn, void *data, clawrt_error *err);

/* What `run` learnt when the container's init exited. */
typedef struct container_exit {
  int exit_status;           /* 128+N when signal N killed it */
  char *died;                /* "container web1 killed: memory limit exceeded (limit 64.0 MiB,
                                peak 64.0 MiB, oom kills 1)"; NULL unless a limit ended it */
  char *stats;               /* create_opts.stats: "container web1: cpu 0.52 s (...), peak
                                memory 33.1 MiB (limit 64.0 MiB), peak pids 3 (...)" */
} container_exit;
/* container_run, and the diagnosis the caller prints (the library does
 * not).  *out is filled also when it fails after the container ran. */
int container_run_ex(const clawrt_globals *g, const char *id, const create_opts *o,
                     container_exit *out, clawrt_error *err);
void container_exit_free(container_exit *ex);

#endif
