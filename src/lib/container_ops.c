/* start, state, kill, delete, list: the commands that act on a container
 * through its state directory. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "container_priv.h"
#include "faults.h"
#include "linux/hooks.h"
#include "log.h"
#include "pidfd.h"
#include "util.h"

void
container_info_free(container_info *info)
{
  if (info == NULL)
    return;
  free(info->id);
  free(info->status);
  free(info->bundle);
  free(info->rootfs);
  free(info->created);
  free(info->owner);
  for (size_t i = 0; i < info->annotations.len; i++)
    {
      free(info->annotations.keys[i]);
      free(info->annotations.values[i]);
    }
  free(info->annotations.keys);
  free(info->annotations.values);
  memset(info, 0, sizeof *info);
}

int
container_open(const clawrt_globals *g, const char *id, int lock, int *rootfd, int *dirfd,
               container_state **st, clawrt_error *err)
{
  *rootfd = *dirfd = -1;
  if (state_check_id(id, err) < 0)
    return -1;
  if (state_open_root(g->root, rootfd, err) < 0)
    return -1;
  if (state_open(*rootfd, id, lock, dirfd, err) < 0 || state_read(*dirfd, st, err) < 0)
    {
      if (*dirfd >= 0)
        close(*dirfd);
      close(*rootfd);
      *rootfd = *dirfd = -1;
      return -1;
    }
  return 0;
}

static cgroup_manager *
load_cgroup(const container_state *st)
{
  if (st->cgroup_json == NULL)
    return NULL;
  cgroup_manager *cg = NULL;
  clawrt_error e = { 0 };
  if (cgroup_load(NULL, st->cgroup_json, &cg, &e) < 0)
    {
      cleanup_free char *t = clawrt_error_text(&e);
      log_warn("container %s: cgroup state: %s", st->id, t);
      clawrt_error_clear(&e);
      return NULL;
    }
  return cg;
}

const char *
container_status(int dirfd, const container_state *st, cgroup_manager *cg)
{
  bool frozen = false;
  if (cg)
    {
      clawrt_error e = { 0 };
      if (cgroup_is_frozen(cg, &frozen, &e) < 0)
        frozen = false;
      clawrt_error_clear(&e);
    }
  return state_status(dirfd, st, frozen);
}

char *
container_state_for_hooks(const container_state *st, const char *status)
{
  oci_state os = {
    .oci_version = (char *) "1.2.0",
    .id = st->id,
    .status = (char *) status,
    .pid = st->pid,
    .has_pid = true,
    .bundle = st->bundle,
    .annotations = st->annotations,
    .has_annotations = st->annotations.len > 0,
  };
  char *out = NULL;
  size_t len;
  clawrt_error e = { 0 };
  if (oci_state_emit(&os, false, &out, &len, &e) < 0)
    {
      clawrt_error_clear(&e);
      return xstrdup("{}");
    }
  return out;
}

/* poststart and poststop: a failing hook is a warning and the remaining
 * hooks still run (runtime-spec lifecycle). */
void
container_hooks_warn(const oci_hook_list *l, const char *kind, const char *state)
{
  for (size_t i = 0; i < l->len; i++)
    {
      oci_hook_list one = { &l->v[i], 1 };
      clawrt_error e = { 0 };
      if (hooks_run(&one, kind, state, &e) < 0)
        {
          cleanup_free char *t = clawrt_error_text(&e);
          log_warn("%s #%zu: %s", kind, i + 1, t);
          clawrt_error_clear(&e);
        }
    }
}

/* A pidfd for the init only if it is still the process we started. */
static int
init_pidfd(const container_state *st)
{
  if (st->pid <= 0)
    return -1;
  int fd = (int) syscall(SYS_pidfd_open, st->pid, 0);
  if (fd < 0)
    return -1;
  if (proc_start_time(st->pid) != st->pid_start_time)
    {
      close(fd);
      return -1;
    }
  return fd;
}

/* After the release byte, the init holds exec.fifo open until execve:
 * EOF is success, text is why it failed (a startContainer hook, execve). */
static int
read_init_result(int fifo, int pidfd, clawrt_error *err)
{
  char buf[2048];
  size_t len = 0;
  struct pollfd pfd = { fifo, POLLIN, 0 };
  for (;;)
    {
      int r = poll(&pfd, 1, -1);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        return clawrt_error_set(err, errno, "poll exec.fifo");
      ssize_t n = read(fifo, buf + len, sizeof buf - 1 - len);
      if (n < 0 && (errno == EINTR || errno == EAGAIN))
        continue;
      if (n <= 0)
        break;
      len += (size_t) n;
      if (len == sizeof buf - 1)
        break;
    }
  (void) pidfd;
  if (len == 0)
    return 0;
  buf[len] = '\0';
  return clawrt_error_set(err, 0, "%s", buf);
}

int
container_release(int dirfd, container_state *st, clawrt_error *err)
{
  cleanup_close int pidfd = init_pidfd(st);
  if (pidfd < 0)
    return clawrt_error_set_complete(err, ESRCH, "cannot start a container that has stopped");
  fault_point("start:before-release");
  /* on a read-only root the fifo would stay and say "created" of a
   * container that runs: refuse before anything is released */
  struct statvfs vfs;
  if (fstatvfs(dirfd, &vfs) == 0 && (vfs.f_flag & ST_RDONLY))
    return clawrt_error_set_complete(err, EROFS, "cannot start %s: its state directory is on a "
                            "read-only filesystem (remount --root read-write)", st->id);
  cleanup_close int fifo = openat(dirfd, "exec.fifo", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fifo < 0)
    return clawrt_error_set(err, errno, "open exec.fifo");
  struct pollfd pfd[2] = { { fifo, POLLIN, 0 }, { pidfd, POLLIN, 0 } };
  for (;;)
    {
      int r = poll(pfd, 2, -1);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        return clawrt_error_set(err, errno, "poll exec.fifo");
      if (pfd[0].revents & POLLIN)
        break;
      if (pfd[1].revents)
        return clawrt_error_set(err, ESRCH, "container init exited before it was started");
    }
  /* the init has opened its end and is released: it is no longer
   * "created", and a start killed from here on must not leave a fifo that
   * no one will write again, for the next start to wait on forever */
  unlinkat(dirfd, "exec.fifo", 0);
  char c;
  if (read(fifo, &c, 1) != 1)
    return clawrt_error_set(err, errno ? errno : EIO, "read exec.fifo");
  fault_point("start:after-release");
  st->started = true;
  /* the init runs whether or not this is recorded (the fifo is gone,
   * which is what says "running"): a full disk is no reason to fail */
  clawrt_error e = { 0 };
  if (state_write(dirfd, st, &e) < 0)
    {
      cleanup_free char *t = clawrt_error_text(&e);
      log_warn("container %s started, but its state was not updated: %s", st->id, t);
      clawrt_error_clear(&e);
    }
  return read_init_result(fifo, pidfd, err);
}

/* poststart hooks, once the init was released (start, run); their
 * failures are warnings: the container already runs. */
void
container_poststart(int dirfd, const container_state *st)
{
  cleanup_free char *cfg = NULL;
  size_t len;
  clawrt_error e = { 0 };
  oci_spec *spec = NULL;
  if (read_file_at(dirfd, "config.json", CLAWRT_CONFIG_MAX, &cfg, &len, &e) == 0
      && oci_spec_parse(cfg, len, "config.json", &spec, &e) == 0 && spec->hooks
      && spec->hooks->poststart.len)
    {
      cleanup_free char *sj = container_state_for_hooks(st, "running");
      container_hooks_warn(&spec->hooks->poststart, "poststart", sj);
    }
  clawrt_error_clear(&e);
  oci_spec_free(spec);
}

int
container_start(const clawrt_globals *g, const char *id, clawrt_error *err)
{
  cleanup_close int rootfd = -1, dirfd = -1;
  container_state *st = NULL;
  if (container_open(g, id, LOCK_EX, &rootfd, &dirfd, &st, err) < 0)
    return -1;
  cgroup_manager *cg = load_cgroup(st);
  const char *status = container_status(dirfd, st, cg);
  cgroup_manager_free(cg);
  int rc = -1;
  if (strcmp(status, "created") != 0)
    {
      if (strcmp(status, "stopped") == 0)
        clawrt_error_set(err, 0, "cannot start a container that has stopped");
      else
        clawrt_error_set(err, 0, "cannot start an already running container");
      goto out;
    }
  if (container_release(dirfd, st, err) < 0)
    goto out;
  rc = 0;
  container_poststart(dirfd, st);
out:
  container_state_free(st);
  return rc;
}

static void
fill_info(int dirfd, const container_state *st, container_info *out)
{
  cgroup_manager *cg = load_cgroup(st);
  const char *status = container_status(dirfd, st, cg);
  cgroup_manager_free(cg);
  memset(out, 0, sizeof *out);
  out->id = xstrdup(st->id);
  out->status = xstrdup(status);
  out->pid = strcmp(status, "stopped") == 0 ? 0 : st->pid;
  out->bundle = xstrdup(st->bundle);
  out->rootfs = xstrdup(st->rootfs);
  out->created = xstrdup(st->created);
  out->owner = xstrdup(st->owner ? st->owner : "");
  for (size_t i = 0; i < st->annotations.len; i++)
    oci_map_set(&out->annotations, st->annotations.keys[i], st->annotations.values[i]);
}

int
container_get_state(const clawrt_globals *g, const char *id, container_info *out, clawrt_error *err)
{
  cleanup_close int rootfd = -1, dirfd = -1;
  container_state *st = NULL;
  if (container_open(g, id, 0, &rootfd, &dirfd, &st, err) < 0)
    return -1;
  fill_info(dirfd, st, out);
  container_state_free(st);
  return 0;
}

int
container_state_json(const clawrt_globals *g, const char *id, char **json, clawrt_error *err)
{
  container_info info;
  if (container_get_state(g, id, &info, err) < 0)
    return -1;
  oci_state os = {
    .oci_version = (char *) "1.2.0",
    .id = info.id,
    .status = info.status,
    .pid = info.pid,
    .has_pid = true,
    .bundle = info.bundle,
    .rootfs = info.rootfs,
    .created = info.created,
    .owner = info.owner,
    .annotations = info.annotations,
    .has_annotations = info.annotations.len > 0,
  };
  size_t len;
  int rc = oci_state_emit(&os, true, json, &len, err);
  container_info_free(&info);
  return rc;
}

int
container_list(const clawrt_globals *g, container_info **out, size_t *len, clawrt_error *err)
{
  *out = NULL;
  *len = 0;
  cleanup_close int rootfd = -1;
  if (state_open_root(g->root, &rootfd, err) < 0)
    return -1;
  cleanup_strv char **ids = NULL;
  if (state_list(rootfd, &ids, err) < 0)
    return -1;
  size_t n = strv_len(ids);
  container_info *v = xmalloc0(sizeof *v * (n + 1));
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    {
      cleanup_close int dirfd = -1;
      container_state *st = NULL;
      clawrt_error e = { 0 };
      /* a container deleted while we list is simply not listed */
      if (state_open(rootfd, ids[i], 0, &dirfd, &e) < 0 || state_read(dirfd, &st, &e) < 0)
        {
          clawrt_error_clear(&e);
          continue;
        }
      fill_info(dirfd, st, &v[k++]);
      container_state_free(st);
    }
  *out = v;
  *len = k;
  return 0;
}

int
container_kill(const clawrt_globals *g, const char *id, int signo, bool all, clawrt_error *err)
{
  cleanup_close int rootfd = -1, dirfd = -1;
  container_state *st = NULL;
  if (container_open(g, id, 0, &rootfd, &dirfd, &st, err) < 0)
    return -1;
  int rc = -1;
  cgroup_manager *cg = load_cgroup(st);
  cleanup_close int pidfd = init_pidfd(st);
  if (pidfd < 0)
    {
      clawrt_error_set_complete(err, ESRCH, "container not running");
      goto out;
    }
  if (all && cg)
    {
      if (cgroup_kill_all(cg, signo, err) < 0)
        goto out;
    }
  else if (pidfd_signal(pidfd, signo) < 0)
    {
      if (errno == ESRCH)
        clawrt_error_set_complete(err, ESRCH, "container not running");
      else
        clawrt_error_set(err, errno, "kill container %s", id);
      goto out;
    }
  rc = 0;
out:
  cgroup_manager_free(cg);
  container_state_free(st);
  return rc;
}

static void
wait_gone(int pidfd)
{
  struct pollfd pfd = { pidfd, POLLIN, 0 };
  /* SIGKILL is not instant for a process in uninterruptible sleep; 10 s
   * is what we give it before the cgroup removal reports it lingering */
  for (int i = 0; i < 100; i++)
    {
      int r = poll(&pfd, 1, 100);
      if (r > 0 || (r < 0 && errno != EINTR))
        return;
    }
}

/* The effective spec that create saved, NULL when there is none. */
static oci_spec *
load_saved_spec(int dirfd)
{
  cleanup_free char *cfg = NULL;
  size_t len;
  clawrt_error e = { 0 };
  oci_spec *spec = NULL;
  if (read_file_at(dirfd, "config.json", CLAWRT_CONFIG_MAX, &cfg, &len, &e) < 0
      || oci_spec_parse(cfg, len, "config.json", &spec, &e) < 0)
    spec = NULL;
  clawrt_error_clear(&e);
  return spec;
}

/* A create killed between making its cgroup and recording it in
 * state.json: find the leaves from the saved spec's cgroupsPath (a leaf
 * that holds processes is left alone: it may be another container's). */
static cgroup_manager *
find_unrecorded_cgroup(const container_state *st, const oci_spec *spec)
{
  if (spec == NULL || st->cgroup_json != NULL)
    return NULL;
  cgroup_create_opts o = { .open_only = true };
  cgroup_manager *cg = NULL;
  clawrt_error e = { 0 };
  if (cgroup_create_with(&o, st->id, spec->linux ? spec->linux->cgroups_path : NULL, NULL, &cg,
                         &e)
      < 0)
    {
      cleanup_free char *t = clawrt_error_text(&e);
      log_warn("container %s: cgroup of an interrupted create: %s", st->id, t);
      clawrt_error_clear(&e);
      return NULL;
    }
  return cg;
}

int
container_destroy(int rootfd, int dirfd, container_state *st, clawrt_error *err)
{
  oci_spec *spec = load_saved_spec(dirfd);
  cgroup_manager *cg = load_cgroup(st);
  if (cg == NULL)
    cg = find_unrecorded_cgroup(st, spec);
  cleanup_close int pidfd = init_pidfd(st);
  if (pidfd >= 0)
    {
      pidfd_signal(pidfd, SIGKILL);
      if (cg)
        {
          clawrt_error e = { 0 };
          cgroup_kill_all(cg, SIGKILL, &e);
          clawrt_error_clear(&e);
        }
      wait_gone(pidfd);
      /* reap it when it is our child (run); harmless otherwise */
      waitpid(st->pid, NULL, WNOHANG);
    }
  fault_point("delete:after-kill");
  int rc = 0;
  if (cg && cgroup_destroy(cg, err) < 0)
    rc = -1;
  cg = NULL;
  fault_point("delete:after-cgroup");

  if (spec && spec->hooks && spec->hooks->poststop.len)
    {
      cleanup_free char *sj = container_state_for_hooks(st, "stopped");
      container_hooks_warn(&spec->hooks->poststop, "poststop", sj);
    }
  oci_spec_free(spec);
  if (rc < 0)
    return -1;
  fault_point("delete:before-remove");
  return state_remove(rootfd, st->id, err);
}

int
container_delete(const clawrt_globals *g, const char *id, bool force, clawrt_error *err)
{
  cleanup_close int rootfd = -1, dirfd = -1;
  container_state *st = NULL;
  if (state_check_id(id, err) < 0 || state_open_root(g->root, &rootfd, err) < 0)
    return -1;
  if (state_open(rootfd, id, LOCK_EX, &dirfd, err) < 0)
    return -1;
  /* the state of a read-only root could not be removed: refuse before the
   * container is killed, not after */
  struct statvfs vfs;
  if (fstatvfs(rootfd, &vfs) == 0 && (vfs.f_flag & ST_RDONLY))
    return clawrt_error_set_complete(err, EROFS, "cannot delete %s: state root `%s` is on a "
                            "read-only filesystem (remount it read-write)", id, g->root);
  if (state_read(dirfd, &st, err) < 0)
    {
      /* a create killed before it wrote its state: nothing runs from it
       * that the state could name, so --force may remove the directory */
      if (!force)
        return clawrt_error_wrap(err, "container %s has no readable state (use --force)", id);
      clawrt_error_clear(err);
      return state_remove(rootfd, id, err);
    }
  int rc = -1;
  cgroup_manager *cg = load_cgroup(st);
  const char *status = container_status(dirfd, st, cg);
  cgroup_manager_free(cg);
  /* runtime-spec: deleting a container that is not stopped is an error;
   * a created one counts as not stopped (its init exists) */
  if (!force && strcmp(status, "stopped") != 0)
    {
      clawrt_error_set(err, 0, "cannot delete container %s that is not stopped: %s", id,
                       status);
      goto out;
    }
  rc = container_destroy(rootfd, dirfd, st, err);
out:
  container_state_free(st);
  return rc;
}
