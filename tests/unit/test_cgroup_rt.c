/* Real-time group scheduling (rt.c): the fixed-point arithmetic the kernel
 * checks against, the plan that says what each ancestor must hold, what is
 * given back, and on a fake v1 cpu hierarchy which files get which value and
 * what the state remembers.  TAP output. */
#include "cgroup_fake.h"
#include "cgroup/internal.h"

#include <inttypes.h>

static void
test_arith(void)
{
  CHECK(cg_rt_ratio(1000000, 10000) == 10485, "ratio 10000/1000000 = 10485 / 2^20 (truncated)");
  CHECK(cg_rt_ratio(1000000, -1) == (1u << 20), "unlimited runtime is the whole of it");
  CHECK(cg_rt_ratio(0, 5) == 0, "no period, no ratio");
  CHECK(cg_rt_runtime_for(1000000, 10485) == 10000, "the runtime back from the ratio (ceiling)");
  CHECK(cg_rt_ratio(1000000, cg_rt_runtime_for(1000000, 31456)) >= 31456
            && cg_rt_ratio(1000000, cg_rt_runtime_for(1000000, 31456) - 1) < 31456,
        "runtime_for gives the least runtime that covers the ratio");
  CHECK(cg_rt_runtime_for(UINT64_MAX, UINT64_MAX) == INT64_MAX, "no overflow");
}

static void
test_plan(void)
{
  int64_t t[3];
  cg_rt_level one[] = { { 1000000, 0, 0 } };
  cg_rt_plan(one, 1, cg_rt_ratio(1000000, 10000), t);
  CHECK(t[0] == 10000, "an empty parent gets what the leaf needs: %" PRId64, t[0]);

  cg_rt_level sib[] = { { 1000000, 0, cg_rt_ratio(1000000, 20000) } };
  cg_rt_plan(sib, 1, cg_rt_ratio(1000000, 10000), t);
  CHECK(t[0] == 29999, "siblings count too (20971 + 10485 of 2^20): %" PRId64, t[0]);

  cg_rt_level rich[] = { { 1000000, 500000, 0 } };
  cg_rt_plan(rich, 1, cg_rt_ratio(1000000, 10000), t);
  CHECK(t[0] == 500000, "a parent with enough is left alone: %" PRId64, t[0]);

  /* top /a (period 1 s), /a/b (period 0.5 s, another child at 5 %) */
  cg_rt_level two[] = { { 1000000, 0, 0 }, { 500000, 0, cg_rt_ratio(1000000, 50000) } };
  cg_rt_plan(two, 2, cg_rt_ratio(1000000, 10000), t);
  CHECK(t[1] == 30000 && t[0] == 60000,
        "each level covers the level below at its own period: %" PRId64 " %" PRId64, t[0], t[1]);

  cg_rt_level unl[] = { { 1000000, 0, 0 }, { 1000000, -1, 0 } };
  cg_rt_plan(unl, 2, cg_rt_ratio(1000000, 10000), t);
  CHECK(t[1] == -1 && t[0] == 1000000,
        "an unlimited level stays so and needs all of its parent: %" PRId64 " %" PRId64, t[0],
        t[1]);
}

static void
test_trim(void)
{
  uint64_t sib = cg_rt_ratio(1000000, 10000);
  CHECK(cg_rt_trim(1000000, 30000, sib, 20000, false) == 10000, "gives back what it got");
  CHECK(cg_rt_trim(1000000, 30000, sib, 30000, false) == 10000,
        "never below what the other children need");
  CHECK(cg_rt_trim(1000000, 30000, 0, 0, true) == 0, "the runtime's own parent: to the need");
  CHECK(cg_rt_trim(1000000, 30000, 0, 0, false) == 30000, "nothing given, nothing taken");
  CHECK(cg_rt_trim(1000000, 5000, sib, 0, true) == 5000, "never up");
  CHECK(cg_rt_trim(1000000, -1, 0, 100, true) == -1, "unlimited stays unlimited");
}

static const char *const mounts[] = { "cpu cgroup rw,cpu" };

static char *
tree(void)
{
  char *root = fake_root();
  fake_mountinfo(root, mounts, 1);
  return root;
}

/* A cpu cgroup as the kernel shows it: period and runtime, one line each. */
static void
level(const char *root, const char *rel, const char *period, const char *runtime)
{
  char *p = xasprintf("cpu/%s/cpu.rt_period_us", rel);
  char *r = xasprintf("cpu/%s/cpu.rt_runtime_us", rel);
  fake_file(root, p, period);
  fake_file(root, r, runtime);
  free(p);
  free(r);
  char *procs = xasprintf("cpu/%s/cgroup.procs", rel);
  fake_file(root, procs, "");
  free(procs);
}

static void
rm_leaf(const char *root, const char *rel)
{
  const char *files[] = { "cpu.rt_period_us", "cpu.rt_runtime_us", "cgroup.procs" };
  for (size_t i = 0; i < 3; i++)
    {
      char *p = xasprintf("%s/cpu/%s/%s", root, rel, files[i]);
      unlink(p);
      free(p);
    }
  char *d = xasprintf("%s/cpu/%s", root, rel);
  rmdir(d);
  free(d);
}

static cgroup_create_opts
opts(const char *root)
{
  static char mi[512];
  snprintf(mi, sizeof mi, "%s/mountinfo", root);
  return (cgroup_create_opts){ .root_prefix = root, .mountinfo_path = mi };
}

static void
test_default_parent(void)
{
  char *root = tree();
  level(root, "clawrt", "1000000\n", "0\n");
  level(root, "clawrt/other", "1000000\n", "20000\n");
  level(root, "clawrt/c1", "1000000\n", "0\n");
  oci_cpu cpu = { .realtime_period = 1000000, .has_realtime_period = true,
                  .realtime_runtime = 10000, .has_realtime_runtime = true };
  oci_resources res = { .cpu = &cpu };
  cgroup_create_opts o = opts(root);
  cgroup_manager *m = NULL;
  clawrt_error e = { 0 };
  CHECK(cgroup_create_with(&o, "c1", NULL, &res, &m, &e) == 0, "create: %s", errtext(&e));
  clawrt_error_clear(&e);
  CHECK(fake_is(root, "cpu/clawrt/cpu.rt_runtime_us", "0\n29999"),
        "/clawrt raised for the leaf and its sibling");
  CHECK(fake_is(root, "cpu/clawrt/c1/cpu.rt_period_us", "1000000\n1000000")
            && fake_is(root, "cpu/clawrt/c1/cpu.rt_runtime_us", "0\n10000"),
        "then the leaf: period, runtime");
  CHECK(fake_is(root, "cpu/clawrt/other/cpu.rt_runtime_us", "20000\n"), "the sibling untouched");
  char *ser = m ? cgroup_serialize(m) : NULL;
  CHECK(ser && strstr(ser, "\"rt_given\":[29999]"), "the state remembers what was given: %s",
        ser ? ser : "");
  cgroup_manager *back = NULL;
  CHECK(ser && cgroup_load(root, ser, &back, &e) == 0 && back->rt_given_len == 1
            && back->rt_given[0] == 29999,
        "and loads it back %s", errtext(&e));
  clawrt_error_clear(&e);
  cgroup_manager_free(back);
  free(ser);

  /* the container goes: its leaf is removed, /clawrt shrinks to what the
   * sibling needs (20971 of 2^20 -> 20000 us) */
  rm_leaf(root, "clawrt/c1");
  level(root, "clawrt", "1000000\n", "29999\n");
  CHECK(m && cgroup_destroy(m, &e) == 0, "destroy: %s", errtext(&e));
  clawrt_error_clear(&e);
  CHECK(fake_is(root, "cpu/clawrt/cpu.rt_runtime_us", "29999\n20000"),
        "/clawrt trimmed to its children's need");
  fake_remove(root);
}

static void
test_foreign_parent(void)
{
  char *root = tree();
  level(root, "pod", "1000000\n", "5000\n");
  level(root, "pod/c2", "1000000\n", "0\n");
  oci_cpu cpu = { .realtime_runtime = 10000, .has_realtime_runtime = true };
  oci_resources res = { .cpu = &cpu };
  cgroup_create_opts o = opts(root);
  cgroup_manager *m = NULL;
  clawrt_error e = { 0 };
  CHECK(cgroup_create_with(&o, "c2", "/pod/c2", &res, &m, &e) == 0, "create: %s", errtext(&e));
  clawrt_error_clear(&e);
  CHECK(fake_is(root, "cpu/pod/cpu.rt_runtime_us", "5000\n10000")
            && fake_is(root, "cpu/pod/c2/cpu.rt_period_us", "1000000\n")
            && fake_is(root, "cpu/pod/c2/cpu.rt_runtime_us", "0\n10000"),
        "a parent not ours is raised by what is missing; no period written when none is given");
  CHECK(m && m->rt_given_len == 1 && m->rt_given[0] == 5000, "5000 us given");
  rm_leaf(root, "pod/c2");
  level(root, "pod", "1000000\n", "10000\n");
  CHECK(m && cgroup_destroy(m, &e) == 0, "destroy: %s", errtext(&e));
  clawrt_error_clear(&e);
  CHECK(fake_is(root, "cpu/pod/cpu.rt_runtime_us", "10000\n5000"),
        "and gets back exactly what it had");
  fake_remove(root);
}

static void
test_refused(void)
{
  char *root = tree();
  clawrt_error e = { 0 };
  cgroup_create_opts o = opts(root);
  cgroup_manager *m = NULL;

  level(root, "clawrt", "1000000\n", "0\n");
  level(root, "clawrt/c3", "1000000\n", "0\n");
  oci_cpu big = { .realtime_runtime = 2000000, .has_realtime_runtime = true };
  oci_resources rb = { .cpu = &big };
  CHECK(cgroup_create_with(&o, "c3", NULL, &rb, &m, &e) < 0 && m == NULL
            && has(&e, "linux.resources.cpu.realtimeRuntime: a runtime of 2000000 us is more "
                       "than the period of 1000000 us"),
        "runtime over the period: %s", errtext(&e));
  clawrt_error_clear(&e);
  CHECK(fake_is(root, "cpu/clawrt/cpu.rt_runtime_us", "0\n"), "and nothing was raised");

  /* a kernel without CONFIG_RT_GROUP_SCHED has no cpu.rt_* files */
  fake_file(root, "cpu/clawrt/c4/cgroup.procs", "");
  oci_cpu small = { .realtime_runtime = 1000, .has_realtime_runtime = true };
  oci_resources rs = { .cpu = &small };
  CHECK(cgroup_create_with(&o, "c4", NULL, &rs, &m, &e) < 0
            && has(&e, "linux.resources.cpu.realtimeRuntime: this kernel has no real-time group "
                       "scheduling"),
        "no real-time group scheduling: %s", errtext(&e));
  clawrt_error_clear(&e);

  /* runtime 0 (the default) needs nothing from the parents: no lock, no walk */
  level(root, "clawrt/c5", "1000000\n", "0\n");
  oci_cpu zero = { .realtime_runtime = 0, .has_realtime_runtime = true };
  oci_resources rz = { .cpu = &zero };
  CHECK(cgroup_create_with(&o, "c5", NULL, &rz, &m, &e) == 0 && m->rt_given_len == 0
            && fake_is(root, "cpu/clawrt/c5/cpu.rt_runtime_us", "0\n0")
            && fake_is(root, "cpu/clawrt/cpu.rt_runtime_us", "0\n"),
        "runtime 0 is written to the leaf alone %s", errtext(&e));
  clawrt_error_clear(&e);
  cgroup_manager_free(m);
  fake_remove(root);
}

int
main(void)
{
  test_arith();
  test_plan();
  test_trim();
  test_default_parent();
  test_foreign_parent();
  test_refused();
  printf("1..%d\n", count);
  return failures ? 1 : 0;
}
