#define _GNU_SOURCE
#include "sync.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util.h"

int
sync_socketpair(int fds[2], clawrt_error *err)
{
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) < 0)
    return clawrt_error_set(err, errno, "socketpair");
  /* the parent needs SO_PASSCRED to see the init's pid when it was forked
   * in a pid namespace the parent cannot translate otherwise */
  int one = 1;
  if (setsockopt(fds[0], SOL_SOCKET, SO_PASSCRED, &one, sizeof one) < 0)
    return clawrt_error_set(err, errno, "setsockopt SO_PASSCRED");
  return 0;
}

int
sync_send(int sock, enum sync_type type, const void *payload, size_t len, int fd_to_send,
          int with_creds, clawrt_error *err)
{
  if (len > SYNC_MAX_PAYLOAD)
    len = SYNC_MAX_PAYLOAD;
  struct {
    uint32_t type, len;
  } hdr = { type, (uint32_t) len };
  struct iovec iov[2] = { { &hdr, sizeof hdr }, { (void *) payload, len } };
  union {
    char buf[CMSG_SPACE(sizeof(int)) + CMSG_SPACE(sizeof(struct ucred))];
    struct cmsghdr align;
  } ctl;
  memset(&ctl, 0, sizeof ctl);
  struct msghdr mh = { .msg_iov = iov, .msg_iovlen = len ? 2 : 1 };
  size_t ctl_len = 0;
  if (fd_to_send >= 0 || with_creds)
    {
      mh.msg_control = ctl.buf;
      mh.msg_controllen = sizeof ctl.buf;
      struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
      if (fd_to_send >= 0)
        {
          c->cmsg_level = SOL_SOCKET;
          c->cmsg_type = SCM_RIGHTS;
          c->cmsg_len = CMSG_LEN(sizeof(int));
          memcpy(CMSG_DATA(c), &fd_to_send, sizeof(int));
          ctl_len += CMSG_SPACE(sizeof(int));
          c = CMSG_NXTHDR(&mh, c);
        }
      if (with_creds)
        {
          struct ucred cr = { getpid(), getuid(), getgid() };
          c->cmsg_level = SOL_SOCKET;
          c->cmsg_type = SCM_CREDENTIALS;
          c->cmsg_len = CMSG_LEN(sizeof cr);
          memcpy(CMSG_DATA(c), &cr, sizeof cr);
          ctl_len += CMSG_SPACE(sizeof cr);
        }
      mh.msg_controllen = ctl_len;
    }
  ssize_t r;
  do
    r = sendmsg(sock, &mh, MSG_NOSIGNAL);
  while (r < 0 && errno == EINTR);
  if (r < 0)
    return clawrt_error_set(err, errno, "sync: send message %u", (unsigned) type);
  return 0;
}

int
sync_recv(int sock, sync_msg *msg, int *fd_out, pid_t *pid_out, clawrt_error *err)
{
  if (fd_out)
    *fd_out = -1;
  if (pid_out)
    *pid_out = 0;
  struct iovec iov = { msg, sizeof *msg };
  union {
    char buf[CMSG_SPACE(sizeof(int)) + CMSG_SPACE(sizeof(struct ucred))];
    struct cmsghdr align;
  } ctl;
  struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
                       .msg_controllen = sizeof ctl.buf };
  ssize_t r;
  do
    r = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
  while (r < 0 && errno == EINTR);
  if (r < 0)
    return clawrt_error_set(err, errno, "sync: receive");
  if (r == 0)
    return clawrt_error_set(err, ECONNRESET, "sync: container init closed the channel");
  if ((size_t) r < 2 * sizeof(uint32_t))
    return clawrt_error_set(err, EPROTO, "sync: short message");
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
    {
      if (c->cmsg_level != SOL_SOCKET)
        continue;
      if (c->cmsg_type == SCM_RIGHTS)
        {
          int fd;
          memcpy(&fd, CMSG_DATA(c), sizeof fd);
          if (fd_out && *fd_out < 0)
            *fd_out = fd;
          else
            close(fd);
        }
      else if (c->cmsg_type == SCM_CREDENTIALS && pid_out)
        {
          struct ucred cr;
          memcpy(&cr, CMSG_DATA(c), sizeof cr);
          *pid_out = cr.pid;
        }
    }
  size_t plen = (size_t) r - 2 * sizeof(uint32_t);
  if (msg->len > plen)
    msg->len = (uint32_t) plen;
  return 0;
}

int
sync_expect(int sock, enum sync_type type, int *fd_out, pid_t *pid_out, clawrt_error *err)
{
  sync_msg m;
  if (sync_recv(sock, &m, fd_out, pid_out, err) < 0)
    return -1;
  if (m.type == SYNC_ERROR)
    {
      clawrt_error_unpack(err, m.payload, (int) m.len);
      return -1;
    }
  if (m.type != type)
    return clawrt_error_set(err, EPROTO, "sync: expected message %u, got %u", (unsigned) type,
                            (unsigned) m.type);
  return 0;
}

void
sync_send_error(int sock, const clawrt_error *e)
{
  char buf[SYNC_MAX_PAYLOAD];
  int n = clawrt_error_pack(e, buf, sizeof buf);
  sync_send(sock, SYNC_ERROR, buf, (size_t) n, -1, 0, NULL);
}
