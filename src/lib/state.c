/* The state directory; see state.h for the layout and the locking rules. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "state.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "json.h"
#include "log.h"
#include "util.h"

/* Bumped when state.json changes incompatibly; a runtime refuses a file
 * from a newer one instead of misreading it. */
#define STATE_FORMAT_VERSION 1
#define STATE_FILE "state.json"
#define STATE_MAX_SIZE (1u << 20)
/* deeper than anything the runtime itself makes in a container dir */
#define REMOVE_MAX_DEPTH 16

void
container_state_free(container_state *st)
{
  if (st == NULL)
    return;
  free(st->id);
  free(st->bundle);
  free(st->rootfs);
  free(st->created);
  free(st->owner);
  free(st->cgroup_json);
  strv_free(st->ns_paths);
  for (size_t i = 0; i < st->annotations.len; i++)
    {
      free(st->annotations.keys[i]);
      free(st->annotations.values[i]);
    }
  free(st->annotations.keys);
  free(st->annotations.values);
  free(st);
}

/* ---- ids --------------------------------------------------------------- */

static bool
id_char_ok(char c, bool first)
{
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
    return true;
  return !first && (c == '_' || c == '.' || c == '+' || c == '-');
}

static bool
id_valid(const char *id)
{
  if (id == NULL || id[0] == '\0')
    return false;
  size_t n = 0;
  for (; id[n]; n++)
    if (n >= 1024 || !id_char_ok(id[n], n == 0))
      return false;
  /* "." and ".." already fail the first-character rule */
  return true;
}

int
state_check_id(const char *id, clawrt_error *err)
{
  if (id_valid(id))
    return 0;
  if (id == NULL || *id == '\0')
    return clawrt_error_set(err, 0, "invalid container ID format: the id is empty");
  cleanup_free char *safe = log_sanitize(id);
  return clawrt_error_set(err, 0,
                          "invalid container ID format: \"%.64s%s\" (use letters, digits and "
                          "_ . + -, starting with a letter or digit, at most 1024 bytes)",
                          safe, strlen(safe) > 64 ? "..." : "");
}

/* ---- root, reserve, open ------------------------------------------------ */

int
state_open_root(const char *root, int *rootfd, clawrt_error *err)
{
  if (root == NULL || *root == '\0')
    return clawrt_error_set(err, 0, "--root: empty path");
  /* every command comes here: the mkdirs only on first use */
  cleanup_close int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT)
    {
      if (mkdir_p_at(AT_FDCWD, root, 0700, err) < 0)
        return clawrt_error_wrap(err, "state root `%s`", root);
      fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    }
  if (fd < 0)
    return clawrt_error_set(err, errno, "open state root `%s`", root);
  struct stat st;
  if (fstat(fd, &st) < 0)
    return clawrt_error_set(err, errno, "stat state root `%s`", root);
  /* whoever can write here can plant a state.json naming any pid, which a
   * later `kill` or `delete` by us would then act on */
  if (st.st_uid != geteuid() || (st.st_mode & (S_IWGRP | S_IWOTH)))
    return clawrt_error_set(err, 0,
                            "state root `%s` is writable by others (owner %u, mode %04o): "
                            "use a directory that only you can write, such as %s",
                            root, (unsigned) st.st_uid, (unsigned) (st.st_mode & 07777),
                            "/run/clawrt");
  *rootfd = steal_fd(&fd);
  return 0;
}

static int
lock_fd(int fd, int how)
{
  int r;
  do
    r = flock(fd, how);
  while (r < 0 && errno == EINTR);
  return r;
}

int
state_reserve(int rootfd, const char *id, int *dirfd, clawrt_error *err)
{
  if (state_check_id(id, err) < 0)
    return -1;
  if (mkdirat(rootfd, id, 0700) < 0)
    {
      if (errno == EEXIST)
        return clawrt_error_set(err, EEXIST, "container with id exists: %s", id);
      return clawrt_error_set(err, errno, "create state directory for %s", id);
    }
  cleanup_close int fd = openat(rootfd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 || lock_fd(fd, LOCK_EX) < 0)
    {
      int e = errno;
      unlinkat(rootfd, id, AT_REMOVEDIR);
      return clawrt_error_set(err, e, "open state directory for %s", id);
    }
  *dirfd = steal_fd(&fd);
  return 0;
}

static int
not_exist(clawrt_error *err, const char *id)
{
  return clawrt_error_set_complete(err, ENOENT, "container \"%s\" does not exist", id);
}

int
state_open(int rootfd, const char *id, int lock, int *dirfd, clawrt_error *err)
{
  if (state_check_id(id, err) < 0)
    return -1;
  cleanup_close int fd = openat(rootfd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    {
      if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP)
        return not_exist(err, id);
      return clawrt_error_set(err, errno, "open state directory of %s", id);
    }
  if (lock != 0)
    {
      if (lock_fd(fd, lock) < 0)
        return clawrt_error_set(err, errno, "lock state directory of %s", id);
      /* we may have waited for a delete, which moves the directory away
       * (state_remove): only the one still under ROOT/ID is the container */
      struct stat mine, named;
      if (fstat(fd, &mine) < 0)
        return clawrt_error_set(err, errno, "stat state directory of %s", id);
      if (fstatat(rootfd, id, &named, AT_SYMLINK_NOFOLLOW) < 0 || mine.st_ino != named.st_ino
          || mine.st_dev != named.st_dev)
        return not_exist(err, id);
    }
  *dirfd = steal_fd(&fd);
  return 0;
}

/* ---- state.json -------------------------------------------------------- */

static void
gen_str(json_gen *g, const char *key, const char *value)
{
  if (value == NULL)
    return;
  json_gen_key(g, key);
  json_gen_string(g, value);
}

int
state_write(int dirfd, const container_state *st, clawrt_error *err)
{
  if (st->id == NULL)
    return clawrt_error_set(err, EINVAL, "state.json: no id");
  json_gen *g = json_gen_new(false);
  json_gen_object_open(g);
  json_gen_key(g, "clawrtStateVersion");
  json_gen_u64(g, STATE_FORMAT_VERSION);
  gen_str(g, "id", st->id);
  gen_str(g, "bundle", st->bundle);
  gen_str(g, "rootfs", st->rootfs);
  gen_str(g, "created", st->created);
  gen_str(g, "owner", st->owner);
  json_gen_key(g, "pid");
  json_gen_i64(g, st->pid);
  json_gen_key(g, "pidStartTime");
  json_gen_u64(g, st->pid_start_time);
  json_gen_key(g, "started");
  json_gen_bool(g, st->started);
  json_gen_key(g, "strict");
  json_gen_bool(g, st->strict);
  gen_str(g, "cgroup", st->cgroup_json);
  if (st->ns_paths)
    {
      json_gen_key(g, "namespaces");
      json_gen_array_open(g);
      for (char **p = st->ns_paths; *p; p++)
        json_gen_string(g, *p);
      json_gen_array_close(g);
    }
  if (st->annotations.len > 0)
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
  cleanup_free char *text = NULL;
  size_t len = 0;
  int r = json_gen_finish(g, &text, &len, err);
  json_gen_free(g);
  if (r < 0)
    return clawrt_error_wrap(err, "state.json");
  return atomic_write_at(dirfd, STATE_FILE, text, len, 0600, err);
}

static int
read_str(const json_value *obj, const char *key, bool required, char **out, clawrt_error *err)
{
  const json_value *v = json_object_get(obj, key);
  if (v == NULL)
    {
      if (required)
        return clawrt_error_set(err, EINVAL, "state.json: %s: missing", key);
      return 0;
    }
  if (json_expect(v, JSON_STRING, key, err) < 0)
    return clawrt_error_wrap(err, "state.json");
  *out = xstrdup(json_string(v));
  return 0;
}

static int
read_strv(const json_value *obj, const char *key, char ***out, clawrt_error *err)
{
  const json_value *arr = json_object_get(obj, key);
  if (arr == NULL)
    return 0;
  if (json_expect(arr, JSON_ARRAY, key, err) < 0)
    return clawrt_error_wrap(err, "state.json");
  size_t n = json_array_len(arr);
  char **v = xmalloc0((n + 1) * sizeof *v);
  for (size_t i = 0; i < n; i++)
    {
      const json_value *e = json_array_get(arr, i);
      if (json_typeof(e) != JSON_STRING)
        {
          strv_free(v);
          return clawrt_error_set(err, EINVAL, "state.json: %s[%zu]: expected string", key, i);
        }
      v[i] = xstrdup(json_string(e));
    }
  *out = v;
  return 0;
}

static int
read_map(const json_value *obj, const char *key, oci_map *m, clawrt_error *err)
{
  const json_value *o = json_object_get(obj, key);
  if (o == NULL)
    return 0;
  if (json_expect(o, JSON_OBJECT, key, err) < 0)
    return clawrt_error_wrap(err, "state.json");
  size_t n = json_object_len(o);
  m->keys = xmalloc0((n + 1) * sizeof *m->keys);
  m->values = xmalloc0((n + 1) * sizeof *m->values);
  for (size_t i = 0; i < n; i++)
    {
      const json_value *v = json_object_value(o, i);
      if (json_typeof(v) != JSON_STRING)
        return clawrt_error_set(err, EINVAL, "state.json: %s.%s: expected string", key,
                                json_object_key(o, i));
      m->keys[i] = xstrdup(json_object_key(o, i));
      m->values[i] = xstrdup(json_string(v));
      m->len = i + 1;
    }
  return 0;
}

static int
read_bool(const json_value *obj, const char *key, bool *out, clawrt_error *err)
{
  const json_value *v = json_object_get(obj, key);
  if (v == NULL)
    return 0;
  if (json_get_bool(v, key, out, err) < 0)
    return clawrt_error_wrap(err, "state.json");
  return 0;
}

static int
parse_state(const json_value *root, container_state *st, clawrt_error *err)
{
  if (json_expect(root, JSON_OBJECT, "(root)", err) < 0)
    return clawrt_error_wrap(err, "state.json");
  const json_value *v = json_object_get(root, "clawrtStateVersion");
  uint64_t version = 0;
  if (v == NULL || json_get_u64(v, "clawrtStateVersion", &version, err) < 0)
    return clawrt_error_set(err, EINVAL, "state.json: clawrtStateVersion: missing or invalid");
  if (version != STATE_FORMAT_VERSION)
    return clawrt_error_set(err, EINVAL,
                            "state.json: format version %llu, this clawrt reads only %d "
                            "(was the container made by another clawrt version?)",
                            (unsigned long long) version, STATE_FORMAT_VERSION);
  if (read_str(root, "id", true, &st->id, err) < 0
      || read_str(root, "bundle", false, &st->bundle, err) < 0
      || read_str(root, "rootfs", false, &st->rootfs, err) < 0
      || read_str(root, "created", false, &st->created, err) < 0
      || read_str(root, "owner", false, &st->owner, err) < 0
      || read_str(root, "cgroup", false, &st->cgroup_json, err) < 0
      || read_strv(root, "namespaces", &st->ns_paths, err) < 0
      || read_map(root, "annotations", &st->annotations, err) < 0
      || read_bool(root, "started", &st->started, err) < 0
      || read_bool(root, "strict", &st->strict, err) < 0)
    return -1;
  if ((v = json_object_get(root, "pid")) != NULL)
    {
      int32_t pid;
      if (json_get_i32(v, "pid", &pid, err) < 0)
        return clawrt_error_wrap(err, "state.json");
      if (pid < 0)
        return clawrt_error_set(err, EINVAL, "state.json: pid: negative");
      st->pid = pid;
    }
  if ((v = json_object_get(root, "pidStartTime")) != NULL
      && json_get_u64(v, "pidStartTime", &st->pid_start_time, err) < 0)
    return clawrt_error_wrap(err, "state.json");
  return 0;
}

int
state_read(int dirfd, container_state **out, clawrt_error *err)
{
  cleanup_free char *buf = NULL;
  size_t len = 0;
  if (read_file_at(dirfd, STATE_FILE, STATE_MAX_SIZE, &buf, &len, err) < 0)
    {
      if (err && err->errnum == ENOENT)
        {
          clawrt_error_clear(err);
          return clawrt_error_set(err, ENOENT,
                                  "state.json not written yet: the container is being "
                                  "created, or its create was interrupted (clean up with "
                                  "`clawrt delete --force`)");
        }
      return -1;
    }
  json_value *root = NULL;
  if (json_parse(buf, len, STATE_FILE, &root, err) < 0)
    return -1;
  container_state *st = xmalloc0(sizeof *st);
  int r = parse_state(root, st, err);
  json_free(root);
  if (r < 0)
    {
      container_state_free(st);
      return -1;
    }
  *out = st;
  return 0;
}

/* ---- remove ------------------------------------------------------------ */

/* Empty the directory open at dfd without following a symlink or crossing
 * into another mount: a container that put a mount or link here must not
 * make us delete files elsewhere. */
static int
remove_contents(int dfd, dev_t dev, int depth, clawrt_error *err)
{
  if (depth > REMOVE_MAX_DEPTH)
    return clawrt_error_set(err, ELOOP, "state directory nested too deep");
  int dup_fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dup_fd < 0)
    return clawrt_error_set(err, errno, "open state directory");
  DIR *d = fdopendir(dup_fd);
  if (d == NULL)
    {
      close(dup_fd);
      return clawrt_error_set(err, errno, "read state directory");
    }
  int ret = 0;
  struct dirent *de;
  errno = 0;
  while ((de = readdir(d)) != NULL)
    {
      const char *n = de->d_name;
      if (strcmp(n, ".") == 0 || strcmp(n, "..") == 0)
        continue;
      if (unlinkat(dfd, n, 0) == 0 || errno == ENOENT)
        continue;
      if (errno != EISDIR)
        {
          ret = clawrt_error_set(err, errno, "remove `%s`", n);
          break;
        }
      cleanup_close int sub = openat(dfd, n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      struct stat st;
      if (sub < 0 || fstat(sub, &st) < 0)
        {
          ret = clawrt_error_set(err, errno, "open `%s`", n);
          break;
        }
      if (st.st_dev != dev)
        {
          ret = clawrt_error_set(err, EBUSY, "`%s` is a mount point: not removing it", n);
          break;
        }
      if (remove_contents(sub, dev, depth + 1, err) < 0)
        {
          ret = clawrt_error_wrap(err, "%s", n);
          break;
        }
      if (unlinkat(dfd, n, AT_REMOVEDIR) < 0 && errno != ENOENT)
        {
          ret = clawrt_error_set(err, errno, "remove `%s`", n);
          break;
        }
      errno = 0;
    }
  if (ret == 0 && errno != 0)
    ret = clawrt_error_set(err, errno, "read state directory");
  closedir(d);
  return ret;
}

int
state_remove(int rootfd, const char *id, clawrt_error *err)
{
  if (state_check_id(id, err) < 0)
    return -1;
  /* First move it out of the way under a name no id can have (ids never
   * start with '.'): `list` and `state` then never see a half-removed
   * container, and the id is free for a new create at once. */
  static unsigned counter;
  cleanup_free char *tmp = xasprintf(".removing-%d-%u", (int) getpid(), counter++);
  if (renameat(rootfd, id, rootfd, tmp) < 0)
    {
      if (errno == ENOENT)
        return not_exist(err, id);
      return clawrt_error_set(err, errno, "remove state directory of %s", id);
    }
  cleanup_close int fd = openat(rootfd, tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) < 0)
    return clawrt_error_set(err, errno, "remove state directory of %s: open `%s`", id, tmp);
  if (remove_contents(fd, st.st_dev, 0, err) < 0)
    return clawrt_error_wrap(err, "remove state directory of %s (left as `%s`)", id, tmp);
  if (unlinkat(rootfd, tmp, AT_REMOVEDIR) < 0)
    return clawrt_error_set(err, errno, "remove state directory of %s (left as `%s`)", id, tmp);
  return 0;
}

int
state_remove_tree(int dirfd, const char *name, clawrt_error *err)
{
  cleanup_close int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  struct stat st;
  if (fd < 0 && errno == ENOENT)
    return 0;
  if (fd < 0 || fstat(fd, &st) < 0)
    return clawrt_error_set(err, errno, "open `%s`", name);
  if (remove_contents(fd, st.st_dev, 0, err) < 0)
    return clawrt_error_wrap(err, "remove `%s`", name);
  if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
    return clawrt_error_set(err, errno, "remove `%s`", name);
  return 0;
}

/* ---- list -------------------------------------------------------------- */

static int
cmp_str(const void *a, const void *b)
{
  return strcmp(*(char *const *) a, *(char *const *) b);
}

int
state_list(int rootfd, char ***ids, clawrt_error *err)
{
  int dup_fd = openat(rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dup_fd < 0)
    return clawrt_error_set(err, errno, "open state root");
  DIR *d = fdopendir(dup_fd);
  if (d == NULL)
    {
      close(dup_fd);
      return clawrt_error_set(err, errno, "read state root");
    }
  size_t n = 0, cap = 16;
  char **v = xmalloc0(cap * sizeof *v);
  struct dirent *de;
  errno = 0;
  while ((de = readdir(d)) != NULL)
    {
      if (!id_valid(de->d_name))
        continue;
      bool is_dir = de->d_type == DT_DIR;
      if (de->d_type == DT_UNKNOWN)
        {
          struct stat st;
          is_dir = fstatat(rootfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0
                   && S_ISDIR(st.st_mode);
        }
      if (!is_dir)
        continue;
      if (n + 1 >= cap)
        {
          cap *= 2;
          v = xrealloc(v, cap * sizeof *v);
        }
      v[n++] = xstrdup(de->d_name);
      v[n] = NULL;
      errno = 0;
    }
  int e = errno;
  closedir(d);
  if (e != 0)
    {
      strv_free(v);
      return clawrt_error_set(err, e, "read state root");
    }
  qsort(v, n, sizeof *v, cmp_str);
  *ids = v;
  return 0;
}

/* ---- status ------------------------------------------------------------ */

/* Field 3 (state) and field 22 (starttime) of /proc/PID/stat.  The command
 * name (field 2) may hold spaces and parentheses, so fields are counted
 * from the last ')'. */
static int
read_proc_stat(pid_t pid, char *state, uint64_t *start)
{
  if (pid <= 0)
    return -1;
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/stat", (int) pid);
  cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  char buf[2048];
  ssize_t n = read_all(fd, buf, sizeof buf - 1);
  if (n <= 0)
    return -1;
  buf[n] = '\0';
  char *p = strrchr(buf, ')');
  if (p == NULL || p[1] != ' ')
    return -1;
  p += 2;
  *state = *p;
  /* p is at field 3; step over 19 fields to reach field 22 */
  for (int field = 3; field < 22; field++)
    {
      p = strchr(p, ' ');
      if (p == NULL)
        return -1;
      p++;
    }
  char *end = strchr(p, ' ');
  if (end)
    *end = '\0';
  return parse_u64(p, start);
}

uint64_t
proc_start_time(pid_t pid)
{
  char state;
  uint64_t start;
  if (read_proc_stat(pid, &state, &start) < 0)
    return 0;
  /* a zombie has exited: signals to it are lost, it is not running */
  if (state == 'Z' || state == 'X' || state == 'x')
    return 0;
  return start;
}

const char *
state_status(int dirfd, const container_state *st, bool frozen)
{
  if (st->pid <= 0)
    return "creating";
  char pstate;
  uint64_t start;
  if (read_proc_stat(st->pid, &pstate, &start) < 0)
    return "stopped";
  /* another process got the pid after ours exited */
  if (st->pid_start_time != 0 && start != st->pid_start_time)
    return "stopped";
  /* exited, not yet reaped by whoever waits for it */
  if (pstate == 'Z' || pstate == 'X' || pstate == 'x')
    return "stopped";
  struct stat sb;
  if (!st->started && fstatat(dirfd, "exec.fifo", &sb, AT_SYMLINK_NOFOLLOW) == 0)
    return "created";
  if (frozen)
    return "paused";
  return "running";
}

char *
rfc3339_now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  struct tm tm;
  gmtime_r(&ts.tv_sec, &tm);
  char buf[64];
  size_t n = strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(buf + n, sizeof buf - n, ".%09ldZ", (long) ts.tv_nsec);
  return xstrdup(buf);
}
