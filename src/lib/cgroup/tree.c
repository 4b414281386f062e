/* The sub-cgroups below a container's leaf.  The container (or root on the
 * host) may make any tree there: any names, dot names too, any depth, with
 * processes anywhere in it.  Listing, thawing and removal must reach all of
 * it, or a process survives the kill and its directory the delete.  So the
 * walk has no depth limit and holds no fd per level (a deep tree would use
 * them all up): it keeps the directory it is in, and in memory the names
 * still to visit at each level; it climbs back through "..", which in
 * cgroupfs is always the parent (a v1 rename never leaves its parent). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "util.h"

typedef struct level {
  char **names;         /* sub-cgroups of this level, visited in order */
  size_t n, next;
} level;

static void
level_free(level *l)
{
  for (size_t i = 0; i < l->n; i++)
    free(l->names[i]);
  free(l->names);
}

static int
read_level(int fd, level *out, clawrt_error *err)
{
  *out = (level){ 0 };
  /* a fresh open, not a dup: a dup would share the directory offset
   * with fd, and a second walk over the same fd would find nothing */
  int dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    return clawrt_error_set(err, errno, "open cgroup directory");
  DIR *dir = fdopendir(dfd);
  if (dir == NULL)
    {
      int e = errno;
      close(dfd);
      return clawrt_error_set(err, e, "read cgroup directory");
    }
  size_t cap = 0;
  struct dirent *de;
  while ((de = readdir(dir)))
    {
      if (de->d_type != DT_DIR || strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
        continue;
      if (out->n == cap)
        {
          cap = cap ? cap * 2 : 8;
          out->names = xrealloc(out->names, cap * sizeof *out->names);
        }
      out->names[out->n++] = xstrdup(de->d_name);
    }
  closedir(dir);
  return 0;
}

int
cg_walk(int dirfd, cg_enter_fn enter, cg_leave_fn leave, void *arg, clawrt_error *err)
{
  cleanup_close int cur = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (cur < 0 && errno == ENOENT)
    return 0; /* removed already: nothing below it either */
  if (cur < 0)
    return clawrt_error_set(err, errno, "open cgroup directory");
  level *lv = xmalloc0(sizeof *lv);
  size_t depth = 1, cap = 1;
  int rc = read_level(cur, &lv[0], err);
  if (rc < 0)
    depth = 0;
  while (rc == 0 && depth > 0)
    {
      level *l = &lv[depth - 1];
      if (l->next < l->n)
        {
          const char *name = l->names[l->next++];
          int sub = openat(cur, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
          if (sub < 0)
            {
              if (errno == ENOENT)
                continue; /* removed meanwhile */
              rc = clawrt_error_set(err, errno, "open sub-cgroup `%s`", name);
              break;
            }
          close(cur);
          cur = sub;
          if (enter && (rc = enter(cur, arg, err)) < 0)
            break;
          if (depth == cap)
            {
              cap *= 2;
              lv = xrealloc(lv, cap * sizeof *lv);
            }
          if ((rc = read_level(cur, &lv[depth], err)) < 0)
            break;
          depth++;
          continue;
        }
      level_free(l);
      if (--depth == 0)
        break;
      int up = openat(cur, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (up < 0)
        {
          rc = clawrt_error_set(err, errno, "open parent cgroup");
          break;
        }
      close(cur);
      cur = up;
      l = &lv[depth - 1];
      if (leave)
        rc = leave(cur, l->names[l->next - 1], arg, err);
    }
  while (depth > 0)
    level_free(&lv[--depth]);
  free(lv);
  return rc;
}

typedef struct pid_list {
  pid_t **pids;
  size_t *n, *cap;
} pid_list;

static int
add_procs(int fd, void *arg, clawrt_error *err)
{
  pid_list *l = arg;
  cleanup_free char *text = NULL;
  if (cg_read(fd, "cgroup.procs", true, &text, err) < 0)
    return -1;
  for (char *p = text; p && *p;)
    {
      char *nl = strchr(p, '\n');
      if (nl)
        *nl = '\0';
      uint64_t v;
      if (parse_u64(p, &v) == 0 && v > 0 && v <= INT32_MAX)
        {
          if (*l->n == *l->cap)
            {
              *l->cap = *l->cap ? *l->cap * 2 : 32;
              *l->pids = xrealloc(*l->pids, *l->cap * sizeof **l->pids);
            }
          (*l->pids)[(*l->n)++] = (pid_t) v;
        }
      p = nl ? nl + 1 : NULL;
    }
  return 0;
}

int
cg_collect_pids(int dirfd, pid_t **pids, size_t *n, size_t *cap, clawrt_error *err)
{
  pid_list l = { pids, n, cap };
  if (add_procs(dirfd, &l, err) < 0)
    return -1;
  return cg_walk(dirfd, add_procs, NULL, &l, err);
}

int
cg_rmdir_wait(int dirfd, const char *name)
{
  unsigned wait = 1, waited = 0;
  while (unlinkat(dirfd, name, AT_REMOVEDIR) < 0)
    {
      if (errno == ENOENT)
        return 0;
      /* a killed task leaves its cgroup a moment after it is gone */
      if (errno != EBUSY || waited >= 2000)
        return -1;
      nanosleep(&(struct timespec){ 0, (long) wait * 1000000L }, NULL);
      waited += wait;
      wait = wait < 64 ? wait * 2 : 64;
    }
  return 0;
}

static int
remove_sub(int parentfd, const char *name, void *arg, clawrt_error *err)
{
  if (cg_rmdir_wait(parentfd, name) < 0)
    return clawrt_error_set(err, errno, "remove sub-cgroup `%s`", name);
  return 0;
}

int
cg_rmdir_children(int dirfd, clawrt_error *err)
{
  return cg_walk(dirfd, NULL, remove_sub, NULL, err);
}
