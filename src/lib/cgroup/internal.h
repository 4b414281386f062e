/* Shared by the files of src/lib/cgroup only: the host description that
 * detect.c builds, the manager's per-hierarchy directories, and the small
 * file helpers every driver uses.  Nothing outside cgroup/ includes this. */
#ifndef CLAWRT_CGROUP_INTERNAL_H
#define CLAWRT_CGROUP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cgroup.h"

/* Controllers as bits; on v2 "io" is CG_BLKIO. */
enum {
  CG_CPU = 1u << 0,
  CG_CPUACCT = 1u << 1,
  CG_CPUSET = 1u << 2,
  CG_MEMORY = 1u << 3,
  CG_DEVICES = 1u << 4,
  CG_FREEZER = 1u << 5,
  CG_BLKIO = 1u << 6,
  CG_PIDS = 1u << 7,
  CG_NET_CLS = 1u << 8,
  CG_NET_PRIO = 1u << 9,
  CG_HUGETLB = 1u << 10,
  CG_RDMA = 1u << 11,
  CG_PERF_EVENT = 1u << 12,
  CG_MISC = 1u << 13,
};

/* Placed in every v1 hierarchy that has one of these even when no resource
 * asks for it: accounting for stats and "why did it die", freezer for
 * pause and kill-all, devices for isolation.  Others only on demand. */
#define CG_V1_ALWAYS \
  (CG_CPU | CG_CPUACCT | CG_CPUSET | CG_MEMORY | CG_DEVICES | CG_FREEZER | CG_BLKIO | CG_PIDS)
/* Enabled in the v2 parents' subtree_control even when no resource asks:
 * memory.events (oom_kill) and pids.events are how a death is explained. */
#define CG_V2_ALWAYS (CG_MEMORY | CG_PIDS)

unsigned cg_controller_bit(const char *name);   /* 0 when unknown */
const char *cg_controller_name(unsigned bit, bool v2);
/* mask's names into buf, each after prefix, sep between: "cpu,memory", or
 * "+cpu +memory" as cgroup.subtree_control takes them. */
void cg_mask_names(unsigned mask, bool v2, const char *prefix, const char *sep, char *buf,
                   size_t len);
/* "cpu,cpuacct" or "cpu cpuacct" -> bits (unknown names ignored). */
unsigned cg_controller_mask(const char *list);

/* One mounted hierarchy, as detected. */
typedef struct cg_mount {
  char *mount;          /* mount point relative to the root prefix; "" = the prefix */
  char *mount_root;     /* mountinfo's root field ("/" normally) */
  char *options;        /* v1 controller list as in mountinfo, "name=systemd" kept */
  unsigned mask;        /* controllers (v2: those in the root's cgroup.controllers) */
  bool v2;
} cg_mount;

typedef struct cg_host {
  cgroup_layout layout;
  char *root_prefix;
  cg_mount *mounts;     /* v1 hierarchies with controllers, then the v2 mount if any */
  size_t n;
  int v2;               /* index of the v2 mount, -1 when none */
  unsigned v1_mask;     /* union of the v1 controllers */
} cg_host;

/* Parse mountinfo_path, keep the cgroup mounts at or below root_prefix. */
int cg_host_detect(const char *root_prefix, const char *mountinfo_path, cg_host *out,
                   clawrt_error *err);
void cg_host_free(cg_host *h);

/* One directory of the container: the leaf in one hierarchy. */
typedef struct cg_dir {
  char *mount;          /* relative to the root prefix */
  unsigned mask;        /* controllers of this hierarchy (v2: available at the root) */
  bool v2;
  char *rel;            /* the leaf under the mount: "clawrt/ID" (no leading '/') */
  int created;          /* trailing components of rel this manager created (leaf = 1) */
  bool shared;          /* joined a leaf that already had processes: never removed */
  int fd;               /* O_DIRECTORY|O_CLOEXEC of the leaf, -1 when gone */
} cg_dir;

struct cgroup_manager {
  cgroup_layout layout;
  char *root_prefix;
  char *path;           /* "/clawrt/ID" as reported */
  cg_dir *dirs;
  size_t n;
  int v2;               /* index of the v2 leaf, -1 when none */
  /* Real-time runtime (us) this container gave each ancestor of its v1 cpu
   * leaf, top first (rt.c); rt_given_len 0 when it asked for none. */
  uint64_t *rt_given;
  size_t rt_given_len;
};

/* m's path is CGROUP_DEFAULT_PARENT/ID: the parent is the runtime's own. */
bool cg_is_default_path(const cgroup_manager *m);

/* The dir holding controller bit (v1 first, then the v2 leaf when the v2
 * root offers it); NULL when none. */
cg_dir *cg_dir_for(const cgroup_manager *m, unsigned bit);
cg_dir *cg_v2_dir(const cgroup_manager *m);
/* The hierarchy to list processes from. */
cg_dir *cg_primary_dir(const cgroup_manager *m);

/* Open ROOT/mount as an O_DIRECTORY|O_CLOEXEC fd. */
int cg_open_mount(const char *root_prefix, const char *mount, clawrt_error *err);

/* Write value to dirfd/file for spec field `field` ("memory.limit"): a
 * missing file is "linux.resources.FIELD: this host has no FILE". */
int cg_write(int dirfd, const char *file, const char *value, const char *field,
             clawrt_error *err);
int cg_writef(int dirfd, const char *file, const char *field, clawrt_error *err,
              const char *fmt, ...) __attribute__((format(printf, 5, 6)));
bool cg_file_exists(int dirfd, const char *file);
/* Read a small file (stripped of the trailing newline); *out NULL when absent
 * and missing_ok. */
int cg_read(int dirfd, const char *file, bool missing_ok, char **out, clawrt_error *err);
/* One unsigned value; "max" is CGROUP_UNLIMITED. */
int cg_read_u64(int dirfd, const char *file, uint64_t *out, clawrt_error *err);
/* "key value" line of a flat-keyed file (memory.events, cpu.stat, ...). */
int cg_keyed_get(const char *text, const char *key, uint64_t *out);

/* Error "linux.resources.FIELD: MSG" (errnum 0). */
int cg_field_error(clawrt_error *err, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Not controllers: which writer handles linux.resources.unified, and the
 * devices rules on v2 (an eBPF program, no controller to enable). */
#define CG_UNIFIED_KEYS (1u << 30)

/* Decide, for each part of res, whether the v1 hierarchies or the v2 one
 * apply it (bits of the controllers, plus CG_UNIFIED_KEYS / CG_DEVICES),
 * and check every value against that layout before anything is written.
 * Availability comes from the host (create) or from m (update). */
int cg_route(const cgroup_manager *m, const cg_host *h, const oci_resources *res,
             unsigned *v1_bits, unsigned *v2_bits, clawrt_error *err);
int cg_v1_check(const oci_resources *res, unsigned bits, clawrt_error *err);
int cg_v2_check(const oci_resources *res, unsigned bits, clawrt_error *err);

/* Resource writers for the parts routed to them.  `update` is set by
 * cgroup_update: writes are ordered against the current values and
 * checkBeforeUpdate is honoured. */
int cg_v1_apply(cgroup_manager *m, const oci_resources *res, unsigned bits, bool update,
                clawrt_error *err);
int cg_v2_apply(const cgroup_manager *m, const oci_resources *res, unsigned bits, bool update,
                clawrt_error *err);
int cg_v2_enable(int mountfd, const char *rel, unsigned bits, clawrt_error *err);
void cg_v1_init_cpuset(int mountfd, const char *rel, int leaffd);
/* --systemd-cgroup at create: the path is parsed, then refused (systemd.c). */
int cg_systemd_create_check(const cgroup_create_opts *o, const char *id,
                            const char *cgroups_path, clawrt_error *err);
/* Writers and checks v1 and v2 share (resources_common.c); `v2` picks the
 * version's file names and value format where they differ. */
int cg_check_page_sizes(const oci_resources *res, clawrt_error *err);
/* checkBeforeUpdate: refuse a limit below what usage_file reports. */
int cg_check_usage(int fd, const char *usage_file, const oci_memory *mem, clawrt_error *err);
int cg_cpuset_write(int fd, const oci_cpu *c, clawrt_error *err);
int cg_hugetlb_write(int fd, const oci_hugepage_limit *h, size_t n, bool v2, clawrt_error *err);
int cg_throttle_write(int fd, const oci_block_io *b, bool v2, clawrt_error *err);
/* rdma.max lines, the same format on v1 and v2. */
int cg_rdma_write(int fd, const oci_rdma_entry *r, size_t n, clawrt_error *err);
/* "2MB" -> ok; the unit tests use it too. */
bool cg_valid_page_size(const char *s);

/* Real-time group scheduling (rt.c).  cg_rt_apply writes the leaf's
 * realtimePeriod/realtimeRuntime after giving its ancestors the runtime it
 * needs (recorded in m->rt_given); cg_rt_release gives it back once the
 * leaf is gone.  The pure parts below are exposed for the unit test. */
int cg_rt_apply(cgroup_manager *m, cg_dir *d, const oci_cpu *c, clawrt_error *err);
/* Before the leaf is removed: its runtime to 0, so the parents can shrink
 * at once rather than when the kernel frees the removed cgroup. */
void cg_rt_leaf_zero(const cgroup_manager *m);
void cg_rt_release(cgroup_manager *m);

typedef struct cg_rt_level {
  uint64_t period;      /* cpu.rt_period_us */
  int64_t runtime;      /* cpu.rt_runtime_us, -1 = unlimited */
  uint64_t others;      /* sum of the ratios of its children off the path */
} cg_rt_level;
/* runtime/period in the kernel's fixed point (2^20 = all of it). */
uint64_t cg_rt_ratio(uint64_t period, int64_t runtime);
/* The least runtime per period whose ratio is at least ratio. */
int64_t cg_rt_runtime_for(uint64_t period, uint64_t ratio);
/* lv[0] is the top ancestor, lv[n-1] the leaf's parent: target[k] is what
 * level k must hold (never less than it has) for a leaf of leaf_ratio. */
void cg_rt_plan(const cg_rt_level *lv, size_t n, uint64_t leaf_ratio, int64_t *target);
/* A level's runtime once a container that gave it `given` has gone: back
 * by that much (to 0 when the runtime owns it), never below what its
 * children (ratio sum) need, never up. */
int64_t cg_rt_trim(uint64_t period, int64_t runtime, uint64_t children, uint64_t given,
                   bool owned);

/* Devices. */
int cg_devices_v1_apply(int dirfd, const oci_device_cgroup *rules, size_t n,
                        clawrt_error *err);
int cg_devices_bpf_apply(int cgroup_fd, const oci_device_cgroup *rules, size_t n,
                         clawrt_error *err);
int cg_devices_check(const oci_device_cgroup *rules, size_t n, clawrt_error *err);

/* The BPF program for a rule list, exposed for the unit test's interpreter. */
struct bpf_insn;
int cg_devices_bpf_build(const oci_device_cgroup *rules, size_t n, struct bpf_insn **prog,
                         size_t *len, clawrt_error *err);

/* Freezer and process lists. */
int cg_freeze_dir(const cg_dir *d, bool freeze, clawrt_error *err);
int cg_frozen_dir(const cg_dir *d, bool *frozen, clawrt_error *err);
/* v1: a task in a sub-cgroup the container froze itself takes SIGKILL only
 * once thawed, so a kill-all thaws those; a container the runtime paused
 * stays as it is (its tasks die on resume or delete). */
void cg_thaw_subcgroups(const cgroup_manager *m);

/* The sub-cgroups below dirfd, whatever their names and depth (tree.c):
 * enter(fd) on the way down, parents first; leave(parentfd, name) on the
 * way back up, children first.  dirfd itself is not visited.  A callback's
 * -1 stops the walk. */
typedef int (*cg_enter_fn)(int fd, void *arg, clawrt_error *err);
typedef int (*cg_leave_fn)(int parentfd, const char *name, void *arg, clawrt_error *err);
int cg_walk(int dirfd, cg_enter_fn enter, cg_leave_fn leave, void *arg, clawrt_error *err);
/* Append the pids of dirfd and of every sub-cgroup below it. */
int cg_collect_pids(int dirfd, pid_t **pids, size_t *n, size_t *cap, clawrt_error *err);
/* The pids of every hierarchy's part of the container, sorted, once each:
 * a v1 hierarchy may hold a process the others do not (one that a host tool
 * put into a sub-cgroup of the container's memory cgroup only). */
int cg_all_pids(const cgroup_manager *m, pid_t **pids, size_t *n, clawrt_error *err);
/* rmdir dirfd's sub-cgroups depth first (not dirfd itself). */
int cg_rmdir_children(int dirfd, clawrt_error *err);
/* rmdir dirfd/name, waiting up to 2 s while it is busy (killed tasks leave
 * a moment later); -1 with errno. */
int cg_rmdir_wait(int dirfd, const char *name);

#endif
