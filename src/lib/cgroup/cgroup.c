/* The cgroup manager: where a container's directories go in each hierarchy,
 * creating them (and nothing else on error), placing processes, removing
 * them, and the JSON kept in the state dir.  The per-layout parts live in
 * v1.c and v2.c, the resource writers in resources_*.c. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "internal.h"
#include "json.h"
#include "util.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

#define SERIAL_VERSION 1


static void
dir_free(cg_dir *d)
{
  if (d->fd >= 0)
    close(d->fd);
  free(d->mount);
  free(d->rel);
}

void
cgroup_manager_free(cgroup_manager *m)
{
  if (m == NULL)
    return;
  for (size_t i = 0; i < m->n; i++)
    dir_free(&m->dirs[i]);
  free(m->dirs);
  free(m->rt_given);
  free(m->root_prefix);
  free(m->path);
  free(m);
}

cgroup_layout
cgroup_manager_layout(const cgroup_manager *m)
{
  return m->layout;
}

const char *
cgroup_hierarchy_of(const cgroup_manager *m, const char *controller)
{
  unsigned bit = cg_controller_mask(controller);
  if (bit == 0)
    return NULL;
  for (size_t i = 0; i < m->n; i++)
    if (m->dirs[i].mask & bit)
      return m->dirs[i].mount;
  return NULL;
}

const char *
cgroup_manager_path(const cgroup_manager *m)
{
  return m->path;
}

int
cgroup_v2_fd(const cgroup_manager *m)
{
  cg_dir *d = cg_v2_dir(m);
  return d ? d->fd : -1;
}

/* ---- paths -------------------------------------------------------------- */

/* Normalise a cgroup path: collapse '/', drop ".", refuse "..".  The result
 * has no leading or trailing '/'. */
static int
normalize(const char *in, char **out, clawrt_error *err)
{
  size_t len = strlen(in);
  char *o = xmalloc0(len + 1), *w = o;
  const char *p = in;
  while (*p)
    {
      while (*p == '/')
        p++;
      const char *e = p;
      while (*e && *e != '/')
        e++;
      size_t n = (size_t) (e - p);
      if (n == 2 && p[0] == '.' && p[1] == '.')
        {
          free(o);
          return clawrt_error_set(err, 0, "linux.cgroupsPath: `%s`: \"..\" is not allowed", in);
        }
      if (n > 0 && !(n == 1 && p[0] == '.'))
        {
          if (w != o)
            *w++ = '/';
          memcpy(w, p, n);
          w += n;
        }
      p = e;
    }
  *w = '\0';
  *out = o;
  return 0;
}

/* The caller's own cgroup in the hierarchy `mt` from /proc/self/cgroup,
 * relative to that mount's root. */
static int
own_cgroup(const char *self_cgroup, const char *text, const cg_mount *mt, char **out,
           clawrt_error *err)
{
  cleanup_free char *copy = xstrdup(text);
  char *save = NULL;
  for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
    {
      char *c1 = strchr(line, ':');
      char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
      if (c2 == NULL)
        continue;
      *c1 = *c2 = '\0';
      const char *ctl = c1 + 1, *path = c2 + 1;
      bool match = mt->v2 ? (strcmp(line, "0") == 0 && *ctl == '\0')
                          : (*ctl && cg_controller_mask(ctl) == mt->mask);
      if (!match)
        continue;
      const char *root = mt->mount_root;
      if (strcmp(root, "/") != 0)
        {
          size_t rl = strlen(root);
          if (strncmp(path, root, rl) != 0 || (path[rl] && path[rl] != '/'))
            return clawrt_error_set(err, 0,
                                    "linux.cgroupsPath: relative path, but our cgroup `%s` is "
                                    "outside the mounted part `%s` of the %s hierarchy",
                                    path, root, mt->v2 ? "cgroup2" : mt->options);
          path += rl;
        }
      return normalize(path, out, err);
    }
  return clawrt_error_set(err, 0, "linux.cgroupsPath: relative path, but %s does not list the %s "
                          "hierarchy", self_cgroup, mt->v2 ? "cgroup2" : mt->options);
}

/* ---- creating one leaf -------------------------------------------------- */

static bool
procs_empty(int fd)
{
  char c;
  cleanup_close int p = openat(fd, "cgroup.procs", O_RDONLY | O_CLOEXEC);
  if (p < 0)
    return true;
  return read(p, &c, 1) <= 0;
}

/* No process in the cgroup nor below it: a cgroupsPath that is the parent
 * of a live container's leaf must not pass for an empty leftover (its
 * limits would bind that container, and a delete would kill it). */
static bool
subtree_empty(int fd)
{
  if (!procs_empty(fd))
    return false;
  pid_t *pids = NULL;
  size_t n = 0, cap = 0;
  clawrt_error e = { 0 };
  int rc = cg_collect_pids(fd, &pids, &n, &cap, &e);
  free(pids);
  clawrt_error_clear(&e);
  return rc == 0 && n == 0;
}

/* mkdir -p rel under mountfd, one level at a time so that every level we
 * made is known; *created = trailing components made.  Returns the leaf fd. */
static int
walk_create(int mountfd, const char *rel, int *created, bool *existed, clawrt_error *err)
{
  cleanup_free char *p = xstrdup(rel);
  int ncomp = 1;
  for (char *s = p; *s; s++)
    ncomp += *s == '/';
  cleanup_close int cur = fcntl(mountfd, F_DUPFD_CLOEXEC, 3);
  if (cur < 0)
    return clawrt_error_set(err, errno, "dup cgroup fd");
  int first_made = -1, i = 0;
  for (char *comp = p, *next; comp; comp = next, i++)
    {
      next = strchr(comp, '/');
      if (next)
        *next++ = '\0';
      bool made = mkdirat(cur, comp, 0755) == 0;
      if (!made && errno != EEXIST)
        return clawrt_error_set(err, errno, "create cgroup `%s`", rel);
      if (made && first_made < 0)
        first_made = i;
      int nfd = openat(cur, comp, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
      if (nfd < 0)
        {
          int e = errno;
          /* a shared parent removed under us by a concurrent delete */
          if (e == ENOENT)
            return clawrt_error_set(err, EAGAIN, "create cgroup `%s`: a parent vanished", rel);
          return clawrt_error_set(err, e, "open cgroup `%s`", rel);
        }
      close(cur);
      cur = nfd;
    }
  *created = first_made < 0 ? 0 : ncomp - first_made;
  *existed = first_made < 0;
  return steal_fd(&cur);
}

static int
make_leaf(const cgroup_create_opts *o, int mountfd, cg_dir *d, unsigned v2_bits,
          clawrt_error *err)
{
  int fd = -1;
  bool existed = false;
  d->created = 0;
  if (o->open_only)
    {
      /* only the leaf is ours to remove; one with processes may belong to
       * a live container this create collided with: never touched */
      d->fd = openat(mountfd, d->rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
      if (d->fd < 0 && errno != ENOENT)
        return clawrt_error_set(err, errno, "open cgroup `%s`", d->rel);
      d->created = d->fd >= 0;
      d->shared = d->fd >= 0 && !procs_empty(d->fd);
      return 0;
    }
  if (mkdirat(mountfd, d->rel, 0755) == 0)
    d->created = 1;
  else if (errno == EEXIST)
    existed = true;
  else if (errno != ENOENT)
    return clawrt_error_set(err, errno, "create cgroup `%s`", d->rel);
  if (d->created || existed)
    {
      fd = openat(mountfd, d->rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
      if (fd < 0)
        return clawrt_error_set(err, errno, "open cgroup `%s`", d->rel);
    }
  else
    {
      for (int attempt = 0;; attempt++)
        {
          clawrt_error_clear(err);
          fd = walk_create(mountfd, d->rel, &d->created, &existed, err);
          if (fd >= 0 || err->errnum != EAGAIN || attempt == 20)
            break;
        }
      if (fd < 0)
        return -1;
    }
  d->fd = fd;
  if (existed)
    {
      if (!subtree_empty(fd))
        {
          if (!o->allow_existing)
            return clawrt_error_set(err, EBUSY,
                                    "cgroup `%s` already has processes (another container's?); "
                                    "choose another linux.cgroupsPath",
                                    d->rel);
          d->shared = true;
        }
      else
        d->created = 1; /* an empty leftover: ours from now on */
    }
  if (!d->v2 && (d->mask & CG_CPUSET) && !d->shared)
    cg_v1_init_cpuset(mountfd, d->rel, fd);
  if (d->v2 && v2_bits && cg_v2_enable(mountfd, d->rel, v2_bits, err) < 0)
    return -1;
  return 0;
}

/* ---- removing ----------------------------------------------------------- */

/* rmdir d's leaf (with whatever sub-cgroups the container made) and the
 * parents this manager made, unless they hold other cgroups.  The default
 * parent stays: it is shared by every container and removing it would race
 * with the next create. */
static int
remove_one(const char *root_prefix, cg_dir *d, bool keep_parent, clawrt_error *err)
{
  if (d->shared || d->created == 0)
    return 0;
  cleanup_close int mountfd = cg_open_mount(root_prefix, d->mount, err);
  if (mountfd < 0)
    return -1;
  if (d->fd >= 0 && cg_rmdir_children(d->fd, err) < 0)
    return clawrt_error_wrap(err, "remove cgroup %s/%s/%s", root_prefix, d->mount, d->rel);
  if (cg_rmdir_wait(mountfd, d->rel) < 0)
    return clawrt_error_set(err, errno, "remove cgroup %s/%s/%s", root_prefix, d->mount, d->rel);
  cleanup_free char *p = xstrdup(d->rel);
  for (int level = 1; level < d->created; level++)
    {
      char *slash = strrchr(p, '/');
      if (slash == NULL)
        break;
      *slash = '\0';
      if (keep_parent && strcmp(p, CGROUP_DEFAULT_PARENT + 1) == 0)
        break;
      /* another container may live there now: then it stays */
      if (unlinkat(mountfd, p, AT_REMOVEDIR) < 0)
        break;
    }
  d->created = 0; /* gone: a second round of destroy skips it */
  return 0;
}

bool
cg_is_default_path(const cgroup_manager *m)
{
  size_t n = strlen(CGROUP_DEFAULT_PARENT);
  return strncmp(m->path, CGROUP_DEFAULT_PARENT, n) == 0 && m->path[n] == '/'
         && strchr(m->path + n + 1, '/') == NULL;
}

static void
remove_all(cgroup_manager *m)
{
  clawrt_error e = { 0 };
  bool keep = cg_is_default_path(m);
  cg_rt_leaf_zero(m);
  for (size_t i = 0; i < m->n; i++)
    {
      remove_one(m->root_prefix, &m->dirs[i], keep, &e);
      clawrt_error_clear(&e);
    }
  cg_rt_release(m);
}

/* ---- create ------------------------------------------------------------- */

static int
detect(const cgroup_create_opts *o, const char *root, bool relative, cg_host *h,
       clawrt_error *err)
{
  /* A pure v2 host is one statfs away; mountinfo (which can be long on a
   * busy host) is only read when v1 hierarchies may exist. */
  if (o->mountinfo_path == NULL && !relative)
    {
      struct statfs sfs;
      if (statfs(root, &sfs) == 0 && sfs.f_type == CGROUP2_SUPER_MAGIC)
        {
          memset(h, 0, sizeof *h);
          h->layout = CGROUP_LAYOUT_V2;
          h->root_prefix = xstrdup(root);
          h->mounts = xmalloc0(sizeof *h->mounts);
          h->mounts[0] = (cg_mount){ .mount = xstrdup(""), .mount_root = xstrdup("/"),
                                     .options = xstrdup(""), .v2 = true };
          cleanup_free char *ctl = NULL;
          cleanup_close int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
          if (fd >= 0 && cg_read(fd, "cgroup.controllers", true, &ctl, err) < 0)
            clawrt_error_clear(err);
          h->mounts[0].mask = ctl ? cg_controller_mask(ctl) : 0;
          h->n = 1;
          h->v2 = 0;
          return 0;
        }
    }
  return cg_host_detect(root, o->mountinfo_path ? o->mountinfo_path : CGROUP_MOUNTINFO_DEFAULT,
                        h, err);
}

static bool
id_ok(const char *id)
{
  return id && *id && strchr(id, '/') == NULL && strcmp(id, ".") != 0 && strcmp(id, "..") != 0;
}

int
cgroup_create_with(const cgroup_create_opts *o, const char *id, const char *cgroups_path,
                   const oci_resources *res, cgroup_manager **out, clawrt_error *err)
{
  const char *root = o->root_prefix ? o->root_prefix : CGROUP_ROOT_DEFAULT;
  *out = NULL;
  if (!id_ok(id))
    return clawrt_error_set(err, EINVAL, "cgroup: invalid container id `%s`", id ? id : "");
  if (cgroups_path && *cgroups_path == '\0')
    cgroups_path = NULL;
  if (o->systemd)
    return cg_systemd_create_check(o, id, cgroups_path, err);

  bool relative = cgroups_path && cgroups_path[0] != '/';
  cleanup_free char *norm = NULL;
  if (cgroups_path)
    {
      if (normalize(cgroups_path, &norm, err) < 0)
        return -1;
      if (*norm == '\0' && !relative)
        return clawrt_error_set(err, 0, "linux.cgroupsPath: `%s` is the root cgroup; a "
                                "container needs a cgroup of its own", cgroups_path);
    }
  else
    norm = xasprintf("%s/%s", CGROUP_DEFAULT_PARENT + 1, id);

  cg_host h;
  if (detect(o, root, relative, &h, err) < 0)
    return -1;
  unsigned v1_bits = 0, v2_bits = 0;
  if (cg_route(NULL, &h, res, &v1_bits, &v2_bits, err) < 0)
    {
      cg_host_free(&h);
      return -1;
    }
  cleanup_free char *self = NULL;
  const char *self_path = o->self_cgroup_path ? o->self_cgroup_path : "/proc/self/cgroup";
  if (relative && read_file_at(AT_FDCWD, self_path, 1u << 20, &self, NULL, err) < 0)
    {
      cg_host_free(&h);
      return -1;
    }

  cgroup_manager *m = xmalloc0(sizeof *m);
  m->layout = h.layout;
  m->root_prefix = xstrdup(root);
  m->path = relative ? xstrdup(norm) : xasprintf("/%s", norm);
  m->v2 = -1;
  m->dirs = xmalloc0(h.n * sizeof *m->dirs);
  int rc = 0;
  for (size_t i = 0; i < h.n && rc == 0; i++)
    {
      const cg_mount *mt = &h.mounts[i];
      if (!mt->v2 && !(mt->mask & (CG_V1_ALWAYS | v1_bits)))
        continue; /* e.g. net_cls when no network field asks for it */
      cg_dir *d = &m->dirs[m->n++];
      *d = (cg_dir){ .mount = xstrdup(mt->mount), .mask = mt->mask, .v2 = mt->v2, .fd = -1 };
      if (mt->v2)
        m->v2 = (int) (m->n - 1);
      if (relative)
        {
          cleanup_free char *own = NULL;
          rc = own_cgroup(self_path, self, mt, &own, err);
          if (rc < 0)
            break;
          d->rel = *own ? xasprintf("%s/%s", own, norm) : xstrdup(norm);
        }
      else
        d->rel = xstrdup(norm);
      int mountfd = cg_open_mount(root, mt->mount, err);
      if (mountfd < 0)
        {
          rc = -1;
          break;
        }
      unsigned enable = 0;
      if (mt->v2)
        enable = (v2_bits | (h.layout == CGROUP_LAYOUT_V2 ? CG_V2_ALWAYS : 0)) & mt->mask;
      rc = make_leaf(o, mountfd, d, enable, err);
      close(mountfd);
      /* hybrid: the cgroup2 mount only places the container for
       * CLONE_INTO_CGROUP and cgroup.kill; when it is read-only or not
       * ours (a hybrid host seen from inside another container) and no
       * field needs it, the v1 hierarchies do the work alone */
      if (rc < 0 && mt->v2 && h.layout == CGROUP_LAYOUT_HYBRID && v2_bits == 0 && d->created == 0
          && (err->errnum == EROFS || err->errnum == EACCES || err->errnum == EPERM))
        {
          clawrt_error_clear(err);
          dir_free(d);
          m->n--;
          m->v2 = -1;
          rc = 0;
        }
    }
  cg_host_free(&h);
  if (rc == 0 && !o->open_only && v1_bits && cg_v1_apply(m, res, v1_bits, false, err) < 0)
    rc = -1;
  if (rc == 0 && !o->open_only && v2_bits && cg_v2_apply(m, res, v2_bits, false, err) < 0)
    rc = -1;
  if (rc < 0)
    {
      remove_all(m);
      cgroup_manager_free(m);
      return -1;
    }
  *out = m;
  return 0;
}

int
cgroup_create(const char *root_prefix, const char *id, const char *cgroups_path,
              const oci_resources *res, bool systemd, cgroup_manager **out, clawrt_error *err)
{
  cgroup_create_opts o = { .root_prefix = root_prefix, .systemd = systemd };
  return cgroup_create_with(&o, id, cgroups_path, res, out, err);
}

int
cgroup_validate(const char *root_prefix, const oci_resources *res, clawrt_error *err)
{
  cgroup_create_opts o = { .root_prefix = root_prefix };
  cg_host h;
  if (detect(&o, root_prefix ? root_prefix : CGROUP_ROOT_DEFAULT, false, &h, err) < 0)
    return -1;
  unsigned a, b;
  int rc = cg_route(NULL, &h, res, &a, &b, err);
  cg_host_free(&h);
  return rc;
}

int
cgroup_update(cgroup_manager *m, const oci_resources *res, clawrt_error *err)
{
  unsigned v1_bits = 0, v2_bits = 0;
  if (res == NULL)
    return 0;
  if (cg_route(m, NULL, res, &v1_bits, &v2_bits, err) < 0)
    return -1;
  cg_dir *v2 = cg_v2_dir(m);
  if (v2 && v2_bits)
    {
      cleanup_close int mountfd = cg_open_mount(m->root_prefix, v2->mount, err);
      if (mountfd < 0 || cg_v2_enable(mountfd, v2->rel, v2_bits & v2->mask, err) < 0)
        return -1;
    }
  if (v1_bits && cg_v1_apply(m, res, v1_bits, true, err) < 0)
    return -1;
  if (v2_bits && cg_v2_apply(m, res, v2_bits, true, err) < 0)
    return -1;
  return 0;
}

/* ---- processes ---------------------------------------------------------- */

/* Which hierarchies a move by pid covers. */
typedef enum { ENTER_ALL, ENTER_V1_ONLY, ENTER_V2_ONLY } enter_which;

static int
enter(const cgroup_manager *m, pid_t pid, enter_which which, clawrt_error *err)
{
  char buf[32];
  snprintf(buf, sizeof buf, "%d", (int) pid);
  for (size_t i = 0; i < m->n; i++)
    {
      const cg_dir *d = &m->dirs[i];
      if (d->fd < 0 || (which == ENTER_V1_ONLY && d->v2) || (which == ENTER_V2_ONLY && !d->v2))
        continue;
      if (cg_write(d->fd, "cgroup.procs", buf, NULL, err) < 0)
        return clawrt_error_wrap(err, "move pid %d into cgroup %s/%s/%s", (int) pid,
                                 m->root_prefix, d->mount, d->rel);
    }
  return 0;
}

int
cgroup_enter(const cgroup_manager *m, pid_t pid, clawrt_error *err)
{
  return enter(m, pid, ENTER_ALL, err);
}

int
cgroup_enter_rest(const cgroup_manager *m, pid_t pid, clawrt_error *err)
{
  return enter(m, pid, ENTER_V1_ONLY, err);
}

int
cgroup_enter_v2(const cgroup_manager *m, pid_t pid, clawrt_error *err)
{
  return enter(m, pid, ENTER_V2_ONLY, err);
}

int
cgroup_enter_sub(const cgroup_manager *m, pid_t pid, const char *controller,
                 const char *subpath, clawrt_error *err)
{
  cleanup_free char *norm = NULL;
  if (normalize(subpath, &norm, err) < 0)
    return clawrt_error_wrap(err, "--cgroup");
  unsigned bit = 0;
  if (controller && *controller)
    {
      bit = cg_controller_mask(controller);
      if (bit == 0)
        return clawrt_error_set(err, 0, "--cgroup: unknown controller `%s`", controller);
    }
  char buf[32];
  snprintf(buf, sizeof buf, "%d", (int) pid);
  bool any = false;
  for (size_t i = 0; i < m->n; i++)
    {
      const cg_dir *d = &m->dirs[i];
      if (d->fd < 0 || (bit && !(d->mask & bit) && !(d->v2 && m->layout == CGROUP_LAYOUT_V2)))
        continue;
      int fd = *norm ? openat(d->fd, norm, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW)
                     : fcntl(d->fd, F_DUPFD_CLOEXEC, 3);
      if (fd < 0)
        return clawrt_error_set(err, errno, "--cgroup: sub-cgroup `%s` of %s/%s", norm,
                                d->mount, d->rel);
      int rc = cg_write(fd, "cgroup.procs", buf, NULL, err);
      close(fd);
      if (rc < 0)
        return clawrt_error_wrap(err, "--cgroup: move pid %d into `%s`", (int) pid, norm);
      any = true;
    }
  if (!any)
    return clawrt_error_set(err, 0, "--cgroup: the container has no %s cgroup", controller);
  return 0;
}

int
cgroup_pids(const cgroup_manager *m, pid_t **pids, size_t *n, clawrt_error *err)
{
  *pids = NULL;
  *n = 0;
  cg_dir *d = cg_primary_dir(m);
  if (d == NULL)
    return 0;
  size_t cap = 0;
  if (cg_collect_pids(d->fd, pids, n, &cap, err) < 0)
    {
      free(*pids);
      *pids = NULL;
      *n = 0;
      return -1;
    }
  return 0;
}

int
cgroup_is_empty(const cgroup_manager *m, bool *empty, clawrt_error *err)
{
  /* v2 says it in one read; on hybrid the v1 hierarchies are what rmdir
   * will care about, so they are listed, every one of them */
  cg_dir *v2 = cg_v2_dir(m);
  if (v2 && m->layout == CGROUP_LAYOUT_V2)
    {
      cleanup_free char *ev = NULL;
      uint64_t populated;
      if (cg_read(v2->fd, "cgroup.events", true, &ev, err) < 0)
        return -1;
      if (ev && cg_keyed_get(ev, "populated", &populated) == 0)
        {
          *empty = populated == 0;
          return 0;
        }
    }
  cleanup_free pid_t *pids = NULL;
  size_t n = 0;
  if (cg_all_pids(m, &pids, &n, err) < 0)
    return -1;
  *empty = n == 0;
  return 0;
}

/* Kill what is left in m's cgroups, sub-cgroups included, thawing what
 * stays frozen (SIGKILL waits for the thaw). */
static void
kill_rest(const cgroup_manager *m)
{
  clawrt_error e = { 0 };
  if (cgroup_kill_all(m, SIGKILL, &e) < 0)
    clawrt_error_clear(&e);
  /* a task in a container the runtime paused dies only once thawed */
  cgroup_freeze(m, false, &e);
  clawrt_error_clear(&e);
  cg_thaw_subcgroups(m);
}

int
cgroup_destroy(cgroup_manager *m, clawrt_error *err)
{
  if (m == NULL)
    return 0;
  bool empty = true;
  if (cgroup_is_empty(m, &empty, err) < 0)
    {
      clawrt_error_clear(err);
      empty = false;
    }
  if (!empty)
    kill_rest(m);
  bool keep = cg_is_default_path(m);
  cg_rt_leaf_zero(m);
  int rc = 0;
  /* a second round for a process that came in after the kill (a fork
   * outside the freezer's reach, a concurrent exec): busy is the sign */
  for (int round = 0; round < 2; round++)
    {
      rc = 0;
      bool busy = false;
      for (size_t i = 0; i < m->n; i++)
        {
          clawrt_error e = { 0 };
          if (remove_one(m->root_prefix, &m->dirs[i], keep, rc == 0 ? err : &e) < 0)
            {
              busy |= (rc == 0 ? err : &e)->errnum == EBUSY;
              rc = -1;
            }
          clawrt_error_clear(&e);
        }
      if (rc == 0 || !busy || round == 1)
        break;
      clawrt_error_clear(err);
      kill_rest(m);
    }
  /* a leaf left behind still counts in what its parents keep */
  cg_rt_release(m);
  cgroup_manager_free(m);
  return rc;
}

/* ---- serialize / load --------------------------------------------------- */

char *
cgroup_serialize(const cgroup_manager *m)
{
  json_gen *g = json_gen_new(false);
  json_gen_object_open(g);
  json_gen_key(g, "version");
  json_gen_u64(g, SERIAL_VERSION);
  json_gen_key(g, "layout");
  json_gen_string(g, cgroup_layout_name(m->layout));
  json_gen_key(g, "path");
  json_gen_string(g, m->path);
  json_gen_key(g, "dirs");
  json_gen_array_open(g);
  for (size_t i = 0; i < m->n; i++)
    {
      const cg_dir *d = &m->dirs[i];
      char ctl[256];
      cg_mask_names(d->mask, d->v2, "", ",", ctl, sizeof ctl);
      json_gen_object_open(g);
      json_gen_key(g, "mount");
      json_gen_string(g, d->mount);
      json_gen_key(g, "controllers");
      json_gen_string(g, ctl);
      json_gen_key(g, "v2");
      json_gen_bool(g, d->v2);
      json_gen_key(g, "rel");
      json_gen_string(g, d->rel);
      json_gen_key(g, "created");
      json_gen_u64(g, (uint64_t) d->created);
      json_gen_key(g, "shared");
      json_gen_bool(g, d->shared);
      json_gen_object_close(g);
    }
  json_gen_array_close(g);
  if (m->rt_given_len > 0)
    {
      json_gen_key(g, "rt_given");
      json_gen_array_open(g);
      for (size_t i = 0; i < m->rt_given_len; i++)
        json_gen_u64(g, m->rt_given[i]);
      json_gen_array_close(g);
    }
  json_gen_object_close(g);
  char *out = NULL;
  clawrt_error e = { 0 };
  if (json_gen_finish(g, &out, NULL, &e) < 0)
    abort(); /* only on a generator misuse, which is a bug here */
  json_gen_free(g);
  return out;
}

static bool
safe_rel(const char *p)
{
  if (p[0] == '/')
    return false;
  for (const char *s = p; *s;)
    {
      const char *e = strchrnul(s, '/');
      if ((e - s == 2 && s[0] == '.' && s[1] == '.') || e == s)
        return false;
      s = *e ? e + 1 : e;
    }
  return true;
}

static int
load_dir(const json_value *v, size_t i, const char *root, cg_dir *d, clawrt_error *err)
{
  char path[64];
  snprintf(path, sizeof path, "dirs[%zu]", i);
  const json_value *mount = json_object_get(v, "mount"), *rel = json_object_get(v, "rel");
  const json_value *ctl = json_object_get(v, "controllers"), *v2 = json_object_get(v, "v2");
  const json_value *created = json_object_get(v, "created"), *shared = json_object_get(v, "shared");
  uint64_t c = 0;
  cleanup_free char *ctls = NULL;
  if (mount == NULL || rel == NULL || ctl == NULL || v2 == NULL)
    return clawrt_error_set(err, 0, "%s: missing field", path);
  if (json_get_string(mount, "mount", &d->mount, err) < 0
      || json_get_string(rel, "rel", &d->rel, err) < 0
      || json_get_string(ctl, "controllers", &ctls, err) < 0
      || json_get_bool(v2, "v2", &d->v2, err) < 0
      || (created && json_get_u64(created, "created", &c, err) < 0)
      || (shared && json_get_bool(shared, "shared", &d->shared, err) < 0))
    return clawrt_error_wrap(err, "%s", path);
  if ((*d->mount && !safe_rel(d->mount)) || !safe_rel(d->rel) || c > 64)
    return clawrt_error_set(err, 0, "%s: unsafe path", path);
  d->created = (int) c;
  d->mask = cg_controller_mask(ctls);
  cleanup_free char *full = *d->mount ? xasprintf("%s/%s/%s", root, d->mount, d->rel)
                                      : xasprintf("%s/%s", root, d->rel);
  d->fd = open(full, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  if (d->fd < 0 && errno != ENOENT)
    return clawrt_error_set(err, errno, "open cgroup `%s`", full);
  return 0;
}

int
cgroup_load(const char *root_prefix, const char *serialized, cgroup_manager **out,
            clawrt_error *err)
{
  const char *root = root_prefix ? root_prefix : CGROUP_ROOT_DEFAULT;
  json_value *doc = NULL;
  *out = NULL;
  if (json_parse(serialized, strlen(serialized), "cgroup state", &doc, err) < 0)
    return -1;
  cgroup_manager *m = xmalloc0(sizeof *m);
  m->root_prefix = xstrdup(root);
  m->v2 = -1;
  int rc = -1;
  const json_value *layout = json_object_get(doc, "layout"), *path = json_object_get(doc, "path");
  const json_value *dirs = json_object_get(doc, "dirs");
  cleanup_free char *ls = NULL;
  if (layout == NULL || path == NULL || dirs == NULL || json_typeof(dirs) != JSON_ARRAY)
    {
      clawrt_error_set(err, 0, "cgroup state: missing layout, path or dirs");
      goto out;
    }
  if (json_get_string(layout, "layout", &ls, err) < 0
      || json_get_string(path, "path", &m->path, err) < 0)
    goto out;
  if (strcmp(ls, "v1") == 0)
    m->layout = CGROUP_LAYOUT_V1;
  else if (strcmp(ls, "v2") == 0)
    m->layout = CGROUP_LAYOUT_V2;
  else if (strcmp(ls, "hybrid") == 0)
    m->layout = CGROUP_LAYOUT_HYBRID;
  else
    {
      clawrt_error_set(err, 0, "cgroup state: unknown layout `%s`", ls);
      goto out;
    }
  size_t n = json_array_len(dirs);
  m->dirs = xmalloc0((n ? n : 1) * sizeof *m->dirs);
  for (size_t i = 0; i < n; i++)
    {
      cg_dir *d = &m->dirs[m->n++];
      d->fd = -1;
      if (load_dir(json_array_get(dirs, i), i, root, d, err) < 0)
        {
          clawrt_error_wrap(err, "cgroup state");
          goto out;
        }
      if (d->v2)
        m->v2 = (int) i;
    }
  const json_value *rt = json_object_get(doc, "rt_given");
  if (rt && (json_typeof(rt) != JSON_ARRAY || json_array_len(rt) > 64))
    {
      clawrt_error_set(err, 0, "cgroup state: rt_given is not a short array");
      goto out;
    }
  if (rt && json_array_len(rt) > 0)
    {
      m->rt_given_len = json_array_len(rt);
      m->rt_given = xmalloc0(m->rt_given_len * sizeof *m->rt_given);
      for (size_t i = 0; i < m->rt_given_len; i++)
        if (json_get_u64(json_array_get(rt, i), "rt_given[]", &m->rt_given[i], err) < 0)
          {
            clawrt_error_wrap(err, "cgroup state");
            goto out;
          }
    }
  rc = 0;
out:
  json_free(doc);
  if (rc < 0)
    cgroup_manager_free(m);
  else
    *out = m;
  return rc;
}
