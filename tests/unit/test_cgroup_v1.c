/* The cgroup driver on a fake hybrid host (v1 controllers, co-mounted
 * cpu,cpuacct and net_cls,net_prio, cgroup2 at unified/ offering only
 * hugetlb, like this project's CI host): which file gets which value, what
 * is refused and how the error names the field, paths, enter, update,
 * serialize/load, destroy.  TAP output. */
#include "cgroup_fixture.h"

#include <signal.h>

static const char *const mounts[] = {
  "cpu,cpuacct cgroup rw,cpu,cpuacct", "cpuset cgroup rw,cpuset",
  "memory cgroup rw,memory",           "devices cgroup rw,devices",
  "freezer cgroup rw,freezer",         "blkio cgroup rw,blkio",
  "pids cgroup rw,pids",               "net_cls,net_prio cgroup rw,net_cls,net_prio",
  "systemd cgroup rw,xattr,name=systemd", "unified cgroup2 rw,nsdelegate",
};

static const char *const f_cpu[] = { "cgroup.procs", "cpu.shares", "cpu.cfs_period_us",
                                     "cpu.cfs_quota_us", "cpu.cfs_burst_us", "cpu.rt_period_us",
                                     "cpu.rt_runtime_us", "cpu.idle", "cpuacct.usage", NULL };
static const char *const f_cpuset[] = { "cgroup.procs", "cpuset.cpus", "cpuset.mems", NULL };
static const char *const f_memory[] = { "cgroup.procs", "memory.limit_in_bytes",
                                        "memory.memsw.limit_in_bytes",
                                        "memory.soft_limit_in_bytes",
                                        "memory.kmem.tcp.limit_in_bytes", "memory.swappiness",
                                        "memory.oom_control", "memory.use_hierarchy", NULL };
static const char *const f_devices[] = { "cgroup.procs", "devices.allow", "devices.deny", NULL };
static const char *const f_freezer[] = { "cgroup.procs", "freezer.state", NULL };
static const char *const f_blkio[] = { "cgroup.procs", "blkio.bfq.weight",
                                       "blkio.bfq.weight_device",
                                       "blkio.throttle.read_bps_device",
                                       "blkio.throttle.write_bps_device",
                                       "blkio.throttle.read_iops_device",
                                       "blkio.throttle.write_iops_device", NULL };
static const char *const f_pids[] = { "cgroup.procs", "pids.max", NULL };
static const char *const f_net[] = { "cgroup.procs", "net_cls.classid", "net_prio.ifpriomap",
                                     NULL };
static const char *const f_unified[] = { "cgroup.procs", "cgroup.kill", "cgroup.freeze",
                                         "cgroup.events", "cgroup.subtree_control",
                                         "hugetlb.2MB.max", NULL };

static char *
hybrid(void)
{
  char *root = fake_root();
  fake_mountinfo(root, mounts, sizeof mounts / sizeof mounts[0]);
  fake_file(root, "unified/cgroup.controllers", "hugetlb\n");
  fake_file(root, "unified/cgroup.subtree_control", "");
  fake_file(root, "cpuset/cpuset.cpus", "0-3\n");
  fake_file(root, "cpuset/cpuset.mems", "0\n");
  /* the symlinks a distribution adds: never followed, mountinfo rules */
  char *l = xasprintf("%s/cpu", root);
  symlink("cpu,cpuacct", l);
  free(l);
  return root;
}

static void
leaf(const char *root, const char *rel)
{
  fake_leaf(root, "cpu,cpuacct", rel, f_cpu);
  fake_leaf(root, "cpuset", rel, f_cpuset);
  fake_leaf(root, "memory", rel, f_memory);
  fake_leaf(root, "devices", rel, f_devices);
  fake_leaf(root, "freezer", rel, f_freezer);
  fake_leaf(root, "blkio", rel, f_blkio);
  fake_leaf(root, "pids", rel, f_pids);
  fake_leaf(root, "net_cls,net_prio", rel, f_net);
  fake_leaf(root, "unified", rel, f_unified);
}

static void
test_full(void)
{
  cg_fix f;
  fix_open(&f, hybrid());
  leaf(f.root, "clawrt/c1");
  /* real-time settings as a new cgroup has them: the parent gets what the
   * leaf needs first */
  fake_file(f.root, "cpu,cpuacct/clawrt/c1/cpu.rt_period_us", "1000000\n");
  fake_file(f.root, "cpu,cpuacct/clawrt/c1/cpu.rt_runtime_us", "0\n");
  fake_file(f.root, "cpu,cpuacct/clawrt/cpu.rt_period_us", "1000000\n");
  fake_file(f.root, "cpu,cpuacct/clawrt/cpu.rt_runtime_us", "0\n");
  fake_file(f.root, "cpuset/clawrt/cpuset.cpus", "");
  fake_file(f.root, "cpuset/clawrt/cpuset.mems", "");
  fake_file(f.root, "unified/clawrt/cgroup.subtree_control", "");

  oci_memory mem = { .limit = 64 << 20, .has_limit = true, .swap = 128 << 20, .has_swap = true,
                     .reservation = 32 << 20, .has_reservation = true, .kernel_tcp = 1 << 20,
                     .has_kernel_tcp = true, .swappiness = 10, .has_swappiness = true,
                     .disable_oom_killer = true, .has_disable_oom_killer = true,
                     .use_hierarchy = true, .has_use_hierarchy = true };
  oci_cpu cpu = { .shares = 512, .has_shares = true, .quota = 50000, .has_quota = true,
                  .period = 100000, .has_period = true, .burst = 1000, .has_burst = true,
                  .realtime_period = 1000000, .has_realtime_period = true,
                  .realtime_runtime = 950000, .has_realtime_runtime = true, .idle = 1,
                  .has_idle = true, .cpus = "2-3", .mems = "0" };
  oci_pids pids = { .limit = 100, .has_limit = true };
  oci_weight_device wd = { .major = 8, .minor = 0, .weight = 300, .has_weight = true };
  oci_throttle_device rbps = { .major = 8, .minor = 0, .rate = 1048576 };
  oci_throttle_device wiops = { .major = 8, .minor = 16, .rate = 100 };
  oci_block_io bio = { .weight = 500, .has_weight = true, .weight_device = &wd,
                       .weight_device_len = 1, .throttle_read_bps_device = &rbps,
                       .throttle_read_bps_device_len = 1, .throttle_write_iops_device = &wiops,
                       .throttle_write_iops_device_len = 1 };
  oci_hugepage_limit hp = { .page_size = "2MB", .limit = 4 << 20 };
  oci_net_priority prio = { .name = "eth0", .priority = 5 };
  oci_network net = { .class_id = 0x100001, .has_class_id = true, .priorities = &prio,
                      .priorities_len = 1 };
  oci_device_cgroup devs[] = {
    { .allow = false, .access = "rwm" },
    { .allow = true, .type = "c", .major = 1, .has_major = true, .minor = 3, .has_minor = true,
      .access = "rwm" },
    { .allow = true, .type = "c", .major = 136, .has_major = true, .minor = -1,
      .has_minor = true, .access = "rw" },
    { .allow = true, .type = "a", .major = 7, .has_major = true, .access = "r" },
  };
  oci_resources res = { .memory = &mem, .cpu = &cpu, .pids = &pids, .block_io = &bio,
                        .hugepage_limits = &hp, .hugepage_limits_len = 1, .network = &net,
                        .devices = devs, .devices_len = 4 };
  int rc = fix_create(&f, "c1", NULL, &res);
  CHECK(rc == 0, "create with every v1 field on a hybrid host (%s)", errtext(&f.e));
  if (rc < 0)
    {
      fix_close(&f);
      return;
    }
  CHECK(cgroup_manager_layout(f.m) == CGROUP_LAYOUT_HYBRID, "layout hybrid");
  CHECK(strcmp(cgroup_manager_path(f.m), "/clawrt/c1") == 0, "default path /clawrt/ID");
  CHECK(cgroup_v2_fd(f.m) >= 0, "hybrid: the unified leaf is there for CLONE_INTO_CGROUP");
  CHECK(fake_is(f.root, "memory/clawrt/c1/memory.limit_in_bytes", "67108864"), "memory.limit");
  CHECK(fake_is(f.root, "memory/clawrt/c1/memory.memsw.limit_in_bytes", "134217728"),
        "memory.swap is memsw as is on v1");
  CHECK(fake_is(f.root, "memory/clawrt/c1/memory.soft_limit_in_bytes", "33554432"),
        "memory.reservation -> soft_limit_in_bytes");
  CHECK(fake_is(f.root, "memory/clawrt/c1/memory.kmem.tcp.limit_in_bytes", "1048576"),
        "memory.kernelTCP");
  CHECK(fake_is(f.root, "memory/clawrt/c1/memory.swappiness", "10"), "memory.swappiness");
  CHECK(fake_is(f.root, "memory/clawrt/c1/memory.oom_control", "1"), "memory.disableOOMKiller");
  CHECK(fake_is(f.root, "memory/clawrt/c1/memory.use_hierarchy", "1"), "memory.useHierarchy");
  CHECK(fake_is(f.root, "cpu,cpuacct/clawrt/c1/cpu.shares", "512"),
        "cpu.shares in the co-mounted cpu,cpuacct hierarchy");
  CHECK(fake_is(f.root, "cpu,cpuacct/clawrt/c1/cpu.cfs_period_us", "100000"), "cpu.period");
  CHECK(fake_is(f.root, "cpu,cpuacct/clawrt/c1/cpu.cfs_quota_us", "50000"), "cpu.quota");
  CHECK(fake_is(f.root, "cpu,cpuacct/clawrt/c1/cpu.cfs_burst_us", "1000"), "cpu.burst");
  CHECK(fake_is(f.root, "cpu,cpuacct/clawrt/c1/cpu.rt_period_us", "1000000\n1000000"),
        "cpu.realtimePeriod");
  CHECK(fake_is(f.root, "cpu,cpuacct/clawrt/c1/cpu.rt_runtime_us", "0\n950000"),
        "cpu.realtimeRuntime");
  CHECK(fake_is(f.root, "cpu,cpuacct/clawrt/cpu.rt_runtime_us", "0\n950000"),
        "the parent got the real-time runtime first");
  CHECK(fake_is(f.root, "cpu,cpuacct/clawrt/c1/cpu.idle", "1"), "cpu.idle");
  CHECK(fake_is(f.root, "cpuset/clawrt/cpuset.cpus", "0-3"),
        "cpuset: the empty parent got the root's cpus");
  CHECK(fake_is(f.root, "cpuset/clawrt/c1/cpuset.cpus", "0-3" "2-3"),
        "cpuset.cpus: inherited first, then cpu.cpus");
  CHECK(fake_is(f.root, "cpuset/clawrt/c1/cpuset.mems", "0" "0"), "cpuset.mems likewise");
  CHECK(fake_is(f.root, "pids/clawrt/c1/pids.max", "100"), "pids.limit");
  CHECK(fake_is(f.root, "blkio/clawrt/c1/blkio.bfq.weight", "500"),
        "blockIO.weight -> blkio.bfq.weight when blkio.weight is absent");
  CHECK(fake_is(f.root, "blkio/clawrt/c1/blkio.bfq.weight_device", "8:0 300"),
        "blockIO.weightDevice");
  CHECK(fake_is(f.root, "blkio/clawrt/c1/blkio.throttle.read_bps_device", "8:0 1048576"),
        "throttleReadBpsDevice");
  CHECK(fake_is(f.root, "blkio/clawrt/c1/blkio.throttle.write_iops_device", "8:16 100"),
        "throttleWriteIOPSDevice");
  CHECK(fake_is(f.root, "net_cls,net_prio/clawrt/c1/net_cls.classid", "1048577"),
        "network.classID");
  CHECK(fake_is(f.root, "net_cls,net_prio/clawrt/c1/net_prio.ifpriomap", "eth0 5"),
        "network.priorities");
  CHECK(fake_is(f.root, "unified/clawrt/c1/hugetlb.2MB.max", "4194304"),
        "hugepageLimits go to the cgroup2 leaf: hugetlb is a v2 controller on this host");
  CHECK(fake_is(f.root, "unified/cgroup.subtree_control", "+hugetlb")
            && fake_is(f.root, "unified/clawrt/cgroup.subtree_control", "+hugetlb"),
        "hugetlb enabled down to the leaf, nothing else");
  CHECK(fake_is(f.root, "devices/clawrt/c1/devices.deny", "a"), "devices: deny all is \"a\"");
  CHECK(fake_is(f.root, "devices/clawrt/c1/devices.allow",
                "c 1:3 rwm"
                "c 136:* rw"
                "c 7:* r"
                "b 7:* r"),
        "devices: allow rules in order, type a with a major split into c and b");
  CHECK(fake_is(f.root, "freezer/clawrt/c1/freezer.state", ""),
        "nothing written where no field asks");

  /* enter */
  CHECK(cgroup_enter(f.m, 4242, &f.e) == 0, "enter");
  CHECK(fake_is(f.root, "memory/clawrt/c1/cgroup.procs", "4242")
            && fake_is(f.root, "cpu,cpuacct/clawrt/c1/cgroup.procs", "4242")
            && fake_is(f.root, "net_cls,net_prio/clawrt/c1/cgroup.procs", "4242")
            && fake_is(f.root, "unified/clawrt/c1/cgroup.procs", "4242"),
        "enter writes the pid into every hierarchy");
  CHECK(!fake_exists(f.root, "systemd/clawrt"), "the named systemd hierarchy is left alone");
  CHECK(cgroup_enter_rest(f.m, 77, &f.e) == 0, "enter_rest");
  CHECK(fake_is(f.root, "memory/clawrt/c1/cgroup.procs", "4242" "77")
            && fake_is(f.root, "unified/clawrt/c1/cgroup.procs", "4242"),
        "enter_rest skips the cgroup2 leaf the clone already used");

  /* serialize / load */
  char *s = cgroup_serialize(f.m);
  cgroup_manager *m2 = NULL;
  CHECK(cgroup_load(f.root, s, &m2, &f.e) == 0, "load what serialize wrote (%s)", errtext(&f.e));
  char *s2 = m2 ? cgroup_serialize(m2) : NULL;
  CHECK(s2 && strcmp(s, s2) == 0, "round trip is identical");
  CHECK(m2 && cgroup_v2_fd(m2) >= 0, "loaded manager has its fds");
  CHECK(strstr(s, f.root) == NULL, "the state does not depend on the root prefix");
  free(s);
  free(s2);
  cgroup_manager_free(m2);
  cgroup_manager *bad = NULL;
  CHECK(cgroup_load(f.root, "{\"version\":1,\"layout\":\"v1\",\"path\":\"/x\",\"dirs\":[{\"mount\":"
                          "\"memory\",\"controllers\":\"memory\",\"v2\":false,\"rel\":\"../../etc\","
                          "\"created\":1}]}",
                    &bad, &f.e)
                < 0
            && has(&f.e, "unsafe path"),
        "a state with .. in a path is refused: %s", errtext(&f.e));
  clawrt_error_clear(&f.e);
  fix_close(&f);
}

static void
test_errors(void)
{
  cg_fix f;
  fix_open(&f, hybrid());
  leaf(f.root, "clawrt/e1");

  oci_resources u = { .has_unified = true };
  oci_map_set(&u.unified, "memory.high", "50M");
  fix_refused(&f, "e1", NULL, &u,
              "linux.resources.unified[\"memory.high\"]: cgroup v2 keys need a cgroup "
              "v2 host; this host is hybrid",
              "unified memory key on hybrid");
  oci_resources u2 = { .has_unified = true };
  oci_map_set(&u2.unified, "hugetlb.2MB.max", "2097152");
  fake_file(f.root, "unified/clawrt/cgroup.subtree_control", "");
  CHECK(fix_create(&f, "e1", NULL, &u2) == 0
            && fake_is(f.root, "unified/clawrt/e1/hugetlb.2MB.max", "2097152"),
        "unified key of a controller the cgroup2 mount has is applied (%s)", errtext(&f.e));
  oci_resources u3 = { .has_unified = true };
  oci_map_set(&u3.unified, "cgroup.procs", "1");
  fix_refused(&f, "e1", NULL, &u3, "the runtime owns", "unified cgroup.procs refused");
  fake_map_free(&u.unified);
  fake_map_free(&u2.unified);
  fake_map_free(&u3.unified);

  oci_rdma_entry rd = { .name = "mlx4_0", .hca_handles = 2, .has_hca_handles = true };
  oci_resources r = { .rdma = &rd, .rdma_len = 1, .has_rdma = true };
  fix_refused(&f, "e1", NULL, &r,
              "linux.resources.rdma: the rdma controller is not available (hybrid host: "
              "v1 controllers cpu cpuacct cpuset memory devices freezer blkio pids "
              "net_cls net_prio; the cgroup2 mount at unified offers only hugetlb)",
              "rdma nowhere");

  oci_memory mem = { .limit = 64 << 20, .has_limit = true, .swap = 32 << 20, .has_swap = true };
  oci_resources rm = { .memory = &mem };
  fix_refused(&f, "e1", NULL, &rm,
              "linux.resources.memory.swap: 33554432 is below memory.limit 67108864",
              "swap below limit");
  oci_memory mem2 = { .swappiness = 200, .has_swappiness = true };
  rm.memory = &mem2;
  fix_refused(&f, "e1", NULL, &rm,
              "linux.resources.memory.swappiness: 200 is not in [0, 100]",
              "swappiness range");
  oci_memory mem3 = { .kernel = 1 << 20, .has_kernel = true };
  rm.memory = &mem3;
  fix_refused(&f, "e1", NULL, &rm,
              "linux.resources.memory.kernel: this host's kernel has no cgroup file "
              "memory.kmem.limit_in_bytes",
              "a field whose file the kernel lacks is named");
  oci_block_io bio = { .leaf_weight = 10, .has_leaf_weight = true };
  oci_resources rb = { .block_io = &bio };
  fix_refused(&f, "e1", NULL, &rb,
              "linux.resources.blockIO.leafWeight: this host's kernel has no cgroup file "
              "blkio.leaf_weight",
              "CFQ leaf weight on a BFQ kernel");
  oci_block_io bio2 = { .weight = 5, .has_weight = true };
  rb.block_io = &bio2;
  fix_refused(&f, "e1", NULL, &rb,
              "linux.resources.blockIO.weight: 5 is not in [10, 1000]",
              "blkio weight range");
  oci_hugepage_limit hp = { .page_size = "1GB", .limit = 1 };
  oci_resources rh = { .hugepage_limits = &hp, .hugepage_limits_len = 1 };
  fix_refused(&f, "e1", NULL, &rh,
              "linux.resources.hugepageLimits[0]: this host has no 1GB huge pages",
              "unknown huge page size");
  hp.page_size = "2 MB";
  fix_refused(&f, "e1", NULL, &rh,
              "hugepageLimits[0].pageSize: `2 MB` is not a page size",
              "malformed page size");
  oci_device_cgroup dv = { .allow = true, .type = "x", .access = "rwm" };
  oci_resources rd2 = { .devices = &dv, .devices_len = 1 };
  fix_refused(&f, "e1", NULL, &rd2,
              "linux.resources.devices[0].type: `x` is not one of a, c, b",
              "device rule type");
  dv.type = "c";
  dv.access = "rwx";
  fix_refused(&f, "e1", NULL, &rd2,
              "linux.resources.devices[0].access: `rwx`",
              "device rule access");

  fix_refused(&f, "e1", "/a/../../etc", NULL,
              "linux.cgroupsPath: `/a/../../etc`: \"..\" is not allowed", "cgroupsPath with ..");
  fix_refused(&f, "e1", "//", NULL, "is the root cgroup", "cgroupsPath / refused");
  fix_refused(&f, "../x", NULL, NULL, "invalid container id", "id with a slash");
  fix_close(&f);
}

/* absolute and relative cgroupsPath, dirs really made by the driver, and
 * removed again by destroy (the fake dirs have no files: rmdir works) */
static void
test_paths(void)
{
  cg_fix f;
  fix_open(&f, hybrid());
  char *self = xasprintf("%s/self_cgroup", f.root);
  fake_file(f.root, "self_cgroup",
            "10:net_cls,net_prio:/user/n\n9:name=systemd:/user/s\n8:pids:/user/p\n"
            "7:blkio:/user/b\n6:freezer:/user/f\n5:devices:/user/d\n4:memory:/user/m\n"
            "3:cpuset:/\n2:cpu,cpuacct:/user/c\n0::/user/u\n");
  f.o.self_cgroup_path = self;
  CHECK(fix_create(&f, "r1", "sub/r1", NULL) == 0,
        "relative cgroupsPath (%s)", errtext(&f.e));
  CHECK(fake_exists(f.root, "memory/user/m/sub/r1")
            && fake_exists(f.root, "cpu,cpuacct/user/c/sub/r1")
            && fake_exists(f.root, "cpuset/sub/r1") && fake_exists(f.root, "unified/user/u/sub/r1"),
        "relative: under our own cgroup of each hierarchy");
  CHECK(!fake_exists(f.root, "net_cls,net_prio/user"),
        "no net_cls/net_prio cgroup when no network field asks for one");
  CHECK(!fake_exists(f.root, "cpuset/sub/r1/cpuset.cpus"),
        "nothing invented in a fake cpuset without files");
  CHECK(fix_destroy(&f) == 0, "destroy (%s)", errtext(&f.e));
  CHECK(!fake_exists(f.root, "memory/user") && !fake_exists(f.root, "unified/user")
            && !fake_exists(f.root, "cpuset/sub"),
        "destroy removed the leaf and every parent it made");

  char *keep = xasprintf("%s/memory/keep", f.root);
  mkdirs(keep);
  free(keep);
  CHECK(fix_create(&f, "a1", "/keep/deep/a1", NULL) == 0
            && fake_exists(f.root, "memory/keep/deep/a1")
            && fake_exists(f.root, "pids/keep/deep/a1"),
        "absolute cgroupsPath under each hierarchy root (%s)", errtext(&f.e));
  CHECK(strcmp(cgroup_manager_path(f.m), "/keep/deep/a1") == 0, "path reported as given");
  CHECK(fix_destroy(&f) == 0 && fake_exists(f.root, "memory/keep")
            && !fake_exists(f.root, "memory/keep/deep") && !fake_exists(f.root, "pids/keep"),
        "destroy keeps a parent that existed before, removes those it made");

  CHECK(fix_create(&f, "d1", NULL, NULL) == 0, "default path");
  CHECK(fix_destroy(&f) == 0 && fake_exists(f.root, "memory/clawrt")
            && !fake_exists(f.root, "memory/clawrt/d1"),
        "destroy keeps the shared default parent /clawrt");

  /* a leaf that already has processes */
  fake_file(f.root, "memory/busy/cgroup.procs", "123\n");
  CHECK(fix_create(&f, "b1", "/busy", NULL) < 0
            && has(&f.e, "cgroup `busy` already has processes") && f.e.errnum == EBUSY,
        "a leaf in use is refused: %s", errtext(&f.e));
  clawrt_error_clear(&f.e);
  CHECK(!fake_exists(f.root, "pids/busy"), "and nothing is left behind in other hierarchies");
  f.o.allow_existing = true;
  CHECK(fix_create(&f, "b1", "/busy", NULL) == 0, "allow_existing joins it");
  CHECK(fix_destroy(&f) == 0 && fake_exists(f.root, "memory/busy/cgroup.procs")
            && !fake_exists(f.root, "pids/busy"),
        "a joined shared leaf is not removed, our new ones are");

  /* open_only: what delete --force uses when the state has no record */
  f.o.allow_existing = false;
  CHECK(fix_create(&f, "k1", NULL, NULL) == 0, "a create whose record was lost");
  cgroup_manager_free(f.m);
  f.m = NULL;
  cgroup_create_opts oo = f.o;
  oo.open_only = true;
  CHECK(cgroup_create_with(&oo, "k1", NULL, NULL, &f.m, &f.e) == 0
            && fake_exists(f.root, "memory/clawrt/k1"),
        "open_only finds it and creates nothing (%s)", errtext(&f.e));
  CHECK(fix_destroy(&f) == 0 && !fake_exists(f.root, "memory/clawrt/k1")
            && !fake_exists(f.root, "unified/clawrt/k1"),
        "and destroy removes it");
  CHECK(cgroup_create_with(&oo, "nope", NULL, NULL, &f.m, &f.e) == 0
            && !fake_exists(f.root, "memory/clawrt/nope")
            && fix_destroy(&f) == 0,
        "open_only of a container that never got a cgroup: nothing to do");
  CHECK(cgroup_create_with(&oo, "b2", "/busy", NULL, &f.m, &f.e) == 0 && fix_destroy(&f) == 0
            && fake_exists(f.root, "memory/busy/cgroup.procs"),
        "open_only never removes a leaf with processes");
  free(self);
  fix_close(&f);
}

static void
test_update(void)
{
  cg_fix f;
  fix_open(&f, hybrid());
  leaf(f.root, "clawrt/u1");
  fake_file(f.root, "memory/clawrt/u1/memory.memsw.limit_in_bytes", "67108864");
  fake_file(f.root, "memory/clawrt/u1/memory.usage_in_bytes", "100000000");
  CHECK(fix_create(&f, "u1", NULL, NULL) == 0, "create without resources");
  CHECK(fake_is(f.root, "memory/clawrt/u1/memory.limit_in_bytes", "")
            && fake_is(f.root, "cpu,cpuacct/clawrt/u1/cpu.shares", ""),
        "no resources: no resource file written");
  oci_memory mem = { .limit = 128 << 20, .has_limit = true, .swap = 256 << 20, .has_swap = true };
  oci_resources r = { .memory = &mem };
  CHECK(cgroup_update(f.m, &r, &f.e) == 0, "update memory (%s)", errtext(&f.e));
  CHECK(fake_is(f.root, "memory/clawrt/u1/memory.limit_in_bytes", "134217728")
            && fake_is(f.root, "memory/clawrt/u1/memory.memsw.limit_in_bytes",
                       "67108864" "268435456"),
        "update: limit and memsw written");
  mem.check_before_update = true;
  mem.has_check_before_update = true;
  mem.limit = 50000000;
  mem.has_swap = false;
  CHECK(cgroup_update(f.m, &r, &f.e) < 0
            && has(&f.e, "linux.resources.memory.limit: 50000000 is below the current usage "
                       "100000000 (checkBeforeUpdate is set)"),
        "checkBeforeUpdate: %s", errtext(&f.e));
  clawrt_error_clear(&f.e);
  oci_pids p = { .limit = 0 };
  oci_resources rp = { .pids = &p };
  CHECK(cgroup_update(f.m, &rp, &f.e) == 0 && fake_is(f.root, "pids/clawrt/u1/pids.max", ""),
        "pids without a limit: untouched");
  p.has_limit = true;
  CHECK(cgroup_update(f.m, &rp, &f.e) == 0 && fake_is(f.root, "pids/clawrt/u1/pids.max", "0"),
        "pids limit 0 is a limit (runtime-spec 1.3)");
  p.limit = -1;
  CHECK(cgroup_update(f.m, &rp, &f.e) == 0 && fake_is(f.root, "pids/clawrt/u1/pids.max", "0" "max"),
        "pids limit -1 is max");
  p.limit = -2;
  CHECK(cgroup_update(f.m, &rp, &f.e) < 0
            && has(&f.e, "linux.resources.pids.limit: -2 is not a limit")
            && fake_is(f.root, "pids/clawrt/u1/pids.max", "0" "max"),
        "below -1: %s", errtext(&f.e));
  clawrt_error_clear(&f.e);
  oci_network net = { .class_id = 1, .has_class_id = true };
  oci_resources rn = { .network = &net };
  CHECK(cgroup_update(f.m, &rn, &f.e) < 0
            && has(&f.e, "network.classID: the net_cls controller is not available"),
        "update of a controller the container was created without: %s", errtext(&f.e));
  clawrt_error_clear(&f.e);
  fix_close(&f);
}

static void
test_stats(void)
{
  cg_fix f;
  fix_open(&f, hybrid());
  leaf(f.root, "clawrt/s1");
  CHECK(fix_create(&f, "s1", NULL, NULL) == 0, "create for stats");
  fake_file(f.root, "memory/clawrt/s1/memory.usage_in_bytes", "1000\n");
  fake_file(f.root, "memory/clawrt/s1/memory.limit_in_bytes", "9223372036854771712\n");
  fake_file(f.root, "memory/clawrt/s1/memory.max_usage_in_bytes", "67108864\n");
  fake_file(f.root, "memory/clawrt/s1/memory.failcnt", "12\n");
  fake_file(f.root, "memory/clawrt/s1/memory.oom_control",
            "oom_kill_disable 0\nunder_oom 0\noom_kill 1\n");
  fake_file(f.root, "memory/clawrt/s1/memory.stat",
            "cache 5\nrss 6\ntotal_cache 50\ntotal_rss 60\n");
  fake_file(f.root, "pids/clawrt/s1/pids.current", "3\n");
  fake_file(f.root, "pids/clawrt/s1/pids.max", "max\n");
  fake_file(f.root, "pids/clawrt/s1/pids.events", "max 4\n");
  fake_file(f.root, "cpu,cpuacct/clawrt/s1/cpuacct.usage", "123456789\n");
  fake_file(f.root, "cpu,cpuacct/clawrt/s1/cpuacct.usage_user", "100000000\n");
  fake_file(f.root, "cpu,cpuacct/clawrt/s1/cpuacct.usage_sys", "23456789\n");
  fake_file(f.root, "cpu,cpuacct/clawrt/s1/cpuacct.usage_percpu", "100000000 23456789 \n");
  fake_file(f.root, "cpu,cpuacct/clawrt/s1/cpu.stat",
            "nr_periods 10\nnr_throttled 2\nthrottled_time 3000\n");
  fake_file(f.root, "blkio/clawrt/s1/blkio.throttle.io_service_bytes_recursive",
            "8:0 Read 4096\n8:0 Write 8192\nTotal 12288\n");
  cgroup_stats s;
  CHECK(cgroup_get_stats(f.m, &s, &f.e) == 0, "stats (%s)", errtext(&f.e));
  CHECK(s.has_memory && s.mem_usage == 1000 && s.mem_limit == CGROUP_UNLIMITED
            && s.mem_max_usage == 67108864 && s.mem_failcnt == 12 && s.oom_kill == 1,
        "memory usage, unlimited limit, peak, failcnt, oom_kill");
  CHECK(s.cache == 50 && s.rss == 60 && s.mem_raw_len == 4, "memory.stat raw and totals");
  CHECK(s.has_pids && s.pids_current == 3 && s.pids_limit == CGROUP_UNLIMITED
            && s.pids_max_events == 4,
        "pids current, max, refused forks");
  CHECK(s.has_cpu && s.cpu_usage_ns == 123456789 && s.cpu_user_ns == 100000000
            && s.cpu_system_ns == 23456789 && s.cpu_percpu_len == 2 && s.cpu_periods == 10
            && s.cpu_throttled_periods == 2 && s.cpu_throttled_ns == 3000,
        "cpu usage, per cpu, throttling");
  CHECK(s.io_service_bytes_len == 2 && strcmp(s.io_service_bytes[1].op, "Write") == 0
            && s.io_service_bytes[1].value == 8192 && s.io_service_bytes[1].major == 8,
        "blkio service bytes without the Total line");
  cgroup_stats_free(&s);
  fix_close(&f);
}

/* exec --cgroup refuses two paths for one hierarchy: which hierarchy each
 * controller is in */
static void
test_hierarchy_of(void)
{
  cg_fix f;
  fix_open(&f, hybrid());
  leaf(f.root, "clawrt/h1");
  CHECK(fix_create(&f, "h1", NULL, NULL) == 0, "create for hierarchy_of (%s)", errtext(&f.e));
  if (f.m)
    {
      const char *cpu = cgroup_hierarchy_of(f.m, "cpu"), *acct = cgroup_hierarchy_of(f.m, "cpuacct");
      const char *mem = cgroup_hierarchy_of(f.m, "memory");
      CHECK(cpu && acct && strcmp(cpu, acct) == 0 && strcmp(cpu, "cpu,cpuacct") == 0,
            "cpu and cpuacct co-mounted: one hierarchy (%s, %s)", cpu ? cpu : "-",
            acct ? acct : "-");
      CHECK(mem && strcmp(mem, "memory") == 0, "memory: its own (%s)", mem ? mem : "-");
      CHECK(cgroup_hierarchy_of(f.m, "nosuch") == NULL, "an unknown controller: none");
    }
  fix_close(&f);
}

int
main(void)
{
  test_full();
  test_hierarchy_of();
  test_errors();
  test_paths();
  test_update();
  test_stats();
  printf("1..%d\n", count);
  return failures ? 1 : 0;
}
