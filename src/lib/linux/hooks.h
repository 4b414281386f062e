/* OCI lifecycle hooks (runtime-spec config.md, "POSIX-platform Hooks").
 *
 * Mechanism only: which hook kinds run where (runtime namespace for
 * prestart/createRuntime/poststart/poststop, the container's namespaces for
 * createContainer/startContainer) and which failures are fatal is the
 * caller's business.  These functions run the hooks they are given, in
 * order, and stop at the first failure with -1.
 */
#ifndef CLAWRT_LINUX_HOOKS_H
#define CLAWRT_LINUX_HOOKS_H

#include "error.h"
#include "ocispec.h"

/* Run every hook of `hooks` in order.  `kind` is the spec's name of the list
 * ("prestart", "createRuntime", ... "poststop"), used only in messages.
 *
 * Each hook is spawned (posix_spawn, no shell) with
 *  - argv exactly hook->args (args[0] is argv[0]); {path} when args is absent;
 *  - envp exactly hook->env when the key is present (even empty); the
 *    runtime's own environment when it is absent (what runc does);
 *  - stdin: a pipe carrying state_json, then EOF.  A hook that never reads it
 *    or closes it early is fine (EPIPE is handled, SIGPIPE never delivered);
 *  - stdout/stderr: pipes, forwarded as they arrive to out_fd/err_fd (-1 or a
 *    closed fd: discarded); the first bytes are kept for the error text;
 *  - its own process group, default signal dispositions, an empty signal
 *    mask, and no other fd of ours (everything we open is O_CLOEXEC).
 * With a timeout the whole process group is killed (SIGKILL) on expiry.
 *
 * Errors (hook #N counts from 1, so #1 is hooks.<kind>[0]):
 *   "createRuntime hook #1 (/usr/bin/x): timed out after 5s"
 *   "poststart hook #2 (/bin/y): exited with status 3: stderr: ..."
 *   "prestart hook #1 (/bin/z): killed by signal 11 (Segmentation fault)"
 *   "startContainer hook #1 (/nope): cannot execute" (+ errno ENOENT ...)
 * The hook's output is not waited for beyond its own exit: a grandchild that
 * keeps the pipes open does not hang the runtime. */
int hooks_run_io(const oci_hook_list *hooks, const char *kind, const char *state_json,
                 int out_fd, int err_fd, clawrt_error *err);

/* hooks_run_io() with the runtime's stdout and stderr (fds 1 and 2). */
int hooks_run(const oci_hook_list *hooks, const char *kind, const char *state_json,
              clawrt_error *err);

#endif
