/* linux.resources.devices on cgroup v2: the kernel asks an eBPF program of
 * type CGROUP_DEVICE, attached to the container's cgroup, about every
 * open/mknod of a device node.  The program is written here instruction
 * by instruction (no compiler, no libbpf).
 *
 * Semantics, the same as the v1 controller: a new cgroup allows what its
 * parent allows, rules apply in order, the last rule matching wins.  The
 * kernel may ask for several access bits at once (open O_RDWR is r|w), and
 * a rule may grant some of them, so the decision is taken per bit: for each
 * requested bit the rules that mention it are tried from the last to the
 * first; a deny refuses the access, an allow settles that bit.  Rules
 * before the last "a *:* rwm" cannot matter and are left out. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"
#include "util.h"

/* jump offsets are 16-bit: stay well inside them (~7 insns per rule and bit) */
#define MAX_INSNS 30000

typedef struct prog {
  struct bpf_insn *v;
  size_t n, cap;
} prog;

static size_t
emit(prog *p, struct bpf_insn in)
{
  if (p->n == p->cap)
    {
      p->cap = p->cap ? p->cap * 2 : 64;
      p->v = xrealloc(p->v, p->cap * sizeof *p->v);
    }
  p->v[p->n] = in;
  return p->n++;
}

#define INSN(c, d, s, o, i) ((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), \
                                                .off = (o), .imm = (i) })
#define LDX_W(d, s, o) INSN(BPF_LDX | BPF_MEM | BPF_W, d, s, o, 0)
#define MOV_X(d, s) INSN(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define MOV_K(d, k) INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, k)
#define AND_K(d, k) INSN(BPF_ALU64 | BPF_AND | BPF_K, d, 0, 0, k)
#define RSH_K(d, k) INSN(BPF_ALU64 | BPF_RSH | BPF_K, d, 0, 0, k)
#define JNE32_K(d, k, o) INSN(BPF_JMP32 | BPF_JNE | BPF_K, d, 0, o, k)
#define JEQ_K(d, k, o) INSN(BPF_JMP | BPF_JEQ | BPF_K, d, 0, o, k)
#define JA(o) INSN(BPF_JMP | BPF_JA, 0, 0, o, 0)
#define EXIT() INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

static unsigned
access_bits(const char *a)
{
  if (a == NULL)
    return BPF_DEVCG_ACC_MKNOD | BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE;
  unsigned b = 0;
  b |= strchr(a, 'm') ? BPF_DEVCG_ACC_MKNOD : 0;
  b |= strchr(a, 'r') ? BPF_DEVCG_ACC_READ : 0;
  b |= strchr(a, 'w') ? BPF_DEVCG_ACC_WRITE : 0;
  return b;
}

static bool
is_all(const oci_device_cgroup *r)
{
  return (r->type == NULL || strcmp(r->type, "a") == 0) && (!r->has_major || r->major < 0)
         && (!r->has_minor || r->minor < 0) && access_bits(r->access) == 7;
}

static void
patch_to_here(prog *p, size_t at)
{
  p->v[at].off = (int16_t) (p->n - at - 1);
}

int
cg_devices_bpf_build(const oci_device_cgroup *rules, size_t n, struct bpf_insn **out,
                     size_t *len, clawrt_error *err)
{
  size_t first = 0;
  for (size_t i = 0; i < n; i++)
    if (is_all(&rules[i]))
      first = i;
  prog p = { 0 };
  /* r2 = access, r3 = device type, r4 = major, r5 = minor */
  emit(&p, LDX_W(BPF_REG_2, BPF_REG_1, offsetof(struct bpf_cgroup_dev_ctx, access_type)));
  emit(&p, MOV_X(BPF_REG_3, BPF_REG_2));
  emit(&p, AND_K(BPF_REG_3, 0xFFFF));
  emit(&p, RSH_K(BPF_REG_2, 16));
  emit(&p, LDX_W(BPF_REG_4, BPF_REG_1, offsetof(struct bpf_cgroup_dev_ctx, major)));
  emit(&p, LDX_W(BPF_REG_5, BPF_REG_1, offsetof(struct bpf_cgroup_dev_ctx, minor)));
  static const unsigned bits[] = { BPF_DEVCG_ACC_MKNOD, BPF_DEVCG_ACC_READ, BPF_DEVCG_ACC_WRITE };
  for (size_t b = 0; b < 3; b++)
    {
      size_t *settled = xmalloc0((n + 1) * sizeof *settled);
      size_t nsettled = 0;
      emit(&p, MOV_X(BPF_REG_6, BPF_REG_2));
      emit(&p, AND_K(BPF_REG_6, (int32_t) bits[b]));
      settled[nsettled++] = emit(&p, JEQ_K(BPF_REG_6, 0, 0)); /* bit not asked for */
      for (size_t k = n; k-- > first;)
        {
          const oci_device_cgroup *r = &rules[k];
          if (!(access_bits(r->access) & bits[b]))
            continue;
          size_t skips[3], nskips = 0;
          if (r->type && strcmp(r->type, "c") == 0)
            skips[nskips++] = emit(&p, JNE32_K(BPF_REG_3, BPF_DEVCG_DEV_CHAR, 0));
          else if (r->type && strcmp(r->type, "b") == 0)
            skips[nskips++] = emit(&p, JNE32_K(BPF_REG_3, BPF_DEVCG_DEV_BLOCK, 0));
          if (r->has_major && r->major >= 0)
            skips[nskips++] = emit(&p, JNE32_K(BPF_REG_4, (int32_t) r->major, 0));
          if (r->has_minor && r->minor >= 0)
            skips[nskips++] = emit(&p, JNE32_K(BPF_REG_5, (int32_t) r->minor, 0));
          if (r->allow)
            settled[nsettled++] = emit(&p, JA(0));
          else
            {
              emit(&p, MOV_K(BPF_REG_0, 0));
              emit(&p, EXIT());
            }
          for (size_t s = 0; s < nskips; s++)
            patch_to_here(&p, skips[s]);
        }
      /* no rule about this bit: the parent's word stands (allow here) */
      for (size_t s = 0; s < nsettled; s++)
        patch_to_here(&p, settled[s]);
      free(settled);
      if (p.n > MAX_INSNS)
        {
          free(p.v);
          return clawrt_error_set(err, E2BIG, "linux.resources.devices: %zu rules make a "
                                  "device program too large", n);
        }
    }
  emit(&p, MOV_K(BPF_REG_0, 1));
  emit(&p, EXIT());
  *out = p.v;
  *len = p.n;
  return 0;
}

static long
sys_bpf(int cmd, union bpf_attr *attr)
{
  return syscall(__NR_bpf, cmd, attr, sizeof *attr);
}

static int
load(const struct bpf_insn *insns, size_t n, clawrt_error *err)
{
  char log[8192];
  union bpf_attr a;
  memset(&a, 0, sizeof a);
  a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  a.insns = (uint64_t) (uintptr_t) insns;
  a.insn_cnt = (uint32_t) n;
  a.license = (uint64_t) (uintptr_t) "GPL";
  a.prog_flags = 0;
  strncpy(a.prog_name, "clawrt_dev", sizeof a.prog_name - 1);
  /* the kernel makes every bpf fd O_CLOEXEC */
  int fd = (int) sys_bpf(BPF_PROG_LOAD, &a);
  if (fd >= 0)
    return fd;
  int e = errno;
  if (e == EPERM)
    return clawrt_error_set(err, e, "linux.resources.devices: load the device eBPF program "
                            "(needs CAP_BPF or CAP_SYS_ADMIN)");
  /* load again with the verifier's log, to say why */
  a.log_buf = (uint64_t) (uintptr_t) log;
  a.log_size = sizeof log;
  a.log_level = 1;
  log[0] = '\0';
  fd = (int) sys_bpf(BPF_PROG_LOAD, &a);
  if (fd >= 0)
    return fd;
  size_t l = strlen(log);
  while (l > 0 && log[l - 1] == '\n')
    log[--l] = '\0';
  const char *last = strrchr(log, '\n');
  return clawrt_error_set(err, e, "linux.resources.devices: the kernel refused the device eBPF "
                          "program%s%s", *log ? ": " : "", last ? last + 1 : log);
}

/* The programs attached to this very cgroup (not inherited ones). */
static int
query(int cgfd, uint32_t *ids, uint32_t *n)
{
  union bpf_attr a;
  memset(&a, 0, sizeof a);
  a.query.target_fd = (uint32_t) cgfd;
  a.query.attach_type = BPF_CGROUP_DEVICE;
  a.query.prog_ids = (uint64_t) (uintptr_t) ids;
  a.query.prog_cnt = *n;
  if (sys_bpf(BPF_PROG_QUERY, &a) < 0)
    return -1;
  *n = a.query.prog_cnt;
  return 0;
}

int
cg_devices_bpf_apply(int cgroup_fd, const oci_device_cgroup *rules, size_t n, clawrt_error *err)
{
  cleanup_free struct bpf_insn *insns = NULL;
  size_t len = 0;
  if (cg_devices_bpf_build(rules, n, &insns, &len, err) < 0)
    return -1;
  cleanup_close int progfd = load(insns, len, err);
  if (progfd < 0)
    return -1;
  uint32_t old[64], nold = 64;
  if (query(cgroup_fd, old, &nold) < 0)
    nold = 0;
  if (nold > 64)
    nold = 64;
  /* attach the new one first, so the cgroup is never unfiltered */
  union bpf_attr a;
  memset(&a, 0, sizeof a);
  a.target_fd = (uint32_t) cgroup_fd;
  a.attach_bpf_fd = (uint32_t) progfd;
  a.attach_type = BPF_CGROUP_DEVICE;
  a.attach_flags = BPF_F_ALLOW_MULTI;
  if (sys_bpf(BPF_PROG_ATTACH, &a) < 0)
    return clawrt_error_set(err, errno, "linux.resources.devices: attach the device eBPF "
                            "program to the cgroup");
  for (uint32_t i = 0; i < nold; i++)
    {
      union bpf_attr g;
      memset(&g, 0, sizeof g);
      g.prog_id = old[i];
      int ofd = (int) sys_bpf(BPF_PROG_GET_FD_BY_ID, &g);
      if (ofd < 0)
        continue; /* gone already */
      memset(&a, 0, sizeof a);
      a.target_fd = (uint32_t) cgroup_fd;
      a.attach_bpf_fd = (uint32_t) ofd;
      a.attach_type = BPF_CGROUP_DEVICE;
      long rc = sys_bpf(BPF_PROG_DETACH, &a);
      int e = errno;
      close(ofd);
      if (rc < 0 && e != ENOENT)
        return clawrt_error_set(err, e, "linux.resources.devices: detach the previous device "
                                "eBPF program");
    }
  return 0;
}
