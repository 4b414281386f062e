/* Typed C model of the OCI runtime-spec documents (1.2/1.3): config.json,
 * state.json and features.json.
 *
 * Conventions, so that "absent" is never confused with "zero":
 *  - a scalar optional field `x` has a `bool has_x` next to it;
 *  - an optional object is a pointer, NULL when absent;
 *  - a string is `char *`, NULL when absent;
 *  - an array is `T *x; size_t x_len;` and x is non-NULL whenever the key
 *    was present, even when empty (the parser allocates at least one slot);
 *  - a string map is an `oci_map`.
 * Everything is heap-owned by the enclosing document and released by the
 * matching *_free() function.
 */
#ifndef CLAWRT_OCISPEC_H
#define CLAWRT_OCISPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../src/lib/error.h"

/* GNU C predefines `linux` as 1; the spec's "linux" object is a field. */
#undef linux

typedef struct oci_map {
  char **keys;
  char **values;
  size_t len;
} oci_map;

typedef struct oci_strv {   /* an array of strings, NULL-terminated as well */
  char **v;
  size_t len;
} oci_strv;

/* ---- root, mounts ------------------------------------------------------ */

typedef struct oci_root {
  char *path;               /* required */
  bool readonly;
  bool has_readonly;
} oci_root;

typedef struct oci_id_mapping {
  uint32_t container_id;    /* "containerID" */
  uint32_t host_id;         /* "hostID" */
  uint32_t size;
} oci_id_mapping;

typedef struct oci_mount {
  char *destination;        /* required */
  char *source;
  char *type;
  oci_strv options;
  oci_id_mapping *uid_mappings;  /* "uidMappings" */
  size_t uid_mappings_len;
  oci_id_mapping *gid_mappings;
  size_t gid_mappings_len;
} oci_mount;

/* ---- process ----------------------------------------------------------- */

typedef struct oci_box {
  uint32_t height, width;
} oci_box;

typedef struct oci_rlimit {
  char *type;               /* "RLIMIT_NOFILE" ... */
  uint64_t soft, hard;
} oci_rlimit;

typedef struct oci_capabilities {
  oci_strv bounding, effective, inheritable, permitted, ambient;
} oci_capabilities;

typedef struct oci_user {
  uint32_t uid, gid;
  uint32_t umask;
  bool has_umask;
  uint32_t *additional_gids;     /* "additionalGids" */
  size_t additional_gids_len;
  char *username;                /* windows only, parsed and ignored */
} oci_user;

typedef struct oci_scheduler {
  char *policy;                  /* required: SCHED_OTHER ... */
  int32_t nice;
  bool has_nice;
  int32_t priority;
  bool has_priority;
  oci_strv flags;
  uint64_t runtime, deadline, period;
  bool has_runtime, has_deadline, has_period;
} oci_scheduler;

typedef struct oci_io_priority {
  char *class_;                  /* "class": IOPRIO_CLASS_RT|BE|IDLE */
  int32_t priority;
} oci_io_priority;

typedef struct oci_cpu_affinity {
  char *initial;                 /* "initial": cpu list "0-3,7" */
  char *final;
} oci_cpu_affinity;

typedef struct oci_process {
  bool terminal;
  bool has_terminal;
  oci_box *console_size;         /* "consoleSize" */
  oci_user user;                 /* absent in JSON: uid 0, gid 0 (as runc) */
  oci_strv args;
  char *command_line;            /* "commandLine", windows only */
  oci_strv env;
  char *cwd;                     /* required */
  oci_capabilities *capabilities;
  oci_rlimit *rlimits;
  size_t rlimits_len;
  bool no_new_privileges;
  bool has_no_new_privileges;
  char *apparmor_profile;
  int32_t oom_score_adj;
  bool has_oom_score_adj;
  oci_scheduler *scheduler;
  char *selinux_label;
  oci_io_priority *io_priority;  /* "ioPriority" */
  oci_cpu_affinity *exec_cpu_affinity; /* "execCPUAffinity" */
} oci_process;

/* ---- hooks ------------------------------------------------------------- */

typedef struct oci_hook {
  char *path;                    /* required */
  oci_strv args;
  oci_strv env;
  int64_t timeout;               /* seconds, > 0 */
  bool has_timeout;
} oci_hook;

typedef struct oci_hook_list {
  oci_hook *v;
  size_t len;
} oci_hook_list;

typedef struct oci_hooks {
  oci_hook_list prestart, create_runtime, create_container, start_container,
      poststart, poststop;
} oci_hooks;

/* ---- linux ------------------------------------------------------------- */

typedef struct oci_namespace {
  char *type;                    /* required: pid network mount ipc uts user cgroup time */
  char *path;
} oci_namespace;

typedef struct oci_device {
  char *type;                    /* required: c b u p */
  char *path;                    /* required */
  int64_t major, minor;
  bool has_major, has_minor;
  uint32_t file_mode;            /* "fileMode" */
  bool has_file_mode;
  uint32_t uid, gid;
  bool has_uid, has_gid;
} oci_device;

typedef struct oci_device_cgroup {
  bool allow;                    /* required */
  char *type;                    /* a c b */
  int64_t major, minor;
  bool has_major, has_minor;
  char *access;                  /* rwm */
} oci_device_cgroup;

typedef struct oci_memory {
  int64_t limit, reservation, swap, kernel, kernel_tcp;
  bool has_limit, has_reservation, has_swap, has_kernel, has_kernel_tcp;
  uint64_t swappiness;
  bool has_swappiness;
  bool disable_oom_killer, use_hierarchy, check_before_update;
  bool has_disable_oom_killer, has_use_hierarchy, has_check_before_update;
} oci_memory;

typedef struct oci_cpu {
  uint64_t shares, period, realtime_period, burst;
  bool has_shares, has_period, has_realtime_period, has_burst;
  int64_t quota, realtime_runtime, idle;
  bool has_quota, has_realtime_runtime, has_idle;
  char *cpus, *mems;
} oci_cpu;

typedef struct oci_pids {
  int64_t limit;                 /* -1: unlimited; 0 is a real limit (1.3) */
  bool has_limit;                /* required in 1.2, optional since 1.3 */
} oci_pids;

typedef struct oci_weight_device {
  int64_t major, minor;          /* required */
  uint16_t weight, leaf_weight;
  bool has_weight, has_leaf_weight;
} oci_weight_device;

typedef struct oci_throttle_device {
  int64_t major, minor;          /* required */
  uint64_t rate;                 /* required */
} oci_throttle_device;

typedef struct oci_block_io {
  uint16_t weight, leaf_weight;
  bool has_weight, has_leaf_weight;
  oci_weight_device *weight_device;
  size_t weight_device_len;
  oci_throttle_device *throttle_read_bps_device, *throttle_write_bps_device,
      *throttle_read_iops_device, *throttle_write_iops_device;
  size_t throttle_read_bps_device_len, throttle_write_bps_device_len,
      throttle_read_iops_device_len, throttle_write_iops_device_len;
} oci_block_io;

typedef struct oci_hugepage_limit {
  char *page_size;               /* required: "2MB" */
  uint64_t limit;                /* required */
} oci_hugepage_limit;

typedef struct oci_net_priority {
  char *name;
  uint32_t priority;
} oci_net_priority;

typedef struct oci_network {
  uint32_t class_id;             /* "classID" */
  bool has_class_id;
  oci_net_priority *priorities;
  size_t priorities_len;
} oci_network;

typedef struct oci_rdma_entry {
  char *name;                    /* the map key */
  uint32_t hca_handles, hca_objects;
  bool has_hca_handles, has_hca_objects;
} oci_rdma_entry;

typedef struct oci_resources {
  oci_device_cgroup *devices;
  size_t devices_len;
  oci_memory *memory;
  oci_cpu *cpu;
  oci_pids *pids;
  oci_block_io *block_io;        /* "blockIO" */
  oci_hugepage_limit *hugepage_limits;
  size_t hugepage_limits_len;
  oci_network *network;
  oci_rdma_entry *rdma;          /* map name -> entry */
  size_t rdma_len;
  bool has_rdma;
  oci_map unified;
  bool has_unified;
} oci_resources;

typedef struct oci_seccomp_arg {
  uint32_t index;                /* required */
  uint64_t value;                /* required */
  uint64_t value_two;            /* "valueTwo" */
  bool has_value_two;
  char *op;                      /* required: SCMP_CMP_EQ ... */
} oci_seccomp_arg;

typedef struct oci_syscall {
  oci_strv names;                /* required */
  char *action;                  /* required */
  uint32_t errno_ret;            /* "errnoRet" */
  bool has_errno_ret;
  oci_seccomp_arg *args;
  size_t args_len;
} oci_syscall;

typedef struct oci_seccomp {
  char *default_action;          /* required: "defaultAction" */
  uint32_t default_errno_ret;
  bool has_default_errno_ret;
  oci_strv architectures;
  oci_strv flags;
  char *listener_path;
  char *listener_metadata;
  oci_syscall *syscalls;
  size_t syscalls_len;
} oci_seccomp;

typedef struct oci_time_offset {
  int64_t secs;
  uint32_t nanosecs;
  bool has_secs, has_nanosecs;
} oci_time_offset;

typedef struct oci_time_offsets {
  oci_time_offset *monotonic, *boottime;
} oci_time_offsets;

typedef struct oci_personality {
  char *domain;                  /* required: LINUX | LINUX32 */
  oci_strv flags;
} oci_personality;

typedef struct oci_intel_rdt {
  char *clos_id, *l3_cache_schema, *mem_bw_schema;
  bool enable_cmt, enable_mbm, has_enable_cmt, has_enable_mbm; /* 1.1 - 1.2 */
  oci_strv schemata;             /* 1.3 */
  bool enable_monitoring, has_enable_monitoring; /* 1.3: "enableMonitoring" */
} oci_intel_rdt;

typedef struct oci_memory_policy {
  char *mode;                    /* required: MPOL_DEFAULT ... */
  char *nodes;
  oci_strv flags;
} oci_memory_policy;

typedef struct oci_net_device {
  char *key;                     /* the host interface name (map key) */
  char *name;                    /* name inside the container */
} oci_net_device;

typedef struct oci_linux {
  oci_namespace *namespaces;
  size_t namespaces_len;
  oci_id_mapping *uid_mappings, *gid_mappings;
  size_t uid_mappings_len, gid_mappings_len;
  oci_time_offsets *time_offsets;
  oci_device *devices;
  size_t devices_len;
  char *cgroups_path;
  oci_resources *resources;
  oci_intel_rdt *intel_rdt;
  oci_map sysctl;
  bool has_sysctl;
  oci_seccomp *seccomp;
  char *rootfs_propagation;
  oci_strv masked_paths, readonly_paths;
  char *mount_label;
  oci_personality *personality;
  oci_memory_policy *memory_policy;
  oci_net_device *net_devices;
  size_t net_devices_len;
} oci_linux;

/* ---- config.json ------------------------------------------------------- */

typedef struct oci_spec {
  char *oci_version;             /* required */
  oci_root *root;
  oci_mount *mounts;
  size_t mounts_len;
  oci_process *process;
  char *hostname, *domainname;
  oci_hooks *hooks;
  oci_map annotations;
  bool has_annotations;
  oci_linux *linux;
} oci_spec;

/* ---- state.json (runtime-spec state + runc's extra fields) ------------- */

typedef struct oci_state {
  char *oci_version;
  char *id;
  char *status;                  /* creating created running stopped paused */
  int pid;
  bool has_pid;
  char *bundle;
  char *rootfs;                  /* runc extension */
  char *created;                 /* runc extension: RFC 3339 */
  char *owner;                   /* runc extension */
  oci_map annotations;
  bool has_annotations;
} oci_state;

/* ---- features.json ----------------------------------------------------- */

typedef struct oci_features {
  char *oci_version_min, *oci_version_max;
  oci_strv hooks, mount_options;
  oci_strv namespaces, capabilities;
  bool cgroup_v1, cgroup_v2, cgroup_systemd, cgroup_systemd_user, cgroup_rdma;
  bool seccomp_enabled;
  oci_strv seccomp_actions, seccomp_operators, seccomp_archs, seccomp_known_flags,
      seccomp_supported_flags;
  bool apparmor_enabled, selinux_enabled, intel_rdt_enabled, idmap_enabled;
  oci_map annotations;
  oci_strv potentially_unsafe_annotations;
  /* features-linux.md of 1.3 */
  oci_strv memory_policy_modes, memory_policy_flags; /* linux.memoryPolicy */
  bool intel_rdt_schemata, intel_rdt_monitoring;     /* linux.intelRdt */
  bool net_devices_enabled;                          /* linux.netDevices */
} oci_features;

/* ---- entry points ------------------------------------------------------ */

/* Parse a config.json held in buf.  `origin` prefixes every error
 * ("config.json: process.rlimits[1].hard: expected unsigned integer"). */
int oci_spec_parse(const char *buf, size_t len, const char *origin, oci_spec **out,
                   clawrt_error *err);
/* Emit as indented JSON (the caller frees *out). */
int oci_spec_emit(const oci_spec *spec, char **out, size_t *outlen, clawrt_error *err);
void oci_spec_free(oci_spec *spec);
/* Deep copy (walks the same descriptor tables as parse/emit), for policies
 * that must not touch the input.  NULL only when spec is NULL. */
oci_spec *oci_spec_dup(const oci_spec *spec);
/* Structural equality: same fields present with the same values, arrays and
 * maps in the same order.  For tests of the pure transforms. */
bool oci_spec_equal(const oci_spec *a, const oci_spec *b);

/* Parse only a "process" object (exec --process FILE). */
int oci_process_parse(const char *buf, size_t len, const char *origin, oci_process **out,
                      clawrt_error *err);
void oci_process_free(oci_process *p);

int oci_state_parse(const char *buf, size_t len, const char *origin, oci_state **out,
                    clawrt_error *err);
int oci_state_emit(const oci_state *st, bool pretty, char **out, size_t *outlen,
                   clawrt_error *err);
void oci_state_free(oci_state *st);

int oci_features_emit(const oci_features *f, char **out, size_t *outlen, clawrt_error *err);

/* Resources alone (update --resources FILE): the linux.resources object. */
int oci_resources_parse(const char *buf, size_t len, const char *origin, oci_resources **out,
                        clawrt_error *err);
void oci_resources_free(oci_resources *r);

/* Map lookups.  oci_map_set replaces the value of an existing key (a NULL
 * value removes the key); copies both strings. */
const char *oci_map_get(const oci_map *m, const char *key);
void oci_map_set(oci_map *m, const char *key, const char *value);

/* Every JSON property path of config.json the spec defines, and whether we
 * parse it; used by the coverage unit test and by `features`.  Syntax:
 * "a.b" for keys, "a[]" for the elements of an array of objects, "a{}" for
 * the values of a map; arrays of strings/numbers by their key alone.  The
 * list is built once and lives as long as the process. */
typedef struct oci_property {
  const char *path;              /* "process.rlimits[].hard" */
  const char *unsupported_reason;/* NULL when parsed and honoured */
} oci_property;
const oci_property *oci_spec_properties(size_t *len);

#endif
