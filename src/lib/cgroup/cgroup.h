/* The cgroup layer: the one interface the container code uses, whatever the
 * host offers (cgroup v1, cgroup v2, or hybrid = v1 controllers plus a
 * cgroup2 mount, typically /sys/fs/cgroup/unified).
 *
 * The layout is detected from mountinfo, never assumed.  Every function
 * takes (or remembers) a root prefix, "/sys/fs/cgroup" in production, so the
 * unit tests run the same drivers against a fake tree in a temp dir.
 *
 * Errors about linux.resources name the field as "linux.resources.X: ..."
 * (the caller prefixes the document: "config.json: ").
 */
#ifndef CLAWRT_CGROUP_H
#define CLAWRT_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "ocispec.h"

#define CGROUP_ROOT_DEFAULT "/sys/fs/cgroup"
#define CGROUP_MOUNTINFO_DEFAULT "/proc/self/mountinfo"
/* Parent of the default leaf when linux.cgroupsPath is absent: /clawrt/ID. */
#define CGROUP_DEFAULT_PARENT "/clawrt"

typedef struct cgroup_manager cgroup_manager;

typedef enum {
  CGROUP_LAYOUT_V1,
  CGROUP_LAYOUT_V2,
  CGROUP_LAYOUT_HYBRID,
} cgroup_layout;

const char *cgroup_layout_name(cgroup_layout l); /* "v1" "v2" "hybrid" */

/* Layout from a mountinfo file (all cgroup mounts in it are considered). */
int cgroup_detect_layout(const char *mountinfo_path, cgroup_layout *out, clawrt_error *err);

/* What the host offers, for `features` and for bundle validation before
 * anything is created. */
typedef struct cgroup_host_info {
  cgroup_layout layout;
  char *v2_controllers;       /* cgroup.controllers of the v2 root, "" if none */
  char **v1_controllers;      /* mounted v1 controllers, NULL-terminated, NULL on v2 */
  bool systemd_running;
} cgroup_host_info;
int cgroup_host_info_get(const char *root_prefix, cgroup_host_info *out, clawrt_error *err);
void cgroup_host_info_free(cgroup_host_info *info);

/* Every knob of cgroup_create; cgroup_create() fills the defaults. */
typedef struct cgroup_create_opts {
  const char *root_prefix;    /* NULL: CGROUP_ROOT_DEFAULT */
  const char *mountinfo_path; /* NULL: CGROUP_MOUNTINFO_DEFAULT */
  const char *self_cgroup_path; /* NULL: /proc/self/cgroup (for relative cgroupsPath) */
  const char *proc_root;      /* NULL: /proc (systemd detection looks at PROC/1/comm) */
  bool systemd;               /* --systemd-cgroup */
  /* Join a leaf that already holds processes (a pod sharing a cgroup).
   * Without it such a leaf is refused: it most likely belongs to a live
   * container. */
  bool allow_existing;
  /* Create nothing, apply nothing: find the leaves a create made before it
   * could record them (the runtime was killed in between), so that delete
   * --force can still remove them.  Leaves with processes are marked
   * shared (left alone): they may be another container's. */
  bool open_only;
} cgroup_create_opts;

/* Create (mkdir) the container's cgroup(s) from linux.cgroupsPath
 * (absolute: under each hierarchy's root; relative: under the caller's own
 * cgroup; NULL/"": CGROUP_DEFAULT_PARENT/ID) and apply res (may be NULL).
 * Nothing is left behind on error.  A value the layout cannot apply is an
 * error naming the field. */
int cgroup_create(const char *root_prefix, const char *id, const char *cgroups_path,
                  const oci_resources *res, bool systemd, cgroup_manager **out,
                  clawrt_error *err);
int cgroup_create_with(const cgroup_create_opts *o, const char *id, const char *cgroups_path,
                       const oci_resources *res, cgroup_manager **out, clawrt_error *err);

/* Check res against the host without creating anything (bundle validation,
 * `update` before touching a live container). */
int cgroup_validate(const char *root_prefix, const oci_resources *res, clawrt_error *err);

cgroup_layout cgroup_manager_layout(const cgroup_manager *m);
/* The hierarchy a controller is in, as "/sys/fs/cgroup/cpu,cpuacct" (owned
 * by m); NULL when no hierarchy of m has it or the name is unknown.  Two
 * controllers with the same answer share one cgroup per process. */
const char *cgroup_hierarchy_of(const cgroup_manager *m, const char *controller);
/* The container's cgroup path as runc reports it ("/clawrt/ID"). */
const char *cgroup_manager_path(const cgroup_manager *m);

/* O_DIRECTORY|O_CLOEXEC fd of the v2 leaf for clone3(CLONE_INTO_CGROUP);
 * -1 when the layout has no v2 leaf.  Owned by m. */
int cgroup_v2_fd(const cgroup_manager *m);

/* Write pid into every hierarchy's cgroup.procs. */
int cgroup_enter(const cgroup_manager *m, pid_t pid, clawrt_error *err);
/* After clone3(CLONE_INTO_CGROUP, cgroup_v2_fd(m)): the hierarchies the
 * clone did not cover (the v1 ones on hybrid; nothing on v2). */
int cgroup_enter_rest(const cgroup_manager *m, pid_t pid, clawrt_error *err);
/* The v2 leaf alone: when clone3 could not use CLONE_INTO_CGROUP and the
 * process moves itself into the v1 ones (self_enter.h). */
int cgroup_enter_v2(const cgroup_manager *m, pid_t pid, clawrt_error *err);
/* exec --cgroup [CONTROLLER:]SUBPATH: put pid into an existing sub-cgroup of
 * the container (controller NULL: every hierarchy). */
int cgroup_enter_sub(const cgroup_manager *m, pid_t pid, const char *controller,
                     const char *subpath, clawrt_error *err);

/* Apply res to a live container (`update`); absent fields are untouched.
 * m may change (real-time runtime given to its parents): store
 * cgroup_serialize(m) again afterwards. */
int cgroup_update(cgroup_manager *m, const oci_resources *res, clawrt_error *err);

/* Freeze or thaw, waiting until the kernel reports the new state. */
int cgroup_freeze(const cgroup_manager *m, bool freeze, clawrt_error *err);
int cgroup_is_frozen(const cgroup_manager *m, bool *frozen, clawrt_error *err);

/* Every pid in the container's cgroup and its sub-cgroups, as one hierarchy
 * (v1: the freezer's) lists them: all that the container runs, not one a
 * host tool put into another hierarchy only (caller frees). */
int cgroup_pids(const cgroup_manager *m, pid_t **pids, size_t *n, clawrt_error *err);
/* True when no process is left in any hierarchy, sub-cgroups included
 * (cgroup.events populated 0 on v2). */
int cgroup_is_empty(const cgroup_manager *m, bool *empty, clawrt_error *err);

/* Signal every process of every hierarchy, sub-cgroups included: SIGKILL
 * through cgroup.kill where a v2 leaf has it; otherwise freeze, signal each
 * pid, thaw (no fork can escape meanwhile).  SIGKILL also thaws the v1
 * sub-cgroups the container froze itself, or their tasks would not die. */
int cgroup_kill_all(const cgroup_manager *m, int signo, clawrt_error *err);

/* Kill what lingers, rmdir every directory it created (sub-cgroups the
 * container or anyone else made too, of any name and depth; retrying on
 * EBUSY briefly, then killing once more), free m (also on error). */
int cgroup_destroy(cgroup_manager *m, clawrt_error *err);

/* JSON text for the state dir, and back.  Paths are stored relative to the
 * root prefix, so a state is independent of where the tree lives. */
char *cgroup_serialize(const cgroup_manager *m);
int cgroup_load(const char *root_prefix, const char *serialized, cgroup_manager **out,
                clawrt_error *err);
void cgroup_manager_free(cgroup_manager *m);

/* ---- stats (events, ps, "why did it die") ---------------------------- */

#define CGROUP_UNLIMITED UINT64_MAX  /* "max", or v1's page-rounded LONG_MAX */

typedef struct cgroup_kv {
  char *key;
  uint64_t value;
} cgroup_kv;

typedef struct cgroup_blkio_entry {
  uint32_t major, minor;
  char *op;                   /* "Read" "Write" "Sync" "Async" "Discard" "Total" */
  uint64_t value;
} cgroup_blkio_entry;

typedef struct cgroup_hugetlb_stat {
  char *page_size;            /* "2MB" */
  uint64_t usage, max_usage, failcnt;  /* v2: max_usage 0 (no peak file), failcnt = events max */
} cgroup_hugetlb_stat;

typedef struct cgroup_stats {
  bool has_cpu;
  uint64_t cpu_usage_ns, cpu_user_ns, cpu_system_ns;
  uint64_t *cpu_percpu_ns;    /* v1 cpuacct.usage_percpu; NULL on v2 */
  size_t cpu_percpu_len;
  uint64_t cpu_periods, cpu_throttled_periods, cpu_throttled_ns;

  bool has_memory;
  uint64_t mem_usage, mem_limit, mem_max_usage, mem_failcnt;
  bool has_mem_max_usage;     /* v2 memory.peak exists since Linux 5.19 */
  uint64_t swap_usage, swap_limit, swap_max_usage, swap_failcnt; /* v1: memsw (mem+swap) */
  bool has_swap;
  uint64_t kernel_usage, kernel_limit;
  uint64_t cache, rss;
  uint64_t oom_events;        /* times the limit was hit and OOM ran (v2 memory.events oom) */
  uint64_t oom_kill;          /* processes the OOM killer killed in this cgroup */
  bool under_oom;
  cgroup_kv *mem_raw;         /* memory.stat as is */
  size_t mem_raw_len;

  bool has_pids;
  uint64_t pids_current, pids_limit, pids_peak;
  uint64_t pids_max_events;   /* forks refused at the limit */

  bool has_blkio;
  cgroup_blkio_entry *io_service_bytes, *io_serviced;
  size_t io_service_bytes_len, io_serviced_len;

  cgroup_hugetlb_stat *hugetlb;
  size_t hugetlb_len;
} cgroup_stats;

/* Fill what the host offers (has_* say which parts). */
int cgroup_get_stats(const cgroup_manager *m, cgroup_stats *out, clawrt_error *err);
void cgroup_stats_free(cgroup_stats *s);

/* One line of `events`, runc's shape: {"type":TYPE,"id":ID,"data":{...}}
 * with the stats as data, no data when s is NULL ("oom"). */
int cgroup_event_json(const char *type, const char *id, const cgroup_stats *s, char **out,
                      clawrt_error *err);

/* OOM notifications of the container's memory cgroup (oom.c).  Poll the
 * fd for *events; then cgroup_oom_watch_read() says how many OOMs (kills,
 * or v1 OOMs with the killer disabled) happened since the last read: 0 for
 * a wake-up that was none (another counter moved, the cgroup went away). */
typedef struct cgroup_oom_watch cgroup_oom_watch;
int cgroup_oom_watch_open(const cgroup_manager *m, cgroup_oom_watch **out, clawrt_error *err);
int cgroup_oom_watch_fd(const cgroup_oom_watch *w, short *events);
int cgroup_oom_watch_read(cgroup_oom_watch *w, uint64_t *n, clawrt_error *err);
void cgroup_oom_watch_free(cgroup_oom_watch *w);

/* ---- why did it die (explain.c, pure) ----------------------------------- */

typedef struct cgroup_exit_facts {
  int wait_status;            /* of the container's init, as waitpid() gives it */
  bool has_init_cpu;
  uint64_t init_cpu_ns;       /* the init's own CPU time (user + system) */
  bool has_rlimit_cpu;        /* process.rlimits has RLIMIT_CPU */
  uint64_t rlimit_cpu_soft, rlimit_cpu_hard; /* seconds; RLIM_INFINITY: none */
} cgroup_exit_facts;

/* The limit that ended the container, as the tail of a sentence that
 * starts with "container ID ": "killed: memory limit exceeded (limit 64.0
 * MiB, peak 64.0 MiB, oom kills 1)", "exited with status 1: pids limit
 * reached (limit 5, peak 5, forks refused 3)", "killed by SIGXCPU: CPU
 * time limit exceeded (RLIMIT_CPU soft 1 s, used 1.00 s)".  NULL when the
 * exit was clean or no counter points at a limit.  s may be NULL. */
char *cgroup_explain_exit(const cgroup_stats *s, const cgroup_exit_facts *f);
/* `run --stats`: "cpu 0.52 s (user 0.50 s, system 0.02 s), peak memory
 * 33.1 MiB (limit 64.0 MiB), peak pids 3 (limit 10)". */
char *cgroup_stats_summary(const cgroup_stats *s);
/* "32.0 MiB", "512 B", "unlimited". */
char *cgroup_format_bytes(uint64_t n);

/* ---- systemd (not a driver: see systemd.c) --------------------------- */

/* Parse "slice:prefix:name" into the cgroupfs path systemd would use
 * ("/a.slice/a-b.slice/prefix-name.scope"); caller frees *path. */
int cgroup_systemd_path(const char *cgroups_path, const char *id, char **path,
                        clawrt_error *err);
/* 0 when systemd runs as init; otherwise the error that says what to do. */
int cgroup_systemd_check(const char *proc_root, clawrt_error *err);

/* ---- device rules (policy) ------------------------------------------ */

/* What to give cgroup_create as linux.resources.devices: the spec's rules,
 * then allow rules for the nodes the runtime creates in /dev (null zero
 * full random urandom tty console ptmx pts/N, and mknod of any node), then
 * one for each linux.devices entry.  *out is one free()able array whose
 * strings are borrowed from the inputs or static. */
int cgroup_device_rules(const oci_device_cgroup *spec, size_t n, const oci_device *devs,
                        size_t ndev, oci_device_cgroup **out, size_t *outn);

/* ---- update's record (merge.c, pure) ---------------------------------- */

/* Fold the resources `update` applied into dst (the linux.resources kept in
 * the state dir's config.json) with the meaning the writers gave them:
 * present fields replace, absent ones stay (and so do the fields whose 0
 * means "not set"); keyed entries (devices, page sizes, interfaces, rdma)
 * replace by key; device rules append, or replace when they start with a
 * rule for every device.  Everything copied is dst's to free. */
void cgroup_resources_merge(oci_resources *dst, const oci_resources *src);

/* ---- conversions (exposed for the unit tests and `update`) ----------- */

uint64_t cgroup_cpu_shares_to_weight(uint64_t shares);  /* [2,262144] -> [1,10000] */
uint64_t cgroup_blkio_weight_to_io_weight(uint64_t w);  /* [10,1000] -> [1,10000] */
/* OCI swap (memory+swap) to memory.swap.max; -1 = max.  Errors name the field. */
int cgroup_swap_to_v2(int64_t swap, int64_t limit, bool has_limit, int64_t *out,
                      clawrt_error *err);

#endif
