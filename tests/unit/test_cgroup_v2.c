/* The cgroup driver on a fake pure cgroup v2 host: the conversions
 * (cpu.shares -> cpu.weight, blkio weight -> io.weight, swap -> swap.max),
 * which file gets which value, which controllers get enabled where (and
 * only those), what v2 refuses, update.  TAP output. */
#include "cgroup_fixture.h"

#include <inttypes.h>

static const char *const mounts[] = { "- cgroup2 rw,nsdelegate" };
static const char *const f_leaf[] = {
  "cgroup.procs", "cgroup.events", "cgroup.freeze", "cgroup.kill", "memory.max",
  "memory.swap.max", "memory.low", "memory.high", "cpu.weight", "cpu.max", "cpu.max.burst",
  "cpu.idle", "cpuset.cpus", "cpuset.mems", "pids.max", "io.weight", "io.max",
  "hugetlb.2MB.max", "rdma.max", NULL
};

static char *
v2host(void)
{
  char *root = fake_root();
  fake_mountinfo(root, mounts, 1);
  fake_file(root, "cgroup.controllers", "cpuset cpu io memory hugetlb pids rdma misc\n");
  fake_file(root, "cgroup.subtree_control", "");
  fake_file(root, "clawrt/cgroup.subtree_control", "");
  return root;
}

static void
test_conversions(void)
{
  CHECK(cgroup_cpu_shares_to_weight(0) == 0, "shares 0: not set");
  CHECK(cgroup_cpu_shares_to_weight(2) == 1, "shares 2 -> weight 1");
  CHECK(cgroup_cpu_shares_to_weight(1024) == 100,
        "shares 1024 (v1 default) -> weight 100 (v2 default): %" PRIu64,
        cgroup_cpu_shares_to_weight(1024));
  CHECK(cgroup_cpu_shares_to_weight(262144) == 10000, "shares 262144 -> weight 10000");
  CHECK(cgroup_cpu_shares_to_weight(1) == 1 && cgroup_cpu_shares_to_weight(1u << 20) == 10000,
        "out of range clamps");
  CHECK(cgroup_cpu_shares_to_weight(512) == 59 && cgroup_cpu_shares_to_weight(2048) == 174,
        "shares 512 -> %" PRIu64 ", 2048 -> %" PRIu64, cgroup_cpu_shares_to_weight(512),
        cgroup_cpu_shares_to_weight(2048));
  bool mono = true;
  for (uint64_t s = 2, prev = 0; s <= 262144; s += 7)
    {
      uint64_t w = cgroup_cpu_shares_to_weight(s);
      mono &= w >= prev && w >= 1 && w <= 10000;
      prev = w;
    }
  CHECK(mono, "shares -> weight is monotonic within [1, 10000]");

  CHECK(cgroup_blkio_weight_to_io_weight(10) == 1 && cgroup_blkio_weight_to_io_weight(1000) == 10000
            && cgroup_blkio_weight_to_io_weight(500) == 4950,
        "blkio weight [10,1000] -> io.weight [1,10000] (500 -> %" PRIu64 ")",
        cgroup_blkio_weight_to_io_weight(500));

  clawrt_error e = { 0 };
  int64_t v = 0;
  CHECK(cgroup_swap_to_v2(128 << 20, 64 << 20, true, &v, &e) == 0 && v == 64 << 20,
        "swap 128M with limit 64M -> memory.swap.max 64M");
  CHECK(cgroup_swap_to_v2(64 << 20, 64 << 20, true, &v, &e) == 0 && v == 0,
        "swap == limit -> no swap at all");
  CHECK(cgroup_swap_to_v2(-1, 64 << 20, true, &v, &e) == 0 && v == -1, "swap -1 -> max");
  CHECK(cgroup_swap_to_v2(0, -1, true, &v, &e) == 0 && v == -1,
        "unlimited memory and swap 0 -> unlimited swap");
  CHECK(cgroup_swap_to_v2(0, 64 << 20, true, &v, &e) == 0 && v == INT64_MIN,
        "swap 0 with a limit -> not set");
  CHECK(cgroup_swap_to_v2(128 << 20, 0, false, &v, &e) < 0
            && has(&e, "linux.resources.memory.swap: a swap limit needs a memory limit"),
        "swap without limit: %s", errtext(&e));
  clawrt_error_clear(&e);
  CHECK(cgroup_swap_to_v2(32 << 20, 64 << 20, true, &v, &e) < 0
            && has(&e, "33554432 is below memory.limit 67108864"),
        "swap below limit: %s", errtext(&e));
  clawrt_error_clear(&e);
}

static void
test_full(void)
{
  cg_fix f;
  fix_open(&f, v2host());
  fake_leaf(f.root, "", "clawrt/c1", f_leaf);
  oci_memory mem = { .limit = 64 << 20, .has_limit = true, .swap = 128 << 20, .has_swap = true,
                     .reservation = 32 << 20, .has_reservation = true,
                     .disable_oom_killer = false, .has_disable_oom_killer = true };
  oci_cpu cpu = { .shares = 1024, .has_shares = true, .quota = 50000, .has_quota = true,
                  .period = 100000, .has_period = true, .burst = 1000, .has_burst = true,
                  .idle = 0, .has_idle = true, .cpus = "0-1", .mems = "0" };
  oci_pids pids = { .limit = 0, .has_limit = true };
  oci_weight_device wd = { .major = 8, .minor = 0, .weight = 1000, .has_weight = true };
  oci_throttle_device rbps = { .major = 8, .minor = 0, .rate = 1048576 };
  oci_throttle_device wiops = { .major = 8, .minor = 16, .rate = 100 };
  oci_block_io bio = { .weight = 500, .has_weight = true, .weight_device = &wd,
                       .weight_device_len = 1, .throttle_read_bps_device = &rbps,
                       .throttle_read_bps_device_len = 1, .throttle_write_iops_device = &wiops,
                       .throttle_write_iops_device_len = 1 };
  oci_hugepage_limit hp = { .page_size = "2MB", .limit = 4 << 20 };
  oci_rdma_entry rd = { .name = "mlx4_0", .hca_handles = 2, .has_hca_handles = true,
                        .hca_objects = 2000, .has_hca_objects = true };
  oci_resources res = { .memory = &mem, .cpu = &cpu, .pids = &pids, .block_io = &bio,
                        .hugepage_limits = &hp, .hugepage_limits_len = 1, .rdma = &rd,
                        .rdma_len = 1, .has_rdma = true, .has_unified = true };
  oci_map_set(&res.unified, "memory.high", "50M");
  int rc = fix_create(&f, "c1", NULL, &res);
  CHECK(rc == 0, "create with every v2 field (%s)", errtext(&f.e));
  if (rc < 0)
    return;
  CHECK(cgroup_manager_layout(f.m) == CGROUP_LAYOUT_V2 && cgroup_v2_fd(f.m) >= 0,
        "v2 layout, leaf fd");
  CHECK(fake_is(f.root, "cgroup.subtree_control", "+cpu +cpuset +memory +io +pids +hugetlb +rdma")
            && fake_is(f.root, "clawrt/cgroup.subtree_control",
                       "+cpu +cpuset +memory +io +pids +hugetlb +rdma"),
        "the controllers the fields need, enabled top-down");
  CHECK(fake_is(f.root, "clawrt/c1/memory.max", "67108864"), "memory.limit -> memory.max");
  CHECK(fake_is(f.root, "clawrt/c1/memory.swap.max", "67108864"),
        "memory.swap -> memory.swap.max = swap - limit");
  CHECK(fake_is(f.root, "clawrt/c1/memory.low", "33554432"), "memory.reservation -> memory.low");
  CHECK(fake_is(f.root, "clawrt/c1/cpu.weight", "100"), "cpu.shares 1024 -> cpu.weight 100");
  CHECK(fake_is(f.root, "clawrt/c1/cpu.max", "50000 100000"), "quota + period -> cpu.max");
  CHECK(fake_is(f.root, "clawrt/c1/cpu.max.burst", "1000"), "cpu.burst -> cpu.max.burst");
  CHECK(fake_is(f.root, "clawrt/c1/cpu.idle", "0"), "cpu.idle");
  CHECK(fake_is(f.root, "clawrt/c1/cpuset.cpus", "0-1")
            && fake_is(f.root, "clawrt/c1/cpuset.mems", "0"),
        "cpus, mems");
  CHECK(fake_is(f.root, "clawrt/c1/pids.max", "0"), "pids.limit 0 is a limit (runtime-spec 1.3)");
  CHECK(fake_is(f.root, "clawrt/c1/io.weight", "default 4950" "8:0 10000"),
        "blockIO.weight and weightDevice converted into io.weight");
  CHECK(fake_is(f.root, "clawrt/c1/io.max", "8:0 rbps=1048576" "8:16 wiops=100"),
        "throttles -> io.max");
  CHECK(fake_is(f.root, "clawrt/c1/hugetlb.2MB.max", "4194304"), "hugetlb.2MB.max");
  CHECK(fake_is(f.root, "clawrt/c1/rdma.max", "mlx4_0 hca_handle=2 hca_object=2000"), "rdma.max");
  CHECK(fake_is(f.root, "clawrt/c1/memory.high", "50M"), "unified key written as is");

  /* a second container: the parents already have everything, no write */
  fake_leaf(f.root, "", "clawrt/c2", f_leaf);
  oci_resources few = { .pids = &pids };
  CHECK(fix_create(&f, "c2", NULL, &few) == 0
            && fake_is(f.root, "cgroup.subtree_control",
                       "+cpu +cpuset +memory +io +pids +hugetlb +rdma"),
        "enabled controllers are read, not written again");
  fake_map_free(&res.unified);
  fix_close(&f);
}

static void
test_minimal(void)
{
  cg_fix f;
  fix_open(&f, v2host());
  fake_leaf(f.root, "", "clawrt/m1", f_leaf);
  CHECK(fix_create(&f, "m1", NULL, NULL) == 0, "create without resources");
  CHECK(fake_is(f.root, "cgroup.subtree_control", "+memory +pids")
            && fake_is(f.root, "clawrt/cgroup.subtree_control", "+memory +pids"),
        "only memory and pids (what explains a death) are enabled");
  CHECK(fake_is(f.root, "clawrt/m1/memory.max", "") && fake_is(f.root, "clawrt/m1/cpu.weight", ""),
        "no resource file written");
  CHECK(cgroup_enter(f.m, 99, &f.e) == 0 && fake_is(f.root, "clawrt/m1/cgroup.procs", "99"),
        "enter");
  CHECK(cgroup_enter_rest(f.m, 98, &f.e) == 0 && fake_is(f.root, "clawrt/m1/cgroup.procs", "99"),
        "enter_rest after CLONE_INTO_CGROUP: nothing left to do on v2");

  /* update */
  fake_file(f.root, "clawrt/m1/memory.max", "67108864");
  fake_file(f.root, "clawrt/m1/cpu.max", "50000 100000");
  fake_file(f.root, "clawrt/m1/memory.current", "70000000");
  oci_memory mem = { .swap = 128 << 20, .has_swap = true };
  oci_cpu cpu = { .period = 200000, .has_period = true };
  oci_resources r = { .memory = &mem, .cpu = &cpu };
  CHECK(cgroup_update(f.m, &r, &f.e) == 0, "update swap alone, period alone (%s)", errtext(&f.e));
  CHECK(fake_is(f.root, "clawrt/m1/memory.swap.max", "67108864"),
        "swap alone: converted against the live memory.max");
  CHECK(fake_is(f.root, "clawrt/m1/cpu.max", "50000 100000" "50000 200000"),
        "period alone keeps the live quota");
  CHECK(fake_is(f.root, "cgroup.subtree_control", "+memory +pids" "+cpu"),
        "update enables cpu lazily");
  oci_memory mem2 = { .limit = 60000000, .has_limit = true, .check_before_update = true,
                      .has_check_before_update = true };
  r = (oci_resources){ .memory = &mem2 };
  CHECK(cgroup_update(f.m, &r, &f.e) < 0 && has(&f.e, "below the current usage 70000000"),
        "checkBeforeUpdate on v2: %s", errtext(&f.e));
  clawrt_error_clear(&f.e);
  oci_cpu q = { .quota = -1, .has_quota = true };
  r = (oci_resources){ .cpu = &q };
  fake_file(f.root, "clawrt/m1/cpu.max", "");
  CHECK(cgroup_update(f.m, &r, &f.e) == 0 && fake_is(f.root, "clawrt/m1/cpu.max", "max"),
        "quota -1 alone -> \"max\"");
  fix_close(&f);
}

static void
test_refused(void)
{
  cg_fix f;
  fix_open(&f, v2host());
  fake_leaf(f.root, "", "clawrt/r1", f_leaf);
  struct
  {
    oci_resources r;
    const char *want;
  } cases[] = {
    { { .memory = &(oci_memory){ .swappiness = 10, .has_swappiness = true } },
      "linux.resources.memory.swappiness: cgroup v2 has no per-cgroup swappiness" },
    { { .memory = &(oci_memory){ .kernel = 1, .has_kernel = true } },
      "linux.resources.memory.kernel: cgroup v2 has no separate kernel memory limit" },
    { { .memory = &(oci_memory){ .kernel_tcp = 1, .has_kernel_tcp = true } },
      "linux.resources.memory.kernelTCP: cgroup v2 has no separate TCP buffer limit" },
    { { .memory = &(oci_memory){ .disable_oom_killer = true, .has_disable_oom_killer = true } },
      "linux.resources.memory.disableOOMKiller: cgroup v2 cannot disable the OOM killer" },
    { { .memory = &(oci_memory){ .swap = 1 << 20, .has_swap = true } },
      "linux.resources.memory.swap: a swap limit needs a memory limit" },
    { { .cpu = &(oci_cpu){ .realtime_runtime = 1000, .has_realtime_runtime = true } },
      "linux.resources.cpu.realtimeRuntime: cgroup v2 has no real-time group scheduling" },
    { { .block_io = &(oci_block_io){ .leaf_weight = 10, .has_leaf_weight = true } },
      "linux.resources.blockIO.leafWeight: cgroup v2 has no leaf weight" },
    { { .network = &(oci_network){ .class_id = 1, .has_class_id = true } },
      "linux.resources.network.classID: cgroup v2 has no net_cls controller" },
    { { .hugepage_limits = &(oci_hugepage_limit){ .page_size = "1GB", .limit = 1 },
        .hugepage_limits_len = 1 },
      "linux.resources.hugepageLimits[0]: this host has no 1GB huge pages" },
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    fix_refused(&f, "r1", NULL, &cases[i].r, cases[i].want, "refused");
  oci_resources u = { .has_unified = true };
  oci_map_set(&u.unified, "nosuch.file", "1");
  fix_refused(&f, "r1", NULL, &u,
              "linux.resources.unified[\"nosuch.file\"]: unknown controller `nosuch`",
              "unified key of an unknown controller");
  free(u.unified.keys[0]);
  free(u.unified.values[0]);
  u.unified.keys[0] = xstrdup("memory.nosuch");
  u.unified.values[0] = xstrdup("1");
  fix_refused(&f, "r1", NULL, &u,
              "linux.resources.unified[\"memory.nosuch\"]: this host's kernel has no "
              "cgroup file memory.nosuch",
              "unified key the kernel lacks");
  fake_map_free(&u.unified);
  fix_close(&f);
}

int
main(void)
{
  test_conversions();
  test_full();
  test_minimal();
  test_refused();
  printf("1..%d\n", count);
  return failures ? 1 : 0;
}
