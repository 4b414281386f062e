/* Real-time group scheduling (rt.c): the fixed-point arithmetic the kernel
 * checks against, the plan that says what each ancestor must hold, what is
 * given back, and on a fake v1 cpu hierarchy which files get which value and
 * what the state remembers.  TAP output. */
#include "cgroup_fixture.h"
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

/* The container goes: the kernel removes its leaf (here: by hand), while
 * its parent holds runtime `held`; destroy must leave the parent with
 * `want` written after it. */
static void
leave(cg_fix *f, const char *leaf, const char *parent, const char *held, const char *want,
      const char *what)
{
  rm_leaf(f->root, leaf);
  level(f->root, parent, "1000000\n", held);
  CHECK(f->m && fix_destroy(f) == 0, "destroy: %s", errtext(&f->e));
  clawrt_error_clear(&f->e);
  char *file = xasprintf("cpu/%s/cpu.rt_runtime_us", parent);
  char *content = xasprintf("%s%s", held, want);
  CHECK(fake_is(f->root, file, content), "%s", what);
  free(file);
  free(content);
}

static void
test_default_parent(void)
{
  cg_fix f;
  fix_open(&f, tree());
  level(f.root, "clawrt", "1000000\n", "0\n");
  level(f.root, "clawrt/other", "1000000\n", "20000\n");
  level(f.root, "clawrt/c1", "1000000\n", "0\n");
  oci_cpu cpu = { .realtime_period = 1000000, .has_realtime_period = true,
                  .realtime_runtime = 10000, .has_realtime_runtime = true };
  oci_resources res = { .cpu = &cpu };
  CHECK(fix_create(&f, "c1", NULL, &res) == 0, "create: %s", errtext(&f.e));
  clawrt_error_clear(&f.e);
  CHECK(fake_is(f.root, "cpu/clawrt/cpu.rt_runtime_us", "0\n29999"),
        "/clawrt raised for the leaf and its sibling");
  CHECK(fake_is(f.root, "cpu/clawrt/c1/cpu.rt_period_us", "1000000\n1000000")
            && fake_is(f.root, "cpu/clawrt/c1/cpu.rt_runtime_us", "0\n10000"),
        "then the leaf: period, runtime");
  CHECK(fake_is(f.root, "cpu/clawrt/other/cpu.rt_runtime_us", "20000\n"), "the sibling untouched");
  char *ser = f.m ? cgroup_serialize(f.m) : NULL;
  CHECK(ser && strstr(ser, "\"rt_given\":[29999]"), "the state remembers what was given: %s",
        ser ? ser : "");
  cgroup_manager *back = NULL;
  CHECK(ser && cgroup_load(f.root, ser, &back, &f.e) == 0 && back->rt_given_len == 1
            && back->rt_given[0] == 29999,
        "and loads it back %s", errtext(&f.e));
  clawrt_error_clear(&f.e);
  cgroup_manager_free(back);
  free(ser);

  /* /clawrt shrinks to what the sibling needs (20971 of 2^20 -> 20000 us) */
  leave(&f, "clawrt/c1", "clawrt", "29999\n", "20000", "/clawrt trimmed to its children's need");
  fix_close(&f);
}

static void
test_foreign_parent(void)
{
  cg_fix f;
  fix_open(&f, tree());
  level(f.root, "pod", "1000000\n", "5000\n");
  level(f.root, "pod/c2", "1000000\n", "0\n");
  oci_cpu cpu = { .realtime_runtime = 10000, .has_realtime_runtime = true };
  oci_resources res = { .cpu = &cpu };
  CHECK(fix_create(&f, "c2", "/pod/c2", &res) == 0, "create: %s", errtext(&f.e));
  clawrt_error_clear(&f.e);
  CHECK(fake_is(f.root, "cpu/pod/cpu.rt_runtime_us", "5000\n10000")
            && fake_is(f.root, "cpu/pod/c2/cpu.rt_period_us", "1000000\n")
            && fake_is(f.root, "cpu/pod/c2/cpu.rt_runtime_us", "0\n10000"),
        "a parent not ours is raised by what is missing; no period written when none is given");
  CHECK(f.m && f.m->rt_given_len == 1 && f.m->rt_given[0] == 5000, "5000 us given");
  leave(&f, "pod/c2", "pod", "10000\n", "5000", "and gets back exactly what it had");
  fix_close(&f);
}

static void
test_refused(void)
{
  cg_fix f;
  fix_open(&f, tree());

  level(f.root, "clawrt", "1000000\n", "0\n");
  level(f.root, "clawrt/c3", "1000000\n", "0\n");
  oci_cpu big = { .realtime_runtime = 2000000, .has_realtime_runtime = true };
  oci_resources rb = { .cpu = &big };
  CHECK(fix_create(&f, "c3", NULL, &rb) < 0 && f.m == NULL
            && has(&f.e, "linux.resources.cpu.realtimeRuntime: a runtime of 2000000 us is more "
                       "than the period of 1000000 us"),
        "runtime over the period: %s", errtext(&f.e));
  clawrt_error_clear(&f.e);
  CHECK(fake_is(f.root, "cpu/clawrt/cpu.rt_runtime_us", "0\n"), "and nothing was raised");

  /* a kernel without CONFIG_RT_GROUP_SCHED has no cpu.rt_* files */
  fake_file(f.root, "cpu/clawrt/c4/cgroup.procs", "");
  oci_cpu small = { .realtime_runtime = 1000, .has_realtime_runtime = true };
  oci_resources rs = { .cpu = &small };
  fix_refused(&f, "c4", NULL, &rs,
              "linux.resources.cpu.realtimeRuntime: this kernel has no real-time group "
              "scheduling",
              "no real-time group scheduling");

  /* runtime 0 (the default) needs nothing from the parents: no lock, no walk */
  level(f.root, "clawrt/c5", "1000000\n", "0\n");
  oci_cpu zero = { .realtime_runtime = 0, .has_realtime_runtime = true };
  oci_resources rz = { .cpu = &zero };
  CHECK(fix_create(&f, "c5", NULL, &rz) == 0 && f.m->rt_given_len == 0
            && fake_is(f.root, "cpu/clawrt/c5/cpu.rt_runtime_us", "0\n0")
            && fake_is(f.root, "cpu/clawrt/cpu.rt_runtime_us", "0\n"),
        "runtime 0 is written to the leaf alone %s", errtext(&f.e));
  clawrt_error_clear(&f.e);
  fix_close(&f);
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
