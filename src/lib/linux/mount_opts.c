#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "mount_opts.h"

#include <errno.h>
#include <string.h>
#include <sys/mount.h>

#include "util.h"

/* What one option does.  An option either sets or clears an MS_* flag
 * and/or a mount attribute; "rec" ones act on the whole subtree through
 * mount_setattr(AT_RECURSIVE).  Atime is a three-way choice, not a bit, so
 * it is carried as a value. */
enum opt_kind { K_FLAG, K_ATIME, K_PROP, K_BIND, K_RBIND, K_REMOUNT, K_IDMAP, K_RIDMAP, K_COPYUP,
                K_NOP };

typedef struct opt_def {
  const char *name;
  enum opt_kind kind;
  bool clear;          /* K_FLAG: the option removes the flag */
  bool rec;            /* applies to the subtree */
  unsigned long ms;    /* MS_* (K_FLAG, K_ATIME), propagation type (K_PROP) */
  uint64_t attr;       /* MOUNT_ATTR_* bit (K_FLAG) or atime value (K_ATIME) */
} opt_def;

#define FLAG(n, ms, a) { n, K_FLAG, false, false, ms, a }
#define UNFLAG(n, ms, a) { n, K_FLAG, true, false, ms, a }
#define RFLAG(n, a) { n, K_FLAG, false, true, 0, a }
#define RUNFLAG(n, a) { n, K_FLAG, true, true, 0, a }
/* atime: ms is the MS_* bit the legacy option sets (or clears when
 * `clear`), attr the resulting mount attribute value */
#define ATIME(n, clr, ms, a) { n, K_ATIME, clr, false, ms, a }
#define RATIME(n, a) { n, K_ATIME, false, true, 0, a }
#define PROP(n, ms) { n, K_PROP, false, false, ms, 0 }

static const opt_def opts[] = {
  { "defaults", K_NOP, false, false, 0, 0 },
  FLAG("ro", MS_RDONLY, MOUNT_ATTR_RDONLY),
  UNFLAG("rw", MS_RDONLY, MOUNT_ATTR_RDONLY),
  FLAG("nosuid", MS_NOSUID, MOUNT_ATTR_NOSUID),
  UNFLAG("suid", MS_NOSUID, MOUNT_ATTR_NOSUID),
  FLAG("nodev", MS_NODEV, MOUNT_ATTR_NODEV),
  UNFLAG("dev", MS_NODEV, MOUNT_ATTR_NODEV),
  FLAG("noexec", MS_NOEXEC, MOUNT_ATTR_NOEXEC),
  UNFLAG("exec", MS_NOEXEC, MOUNT_ATTR_NOEXEC),
  FLAG("nodiratime", MS_NODIRATIME, MOUNT_ATTR_NODIRATIME),
  UNFLAG("diratime", MS_NODIRATIME, MOUNT_ATTR_NODIRATIME),
  FLAG("nosymfollow", MS_NOSYMFOLLOW, MOUNT_ATTR_NOSYMFOLLOW),
  UNFLAG("symfollow", MS_NOSYMFOLLOW, MOUNT_ATTR_NOSYMFOLLOW),
  /* superblock flags: no mount attribute, the filesystem gets them */
  FLAG("sync", MS_SYNCHRONOUS, 0),
  UNFLAG("async", MS_SYNCHRONOUS, 0),
  FLAG("dirsync", MS_DIRSYNC, 0),
  FLAG("mand", MS_MANDLOCK, 0),
  UNFLAG("nomand", MS_MANDLOCK, 0),
  FLAG("lazytime", MS_LAZYTIME, 0),
  UNFLAG("nolazytime", MS_LAZYTIME, 0),
  FLAG("iversion", MS_I_VERSION, 0),
  UNFLAG("noiversion", MS_I_VERSION, 0),
  FLAG("silent", MS_SILENT, 0),
  UNFLAG("loud", MS_SILENT, 0),
  /* "atime"/"nostrictatime" mean "the kernel's default", which is relatime;
   * "norelatime" means every access updates atime, i.e. strictatime */
  ATIME("noatime", false, MS_NOATIME, MOUNT_ATTR_NOATIME),
  ATIME("atime", true, MS_NOATIME, MOUNT_ATTR_RELATIME),
  ATIME("relatime", false, MS_RELATIME, MOUNT_ATTR_RELATIME),
  ATIME("norelatime", true, MS_RELATIME, MOUNT_ATTR_STRICTATIME),
  ATIME("strictatime", false, MS_STRICTATIME, MOUNT_ATTR_STRICTATIME),
  ATIME("nostrictatime", true, MS_STRICTATIME, MOUNT_ATTR_RELATIME),
  RFLAG("rro", MOUNT_ATTR_RDONLY),
  RUNFLAG("rrw", MOUNT_ATTR_RDONLY),
  RFLAG("rnosuid", MOUNT_ATTR_NOSUID),
  RUNFLAG("rsuid", MOUNT_ATTR_NOSUID),
  RFLAG("rnodev", MOUNT_ATTR_NODEV),
  RUNFLAG("rdev", MOUNT_ATTR_NODEV),
  RFLAG("rnoexec", MOUNT_ATTR_NOEXEC),
  RUNFLAG("rexec", MOUNT_ATTR_NOEXEC),
  RFLAG("rnodiratime", MOUNT_ATTR_NODIRATIME),
  RUNFLAG("rdiratime", MOUNT_ATTR_NODIRATIME),
  RFLAG("rnosymfollow", MOUNT_ATTR_NOSYMFOLLOW),
  RUNFLAG("rsymfollow", MOUNT_ATTR_NOSYMFOLLOW),
  RATIME("rnoatime", MOUNT_ATTR_NOATIME),
  RATIME("ratime", MOUNT_ATTR_RELATIME),
  RATIME("rrelatime", MOUNT_ATTR_RELATIME),
  RATIME("rnorelatime", MOUNT_ATTR_STRICTATIME),
  RATIME("rstrictatime", MOUNT_ATTR_STRICTATIME),
  RATIME("rnostrictatime", MOUNT_ATTR_RELATIME),
  PROP("private", MS_PRIVATE),
  PROP("rprivate", MS_PRIVATE | MS_REC),
  PROP("shared", MS_SHARED),
  PROP("rshared", MS_SHARED | MS_REC),
  PROP("slave", MS_SLAVE),
  PROP("rslave", MS_SLAVE | MS_REC),
  PROP("unbindable", MS_UNBINDABLE),
  PROP("runbindable", MS_UNBINDABLE | MS_REC),
  { "bind", K_BIND, false, false, MS_BIND, 0 },
  { "rbind", K_RBIND, false, false, MS_BIND | MS_REC, 0 },
  { "remount", K_REMOUNT, false, false, MS_REMOUNT, 0 },
  { "idmap", K_IDMAP, false, false, 0, 0 },
  { "ridmap", K_RIDMAP, false, false, 0, 0 },
  { "tmpcopyup", K_COPYUP, false, false, 0, 0 },
};

static const opt_def *
find_opt(const char *name)
{
  for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++)
    if (strcmp(opts[i].name, name) == 0)
      return &opts[i];
  return NULL;
}

bool
mount_opt_is_known(const char *name)
{
  return name && find_opt(name) != NULL;
}

const char *const *
mount_opt_names(void)
{
  static const char *names[sizeof opts / sizeof opts[0] + 1];
  if (names[0] == NULL)
    for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++)
      names[i] = opts[i].name;
  return names;
}

/* Later options override earlier ones, as with mount(8): setting a bit
 * drops it from the clear set and the other way round. */
static void
set_or_clear(uint64_t *set, uint64_t *clr, uint64_t bit, bool clear)
{
  if (clear)
    {
      *clr |= bit;
      *set &= ~bit;
    }
  else
    {
      *set |= bit;
      *clr &= ~bit;
    }
}

static void
apply(const opt_def *d, mount_flags *m)
{
  uint64_t ms_set = m->flags, ms_clr = m->clear;
  switch (d->kind)
    {
    case K_NOP:
      break;
    case K_FLAG:
      if (d->rec)
        {
          set_or_clear(&m->rec_attr_set, &m->rec_attr_clr, d->attr, d->clear);
          m->rec_attr = true;
          break;
        }
      set_or_clear(&ms_set, &ms_clr, d->ms, d->clear);
      if (d->attr)
        set_or_clear(&m->attr_set, &m->attr_clr, d->attr, d->clear);
      break;
    case K_ATIME:
      /* mount_setattr wants the whole atime field cleared and one value set */
      if (d->rec)
        {
          m->rec_attr_set = (m->rec_attr_set & ~(uint64_t) MOUNT_ATTR__ATIME) | d->attr;
          m->rec_attr_clr |= MOUNT_ATTR__ATIME;
          m->rec_has_atime = true;
          m->rec_attr = true;
          break;
        }
      ms_set &= ~(uint64_t) (MS_NOATIME | MS_RELATIME | MS_STRICTATIME);
      if (!d->clear)
        ms_set |= d->ms;
      else
        ms_clr |= d->ms;
      m->attr_set = (m->attr_set & ~(uint64_t) MOUNT_ATTR__ATIME) | d->attr;
      m->attr_clr |= MOUNT_ATTR__ATIME;
      m->has_atime = true;
      break;
    case K_PROP:
      m->propagation = d->ms;
      break;
    case K_BIND:
      m->bind = true;
      ms_set |= MS_BIND;
      break;
    case K_RBIND:
      m->bind = m->rbind = true;
      ms_set |= MS_BIND | MS_REC;
      break;
    case K_REMOUNT:
      m->remount = true;
      ms_set |= MS_REMOUNT;
      break;
    case K_IDMAP:
      m->idmap = true;
      break;
    case K_RIDMAP:
      m->idmap = m->ridmap = true;
      break;
    case K_COPYUP:
      m->copyup = true;
      break;
    }
  m->flags = (unsigned long) ms_set;
  m->clear = (unsigned long) ms_clr;
}

static void
data_append(char **data, const char *opt)
{
  if (*data == NULL)
    {
      *data = xstrdup(opt);
      return;
    }
  char *n = xasprintf("%s,%s", *data, opt);
  free(*data);
  *data = n;
}

int
mount_opts_parse(const oci_strv *options, const char *path_for_errors, mount_flags *out,
                 clawrt_error *err)
{
  memset(out, 0, sizeof *out);
  if (options == NULL)
    return 0;
  const char *where = path_for_errors ? path_for_errors : "options";
  for (size_t i = 0; i < options->len; i++)
    {
      const char *o = options->v[i];
      if (o == NULL || o[0] == '\0')
        {
          mount_flags_free(out);
          return clawrt_error_set(err, EINVAL, "%s[%zu]: empty mount option", where, i);
        }
      /* matched whole: "ro,nosuid" in one element is data, as with runc,
       * and the filesystem decides what it means */
      const opt_def *d = find_opt(o);
      if (d)
        {
          apply(d, out);
          continue;
        }
      data_append(&out->data, o);
    }
  return 0;
}

void
mount_flags_free(mount_flags *m)
{
  if (m == NULL)
    return;
  free(m->data);
  m->data = NULL;
}

int
mount_propagation_parse(const char *s, unsigned long *out)
{
  const opt_def *d = s ? find_opt(s) : NULL;
  if (d == NULL || d->kind != K_PROP)
    return -1;
  *out = d->ms;
  return 0;
}
