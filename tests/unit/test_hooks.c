/* hooks_run(): real /bin/sh hooks in a temporary directory. TAP output. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "linux/hooks.h"
#include "util.h"

static int failures, ntest;
static char dir[] = "/tmp/clawrt-test-hooks.XXXXXX";

#define CHECK(cond, ...)                                                                     \
  do                                                                                         \
    {                                                                                        \
      ntest++;                                                                               \
      if (cond)                                                                              \
        printf("ok %d - ", ntest);                                                           \
      else                                                                                   \
        {                                                                                    \
          failures++;                                                                        \
          printf("not ok %d - ", ntest);                                                     \
        }                                                                                    \
      printf(__VA_ARGS__);                                                                   \
      printf("\n");                                                                          \
    }                                                                                        \
  while (0)


static char **
vec(const char *const *src, size_t *len)
{
  size_t n = 0;
  while (src[n])
    n++;
  char **v = xmalloc0((n + 1) * sizeof *v);
  for (size_t i = 0; i < n; i++)
    v[i] = xstrdup(src[i]);
  *len = n;
  return v;
}

static oci_hook
mkhook(const char *path, const char *const *args, const char *const *env, int64_t timeout)
{
  oci_hook h;
  memset(&h, 0, sizeof h);
  h.path = xstrdup(path);
  if (args)
    h.args.v = vec(args, &h.args.len);
  if (env)
    h.env.v = vec(env, &h.env.len);
  if (timeout)
    {
      h.timeout = timeout;
      h.has_timeout = true;
    }
  return h;
}

static void
freehook(oci_hook *h)
{
  free(h->path);
  strv_free(h->args.v);
  strv_free(h->env.v);
}

/* `sh -c SCRIPT` as a hook, with `ts` as timeout. */
static oci_hook
shhook(const char *script, int64_t timeout)
{
  const char *args[] = { "sh", "-c", script, NULL };
  return mkhook("/bin/sh", args, NULL, timeout);
}

static int
run1(oci_hook h, const char *kind, const char *state, clawrt_error *err)
{
  oci_hook_list l = { .v = &h, .len = 1 };
  int r = hooks_run_io(&l, kind, state, -1, -1, err);
  freehook(&h);
  return r;
}

static char *
slurp(const char *name)
{
  cleanup_free char *p = xasprintf("%s/%s", dir, name);
  char *s = NULL;
  clawrt_error e = { 0 };
  if (read_file_at(AT_FDCWD, p, 1 << 24, &s, NULL, &e) < 0)
    {
      clawrt_error_clear(&e);
      return xstrdup("");
    }
  return s;
}

static const char *STATE = "{\"ociVersion\":\"1.2.0\",\"id\":\"c1\",\"status\":\"creating\","
                           "\"pid\":42,\"bundle\":\"/b\"}";

static void
test_state_on_stdin(void)
{
  clawrt_error e = { 0 };
  cleanup_free char *script = xasprintf("cat > %s/state", dir);
  int r = run1(shhook(script, 0), "createRuntime", STATE, &e);
  cleanup_free char *got = slurp("state");
  CHECK(r == 0 && strcmp(got, STATE) == 0, "state JSON delivered on stdin (%s)", got);
  clawrt_error_clear(&e);
}

static void
test_args_exact(void)
{
  clawrt_error e = { 0 };
  cleanup_free char *script = xasprintf("tr '\\0' '|' < /proc/$$/cmdline > %s/argv", dir);
  const char *args[] = { "not-sh", "-c", script, "x y", "", NULL };
  int r = run1(mkhook("/bin/sh", args, NULL, 0), "prestart", STATE, &e);
  cleanup_free char *got = slurp("argv");
  cleanup_free char *want = xasprintf("not-sh|-c|%s|x y||", script);
  CHECK(r == 0 && strcmp(got, want) == 0, "args passed exactly, args[0] is argv[0] (%s)", got);
  clawrt_error_clear(&e);
}

static void
test_args_absent(void)
{
  clawrt_error e = { 0 };
  /* without args, argv is {path}: sh with no -c reads its script from
   * stdin, so feed it one as the "state" */
  cleanup_free char *state = xasprintf("echo \"$0\" > %s/argv0\n", dir);
  int r = run1(mkhook("/bin/sh", NULL, NULL, 0), "poststop", state, &e);
  cleanup_free char *got = slurp("argv0");
  CHECK(r == 0 && strcmp(got, "/bin/sh\n") == 0, "absent args: argv is {path} (%s)", got);
  clawrt_error_clear(&e);
}

static void
test_env_exact(void)
{
  clawrt_error e = { 0 };
  setenv("H7_FROM_RUNTIME", "leak", 1);
  cleanup_free char *script = xasprintf("env > %s/env", dir);
  const char *args[] = { "sh", "-c", script, NULL };
  const char *env[] = { "FOO=bar", "SPACED=a b", NULL };
  int r = run1(mkhook("/bin/sh", args, env, 0), "poststart", STATE, &e);
  cleanup_free char *got = slurp("env");
  CHECK(r == 0 && strstr(got, "FOO=bar\n") && strstr(got, "SPACED=a b\n")
            && !strstr(got, "H7_FROM_RUNTIME") && !strstr(got, "PATH="),
        "env present: exactly the hook's env");
  clawrt_error_clear(&e);

  const char *none[] = { NULL };
  r = run1(mkhook("/bin/sh", args, none, 0), "poststart", STATE, &e);
  free(got);
  got = slurp("env");
  CHECK(r == 0 && !strstr(got, "H7_FROM_RUNTIME"), "env present but empty: empty environment");
  clawrt_error_clear(&e);

  r = run1(mkhook("/bin/sh", args, NULL, 0), "poststart", STATE, &e);
  free(got);
  got = slurp("env");
  CHECK(r == 0 && strstr(got, "H7_FROM_RUNTIME=leak"), "env absent: the runtime's environment");
  clawrt_error_clear(&e);
  unsetenv("H7_FROM_RUNTIME");
}

static void
test_failure_message(void)
{
  clawrt_error e = { 0 };
  int r = run1(shhook("echo 'bad thing\thappened' >&2; exit 3", 0), "createRuntime", STATE, &e);
  CHECK(r < 0 && e.msg
            && strcmp(e.msg, "createRuntime hook #1 (/bin/sh): exited with status 3: stderr: "
                             "bad thing happened")
                   == 0,
        "non-zero exit names kind, index, path, status, stderr (%s)", e.msg);
  clawrt_error_clear(&e);

  r = run1(shhook("echo only-stdout; exit 1", 0), "poststart", STATE, &e);
  CHECK(r < 0 && e.msg && strstr(e.msg, "exited with status 1: stdout: only-stdout"),
        "stdout used when stderr is empty (%s)", e.msg);
  clawrt_error_clear(&e);

  r = run1(shhook("kill -SEGV $$", 0), "prestart", STATE, &e);
  CHECK(r < 0 && e.msg && strstr(e.msg, "prestart hook #1 (/bin/sh): killed by signal 11"),
        "death by signal reported (%s)", e.msg);
  clawrt_error_clear(&e);

  r = run1(shhook("printf 'x\\033[2Jy'; exit 2", 0), "poststart", STATE, &e);
  CHECK(r < 0 && e.msg && strstr(e.msg, "stdout: x?[2Jy"),
        "control characters in hook output are neutralised (%s)", e.msg);
  clawrt_error_clear(&e);
}

static void
test_exec_errors(void)
{
  clawrt_error e = { 0 };
  int r = run1(mkhook("/nonexistent/hook", NULL, NULL, 0), "startContainer", STATE, &e);
  CHECK(r < 0 && e.errnum == ENOENT && e.msg
            && strcmp(e.msg, "startContainer hook #1 (/nonexistent/hook): cannot execute") == 0,
        "missing binary: cannot execute + ENOENT (%s)", e.msg);
  clawrt_error_clear(&e);

  r = run1(mkhook("bin/sh", NULL, NULL, 0), "createContainer", STATE, &e);
  CHECK(r < 0 && e.msg && strstr(e.msg, "hooks.createContainer[0].path")
            && strstr(e.msg, "absolute"),
        "relative path refused naming the field (%s)", e.msg);
  clawrt_error_clear(&e);

  oci_hook h = shhook("exit 0", 0);
  h.has_timeout = true;
  h.timeout = 0;
  r = run1(h, "prestart", STATE, &e);
  CHECK(r < 0 && e.msg && strstr(e.msg, "hooks.prestart[0].timeout"),
        "timeout 0 refused (%s)", e.msg);
  clawrt_error_clear(&e);
}

static void
test_order_and_stop(void)
{
  clawrt_error e = { 0 };
  cleanup_free char *s1 = xasprintf("echo one >> %s/order", dir);
  cleanup_free char *s3 = xasprintf("echo three >> %s/order", dir);
  oci_hook v[3] = { shhook(s1, 0), shhook("exit 5", 0), shhook(s3, 0) };
  oci_hook_list l = { .v = v, .len = 3 };
  int r = hooks_run_io(&l, "createRuntime", STATE, -1, -1, &e);
  cleanup_free char *got = slurp("order");
  CHECK(r < 0 && strcmp(got, "one\n") == 0 && e.msg
            && strstr(e.msg, "createRuntime hook #2 (/bin/sh): exited with status 5"),
        "hooks run in order and stop at the first failure (%s)", e.msg);
  clawrt_error_clear(&e);
  for (int i = 0; i < 3; i++)
    freehook(&v[i]);

  oci_hook_list empty = { 0 };
  CHECK(hooks_run(&empty, "poststop", STATE, &e) == 0 && hooks_run(NULL, "x", NULL, &e) == 0,
        "empty and NULL lists succeed");
}

static void
test_timeout(void)
{
  clawrt_error e = { 0 };
  cleanup_free char *script = xasprintf("sleep 10 & echo $! > %s/bgpid; wait", dir);
  uint64_t t0 = now_ns();
  int r = run1(shhook(script, 1), "createRuntime", STATE, &e);
  double secs = (double) (now_ns() - t0) / 1e9;
  CHECK(r < 0 && e.errnum == ETIMEDOUT && e.msg
            && strcmp(e.msg, "createRuntime hook #1 (/bin/sh): timed out after 1s") == 0
            && secs >= 0.9 && secs < 3,
        "timeout honoured: %.2fs (%s)", secs, e.msg);
  clawrt_error_clear(&e);

  /* the whole process group goes, not just the hook */
  cleanup_free char *pidtxt = slurp("bgpid");
  int bg = atoi(pidtxt);
  bool gone = false;
  for (int i = 0; i < 100 && bg > 0 && !gone; i++)
    {
      cleanup_free char *statp = xasprintf("/proc/%d/stat", bg);
      FILE *f = fopen(statp, "re");
      char st = 'Z';
      if (f)
        {
          if (fscanf(f, "%*d %*s %c", &st) != 1)
            st = 'Z';
          fclose(f);
        }
      gone = st == 'Z';
      if (!gone)
        usleep(20000);
    }
  CHECK(bg > 0 && gone, "timeout kills the hook's children too (pid %d)", bg);

  r = run1(shhook("exit 0", 30), "poststart", STATE, &e);
  CHECK(r == 0, "a quick hook with a timeout succeeds");
  clawrt_error_clear(&e);
}

static void
test_grandchild_keeps_pipes(void)
{
  clawrt_error e = { 0 };
  uint64_t t0 = now_ns();
  int r = run1(shhook("sleep 3 & echo started", 0), "poststart", STATE, &e);
  double secs = (double) (now_ns() - t0) / 1e9;
  CHECK(r == 0 && secs < 2, "a background child holding stdout does not hang us (%.2fs)", secs);
  clawrt_error_clear(&e);
}

static void
test_stdin_closed_early(void)
{
  clawrt_error e = { 0 };
  /* far more than a pipe holds, so the write must meet a closed reader */
  size_t big = 4 << 20;
  char *state = xmalloc0(big + 1);
  memset(state, 'x', big);
  int r = run1(shhook("exec 0<&-; sleep 0.2; exit 0", 0), "createRuntime", state, &e);
  sigset_t pend;
  sigpending(&pend);
  CHECK(r == 0 && !sigismember(&pend, SIGPIPE),
        "a hook closing stdin early is fine, no SIGPIPE left (%s)", e.msg ? e.msg : "");
  clawrt_error_clear(&e);

  r = run1(shhook("exit 0", 0), "createRuntime", state, &e);
  CHECK(r == 0, "a hook exiting without reading a large state is fine (%s)",
        e.msg ? e.msg : "");
  clawrt_error_clear(&e);
  free(state);
}

static void
test_fds_and_signals(void)
{
  clawrt_error e = { 0 };
  int leak = dup2(STDIN_FILENO, 99); /* deliberately without O_CLOEXEC */
  cleanup_free char *script = xasprintf("ls /proc/self/fd > %s/fds", dir);
  int r = run1(shhook(script, 0), "prestart", STATE, &e);
  cleanup_free char *got = slurp("fds");
  /* ls itself holds one fd for the directory it lists */
  int n = 0;
  for (char *p = got; *p; p++)
    n += *p == '\n';
  CHECK(r == 0 && leak == 99 && !strstr(got, "99\n") && n <= 4,
        "the hook gets only 0 1 2 (%d fds: %s)", n, got);
  close(99);
  clawrt_error_clear(&e);

  sigset_t set, old;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigprocmask(SIG_BLOCK, &set, &old);
  signal(SIGUSR1, SIG_IGN);
  r = run1(shhook("kill -TERM $$; sleep 1; exit 0", 0), "prestart", STATE, &e);
  CHECK(r < 0 && e.msg && strstr(e.msg, "killed by signal 15"),
        "the hook starts with an empty signal mask (%s)", e.msg);
  clawrt_error_clear(&e);
  r = run1(shhook("kill -USR1 $$; sleep 1; exit 0", 0), "prestart", STATE, &e);
  CHECK(r < 0 && e.msg && strstr(e.msg, "killed by signal 10"),
        "the hook starts with default dispositions (%s)", e.msg);
  clawrt_error_clear(&e);
  signal(SIGUSR1, SIG_DFL);
  sigprocmask(SIG_SETMASK, &old, NULL);

  signal(SIGCHLD, SIG_IGN);
  r = run1(shhook("exit 4", 0), "poststop", STATE, &e);
  CHECK(r < 0 && e.msg && strstr(e.msg, "exited with status 4"),
        "exit status known even with SIGCHLD ignored (%s)", e.msg);
  struct sigaction sa;
  sigaction(SIGCHLD, NULL, &sa);
  CHECK(sa.sa_handler == SIG_IGN, "SIGCHLD disposition restored");
  signal(SIGCHLD, SIG_DFL);
  clawrt_error_clear(&e);
}

static void
test_forwarding(void)
{
  clawrt_error e = { 0 };
  int out[2], errp[2];
  if (pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0)
    abort();
  oci_hook h = shhook("echo to-out; echo to-err >&2", 0);
  oci_hook_list l = { .v = &h, .len = 1 };
  int r = hooks_run_io(&l, "poststart", STATE, out[1], errp[1], &e);
  freehook(&h);
  close(out[1]);
  close(errp[1]);
  char b1[64] = "", b2[64] = "";
  ssize_t n1 = read_all(out[0], b1, sizeof b1 - 1);
  ssize_t n2 = read_all(errp[0], b2, sizeof b2 - 1);
  CHECK(r == 0 && n1 > 0 && strcmp(b1, "to-out\n") == 0 && n2 > 0 && strcmp(b2, "to-err\n") == 0,
        "stdout and stderr forwarded to the given fds");
  close(out[0]);
  close(errp[0]);
  clawrt_error_clear(&e);
}

int
main(void)
{
  if (mkdtemp(dir) == NULL)
    {
      perror("mkdtemp");
      return 1;
    }
  test_state_on_stdin();
  test_args_exact();
  test_args_absent();
  test_env_exact();
  test_failure_message();
  test_exec_errors();
  test_order_and_stop();
  test_timeout();
  test_grandchild_keeps_pipes();
  test_stdin_closed_early();
  test_fds_and_signals();
  test_forwarding();
  printf("1..%d\n", ntest);

  cleanup_free char *rm = xasprintf("rm -rf '%s'", dir);
  if (system(rm) != 0)
    fprintf(stderr, "could not remove %s\n", dir);
  return failures ? 1 : 0;
}
