/* CVE-2019-5736 class: a process of the container that can reach
 * /proc/PID/exe of a clawrt process while it is still clawrt could reopen
 * our binary for writing once we exec away.  Where that is possible, clawrt
 * first re-executes itself from a copy no one can write: the binary seen
 * through a detached overlayfs with no upper layer (read-only in its
 * superblock, nothing copied), or where the kernel cannot make one, a
 * sealed memfd copy.  The exe link then never leads to a writable file. */
#ifndef CLAWRT_SELFEXE_H
#define CLAWRT_SELFEXE_H

#include <stdbool.h>

#include "error.h"

/* main() hands over argv so that the re-exec repeats the same command. */
void selfexe_init(char **argv);

/* safe_without: the caller knows no container process can see us (the
 * init is alone in a new pid namespace until it execs the container's
 * program).  Otherwise re-exec from a sealed copy unless we already run
 * from one; returns only on failure or when nothing had to be done. */
int selfexe_protect(bool safe_without, clawrt_error *err);

/* Whether /proc/self/exe is a sealed memfd or our own read-only overlay. */
bool selfexe_is_sealed(void);

#endif
