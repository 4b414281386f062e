/* rlimits: every name both ways, validation messages, and setrlimit in a
 * forked child. TAP output. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "linux/rlimits.h"
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

static void
test_names(void)
{
  static const struct { const char *n; int v; } want[] = {
    { "RLIMIT_CPU", RLIMIT_CPU }, { "RLIMIT_FSIZE", RLIMIT_FSIZE },
    { "RLIMIT_DATA", RLIMIT_DATA }, { "RLIMIT_STACK", RLIMIT_STACK },
    { "RLIMIT_CORE", RLIMIT_CORE }, { "RLIMIT_RSS", RLIMIT_RSS },
    { "RLIMIT_NPROC", RLIMIT_NPROC }, { "RLIMIT_NOFILE", RLIMIT_NOFILE },
    { "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK }, { "RLIMIT_AS", RLIMIT_AS },
    { "RLIMIT_LOCKS", RLIMIT_LOCKS }, { "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING },
    { "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE }, { "RLIMIT_NICE", RLIMIT_NICE },
    { "RLIMIT_RTPRIO", RLIMIT_RTPRIO }, { "RLIMIT_RTTIME", RLIMIT_RTTIME },
  };
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
    CHECK(rlimit_from_name(want[i].n) == want[i].v && rlimit_to_name(want[i].v)
          && strcmp(rlimit_to_name(want[i].v), want[i].n) == 0, "%s <-> %d", want[i].n,
          want[i].v);
  size_t n;
  const char *const *all = rlimit_names(&n);
  bool every = n == sizeof want / sizeof want[0];
  for (size_t i = 0; every && i < n; i++)
    every = all[i] != NULL && rlimit_from_name(all[i]) == (int) i;
  CHECK(every, "rlimit_names lists all %zu limits in number order", n);
  CHECK(rlimit_from_name("RLIMIT_FOO") == -1 && rlimit_from_name("rlimit_nofile") == -1
        && rlimit_from_name("NOFILE") == -1 && rlimit_from_name(NULL) == -1, "unknown names");
  CHECK(rlimit_to_name(-1) == NULL && rlimit_to_name(RLIMIT_NLIMITS) == NULL,
        "out-of-range numbers");
}

static void
expect_invalid(const oci_rlimit *r, size_t n, const char *want, const char *what)
{
  clawrt_error err = { 0 };
  int rc = rlimits_validate(r, n, "config.json", &err);
  CHECK(rc == -1 && err.msg && strstr(err.msg, want) != NULL, "%s: %s", what,
        err.msg ? err.msg : "(accepted)");
  clawrt_error_clear(&err);
}

static void
test_validate(void)
{
  oci_rlimit ok[] = {
    { "RLIMIT_NOFILE", 1024, 4096 }, { "RLIMIT_CORE", 0, 0 },
    { "RLIMIT_STACK", UINT64_MAX, UINT64_MAX },
  };
  clawrt_error err = { 0 };
  CHECK(rlimits_validate(ok, 3, "config.json", &err) == 0, "valid rlimits pass");
  CHECK(rlimits_validate(NULL, 0, "config.json", &err) == 0, "no rlimits pass");

  oci_rlimit unknown[] = { { "RLIMIT_NOFILE", 1, 1 }, { "RLIMIT_FOO", 1, 1 } };
  expect_invalid(unknown, 2, "config.json: process.rlimits[1].type: unknown rlimit "
                 "\"RLIMIT_FOO\"", "unknown type");
  oci_rlimit dup[] = { { "RLIMIT_NOFILE", 1, 1 }, { "RLIMIT_CORE", 1, 1 },
                       { "RLIMIT_NOFILE", 2, 2 } };
  expect_invalid(dup, 3, "config.json: process.rlimits[2].type: duplicate RLIMIT_NOFILE "
                 "(first at process.rlimits[0])", "duplicate type");
  oci_rlimit inverted[] = { { "RLIMIT_NPROC", 10, 5 } };
  expect_invalid(inverted, 1, "config.json: process.rlimits[0]: soft limit 10 is above hard "
                 "limit 5", "soft above hard");
}

/* Apply in a child, report getrlimit of `res` or the error text. */
static void
apply_child(const oci_rlimit *r, size_t n, int res, struct rlimit *got, char *msg, size_t len)
{
  int p[2];
  if (pipe(p) < 0)
    return;
  pid_t pid = fork();
  if (pid == 0)
    {
      close(p[0]);
      clawrt_error err = { 0 };
      struct { struct rlimit rl; char m[512]; } out = { { 0, 0 }, "" };
      if (rlimits_apply(r, n, &err) < 0)
        snprintf(out.m, sizeof out.m, "%s", err.msg);
      else
        getrlimit(res, &out.rl);
      _exit(write(p[1], &out, sizeof out) == sizeof out ? 0 : 1);
    }
  close(p[1]);
  struct { struct rlimit rl; char m[512]; } in = { { 0, 0 }, "short read" };
  read_all(p[0], &in, sizeof in);
  close(p[0]);
  waitpid(pid, NULL, 0);
  *got = in.rl;
  snprintf(msg, len, "%s", in.m);
}

static bool
have_cap_sys_resource(void)
{
  FILE *f = fopen("/proc/self/status", "re");
  char line[256];
  unsigned long long eff = 0;
  while (f && fgets(line, sizeof line, f))
    if (strncmp(line, "CapEff:", 7) == 0)
      eff = strtoull(line + 7, NULL, 16);
  if (f)
    fclose(f);
  return eff & (1ull << 24);
}

static void
test_apply(void)
{
  struct rlimit cur;
  getrlimit(RLIMIT_NOFILE, &cur);
  struct rlimit got;
  char msg[512];
  rlim_t hard = cur.rlim_max > 512 ? 512 : cur.rlim_max;
  oci_rlimit lower[] = { { "RLIMIT_NOFILE", hard / 2, hard }, { "RLIMIT_CORE", 0, 0 } };
  apply_child(lower, 2, RLIMIT_NOFILE, &got, msg, sizeof msg);
  CHECK(msg[0] == '\0' && got.rlim_cur == hard / 2 && got.rlim_max == hard,
        "RLIMIT_NOFILE set to %llu/%llu (%s)", (unsigned long long) got.rlim_cur,
        (unsigned long long) got.rlim_max, msg);

  if (have_cap_sys_resource() || cur.rlim_max == RLIM_INFINITY)
    {
      printf("ok %d - # SKIP the runtime has CAP_SYS_RESOURCE: raising hard limits works\n",
             ++count);
      return;
    }
  oci_rlimit raise[] = { { "RLIMIT_CORE", 0, 0 },
                         { "RLIMIT_NOFILE", cur.rlim_max, cur.rlim_max + 1 } };
  apply_child(raise, 2, RLIMIT_NOFILE, &got, msg, sizeof msg);
  char want[256];
  snprintf(want, sizeof want, "process.rlimits[1]: RLIMIT_NOFILE hard limit %llu is above the "
           "current hard limit %llu, and raising it needs CAP_SYS_RESOURCE",
           (unsigned long long) cur.rlim_max + 1, (unsigned long long) cur.rlim_max);
  CHECK(strstr(msg, want) != NULL, "raising a hard limit without CAP_SYS_RESOURCE: %s", msg);
}

int
main(void)
{
  test_names();
  test_validate();
  test_apply();
  printf("1..%d\n", count);
  return failures ? 1 : 0;
}
