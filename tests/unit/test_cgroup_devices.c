/* The cgroup v2 device program: built from rule lists, then run by a small
 * interpreter of the instructions it uses, on (type, major, minor, access)
 * questions whose answers follow from v1 semantics (last matching rule
 * wins, per access bit; no rule: allowed).  When the kernel lets us, the
 * verifier must accept every program too.  TAP output. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cgroup/internal.h"

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

/* Returns the program's r0, or -1 when it does something this interpreter
 * (and so the generator) should never emit. */
static int
run(const struct bpf_insn *p, size_t n, char type, uint32_t major, uint32_t minor,
    const char *access)
{
  uint32_t acc = 0;
  acc |= strchr(access, 'm') ? BPF_DEVCG_ACC_MKNOD : 0;
  acc |= strchr(access, 'r') ? BPF_DEVCG_ACC_READ : 0;
  acc |= strchr(access, 'w') ? BPF_DEVCG_ACC_WRITE : 0;
  struct bpf_cgroup_dev_ctx ctx = {
    .access_type = (acc << 16) | (type == 'c' ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK),
    .major = major, .minor = minor,
  };
  uint64_t r[11] = { 0 };
  r[1] = (uint64_t) (uintptr_t) &ctx;
  for (size_t pc = 0, steps = 0; pc < n && steps < 100000; pc++, steps++)
    {
      const struct bpf_insn *i = &p[pc];
      switch (i->code)
        {
        case BPF_LDX | BPF_MEM | BPF_W:
          if (i->src_reg != 1 || i->off < 0 || i->off > 8)
            return -1;
          r[i->dst_reg] = *(const uint32_t *) ((const char *) &ctx + i->off);
          break;
        case BPF_ALU64 | BPF_MOV | BPF_X:
          r[i->dst_reg] = r[i->src_reg];
          break;
        case BPF_ALU64 | BPF_MOV | BPF_K:
          r[i->dst_reg] = (uint64_t) (int64_t) i->imm;
          break;
        case BPF_ALU64 | BPF_AND | BPF_K:
          r[i->dst_reg] &= (uint64_t) (int64_t) i->imm;
          break;
        case BPF_ALU64 | BPF_RSH | BPF_K:
          r[i->dst_reg] >>= i->imm;
          break;
        case BPF_JMP32 | BPF_JNE | BPF_K:
          if ((uint32_t) r[i->dst_reg] != (uint32_t) i->imm)
            pc += i->off;
          break;
        case BPF_JMP | BPF_JEQ | BPF_K:
          if (r[i->dst_reg] == (uint64_t) (int64_t) i->imm)
            pc += i->off;
          break;
        case BPF_JMP | BPF_JA:
          pc += i->off;
          break;
        case BPF_JMP | BPF_EXIT:
          return (int) r[0];
        default:
          return -1;
        }
    }
  return -1;
}

#define DENY_ALL { .allow = false, .access = "rwm" }
#define RULE(a, t, ma, mi, acc)                                                                \
  { .allow = (a), .type = (t), .major = (ma), .has_major = true, .minor = (mi),                \
    .has_minor = true, .access = (acc) }

typedef struct q {
  char type;
  uint32_t major, minor;
  const char *access;
  int want;
} q;

static bool kernel_ok = true;

static void
verify(const char *name, const oci_device_cgroup *rules, size_t n, const q *qs, size_t nq)
{
  struct bpf_insn *p = NULL;
  size_t len = 0;
  clawrt_error e = { 0 };
  if (cg_devices_bpf_build(rules, n, &p, &len, &e) < 0)
    {
      CHECK(false, "%s: build", name);
      return;
    }
  for (size_t i = 0; i < nq; i++)
    {
      int got = run(p, len, qs[i].type, qs[i].major, qs[i].minor, qs[i].access);
      CHECK(got == qs[i].want, "%s: %c %u:%u %s -> %s", name, qs[i].type, qs[i].major,
            qs[i].minor, qs[i].access, qs[i].want ? "allow" : "deny");
    }
  /* the kernel's verifier, where we may load programs */
  if (kernel_ok)
    {
      union bpf_attr a;
      memset(&a, 0, sizeof a);
      a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
      a.insns = (uint64_t) (uintptr_t) p;
      a.insn_cnt = (uint32_t) len;
      a.license = (uint64_t) (uintptr_t) "GPL";
      int fd = (int) syscall(__NR_bpf, BPF_PROG_LOAD, &a, sizeof a);
      if (fd < 0 && (errno == EPERM || errno == ENOSYS))
        {
          kernel_ok = false;
          printf("ok %d - # SKIP loading device programs needs CAP_BPF or CAP_SYS_ADMIN\n",
                 ++count);
        }
      else
        {
          CHECK(fd >= 0, "%s: the kernel's verifier accepts the program (%zu insns): %s", name,
                len, fd < 0 ? strerror(errno) : "ok");
          if (fd >= 0)
            close(fd);
        }
    }
  free(p);
}

int
main(void)
{
  /* runc's default list: deny all, then the usual devices */
  oci_device_cgroup dflt[] = {
    DENY_ALL,
    RULE(true, "c", -1, -1, "m"),
    RULE(true, "b", -1, -1, "m"),
    RULE(true, "c", 1, 3, "rwm"),
    RULE(true, "c", 1, 5, "rwm"),
    RULE(true, "c", 136, -1, "rwm"),
    RULE(true, "c", 5, 2, "rwm"),
  };
  q qd[] = {
    { 'c', 1, 3, "r", 1 },    { 'c', 1, 3, "rw", 1 },  { 'c', 1, 3, "rwm", 1 },
    { 'c', 1, 7, "r", 0 },    { 'b', 8, 0, "r", 0 },   { 'b', 8, 0, "m", 1 },
    { 'c', 136, 4, "w", 1 },  { 'c', 5, 2, "rw", 1 },  { 'c', 5, 1, "w", 0 },
    { 'b', 1, 3, "r", 0 },
  };
  verify("default list", dflt, sizeof dflt / sizeof dflt[0], qd, sizeof qd / sizeof qd[0]);

  q qall[] = { { 'c', 1, 3, "rwm", 1 }, { 'b', 8, 0, "w", 1 } };
  verify("no rules: all allowed", NULL, 0, qall, 2);

  oci_device_cgroup partial[] = { RULE(false, "c", 1, 3, "w") };
  q qp[] = { { 'c', 1, 3, "r", 1 }, { 'c', 1, 3, "w", 0 }, { 'c', 1, 3, "rw", 0 },
             { 'c', 1, 4, "w", 1 } };
  verify("deny write only", partial, 1, qp, 4);

  oci_device_cgroup split[] = { DENY_ALL, RULE(true, "c", 1, 3, "r"), RULE(true, "c", 1, 3, "w") };
  q qs[] = { { 'c', 1, 3, "rw", 1 }, { 'c', 1, 3, "m", 0 }, { 'c', 1, 3, "rwm", 0 } };
  verify("rights granted by two rules", split, 3, qs, 3);

  oci_device_cgroup typea[] = { DENY_ALL, { .allow = true, .type = "a", .major = 1,
                                            .has_major = true, .access = "r" } };
  q qa[] = { { 'c', 1, 9, "r", 1 }, { 'b', 1, 9, "r", 1 }, { 'c', 1, 9, "w", 0 },
             { 'c', 2, 9, "r", 0 } };
  verify("type a with a major matches c and b", typea, 2, qa, 4);

  oci_device_cgroup later[] = { RULE(true, "c", 1, 3, "rwm"), DENY_ALL };
  q ql[] = { { 'c', 1, 3, "r", 0 } };
  verify("a later deny-all overrides", later, 2, ql, 1);

  oci_device_cgroup reallow[] = { DENY_ALL, RULE(true, "c", 1, 3, "rwm"), RULE(false, "c", 1, 3, "m") };
  q qr[] = { { 'c', 1, 3, "rw", 1 }, { 'c', 1, 3, "m", 0 }, { 'c', 1, 3, "rm", 0 } };
  verify("a later narrower deny", reallow, 3, qr, 3);

  /* rules before the last deny-all are dropped from the program */
  struct bpf_insn *p1 = NULL, *p2 = NULL;
  size_t l1 = 0, l2 = 0;
  clawrt_error e = { 0 };
  oci_device_cgroup one[] = { DENY_ALL };
  cg_devices_bpf_build(later, 2, &p1, &l1, &e);
  cg_devices_bpf_build(one, 1, &p2, &l2, &e);
  CHECK(l1 == l2 && l1 > 0, "rules shadowed by a later \"a *:* rwm\" cost nothing (%zu == %zu)",
        l1, l2);
  free(p1);
  free(p2);

  /* the effective list: spec rules, the runtime's own /dev nodes, linux.devices */
  oci_device_cgroup spec[] = { DENY_ALL };
  oci_device devs[] = { { .type = "c", .path = "/dev/net/tun", .major = 10, .has_major = true,
                          .minor = 200, .has_minor = true },
                        { .type = "p", .path = "/dev/fifo" },
                        { .type = "b", .path = "/dev/sda", .major = 8, .has_major = true,
                          .minor = 0, .has_minor = true } };
  oci_device_cgroup *eff = NULL;
  size_t neff = 0;
  cgroup_device_rules(spec, 1, devs, 3, &eff, &neff);
  CHECK(neff == 1 + 11 + 2, "spec rule + 11 defaults + 2 nodes (the fifo needs none): %zu", neff);
  q qe[] = { { 'c', 1, 3, "rw", 1 },   { 'c', 1, 9, "r", 1 },  { 'c', 136, 7, "rw", 1 },
             { 'c', 10, 200, "rw", 1 }, { 'b', 8, 0, "rw", 1 }, { 'b', 8, 1, "r", 0 },
             { 'c', 4, 1, "r", 0 },    { 'b', 9, 9, "m", 1 },  { 'c', 1, 4, "rw", 0 } };
  verify("effective rules", eff, neff, qe, sizeof qe / sizeof qe[0]);
  free(eff);

  CHECK(cg_devices_check(&(oci_device_cgroup){ .allow = true, .type = "c", .major = -2, .has_major = true }, 1, &e) < 0,
        "major -2 refused");
  clawrt_error_clear(&e);
  CHECK(cg_devices_check(&(oci_device_cgroup){ .allow = true, .access = "" }, 1, &e) < 0,
        "empty access refused");
  clawrt_error_clear(&e);
  printf("1..%d\n", count);
  return failures ? 1 : 0;
}
