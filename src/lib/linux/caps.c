#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "caps.h"

#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util.h"

/* Indexed by number; the kernel's names from <linux/capability.h>. */
static const char *const cap_names[CAPS_MAX_KNOWN + 1] = {
  [CAP_CHOWN] = "CAP_CHOWN",
  [CAP_DAC_OVERRIDE] = "CAP_DAC_OVERRIDE",
  [CAP_DAC_READ_SEARCH] = "CAP_DAC_READ_SEARCH",
  [CAP_FOWNER] = "CAP_FOWNER",
  [CAP_FSETID] = "CAP_FSETID",
  [CAP_KILL] = "CAP_KILL",
  [CAP_SETGID] = "CAP_SETGID",
  [CAP_SETUID] = "CAP_SETUID",
  [CAP_SETPCAP] = "CAP_SETPCAP",
  [CAP_LINUX_IMMUTABLE] = "CAP_LINUX_IMMUTABLE",
  [CAP_NET_BIND_SERVICE] = "CAP_NET_BIND_SERVICE",
  [CAP_NET_BROADCAST] = "CAP_NET_BROADCAST",
  [CAP_NET_ADMIN] = "CAP_NET_ADMIN",
  [CAP_NET_RAW] = "CAP_NET_RAW",
  [CAP_IPC_LOCK] = "CAP_IPC_LOCK",
  [CAP_IPC_OWNER] = "CAP_IPC_OWNER",
  [CAP_SYS_MODULE] = "CAP_SYS_MODULE",
  [CAP_SYS_RAWIO] = "CAP_SYS_RAWIO",
  [CAP_SYS_CHROOT] = "CAP_SYS_CHROOT",
  [CAP_SYS_PTRACE] = "CAP_SYS_PTRACE",
  [CAP_SYS_PACCT] = "CAP_SYS_PACCT",
  [CAP_SYS_ADMIN] = "CAP_SYS_ADMIN",
  [CAP_SYS_BOOT] = "CAP_SYS_BOOT",
  [CAP_SYS_NICE] = "CAP_SYS_NICE",
  [CAP_SYS_RESOURCE] = "CAP_SYS_RESOURCE",
  [CAP_SYS_TIME] = "CAP_SYS_TIME",
  [CAP_SYS_TTY_CONFIG] = "CAP_SYS_TTY_CONFIG",
  [CAP_MKNOD] = "CAP_MKNOD",
  [CAP_LEASE] = "CAP_LEASE",
  [CAP_AUDIT_WRITE] = "CAP_AUDIT_WRITE",
  [CAP_AUDIT_CONTROL] = "CAP_AUDIT_CONTROL",
  [CAP_SETFCAP] = "CAP_SETFCAP",
  [CAP_MAC_OVERRIDE] = "CAP_MAC_OVERRIDE",
  [CAP_MAC_ADMIN] = "CAP_MAC_ADMIN",
  [CAP_SYSLOG] = "CAP_SYSLOG",
  [CAP_WAKE_ALARM] = "CAP_WAKE_ALARM",
  [CAP_BLOCK_SUSPEND] = "CAP_BLOCK_SUSPEND",
  [CAP_AUDIT_READ] = "CAP_AUDIT_READ",
  [CAP_PERFMON] = "CAP_PERFMON",
  [CAP_BPF] = "CAP_BPF",
  [CAP_CHECKPOINT_RESTORE] = "CAP_CHECKPOINT_RESTORE",
};

int
caps_from_name(const char *name)
{
  if (name == NULL)
    return -1;
  for (int i = 0; i <= CAPS_MAX_KNOWN; i++)
    if (strcmp(cap_names[i], name) == 0)
      return i;
  return -1;
}

const char *
caps_to_name(int cap)
{
  if (cap < 0 || cap > CAPS_MAX_KNOWN)
    return NULL;
  return cap_names[cap];
}

int
caps_last_cap(void)
{
  static int cached = -1;
  if (cached >= 0)
    return cached;
  /* PR_CAPBSET_READ fails with EINVAL past the last capability the kernel
   * knows, whatever the caller's privileges */
  int last = 0;
  for (int c = 0; c < 64; c++)
    {
      if (prctl(PR_CAPBSET_READ, (unsigned long) c, 0, 0, 0) < 0)
        break;
      last = c;
    }
  cached = last;
  return last;
}

static uint64_t
kernel_mask(void)
{
  int last = caps_last_cap();
  return last >= 63 ? ~(uint64_t) 0 : ((uint64_t) 1 << (last + 1)) - 1;
}

static const char *const set_names[5] = {
  "bounding", "effective", "inheritable", "permitted", "ambient",
};

static const oci_strv *
set_at(const oci_capabilities *c, int i)
{
  switch (i)
    {
    case 0: return &c->bounding;
    case 1: return &c->effective;
    case 2: return &c->inheritable;
    case 3: return &c->permitted;
    default: return &c->ambient;
    }
}

static int
compile_set(const oci_strv *v, const char *origin, const char *set, uint64_t *mask,
            clawrt_error *err)
{
  *mask = 0;
  for (size_t i = 0; i < v->len; i++)
    {
      int cap = caps_from_name(v->v[i]);
      if (cap < 0)
        return clawrt_error_set(err, EINVAL,
                                "%s: process.capabilities.%s[%zu]: unknown capability \"%s\" "
                                "(names are as in capabilities(7), e.g. \"CAP_NET_ADMIN\")",
                                origin, set, i, v->v[i]);
      *mask |= (uint64_t) 1 << cap;
    }
  return 0;
}

int
caps_validate(const oci_capabilities *c, const char *origin, clawrt_error *err)
{
  if (c == NULL)
    return 0;
  for (int i = 0; i < 5; i++)
    {
      uint64_t m;
      if (compile_set(set_at(c, i), origin ? origin : "config.json", set_names[i], &m, err) < 0)
        return -1;
    }
  return 0;
}

int
caps_compile(const oci_capabilities *c, caps_sets *out, clawrt_error *err)
{
  memset(out, 0, sizeof *out);
  if (c == NULL)
    return 0;
  uint64_t *dst[5] = { &out->bounding, &out->effective, &out->inheritable, &out->permitted,
                       &out->ambient };
  uint64_t km = kernel_mask();
  for (int i = 0; i < 5; i++)
    {
      if (compile_set(set_at(c, i), "config.json", set_names[i], dst[i], err) < 0)
        return -1;
      *dst[i] &= km;  /* known to us, absent from this kernel: ignored */
    }
  return 0;
}

void
caps_format_mask(uint64_t mask, char buf[17])
{
  snprintf(buf, 17, "%016llx", (unsigned long long) mask);
}

/* capget/capset through the raw syscalls: version 3 carries 64 bits in two
 * 32-bit halves. */
typedef struct {
  uint64_t effective, permitted, inheritable;
} cap_triple;

static int
cap_get(cap_triple *t)
{
  struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
  struct __user_cap_data_struct d[2];
  memset(d, 0, sizeof d);
  if (syscall(SYS_capget, &h, d) < 0)
    return -1;
  t->effective = d[0].effective | ((uint64_t) d[1].effective << 32);
  t->permitted = d[0].permitted | ((uint64_t) d[1].permitted << 32);
  t->inheritable = d[0].inheritable | ((uint64_t) d[1].inheritable << 32);
  return 0;
}

static int
cap_set(const cap_triple *t)
{
  struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
  struct __user_cap_data_struct d[2] = {
    { (uint32_t) t->effective, (uint32_t) t->permitted, (uint32_t) t->inheritable },
    { (uint32_t) (t->effective >> 32), (uint32_t) (t->permitted >> 32),
      (uint32_t) (t->inheritable >> 32) },
  };
  return (int) syscall(SYS_capset, &h, d);
}

/* The lowest capability in mask, for messages. */
static const char *
first_name(uint64_t mask)
{
  for (int c = 0; c < 64; c++)
    if (mask & ((uint64_t) 1 << c))
      {
        const char *n = caps_to_name(c);
        return n ? n : "an unnamed capability";
      }
  return "?";
}

int
caps_apply_sets(const caps_sets *s, clawrt_error *err)
{
  cap_triple cur;
  if (cap_get(&cur) < 0)
    return clawrt_error_set(err, errno, "capget");

  if (s->effective & ~s->permitted)
    return clawrt_error_set(err, EINVAL, "process.capabilities.effective has %s, which is not "
                            "in permitted: add it to permitted or drop it from effective",
                            first_name(s->effective & ~s->permitted));
  if (s->permitted & ~cur.permitted)
    return clawrt_error_set(err, EPERM, "process.capabilities.permitted asks for %s, which the "
                            "runtime does not have itself", first_name(s->permitted & ~cur.permitted));

  /* after setresuid under PR_SET_KEEPCAPS the effective set is empty; the
   * bounding drops below need CAP_SETPCAP effective again */
  cap_triple regain = { cur.permitted, cur.permitted, cur.inheritable };
  if (regain.effective != cur.effective && cap_set(&regain) < 0)
    return clawrt_error_set(err, errno, "capset: raising effective to permitted");

  int last = caps_last_cap();
  for (int c = 0; c <= last; c++)
    {
      if (s->bounding & ((uint64_t) 1 << c))
        continue;
      int in = prctl(PR_CAPBSET_READ, (unsigned long) c, 0, 0, 0);
      if (in <= 0)
        continue;
      if (prctl(PR_CAPBSET_DROP, (unsigned long) c, 0, 0, 0) < 0)
        {
          const char *n = caps_to_name(c);
          return clawrt_error_set(err, errno, "dropping %s%s%d from the bounding set (needs "
                                  "CAP_SETPCAP)", n ? n : "", n ? " " : "capability ", c);
        }
    }

  cap_triple want = { s->effective, s->permitted, s->inheritable };
  if (cap_set(&want) < 0)
    {
      int e = errno;
      if (e == EPERM && (s->inheritable & ~s->bounding & ~cur.inheritable))
        return clawrt_error_set(err, e, "capset: inheritable has %s, which is neither in the "
                                "bounding set nor inherited",
                                first_name(s->inheritable & ~s->bounding & ~cur.inheritable));
      return clawrt_error_set(err, e, "capset (effective %016llx permitted %016llx "
                              "inheritable %016llx)", (unsigned long long) s->effective,
                              (unsigned long long) s->permitted,
                              (unsigned long long) s->inheritable);
    }

  /* the runtime's own ambient set must not leak into the container */
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
    return clawrt_error_set(err, errno, "clearing the ambient capability set");
  uint64_t amb = s->ambient & s->permitted & s->inheritable;
  for (int c = 0; c <= last; c++)
    if ((amb & ((uint64_t) 1 << c))
        && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, (unsigned long) c, 0, 0) < 0)
      {
        const char *n = caps_to_name(c);
        return clawrt_error_set(err, errno, "raising ambient %s", n ? n : "capability");
      }
  return 0;
}

int
caps_apply(const oci_capabilities *c, clawrt_error *err)
{
  caps_sets s;
  if (caps_compile(c, &s, err) < 0)
    return -1;
  return caps_apply_sets(&s, err);
}
