/* The container's init: the child side of create.  It runs in the process
 * clone3() made, carries out the launch plan, reports READY to the parent,
 * waits on exec.fifo for `start`, then becomes the container's process. */
#ifndef CLAWRT_INIT_H
#define CLAWRT_INIT_H

#include <stdbool.h>

#include "cgroup/self_enter.h"
#include "linux/rootfs.h"
#include "plan.h"

typedef struct init_args {
  const launch_plan *plan;
  const char *id;
  int sync;              /* the child's end of the sync socketpair */
  int state_dirfd;       /* the state dir (exec.fifo lives there) */
  int console_sock;      /* connected --console-socket, -1 */
  bool tty_to_parent;    /* terminal without console socket: send master to parent */
  bool no_pivot;
  bool no_new_keyring;
  int preserve_fds;
  rootfs_fds *rootfs_fds; /* opened by the parent (rootfs_parent_open) */
  cgroup_self_enter *cgroup_self; /* the v1 `tasks` files to move into, NULL: none */
} init_args;

/* Never returns: the process becomes the container's program or exits. */
__attribute__((noreturn)) void init_main(const init_args *a);

#endif
