/* sched: validation messages, cpu lists, and personality / scheduler /
 * ioprio / affinity / oom_score_adj applied in forked children; user's HOME
 * lookup; the LSM helpers' behaviour on a host without SELinux/AppArmor.
 * TAP output. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "linux/lsm.h"
#include "linux/procfs.h"
#include "linux/sched.h"
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
bad_process(const oci_process *p, const oci_linux *l, const char *want, const char *what)
{
  clawrt_error err = { 0 };
  int r = sched_validate(p, l, "config.json", &err);
  CHECK(r == -1 && err.msg && strstr(err.msg, want), "%s: %s", what,
        err.msg ? err.msg : "(accepted)");
  clawrt_error_clear(&err);
}

static void
test_validate(void)
{
  clawrt_error err = { 0 };
  CHECK(sched_validate(NULL, NULL, "config.json", &err) == 0, "nothing to check");
  oci_scheduler s = { .policy = "SCHED_FIFO", .priority = 10, .has_priority = true,
                      .flags = STRV("SCHED_FLAG_RESET_ON_FORK") };
  oci_io_priority io = { .class_ = "IOPRIO_CLASS_BE", .priority = 3 };
  oci_cpu_affinity aff = { .initial = "0", .final = "0-1" };
  oci_process p = { .scheduler = &s, .io_priority = &io, .exec_cpu_affinity = &aff,
                    .oom_score_adj = 500, .has_oom_score_adj = true };
  oci_personality per = { .domain = "LINUX32" };
  oci_linux l = { .personality = &per };
  CHECK(sched_validate(&p, &l, "config.json", &err) == 0, "valid attributes pass (%s)",
        err.msg ? err.msg : "");
  clawrt_error_clear(&err);

  s.policy = "SCHED_FOO";
  bad_process(&p, NULL, "config.json: process.scheduler.policy: unknown policy \"SCHED_FOO\"",
              "unknown policy");
  s.policy = "SCHED_FIFO";
  s.priority = 0;
  bad_process(&p, NULL, "SCHED_FIFO needs a priority in 1..99, got 0", "FIFO priority 0");
  s.policy = "SCHED_OTHER";
  s.priority = 5;
  bad_process(&p, NULL, "only SCHED_FIFO and SCHED_RR take a priority", "OTHER with priority");
  s.priority = 0;
  s.nice = 20;
  s.has_nice = true;
  bad_process(&p, NULL, "process.scheduler.nice: 20 is outside -20..19", "nice 20");
  s.nice = 0;
  s.flags = STRV("SCHED_FLAG_BOGUS");
  bad_process(&p, NULL, "process.scheduler.flags[0]: unknown flag \"SCHED_FLAG_BOGUS\"",
              "unknown scheduler flag");
  s.flags = (oci_strv) { 0 };
  s.runtime = 10;
  s.has_runtime = true;
  bad_process(&p, NULL, "runtime, deadline and period are for SCHED_DEADLINE only",
              "runtime with SCHED_OTHER");
  s.policy = "SCHED_DEADLINE";
  s.runtime = 2000000;
  s.deadline = 1000000;
  s.has_deadline = true;
  bad_process(&p, NULL, "SCHED_DEADLINE needs runtime <= deadline <= period",
              "runtime above deadline");
  s.policy = "SCHED_OTHER";
  s.runtime = s.deadline = 0;

  io.class_ = "IOPRIO_CLASS_NONE";
  bad_process(&p, NULL, "process.ioPriority.class: unknown class \"IOPRIO_CLASS_NONE\"",
              "unknown io class");
  io.class_ = "IOPRIO_CLASS_BE";
  io.priority = 8;
  bad_process(&p, NULL, "process.ioPriority.priority: 8 is outside 0..7", "io priority 8");
  io.priority = 0;
  aff.final = "3-1";
  bad_process(&p, NULL, "config.json: process.execCPUAffinity.final: cpu list \"3-1\": range "
              "3-1 is backwards", "backwards cpu range");
  aff.final = "";
  p.oom_score_adj = -1001;
  bad_process(&p, NULL, "process.oomScoreAdj: -1001 is outside -1000..1000", "oomScoreAdj");
  p.oom_score_adj = 0;
  per.domain = "LINUX64";
  bad_process(&p, &l, "config.json: linux.personality.domain: unknown domain \"LINUX64\"",
              "unknown personality domain");
  per.domain = "LINUX";
  per.flags = STRV("ADDR_NO_RANDOMIZE");
  bad_process(&p, &l, "linux.personality.flags[0]: unknown flag \"ADDR_NO_RANDOMIZE\"",
              "personality flags");
}

static void
test_cpulist(void)
{
  static const struct { const char *in; const char *cpus; } ok[] = {
    { "0", "0" }, { "0-3,7", "0,1,2,3,7" }, { "5,2", "2,5" }, { "1-1", "1" },
    { "1023", "1023" },
  };
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
    {
      cpu_set_t set;
      clawrt_error err = { 0 };
      char got[128] = "";
      int r = cpulist_parse(ok[i].in, &set, &err);
      for (int c = 0; r == 0 && c < CPU_SETSIZE; c++)
        if (CPU_ISSET(c, &set))
          snprintf(got + strlen(got), sizeof got - strlen(got), "%s%d", got[0] ? "," : "", c);
      CHECK(r == 0 && strcmp(got, ok[i].cpus) == 0, "cpu list \"%s\" -> %s", ok[i].in, got);
    }
  const char *bad[] = { "", "a", "1-", "-1", "1,,2", "1,", "0-3 ", "1024", "3-1", "1:2" };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    {
      cpu_set_t set;
      clawrt_error err = { 0 };
      CHECK(cpulist_parse(bad[i], &set, &err) == -1 && err.msg, "cpu list \"%s\" refused: %s",
            bad[i], err.msg ? err.msg : "(accepted)");
      clawrt_error_clear(&err);
    }
}

/* Run fn in a child; its exit status. */
static int
in_child(int (*fn)(void))
{
  pid_t pid = fork();
  if (pid == 0)
    _exit(fn());
  int st;
  waitpid(pid, &st, 0);
  return WIFEXITED(st) ? WEXITSTATUS(st) : 200;
}

static int
child_personality(void)
{
  oci_personality p = { .domain = "LINUX32" };
  clawrt_error err = { 0 };
  if (personality_apply(&p, &err) < 0)
    return 1;
  struct utsname u;
  uname(&u);
  /* x86_64 shows i686 under PER_LINUX32, aarch64 shows armv8l */
  if (strcmp(u.machine, "x86_64") == 0 || strcmp(u.machine, "aarch64") == 0)
    return 2;
  if ((personality(0xffffffff) & PER_MASK) != PER_LINUX32)
    return 3;
  return 0;
}

static int
child_scheduler(void)
{
  clawrt_error err = { 0 };
  oci_scheduler b = { .policy = "SCHED_BATCH", .nice = 7, .has_nice = true };
  if (scheduler_apply(&b, &err) < 0)
    return 1;
  if (sched_getscheduler(0) != SCHED_BATCH)
    return 2;
  errno = 0;
  if (getpriority(PRIO_PROCESS, 0) != 7)
    return 3;
  oci_scheduler rr = { .policy = "SCHED_RR", .priority = 3, .has_priority = true,
                       .flags = STRV("SCHED_FLAG_RESET_ON_FORK") };
  if (scheduler_apply(&rr, &err) < 0)
    return 4;
  struct sched_param sp;
  if ((sched_getscheduler(0) & ~SCHED_RESET_ON_FORK) != SCHED_RR || sched_getparam(0, &sp) < 0
      || sp.sched_priority != 3)
    return 5;
  return 0;
}

static int
child_ioprio(void)
{
  clawrt_error err = { 0 };
  oci_io_priority io = { .class_ = "IOPRIO_CLASS_IDLE", .priority = 0 };
  if (iopriority_apply(&io, &err) < 0)
    return 1;
  long v = syscall(SYS_ioprio_get, 1, 0);
  if (v < 0 || (v >> 13) != 3)
    return 2;
  oci_io_priority be = { .class_ = "IOPRIO_CLASS_BE", .priority = 6 };
  if (iopriority_apply(&be, &err) < 0)
    return 3;
  v = syscall(SYS_ioprio_get, 1, 0);
  return v == ((2 << 13) | 6) ? 0 : 4;
}

static int
child_affinity(void)
{
  clawrt_error err = { 0 };
  if (cpu_affinity_apply("0", &err) < 0)
    return 1;
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) < 0 || CPU_COUNT(&set) != 1 || !CPU_ISSET(0, &set))
    return 2;
  if (cpu_affinity_apply("", &err) < 0)  /* empty: left alone */
    return 3;
  return 0;
}

static int
child_oom(void)
{
  clawrt_error err = { 0 };
  int proc = procfs_open_root(AT_FDCWD, "/proc", &err);
  if (proc < 0)
    return 1;
  if (oom_score_adj_apply(proc, getpid(), 300, &err) < 0)
    return 2;
  if (oom_score_adj_apply(proc, 0, 400, &err) < 0)
    return 3;
  char rel[32], *v = NULL;
  snprintf(rel, sizeof rel, "%d/oom_score_adj", (int) getpid());
  if (procfs_read_at(proc, rel, 16, &v, &err) < 0 || atoi(v) != 400)
    return 4;
  free(v);
  /* lowering below what we had needs CAP_SYS_RESOURCE, which the error says */
  if (oom_score_adj_apply(proc, 0, -500, &err) == 0)
    return 0;  /* the host grants CAP_SYS_RESOURCE */
  return strstr(err.msg, "needs CAP_SYS_RESOURCE") ? 0 : 5;
}

static void
test_apply(void)
{
  int r = in_child(child_personality);
  CHECK(r == 0, "personality LINUX32 shows a 32-bit machine (exit %d)", r);
  if (geteuid() == 0)
    {
      r = in_child(child_scheduler);
      CHECK(r == 0, "scheduler SCHED_BATCH nice 7, then SCHED_RR priority 3 (exit %d)", r);
    }
  else
    printf("ok %d - # SKIP SCHED_RR needs CAP_SYS_NICE\n", ++count);
  r = in_child(child_ioprio);
  CHECK(r == 0, "ioprio IDLE then BE/6 (exit %d)", r);
  r = in_child(child_affinity);
  CHECK(r == 0, "cpu affinity \"0\" (exit %d)", r);
  r = in_child(child_oom);
  CHECK(r == 0, "oom_score_adj by pid and thread-self (exit %d)", r);
}

static void
test_user_home(void)
{
  const char pw[] = "root:x:0:0:root:/root:/bin/sh\n"
                    "broken line\n"
                    "daemon:x:1:1::/usr/sbin:/usr/sbin/nologin\n"
                    "nohome:x:5:5:::/bin/sh\n"
                    "app:x:1000:1000:App:/home/app:/bin/sh";
  static const struct { uid_t uid; const char *home; } t[] = {
    { 0, "/root" }, { 1, "/usr/sbin" }, { 1000, "/home/app" }, { 5, "/" }, { 4242, "/" },
  };
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
    {
      char *h = user_home_from_passwd(pw, sizeof pw - 1, t[i].uid);
      CHECK(strcmp(h, t[i].home) == 0, "HOME of uid %u: %s", (unsigned) t[i].uid, h);
      free(h);
    }

  char dir[] = "/tmp/clawrt-test-user.XXXXXX";
  if (mkdtemp(dir) == NULL)
    return;
  char path[256];
  snprintf(path, sizeof path, "%s/etc", dir);
  mkdir(path, 0755);
  snprintf(path, sizeof path, "%s/etc/passwd", dir);
  FILE *f = fopen(path, "we");
  if (f)
    {
      fputs(pw, f);
      fclose(f);
    }
  int root = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  char *h = NULL;
  clawrt_error err = { 0 };
  CHECK(user_home_lookup(root, 1000, &h, &err) == 0 && strcmp(h, "/home/app") == 0,
        "user_home_lookup through the root fd: %s", h ? h : err.msg);
  free(h);
  unlink(path);
  /* a symlink to an absolute path resolves inside the root: a host file
   * of that name must not be read */
  char host[] = "/tmp/clawrt-test-hostpw.XXXXXX";
  int hfd = mkstemp(host);
  if (hfd >= 0 && write(hfd, "root:x:0:0::/hostroot:/bin/sh\n", 30) == 30
      && symlink(host, path) == 0)
    {
      h = NULL;
      int r = user_home_lookup(root, 0, &h, &err);
      CHECK(r == 0 && strcmp(h, "/") == 0, "an absolute symlink resolves inside the root, not "
            "to the host's %s (%s)", host, r == 0 ? h : err.msg);
      free(h);
      clawrt_error_clear(&err);
      unlink(path);
    }
  if (hfd >= 0)
    {
      close(hfd);
      unlink(host);
    }
  snprintf(path, sizeof path, "%s/etc", dir);
  rmdir(path);
  h = NULL;
  CHECK(user_home_lookup(root, 0, &h, &err) == 0 && strcmp(h, "/") == 0,
        "no /etc/passwd gives \"/\"");
  free(h);
  close(root);
  rmdir(dir);
}

static void
test_lsm(void)
{
  clawrt_error err = { 0 };
  if (!selinux_is_enabled())
    {
      CHECK(selinux_set_exec_label("system_u:system_r:container_t:s0", &err) == 0,
            "SELinux disabled: exec label is a no-op");
      char *d = NULL;
      CHECK(selinux_mount_data("mode=755", "system_u:object_r:container_file_t:s0:c1,c2", &d,
                               &err) == 0 && strcmp(d, "mode=755") == 0,
            "SELinux disabled: mount data unchanged (%s)", d);
      free(d);
    }
  else
    printf("ok %d - # SKIP SELinux is enabled on this host\n", ++count);
  if (!apparmor_is_enabled())
    {
      CHECK(apparmor_set_exec_profile("docker-default", &err) == -1
            && strstr(err.msg, "AppArmor is not enabled on this host"),
            "AppArmor absent: asking for a profile fails: %s", err.msg);
      clawrt_error_clear(&err);
    }
  else
    printf("ok %d - # SKIP AppArmor is enabled on this host\n", ++count);
  CHECK(apparmor_set_exec_profile("", &err) == 0 && apparmor_set_exec_profile(NULL, &err) == 0,
        "no profile asked: no-op");

  oci_process p = { .selinux_label = "system_u:system_r:container_t:s0" };
  oci_linux l = { .mount_label = "system_u:object_r:container_file_t:s0" };
  oci_process none = { 0 };
  CHECK(lsm_validate(&none, &(oci_linux) { 0 }, "config.json", &err) == 0, "no labels: valid");
  if (!selinux_is_enabled())
    {
      CHECK(lsm_validate(&p, NULL, "config.json", &err) == -1
            && strstr(err.msg, "config.json: process.selinuxLabel: SELinux is disabled"),
            "selinuxLabel without SELinux refused: %s", err.msg);
      clawrt_error_clear(&err);
      /* not applied without SELinux, and not refused (see lsm.c) */
      CHECK(lsm_validate(&none, &l, "config.json", &err) == 0,
            "mountLabel without SELinux accepted: %s", err.msg ? err.msg : "");
      clawrt_error_clear(&err);
    }
  if (!apparmor_is_enabled())
    {
      oci_process a = { .apparmor_profile = "docker-default" };
      CHECK(lsm_validate(&a, NULL, "config.json", &err) == -1
            && strstr(err.msg, "process.apparmorProfile \"docker-default\": AppArmor is not"),
            "apparmorProfile without AppArmor refused: %s", err.msg);
      clawrt_error_clear(&err);
    }
}

int
main(void)
{
  test_validate();
  test_cpulist();
  test_apply();
  test_user_home();
  test_lsm();
  printf("1..%d\n", count);
  return failures ? 1 : 0;
}
