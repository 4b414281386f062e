/* mount_opts: every option of the runtime-spec / runc list maps to the
 * right MS_* flags, mount attributes, propagation and data; unknown ones go
 * to the data string in order; overrides; propagation names.  TAP output. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "linux/mount_opts.h"
#include "util.h"

static int failures, count;
#define CHECK(cond, ...)                                                                       \
  do {                                                                                         \
    count++;                                                                                   \
    if (cond)                                                                                  \
      printf("ok %d - ", count);                                                               \
    else {                                                                                     \
      printf("not ok %d - ", count);                                                           \
      failures++;                                                                              \
    }                                                                                          \
    printf(__VA_ARGS__);                                                                       \
    printf("\n");                                                                              \
  } while (0)

#define ATIME MOUNT_ATTR__ATIME
enum { B = 1, RB = 2, RM = 4, ID = 8, RID = 16, REC = 32, CU = 64 };

typedef struct want {
  const char *opt;
  unsigned long flags, clear, prop;
  uint64_t aset, aclr, rset, rclr;
  int bits;
} want;

static const want table[] = {
  { "defaults", 0, 0, 0, 0, 0, 0, 0, 0 },
  { "ro", MS_RDONLY, 0, 0, MOUNT_ATTR_RDONLY, 0, 0, 0, 0 },
  { "rw", 0, MS_RDONLY, 0, 0, MOUNT_ATTR_RDONLY, 0, 0, 0 },
  { "nosuid", MS_NOSUID, 0, 0, MOUNT_ATTR_NOSUID, 0, 0, 0, 0 },
  { "suid", 0, MS_NOSUID, 0, 0, MOUNT_ATTR_NOSUID, 0, 0, 0 },
  { "nodev", MS_NODEV, 0, 0, MOUNT_ATTR_NODEV, 0, 0, 0, 0 },
  { "dev", 0, MS_NODEV, 0, 0, MOUNT_ATTR_NODEV, 0, 0, 0 },
  { "noexec", MS_NOEXEC, 0, 0, MOUNT_ATTR_NOEXEC, 0, 0, 0, 0 },
  { "exec", 0, MS_NOEXEC, 0, 0, MOUNT_ATTR_NOEXEC, 0, 0, 0 },
  { "nodiratime", MS_NODIRATIME, 0, 0, MOUNT_ATTR_NODIRATIME, 0, 0, 0, 0 },
  { "diratime", 0, MS_NODIRATIME, 0, 0, MOUNT_ATTR_NODIRATIME, 0, 0, 0 },
  { "nosymfollow", MS_NOSYMFOLLOW, 0, 0, MOUNT_ATTR_NOSYMFOLLOW, 0, 0, 0, 0 },
  { "symfollow", 0, MS_NOSYMFOLLOW, 0, 0, MOUNT_ATTR_NOSYMFOLLOW, 0, 0, 0 },
  { "sync", MS_SYNCHRONOUS, 0, 0, 0, 0, 0, 0, 0 },
  { "async", 0, MS_SYNCHRONOUS, 0, 0, 0, 0, 0, 0 },
  { "dirsync", MS_DIRSYNC, 0, 0, 0, 0, 0, 0, 0 },
  { "mand", MS_MANDLOCK, 0, 0, 0, 0, 0, 0, 0 },
  { "nomand", 0, MS_MANDLOCK, 0, 0, 0, 0, 0, 0 },
  { "lazytime", MS_LAZYTIME, 0, 0, 0, 0, 0, 0, 0 },
  { "nolazytime", 0, MS_LAZYTIME, 0, 0, 0, 0, 0, 0 },
  { "iversion", MS_I_VERSION, 0, 0, 0, 0, 0, 0, 0 },
  { "noiversion", 0, MS_I_VERSION, 0, 0, 0, 0, 0, 0 },
  { "silent", MS_SILENT, 0, 0, 0, 0, 0, 0, 0 },
  { "loud", 0, MS_SILENT, 0, 0, 0, 0, 0, 0 },
  { "noatime", MS_NOATIME, 0, 0, MOUNT_ATTR_NOATIME, ATIME, 0, 0, 0 },
  { "atime", 0, MS_NOATIME, 0, MOUNT_ATTR_RELATIME, ATIME, 0, 0, 0 },
  { "relatime", MS_RELATIME, 0, 0, MOUNT_ATTR_RELATIME, ATIME, 0, 0, 0 },
  { "norelatime", 0, MS_RELATIME, 0, MOUNT_ATTR_STRICTATIME, ATIME, 0, 0, 0 },
  { "strictatime", MS_STRICTATIME, 0, 0, MOUNT_ATTR_STRICTATIME, ATIME, 0, 0, 0 },
  { "nostrictatime", 0, MS_STRICTATIME, 0, MOUNT_ATTR_RELATIME, ATIME, 0, 0, 0 },
  { "rro", 0, 0, 0, 0, 0, MOUNT_ATTR_RDONLY, 0, REC },
  { "rrw", 0, 0, 0, 0, 0, 0, MOUNT_ATTR_RDONLY, REC },
  { "rnosuid", 0, 0, 0, 0, 0, MOUNT_ATTR_NOSUID, 0, REC },
  { "rsuid", 0, 0, 0, 0, 0, 0, MOUNT_ATTR_NOSUID, REC },
  { "rnodev", 0, 0, 0, 0, 0, MOUNT_ATTR_NODEV, 0, REC },
  { "rdev", 0, 0, 0, 0, 0, 0, MOUNT_ATTR_NODEV, REC },
  { "rnoexec", 0, 0, 0, 0, 0, MOUNT_ATTR_NOEXEC, 0, REC },
  { "rexec", 0, 0, 0, 0, 0, 0, MOUNT_ATTR_NOEXEC, REC },
  { "rnodiratime", 0, 0, 0, 0, 0, MOUNT_ATTR_NODIRATIME, 0, REC },
  { "rdiratime", 0, 0, 0, 0, 0, 0, MOUNT_ATTR_NODIRATIME, REC },
  { "rnosymfollow", 0, 0, 0, 0, 0, MOUNT_ATTR_NOSYMFOLLOW, 0, REC },
  { "rsymfollow", 0, 0, 0, 0, 0, 0, MOUNT_ATTR_NOSYMFOLLOW, REC },
  { "rnoatime", 0, 0, 0, 0, 0, MOUNT_ATTR_NOATIME, ATIME, REC },
  { "ratime", 0, 0, 0, 0, 0, MOUNT_ATTR_RELATIME, ATIME, REC },
  { "rrelatime", 0, 0, 0, 0, 0, MOUNT_ATTR_RELATIME, ATIME, REC },
  { "rnorelatime", 0, 0, 0, 0, 0, MOUNT_ATTR_STRICTATIME, ATIME, REC },
  { "rstrictatime", 0, 0, 0, 0, 0, MOUNT_ATTR_STRICTATIME, ATIME, REC },
  { "rnostrictatime", 0, 0, 0, 0, 0, MOUNT_ATTR_RELATIME, ATIME, REC },
  { "private", 0, 0, MS_PRIVATE, 0, 0, 0, 0, 0 },
  { "rprivate", 0, 0, MS_PRIVATE | MS_REC, 0, 0, 0, 0, 0 },
  { "shared", 0, 0, MS_SHARED, 0, 0, 0, 0, 0 },
  { "rshared", 0, 0, MS_SHARED | MS_REC, 0, 0, 0, 0, 0 },
  { "slave", 0, 0, MS_SLAVE, 0, 0, 0, 0, 0 },
  { "rslave", 0, 0, MS_SLAVE | MS_REC, 0, 0, 0, 0, 0 },
  { "unbindable", 0, 0, MS_UNBINDABLE, 0, 0, 0, 0, 0 },
  { "runbindable", 0, 0, MS_UNBINDABLE | MS_REC, 0, 0, 0, 0, 0 },
  { "bind", MS_BIND, 0, 0, 0, 0, 0, 0, B },
  { "rbind", MS_BIND | MS_REC, 0, 0, 0, 0, 0, 0, B | RB },
  { "remount", MS_REMOUNT, 0, 0, 0, 0, 0, 0, RM },
  { "idmap", 0, 0, 0, 0, 0, 0, 0, ID },
  { "ridmap", 0, 0, 0, 0, 0, 0, 0, ID | RID },
  { "tmpcopyup", 0, 0, 0, 0, 0, 0, 0, CU },
};

static int
parse(const char *const *opts, size_t n, mount_flags *mf, clawrt_error *err)
{
  oci_strv v = { (char **) opts, n };
  return mount_opts_parse(&v, "config.json: mounts[0].options", mf, err);
}

static void
test_each_option(void)
{
  for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
    {
      const want *w = &table[i];
      const char *o[] = { w->opt, NULL };
      mount_flags mf;
      clawrt_error err = { 0 };
      int r = parse(o, 1, &mf, &err);
      bool ok = r == 0 && mf.flags == w->flags && mf.clear == w->clear
                && mf.propagation == w->prop && mf.attr_set == w->aset && mf.attr_clr == w->aclr
                && mf.rec_attr_set == w->rset && mf.rec_attr_clr == w->rclr
                && mf.bind == !!(w->bits & B) && mf.rbind == !!(w->bits & RB)
                && mf.remount == !!(w->bits & RM) && mf.idmap == !!(w->bits & ID)
                && mf.ridmap == !!(w->bits & RID) && mf.rec_attr == !!(w->bits & REC)
                && mf.copyup == !!(w->bits & CU)
                && mf.data == NULL && mount_opt_is_known(w->opt);
      CHECK(ok, "%s", w->opt);
      if (!ok)
        printf("# got flags=%#lx clear=%#lx prop=%#lx set=%#llx clr=%#llx rset=%#llx "
               "rclr=%#llx data=%s\n", mf.flags, mf.clear, mf.propagation,
               (unsigned long long) mf.attr_set, (unsigned long long) mf.attr_clr,
               (unsigned long long) mf.rec_attr_set, (unsigned long long) mf.rec_attr_clr,
               mf.data ? mf.data : "(null)");
      mount_flags_free(&mf);
      clawrt_error_clear(&err);
    }
  /* the table covers the whole list the parser knows, and nothing else */
  size_t n = 0;
  bool all_in_table = true;
  for (const char *const *p = mount_opt_names(); *p; p++, n++)
    {
      bool found = false;
      for (size_t i = 0; i < sizeof table / sizeof table[0] && !found; i++)
        found = strcmp(table[i].opt, *p) == 0;
      all_in_table = all_in_table && found;
    }
  CHECK(all_in_table && n == sizeof table / sizeof table[0],
        "mount_opt_names() lists exactly the %zu options tested", n);
}

static void
test_data_and_overrides(void)
{
  mount_flags mf;
  clawrt_error err = { 0 };
  const char *a[] = { "nosuid", "size=65536k", "mode=1777", "strictatime", "uid=5" };
  CHECK(parse(a, 5, &mf, &err) == 0 && mf.data && strcmp(mf.data, "size=65536k,mode=1777,uid=5") == 0
        && mf.flags == (MS_NOSUID | MS_STRICTATIME), "unknown options go to data in order");
  mount_flags_free(&mf);

  const char *b[] = { "ro", "rw" };
  CHECK(parse(b, 2, &mf, &err) == 0 && !(mf.flags & MS_RDONLY) && (mf.clear & MS_RDONLY)
        && !(mf.attr_set & MOUNT_ATTR_RDONLY) && (mf.attr_clr & MOUNT_ATTR_RDONLY),
        "a later rw overrides ro");
  mount_flags_free(&mf);

  const char *c[] = { "noatime", "strictatime" };
  CHECK(parse(c, 2, &mf, &err) == 0 && mf.attr_set == MOUNT_ATTR_STRICTATIME
        && mf.attr_clr == MOUNT_ATTR__ATIME && mf.flags == MS_STRICTATIME,
        "one atime choice: the last");
  mount_flags_free(&mf);

  const char *d[] = { "rbind", "ro", "rro", "rnosuid", "rslave", "private" };
  CHECK(parse(d, 6, &mf, &err) == 0 && mf.bind && mf.rbind && mf.attr_set == MOUNT_ATTR_RDONLY
        && mf.rec_attr_set == (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID) && mf.rec_attr
        && mf.propagation == MS_PRIVATE && mf.data == NULL,
        "plain and recursive attributes kept apart; the last propagation wins");
  mount_flags_free(&mf);

  const char *e[] = { "ro,nosuid" };
  CHECK(parse(e, 1, &mf, &err) == 0 && mf.data && strcmp(mf.data, "ro,nosuid") == 0
        && mf.flags == 0, "an element with commas is data, not flags");
  mount_flags_free(&mf);

  const char *f[] = { "ro", "" };
  CHECK(parse(f, 2, &mf, &err) == -1 && err.msg
        && strstr(err.msg, "config.json: mounts[0].options[1]") != NULL,
        "an empty option is an error naming its index: %s", err.msg ? err.msg : "");
  clawrt_error_clear(&err);

  CHECK(mount_opts_parse(NULL, NULL, &mf, &err) == 0 && mf.flags == 0 && mf.data == NULL,
        "no options at all");
  mount_flags_free(&mf);

  const char *g[] = { "RO", "Bind" };
  CHECK(parse(g, 2, &mf, &err) == 0 && mf.data && strcmp(mf.data, "RO,Bind") == 0 && !mf.bind,
        "option names are case sensitive, as in the kernel");
  mount_flags_free(&mf);
}

static void
test_propagation_names(void)
{
  static const struct { const char *n; unsigned long v; } p[] = {
    { "shared", MS_SHARED }, { "rshared", MS_SHARED | MS_REC },
    { "slave", MS_SLAVE }, { "rslave", MS_SLAVE | MS_REC },
    { "private", MS_PRIVATE }, { "rprivate", MS_PRIVATE | MS_REC },
    { "unbindable", MS_UNBINDABLE }, { "runbindable", MS_UNBINDABLE | MS_REC },
  };
  for (size_t i = 0; i < sizeof p / sizeof p[0]; i++)
    {
      unsigned long v = 0;
      CHECK(mount_propagation_parse(p[i].n, &v) == 0 && v == p[i].v, "propagation %s", p[i].n);
    }
  unsigned long v;
  CHECK(mount_propagation_parse("ro", &v) == -1 && mount_propagation_parse("rslavee", &v) == -1
        && mount_propagation_parse(NULL, &v) == -1, "non-propagation names are refused");
}

int
main(void)
{
  test_each_option();
  test_data_and_overrides();
  test_propagation_names();
  printf("1..%d\n", count);
  return failures ? 1 : 0;
}
