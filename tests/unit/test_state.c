/* state.c in a temporary root: ids, reserve (also racing), lock, write/read,
 * list, remove, and the status derived from a live, a dead and a zombie
 * process. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "state.h"
#include "util.h"
#include "tap.h"


static bool
msg_is(const clawrt_error *e, const char *want)
{
  bool ok = e->msg && strcmp(e->msg, want) == 0;
  if (!ok)
    printf("# got \"%s\", want \"%s\"\n", e->msg ? e->msg : "(none)", want);
  return ok;
}

static void
test_ids(void)
{
  static const char *const good[] = { "a", "abc", "A1", "0", "a.b", "a_b", "a+b", "a-b", "x..y" };
  static const char *const bad[] = { "", ".", "..", ".a", "-a", "_a", "a/b", "a b", "a\n", "é",
                                     "../x", "a:b" };
  for (size_t i = 0; i < sizeof good / sizeof *good; i++)
    {
      clawrt_error e = { 0 };
      CHECK(state_check_id(good[i], &e) == 0, "id \"%s\" accepted", good[i]);
      clawrt_error_clear(&e);
    }
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
    {
      clawrt_error e = { 0 };
      CHECK(state_check_id(bad[i], &e) < 0 && e.msg
                && strstr(e.msg, "invalid container ID format") != NULL,
            "id #%zu rejected with a message", i);
      clawrt_error_clear(&e);
    }
  char big[1100];
  memset(big, 'a', sizeof big);
  big[1024] = '\0';
  clawrt_error e = { 0 };
  CHECK(state_check_id(big, &e) == 0, "1024-byte id accepted");
  big[1024] = 'a';
  big[1025] = '\0';
  CHECK(state_check_id(big, &e) < 0, "1025-byte id rejected");
  clawrt_error_clear(&e);
}

static void
test_root(const char *tmp)
{
  clawrt_error e = { 0 };
  int fd = -1;
  cleanup_free char *nested = xasprintf("%s/a/b/root", tmp);
  CHECK(state_open_root(nested, &fd, &e) == 0, "nested root created");
  struct stat st;
  CHECK(fd >= 0 && fstat(fd, &st) == 0 && (st.st_mode & 0777) == 0700, "root is mode 0700");
  CHECK((fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0, "root fd is close-on-exec");
  close(fd);

  cleanup_free char *open_dir = xasprintf("%s/world", tmp);
  mkdir(open_dir, 0700);
  chmod(open_dir, 0777);
  CHECK(state_open_root(open_dir, &fd, &e) < 0 && strstr(e.msg, "writable by others"),
        "world-writable root refused");
  clawrt_error_clear(&e);
  CHECK(state_open_root("", &fd, &e) < 0, "empty root refused");
  clawrt_error_clear(&e);
}

static void
test_reserve(int rootfd)
{
  clawrt_error e = { 0 };
  int dfd = -1, dfd2 = -1;
  CHECK(state_reserve(rootfd, "c1", &dfd, &e) == 0, "reserve c1");
  CHECK(state_reserve(rootfd, "c1", &dfd2, &e) < 0 && e.errnum == EEXIST
            && msg_is(&e, "container with id exists: c1"),
        "second reserve of c1 fails with runc's message");
  clawrt_error_clear(&e);
  CHECK(state_reserve(rootfd, "../c1", &dfd2, &e) < 0, "reserve of a path refused");
  clawrt_error_clear(&e);

  /* the reserving fd holds LOCK_EX: another open file description cannot */
  int other = openat(rootfd, "c1", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  CHECK(other >= 0 && flock(other, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK,
        "reserved directory is locked");
  close(dfd);
  CHECK(flock(other, LOCK_SH | LOCK_NB) == 0, "lock released with the fd");
  close(other);

  CHECK(state_open(rootfd, "nope", 0, &dfd2, &e) < 0 && e.errnum == ENOENT
            && msg_is(&e, "container \"nope\" does not exist"),
        "open of an unknown id: does not exist");
  clawrt_error_clear(&e);
  CHECK(state_open(rootfd, "c1", LOCK_SH, &dfd2, &e) == 0, "open c1 with LOCK_SH");
  close(dfd2);
  CHECK(state_remove(rootfd, "c1", &e) == 0, "remove c1");
}

/* N processes reserve one id at once: exactly one may win. */
static void
test_reserve_race(int rootfd)
{
  enum { N = 24 };
  pid_t kids[N];
  int go[2];
  if (pipe(go) < 0)
    abort();
  for (int i = 0; i < N; i++)
    {
      kids[i] = fork();
      if (kids[i] == 0)
        {
          char c;
          close(go[1]);
          if (read(go[0], &c, 1) < 0)
            _exit(3);
          clawrt_error e = { 0 };
          int fd;
          if (state_reserve(rootfd, "race", &fd, &e) == 0)
            _exit(0);
          _exit(e.errnum == EEXIST ? 1 : 2);
        }
    }
  close(go[0]);
  close(go[1]); /* EOF releases them all at once */
  int won = 0, lost = 0;
  for (int i = 0; i < N; i++)
    {
      int st;
      waitpid(kids[i], &st, 0);
      if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
        won++;
      else if (WIFEXITED(st) && WEXITSTATUS(st) == 1)
        lost++;
    }
  CHECK(won == 1 && lost == N - 1, "%d racing reserves: %d won, %d got EEXIST", N, won, lost);
  clawrt_error e = { 0 };
  state_remove(rootfd, "race", &e);
  clawrt_error_clear(&e);
}

static void
test_roundtrip(int rootfd)
{
  clawrt_error e = { 0 };
  int dfd;
  if (state_reserve(rootfd, "rt", &dfd, &e) < 0)
    abort();
  container_state st = {
    .id = (char *) "rt",
    .bundle = (char *) "/b \"quoted\"",
    .rootfs = (char *) "/b/rootfs",
    .created = (char *) "2026-12-01T08:00:00.000000001Z",
    .owner = (char *) "root",
    .pid = 4242,
    .pid_start_time = 18446744073709551615ull,
    .started = true,
    .strict = true,
    .cgroup_json = (char *) "{\"driver\":\"v1\",\"path\":\"/x\"}",
  };
  char *ns[] = { (char *) "pid=/proc/1/ns/pid", (char *) "net=/proc/1/ns/net", NULL };
  st.ns_paths = ns;
  char *keys[] = { (char *) "k1", (char *) "io.x/y" };
  char *values[] = { (char *) "v1", (char *) "" };
  st.annotations = (oci_map){ keys, values, 2 };
  CHECK(state_write(dfd, &st, &e) == 0, "write state.json");
  struct stat sb;
  CHECK(fstatat(dfd, "state.json", &sb, 0) == 0 && (sb.st_mode & 0777) == 0600,
        "state.json is mode 0600");

  container_state *back = NULL;
  CHECK(state_read(dfd, &back, &e) == 0, "read state.json");
  if (back)
    {
      CHECK(strcmp(back->id, "rt") == 0 && strcmp(back->bundle, st.bundle) == 0
                && strcmp(back->rootfs, st.rootfs) == 0 && strcmp(back->created, st.created) == 0
                && strcmp(back->owner, "root") == 0,
            "strings survive");
      CHECK(back->pid == 4242 && back->pid_start_time == st.pid_start_time && back->started
                && back->strict,
            "numbers and booleans survive (uint64 max exact)");
      CHECK(back->cgroup_json && strcmp(back->cgroup_json, st.cgroup_json) == 0,
            "cgroup text survives");
      CHECK(strv_len(back->ns_paths) == 2 && strcmp(back->ns_paths[1], ns[1]) == 0,
            "namespace paths survive");
      CHECK(back->annotations.len == 2 && strcmp(back->annotations.keys[1], "io.x/y") == 0
                && strcmp(back->annotations.values[1], "") == 0,
            "annotations survive");
      container_state_free(back);
      back = NULL;
    }

  /* optional fields absent stay absent */
  container_state min = { .id = (char *) "rt" };
  CHECK(state_write(dfd, &min, &e) == 0 && state_read(dfd, &back, &e) == 0 && back
            && back->bundle == NULL && back->ns_paths == NULL && back->annotations.len == 0
            && !back->started && back->pid == 0,
        "minimal state round trip");
  container_state_free(back);
  back = NULL;

  static const char newer[] = "{\"clawrtStateVersion\":99,\"id\":\"rt\"}";
  atomic_write_at(dfd, "state.json", newer, sizeof newer - 1, 0600, &e);
  CHECK(state_read(dfd, &back, &e) < 0 && strstr(e.msg, "format version 99"),
        "state from a newer format refused");
  clawrt_error_clear(&e);
  static const char junk[] = "{\"clawrtStateVersion\":1,\"id\":5}";
  atomic_write_at(dfd, "state.json", junk, sizeof junk - 1, 0600, &e);
  CHECK(state_read(dfd, &back, &e) < 0 && strstr(e.msg, "state.json"),
        "wrong type refused naming state.json");
  clawrt_error_clear(&e);
  unlinkat(dfd, "state.json", 0);
  CHECK(state_read(dfd, &back, &e) < 0 && e.errnum == ENOENT && strstr(e.msg, "delete --force"),
        "missing state.json: says how to clean up");
  clawrt_error_clear(&e);
  close(dfd);
  state_remove(rootfd, "rt", &e);
  clawrt_error_clear(&e);
}

static void
test_list(int rootfd)
{
  clawrt_error e = { 0 };
  static const char *const ids[] = { "zeta", "alpha", "Mid", "b2" };
  for (size_t i = 0; i < 4; i++)
    {
      int fd;
      if (state_reserve(rootfd, ids[i], &fd, &e) < 0)
        abort();
      close(fd);
    }
  /* not containers: a file, a dot entry, a symlink to a directory */
  close(openat(rootfd, "file", O_CREAT | O_WRONLY | O_CLOEXEC, 0600));
  mkdirat(rootfd, ".removing-1-0", 0700);
  symlinkat("alpha", rootfd, "link");
  char **v = NULL;
  CHECK(state_list(rootfd, &v, &e) == 0, "list");
  CHECK(strv_len(v) == 4 && strcmp(v[0], "Mid") == 0 && strcmp(v[1], "alpha") == 0
            && strcmp(v[2], "b2") == 0 && strcmp(v[3], "zeta") == 0,
        "list is the 4 directories, sorted");
  strv_free(v);
  for (size_t i = 0; i < 4; i++)
    state_remove(rootfd, ids[i], &e);
  unlinkat(rootfd, "file", 0);
  unlinkat(rootfd, "link", 0);
  unlinkat(rootfd, ".removing-1-0", AT_REMOVEDIR);
  CHECK(state_list(rootfd, &v, &e) == 0 && v && v[0] == NULL, "empty root lists nothing");
  strv_free(v);
}

static void
test_remove(int rootfd, const char *tmp)
{
  clawrt_error e = { 0 };
  int dfd;
  if (state_reserve(rootfd, "rm", &dfd, &e) < 0)
    abort();
  /* a victim outside, reached by links from inside the container dir */
  cleanup_free char *outside = xasprintf("%s/outside", tmp);
  mkdir(outside, 0700);
  cleanup_free char *victim = xasprintf("%s/victim", outside);
  close(open(victim, O_CREAT | O_WRONLY | O_CLOEXEC, 0600));
  symlinkat(outside, dfd, "dirlink");
  symlinkat(victim, dfd, "filelink");
  mkdirat(dfd, "sub", 0700);
  mkdirat(dfd, "sub/deeper", 0700);
  int f = openat(dfd, "sub/deeper/x", O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
  close(f);
  mkfifoat(dfd, "exec.fifo", 0600);
  CHECK(state_remove(rootfd, "rm", &e) == 0, "remove a populated directory");
  struct stat sb;
  CHECK(fstatat(rootfd, "rm", &sb, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT, "it is gone");
  CHECK(stat(victim, &sb) == 0, "files behind symlinks untouched");
  char **v = NULL;
  state_list(rootfd, &v, &e);
  CHECK(v && v[0] == NULL, "nothing left behind in the root");
  strv_free(v);
  close(dfd);
  CHECK(state_remove(rootfd, "rm", &e) < 0 && e.errnum == ENOENT
            && msg_is(&e, "container \"rm\" does not exist"),
        "removing again: does not exist");
  clawrt_error_clear(&e);
}

/* A command that waited for the lock of a container deleted meanwhile
 * must find it gone, not act on the removed directory. */
static void
test_open_after_remove(int rootfd)
{
  clawrt_error e = { 0 };
  int dfd;
  if (state_reserve(rootfd, "gone", &dfd, &e) < 0)
    abort();
  pid_t kid = fork();
  if (kid == 0)
    {
      /* the inherited fd shares the parent's lock (flock belongs to the
       * open file description): let go of it as a separate process would */
      close(dfd);
      clawrt_error ke = { 0 };
      int fd;
      int r = state_open(rootfd, "gone", LOCK_EX, &fd, &ke);
      _exit(r < 0 && ke.errnum == ENOENT ? 0 : 1);
    }
  usleep(100 * 1000); /* let the child block on the lock */
  CHECK(state_remove(rootfd, "gone", &e) == 0, "remove while another waits for the lock");
  close(dfd);
  int st;
  waitpid(kid, &st, 0);
  CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the waiter then sees: does not exist");
}

static void
test_status(int rootfd)
{
  clawrt_error e = { 0 };
  int dfd;
  if (state_reserve(rootfd, "s", &dfd, &e) < 0)
    abort();
  container_state st = { .id = (char *) "s" };
  CHECK(strcmp(state_status(dfd, &st, false), "creating") == 0, "no pid yet: creating");

  CHECK(proc_start_time(getpid()) > 0, "own start time readable");
  pid_t kid = fork();
  if (kid == 0)
    {
      pause();
      _exit(0);
    }
  st.pid = kid;
  st.pid_start_time = proc_start_time(kid);
  CHECK(st.pid_start_time > 0, "child start time readable");
  mkfifoat(dfd, "exec.fifo", 0600);
  CHECK(strcmp(state_status(dfd, &st, false), "created") == 0, "live, fifo, not started: created");
  st.started = true;
  CHECK(strcmp(state_status(dfd, &st, false), "running") == 0, "started: running");
  CHECK(strcmp(state_status(dfd, &st, true), "paused") == 0, "frozen: paused");
  st.started = false;
  unlinkat(dfd, "exec.fifo", 0);
  CHECK(strcmp(state_status(dfd, &st, false), "running") == 0, "fifo consumed: running");
  st.pid_start_time += 1;
  CHECK(strcmp(state_status(dfd, &st, false), "stopped") == 0, "pid reused: stopped");
  st.pid_start_time -= 1;

  kill(kid, SIGKILL);
  /* a zombie is dead even before its parent reaps it */
  for (int i = 0; i < 100; i++)
    {
      siginfo_t si = { 0 };
      if (waitid(P_PID, kid, &si, WEXITED | WNOWAIT) == 0)
        break;
    }
  CHECK(strcmp(state_status(dfd, &st, false), "stopped") == 0, "zombie: stopped");
  waitpid(kid, NULL, 0);
  CHECK(strcmp(state_status(dfd, &st, false), "stopped") == 0, "reaped: stopped");
  CHECK(proc_start_time(kid) == 0, "dead pid has no start time");
  close(dfd);
  state_remove(rootfd, "s", &e);
}

static void
test_time(void)
{
  char *t = rfc3339_now();
  /* 2026-12-01T08:00:00.123456789Z */
  bool ok = strlen(t) == 30 && t[4] == '-' && t[10] == 'T' && t[19] == '.' && t[29] == 'Z';
  CHECK(ok, "rfc3339_now: %s", t);
  free(t);
}

int
main(void)
{
  char tmpl[] = "/tmp/test_state.XXXXXX";
  char *tmp = mkdtemp(tmpl);
  if (tmp == NULL)
    return 99;
  test_ids();
  test_root(tmp);
  clawrt_error e = { 0 };
  cleanup_free char *root = xasprintf("%s/root", tmp);
  int rootfd;
  if (state_open_root(root, &rootfd, &e) < 0)
    {
      printf("not ok - open root: %s\n", e.msg);
      return 1;
    }
  test_reserve(rootfd);
  test_reserve_race(rootfd);
  test_roundtrip(rootfd);
  test_list(rootfd);
  test_remove(rootfd, tmp);
  test_open_after_remove(rootfd);
  test_status(rootfd);
  test_time();
  close(rootfd);
  cleanup_free char *cmd = xasprintf("rm -rf '%s'", tmp);
  if (system(cmd) != 0)
    printf("# could not clean %s\n", tmp);
  return tap_done();
}
