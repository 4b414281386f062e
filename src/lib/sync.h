/* The parent <-> container-init protocol, one SOCK_SEQPACKET socketpair:
 * each message is one packet, optionally carrying one fd (SCM_RIGHTS) or
 * the sender's credentials (SCM_CREDENTIALS, so the parent learns the host
 * pid of a process forked inside a new pid namespace). */
#ifndef CLAWRT_SYNC_H
#define CLAWRT_SYNC_H

#include <stdint.h>
#include <sys/types.h>

#include "error.h"

enum sync_type {
  SYNC_GO = 1,        /* parent -> child: maps written, cgroup joined: carry on */
  SYNC_ERROR,         /* child -> parent: payload is a packed clawrt_error */
  SYNC_USERNS,        /* child -> parent: I unshared a user ns, write my maps */
  SYNC_USERNS_DONE,   /* parent -> child */
  SYNC_PID,           /* child -> parent: this is the init (credentials attached) */
  SYNC_HOOKS,         /* child -> parent: run prestart + createRuntime hooks now */
  SYNC_HOOKS_DONE,    /* parent -> child */
  SYNC_TTY,           /* child -> parent: the pty master (fd attached) */
  SYNC_READY,         /* child -> parent: set up, waiting for start */
  SYNC_EXECED,        /* (never sent: EOF after CLOEXEC means execve worked) */
};

#define SYNC_MAX_PAYLOAD 60000

typedef struct sync_msg {
  uint32_t type;
  uint32_t len;
  char payload[SYNC_MAX_PAYLOAD];
} sync_msg;

int sync_socketpair(int fds[2], clawrt_error *err);
/* fd_to_send < 0: none.  with_creds: attach SCM_CREDENTIALS of the caller. */
int sync_send(int sock, enum sync_type type, const void *payload, size_t len, int fd_to_send,
              int with_creds, clawrt_error *err);
/* Receive one message.  *fd_out gets an attached fd (or -1), *pid_out the
 * sender's pid from credentials (or 0); either may be NULL.  EOF is an error
 * with errnum ECONNRESET. */
int sync_recv(int sock, sync_msg *msg, int *fd_out, pid_t *pid_out, clawrt_error *err);
/* Wait for exactly `type`; SYNC_ERROR is turned into *err. */
int sync_expect(int sock, enum sync_type type, int *fd_out, pid_t *pid_out, clawrt_error *err);
/* Child side: report an error to the parent (best effort). */
void sync_send_error(int sock, const clawrt_error *e);

#endif
