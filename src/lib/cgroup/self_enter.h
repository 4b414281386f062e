/* The init moves itself into the container's v1 cgroups.
 *
 * A process moved by pid (cgroup.procs, what the parent would write) takes
 * the kernel's global threadgroup rwsem for writing, and the first writer
 * after a quiet moment waits for a whole RCU grace period: ~10 ms here, the
 * largest single cost of `run`.  A thread that moves itself through a v1
 * hierarchy's `tasks` file ("0": current) needs no threadgroup lock, and the
 * init is single-threaded, so moving its one thread moves the process.
 *
 * The parent opens the `tasks` files before clone (their permission is
 * checked against the opener, the parent, whatever user namespace the init
 * is in by then); the init writes "0" to each first thing after the
 * parent's go, before it joins or creates any namespace; the parent closes
 * its copies after clone.  The v2 leaf is not here: clone3's
 * CLONE_INTO_CGROUP covers it, or the parent writes its cgroup.procs. */
#ifndef CLAWRT_CGROUP_SELF_ENTER_H
#define CLAWRT_CGROUP_SELF_ENTER_H

#include <stddef.h>
#include <sys/types.h>

#include "cgroup.h"
#include "error.h"

typedef struct cgroup_self_entry {
  int fd;        /* the leaf's `tasks`, O_WRONLY|O_CLOEXEC */
  char *what;    /* "/sys/fs/cgroup/memory/clawrt/ID", for errors */
} cgroup_self_entry;

typedef struct cgroup_self_enter {
  cgroup_self_entry *v;
  size_t n;
} cgroup_self_enter;

#define CGROUP_SELF_ENTER_INIT { NULL, 0 }

/* Open the `tasks` file of every v1 leaf of m. */
int cgroup_self_enter_open(const cgroup_manager *m, cgroup_self_enter *out, clawrt_error *err);

/* In the init: write "0" to each and close it.  No allocation. */
int cgroup_self_enter_run(cgroup_self_enter *s, clawrt_error *err);

/* Close what is still open and free (the parent after clone, any error path). */
void cgroup_self_enter_close(cgroup_self_enter *s);

#endif
