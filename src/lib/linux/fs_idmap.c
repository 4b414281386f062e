#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fs_internal.h"
#include "mount.h"
#include "ns.h"
#include "procfs.h"
#include "util.h"

/* The child only holds the namespace open while the parent writes its maps
 * and takes an fd of it: it runs nothing but async-signal-safe calls, so
 * this is fine even from a threaded caller.  It reports its pid as procfd's
 * procfs sees it, which differs from fork()'s when the caller is in a pid
 * namespace of its own but still looks at the host's /proc (a container's
 * init before pivot_root). */
static void __attribute__((noreturn))
holder(int procfd, int ready_w, int done_r)
{
  char msg[32];
  ssize_t n = readlinkat(procfd, "self", msg + 1, sizeof msg - 2);
  msg[0] = (n > 0 && unshare(CLONE_NEWUSER) == 0) ? 0 : 1;
  if (n < 0)
    n = 0;
  msg[n + 1] = '\0';
  if (write(ready_w, msg, (size_t) n + 2) != n + 2 || msg[0])
    _exit(1);
  char c;
  while (read(done_r, &c, 1) < 0 && errno == EINTR)
    ;
  _exit(0);
}

int
idmap_userns_fd(const oci_id_mapping *uid, size_t uid_len, const oci_id_mapping *gid,
                size_t gid_len, int *out, clawrt_error *err)
{
  if (uid_len == 0 || gid_len == 0)
    return clawrt_error_set(err, EINVAL, "an idmapped mount needs both uid and gid mappings");
  cleanup_close int procfd = procfs_open_root(AT_FDCWD, "/proc", err);
  if (procfd < 0)
    return -1;
  int ready[2], done[2];
  if (pipe2(ready, O_CLOEXEC) < 0)
    return clawrt_error_set(err, errno, "pipe");
  if (pipe2(done, O_CLOEXEC) < 0)
    {
      close(ready[0]);
      close(ready[1]);
      return clawrt_error_set(err, errno, "pipe");
    }
  pid_t pid = fork();
  if (pid == 0)
    {
      close(ready[0]);
      close(done[1]);
      holder(procfd, ready[1], done[0]);
    }
  int saved = errno;
  close(ready[1]);
  close(done[0]);
  cleanup_close int ready_r = ready[0];
  cleanup_close int done_w = done[1];
  if (pid < 0)
    return clawrt_error_set(err, saved, "fork for an idmap user namespace");

  int r = -1;
  cleanup_free char *umap = ns_format_idmap(uid, uid_len);
  cleanup_free char *gmap = ns_format_idmap(gid, gid_len);
  char rel[64], msg[32] = { 1 };
  ssize_t got = read(ready_r, msg, sizeof msg - 1);
  int procpid = 0;
  if (got < 2 || msg[0] != 0 || msg[got - 1] != '\0' || sscanf(msg + 1, "%d", &procpid) != 1
      || procpid <= 0)
    {
      clawrt_error_set(err, EPERM, "unshare a user namespace for an idmapped mount");
      goto out;
    }
  snprintf(rel, sizeof rel, "%d/uid_map", procpid);
  if (procfs_write_at(procfd, rel, umap, err) < 0)
    goto out;
  snprintf(rel, sizeof rel, "%d/gid_map", procpid);
  if (procfs_write_at(procfd, rel, gmap, err) < 0)
    goto out;
  /* ns/user is a magic link, which the procfs walker rightly refuses;
   * procfd is verified and procpid is our unreaped child, so the name
   * cannot point at anyone else, and NS_GET_NSTYPE checks what we got */
  snprintf(rel, sizeof rel, "%d/ns/user", procpid);
  int fd = openat(procfd, rel, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    {
      clawrt_error_set(err, errno, "open /proc/%d/ns/user", procpid);
      goto out;
    }
  if (ioctl(fd, NS_GET_NSTYPE) != CLONE_NEWUSER)
    {
      close(fd);
      clawrt_error_set(err, EINVAL, "/proc/%d/ns/user is not a user namespace", procpid);
      goto out;
    }
  *out = fd;
  r = 0;
out:
  close(done_w);
  done_w = -1;
  if (r < 0)
    kill(pid, SIGKILL);
  while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
    ;
  return r;
}

int
fs_idmap_for_mount(const oci_mount *m, const oci_linux *linux, int *out, clawrt_error *err)
{
  if (m->uid_mappings_len > 0 || m->gid_mappings_len > 0)
    return idmap_userns_fd(m->uid_mappings, m->uid_mappings_len, m->gid_mappings,
                           m->gid_mappings_len, out, err);
  if (linux && linux->uid_mappings_len > 0)
    return idmap_userns_fd(linux->uid_mappings, linux->uid_mappings_len, linux->gid_mappings,
                           linux->gid_mappings_len, out, err);
  return clawrt_error_set(err, EINVAL, "idmap: the mount has no uidMappings/gidMappings and "
                          "the container no user namespace mappings to borrow");
}
