/* Which cgroup hierarchies this host has, from mountinfo: cgroup v1
 * controllers (possibly co-mounted, "cpu,cpuacct"), a cgroup2 mount (at the
 * root prefix on a v2 host, usually at unified/ on a hybrid one), or both.
 * Directory names and symlinks under /sys/fs/cgroup are never trusted to say
 * what is mounted: only mountinfo is. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "internal.h"
#include "util.h"

static const struct
{
  const char *v1, *v2;
  unsigned bit;
} controllers[] = {
  { "cpu", "cpu", CG_CPU },
  { "cpuacct", NULL, CG_CPUACCT },
  { "cpuset", "cpuset", CG_CPUSET },
  { "memory", "memory", CG_MEMORY },
  { "devices", NULL, CG_DEVICES },
  { "freezer", NULL, CG_FREEZER },
  { "blkio", "io", CG_BLKIO },
  { "pids", "pids", CG_PIDS },
  { "net_cls", NULL, CG_NET_CLS },
  { "net_prio", NULL, CG_NET_PRIO },
  { "hugetlb", "hugetlb", CG_HUGETLB },
  { "rdma", "rdma", CG_RDMA },
  { "perf_event", "perf_event", CG_PERF_EVENT },
  { "misc", "misc", CG_MISC },
};

unsigned
cg_controller_bit(const char *name)
{
  for (size_t i = 0; i < sizeof controllers / sizeof controllers[0]; i++)
    if ((controllers[i].v1 && strcmp(name, controllers[i].v1) == 0)
        || (controllers[i].v2 && strcmp(name, controllers[i].v2) == 0))
      return controllers[i].bit;
  return 0;
}

const char *
cg_controller_name(unsigned bit, bool v2)
{
  for (size_t i = 0; i < sizeof controllers / sizeof controllers[0]; i++)
    if (controllers[i].bit == bit)
      return v2 && controllers[i].v2 ? controllers[i].v2 : controllers[i].v1;
  return "?";
}

void
cg_mask_names(unsigned mask, bool v2, const char *prefix, const char *sep, char *buf, size_t len)
{
  size_t l = 0;
  buf[0] = '\0';
  for (unsigned bit = 1; bit <= CG_MISC && l < len; bit <<= 1)
    if (mask & bit)
      {
        int w = snprintf(buf + l, len - l, "%s%s%s", l ? sep : "", prefix,
                         cg_controller_name(bit, v2));
        l += w > 0 ? (size_t) w : 0;
      }
}

unsigned
cg_controller_mask(const char *list)
{
  unsigned mask = 0;
  cleanup_free char *copy = xstrdup(list);
  char *save = NULL;
  /* '+' only ever appears in what we wrote ourselves into a test's fake
   * subtree_control; the kernel lists bare names */
  for (char *tok = strtok_r(copy, ", +\n\t", &save); tok; tok = strtok_r(NULL, ", +\n\t", &save))
    mask |= cg_controller_bit(tok);
  return mask;
}

const char *
cgroup_layout_name(cgroup_layout l)
{
  switch (l)
    {
    case CGROUP_LAYOUT_V1:
      return "v1";
    case CGROUP_LAYOUT_V2:
      return "v2";
    case CGROUP_LAYOUT_HYBRID:
      return "hybrid";
    }
  return "unknown";
}

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void
unescape(char *s)
{
  char *w = s;
  for (char *r = s; *r;)
    {
      if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' && r[3] >= '0'
          && r[3] <= '7')
        {
          *w++ = (char) ((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
          r += 4;
        }
      else
        *w++ = *r++;
    }
  *w = '\0';
}

/* Is `path` equal to `dir` or below it?  (dir without trailing '/'.) */
static bool
path_within(const char *path, const char *dir)
{
  size_t n = strlen(dir);
  if (n == 1 && dir[0] == '/')
    return path[0] == '/';
  return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

typedef struct raw_mount {
  char *point;          /* absolute */
  char *root;
  char *superopts;
  dev_t dev;
  bool v2;
  bool maybe_hidden;    /* a later mount covers it */
} raw_mount;

static void
raw_free(raw_mount *r, size_t n)
{
  for (size_t i = 0; i < n; i++)
    {
      free(r[i].point);
      free(r[i].root);
      free(r[i].superopts);
    }
  free(r);
}

/* Split one mountinfo line in place.  Returns false on a malformed line. */
static bool
split_line(char *line, char **root, char **point, char **fstype, char **superopts,
           unsigned *maj, unsigned *min)
{
  char *save = NULL;
  char *f[6];
  for (int i = 0; i < 6; i++)
    {
      f[i] = strtok_r(i == 0 ? line : NULL, " ", &save);
      if (f[i] == NULL)
        return false;
    }
  if (sscanf(f[2], "%u:%u", maj, min) != 2)
    return false;
  *root = f[3];
  *point = f[4];
  char *t;
  while ((t = strtok_r(NULL, " ", &save)) && strcmp(t, "-") != 0)
    ;
  if (t == NULL)
    return false;
  *fstype = strtok_r(NULL, " ", &save);
  char *source = strtok_r(NULL, " ", &save);
  *superopts = strtok_r(NULL, " \n", &save);
  return *fstype && source && *superopts;
}

static int
read_mounts(const char *mountinfo_path, const char *prefix, raw_mount **out, size_t *outn,
            clawrt_error *err)
{
  cleanup_free char *text = NULL;
  if (read_file_at(AT_FDCWD, mountinfo_path, 64u << 20, &text, NULL, err) < 0)
    return clawrt_error_wrap(err, "detect cgroup layout");
  raw_mount *r = NULL;
  size_t n = 0, cap = 0;
  char *save = NULL;
  for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
    {
      char *root, *point, *fstype, *superopts;
      unsigned maj, min;
      if (!split_line(line, &root, &point, &fstype, &superopts, &maj, &min))
        continue;
      unescape(point);
      /* Any mount (cgroup or not) on or above an earlier cgroup mount may
       * hide it: a private view built over /sys/fs/cgroup, say. */
      for (size_t i = 0; i < n; i++)
        if (path_within(r[i].point, point))
          r[i].maybe_hidden = true;
      bool v2 = strcmp(fstype, "cgroup2") == 0;
      if (!v2 && strcmp(fstype, "cgroup") != 0)
        continue;
      if (prefix && !path_within(point, prefix))
        continue;
      if (n == cap)
        {
          cap = cap ? cap * 2 : 16;
          r = xrealloc(r, cap * sizeof *r);
        }
      unescape(root);
      r[n] = (raw_mount){ .point = xstrdup(point), .root = xstrdup(root),
                          .superopts = xstrdup(superopts), .dev = makedev(maj, min), .v2 = v2 };
      n++;
    }
  *out = r;
  *outn = n;
  return 0;
}

/* A mount that something covers later is kept only if its mount point
 * still resolves to it. */
static bool
visible(const raw_mount *r)
{
  if (!r->maybe_hidden)
    return true;
  struct stat st;
  return stat(r->point, &st) == 0 && st.st_dev == r->dev;
}

void
cg_host_free(cg_host *h)
{
  for (size_t i = 0; i < h->n; i++)
    {
      free(h->mounts[i].mount);
      free(h->mounts[i].mount_root);
      free(h->mounts[i].options);
    }
  free(h->mounts);
  free(h->root_prefix);
  memset(h, 0, sizeof *h);
  h->v2 = -1;
}

static void
host_add(cg_host *h, const char *rel, const char *root, const char *opts, unsigned mask, bool v2)
{
  h->mounts = xrealloc(h->mounts, (h->n + 1) * sizeof *h->mounts);
  h->mounts[h->n] = (cg_mount){ .mount = xstrdup(rel), .mount_root = xstrdup(root),
                                .options = xstrdup(opts), .mask = mask, .v2 = v2 };
  h->n++;
}

int
cg_host_detect(const char *root_prefix, const char *mountinfo_path, cg_host *out,
               clawrt_error *err)
{
  raw_mount *r = NULL;
  size_t n = 0;
  memset(out, 0, sizeof *out);
  out->v2 = -1;
  if (read_mounts(mountinfo_path, root_prefix, &r, &n, err) < 0)
    return -1;
  size_t plen = root_prefix ? strlen(root_prefix) : 0;
  out->root_prefix = xstrdup(root_prefix ? root_prefix : "");
  const raw_mount *v2 = NULL;
  for (size_t i = 0; i < n; i++)
    {
      if (!visible(&r[i]))
        continue;
      const char *rel = r[i].point + plen;
      rel += *rel == '/';
      if (r[i].v2)
        {
          /* The one nearest the prefix wins (a v2 host's root over a stray
           * nested mount). */
          if (v2 == NULL || strlen(r[i].point) < strlen(v2->point))
            v2 = &r[i];
          continue;
        }
      unsigned mask = cg_controller_mask(r[i].superopts);
      if (mask == 0)
        continue; /* named hierarchy (name=systemd): no controller to place */
      bool dup = false;
      for (size_t j = 0; j < out->n; j++)
        dup |= out->mounts[j].mask == mask;
      if (dup)
        continue; /* the same hierarchy bind-mounted twice */
      host_add(out, rel, r[i].root, r[i].superopts, mask, false);
      out->v1_mask |= mask;
    }
  if (v2)
    {
      const char *rel = v2->point + plen;
      rel += *rel == '/';
      unsigned mask = 0;
      cleanup_free char *ctl_path = xasprintf("%s/cgroup.controllers", v2->point);
      cleanup_free char *ctl = NULL;
      clawrt_error ignored = { 0 };
      if (read_file_at(AT_FDCWD, ctl_path, 4096, &ctl, NULL, &ignored) == 0)
        mask = cg_controller_mask(ctl);
      clawrt_error_clear(&ignored);
      out->v2 = (int) out->n;
      host_add(out, rel, v2->root, "", mask, true);
    }
  raw_free(r, n);
  if (out->n == 0)
    {
      cg_host_free(out);
      return clawrt_error_set(err, 0, "no cgroup hierarchy is mounted%s%s (looked in %s)",
                              root_prefix ? " under " : "", root_prefix ? root_prefix : "",
                              mountinfo_path);
    }
  if (out->v2 < 0)
    out->layout = CGROUP_LAYOUT_V1;
  else if (out->n == 1)
    out->layout = CGROUP_LAYOUT_V2;
  else
    out->layout = CGROUP_LAYOUT_HYBRID;
  return 0;
}

int
cgroup_detect_layout(const char *mountinfo_path, cgroup_layout *out, clawrt_error *err)
{
  cg_host h;
  if (cg_host_detect(NULL, mountinfo_path ? mountinfo_path : CGROUP_MOUNTINFO_DEFAULT, &h, err)
      < 0)
    return -1;
  *out = h.layout;
  cg_host_free(&h);
  return 0;
}

int
cgroup_host_info_get(const char *root_prefix, cgroup_host_info *out, clawrt_error *err)
{
  cg_host h;
  memset(out, 0, sizeof *out);
  if (cg_host_detect(root_prefix ? root_prefix : CGROUP_ROOT_DEFAULT, CGROUP_MOUNTINFO_DEFAULT,
                     &h, err)
      < 0)
    return -1;
  out->layout = h.layout;
  size_t nv1 = 0;
  out->v1_controllers = h.layout == CGROUP_LAYOUT_V2 ? NULL : xmalloc0(16 * sizeof(char *));
  char buf[256];
  for (unsigned bit = 1; bit <= CG_MISC; bit <<= 1)
    if (out->v1_controllers && (h.v1_mask & bit) && nv1 < 15)
      out->v1_controllers[nv1++] = xstrdup(cg_controller_name(bit, false));
  cg_mask_names(h.v2 >= 0 ? h.mounts[h.v2].mask : 0, true, "", " ", buf, sizeof buf);
  out->v2_controllers = xstrdup(buf);
  clawrt_error ignored = { 0 };
  out->systemd_running = cgroup_systemd_check("/proc", &ignored) == 0;
  clawrt_error_clear(&ignored);
  cg_host_free(&h);
  return 0;
}

void
cgroup_host_info_free(cgroup_host_info *info)
{
  free(info->v2_controllers);
  strv_free(info->v1_controllers);
  memset(info, 0, sizeof *info);
}
