/* The state directory: ROOT/ID/ holds
 *   state.json   what `state` reports plus what later commands need
 *   config.json  the effective spec (after policies), for exec and delete
 *   exec.fifo    present while the container is "created"; start opens it
 * A directory is reserved with mkdir(2), which is atomic: of N concurrent
 * creates of one id exactly one wins.  Writers take flock(LOCK_EX) on the
 * directory fd; files are replaced by rename(2), so readers never see a torn
 * file and `list` never needs a lock. */
#ifndef CLAWRT_STATE_H
#define CLAWRT_STATE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "ocispec.h"

typedef struct container_state {
  char *id;
  char *bundle;              /* absolute */
  char *rootfs;              /* absolute */
  char *created;             /* RFC 3339 UTC with nanoseconds */
  char *owner;               /* user name of the creator, "" when unknown */
  pid_t pid;                 /* container init (host pid), 0 while creating */
  uint64_t pid_start_time;   /* /proc/PID/stat field 22: guards against pid reuse */
  bool started;              /* start released the init */
  bool strict;               /* strict mode applied */
  char *cgroup_json;         /* opaque text written by the cgroup driver */
  char **ns_paths;           /* "type=/proc/PID/ns/X" for exec to join, NULL-terminated */
  oci_map annotations;
} container_state;

void container_state_free(container_state *st);

/* Validate an id: [A-Za-z0-9][A-Za-z0-9_.+-]* , at most 1024 bytes, not "." "..":
 * runc's rule; anything else could escape ROOT. */
int state_check_id(const char *id, clawrt_error *err);

/* Open (creating it 0700 if needed) the root directory. */
int state_open_root(const char *root, int *rootfd, clawrt_error *err);

/* mkdir ROOT/ID atomically; EEXIST -> "container with id exists: ID".
 * Returns an O_DIRECTORY|O_CLOEXEC fd locked LOCK_EX. */
int state_reserve(int rootfd, const char *id, int *dirfd, clawrt_error *err);

/* Open an existing container dir; ENOENT -> "container ID does not exist".
 * lock: 0 none, LOCK_SH or LOCK_EX (blocking). */
int state_open(int rootfd, const char *id, int lock, int *dirfd, clawrt_error *err);

int state_write(int dirfd, const container_state *st, clawrt_error *err);
int state_read(int dirfd, container_state **st, clawrt_error *err);

/* Remove ROOT/ID and everything in it. */
int state_remove(int rootfd, const char *id, clawrt_error *err);

/* Remove dirfd/name and everything below it, never following a symlink
 * or crossing into another mount (what a failed checkpoint made).  A name
 * that does not exist is no error. */
int state_remove_tree(int dirfd, const char *name, clawrt_error *err);

/* Names of all entries in ROOT that look like containers (sorted). */
int state_list(int rootfd, char ***ids, clawrt_error *err);

/* Current status derived from the process, not trusted from the file:
 * "stopped" when pid is gone or reused, "created" while exec.fifo exists and
 * not started, "paused" when frozen (frozen is given by the caller, which asks
 * the cgroup driver), else "running". */
const char *state_status(int dirfd, const container_state *st, bool frozen);

/* Start time (field 22 of /proc/PID/stat), 0 if the process is gone
 * (exited, a zombie included). */
uint64_t proc_start_time(pid_t pid);

/* RFC 3339 with nanoseconds in UTC, like runc's "created". */
char *rfc3339_now(void);

#endif
