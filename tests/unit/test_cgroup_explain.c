/* "Why did it die" and the events output: the rules of cgroup_explain_exit
 * (which limit is blamed on what evidence, and when nothing is), the `run
 * --stats` summary, byte formatting, the JSON lines of `events` in runc's
 * shape, and the OOM counters of the watch on fake v1 and v2 trees.
 * TAP output. */
#include "cgroup_fixture.h"

#include <poll.h>
#include <signal.h>
#include <sys/resource.h>

#include "json.h"

/* wait statuses as waitpid() builds them */
#define EXITED(n) (((n) & 0xff) << 8)
#define SIGNALED(s) ((s) & 0x7f)

static cgroup_stats
oom_stats(void)
{
  cgroup_stats s = { 0 };
  s.has_memory = true;
  s.mem_limit = 64ull << 20;
  s.has_mem_max_usage = true;
  s.mem_max_usage = 64ull << 20;
  s.oom_kill = 1;
  s.has_pids = true;
  s.pids_limit = 5;
  s.pids_peak = 5;
  return s;
}

static void
check_str(char *got, const char *want, const char *what)
{
  bool ok = (got == NULL && want == NULL) || (got && want && strcmp(got, want) == 0);
  if (!ok)
    printf("# got  %s\n# want %s\n", got ? got : "(null)", want ? want : "(null)");
  CHECK(ok, "%s", what);
  free(got);
}

static void
test_explain(void)
{
  cgroup_stats s = oom_stats();
  cgroup_exit_facts f = { .wait_status = SIGNALED(SIGKILL) };
  check_str(cgroup_explain_exit(&s, &f),
            "killed: memory limit exceeded (limit 64.0 MiB, peak 64.0 MiB, oom kills 1)",
            "SIGKILL with an OOM kill counted: the memory limit, with the figures");

  f.wait_status = EXITED(137);
  check_str(cgroup_explain_exit(&s, &f),
            "exited with status 137: memory limit exceeded (limit 64.0 MiB, peak 64.0 MiB, "
            "oom kills 1)",
            "a shell whose child was OOM-killed: blamed with its own exit status");

  f.wait_status = EXITED(0);
  check_str(cgroup_explain_exit(&s, &f), NULL, "a clean exit explains nothing, OOM or not");

  s.oom_kill = 0;
  f.wait_status = SIGNALED(SIGKILL);
  check_str(cgroup_explain_exit(&s, &f), NULL, "a plain SIGKILL (kill -9) blames no limit");

  s.pids_max_events = 3;
  check_str(cgroup_explain_exit(&s, &f), NULL,
            "refused forks do not explain a SIGKILL: the kernel does not kill for them");
  f.wait_status = EXITED(1);
  check_str(cgroup_explain_exit(&s, &f),
            "exited with status 1: pids limit reached (limit 5, peak 5, forks refused 3)",
            "failure after refused forks: the pids limit");
  f.wait_status = SIGNALED(SIGSEGV);
  check_str(cgroup_explain_exit(&s, &f),
            "killed by SIGSEGV: pids limit reached (limit 5, peak 5, forks refused 3)",
            "a crash after refused forks names its signal");
  s.pids_peak = 0;
  f.wait_status = EXITED(2);
  check_str(cgroup_explain_exit(&s, &f),
            "exited with status 2: pids limit reached (limit 5, forks refused 3)",
            "no pids.peak on this kernel: the peak is left out, not made up");

  s = oom_stats();
  s.mem_limit = CGROUP_UNLIMITED;
  f.wait_status = SIGNALED(SIGKILL);
  check_str(cgroup_explain_exit(&s, &f),
            "killed: out of memory without a memory limit of its own: the host or a parent "
            "cgroup ran out (oom kills 1, peak 64.0 MiB)",
            "OOM kill without a limit: not blamed on a limit it does not have");

  /* RLIMIT_CPU */
  cgroup_exit_facts c = { .wait_status = SIGNALED(SIGXCPU), .has_rlimit_cpu = true,
                          .rlimit_cpu_soft = 1, .rlimit_cpu_hard = 2, .has_init_cpu = true,
                          .init_cpu_ns = 1010000000ull };
  check_str(cgroup_explain_exit(NULL, &c),
            "killed by SIGXCPU: CPU time limit exceeded (RLIMIT_CPU soft 1 s, used 1.01 s)",
            "SIGXCPU with RLIMIT_CPU: the soft limit");
  c.wait_status = SIGNALED(SIGKILL);
  c.init_cpu_ns = 1700000000ull;
  check_str(cgroup_explain_exit(NULL, &c),
            "killed: CPU time limit exceeded (RLIMIT_CPU hard 2 s, used 1.70 s)",
            "SIGKILL near the hard CPU limit (/proc's precise time is below the kernel's ticks)");
  c.init_cpu_ns = 1500000000ull;
  check_str(cgroup_explain_exit(NULL, &c), NULL,
            "SIGKILL well below the hard CPU limit: not the limit");
  cgroup_stats ticks = { .has_cpu = true, .cpu_usage_ns = 820000000ull, .cpu_user_ns = 1000000000ull };
  c.rlimit_cpu_hard = 1;
  c.init_cpu_ns = 820000000ull;
  check_str(cgroup_explain_exit(&ticks, &c),
            "killed: CPU time limit exceeded (RLIMIT_CPU hard 1 s, used 1.00 s)",
            "v1: the cgroup's tick-based time corrects the init's figure");
  c.rlimit_cpu_hard = 2;
  c.has_rlimit_cpu = false;
  c.wait_status = SIGNALED(SIGXCPU);
  check_str(cgroup_explain_exit(NULL, &c), NULL, "SIGXCPU without RLIMIT_CPU: someone's kill");
  c.has_rlimit_cpu = true;
  c.rlimit_cpu_soft = c.rlimit_cpu_hard = (uint64_t) RLIM_INFINITY;
  c.wait_status = SIGNALED(SIGKILL);
  c.init_cpu_ns = UINT64_MAX / 2;
  check_str(cgroup_explain_exit(NULL, &c), NULL, "an unlimited RLIMIT_CPU blames nothing");

  s = oom_stats();
  c.rlimit_cpu_hard = 2;
  c.init_cpu_ns = 3000000000ull;
  check_str(cgroup_explain_exit(&s, &c),
            "killed: memory limit exceeded (limit 64.0 MiB, peak 64.0 MiB, oom kills 1)",
            "a counted OOM kill comes before the CPU guess");
}

static void
test_summary(void)
{
  check_str(cgroup_format_bytes(33554432), "32.0 MiB", "32 MiB");
  check_str(cgroup_format_bytes(512), "512 B", "bytes");
  check_str(cgroup_format_bytes(1536), "1.5 KiB", "KiB with a decimal");
  check_str(cgroup_format_bytes(3ull << 30), "3.0 GiB", "GiB");
  check_str(cgroup_format_bytes(CGROUP_UNLIMITED), "unlimited", "max");

  cgroup_stats s = oom_stats();
  s.has_cpu = true;
  s.cpu_usage_ns = 520000000;
  s.cpu_user_ns = 500000000;
  s.cpu_system_ns = 20000000;
  s.pids_max_events = 2;
  check_str(cgroup_stats_summary(&s),
            "cpu 0.52 s (user 0.50 s, system 0.02 s), peak memory 64.0 MiB (limit 64.0 MiB, "
            "oom kills 1), peak pids 5 (limit 5, forks refused 2)",
            "stats summary with every part");
  cgroup_stats t = { .has_memory = true, .mem_limit = CGROUP_UNLIMITED };
  check_str(cgroup_stats_summary(&t), "peak memory unknown (no limit)",
            "no peak file, no limit: said so");
  cgroup_stats u = { 0 };
  check_str(cgroup_stats_summary(&u), "no resource statistics", "nothing at all");
}

static const json_value *
path(const json_value *v, const char *p)
{
  char *copy = strdup(p), *save = NULL;
  for (char *k = strtok_r(copy, ".", &save); k && v; k = strtok_r(NULL, ".", &save))
    v = json_object_get(v, k);
  free(copy);
  return v;
}

static bool
num_is(const json_value *root, const char *p, const char *want)
{
  const json_value *v = path(root, p);
  bool ok = v && json_typeof(v) == JSON_NUMBER && strcmp(json_number_text(v), want) == 0;
  if (!ok)
    printf("# %s: got %s, want %s\n", p, v && json_typeof(v) == JSON_NUMBER ? json_number_text(v) : "(none)", want);
  return ok;
}

static void
test_json(void)
{
  cgroup_stats s = oom_stats();
  s.mem_usage = 4096;
  s.has_swap = true;
  s.swap_limit = CGROUP_UNLIMITED;
  s.has_cpu = true;
  s.cpu_usage_ns = 1500;
  s.cpu_system_ns = 500;
  s.cpu_user_ns = 1000;
  uint64_t percpu[] = { 0, 1500 };
  s.cpu_percpu_ns = percpu;
  s.cpu_percpu_len = 2;
  s.pids_current = 2;
  s.pids_limit = 50;
  cgroup_kv raw[] = { { (char *) "total_rss", 7 } };
  s.mem_raw = raw;
  s.mem_raw_len = 1;
  cgroup_blkio_entry io[] = { { 8, 0, (char *) "Read", 4096 } };
  s.io_service_bytes = io;
  s.io_service_bytes_len = 1;
  cgroup_hugetlb_stat h[] = { { (char *) "2MB", 0, 0, 3 } };
  s.hugetlb = h;
  s.hugetlb_len = 1;
  char *out = NULL;
  clawrt_error e = { 0 };
  json_value *v = NULL;
  CHECK(cgroup_event_json("stats", "c1", &s, &out, &e) == 0
            && json_parse(out, strlen(out), "event", &v, &e) == 0,
        "stats event is JSON (%s)", out ? out : errtext(&e));
  CHECK(v && strcmp(json_string(json_object_get(v, "type")), "stats") == 0
            && strcmp(json_string(json_object_get(v, "id")), "c1") == 0,
        "type and id");
  CHECK(v && num_is(v, "data.memory.usage.limit", "67108864")
            && num_is(v, "data.memory.usage.usage", "4096")
            && num_is(v, "data.memory.usage.failcnt", "0")
            && num_is(v, "data.memory.swap.limit", "18446744073709551615")
            && num_is(v, "data.memory.raw.total_rss", "7"),
        "memory: usage, swap (max as 2^64-1), raw");
  CHECK(v && num_is(v, "data.pids.current", "2") && num_is(v, "data.pids.limit", "50"),
        "pids current and limit");
  CHECK(v && num_is(v, "data.cpu.usage.total", "1500") && num_is(v, "data.cpu.usage.kernel", "500")
            && num_is(v, "data.cpu.usage.user", "1000")
            && json_array_len(path(v, "data.cpu.usage.percpu")) == 2
            && path(v, "data.cpu.throttling") && !path(v, "data.cpu.throttling.periods"),
        "cpu usage; zero throttling fields left out as runc does");
  const json_value *b = path(v, "data.blkio.ioServiceBytesRecursive");
  CHECK(b && json_array_len(b) == 1
            && strcmp(json_string(json_object_get(json_array_get(b, 0), "op")), "Read") == 0
            && num_is(json_array_get(b, 0), "major", "8") && !path(json_array_get(b, 0), "minor")
            && !path(v, "data.blkio.ioServicedRecursive"),
        "blkio entries (zero minor and empty lists left out)");
  CHECK(v && num_is(v, "data.hugetlb.2MB.failcnt", "3") && !path(v, "data.hugetlb.2MB.usage"),
        "hugetlb by page size");
  json_free(v);
  free(out);

  s.pids_limit = CGROUP_UNLIMITED;
  v = NULL;
  CHECK(cgroup_event_json("stats", "c1", &s, &out, &e) == 0
            && json_parse(out, strlen(out), "event", &v, &e) == 0 && path(v, "data.pids")
            && !path(v, "data.pids.limit"),
        "pids limit max: left out, as runc does");
  json_free(v);
  free(out);

  CHECK(cgroup_event_json("oom", "c\"1", NULL, &out, &e) == 0
            && strcmp(out, "{\"type\":\"oom\",\"id\":\"c\\\"1\"}") == 0,
        "oom event has no data: %s", out);
  free(out);
}

static cgroup_manager *
make(char *root, const char *const *mounts, size_t nm, const char *mount, const char *id,
     const char *const *files)
{
  fake_mountinfo(root, mounts, nm);
  fake_leaf(root, mount, id, files);
  char *cgpath = xasprintf("/%s", id);
  cgroup_manager *m = fake_create(root, id, cgpath);
  free(cgpath);
  return m;
}

static void
test_oom_watch(void)
{
  char *root = fake_root();
  static const char *const v2m[] = { "- cgroup2 rw" };
  fake_file(root, "cgroup.controllers", "memory pids\n");
  fake_file(root, "cgroup.subtree_control", "memory pids\n");
  static const char *const v2f[] = { "cgroup.procs", NULL };
  fake_file(root, "w2/memory.events", "low 0\nhigh 0\nmax 1\noom 1\noom_kill 1\n");
  cgroup_manager *m = make(root, v2m, 1, "", "w2", v2f);
  cgroup_oom_watch *w = NULL;
  clawrt_error e = { 0 };
  uint64_t n = 9;
  short ev;
  CHECK(m && cgroup_oom_watch_open(m, &w, &e) == 0 && cgroup_oom_watch_fd(w, &ev) >= 0
            && ev == POLLPRI,
        "v2 watch on memory.events, POLLPRI (%s)", errtext(&e));
  CHECK(w && cgroup_oom_watch_read(w, &n, &e) == 0 && n == 0,
        "v2: what happened before the watch is not reported");
  fake_file(root, "w2/memory.events", "low 0\nhigh 4\nmax 9\noom 1\noom_kill 1\n");
  CHECK(w && cgroup_oom_watch_read(w, &n, &e) == 0 && n == 0,
        "v2: other counters moving are no OOM");
  fake_file(root, "w2/memory.events", "low 0\nhigh 4\nmax 9\noom 3\noom_kill 3\n");
  CHECK(w && cgroup_oom_watch_read(w, &n, &e) == 0 && n == 2, "v2: two new OOM kills: %lu",
        (unsigned long) n);
  cgroup_oom_watch_free(w);
  cgroup_manager_free(m);
  fake_remove(root);

  root = fake_root();
  static const char *const v1m[] = { "memory cgroup rw,memory" };
  static const char *const v1f[] = { "cgroup.procs", "cgroup.event_control", NULL };
  fake_file(root, "memory/w1/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n");
  m = make(root, v1m, 1, "memory", "w1", v1f);
  w = NULL;
  CHECK(m && cgroup_oom_watch_open(m, &w, &e) == 0 && cgroup_oom_watch_fd(w, &ev) >= 0
            && ev == POLLIN,
        "v1 watch: an eventfd (%s)", errtext(&e));
  char *reg = fake_read(root, "memory/w1/cgroup.event_control");
  int a = -1, b = -1;
  CHECK(reg && sscanf(reg, "%d %d", &a, &b) == 2 && a >= 0 && b >= 0,
        "v1: \"<eventfd> <oom_control fd>\" registered in cgroup.event_control: %s", reg);
  free(reg);
  /* the kernel signals the eventfd as the OOM starts, before it counts the kill */
  uint64_t one = 1;
  int efd = w ? cgroup_oom_watch_fd(w, &ev) : -1;
  CHECK(efd >= 0 && write(efd, &one, sizeof one) == sizeof one
            && cgroup_oom_watch_read(w, &n, &e) == 0 && n == 1,
        "v1: a notification before its kill is counted is an OOM");
  fake_file(root, "memory/w1/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 1\n");
  CHECK(w && cgroup_oom_watch_read(w, &n, &e) == 0 && n == 0,
        "v1: its kill counted later is the same OOM");
  fake_file(root, "memory/w1/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n");
  CHECK(w && cgroup_oom_watch_read(w, &n, &e) == 0 && n == 1,
        "v1: a kill counted (its wake-up still to come) is an OOM");
  CHECK(efd >= 0 && write(efd, &one, sizeof one) == sizeof one
            && cgroup_oom_watch_read(w, &n, &e) == 0 && n == 0,
        "v1: and its late notification is the same OOM");
  CHECK(efd >= 0 && write(efd, &one, sizeof one) == sizeof one
            && cgroup_oom_watch_read(w, &n, &e) == 0 && n == 1,
        "v1: OOM killer disabled: a notification without a kill is an OOM too");
  fake_remove(root);
  CHECK(w && cgroup_oom_watch_read(w, &n, &e) == 0 && n == 0,
        "v1: the cgroup gone is no OOM (%s)", errtext(&e));
  cgroup_oom_watch_free(w);
  cgroup_manager_free(m);
}

int
main(void)
{
  test_explain();
  test_summary();
  test_json();
  test_oom_watch();
  printf("1..%d\n", count);
  return failures ? 1 : 0;
}
