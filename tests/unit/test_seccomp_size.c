/* seccomp_rules_min_insns: the lower bound that lets a profile too big for
 * the kernel be refused before libseccomp compiles it, and seccomp_compile
 * refusing such a profile with E2BIG while one just under the bound still
 * compiles. TAP output. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>

#include "linux/seccomp.h"
#include "linux/seccomp_internal.h"
#include "tap.h"
#include "util.h"

static seccomp_rule
rule(int nr, unsigned int ncmp, uint64_t v0, uint64_t v1)
{
  seccomp_rule r = { .nr = nr, .act = SCMP_ACT_ERRNO(1), .ncmp = ncmp };
  if (ncmp > 0)
    r.cmp[0] = (struct scmp_arg_cmp) { .arg = 0, .op = SCMP_CMP_EQ, .datum_a = v0 };
  if (ncmp > 1)
    r.cmp[1] = (struct scmp_arg_cmp) { .arg = 1, .op = SCMP_CMP_EQ, .datum_a = v1 };
  return r;
}

static void
test_bound(void)
{
  CHECK(seccomp_rules_min_insns(NULL, 0) == 0, "no rules: nothing");

  seccomp_rule a[] = { rule(1, 0, 0, 0), rule(2, 0, 0, 0), rule(1, 0, 0, 0) };
  CHECK(seccomp_rules_min_insns(a, 3) == 2, "unconditional rules: one per distinct syscall");

  seccomp_rule b[] = { rule(1, 1, 5, 0), rule(1, 1, 6, 0), rule(1, 1, 5, 0) };
  CHECK(seccomp_rules_min_insns(b, 3) == 3, "conditions: the syscall plus each distinct one");

  seccomp_rule c[] = { rule(1, 1, 5, 0), rule(1, 0, 0, 0), rule(1, 1, 6, 0) };
  CHECK(seccomp_rules_min_insns(c, 3) == 1,
        "conditions on a syscall that also has an unconditional rule count nothing");

  /* the same AND of conditions written in two orders is one rule */
  seccomp_rule d[2] = { rule(3, 2, 7, 8), rule(3, 2, 7, 8) };
  struct scmp_arg_cmp t = d[1].cmp[0];
  d[1].cmp[0] = d[1].cmp[1];
  d[1].cmp[1] = t;
  CHECK(seccomp_rules_min_insns(d, 2) == 2, "conditions in another order: the same rule");

  seccomp_rule e[] = { rule(4, 1, 9, 0), rule(4, 1, 9, 0) };
  e[1].act = SCMP_ACT_KILL;
  CHECK(seccomp_rules_min_insns(e, 2) == 2, "the action does not make a rule distinct");

  size_t n = 10000;
  seccomp_rule *many = xmalloc0(n * sizeof *many);
  for (size_t k = 0; k < n; k++)
    many[k] = rule(5, 1, k % 100, 0);
  CHECK(seccomp_rules_min_insns(many, n) == 101, "10000 rules with 100 distinct values: 101");
  free(many);
}

/* `n` rules on getpid, each with its own argument value */
static int
compile_n(size_t n, clawrt_error *err, size_t *len)
{
  oci_syscall *sc = xmalloc0(n * sizeof *sc);
  oci_seccomp_arg *args = xmalloc0(n * sizeof *args);
  char *names[] = { (char *) "getpid", NULL };
  for (size_t k = 0; k < n; k++)
    {
      args[k] = (oci_seccomp_arg) { .index = 0, .value = k, .op = (char *) "SCMP_CMP_EQ" };
      sc[k] = (oci_syscall) { .names = { .v = names, .len = 1 }, .action = (char *) "SCMP_ACT_ERRNO",
                              .args = &args[k], .args_len = 1 };
    }
  oci_seccomp s = { .default_action = (char *) "SCMP_ACT_ALLOW", .syscalls = sc,
                    .syscalls_len = n };
  seccomp_program *p = NULL;
  int r = seccomp_compile(&s, "config.json", &p, err);
  if (r == 0)
    *len = seccomp_program_len(p);
  seccomp_program_free(p);
  free(args);
  free(sc);
  return r;
}

static void
test_compile(void)
{
  clawrt_error err = { 0 };
  size_t len = 0;
  uint64_t t0 = now_ns();
  int r = compile_n(50000, &err, &len);
  uint64_t ms = (now_ns() - t0) / 1000000;
  CHECK(r < 0 && err.errnum == E2BIG, "50000 conditional rules: E2BIG (%s)", err.msg);
  CHECK(strstr(err.msg, "config.json: linux.seccomp: 50000 rules need at least 50001 BPF "
                        "instructions, above the kernel's limit of 4096") != NULL,
        "the error names the field and the figures");
  /* not a timing assertion: the figure is printed for the log */
  printf("# refused in %llu ms\n", (unsigned long long) ms);
  clawrt_error_clear(&err);

  CHECK(compile_n(1000, &err, &len) == 0 && len > 1000, "1000 conditional rules compile (%zu "
        "instructions)", len);
  clawrt_error_clear(&err);
}

int
main(void)
{
  test_bound();
  test_compile();
  return tap_done();
}
