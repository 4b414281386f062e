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
  /* run only */
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
  const char *cgroup;        /* --cgroup [CONTROLLER:]PATH */
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

#endif
