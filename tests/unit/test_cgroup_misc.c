/* The smaller parts of the cgroup layer on fake trees: --systemd-cgroup path
 * parsing and the refusal without systemd, the freezer (v1 and v2), the
 * process list across sub-cgroups, v2 stats, checks that need no tree.
 * TAP output. */
#include "cgroup_fake.h"

#include <inttypes.h>

static void
test_systemd(void)
{
  clawrt_error e = { 0 };
  char *p = NULL;
  CHECK(cgroup_systemd_path("system.slice:docker:abc", "id", &p, &e) == 0
            && strcmp(p, "/system.slice/docker-abc.scope") == 0,
        "slice:prefix:name -> %s", p ? p : errtext(&e));
  free(p);
  CHECK(cgroup_systemd_path("a-b-c.slice:pfx:n", "id", &p, &e) == 0
            && strcmp(p, "/a.slice/a-b.slice/a-b-c.slice/pfx-n.scope") == 0,
        "nested slice expands -> %s", p ? p : errtext(&e));
  free(p);
  CHECK(cgroup_systemd_path(":clawrt:", "c9", &p, &e) == 0
            && strcmp(p, "/system.slice/clawrt-c9.scope") == 0,
        "empty slice and name: system.slice and the id -> %s", p ? p : errtext(&e));
  free(p);
  CHECK(cgroup_systemd_path("-.slice::x", "id", &p, &e) == 0 && strcmp(p, "/x.scope") == 0,
        "root slice, no prefix -> %s", p ? p : errtext(&e));
  free(p);
  CHECK(cgroup_systemd_path("user.slice:p:sub.slice", "id", &p, &e) == 0
            && strcmp(p, "/user.slice/sub.slice") == 0,
        "a name that is a slice -> %s", p ? p : errtext(&e));
  free(p);
  CHECK(cgroup_systemd_path("/abs/path", "id", &p, &e) < 0
            && has(&e, "with --systemd-cgroup the path is \"slice:prefix:name\""),
        "a cgroupfs path with --systemd-cgroup: %s", errtext(&e));
  clawrt_error_clear(&e);
  CHECK(cgroup_systemd_path("foo:p:n", "id", &p, &e) < 0 && has(&e, "must end in \".slice\""),
        "slice without .slice: %s", errtext(&e));
  clawrt_error_clear(&e);
  CHECK(cgroup_systemd_path("a--b.slice:p:n", "id", &p, &e) < 0
            && has(&e, "not a valid slice name"),
        "bad slice name: %s", errtext(&e));
  clawrt_error_clear(&e);

  char *root = fake_root();
  fake_file(root, "1/comm", "process_api\n");
  CHECK(cgroup_systemd_check(root, &e) < 0
            && strcmp(e.msg, "systemd cgroup driver needs systemd running as init (PID 1 is "
                             "process_api); use the cgroupfs driver: drop --systemd-cgroup")
                   == 0,
        "no systemd: %s", errtext(&e));
  clawrt_error_clear(&e);
  cgroup_create_opts o = { .root_prefix = root, .proc_root = root, .systemd = true };
  cgroup_manager *m = NULL;
  CHECK(cgroup_create_with(&o, "x", "system.slice:clawrt:x", NULL, &m, &e) < 0
            && has(&e, "PID 1 is process_api") && m == NULL,
        "create with systemd=true refuses: %s", errtext(&e));
  clawrt_error_clear(&e);
  CHECK(cgroup_create_with(&o, "x", "/not/systemd", NULL, &m, &e) < 0
            && has(&e, "slice:prefix:name"),
        "path format checked first: %s", errtext(&e));
  clawrt_error_clear(&e);
  fake_file(root, "1/comm", "systemd\n");
  CHECK(cgroup_systemd_check(root, &e) == 0, "systemd as PID 1 passes the check");
  CHECK(cgroup_create_with(&o, "x", "system.slice:clawrt:x", NULL, &m, &e) < 0
            && has(&e, "not implemented yet") && has(&e, "/system.slice/clawrt-x.scope"),
        "with systemd: no fake driver, a clear error: %s", errtext(&e));
  clawrt_error_clear(&e);
  fake_remove(root);
}

static cgroup_manager *
v1_freezer(char *root)
{
  static const char *const mounts[] = { "freezer cgroup rw,freezer", "pids cgroup rw,pids" };
  fake_mountinfo(root, mounts, 2);
  static const char *const files[] = { "cgroup.procs", "freezer.state", NULL };
  fake_leaf(root, "freezer", "clawrt/f1", files);
  fake_leaf(root, "pids", "clawrt/f1", files);
  char *mi = xasprintf("%s/mountinfo", root);
  cgroup_create_opts o = { .root_prefix = root, .mountinfo_path = mi };
  cgroup_manager *m = NULL;
  clawrt_error e = { 0 };
  if (cgroup_create_with(&o, "f1", NULL, NULL, &m, &e) < 0)
    printf("# %s\n", errtext(&e));
  free(mi);
  return m;
}

static void
test_freezer(void)
{
  char *root = fake_root();
  cgroup_manager *m = v1_freezer(root);
  clawrt_error e = { 0 };
  bool frozen = true;
  fake_file(root, "freezer/clawrt/f1/freezer.state", "THAWED\n");
  CHECK(m && cgroup_is_frozen(m, &frozen, &e) == 0 && !frozen, "v1: empty state is not frozen");
  fake_file(root, "freezer/clawrt/f1/freezer.state", "");
  CHECK(m && cgroup_freeze(m, true, &e) == 0
            && fake_is(root, "freezer/clawrt/f1/freezer.state", "FROZEN"),
        "v1 freeze writes FROZEN and sees it (%s)", errtext(&e));
  CHECK(m && cgroup_is_frozen(m, &frozen, &e) == 0 && frozen, "v1: frozen");
  fake_file(root, "freezer/clawrt/f1/freezer.state", "");
  CHECK(m && cgroup_freeze(m, false, &e) == 0
            && fake_is(root, "freezer/clawrt/f1/freezer.state", "THAWED"),
        "v1 thaw");
  fake_file(root, "freezer/clawrt/f1/freezer.state", "FREEZING");
  CHECK(m && cgroup_is_frozen(m, &frozen, &e) == 0 && frozen,
        "v1: FREEZING already counts as paused");

  /* processes across sub-cgroups, from the freezer hierarchy */
  fake_file(root, "freezer/clawrt/f1/cgroup.procs", "10\n11\n");
  fake_file(root, "freezer/clawrt/f1/sub/cgroup.procs", "12\n");
  fake_file(root, "freezer/clawrt/f1/sub/deeper/cgroup.procs", "13\n");
  pid_t *pids = NULL;
  size_t n = 0;
  CHECK(m && cgroup_pids(m, &pids, &n, &e) == 0 && n == 4 && pids[0] == 10 && pids[3] == 13,
        "pids of the cgroup and its sub-cgroups (%zu)", n);
  free(pids);
  bool empty = true;
  CHECK(m && cgroup_is_empty(m, &empty, &e) == 0 && !empty, "not empty while pids are listed");
  cgroup_manager_free(m);
  fake_remove(root);

  root = fake_root();
  static const char *const mounts[] = { "- cgroup2 rw" };
  fake_mountinfo(root, mounts, 1);
  fake_file(root, "cgroup.controllers", "memory pids\n");
  fake_file(root, "cgroup.subtree_control", "memory pids\n");
  fake_file(root, "clawrt/cgroup.subtree_control", "memory pids\n");
  static const char *const files[] = { "cgroup.procs", "cgroup.freeze", NULL };
  fake_leaf(root, "", "clawrt/f2", files);
  fake_file(root, "clawrt/f2/cgroup.events", "populated 1\nfrozen 1\n");
  char *mi = xasprintf("%s/mountinfo", root);
  cgroup_create_opts o = { .root_prefix = root, .mountinfo_path = mi };
  m = NULL;
  CHECK(cgroup_create_with(&o, "f2", NULL, NULL, &m, &e) == 0, "v2 create (%s)", errtext(&e));
  CHECK(fake_is(root, "cgroup.subtree_control", "memory pids\n"),
        "controllers already enabled: subtree_control not written");
  CHECK(m && cgroup_freeze(m, true, &e) == 0 && fake_is(root, "clawrt/f2/cgroup.freeze", "1"),
        "v2 freeze writes cgroup.freeze and waits for cgroup.events (%s)", errtext(&e));
  CHECK(m && cgroup_is_frozen(m, &frozen, &e) == 0 && frozen, "v2 frozen");
  CHECK(m && cgroup_is_empty(m, &empty, &e) == 0 && !empty, "v2: populated 1 is not empty");
  fake_file(root, "clawrt/f2/cgroup.events", "populated 0\nfrozen 0\n");
  CHECK(m && cgroup_is_empty(m, &empty, &e) == 0 && empty, "v2: populated 0 is empty");

  fake_file(root, "clawrt/f2/memory.current", "4096\n");
  fake_file(root, "clawrt/f2/memory.max", "max\n");
  fake_file(root, "clawrt/f2/memory.peak", "8192\n");
  fake_file(root, "clawrt/f2/memory.events", "low 0\nhigh 0\nmax 7\noom 2\noom_kill 1\n");
  fake_file(root, "clawrt/f2/memory.stat", "anon 100\nfile 200\nkernel 300\n");
  fake_file(root, "clawrt/f2/pids.current", "2\n");
  fake_file(root, "clawrt/f2/pids.max", "20\n");
  fake_file(root, "clawrt/f2/pids.peak", "20\n");
  fake_file(root, "clawrt/f2/pids.events", "max 3\n");
  fake_file(root, "clawrt/f2/cpu.stat", "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\n"
                                        "nr_periods 4\nnr_throttled 1\nthrottled_usec 20\n");
  cgroup_stats s;
  CHECK(m && cgroup_get_stats(m, &s, &e) == 0, "v2 stats (%s)", errtext(&e));
  CHECK(s.has_memory && s.mem_usage == 4096 && s.mem_limit == CGROUP_UNLIMITED
            && s.has_mem_max_usage && s.mem_max_usage == 8192 && s.mem_failcnt == 7
            && s.oom_events == 2 && s.oom_kill == 1,
        "v2 memory: current, max, peak, events");
  CHECK(s.rss == 100 && s.cache == 200 && s.kernel_usage == 300, "v2 memory.stat anon/file/kernel");
  CHECK(s.has_pids && s.pids_current == 2 && s.pids_limit == 20 && s.pids_peak == 20
            && s.pids_max_events == 3,
        "v2 pids with peak and refused forks");
  CHECK(s.has_cpu && s.cpu_usage_ns == 1500000 && s.cpu_user_ns == 1000000
            && s.cpu_system_ns == 500000 && s.cpu_throttled_ns == 20000,
        "v2 cpu.stat in ns");
  cgroup_stats_free(&s);
  cgroup_manager_free(m);
  free(mi);
  fake_remove(root);
}

static void
test_validate(void)
{
  clawrt_error e = { 0 };
  if (cgroup_validate(NULL, NULL, &e) < 0)
    {
      printf("ok %d - # SKIP no cgroup hierarchy on this machine: %s\n", ++count, errtext(&e));
      clawrt_error_clear(&e);
      return;
    }
  oci_resources r = { .has_unified = true };
  oci_map_set(&r.unified, "cgroup.kill", "1");
  CHECK(cgroup_validate(NULL, &r, &e) < 0 && has(&e, "linux.resources.unified[\"cgroup.kill\"]"),
        "validate on this host without creating anything: %s", errtext(&e));
  clawrt_error_clear(&e);
  free(r.unified.keys[0]);
  free(r.unified.values[0]);
  free(r.unified.keys);
  free(r.unified.values);
}

int
main(void)
{
  test_systemd();
  test_freezer();
  test_validate();
  printf("1..%d\n", count);
  return failures ? 1 : 0;
}
