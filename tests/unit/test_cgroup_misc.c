/* The smaller parts of the cgroup layer on fake trees: --systemd-cgroup path
 * parsing and the refusal without systemd, the freezer (v1 and v2), the
 * process list across sub-cgroups (of any name and depth, in every
 * hierarchy), their removal and thawing, v2 stats, checks that need no tree.
 * TAP output. */
#include "cgroup_fixture.h"
#include "cgroup/internal.h"

#include <inttypes.h>
#include <sys/resource.h>

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
  return fake_create(root, "f1", NULL);
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
  m = fake_create(root, "f2", NULL);
  CHECK(m != NULL, "v2 create");
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
  fake_remove(root);
}

/* path of a chain of `depth` dot-named levels under base: base/.0/.1/... */
static char *
chain(const char *base, int depth)
{
  char *p = xstrdup(base);
  for (int i = 0; i < depth; i++)
    {
      char *q = xasprintf("%s/.%d", p, i);
      free(p);
      p = q;
    }
  return p;
}

static void
test_tree(void)
{
  char *root = fake_root();
  clawrt_error e = { 0 };
  /* what a container may make below its leaf: dot names, 40 levels */
  fake_file(root, "leaf/cgroup.procs", "1\n");
  fake_file(root, "leaf/a/b/cgroup.procs", "2\n3\n");
  char *deep = chain("leaf/.hidden", 40);
  char *deep_procs = xasprintf("%s/cgroup.procs", deep);
  fake_file(root, deep_procs, "4\n");
  char *leaf = xasprintf("%s/leaf", root);
  int fd = open(leaf, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  pid_t *pids = NULL;
  size_t n = 0, cap = 0;
  CHECK(cg_collect_pids(fd, &pids, &n, &cap, &e) == 0 && n == 4,
        "pids in dot-named sub-cgroups 40 levels down are found too (%zu of 4) %s", n,
        errtext(&e));
  bool seen4 = false;
  for (size_t i = 0; i < n; i++)
    seen4 |= pids[i] == 4;
  CHECK(seen4, "the deepest one among them");
  free(pids);

  /* no fd per level: 40 levels walk within a handful of free fds (a
   * walk that held one per level would die of EMFILE, and a container
   * could make it) */
  struct rlimit old;
  getrlimit(RLIMIT_NOFILE, &old);
  int lowest = open("/dev/null", O_RDONLY | O_CLOEXEC);
  close(lowest);
  struct rlimit tight = { (rlim_t) lowest + 6, old.rlim_max };
  setrlimit(RLIMIT_NOFILE, &tight);
  pids = NULL;
  n = cap = 0;
  int rc = cg_collect_pids(fd, &pids, &n, &cap, &e);
  setrlimit(RLIMIT_NOFILE, &old);
  CHECK(rc == 0 && n == 4, "the walk needs a few fds, not one per level (%s)", errtext(&e));
  clawrt_error_clear(&e);
  free(pids);

  close(fd);
  free(leaf);
  free(deep_procs);
  free(deep);
  fake_remove(root);

  /* removal, children first, of a tree of bare directories (a fake
   * cgroup's files would make rmdir fail) */
  root = fake_root();
  char *h = xasprintf("%s/leaf/.h", root);
  char *dirs[] = { xasprintf("%s/leaf/x/y", root), chain(h, 40), xasprintf("%s/leaf/z", root) };
  free(h);
  for (size_t i = 0; i < 3; i++)
    {
      mkdirs(dirs[i]);
      free(dirs[i]);
    }
  leaf = xasprintf("%s/leaf", root);
  fd = open(leaf, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  CHECK(cg_rmdir_children(fd, &e) == 0 && fake_exists(root, "leaf") && !fake_exists(root, "leaf/x")
            && !fake_exists(root, "leaf/.h") && !fake_exists(root, "leaf/z"),
        "every sub-cgroup removed, dot-named and 40 deep too; the leaf stays (%s)", errtext(&e));
  clawrt_error_clear(&e);
  fake_file(root, "leaf/w/not-a-cgroup-file", "");
  CHECK(cg_rmdir_children(fd, &e) < 0 && has(&e, "remove sub-cgroup `w`"),
        "a sub-cgroup that cannot go is named: %s", errtext(&e));
  clawrt_error_clear(&e);
  close(fd);
  free(leaf);
  fake_remove(root);

  /* every hierarchy counts: a process only in a pids sub-cgroup (a host
   * tool put it there) keeps the container from being empty */
  root = fake_root();
  cgroup_manager *m = v1_freezer(root);
  fake_file(root, "freezer/clawrt/f1/cgroup.procs", "");
  fake_file(root, "pids/clawrt/f1/cgroup.procs", "");
  bool empty = false;
  CHECK(m && cgroup_is_empty(m, &empty, &e) == 0 && empty, "empty when no hierarchy lists a pid");
  fake_file(root, "pids/clawrt/f1/host/deeper/cgroup.procs", "77\n");
  CHECK(m && cgroup_is_empty(m, &empty, &e) == 0 && !empty,
        "not empty with a pid in another hierarchy's sub-cgroup only");
  fake_file(root, "freezer/clawrt/f1/cgroup.procs", "12\n77\n");
  fake_file(root, "pids/clawrt/f1/cgroup.procs", "12\n");
  pids = NULL;
  CHECK(m && cg_all_pids(m, &pids, &n, &e) == 0 && n == 2 && pids[0] == 12 && pids[1] == 77,
        "all pids of every hierarchy, sorted, once each (%zu)", n);
  free(pids);

  /* v1: what the container froze itself is thawed for the kill; what the
   * runtime paused is not */
  fake_file(root, "freezer/clawrt/f1/freezer.state", "THAWED");
  fake_file(root, "freezer/clawrt/f1/sub/freezer.state", "THAWED");
  fake_file(root, "freezer/clawrt/f1/sub/deeper/freezer.state", "FROZEN");
  if (m)
    cg_thaw_subcgroups(m);
  CHECK(fake_is(root, "freezer/clawrt/f1/sub/deeper/freezer.state", "FROZEN" "THAWED")
            && fake_is(root, "freezer/clawrt/f1/sub/freezer.state", "THAWED")
            && fake_is(root, "freezer/clawrt/f1/freezer.state", "THAWED"),
        "a frozen sub-cgroup is thawed, nothing else is written");
  fake_file(root, "freezer/clawrt/f1/freezer.state", "FROZEN");
  fake_file(root, "freezer/clawrt/f1/sub/deeper/freezer.state", "FROZEN");
  if (m)
    cg_thaw_subcgroups(m);
  CHECK(fake_is(root, "freezer/clawrt/f1/sub/deeper/freezer.state", "FROZEN"),
        "a paused container's sub-cgroups stay as they are");
  cgroup_manager_free(m);
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
  fake_map_free(&r.unified);
}

int
main(void)
{
  test_systemd();
  test_freezer();
  test_tree();
  test_validate();
  printf("1..%d\n", count);
  return failures ? 1 : 0;
}
