/* restore: make container ID from a bundle and a checkpoint with `criu
 * restore`.  The runtime prepares what CRIU takes from outside (the
 * cgroup, the rootfs as a mount point, the external mounts, joined
 * namespaces, the caller's stdio, a new terminal) and records the state;
 * CRIU makes the namespaces and the process tree. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bundle.h"
#include "container_priv.h"
#include "criu_priv.h"
#include "linux/mount.h"
#include "linux/terminal.h"
#include "log.h"
#include "pidfd.h"
#include "policy/strict.h"
#include "signals.h"
#include "util.h"

#define CRIU_ROOT_DIR "criu-root"
#define RESTORE_PID_FILE "restore.pid"
#define RESTORE_LOG "restore.log"

typedef struct restore {
  const restore_opts *o;
  char *image, *work;
  bundle *b;
  container_state *st;
  cgroup_manager *cg;
  int rootfd, dirfd, imgfd, workfd;
  char *criu_root;           /* absolute path of STATE/ID/criu-root */
  bool root_mounted;
  criu_external *ext;
  size_t next;
  char *fds[3];
  int inherit[8];
  size_t ninherit;
  int tty_master;
  pid_t pid;
  int pidfd;
} restore;

static void
restore_free(restore *r)
{
  free(r->image);
  free(r->work);
  bundle_free(r->b);
  container_state_free(r->st);
  cgroup_manager_free(r->cg);
  int fds[] = { r->rootfd, r->dirfd, r->imgfd, r->workfd, r->tty_master, r->pidfd };
  for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++)
    if (fds[i] >= 0)
      close(fds[i]);
  for (size_t i = 0; i < r->ninherit; i++)
    close(r->inherit[i]);
  free(r->criu_root);
  criu_external_free(r->ext, r->next);
  for (int i = 0; i < 3; i++)
    free(r->fds[i]);
}

static char *
absolute(const char *p)
{
  if (p[0] == '/')
    return xstrdup(p);
  cleanup_free char *cwd = getcwd(NULL, 0);
  return cwd ? xasprintf("%s/%s", cwd, p) : xstrdup(p);
}

/* The checkpoint directory and what checkpoint left in it besides the
 * images.  A checkpoint made by another runtime has no clawrt-external:
 * the spec's bind mounts are then all CRIU is told about. */
static int
open_checkpoint(restore *r, clawrt_error *err)
{
  r->imgfd = open(r->image, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (r->imgfd < 0)
    return clawrt_error_set(err, errno, "checkpoint directory `%s`", r->image);
  if (faccessat(r->imgfd, "inventory.img", F_OK, 0) < 0)
    return clawrt_error_set(err, 0,
                            "no checkpoint in `%s` (inventory.img is missing): give "
                            "--image-path the directory `clawrt checkpoint` wrote",
                            r->image);
  if (strcmp(r->work, r->image) == 0)
    r->workfd = dup(r->imgfd);
  else
    {
      if (mkdir_p_at(AT_FDCWD, r->work, 0700, err) < 0)
        return -1;
      r->workfd = open(r->work, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    }
  if (r->workfd < 0)
    return clawrt_error_set(err, errno, "work directory `%s`", r->work);
  cleanup_free char *text = NULL;
  size_t len;
  clawrt_error e = { 0 };
  if (read_file_at(r->imgfd, CRIU_EXTERNAL_FILE, 1u << 20, &text, &len, &e) == 0)
    {
      if (criu_external_parse(text, &r->ext, &r->next, err) < 0)
        return clawrt_error_wrap(err, "checkpoint `%s`", r->image);
    }
  else if (e.errnum == ENOENT)
    {
      const oci_spec *spec = r->b->spec;
      for (size_t i = 0; i < spec->mounts_len; i++)
        if (spec->mounts[i].destination && mount_is_bind(&spec->mounts[i]))
          {
            cleanup_free char *k = criu_clean_path(spec->mounts[i].destination);
            criu_external_add(&r->ext, &r->next, "mnt", k);
          }
    }
  else
    return clawrt_error_set(err, e.errnum, "checkpoint `%s`: read %s", r->image,
                            CRIU_EXTERNAL_FILE);
  clawrt_error_clear(&e);
  free(text);
  text = NULL;
  if (read_file_at(r->imgfd, CRIU_DESCRIPTORS_FILE, 1u << 16, &text, &len, &e) == 0)
    {
      if (criu_descriptors_parse(text, r->fds, err) < 0)
        return clawrt_error_wrap(err, "checkpoint `%s`", r->image);
    }
  clawrt_error_clear(&e);
  return 0;
}

static int
keep_fd(restore *r, int fd, clawrt_error *err)
{
  if (r->ninherit == sizeof r->inherit / sizeof r->inherit[0])
    {
      close(fd);
      return clawrt_error_set(err, E2BIG, "too many descriptors for criu");
    }
  r->inherit[r->ninherit++] = fd;
  return 0;
}

static const char *
external_of(const restore *r, const char *kind)
{
  for (size_t i = 0; i < r->next; i++)
    if (strcmp(r->ext[i].kind, kind) == 0)
      return r->ext[i].key;
  return NULL;
}

/* A namespace the config joins by path, opened for CRIU to put the
 * restored tree into. */
static int
inherit_ns(restore *r, const char *type, const char *key, criu_argv *a, clawrt_error *err)
{
  const oci_linux *l = r->b->spec->linux;
  for (size_t i = 0; l && i < l->namespaces_len; i++)
    if (strcmp(l->namespaces[i].type, type) == 0 && l->namespaces[i].path
        && *l->namespaces[i].path)
      {
        int fd = open(l->namespaces[i].path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
          return clawrt_error_set(err, errno, "%s: linux.namespaces[%zu].path `%s`",
                                  r->b->origin, i, l->namespaces[i].path);
        if (keep_fd(r, fd, err) < 0)
          return -1;
        criu_argv_add(a, "--inherit-fd");
        criu_argv_addf(a, "fd[%d]:%s", fd, key);
        return 0;
      }
  return clawrt_error_set(err, EINVAL,
                          "the checkpoint joined an existing %s namespace but %s gives no "
                          "path for it", type, r->b->origin);
}

/* The terminal: a new pty whose master goes to the console socket; CRIU
 * gives the slave to the processes that had the old one. */
static int
new_terminal(restore *r, const char *tty_key, criu_argv *a, clawrt_error *err)
{
  int master = -1, slave = -1;
  if (terminal_open(&master, &slave, r->b->spec->process->console_size, err) < 0)
    return clawrt_error_wrap(err, "terminal for the restored container");
  r->tty_master = master;
  if (keep_fd(r, slave, err) < 0)
    return -1;
  if (terminal_send_master(r->o->console_socket, master, err) < 0)
    return -1;
  criu_argv_add(a, "--inherit-fd");
  criu_argv_addf(a, "fd[%d]:tty[%s]", slave, tty_key);
  return 0;
}

static int
build_argv(restore *r, criu_argv *a, clawrt_error *err)
{
  criu_opts co = r->o->criu;
  co.image_path = r->image;
  co.work_path = r->work;
  criu_argv_add(a, "criu");
  criu_argv_add(a, "restore");
  if (criu_argv_common(a, &co, RESTORE_LOG, err) < 0)
    return -1;
  criu_argv_add(a, "--root");
  criu_argv_add(a, r->criu_root);
  /* the init becomes our child, criu exits once the tree runs */
  criu_argv_add(a, "--restore-detached");
  criu_argv_add(a, "--restore-sibling");
  criu_argv_add(a, "--pidfile");
  criu_argv_add(a, RESTORE_PID_FILE);
  for (size_t i = 0; i < r->next; i++)
    if (strcmp(r->ext[i].kind, "mnt") == 0)
      {
        cleanup_free char *src = criu_mount_source(r->b->spec, r->b->dir, r->ext[i].key);
        criu_argv_add(a, "--external");
        criu_argv_addf(a, "mnt[%s]:%s", r->ext[i].key, src);
      }
  const char *tty = external_of(r, "tty");
  if (tty && new_terminal(r, tty, a, err) < 0)
    return -1;
  if (external_of(r, "net") && inherit_ns(r, "network", CRIU_NET_KEY, a, err) < 0)
    return -1;
  if (external_of(r, "pid") && inherit_ns(r, "pid", CRIU_PID_KEY, a, err) < 0)
    return -1;
  /* the engine's new pipes take the place of the old ones */
  for (int i = 0; i < 3; i++)
    if (r->fds[i] && strncmp(r->fds[i], "pipe:", 5) == 0)
      {
        criu_argv_add(a, "--inherit-fd");
        criu_argv_addf(a, "fd[%d]:%s", i, r->fds[i]);
      }
  return 0;
}

/* CRIU pivots into --root, which must be a mount point: a recursive bind
 * of the bundle's rootfs inside our state directory, gone after restore
 * (the restored mount namespace has its own copy). */
static int
mount_criu_root(restore *r, clawrt_error *err)
{
  if (mkdirat(r->dirfd, CRIU_ROOT_DIR, 0700) < 0)
    return clawrt_error_set(err, errno, "create %s", CRIU_ROOT_DIR);
  cleanup_close int target = openat(r->dirfd, CRIU_ROOT_DIR, O_PATH | O_DIRECTORY | O_NOFOLLOW
                                                               | O_CLOEXEC);
  if (target < 0)
    return clawrt_error_set(err, errno, "open %s", CRIU_ROOT_DIR);
  cleanup_close int mnt = -1;
  if (mount_bind_detached(AT_FDCWD, r->b->rootfs, true, &mnt, err) < 0
      || mount_move_onto(mnt, target, err) < 0)
    return clawrt_error_wrap(err, "bind the rootfs %s for criu", r->b->rootfs);
  r->root_mounted = true;
  return 0;
}

static void
unmount_criu_root(restore *r)
{
  if (r->root_mounted && umount2(r->criu_root, MNT_DETACH) < 0)
    log_warn("unmount %s: %s", r->criu_root, strerror(errno));
  r->root_mounted = false;
  unlinkat(r->dirfd, CRIU_ROOT_DIR, AT_REMOVEDIR);
}

static void
undo(restore *r)
{
  clawrt_error e = { 0 };
  if (r->pidfd >= 0)
    pidfd_signal(r->pidfd, SIGKILL);
  if (r->cg)
    {
      /* a restore that failed half way may have left part of the tree */
      cgroup_kill_all(r->cg, SIGKILL, &e);
      clawrt_error_clear(&e);
      if (cgroup_destroy(r->cg, &e) < 0)
        {
          cleanup_free char *t = clawrt_error_text(&e);
          log_warn("remove cgroup: %s", t);
          clawrt_error_clear(&e);
        }
      r->cg = NULL;
    }
  if (r->pid > 0)
    waitpid(r->pid, NULL, WNOHANG);
  if (r->workfd >= 0)
    unlinkat(r->workfd, RESTORE_PID_FILE, 0);
  if (r->dirfd >= 0)
    {
      unmount_criu_root(r);
      if (r->st && state_remove(r->rootfd, r->st->id, &e) < 0)
        {
          cleanup_free char *t = clawrt_error_text(&e);
          log_warn("remove state: %s", t);
          clawrt_error_clear(&e);
        }
    }
}

static int
make_cgroup(restore *r, const clawrt_globals *g, const char *id, clawrt_error *err)
{
  if (container_cgroup_create(r->b, g, id, &r->cg, err) < 0)
    return -1;
  r->st->cgroup_json = cgroup_serialize(r->cg);
  return state_write(r->dirfd, r->st, err);
}

static int
read_pid(restore *r, clawrt_error *err)
{
  cleanup_free char *text = NULL;
  size_t len;
  if (read_file_at(r->workfd, RESTORE_PID_FILE, 64, &text, &len, err) < 0)
    return clawrt_error_wrap(err, "pid of the restored init");
  unlinkat(r->workfd, RESTORE_PID_FILE, 0);
  uint64_t v;
  text[strcspn(text, "\n")] = '\0';
  if (parse_u64(text, &v) < 0 || v == 0 || v > INT32_MAX)
    return clawrt_error_set(err, EINVAL, "criu wrote a bad pid file: \"%s\"", text);
  r->pid = (pid_t) v;
  r->pidfd = (int) syscall(SYS_pidfd_open, r->pid, 0);
  if (r->pidfd < 0)
    return clawrt_error_set(err, errno, "the restored init (pid %d)", (int) r->pid);
  return 0;
}

static int
record(restore *r, clawrt_error *err)
{
  r->st->pid = r->pid;
  r->st->pid_start_time = proc_start_time(r->pid);
  r->st->started = true;
  cleanup_free char *cfg = NULL;
  size_t len = 0;
  if (oci_spec_emit(r->b->spec, &cfg, &len, err) < 0
      || atomic_write_at(r->dirfd, "config.json", cfg, len, 0600, err) < 0
      || state_write(r->dirfd, r->st, err) < 0)
    return -1;
  if (r->o->pid_file && container_write_pid_file(r->o->pid_file, r->pid, err) < 0)
    return -1;
  return 0;
}

static volatile int relay_pidfd = -1;

static void
relay(int sig)
{
  int saved = errno;
  if (relay_pidfd >= 0)
    pidfd_signal(relay_pidfd, sig);
  errno = saved;
}

/* Foreground restore: like run, the init's exit is ours and every signal
 * we get is its. */
static int
wait_foreground(restore *r, int *exit_status, clawrt_error *err)
{
  relay_pidfd = r->pidfd;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = relay;
  sa.sa_flags = SA_RESTART;
  sigemptyset(&sa.sa_mask);
  for (int s = 1; s < NSIG; s++)
    if (signal_is_forwarded(s))
      sigaction(s, &sa, NULL);
  int wst = 0;
  pid_t w;
  for (;;)
    {
      w = waitpid(-1, &wst, 0);
      if (w == r->pid || (w < 0 && errno != EINTR))
        break;
      /* others are orphans re-parented to us as subreaper */
    }
  relay_pidfd = -1;
  if (w != r->pid)
    return clawrt_error_set(err, errno, "wait for the restored container");
  *exit_status = WIFSIGNALED(wst) ? 128 + WTERMSIG(wst) : WEXITSTATUS(wst);
  return 0;
}

static int
prepare(restore *r, const clawrt_globals *g, const char *id, clawrt_error *err)
{
  const restore_opts *o = r->o;
  if (bundle_load(o->bundle && *o->bundle ? o->bundle : ".", NULL, &r->b, err) < 0)
    return -1;
  if (strict_requested(r->b->spec, g->strict)
      && strict_apply(r->b->spec, r->b->origin, NULL, err) < 0)
    return -1;
  if (open_checkpoint(r, err) < 0)
    return -1;
  if (external_of(r, "tty") && o->console_socket == NULL)
    return clawrt_error_set(err, EINVAL,
                            "the checkpointed container has a terminal: restore it with "
                            "--console-socket");
  if (state_open_root(g->root, &r->rootfd, err) < 0
      || state_reserve(r->rootfd, id, &r->dirfd, err) < 0)
    return -1;
  container_state *st = r->st = xmalloc0(sizeof *st);
  st->id = xstrdup(id);
  st->bundle = xstrdup(r->b->dir);
  st->rootfs = xstrdup(r->b->rootfs);
  st->created = rfc3339_now();
  struct passwd *pw = getpwuid(geteuid());
  st->owner = xstrdup(pw ? pw->pw_name : "");
  st->strict = strict_requested(r->b->spec, false);
  for (size_t i = 0; i < r->b->spec->annotations.len; i++)
    oci_map_set(&st->annotations, r->b->spec->annotations.keys[i],
                r->b->spec->annotations.values[i]);
  if (state_write(r->dirfd, st, err) < 0)
    return -1;
  cleanup_free char *root = absolute(g->root);
  r->criu_root = xasprintf("%s/%s/%s", root, id, CRIU_ROOT_DIR);
  if (make_cgroup(r, g, id, err) < 0 || mount_criu_root(r, err) < 0)
    return -1;
  return 0;
}

int
container_restore(const clawrt_globals *g, const char *id, const restore_opts *o,
                  int *exit_status, clawrt_error *err)
{
  *exit_status = 0;
  const char *mode;
  if (state_check_id(id, err) < 0
      || criu_cgroups_mode(o->criu.manage_cgroups_mode, &mode, err) < 0)
    return -1;
  restore r = {
    .o = o,
    .rootfd = -1, .dirfd = -1, .imgfd = -1, .workfd = -1, .tty_master = -1, .pidfd = -1,
  };
  r.image = absolute(o->criu.image_path && *o->criu.image_path ? o->criu.image_path
                                                               : "checkpoint");
  r.work = o->criu.work_path && *o->criu.work_path ? absolute(o->criu.work_path)
                                                   : xstrdup(r.image);
  criu_argv a = { 0 };
  int rc = -1;
  if (prepare(&r, g, id, err) < 0 || build_argv(&r, &a, err) < 0)
    goto fail;
  if (!o->detach && !o->no_subreaper && prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
    {
      clawrt_error_set(err, errno, "become a subreaper");
      goto fail;
    }
  log_debug("restore %s: criu restore from %s", id, r.image);
  criu_exec_opts eo = {
    .cg = r.cg, .cgroup_roots = true, .inherit = r.inherit, .inherit_len = r.ninherit,
  };
  int wst = 0;
  if (criu_exec(&a, &eo, &wst, err) < 0)
    goto fail;
  if (!WIFEXITED(wst) || WEXITSTATUS(wst) != 0)
    {
      cleanup_free char *why = criu_read_log_reason(r.workfd, RESTORE_LOG);
      cleanup_free char *how = criu_describe_status(wst);
      clawrt_error_set(err, 0, "restore of container %s failed: criu restore %s%s%s (log: %s/%s)",
                       id, how, why ? ": " : "", why ? why : "", r.work, RESTORE_LOG);
      goto fail;
    }
  if (read_pid(&r, err) < 0 || record(&r, err) < 0)
    goto fail;
  unmount_criu_root(&r);
  criu_argv_free(&a);
  if (o->detach)
    {
      restore_free(&r);
      return 0;
    }
  rc = wait_foreground(&r, exit_status, err);
  clawrt_error e = { 0 };
  if (container_destroy(r.rootfd, r.dirfd, r.st, rc < 0 ? &e : err) < 0 && rc == 0)
    rc = -1;
  clawrt_error_clear(&e);
  restore_free(&r);
  return rc;

fail:
  undo(&r);
  criu_argv_free(&a);
  restore_free(&r);
  return -1;
}
