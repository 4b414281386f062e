#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <seccomp.h>
#include <string.h>

#include "seccomp.h"
#include "seccomp_internal.h"
#include "util.h"

/* The names the runtime-spec lists (config-linux.md, as of libseccomp
 * 2.6), each mapped to what this build can do with it. */

static const char *const action_names[] = {
  "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP",
  "SCMP_ACT_ERRNO", "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY",
};
static const seccomp_action_kind action_kinds[] = {
  SECCOMP_ACTION_KILL_THREAD, SECCOMP_ACTION_KILL_PROCESS, SECCOMP_ACTION_KILL_THREAD,
  SECCOMP_ACTION_TRAP, SECCOMP_ACTION_ERRNO, SECCOMP_ACTION_TRACE, SECCOMP_ACTION_ALLOW,
  SECCOMP_ACTION_LOG, SECCOMP_ACTION_NOTIFY,
};

static const char *const operator_names[] = {
  "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT",
  "SCMP_CMP_MASKED_EQ",
};
static const int operator_values[] = {
  SCMP_CMP_NE, SCMP_CMP_LT, SCMP_CMP_LE, SCMP_CMP_EQ, SCMP_CMP_GE, SCMP_CMP_GT,
  SCMP_CMP_MASKED_EQ,
};

#ifndef SCMP_ARCH_LOONGARCH64
#define SCMP_ARCH_LOONGARCH64 0
#endif
#ifndef SCMP_ARCH_M68K
#define SCMP_ARCH_M68K 0
#endif
#ifndef SCMP_ARCH_SH
#define SCMP_ARCH_SH 0
#endif
#ifndef SCMP_ARCH_SHEB
#define SCMP_ARCH_SHEB 0
#endif

static const char *const arch_names[] = {
  "SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32", "SCMP_ARCH_ARM", "SCMP_ARCH_AARCH64",
  "SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL",
  "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC", "SCMP_ARCH_PPC64",
  "SCMP_ARCH_PPC64LE", "SCMP_ARCH_S390", "SCMP_ARCH_S390X", "SCMP_ARCH_PARISC",
  "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64", "SCMP_ARCH_LOONGARCH64", "SCMP_ARCH_M68K",
  "SCMP_ARCH_SH", "SCMP_ARCH_SHEB",
};
static const uint32_t arch_tokens[] = {
  SCMP_ARCH_X86, SCMP_ARCH_X86_64, SCMP_ARCH_X32, SCMP_ARCH_ARM, SCMP_ARCH_AARCH64,
  SCMP_ARCH_MIPS, SCMP_ARCH_MIPS64, SCMP_ARCH_MIPS64N32, SCMP_ARCH_MIPSEL,
  SCMP_ARCH_MIPSEL64, SCMP_ARCH_MIPSEL64N32, SCMP_ARCH_PPC, SCMP_ARCH_PPC64,
  SCMP_ARCH_PPC64LE, SCMP_ARCH_S390, SCMP_ARCH_S390X, SCMP_ARCH_PARISC,
  SCMP_ARCH_PARISC64, SCMP_ARCH_RISCV64, SCMP_ARCH_LOONGARCH64, SCMP_ARCH_M68K,
  SCMP_ARCH_SH, SCMP_ARCH_SHEB,
};

/* The kernel's values (uapi linux/seccomp.h), for kernels newer than the
 * headers of the build host. */
static const char *const flag_names[] = {
  "SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
  "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
};
static const unsigned int flag_bits[] = { 1u << 0, 1u << 1, 1u << 2, 1u << 5 };

#define N(a) (sizeof(a) / sizeof((a)[0]))

static int
index_of(const char *const *names, size_t n, const char *name)
{
  for (size_t i = 0; name && i < n; i++)
    if (strcmp(names[i], name) == 0)
      return (int) i;
  return -1;
}

int
seccomp_action_from_name(const char *name)
{
  int i = index_of(action_names, N(action_names), name);
  return i < 0 ? -1 : (int) action_kinds[i];
}

int
seccomp_operator_from_name(const char *name)
{
  int i = index_of(operator_names, N(operator_names), name);
  return i < 0 ? -1 : operator_values[i];
}

int64_t
seccomp_arch_from_name(const char *name)
{
  int i = index_of(arch_names, N(arch_names), name);
  return i < 0 ? -1 : (int64_t) arch_tokens[i];
}

unsigned int
seccomp_flag_from_name(const char *name)
{
  int i = index_of(flag_names, N(flag_names), name);
  return i < 0 ? (unsigned int) -1 : flag_bits[i];
}

const char *const *
seccomp_known_actions(size_t *n)
{
  *n = N(action_names);
  return action_names;
}

const char *const *
seccomp_known_operators(size_t *n)
{
  *n = N(operator_names);
  return operator_names;
}

const char *const *
seccomp_known_archs(size_t *n)
{
  *n = N(arch_names);
  return arch_names;
}

const char *const *
seccomp_known_flags(size_t *n)
{
  *n = N(flag_names);
  return flag_names;
}

char **
seccomp_supported_archs(void)
{
  char **v = xmalloc0((N(arch_names) + 1) * sizeof *v);
  size_t k = 0;
  for (size_t i = 0; i < N(arch_names); i++)
    if (arch_tokens[i] != 0)
      v[k++] = xstrdup(arch_names[i]);
  return v;
}
