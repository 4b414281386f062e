#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "lsm.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "procfs.h"
#include "util.h"

#define K_SELINUX_MAGIC 0xf97cff8cu

/* libselinux is loaded only here, when a label makes the question matter:
 * linked in, it (with libpcre2 and its constructor reading /proc) cost
 * every command, `state` and `kill` too, ~0.2 ms.  The labels themselves
 * are written through procfs by this file, so this answer is all we need
 * of it.  Without libselinux, the kernel's own sign is used: selinuxfs
 * mounted, as libselinux checks first. */
static int
selinux_probe(void)
{
  void *h = dlopen("libselinux.so.1", RTLD_NOW | RTLD_LOCAL);
  if (h)
    {
      int (*enabled)(void) = (int (*)(void)) dlsym(h, "is_selinux_enabled");
      int r = enabled ? enabled() > 0 : -1;
      /* kept loaded: its state is tied to this process */
      if (r >= 0)
        return r;
    }
  struct statfs sfs;
  return statfs("/sys/fs/selinux", &sfs) == 0 && (unsigned) sfs.f_type == K_SELINUX_MAGIC;
}

bool
selinux_is_enabled(void)
{
  static int cached = -1;
  if (cached < 0)
    cached = selinux_probe();
  return cached > 0;
}

int
lsm_validate(const oci_process *p, const oci_linux *l, const char *origin, clawrt_error *err)
{
  const char *o = origin ? origin : "config.json";
  /* asked only when a label is given; answered here, in the parent, so the
   * init finds it cached */
  if (l && l->mount_label && l->mount_label[0])
    (void) selinux_is_enabled();
  if (p && p->selinux_label && p->selinux_label[0] && !selinux_is_enabled())
    return clawrt_error_set(err, EINVAL, "%s: process.selinuxLabel: SELinux is disabled or "
                            "not supported on this host: remove the label or enable SELinux", o);
  /* linux.mountLabel without SELinux is not applied: with SELinux off no
   * file label is enforced, so dropping it weakens nothing, and runtimes
   * built for SELinux hosts send it everywhere (runtime-tools expects it
   * to be accepted).  A process label is refused, as runc refuses it: the
   * caller asked for a confinement of the process this host cannot give. */
  if (l && l->mount_label && strchr(l->mount_label, '"'))
    return clawrt_error_set(err, EINVAL, "%s: linux.mountLabel: a label cannot contain '\"'", o);
  if (p && p->apparmor_profile && p->apparmor_profile[0] && !apparmor_is_enabled())
    return clawrt_error_set(err, EINVAL, "%s: process.apparmorProfile \"%s\": AppArmor is not "
                            "enabled on this host: remove apparmorProfile or enable AppArmor", o,
                            p->apparmor_profile);
  return 0;
}

static int
open_proc(clawrt_error *err)
{
  return procfs_open_root(AT_FDCWD, "/proc", err);
}

static int
write_attr(int procfd, const char *attr, const char *value, const char *what, clawrt_error *err)
{
  if (procfs_write_thread_self(procfd, attr, value, err) < 0)
    return clawrt_error_wrap(err, "%s \"%s\"", what, value);
  return 0;
}

int
selinux_set_exec_label_at(int procfd, const char *label, clawrt_error *err)
{
  /* disabled SELinux: nothing could enforce the label, and runc also runs
   * such configs unlabelled rather than refusing them */
  if (label == NULL || label[0] == '\0' || !selinux_is_enabled())
    return 0;
  return write_attr(procfd, "attr/exec", label, "process.selinuxLabel", err);
}

int
selinux_set_exec_label(const char *label, clawrt_error *err)
{
  if (label == NULL || label[0] == '\0' || !selinux_is_enabled())
    return 0;
  cleanup_close int procfd = open_proc(err);
  if (procfd < 0)
    return -1;
  return selinux_set_exec_label_at(procfd, label, err);
}

int
selinux_set_keycreate_label_at(int procfd, const char *label, clawrt_error *err)
{
  if (label == NULL || label[0] == '\0' || !selinux_is_enabled())
    return 0;
  return write_attr(procfd, "attr/keycreate", label, "keyring label (process.selinuxLabel)",
                    err);
}

int
selinux_mount_data(const char *data, const char *label, char **out, clawrt_error *err)
{
  const char *d = data ? data : "";
  if (label == NULL || label[0] == '\0' || !selinux_is_enabled())
    {
      *out = xstrdup(d);
      return 0;
    }
  /* the quotes keep the MCS category list (s0:c1,c2) one option */
  if (strchr(label, '"') != NULL)
    return clawrt_error_set(err, EINVAL, "linux.mountLabel \"%s\": a label cannot contain '\"'",
                            label);
  *out = d[0] ? xasprintf("%s,context=\"%s\"", d, label) : xasprintf("context=\"%s\"", label);
  return 0;
}

bool
apparmor_is_enabled(void)
{
  cleanup_close int fd = open("/sys/module/apparmor/parameters/enabled",
                              O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0)
    return false;
  char c = 0;
  return read(fd, &c, 1) == 1 && c == 'Y';
}

int
apparmor_set_exec_profile_at(int procfd, const char *profile, clawrt_error *err)
{
  if (profile == NULL || profile[0] == '\0')
    return 0;
  if (!apparmor_is_enabled())
    return clawrt_error_set(err, ENOTSUP, "process.apparmorProfile \"%s\": AppArmor is not "
                            "enabled on this host: remove apparmorProfile or enable AppArmor",
                            profile);
  cleanup_free char *cmd = xasprintf("exec %s", profile);
  /* attr/apparmor/exec is AppArmor's own (LSM stacking); attr/exec is the
   * older shared file, used when the kernel lacks the former */
  clawrt_error e1 = { 0 };
  if (procfs_write_thread_self(procfd, "attr/apparmor/exec", cmd, &e1) == 0)
    return 0;
  if (e1.errnum != ENOENT)
    {
      if (err && err->msg == NULL)
        *err = e1;
      else
        clawrt_error_clear(&e1);
      return clawrt_error_wrap(err, "process.apparmorProfile \"%s\"", profile);
    }
  clawrt_error_clear(&e1);
  return write_attr(procfd, "attr/exec", cmd, "process.apparmorProfile", err);
}

int
apparmor_set_exec_profile(const char *profile, clawrt_error *err)
{
  if (profile == NULL || profile[0] == '\0')
    return 0;
  if (!apparmor_is_enabled())
    return apparmor_set_exec_profile_at(-1, profile, err);
  cleanup_close int procfd = open_proc(err);
  if (procfd < 0)
    return -1;
  return apparmor_set_exec_profile_at(procfd, profile, err);
}
