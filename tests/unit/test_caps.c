/* caps: name <-> number for every capability, validation messages, masks,
 * and caps_apply/user_apply in a forked child checked through
 * /proc/self/status. */
#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "linux/caps.h"
#include "linux/user.h"
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

#define STRV(...) ((oci_strv) { .v = (char *[]) { __VA_ARGS__, NULL }, \
                               .len = sizeof((char *[]) { __VA_ARGS__ }) / sizeof(char *) })

static void
test_names(void)
{
  for (int i = 0; i <= CAPS_MAX_KNOWN; i++)
    {
      const char *n = caps_to_name(i);
      CHECK(n != NULL && strncmp(n, "CAP_", 4) == 0 && caps_from_name(n) == i,
            "capability %d <-> %s", i, n ? n : "(null)");
    }
  /* a few against the kernel header, so the table cannot be shifted */
  CHECK(caps_from_name("CAP_CHOWN") == CAP_CHOWN, "CAP_CHOWN");
  CHECK(caps_from_name("CAP_SYS_ADMIN") == CAP_SYS_ADMIN, "CAP_SYS_ADMIN");
  CHECK(caps_from_name("CAP_SETFCAP") == CAP_SETFCAP, "CAP_SETFCAP");
  CHECK(caps_from_name("CAP_AUDIT_READ") == CAP_AUDIT_READ, "CAP_AUDIT_READ");
  CHECK(caps_from_name("CAP_CHECKPOINT_RESTORE") == CAP_CHECKPOINT_RESTORE,
        "CAP_CHECKPOINT_RESTORE");
  CHECK(caps_from_name("CAP_FOO") == -1, "unknown name");
  CHECK(caps_from_name("cap_chown") == -1, "lower case is not a capability name");
  CHECK(caps_from_name("CHOWN") == -1, "name without CAP_");
  CHECK(caps_from_name(NULL) == -1, "NULL name");
  CHECK(caps_to_name(CAPS_MAX_KNOWN + 1) == NULL && caps_to_name(-1) == NULL,
        "numbers out of range have no name");

  FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
  int last = -1;
  if (f)
    {
      if (fscanf(f, "%d", &last) != 1)
        last = -1;
      fclose(f);
    }
  CHECK(caps_last_cap() == last, "caps_last_cap() %d == /proc/sys/kernel/cap_last_cap %d",
        caps_last_cap(), last);
}

static void
test_validate(void)
{
  oci_capabilities c = { 0 };
  c.bounding = STRV("CAP_CHOWN", "CAP_KILL", "CAP_NET_RAW", "CAP_FOO");
  clawrt_error err = { 0 };
  CHECK(caps_validate(&c, "config.json", &err) == -1, "unknown bounding capability refused");
  CHECK(err.msg && strcmp(err.msg, "config.json: process.capabilities.bounding[3]: unknown "
                          "capability \"CAP_FOO\" (names are as in capabilities(7), e.g. "
                          "\"CAP_NET_ADMIN\")") == 0, "message: %s", err.msg);
  clawrt_error_clear(&err);

  oci_capabilities a = { 0 };
  a.ambient = STRV("CAP_KILL", "cap_kill");
  CHECK(caps_validate(&a, "bundle/config.json", &err) == -1
        && strstr(err.msg, "bundle/config.json: process.capabilities.ambient[1]: unknown "
                  "capability \"cap_kill\"") != NULL, "ambient path in message: %s", err.msg);
  clawrt_error_clear(&err);

  CHECK(caps_validate(NULL, "config.json", &err) == 0, "absent capabilities are valid");

  oci_capabilities ok = { 0 };
  ok.effective = STRV("CAP_CHOWN", "CAP_KILL");
  ok.permitted = STRV("CAP_CHOWN", "CAP_KILL", "CAP_SYS_ADMIN");
  CHECK(caps_validate(&ok, "config.json", &err) == 0, "known names pass");
  caps_sets s;
  CHECK(caps_compile(&ok, &s, &err) == 0 && s.effective == 0x21
        && s.permitted == (0x21 | (1ull << 21)) && s.bounding == 0 && s.ambient == 0,
        "compile: effective %llx permitted %llx", (unsigned long long) s.effective,
        (unsigned long long) s.permitted);
  CHECK(caps_compile(NULL, &s, &err) == 0
        && (s.bounding | s.effective | s.inheritable | s.permitted | s.ambient) == 0,
        "absent capabilities object compiles to empty sets");
  char buf[17];
  caps_format_mask(0x1ffffffffffull, buf);
  CHECK(strcmp(buf, "000001ffffffffff") == 0, "mask formatted like /proc: %s", buf);
}

/* The value of "Field:\t%llx" in /proc/self/status. */
static unsigned long long
status_mask(const char *field)
{
  FILE *f = fopen("/proc/self/status", "re");
  char line[256];
  unsigned long long v = ~0ull;
  size_t n = strlen(field);
  while (f && fgets(line, sizeof line, f))
    if (strncmp(line, field, n) == 0 && line[n] == ':')
      v = strtoull(line + n + 1, NULL, 16);
  if (f)
    fclose(f);
  return v;
}

/* Child: optionally switch user, apply caps, report the five sets through a
 * pipe. */
static int
apply_in_child(const oci_capabilities *c, const oci_user *u, unsigned long long got[5],
               char *msg, size_t msglen)
{
  int p[2];
  if (pipe(p) < 0)
    return -1;
  pid_t pid = fork();
  if (pid == 0)
    {
      close(p[0]);
      clawrt_error err = { 0 };
      unsigned long long v[5] = { 0 };
      char m[256] = "";
      if (u && user_apply(u, true, &err) < 0)
        snprintf(m, sizeof m, "user_apply: %s", err.msg);
      else if (caps_apply(c, &err) < 0)
        snprintf(m, sizeof m, "caps_apply: %s (%s)", err.msg, strerror(err.errnum));
      else
        {
          v[0] = status_mask("CapBnd");
          v[1] = status_mask("CapEff");
          v[2] = status_mask("CapInh");
          v[3] = status_mask("CapPrm");
          v[4] = status_mask("CapAmb");
        }
      if (write(p[1], v, sizeof v) < 0 || write(p[1], m, sizeof m) < 0)
        _exit(2);
      _exit(0);
    }
  close(p[1]);
  ssize_t n1 = read_all(p[0], got, 5 * sizeof got[0]);
  char m[256];
  ssize_t n2 = read_all(p[0], m, sizeof m);
  close(p[0]);
  int st;
  waitpid(pid, &st, 0);
  snprintf(msg, msglen, "%s", n2 == (ssize_t) sizeof m ? m : "short read");
  return n1 == (ssize_t) (5 * sizeof got[0]) && msg[0] == '\0' ? 0 : -1;
}

static void
test_apply(void)
{
  if (geteuid() != 0 || prctl(PR_CAPBSET_READ, CAP_SETPCAP, 0, 0, 0) != 1)
    {
      printf("ok %d - # SKIP caps_apply needs root with CAP_SETPCAP\n", ++count);
      return;
    }
  oci_capabilities c = { 0 };
  c.bounding = STRV("CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE");
  c.effective = STRV("CAP_CHOWN", "CAP_KILL");
  c.permitted = STRV("CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE");
  c.inheritable = STRV("CAP_NET_BIND_SERVICE");
  c.ambient = STRV("CAP_NET_BIND_SERVICE");
  unsigned long long got[5];
  char msg[256];
  int r = apply_in_child(&c, NULL, got, msg, sizeof msg);
  unsigned long long nbs = 1ull << CAP_NET_BIND_SERVICE;
  CHECK(r == 0, "caps_apply as root: %s", msg);
  if (r == 0)
    {
      CHECK(got[0] == (0x21ull | nbs), "CapBnd %llx", got[0]);
      CHECK(got[1] == 0x21ull, "CapEff %llx", got[1]);
      CHECK(got[2] == nbs, "CapInh %llx", got[2]);
      CHECK(got[3] == (0x21ull | nbs), "CapPrm %llx", got[3]);
      CHECK(got[4] == nbs, "CapAmb %llx", got[4]);
    }

  /* after a switch to uid 1000 with keepcaps the same sets must come out */
  oci_user u = { .uid = 1000, .gid = 1000 };
  r = apply_in_child(&c, &u, got, msg, sizeof msg);
  CHECK(r == 0, "user_apply(1000) then caps_apply: %s", msg);
  if (r == 0)
    CHECK(got[0] == (0x21ull | nbs) && got[1] == 0x21ull && got[3] == (0x21ull | nbs)
          && got[4] == nbs, "non-root sets: bnd %llx eff %llx prm %llx amb %llx", got[0],
          got[1], got[3], got[4]);

  /* absent capabilities: everything empty */
  r = apply_in_child(NULL, &u, got, msg, sizeof msg);
  CHECK(r == 0 && got[0] == 0 && got[1] == 0 && got[2] == 0 && got[3] == 0 && got[4] == 0,
        "no capabilities object: all sets empty (%s)", msg);

  /* effective outside permitted is named */
  oci_capabilities bad = { 0 };
  bad.effective = STRV("CAP_KILL");
  r = apply_in_child(&bad, NULL, got, msg, sizeof msg);
  CHECK(r == -1 && strstr(msg, "CAP_KILL, which is not in permitted"), "%s", msg);
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
