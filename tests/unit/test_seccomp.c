/* seccomp: compile small profiles and run them in forked children (errno,
 * errnoRet, defaultErrnoRet, MASKED_EQ with valueTwo, several args on one
 * rule, args sharing an index, KILL, NOTIFY with its listener and the
 * agent message), the strict layer stacked under a NOTIFY profile, and the
 * error messages of bad profiles. TAP output. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "linux/seccomp.h"
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

static char tmpdir[] = "/tmp/clawrt-test-seccomp.XXXXXX";

static seccomp_program *
compile_ok(const oci_seccomp *s, const char *what)
{
  seccomp_program *p = NULL;
  clawrt_error err = { 0 };
  int r = seccomp_compile(s, "config.json", &p, &err);
  CHECK(r == 0 && p != NULL && seccomp_program_len(p) > 0, "compile %s (%s)", what,
        err.msg ? err.msg : "ok");
  clawrt_error_clear(&err);
  return p;
}

static void
compile_bad(const oci_seccomp *s, const char *want, const char *what)
{
  seccomp_program *p = NULL;
  clawrt_error err = { 0 };
  int r = seccomp_compile(s, "config.json", &p, &err);
  CHECK(r == -1 && p == NULL && err.msg && strcmp(err.msg, want) == 0, "%s: %s", what,
        err.msg ? err.msg : "(accepted)");
  clawrt_error_clear(&err);
  seccomp_program_free(p);
}

/* Child: NNP, install p (and first `under` when given), run fn; exit code =
 * fn's result. */
typedef int (*probe_fn)(void);
static int
run_with(const seccomp_program *under, const seccomp_program *p, probe_fn fn)
{
  pid_t pid = fork();
  if (pid == 0)
    {
      clawrt_error err = { 0 };
      int lfd = -1;
      if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        _exit(100);
      if (under && seccomp_install(under, NULL, &err) < 0)
        _exit(101);
      if (seccomp_install(p, &lfd, &err) < 0)
        {
          fprintf(stderr, "# install: %s\n", err.msg);
          _exit(102);
        }
      _exit(fn());
    }
  int st;
  waitpid(pid, &st, 0);
  if (WIFSIGNALED(st))
    return 1000 + WTERMSIG(st);
  return WEXITSTATUS(st);
}

static char path_a[256], path_b[256];

static int
probe_mkdir(void)
{
  if (mkdir(path_a, 0700) == 0)
    return 0;
  return errno;
}

static int
probe_umask(void)
{
  /* through syscall(2): glibc's umask() cannot report an error */
  int bits = 0;
  if (syscall(SYS_umask, 0777) < 0 && errno == EXDEV)
    bits |= 1;  /* (0777 & 0700) == 0700: denied */
  if (syscall(SYS_umask, 0022) < 0)
    bits |= 2;  /* (0022 & 0700) == 0: allowed */
  if (syscall(SYS_umask, 0011) < 0 && errno == EXDEV)
    bits |= 4;
  return bits;
}

static int
probe_getpriority(void)
{
  int bits = 0;
  errno = 0;
  if (syscall(SYS_getpriority, PRIO_PROCESS, 99999999) < 0 && errno == EXFULL)
    bits |= 1;  /* both args match: denied with the rule's errno */
  errno = 0;
  if (syscall(SYS_getpriority, PRIO_PGRP, 99999999) < 0 && errno == ESRCH)
    bits |= 2;  /* only one matches: the kernel's own answer */
  errno = 0;
  if (syscall(SYS_getpriority, PRIO_PROCESS, 0) >= 0)
    bits |= 4;
  return bits;
}

static int
probe_getppid(void)
{
  (void) syscall(SYS_getppid);
  return 7;
}

static void
test_actions(void)
{
  snprintf(path_a, sizeof path_a, "%s/a", tmpdir);
  snprintf(path_b, sizeof path_b, "%s/b", tmpdir);

  oci_syscall sc = { .names = STRV("mkdir", "mkdirat", "no_such_syscall_xyz"),
                     .action = "SCMP_ACT_ERRNO" };
  oci_seccomp s = { .default_action = "SCMP_ACT_ALLOW", .syscalls = &sc, .syscalls_len = 1 };
  seccomp_program *p = compile_ok(&s, "ERRNO without errnoRet (unknown syscall skipped)");
  if (p)
    CHECK(run_with(NULL, p, probe_mkdir) == EPERM, "mkdir fails with EPERM by default");
  seccomp_program_free(p);

  sc.has_errno_ret = true;
  sc.errno_ret = ENOSPC;
  p = compile_ok(&s, "ERRNO with errnoRet");
  if (p)
    CHECK(run_with(NULL, p, probe_mkdir) == ENOSPC, "mkdir fails with errnoRet ENOSPC");
  seccomp_program_free(p);

  /* default action ERRNO with defaultErrnoRet; the allowed list keeps the
   * child alive */
  /* (sanitizer builds also need what their runtime calls at exit) */
  oci_syscall allow = { .names = STRV("exit_group", "exit", "write", "brk", "mmap", "munmap",
                                      "rt_sigreturn", "rt_sigprocmask", "futex", "sigaltstack",
                                      "rt_sigaction", "madvise", "getpid", "gettid", "prctl",
                                      "openat", "read", "close", "readlink", "sched_yield"),
                        .action = "SCMP_ACT_ALLOW" };
  oci_seccomp d = { .default_action = "SCMP_ACT_ERRNO", .has_default_errno_ret = true,
                    .default_errno_ret = EROFS, .syscalls = &allow, .syscalls_len = 1 };
  p = compile_ok(&d, "default ERRNO with defaultErrnoRet");
  if (p)
    CHECK(run_with(NULL, p, probe_mkdir) == EROFS, "unlisted mkdir gets defaultErrnoRet EROFS");
  seccomp_program_free(p);

  oci_syscall kill = { .names = STRV("getppid"), .action = "SCMP_ACT_KILL_PROCESS" };
  oci_seccomp k = { .default_action = "SCMP_ACT_ALLOW", .syscalls = &kill, .syscalls_len = 1 };
  p = compile_ok(&k, "KILL_PROCESS");
  if (p)
    CHECK(run_with(NULL, p, probe_getppid) == 1000 + SIGSYS, "getppid kills with SIGSYS");
  seccomp_program_free(p);
  kill.action = "SCMP_ACT_KILL";
  p = compile_ok(&k, "KILL");
  if (p)
    CHECK(run_with(NULL, p, probe_getppid) == 1000 + SIGSYS, "SCMP_ACT_KILL kills too");
  seccomp_program_free(p);
  kill.action = "SCMP_ACT_TRAP";
  p = compile_ok(&k, "TRAP");
  if (p)
    CHECK(run_with(NULL, p, probe_getppid) == 1000 + SIGSYS, "SCMP_ACT_TRAP raises SIGSYS");
  seccomp_program_free(p);
  kill.action = "SCMP_ACT_LOG";
  p = compile_ok(&k, "LOG");
  if (p)
    CHECK(run_with(NULL, p, probe_getppid) == 7, "SCMP_ACT_LOG lets the call through");
  seccomp_program_free(p);

  /* a rule equal to the default is dropped, not an error */
  oci_syscall same = { .names = STRV("getppid"), .action = "SCMP_ACT_ALLOW" };
  oci_seccomp sm = { .default_action = "SCMP_ACT_ALLOW", .syscalls = &same, .syscalls_len = 1 };
  p = compile_ok(&sm, "rule with the default action");
  seccomp_program_free(p);
}

static void
test_args(void)
{
  oci_seccomp_arg masked = { .index = 0, .value = 0700, .value_two = 0700,
                             .has_value_two = true, .op = "SCMP_CMP_MASKED_EQ" };
  oci_syscall sc = { .names = STRV("umask"), .action = "SCMP_ACT_ERRNO", .has_errno_ret = true,
                     .errno_ret = EXDEV, .args = &masked, .args_len = 1 };
  oci_seccomp s = { .default_action = "SCMP_ACT_ALLOW", .syscalls = &sc, .syscalls_len = 1 };
  seccomp_program *p = compile_ok(&s, "MASKED_EQ with valueTwo");
  if (p)
    CHECK(run_with(NULL, p, probe_umask) == 1, "(arg & value) == valueTwo matches 0777 only "
          "(got %d)", run_with(NULL, p, probe_umask));
  seccomp_program_free(p);

  oci_seccomp_arg two[] = {
    { .index = 0, .value = PRIO_PROCESS, .op = "SCMP_CMP_EQ" },
    { .index = 1, .value = 99999999, .op = "SCMP_CMP_EQ" },
  };
  oci_syscall gp = { .names = STRV("getpriority"), .action = "SCMP_ACT_ERRNO",
                     .has_errno_ret = true, .errno_ret = EXFULL, .args = two, .args_len = 2 };
  oci_seccomp g = { .default_action = "SCMP_ACT_ALLOW", .syscalls = &gp, .syscalls_len = 1 };
  p = compile_ok(&g, "two args on one rule");
  if (p)
    CHECK(run_with(NULL, p, probe_getpriority) == 7, "args on distinct indexes are ANDed "
          "(got %d)", run_with(NULL, p, probe_getpriority));
  seccomp_program_free(p);

  oci_seccomp_arg shared[] = {
    { .index = 0, .value = 0777, .op = "SCMP_CMP_EQ" },
    { .index = 0, .value = 0011, .op = "SCMP_CMP_EQ" },
  };
  oci_syscall um = { .names = STRV("umask"), .action = "SCMP_ACT_ERRNO", .has_errno_ret = true,
                     .errno_ret = EXDEV, .args = shared, .args_len = 2 };
  oci_seccomp u = { .default_action = "SCMP_ACT_ALLOW", .syscalls = &um, .syscalls_len = 1 };
  p = compile_ok(&u, "two args on the same index");
  if (p)
    CHECK(run_with(NULL, p, probe_umask) == 5, "args sharing an index are ORed (got %d)",
          run_with(NULL, p, probe_umask));
  seccomp_program_free(p);
}

static void
test_flags_arch(void)
{
  oci_syscall sc = { .names = STRV("mkdir"), .action = "SCMP_ACT_ERRNO" };
  oci_seccomp s = { .default_action = "SCMP_ACT_ALLOW", .syscalls = &sc, .syscalls_len = 1,
                    .flags = STRV("SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
                                  "SECCOMP_FILTER_FLAG_SPEC_ALLOW"),
                    .architectures = STRV("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32",
                                          "SCMP_ARCH_AARCH64", "SCMP_ARCH_LOONGARCH64") };
  seccomp_program *p = compile_ok(&s, "flags and architectures");
  if (p)
    {
      CHECK(seccomp_program_flags(p) == (SECCOMP_FILTER_FLAG_LOG
                                         | SECCOMP_FILTER_FLAG_SPEC_ALLOW),
            "LOG|SPEC_ALLOW passed to seccomp(2), TSYNC dropped (0x%x)",
            seccomp_program_flags(p));
      CHECK(run_with(NULL, p, probe_mkdir) == EPERM, "multi-arch profile with flags loads");
    }
  seccomp_program_free(p);

  char **sup = NULL;
  clawrt_error err = { 0 };
  seccomp_supported_flags(&sup, &err);
  bool log = false, wkr = false;
  for (char **f = sup; f && *f; f++)
    {
      log |= strcmp(*f, "SECCOMP_FILTER_FLAG_LOG") == 0;
      wkr |= strcmp(*f, "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV") == 0;
    }
  CHECK(log, "the kernel supports SECCOMP_FILTER_FLAG_LOG");
  strv_free(sup);

  if (wkr)
    {
      oci_syscall n = { .names = STRV("getppid"), .action = "SCMP_ACT_NOTIFY" };
      oci_seccomp w = { .default_action = "SCMP_ACT_ALLOW", .syscalls = &n, .syscalls_len = 1,
                        .listener_path = "/run/agent.sock",
                        .flags = STRV("SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV") };
      p = compile_ok(&w, "WAIT_KILLABLE_RECV with NOTIFY");
      if (p)
        CHECK(seccomp_program_flags(p) == (SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
                                           | SECCOMP_FILTER_FLAG_NEW_LISTENER),
              "WAIT_KILLABLE_RECV|NEW_LISTENER (0x%x)", seccomp_program_flags(p));
      seccomp_program_free(p);
      /* without NOTIFY the flag means nothing and the kernel would refuse it */
      oci_syscall e = { .names = STRV("mkdir"), .action = "SCMP_ACT_ERRNO" };
      oci_seccomp x = { .default_action = "SCMP_ACT_ALLOW", .syscalls = &e, .syscalls_len = 1,
                        .flags = STRV("SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV") };
      p = compile_ok(&x, "WAIT_KILLABLE_RECV without NOTIFY");
      if (p)
        CHECK(seccomp_program_flags(p) == 0 && run_with(NULL, p, probe_mkdir) == EPERM,
              "WAIT_KILLABLE_RECV dropped without a listener, profile loads");
      seccomp_program_free(p);
    }
  else
    printf("ok %d - # SKIP kernel lacks SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV\n", ++count);
}

/* NOTIFY: the child installs, passes the listener and the process state
 * over a socketpair with seccomp_listener_send, then calls getppid; this
 * process plays the agent and answers -ENOTTY. */
static void
test_notify(void)
{
  oci_syscall n = { .names = STRV("getppid"), .action = "SCMP_ACT_NOTIFY" };
  oci_seccomp s = { .default_action = "SCMP_ACT_ALLOW", .syscalls = &n, .syscalls_len = 1,
                    .listener_path = "/run/agent.sock", .listener_metadata = "hello" };
  seccomp_program *p = compile_ok(&s, "NOTIFY");
  if (p == NULL)
    return;
  CHECK(seccomp_program_uses_notify(p)
        && (seccomp_program_flags(p) & SECCOMP_FILTER_FLAG_NEW_LISTENER),
        "NOTIFY asks for a new listener");
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
    return;
  pid_t pid = fork();
  if (pid == 0)
    {
      close(sv[0]);
      clawrt_error err = { 0 };
      int lfd = -1;
      if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || seccomp_install(p, &lfd, &err) < 0)
        _exit(100);
      int fl = fcntl(lfd, F_GETFD);
      if (lfd < 0 || fl < 0 || !(fl & FD_CLOEXEC))
        _exit(101);
      oci_state st = { .oci_version = "1.2.0", .id = "c1", .status = "creating", .pid = 42,
                       .has_pid = true, .bundle = "/b" };
      char *json = NULL;
      if (seccomp_process_state_json(&st, 42, "hello", &json, &err) < 0
          || seccomp_listener_send(sv[1], lfd, json, &err) < 0)
        _exit(102);
      close(sv[1]);
      close(lfd);
      long r = syscall(SYS_getppid);
      _exit(r < 0 && errno == ENOTTY ? 0 : 103);
    }
  close(sv[1]);
  char buf[4096] = "";
  union { char b[CMSG_SPACE(sizeof(int))]; struct cmsghdr a; } ctl;
  struct iovec iov = { buf, sizeof buf - 1 };
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.b,
                        .msg_controllen = sizeof ctl.b };
  ssize_t got = recvmsg(sv[0], &msg, MSG_CMSG_CLOEXEC);
  int lfd = -1;
  struct cmsghdr *c = got > 0 ? CMSG_FIRSTHDR(&msg) : NULL;
  if (c && c->cmsg_type == SCM_RIGHTS)
    memcpy(&lfd, CMSG_DATA(c), sizeof lfd);
  /* the rest of the JSON, if it came in several reads */
  size_t total = got > 0 ? (size_t) got : 0;
  ssize_t more;
  while (total < sizeof buf - 1 && (more = read(sv[0], buf + total, sizeof buf - 1 - total)) > 0)
    total += (size_t) more;
  buf[total] = '\0';
  close(sv[0]);
  CHECK(lfd >= 0, "listener fd arrived by SCM_RIGHTS");
  CHECK(strstr(buf, "\"fds\":[\"seccompFd\"]") && strstr(buf, "\"pid\":42")
        && strstr(buf, "\"metadata\":\"hello\"") && strstr(buf, "\"state\":{")
        && strstr(buf, "\"status\":\"creating\"") && strstr(buf, "\"id\":\"c1\""),
        "container process state: %s", buf);
  if (lfd >= 0)
    {
      struct seccomp_notif req;
      memset(&req, 0, sizeof req);
      int r = ioctl(lfd, SECCOMP_IOCTL_NOTIF_RECV, &req);
      CHECK(r == 0 && req.pid == (__u32) pid, "agent received the notification from the child");
      struct seccomp_notif_resp resp = { .id = req.id, .error = -ENOTTY };
      r = ioctl(lfd, SECCOMP_IOCTL_NOTIF_SEND, &resp);
      CHECK(r == 0, "agent answered");
      close(lfd);
    }
  int st;
  waitpid(pid, &st, 0);
  CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the child got the agent's answer (exit %d)",
        WIFEXITED(st) ? WEXITSTATUS(st) : -1);
  seccomp_program_free(p);
}

static void
test_state_from_json(void)
{
  const char *st = "{\"ociVersion\": \"1.2.0\", \"id\": \"c9\", \"status\": \"created\", "
                   "\"pid\": 4242, \"bundle\": \"/b\", \"annotations\": {\"k\": \"v\"}}";
  char *out = NULL;
  clawrt_error err = { 0 };
  int r = seccomp_process_state_from_json(st, "meta", &out, &err);
  CHECK(r == 0 && out && strstr(out, "\"pid\":4242,") && strstr(out, "\"status\":\"creating\"")
        && strstr(out, "\"metadata\":\"meta\"") && strstr(out, "\"annotations\":{\"k\":\"v\"}")
        && strstr(out, "\"fds\":[\"seccompFd\"]"), "process state from state.json: %s",
        out ? out : err.msg);
  free(out);
  clawrt_error_clear(&err);
  CHECK(seccomp_process_state_from_json("{\"id\": ", NULL, &out, &err) == -1 && err.msg,
        "malformed state refused: %s", err.msg);
  clawrt_error_clear(&err);
}

static int
probe_strict(void)
{
  int bits = 0;
  if (unshare(CLONE_NEWUTS) < 0 && errno == EPERM)
    bits |= 1;
  if (setns(0, 0) < 0 && errno == EPERM)
    bits |= 2;
  if (syscall(SYS_clone3, NULL, 0) < 0 && errno == ENOSYS)
    bits |= 4;
  if (syscall(SYS_clone, CLONE_NEWNET | SIGCHLD, 0, 0, 0, 0) < 0 && errno == EPERM)
    bits |= 8;
  if (syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0) < 0 && errno == EPERM)
    bits |= 16;
  pid_t c = fork();  /* plain fork is untouched */
  if (c == 0)
    _exit(0);
  int st;
  if (c > 0 && waitpid(c, &st, 0) == c && WIFEXITED(st))
    bits |= 32;
  return bits;
}

static void
test_strict(void)
{
  seccomp_program *strict = NULL;
  clawrt_error err = { 0 };
  CHECK(seccomp_compile_strict(&strict, &err) == 0 && strict && !seccomp_program_uses_notify(strict),
        "strict layer compiles (%s)", err.msg ? err.msg : "ok");
  if (strict == NULL)
    return;
  int r = run_with(NULL, strict, probe_strict);
  CHECK(r == 63, "strict: unshare/setns EPERM, clone3 ENOSYS, clone(CLONE_NEW*) EPERM, fork "
        "works (got %d)", r);

  /* layering: strict first, then a bundle profile with its own listener */
  oci_syscall n = { .names = STRV("mkdir"), .action = "SCMP_ACT_ERRNO", .has_errno_ret = true,
                    .errno_ret = ENOSPC };
  oci_syscall nt = { .names = STRV("getppid"), .action = "SCMP_ACT_NOTIFY" };
  oci_syscall both[2] = { n, nt };
  oci_seccomp s = { .default_action = "SCMP_ACT_ALLOW", .syscalls = both, .syscalls_len = 2,
                    .listener_path = "/run/agent.sock" };
  seccomp_program *p = compile_ok(&s, "bundle profile for layering");
  if (p)
    {
      CHECK(run_with(strict, p, probe_mkdir) == ENOSPC, "bundle profile stacked on strict");
      CHECK(run_with(strict, p, probe_strict) == 63, "strict still holds under the bundle "
            "profile");
    }
  seccomp_program_free(p);
  seccomp_program_free(strict);
}

static void
test_bad(void)
{
  oci_syscall sc = { .names = STRV("mkdir"), .action = "SCMP_ACT_ERRNO" };
  oci_syscall two[2];
  oci_seccomp s;

  /* plain statements, no block: a compound literal lives as long as the
   * block it is written in */
  oci_strv getpid_names = STRV("getpid");
#define RESET()                                                                                \
  two[0] = (oci_syscall) { .names = getpid_names, .action = "SCMP_ACT_ALLOW" };                \
  two[1] = sc;                                                                                 \
  s = (oci_seccomp) { .default_action = "SCMP_ACT_ERRNO", .syscalls = two, .syscalls_len = 2 }

  RESET();
  two[1].action = "SCMP_ACT_FOO";
  compile_bad(&s, "config.json: linux.seccomp.syscalls[1].action: unknown action "
              "\"SCMP_ACT_FOO\"", "unknown action");
  RESET();
  s.default_action = "SCMP_ACT_NOPE";
  compile_bad(&s, "config.json: linux.seccomp.defaultAction: unknown action \"SCMP_ACT_NOPE\"",
              "unknown default action");
  RESET();
  oci_seccomp_arg a = { .index = 6, .value = 1, .op = "SCMP_CMP_EQ" };
  two[1].args = &a;
  two[1].args_len = 1;
  compile_bad(&s, "config.json: linux.seccomp.syscalls[1].args[0].index: 6 is not a syscall "
              "argument (0..5)", "arg index 6");
  RESET();
  oci_seccomp_arg b[2] = { { .index = 0, .value = 1, .op = "SCMP_CMP_EQ" },
                           { .index = 1, .value = 1, .op = "SCMP_CMP_FOO" } };
  two[1].args = b;
  two[1].args_len = 2;
  compile_bad(&s, "config.json: linux.seccomp.syscalls[1].args[1].op: unknown operator "
              "\"SCMP_CMP_FOO\"", "unknown operator");
  RESET();
  two[0].has_errno_ret = true;
  two[0].errno_ret = 1;
  compile_bad(&s, "config.json: linux.seccomp.syscalls[0].errnoRet: only SCMP_ACT_ERRNO and "
              "SCMP_ACT_TRACE take an errno, not SCMP_ACT_ALLOW", "errnoRet on ALLOW");
  RESET();
  s.default_action = "SCMP_ACT_KILL";
  s.has_default_errno_ret = true;
  compile_bad(&s, "config.json: linux.seccomp.defaultErrnoRet: only SCMP_ACT_ERRNO and "
              "SCMP_ACT_TRACE take an errno, not SCMP_ACT_KILL", "defaultErrnoRet on KILL");
  RESET();
  two[1].has_errno_ret = true;
  two[1].errno_ret = 70000;
  compile_bad(&s, "config.json: linux.seccomp.syscalls[1].errnoRet: 70000 is above the "
              "largest errno (4095)", "errnoRet too large");
  RESET();
  s.default_action = "SCMP_ACT_NOTIFY";
  s.listener_path = "/run/a.sock";
  compile_bad(&s, "config.json: linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the "
              "default action (every syscall of the runtime would wait for the agent)",
              "NOTIFY as default");
  RESET();
  two[1].action = "SCMP_ACT_NOTIFY";
  compile_bad(&s, "config.json: linux.seccomp: SCMP_ACT_NOTIFY is used but listenerPath is "
              "not set: name the agent's socket in listenerPath", "NOTIFY without listenerPath");
  RESET();
  two[1].action = "SCMP_ACT_NOTIFY";
  two[1].names = STRV("read", "write");
  s.listener_path = "/run/a.sock";
  compile_bad(&s, "config.json: linux.seccomp.syscalls[1].names[1]: SCMP_ACT_NOTIFY cannot be "
              "used for \"write\": the runtime needs it before the agent has the listener",
              "NOTIFY on write");
  RESET();
  s.listener_metadata = "x";
  compile_bad(&s, "config.json: linux.seccomp.listenerMetadata: set without listenerPath",
              "metadata without listenerPath");
  RESET();
  s.architectures = STRV("SCMP_ARCH_X86_64", "SCMP_ARCH_PDP11");
  compile_bad(&s, "config.json: linux.seccomp.architectures[1]: unknown architecture "
              "\"SCMP_ARCH_PDP11\"", "unknown arch");
  RESET();
  s.flags = STRV("SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_BOGUS");
  compile_bad(&s, "config.json: linux.seccomp.flags[1]: unknown flag "
              "\"SECCOMP_FILTER_FLAG_BOGUS\"", "unknown flag");
  RESET();
  two[1].names = (oci_strv) { .v = (char *[]) { NULL }, .len = 0 };
  compile_bad(&s, "config.json: linux.seccomp.syscalls[1].names: must name at least one "
              "syscall", "empty names");
  RESET();
  seccomp_program_free(compile_ok(&s, "the reset profile itself is valid"));
#undef RESET
}

static void
test_names(void)
{
  size_t n;
  const char *const *v = seccomp_known_actions(&n);
  CHECK(n == 9 && strcmp(v[0], "SCMP_ACT_KILL") == 0, "9 actions");
  v = seccomp_known_operators(&n);
  CHECK(n == 7 && strcmp(v[6], "SCMP_CMP_MASKED_EQ") == 0, "7 operators");
  v = seccomp_known_archs(&n);
  CHECK(n == 23, "23 architectures in the spec");
  v = seccomp_known_flags(&n);
  CHECK(n == 4, "4 flags in the spec");
  char **sup = seccomp_supported_archs();
  bool native = false;
  size_t ns = strv_len(sup);
  for (char **a = sup; *a; a++)
    native |= strcmp(*a, "SCMP_ARCH_X86_64") == 0 || strcmp(*a, "SCMP_ARCH_AARCH64") == 0;
  CHECK(ns >= 19 && ns <= 23 && native, "%zu architectures this libseccomp builds for", ns);
  strv_free(sup);
}

int
main(void)
{
  if (mkdtemp(tmpdir) == NULL)
    {
      perror("mkdtemp");
      return 1;
    }
  test_names();
  test_actions();
  test_args();
  test_flags_arch();
  test_notify();
  test_state_from_json();
  test_strict();
  test_bad();
  rmdir(path_a);
  rmdir(tmpdir);
  printf("1..%d\n", count);
  return failures ? 1 : 0;
}
