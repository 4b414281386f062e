/* checkpoint: dump a running container with `criu dump` (or `criu
 * pre-dump`).  Everything CRIU must know about the container that it
 * cannot see for itself (external mounts, a joined network namespace, the
 * terminal whose master an engine holds) is worked out first, from the
 * container's effective config and its init's /proc entries. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bundle.h"
#include "container_priv.h"
#include "criu_priv.h"
#include "linux/procfs.h"
#include "log.h"
#include "util.h"

/* Unix98 pty slaves: majors 136..143. */
#define PTY_SLAVE_MAJOR_FIRST 136
#define PTY_SLAVE_MAJOR_LAST 143

typedef struct dump {
  const criu_opts *o;
  container_state *st;
  oci_spec *spec;
  int procfd;
  criu_external *ext;
  size_t next;
  char *fds[3];              /* readlink of the init's 0, 1, 2 */
  long long net_ino, pid_ino; /* joined namespaces, 0 when new */
} dump;

static void
dump_free(dump *d)
{
  oci_spec_free(d->spec);
  if (d->procfd >= 0)
    close(d->procfd);
  criu_external_free(d->ext, d->next);
  for (int i = 0; i < 3; i++)
    free(d->fds[i]);
}

/* The inode of the init's namespace `proc_name` when the config joins an
 * existing one of spec type `type` (a path was given): CRIU cannot make
 * it and must be told to leave it to whoever restores. */
static long long
joined_ns_inode(const dump *d, const char *type, const char *proc_name)
{
  const oci_linux *l = d->spec->linux;
  for (size_t i = 0; l && i < l->namespaces_len; i++)
    if (strcmp(l->namespaces[i].type, type) == 0 && l->namespaces[i].path
        && *l->namespaces[i].path)
      {
        char rel[64];
        struct stat s;
        snprintf(rel, sizeof rel, "%d/ns/%s", (int) d->st->pid, proc_name);
        if (fstatat(d->procfd, rel, &s, 0) == 0)
          return (long long) s.st_ino;
      }
  return 0;
}

static bool
has_new_ns(const oci_spec *spec, const char *type)
{
  const oci_linux *l = spec->linux;
  for (size_t i = 0; l && i < l->namespaces_len; i++)
    if (strcmp(l->namespaces[i].type, type) == 0)
      return l->namespaces[i].path == NULL || *l->namespaces[i].path == '\0';
  return false;
}

static int
inspect(dump *d, clawrt_error *err)
{
  pid_t pid = d->st->pid;
  d->procfd = procfs_open_root(AT_FDCWD, "/proc", err);
  if (d->procfd < 0)
    return -1;
  char rel[64];
  /* without a mount namespace of its own CRIU dumps no mounts at all */
  if (has_new_ns(d->spec, "mount"))
    {
      snprintf(rel, sizeof rel, "%d/mountinfo", (int) pid);
      cleanup_free char *text = NULL;
      if (procfs_read_at(d->procfd, rel, 4u << 20, &text, err) < 0)
        return clawrt_error_wrap(err, "mounts of the container");
      mountinfo_entry *mi = NULL;
      size_t n = 0;
      if (mountinfo_parse(text, &mi, &n, err) < 0)
        return clawrt_error_wrap(err, "mounts of the container");
      int rc = criu_dump_mounts(d->spec, mi, n, &d->ext, &d->next, err);
      mountinfo_free(mi, n);
      if (rc < 0)
        return -1;
    }

  for (int i = 0; i < 3; i++)
    {
      char link[4096];
      snprintf(rel, sizeof rel, "%d/fd/%d", (int) pid, i);
      ssize_t l = readlinkat(d->procfd, rel, link, sizeof link - 1);
      link[l > 0 ? l : 0] = '\0';
      d->fds[i] = xstrdup(link);
    }
  if (d->spec->process && d->spec->process->terminal)
    {
      /* the init's stdio is the pty slave; its master is held outside
       * (the engine got it through --console-socket) */
      struct stat s;
      snprintf(rel, sizeof rel, "%d/fd/0", (int) pid);
      if (fstatat(d->procfd, rel, &s, 0) == 0 && S_ISCHR(s.st_mode)
          && major(s.st_rdev) >= PTY_SLAVE_MAJOR_FIRST && major(s.st_rdev) <= PTY_SLAVE_MAJOR_LAST)
        {
          cleanup_free char *key = xasprintf("%llx:%llx", (unsigned long long) s.st_rdev,
                                             (unsigned long long) s.st_dev);
          criu_external_add(&d->ext, &d->next, "tty", key);
        }
    }
  d->net_ino = joined_ns_inode(d, "network", "net");
  d->pid_ino = joined_ns_inode(d, "pid", "pid");
  if (d->net_ino)
    criu_external_add(&d->ext, &d->next, "net", CRIU_NET_KEY);
  if (d->pid_ino)
    criu_external_add(&d->ext, &d->next, "pid", CRIU_PID_KEY);
  return 0;
}

/* The freezer cgroup of the init, as a host path, for --freeze-cgroup: CRIU
 * then stops the tree with the freezer (no fork escapes while it collects
 * the tasks, and a paused container stays paused), as runc has it do.  The
 * v1 freezer hierarchy when there is one, else the v2 cgroup (cgroup.freeze);
 * NULL when neither is found: CRIU then stops the tasks with ptrace. */
static char *
freezer_path(const dump *d)
{
  char rel[64];
  snprintf(rel, sizeof rel, "%d/cgroup", (int) d->st->pid);
  cleanup_free char *text = NULL;
  clawrt_error e = { 0 };
  if (procfs_read_at(d->procfd, rel, 1u << 16, &text, &e) < 0)
    {
      clawrt_error_clear(&e);
      return NULL;
    }
  char *v2 = NULL, *found = NULL;
  for (char *save = NULL, *line = strtok_r(text, "\n", &save); line && !found;
       line = strtok_r(NULL, "\n", &save))
    {
      char *c1 = strchr(line, ':');
      char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
      if (c2 == NULL || strstr(c2 + 1, "/..") || strchr(c2 + 1, ' '))
        continue;
      *c2 = '\0';
      struct stat s;
      if (strcmp(c1 + 1, "freezer") == 0)
        {
          char *p = xasprintf(CGROUP_ROOT_DEFAULT "/freezer%s", c2 + 1);
          if (stat(p, &s) == 0 && S_ISDIR(s.st_mode))
            found = p;
          else
            free(p);
        }
      else if (c1[1] == '\0' && v2 == NULL)
        {
          /* pure v2 has it at the root, hybrid under unified/ */
          const char *bases[] = { CGROUP_ROOT_DEFAULT, CGROUP_ROOT_DEFAULT "/unified" };
          for (size_t i = 0; i < 2 && v2 == NULL; i++)
            {
              char *p = xasprintf("%s%s", bases[i], c2 + 1);
              cleanup_free char *f = xasprintf("%s/cgroup.freeze", p);
              if (stat(f, &s) == 0)
                v2 = p;
              else
                free(p);
            }
        }
    }
  if (found)
    {
      free(v2);
      return found;
    }
  return v2;
}

static int
build_argv(const dump *d, const char *log_name, criu_argv *a, clawrt_error *err)
{
  criu_argv_add(a, "criu");
  criu_argv_add(a, d->o->pre_dump ? "pre-dump" : "dump");
  criu_argv_add(a, "--tree");
  criu_argv_addf(a, "%d", (int) d->st->pid);
  if (criu_argv_common(a, d->o, log_name, err) < 0)
    return -1;
  if (d->o->leave_running && !d->o->pre_dump)
    criu_argv_add(a, "--leave-running");
  if (d->o->parent_path && *d->o->parent_path)
    {
      criu_argv_add(a, "--prev-images-dir");
      criu_argv_add(a, d->o->parent_path);
    }
  cleanup_free char *freezer = freezer_path(d);
  if (freezer)
    {
      criu_argv_add(a, "--freeze-cgroup");
      criu_argv_add(a, freezer);
    }
  /* a pre-dump is only useful to a later dump that tracks what changed */
  if (d->o->pre_dump || (d->o->parent_path && *d->o->parent_path))
    criu_argv_add(a, "--track-mem");
  for (size_t i = 0; i < d->next; i++)
    {
      const criu_external *e = &d->ext[i];
      criu_argv_add(a, "--external");
      if (strcmp(e->kind, "mnt") == 0)
        criu_argv_addf(a, "mnt[%s]:%s", e->key, e->key);
      else if (strcmp(e->kind, "tty") == 0)
        criu_argv_addf(a, "tty[%s]", e->key);
      else if (strcmp(e->kind, "net") == 0)
        criu_argv_addf(a, "net[%lld]:%s", d->net_ino, e->key);
      else
        criu_argv_addf(a, "pid[%lld]:%s", d->pid_ino, e->key);
    }
  return 0;
}

static char *
descriptors_json(const dump *d)
{
  /* runc's descriptors.json: a JSON array of the three link texts */
  char *out = xstrdup("[");
  for (int i = 0; i < 3; i++)
    {
      cleanup_free char *esc = xmalloc0(strlen(d->fds[i]) * 6 + 1);
      size_t k = 0;
      for (const unsigned char *p = (const unsigned char *) d->fds[i]; *p; p++)
        {
          if (*p == '"' || *p == '\\')
            {
              esc[k++] = '\\';
              esc[k++] = (char) *p;
            }
          else if (*p < 0x20)
            k += (size_t) sprintf(esc + k, "\\u%04x", *p);
          else
            esc[k++] = (char) *p;
        }
      char *next = xasprintf("%s%s\"%s\"", out, i ? "," : "", esc);
      free(out);
      out = next;
    }
  char *done = xasprintf("%s]", out);
  free(out);
  return done;
}

/* An absolute path for a directory that may not exist yet. */
static char *
absolute(const char *p)
{
  if (p[0] == '/')
    return xstrdup(p);
  cleanup_free char *cwd = getcwd(NULL, 0);
  if (cwd == NULL)
    return xstrdup(p);
  return xasprintf("%s/%s", cwd, p);
}

/* mkdir -p; *made says whether the last directory is new (ours to remove
 * when the checkpoint fails). */
static int
make_dir(const char *path, bool *made, int *fd, clawrt_error *err)
{
  struct stat s;
  *made = stat(path, &s) < 0 && errno == ENOENT;
  if (*made && mkdir_p_at(AT_FDCWD, path, 0700, err) < 0)
    return -1;
  *fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (*fd < 0)
    return clawrt_error_set(err, errno, "open `%s`", path);
  return 0;
}

static void
remove_made(const char *path)
{
  cleanup_free char *dup = xstrdup(path);
  char *slash = strrchr(dup, '/');
  if (slash == NULL || slash[1] == '\0')
    return;
  *slash = '\0';
  cleanup_close int parent = open(*dup ? dup : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  clawrt_error e = { 0 };
  if (parent < 0 || state_remove_tree(parent, slash + 1, &e) < 0)
    {
      cleanup_free char *t = clawrt_error_text(&e);
      log_warn("remove `%s`: %s", path, t ? t : strerror(errno));
    }
  clawrt_error_clear(&e);
}

static bool
init_alive(const container_state *st)
{
  int fd = (int) syscall(SYS_pidfd_open, st->pid, 0);
  if (fd < 0)
    return false;
  struct pollfd p = { fd, POLLIN, 0 };
  bool alive = poll(&p, 1, 0) == 0 && proc_start_time(st->pid) == st->pid_start_time;
  close(fd);
  return alive;
}

/* After a failed dump the container must be as it was: CRIU thaws what it
 * froze, but a freezer it left frozen would read as "paused". */
static void
undo_freeze(const container_state *st, bool was_frozen)
{
  if (was_frozen || st->cgroup_json == NULL)
    return;
  cgroup_manager *cg = NULL;
  clawrt_error e = { 0 };
  bool frozen = false;
  if (cgroup_load(NULL, st->cgroup_json, &cg, &e) == 0 && cgroup_is_frozen(cg, &frozen, &e) == 0
      && frozen && cgroup_freeze(cg, false, &e) < 0)
    {
      cleanup_free char *t = clawrt_error_text(&e);
      log_warn("container %s: thaw after the failed checkpoint: %s", st->id, t);
    }
  clawrt_error_clear(&e);
  cgroup_manager_free(cg);
}

static int
write_extras(const dump *d, int imgfd, clawrt_error *err)
{
  cleanup_free char *desc = descriptors_json(d);
  cleanup_free char *ext = criu_external_format(d->ext, d->next);
  if (atomic_write_at(imgfd, CRIU_DESCRIPTORS_FILE, desc, strlen(desc), 0600, err) < 0
      || atomic_write_at(imgfd, CRIU_EXTERNAL_FILE, ext, strlen(ext), 0600, err) < 0)
    return clawrt_error_wrap(err, "checkpoint directory");
  return 0;
}

int
container_checkpoint(const clawrt_globals *g, const char *id, const criu_opts *o,
                     clawrt_error *err)
{
  const char *mode;
  if (criu_cgroups_mode(o->manage_cgroups_mode, &mode, err) < 0)
    return -1;
  cleanup_free char *image = absolute(o->image_path && *o->image_path ? o->image_path
                                                                      : "checkpoint");
  cleanup_free char *work = o->work_path && *o->work_path ? absolute(o->work_path) : NULL;
  criu_opts co = *o;
  co.image_path = image;
  co.work_path = work ? work : image;

  cleanup_close int rootfd = -1, dirfd = -1, imgfd = -1, workfd = -1, out = -1;
  dump d = { .o = &co, .procfd = -1 };
  bool made_image = false, made_work = false;
  criu_argv a = { 0 };
  /* every cleanup_ variable before the first goto */
  cleanup_free char *cfg = NULL;
  size_t cfglen;
  int rc = -1;
  if (container_open(g, id, LOCK_EX, &rootfd, &dirfd, &d.st, err) < 0)
    return -1;
  cgroup_manager *cg = NULL;
  clawrt_error e = { 0 };
  if (d.st->cgroup_json && cgroup_load(NULL, d.st->cgroup_json, &cg, &e) < 0)
    clawrt_error_clear(&e);
  const char *status = container_status(dirfd, d.st, cg);
  cgroup_manager_free(cg);
  bool was_frozen = strcmp(status, "paused") == 0;
  if (strcmp(status, "running") != 0 && !was_frozen)
    {
      clawrt_error_set(err, 0, "cannot checkpoint container %s: it is %s, not running", id,
                       status);
      goto out;
    }
  if (read_file_at(dirfd, "config.json", CLAWRT_CONFIG_MAX, &cfg, &cfglen, err) < 0
      || oci_spec_parse(cfg, cfglen, "config.json", &d.spec, err) < 0)
    {
      clawrt_error_wrap(err, "container %s", id);
      goto out;
    }
  if (inspect(&d, err) < 0)
    {
      clawrt_error_wrap(err, "checkpoint of container %s", id);
      goto out;
    }
  if (make_dir(image, &made_image, &imgfd, err) < 0)
    goto out;
  if (work && strcmp(work, image) != 0 && make_dir(work, &made_work, &workfd, err) < 0)
    goto out;
  const char *log_name = o->pre_dump ? "pre-dump.log" : "dump.log";
  if (build_argv(&d, log_name, &a, err) < 0)
    goto out;
  out = memfd_create("criu-dump", MFD_CLOEXEC);
  if (out < 0)
    {
      clawrt_error_set(err, errno, "memfd_create");
      goto out;
    }
  log_debug("checkpoint %s: criu %s --tree %d into %s", id, a.v[1], (int) d.st->pid, image);
  criu_exec_opts eo = { .output_fd = out };
  int wst = 0;
  if (criu_exec(&a, &eo, &wst, err) < 0)
    goto out;
  if (!WIFEXITED(wst) || WEXITSTATUS(wst) != 0)
    {
      int logfd = workfd >= 0 ? workfd : imgfd;
      cleanup_free char *why = criu_read_log_reason(logfd, log_name);
      if (why == NULL)
        {
          char buf[8192];
          ssize_t n = pread(out, buf, sizeof buf - 1, 0);
          buf[n > 0 ? n : 0] = '\0';
          why = criu_log_reason(buf, CRIU_REASON_LINES);
        }
      cleanup_free char *how = criu_describe_status(wst);
      undo_freeze(d.st, was_frozen);
      bool alive = init_alive(d.st);
      /* what we made goes; a directory the caller gave keeps the log */
      bool log_kept = !(workfd >= 0 ? made_work : made_image);
      cleanup_free char *logpath = xasprintf("%s/%s", co.work_path, log_name);
      clawrt_error_set(err, 0, "checkpoint of container %s failed: criu %s %s%s%s%s%s%s", id,
                       a.v[1], how, why ? ": " : "", why ? why : "",
                       log_kept ? " (log: " : "", log_kept ? logpath : "", log_kept ? ")" : "");
      if (!alive)
        clawrt_error_wrap(err, "container %s stopped during the dump", id);
      goto out;
    }
  if (write_extras(&d, imgfd, err) < 0)
    goto out;
  made_image = made_work = false;
  rc = 0;
  if (!o->leave_running && !o->pre_dump)
    {
      /* CRIU killed the processes; what remains is the cgroup and state,
       * which restore makes anew */
      rc = container_destroy(rootfd, dirfd, d.st, err);
    }

out:
  if (rc < 0)
    {
      if (made_work)
        remove_made(work);
      if (made_image)
        remove_made(image);
    }
  criu_argv_free(&a);
  container_state_free(d.st);
  d.st = NULL;
  dump_free(&d);
  return rc;
}
