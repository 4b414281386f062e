/* Cgroup layout detection from mountinfo: v1, v2, hybrid, co-mounted
 * controllers, named hierarchies, escaped mount points, mounts hidden by a
 * later mount, and a host with no cgroups at all.  TAP output. */
#include "cgroup_fake.h"
#include "cgroup/internal.h"

#include <sys/sysmacros.h>

static void
write_text(const char *path, const char *text)
{
  FILE *f = fopen(path, "w");
  fputs(text, f);
  fclose(f);
}

/* The layout of this project's CI host, verbatim. */
static const char hybrid_host[] =
    "22 1 0:21 / / rw,relatime - ext4 /dev/vda rw\n"
    "23 22 0:22 / /sys rw,nosuid,nodev,noexec,relatime - sysfs sysfs rw\n"
    "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
    "33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n"
    "34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset\n"
    "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
    "36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices\n"
    "37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer\n"
    "38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio\n"
    "39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"
    "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
    "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";

static const char debian_v1[] =
    "25 22 0:23 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755\n"
    "26 25 0:24 / /sys/fs/cgroup/systemd rw,nosuid shared:10 - cgroup cgroup "
    "rw,xattr,name=systemd\n"
    "28 25 0:26 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid shared:11 - cgroup cgroup "
    "rw,cpu,cpuacct\n"
    "29 25 0:27 / /sys/fs/cgroup/net_cls,net_prio rw,nosuid shared:12 - cgroup cgroup "
    "rw,net_cls,net_prio\n"
    "30 25 0:28 / /sys/fs/cgroup/memory rw,nosuid shared:13 - cgroup cgroup rw,memory\n"
    "31 25 0:29 / /sys/fs/cgroup/pids rw,nosuid shared:14 - cgroup cgroup rw,pids\n"
    /* the same hierarchy bind-mounted a second time */
    "32 22 0:28 / /sys/fs/cgroup/memory2 rw - cgroup cgroup rw,memory\n";

static const char pure_v2[] =
    "25 22 0:23 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 "
    "rw,nsdelegate,memory_recursiveprot\n"
    "40 22 0:40 / /mnt/with\\040space rw - ext4 /dev/vdb rw\n";

static void
test_layouts(const char *dir)
{
  char *p = xasprintf("%s/mi", dir);
  clawrt_error e = { 0 };
  cgroup_layout l = 99;

  write_text(p, hybrid_host);
  CHECK(cgroup_detect_layout(p, &l, &e) == 0 && l == CGROUP_LAYOUT_HYBRID,
        "this CI host's mountinfo is hybrid (%s)", errtext(&e));
  cg_host h;
  CHECK(cg_host_detect("/sys/fs/cgroup", p, &h, &e) == 0, "host detect %s", errtext(&e));
  CHECK(h.n == 9, "8 v1 hierarchies with controllers + the v2 one (name=systemd skipped): %zu",
        h.n);
  CHECK(h.v2 == 8 && h.mounts[8].v2 && strcmp(h.mounts[8].mount, "unified") == 0,
        "v2 mount is unified, last");
  CHECK(strcmp(h.mounts[0].mount, "cpu") == 0 && h.mounts[0].mask == CG_CPU,
        "cpu alone in its hierarchy");
  CHECK(strcmp(h.mounts[1].mount, "cpuacct") == 0 && h.mounts[1].mask == CG_CPUACCT,
        "cpuacct alone in its hierarchy");
  CHECK(h.v1_mask == (CG_CPU | CG_CPUACCT | CG_CPUSET | CG_MEMORY | CG_DEVICES | CG_FREEZER
                      | CG_BLKIO | CG_PIDS),
        "v1 controllers union");
  cg_host_free(&h);
  CHECK(cg_host_detect("/elsewhere", p, &h, &e) < 0 && has(&e, "no cgroup hierarchy is mounted "
                                                             "under /elsewhere"),
        "a prefix with no cgroup mounts is an error: %s", errtext(&e));
  clawrt_error_clear(&e);

  write_text(p, debian_v1);
  CHECK(cgroup_detect_layout(p, &l, &e) == 0 && l == CGROUP_LAYOUT_V1, "debian 10 style is v1");
  CHECK(cg_host_detect("/sys/fs/cgroup", p, &h, &e) == 0 && h.n == 4,
        "co-mounted hierarchies count once each, the bind mount of memory is dropped (%zu)",
        h.n);
  CHECK(h.n == 4 && strcmp(h.mounts[0].mount, "cpu,cpuacct") == 0
            && h.mounts[0].mask == (CG_CPU | CG_CPUACCT),
        "cpu,cpuacct co-mounted: one hierarchy, both bits");
  CHECK(h.n == 4 && h.mounts[1].mask == (CG_NET_CLS | CG_NET_PRIO), "net_cls,net_prio");
  CHECK(h.v2 == -1, "no v2 mount");
  cg_host_free(&h);

  write_text(p, pure_v2);
  CHECK(cgroup_detect_layout(p, &l, &e) == 0 && l == CGROUP_LAYOUT_V2, "pure v2");
  CHECK(cg_host_detect("/sys/fs/cgroup", p, &h, &e) == 0 && h.n == 1 && h.v2 == 0
            && strcmp(h.mounts[0].mount, "") == 0,
        "v2 at the prefix itself: mount \"\"");
  cg_host_free(&h);

  write_text(p, "22 1 0:21 / / rw - ext4 /dev/vda rw\n");
  CHECK(cgroup_detect_layout(p, &l, &e) < 0 && has(&e, "no cgroup hierarchy is mounted"),
        "no cgroups at all: %s", errtext(&e));
  clawrt_error_clear(&e);
  CHECK(cgroup_detect_layout("/nonexistent/mountinfo", &l, &e) < 0
            && has(&e, "/nonexistent/mountinfo"),
        "unreadable mountinfo names the file: %s", errtext(&e));
  clawrt_error_clear(&e);
  free(p);
}

/* A private view built over /sys/fs/cgroup (what the benchmark scripts do
 * on hybrid hosts): the old mounts stay in mountinfo but are hidden. */
static void
test_hidden(void)
{
  char *root = fake_root();
  char *p = xasprintf("%s/mi", root);
  char *memdir = xasprintf("%s/cg/memory", root);
  mkdirs(memdir);
  struct stat st;
  stat(memdir, &st);
  char *text = xasprintf(
      "31 22 0:28 / %s/cg rw - tmpfs tmpfs rw\n"
      "35 31 0:32 / %s/cg/memory rw - cgroup cgroup rw,memory\n"
      "41 31 0:38 / %s/cg/unified rw - cgroup2 cgroup2 rw\n"
      "90 22 0:90 / %s/cg rw - tmpfs cgroup-v1-view rw\n"
      "91 90 %u:%u / %s/cg/memory rw - cgroup cgroup rw,memory\n",
      root, root, root, root, major(st.st_dev), minor(st.st_dev), root);
  write_text(p, text);
  char *prefix = xasprintf("%s/cg", root);
  cg_host h;
  clawrt_error e = { 0 };
  CHECK(cg_host_detect(prefix, p, &h, &e) == 0 && h.layout == CGROUP_LAYOUT_V1 && h.n == 1,
        "unified hidden under a later tmpfs (and absent there) is not used: layout %s, %zu "
        "mounts (%s)",
        cgroup_layout_name(h.layout), h.n, errtext(&e));
  if (h.n)
    cg_host_free(&h);
  free(text);
  free(prefix);
  free(memdir);
  free(p);
  fake_remove(root);
}

static void
test_escapes(const char *dir)
{
  char *p = xasprintf("%s/mi", dir);
  write_text(p, "50 22 0:50 / /srv/cg\\040root/memory rw - cgroup cgroup rw,memory\n");
  cg_host h;
  clawrt_error e = { 0 };
  CHECK(cg_host_detect("/srv/cg root", p, &h, &e) == 0 && h.n == 1
            && strcmp(h.mounts[0].mount, "memory") == 0,
        "\\040 in a mount point is a space (%s)", errtext(&e));
  if (h.n)
    cg_host_free(&h);
  free(p);
}

static void
test_controllers(void)
{
  CHECK(cg_controller_mask("cpu,cpuacct") == (CG_CPU | CG_CPUACCT), "mask cpu,cpuacct");
  CHECK(cg_controller_mask("cpuset cpu io memory hugetlb pids rdma misc\n")
            == (CG_CPUSET | CG_CPU | CG_BLKIO | CG_MEMORY | CG_HUGETLB | CG_PIDS | CG_RDMA
                | CG_MISC),
        "mask of a v2 cgroup.controllers line");
  CHECK(cg_controller_mask("rw,xattr,name=systemd") == 0, "named hierarchy has no controller");
  CHECK(strcmp(cg_controller_name(CG_BLKIO, true), "io") == 0
            && strcmp(cg_controller_name(CG_BLKIO, false), "blkio") == 0,
        "blkio is io on v2");
  CHECK(strcmp(cgroup_layout_name(CGROUP_LAYOUT_HYBRID), "hybrid") == 0, "layout names");
}

int
main(void)
{
  char *dir = fake_root();
  test_layouts(dir);
  test_hidden();
  test_escapes(dir);
  test_controllers();
  fake_remove(dir);
  printf("1..%d\n", count);
  return failures ? 1 : 0;
}
