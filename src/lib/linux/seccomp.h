/* Seccomp: compiled in the parent, loaded in the child.
 *
 * seccomp_compile() turns linux.seccomp into classic BPF with libseccomp and
 * exports it (seccomp_export_bpf to a memfd, read back), so the child, a fork
 * of the parent that inherits the program in memory, only calls seccomp(2):
 * no libseccomp work, no allocation, no file access on the start path.
 *
 * Loading a filter needs no_new_privs or CAP_SYS_ADMIN in the caller's user
 * namespace.  seccomp_install() never sets no_new_privs itself: the caller
 * orders it.  When process.noNewPrivileges is true, set PR_SET_NO_NEW_PRIVS
 * then install as late as possible (just before execve).  When it is false,
 * install before caps_apply() drops CAP_SYS_ADMIN.
 *
 * After install the child only runs the syscalls the profile allows, so the
 * runtime's own steps between install and execve must be few: sending the
 * listener (sendmsg), the start sync (read/write on the sync socket), execve.
 * For that reason SCMP_ACT_NOTIFY on write or sendmsg is refused (runc
 * refuses write for the same reason): the child would wait on an agent that
 * has not received the listener yet.
 *
 * Layering: several programs may be installed one after the other; the
 * kernel runs them all and the most restrictive answer wins.  The strict-mode
 * program (seccomp_compile_strict) has no listener, so it stacks with a bundle
 * profile that uses SCMP_ACT_NOTIFY.  Install it FIRST: a bundle profile may
 * deny seccomp(2) itself, which would make a later install fail.
 */
#ifndef CLAWRT_SECCOMP_H
#define CLAWRT_SECCOMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "ocispec.h"

typedef struct seccomp_program seccomp_program;

/* Validate and compile.  Errors name the field: "config.json:
 * linux.seccomp.syscalls[2].args[0].op: unknown operator \"SCMP_CMP_FOO\"".
 * Syscall names unknown on this architecture are skipped, as runc does.
 * Rules:
 *   - actions: SCMP_ACT_KILL (= KILL_THREAD), SCMP_ACT_KILL_PROCESS,
 *     SCMP_ACT_KILL_THREAD, SCMP_ACT_TRAP, SCMP_ACT_ERRNO, SCMP_ACT_TRACE,
 *     SCMP_ACT_ALLOW, SCMP_ACT_LOG, SCMP_ACT_NOTIFY;
 *   - errnoRet only with ERRNO/TRACE (default EPERM); defaultErrnoRet the
 *     same for defaultAction;
 *   - SCMP_ACT_NOTIFY never as defaultAction, needs listenerPath;
 *   - args: index < 6; valueTwo is the datum of SCMP_CMP_MASKED_EQ
 *     ((arg & value) == valueTwo); several args with distinct indexes are
 *     ANDed in one rule, and when two share an index each arg becomes its
 *     own rule (ORed), as runc does;
 *   - a rule whose action equals the default action is dropped (libseccomp
 *     refuses it and it changes nothing);
 *   - flags: SECCOMP_FILTER_FLAG_TSYNC (accepted, meaningless for a
 *     single-threaded init, and dropped), _LOG, _SPEC_ALLOW,
 *     _WAIT_KILLABLE_RECV (dropped when no rule uses SCMP_ACT_NOTIFY: the
 *     kernel accepts it only with a listener);
 *   - architectures: SCMP_ARCH_* names; the native one is always included.
 * `origin` prefixes errors ("config.json"). */
int seccomp_compile(const oci_seccomp *s, const char *origin, seccomp_program **out,
                    clawrt_error *err);

/* Strict mode's extra layer: unshare and setns fail with EPERM, clone with
 * any CLONE_NEW* flag fails with EPERM, clone3 fails with ENOSYS (its flags
 * live in memory seccomp cannot read; libc then falls back to clone, which
 * is checked).  Everything else is allowed.  Covers the native architecture
 * and its compat ones (x86_64: x86 and x32; aarch64: arm). */
int seccomp_compile_strict(seccomp_program **out, clawrt_error *err);

/* In the child: seccomp(SECCOMP_SET_MODE_FILTER, flags, prog).  When the
 * program uses SCMP_ACT_NOTIFY, *listener_fd is the new listener (O_CLOEXEC),
 * else -1.  listener_fd may be NULL only for programs without NOTIFY.
 * Allocates nothing and touches no file. */
int seccomp_install(const seccomp_program *p, int *listener_fd, clawrt_error *err);

/* Inspectors (plan dumps, tests, `features`). */
bool seccomp_program_uses_notify(const seccomp_program *p);
unsigned int seccomp_program_flags(const seccomp_program *p);      /* for seccomp(2) */
size_t seccomp_program_len(const seccomp_program *p);              /* BPF instructions */
const void *seccomp_program_bpf(const seccomp_program *p);         /* struct sock_filter[] */

void seccomp_program_free(seccomp_program *p);

/* ---- listener (SCMP_ACT_NOTIFY) --------------------------------------- */

/* The JSON the agent receives (runtime-spec "containerProcessState"):
 * {"ociVersion", "fds": ["seccompFd"], "pid", "metadata", "state": {...}}.
 * state is the container's state (status "creating").  Caller frees. */
int seccomp_process_state_json(const oci_state *state, pid_t pid, const char *metadata,
                               char **out, clawrt_error *err);

/* The same from the text of a state.json (what hooks receive): its pid is
 * the "pid" of the message, and the status is always "creating" (the
 * listener is handed over while the container is being created, before
 * `create` returns). */
int seccomp_process_state_from_json(const char *state_json, const char *metadata, char **out,
                                    clawrt_error *err);

/* Connected AF_UNIX SOCK_STREAM socket (O_CLOEXEC) to the agent.  Can be
 * called in the parent or before pivot_root, so the path is the host's. */
int seccomp_listener_connect(const char *listener_path, clawrt_error *err);

/* One sendmsg: state_json as data, listener_fd as SCM_RIGHTS. */
int seccomp_listener_send(int sock, int listener_fd, const char *state_json,
                          clawrt_error *err);

/* connect + send + close. */
int seccomp_send_listener(const char *listener_path, int listener_fd, const char *state_json,
                          clawrt_error *err);

/* ---- names, for validation, features.json and tests ------------------- */

const char *const *seccomp_known_actions(size_t *n);
const char *const *seccomp_known_operators(size_t *n);
const char *const *seccomp_known_archs(size_t *n);
const char *const *seccomp_known_flags(size_t *n);
/* The subset of seccomp_known_archs this libseccomp can build filters for
 * (features.json "archs"); NULL-terminated, caller frees with strv_free. */
char **seccomp_supported_archs(void);
/* The subset of seccomp_known_flags the running kernel accepts. */
int seccomp_supported_flags(char ***out, clawrt_error *err);

#endif
