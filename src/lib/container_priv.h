/* Internals shared by the container_*.c files. */
#ifndef CLAWRT_CONTAINER_PRIV_H
#define CLAWRT_CONTAINER_PRIV_H

#include "cgroup/cgroup.h"
#include "container.h"
#include "plan.h"
#include "state.h"

/* A container this process just created, with what `run` still needs. */
typedef struct created {
  launch_plan *plan;
  container_state *st;
  cgroup_manager *cg;
  int rootfd;          /* state root */
  int dirfd;           /* state dir, locked */
  pid_t pid;           /* init, host pid */
  int pidfd;
  int tty_master;      /* foreground terminal, -1 */
  bool child_is_ours;  /* init is our child (or re-parented to us): we can wait() it */
} created;

void created_free(created *c);

/* create, up to "created"; *out for run. */
int container_do_create(const clawrt_globals *g, const char *id, const create_opts *o,
                        created **out, clawrt_error *err);

/* The container's cgroup from the bundle's spec, with the device rules
 * the runtime's own /dev nodes and linux.devices need, so that a deny-all
 * spec keeps /dev/null usable. */
int container_cgroup_create(const bundle *b, const clawrt_globals *g, const char *id,
                            cgroup_manager **out, clawrt_error *err);
/* Write pid to path by atomic replace (create, run -d, exec, restore). */
int container_write_pid_file(const char *path, pid_t pid, clawrt_error *err);

/* Open the state of id: dirfd locked as asked, state parsed. */
int container_open(const clawrt_globals *g, const char *id, int lock, int *rootfd, int *dirfd,
                   container_state **st, clawrt_error *err);
/* The live status of a container whose state we hold. */
const char *container_status(int dirfd, const container_state *st, cgroup_manager *cg);
/* The state JSON hooks get on stdin. */
char *container_state_for_hooks(const container_state *st, const char *status);
/* Release the init blocked on exec.fifo (start). */
int container_release(int dirfd, container_state *st, clawrt_error *err);
/* Run hooks one by one; a failure is a warning and the next still runs. */
void container_hooks_warn(const oci_hook_list *l, const char *kind, const char *state);
/* Run the poststart hooks (warnings only). */
void container_poststart(int dirfd, const container_state *st);
/* Kill, wait, remove cgroup, run poststop hooks, remove state. */
int container_destroy(int rootfd, int dirfd, container_state *st, clawrt_error *err);

#endif
