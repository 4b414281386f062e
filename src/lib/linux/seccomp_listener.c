#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "json.h"
#include "seccomp.h"
#include "util.h"

int
seccomp_process_state_json(const oci_state *st, pid_t pid, const char *metadata, char **out,
                           clawrt_error *err)
{
  json_gen *g = json_gen_new(false);
  const char *ver = st->oci_version ? st->oci_version : "1.2.0";
  json_gen_object_open(g);
  json_gen_key(g, "ociVersion");
  json_gen_string(g, ver);
  json_gen_key(g, "fds");
  json_gen_array_open(g);
  json_gen_string(g, "seccompFd");  /* index 0 of the SCM_RIGHTS array */
  json_gen_array_close(g);
  json_gen_key(g, "pid");
  json_gen_i64(g, pid);
  if (metadata && metadata[0])
    {
      json_gen_key(g, "metadata");
      json_gen_string(g, metadata);
    }
  /* the runtime-spec state object, not runc's extended one */
  json_gen_key(g, "state");
  json_gen_object_open(g);
  json_gen_key(g, "ociVersion");
  json_gen_string(g, ver);
  json_gen_key(g, "id");
  json_gen_string(g, st->id ? st->id : "");
  json_gen_key(g, "status");
  json_gen_string(g, st->status ? st->status : "creating");
  if (st->has_pid)
    {
      json_gen_key(g, "pid");
      json_gen_i64(g, st->pid);
    }
  json_gen_key(g, "bundle");
  json_gen_string(g, st->bundle ? st->bundle : "");
  if (st->has_annotations && st->annotations.len > 0)
    {
      json_gen_key(g, "annotations");
      json_gen_object_open(g);
      for (size_t i = 0; i < st->annotations.len; i++)
        {
          json_gen_key(g, st->annotations.keys[i]);
          json_gen_string(g, st->annotations.values[i]);
        }
      json_gen_object_close(g);
    }
  json_gen_object_close(g);
  json_gen_object_close(g);
  size_t len;
  int r = json_gen_finish(g, out, &len, err);
  json_gen_free(g);
  return r;
}

int
seccomp_process_state_from_json(const char *state_json, const char *metadata, char **out,
                                clawrt_error *err)
{
  oci_state *st = NULL;
  if (state_json == NULL)
    return clawrt_error_set(err, EINVAL, "seccomp agent message: no container state");
  if (oci_state_parse(state_json, strlen(state_json), "container state", &st, err) < 0)
    return clawrt_error_wrap(err, "seccomp agent message");
  free(st->status);
  st->status = xstrdup("creating");
  int r = seccomp_process_state_json(st, st->has_pid ? st->pid : 0, metadata, out, err);
  oci_state_free(st);
  return r;
}

int
seccomp_listener_connect(const char *path, clawrt_error *err)
{
  struct sockaddr_un sa = { .sun_family = AF_UNIX };
  size_t n = path ? strlen(path) : 0;
  if (n == 0)
    return clawrt_error_set(err, EINVAL, "linux.seccomp.listenerPath: empty");
  if (n >= sizeof sa.sun_path)
    return clawrt_error_set(err, ENAMETOOLONG, "linux.seccomp.listenerPath \"%s\": longer than "
                            "the %zu bytes a unix socket address holds", path,
                            sizeof sa.sun_path - 1);
  memcpy(sa.sun_path, path, n);
  cleanup_close int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0)
    return clawrt_error_set(err, errno, "socket for linux.seccomp.listenerPath");
  int r;
  do
    r = connect(s, (struct sockaddr *) &sa, (socklen_t) (offsetof(struct sockaddr_un, sun_path) + n + 1));
  while (r < 0 && errno == EINTR);
  if (r < 0)
    return clawrt_error_set(err, errno, "connect to the seccomp agent at %s "
                            "(linux.seccomp.listenerPath)", path);
  return steal_fd(&s);
}

int
seccomp_listener_send(int sock, int listener_fd, const char *state_json, clawrt_error *err)
{
  size_t len = strlen(state_json);
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } ctl;
  memset(&ctl, 0, sizeof ctl);
  struct iovec iov = { .iov_base = (void *) state_json, .iov_len = len };
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
                        .msg_controllen = sizeof ctl.buf };
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &listener_fd, sizeof(int));
  ssize_t n;
  do
    n = sendmsg(sock, &msg, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return clawrt_error_set(err, errno, "send the seccomp listener to the agent");
  /* the fd went with the first byte; the rest of a long state follows
   * without it, as the spec allows */
  size_t done = (size_t) n;
  while (done < len)
    {
      n = send(sock, state_json + done, len - done, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return clawrt_error_set(err, errno, "send the container process state to the agent");
      done += (size_t) n;
    }
  return 0;
}

int
seccomp_send_listener(const char *listener_path, int listener_fd, const char *state_json,
                      clawrt_error *err)
{
  cleanup_close int s = seccomp_listener_connect(listener_path, err);
  if (s < 0)
    return -1;
  return seccomp_listener_send(s, listener_fd, state_json, err);
}
