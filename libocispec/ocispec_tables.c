/* The descriptor tables: every property of runtime-spec 1.2/1.3 config.md and
 * config-linux.md, state.json and features.json, once.  Field order is the
 * emit order (the order of the spec's own examples and of runc's output).
 * Checks that need more than one field sit next to their table. */
#include <errno.h>
#include <string.h>

#include "ocispec_internal.h"
#include "../src/lib/util.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define HAS(st, m) ((ssize_t) offsetof(st, has_##m))
#define NOHAS ((ssize_t) -1)

#define FIELD(st, js, k, m, fl, has)                                           \
  { .name = js, .kind = k, .flags = fl, .off = offsetof(st, m), .has_off = has }

/* optional scalars carry a has_ flag; required ones do not need one */
#define STR(st, js, m) FIELD(st, js, OK_STRING, m, 0, NOHAS)
#define STR_F(st, js, m, fl) FIELD(st, js, OK_STRING, m, fl, NOHAS)
#define STR_E(st, js, m, fl, e)                                                \
  { .name = js, .kind = OK_STRING, .flags = fl, .off = offsetof(st, m),        \
    .has_off = NOHAS, .enumv = &e }
#define OPT(k, st, js, m) FIELD(st, js, k, m, 0, HAS(st, m))
#define REQ(k, st, js, m) FIELD(st, js, k, m, OF_REQUIRED, NOHAS)
#define STRV(st, js, m) FIELD(st, js, OK_STRV, m, 0, NOHAS)
#define MAP(st, js, m) FIELD(st, js, OK_MAP, m, 0, HAS(st, m))
#define OBJ(st, js, m, t)                                                      \
  { .name = js, .kind = OK_OBJECT, .off = offsetof(st, m), .has_off = NOHAS,   \
    .child = &t }
#define ARR(st, js, m, t)                                                      \
  { .name = js, .kind = OK_ARRAY, .off = offsetof(st, m), .has_off = NOHAS,    \
    .len_off = offsetof(st, m##_len), .child = &t }
#define UNSUPPORTED(js, why)                                                   \
  { .name = js, .kind = OK_UNSUPPORTED, .has_off = NOHAS, .unsupported = why }

#define TABLE(var, st, fields, chk)                                            \
  static const struct oci_table var = { #st, sizeof(st), fields, N(fields), 0, chk }

_Static_assert(sizeof(int) == sizeof(int32_t), "oci_state.pid is read as int32");

static const char *const NOT_LINUX = "unsupported: not a Linux runtime";
static const char *const WINDOWS_ONLY = "unsupported: Windows only (parsed and ignored)";

/* ---- closed value sets ---------------------------------------------------- */

static const char *const ns_values[] = { "pid", "network", "mount", "ipc", "uts",
                                         "user", "cgroup", "time", NULL };
const struct oci_enum oci_enum_namespace = { "namespace", ns_values };

static const char *const devtype_values[] = { "c", "b", "u", "p", NULL };
static const struct oci_enum enum_device_type = { "device type", devtype_values };

static const char *const cgdevtype_values[] = { "a", "c", "b", NULL };
static const struct oci_enum enum_cgroup_device_type = { "device type", cgdevtype_values };

static const char *const propagation_values[] = { "private", "rprivate", "slave", "rslave",
                                                  "shared", "rshared", "unbindable",
                                                  "runbindable", NULL };
static const struct oci_enum enum_propagation = { "rootfs propagation", propagation_values };

static const char *const seccomp_action_values[] = {
  "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP",
  "SCMP_ACT_ERRNO", "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY",
  NULL
};
static const struct oci_enum enum_seccomp_action = { "seccomp action", seccomp_action_values };

static const char *const seccomp_op_values[] = { "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE",
                                                 "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT",
                                                 "SCMP_CMP_MASKED_EQ", NULL };
static const struct oci_enum enum_seccomp_op = { "seccomp operator", seccomp_op_values };

static const char *const personality_values[] = { "LINUX", "LINUX32", NULL };
static const struct oci_enum enum_personality = { "personality domain", personality_values };

static const char *const ioprio_values[] = { "IOPRIO_CLASS_RT", "IOPRIO_CLASS_BE",
                                             "IOPRIO_CLASS_IDLE", NULL };
static const struct oci_enum enum_ioprio = { "I/O priority class", ioprio_values };

static const char *const sched_values[] = { "SCHED_OTHER", "SCHED_FIFO", "SCHED_RR",
                                            "SCHED_BATCH", "SCHED_ISO", "SCHED_IDLE",
                                            "SCHED_DEADLINE", NULL };
static const struct oci_enum enum_sched = { "scheduler policy", sched_values };

static const char *const mpol_values[] = { "MPOL_DEFAULT", "MPOL_BIND", "MPOL_INTERLEAVE",
                                           "MPOL_WEIGHTED_INTERLEAVE", "MPOL_PREFERRED",
                                           "MPOL_PREFERRED_MANY", "MPOL_LOCAL", NULL };
static const struct oci_enum enum_mpol = { "memory policy mode", mpol_values };

int
oci_enum_index(const struct oci_enum *e, const char *s)
{
  for (int i = 0; e->values[i]; i++)
    if (strcmp(e->values[i], s) == 0)
      return i;
  return -1;
}

/* ---- root, mounts ------------------------------------------------------------ */

static const struct oci_field root_fields[] = {
  STR_F(oci_root, "path", path, OF_REQUIRED | OF_NONEMPTY),
  OPT(OK_BOOL, oci_root, "readonly", readonly),
};
TABLE(root_table, oci_root, root_fields, NULL);

static const struct oci_field idmap_fields[] = {
  REQ(OK_U32, oci_id_mapping, "containerID", container_id),
  REQ(OK_U32, oci_id_mapping, "hostID", host_id),
  REQ(OK_U32, oci_id_mapping, "size", size),
};
TABLE(idmap_table, oci_id_mapping, idmap_fields, NULL);

static const struct oci_field mount_fields[] = {
  STR_F(oci_mount, "destination", destination, OF_REQUIRED | OF_NONEMPTY),
  STR(oci_mount, "type", type),
  STR(oci_mount, "source", source),
  STRV(oci_mount, "options", options),
  ARR(oci_mount, "uidMappings", uid_mappings, idmap_table),
  ARR(oci_mount, "gidMappings", gid_mappings, idmap_table),
};
TABLE(mount_table, oci_mount, mount_fields, NULL);

/* ---- process --------------------------------------------------------------- */

static const struct oci_field box_fields[] = {
  REQ(OK_U32, oci_box, "height", height),
  REQ(OK_U32, oci_box, "width", width),
};
TABLE(box_table, oci_box, box_fields, NULL);

static const struct oci_field user_fields[] = {
  REQ(OK_U32, oci_user, "uid", uid),
  REQ(OK_U32, oci_user, "gid", gid),
  OPT(OK_U32, oci_user, "umask", umask),
  { .name = "additionalGids", .kind = OK_U32V, .off = offsetof(oci_user, additional_gids),
    .has_off = NOHAS, .len_off = offsetof(oci_user, additional_gids_len) },
  { .name = "username", .kind = OK_STRING, .off = offsetof(oci_user, username),
    .has_off = NOHAS, .unsupported = WINDOWS_ONLY },
};
TABLE(user_table, oci_user, user_fields, NULL);

static const struct oci_field caps_fields[] = {
  STRV(oci_capabilities, "bounding", bounding),
  STRV(oci_capabilities, "effective", effective),
  STRV(oci_capabilities, "inheritable", inheritable),
  STRV(oci_capabilities, "permitted", permitted),
  STRV(oci_capabilities, "ambient", ambient),
};
TABLE(caps_table, oci_capabilities, caps_fields, NULL);

static const struct oci_field rlimit_fields[] = {
  STR_F(oci_rlimit, "type", type, OF_REQUIRED),
  REQ(OK_U64, oci_rlimit, "hard", hard),
  REQ(OK_U64, oci_rlimit, "soft", soft),
};
TABLE(rlimit_table, oci_rlimit, rlimit_fields, NULL);

static const struct oci_field sched_fields[] = {
  STR_E(oci_scheduler, "policy", policy, OF_REQUIRED, enum_sched),
  OPT(OK_I32, oci_scheduler, "nice", nice),
  OPT(OK_I32, oci_scheduler, "priority", priority),
  STRV(oci_scheduler, "flags", flags),
  OPT(OK_U64, oci_scheduler, "runtime", runtime),
  OPT(OK_U64, oci_scheduler, "deadline", deadline),
  OPT(OK_U64, oci_scheduler, "period", period),
};
TABLE(sched_table, oci_scheduler, sched_fields, NULL);

static const struct oci_field ioprio_fields[] = {
  STR_E(oci_io_priority, "class", class_, OF_REQUIRED, enum_ioprio),
  REQ(OK_I32, oci_io_priority, "priority", priority),
};
TABLE(ioprio_table, oci_io_priority, ioprio_fields, NULL);

static const struct oci_field affinity_fields[] = {
  STR(oci_cpu_affinity, "initial", initial),
  STR(oci_cpu_affinity, "final", final),
};
TABLE(affinity_table, oci_cpu_affinity, affinity_fields, NULL);

static const struct oci_field process_fields[] = {
  OPT(OK_BOOL, oci_process, "terminal", terminal),
  OBJ(oci_process, "consoleSize", console_size, box_table),
  /* optional in the schema (the spec's FreeBSD example has none); absent
   * reads as uid 0 gid 0, as runc does, and is written back explicitly */
  { .name = "user", .kind = OK_INLINE, .off = offsetof(oci_process, user), .has_off = NOHAS,
    .child = &user_table },
  STRV(oci_process, "args", args),
  { .name = "commandLine", .kind = OK_STRING, .off = offsetof(oci_process, command_line),
    .has_off = NOHAS, .unsupported = WINDOWS_ONLY },
  STRV(oci_process, "env", env),
  STR_F(oci_process, "cwd", cwd, OF_REQUIRED | OF_ABSPATH),
  OBJ(oci_process, "capabilities", capabilities, caps_table),
  ARR(oci_process, "rlimits", rlimits, rlimit_table),
  OPT(OK_BOOL, oci_process, "noNewPrivileges", no_new_privileges),
  STR(oci_process, "apparmorProfile", apparmor_profile),
  OPT(OK_I32, oci_process, "oomScoreAdj", oom_score_adj),
  OBJ(oci_process, "scheduler", scheduler, sched_table),
  STR(oci_process, "selinuxLabel", selinux_label),
  OBJ(oci_process, "ioPriority", io_priority, ioprio_table),
  OBJ(oci_process, "execCPUAffinity", exec_cpu_affinity, affinity_table),
};
const struct oci_table oci_process_table = { "oci_process", sizeof(oci_process), process_fields,
                                             N(process_fields), 0, NULL };

/* ---- hooks ------------------------------------------------------------------- */

static int
hook_check(const void *obj, struct opath *p, clawrt_error *err)
{
  const oci_hook *h = obj;
  if (h->has_timeout && h->timeout <= 0)
    {
      size_t s = opath_push_key(p, "timeout");
      clawrt_error_set(err, EINVAL, "%s: must be greater than zero, got %lld", p->buf,
                       (long long) h->timeout);
      opath_pop(p, s);
      return -1;
    }
  return 0;
}

static const struct oci_field hook_fields[] = {
  STR_F(oci_hook, "path", path, OF_REQUIRED | OF_ABSPATH),
  STRV(oci_hook, "args", args),
  STRV(oci_hook, "env", env),
  OPT(OK_I64, oci_hook, "timeout", timeout),
};
TABLE(hook_table, oci_hook, hook_fields, hook_check);

#define HOOKS(js, m)                                                           \
  { .name = js, .kind = OK_ARRAY, .off = offsetof(oci_hooks, m.v), .has_off = NOHAS, \
    .len_off = offsetof(oci_hooks, m.len), .child = &hook_table }

static const struct oci_field hooks_fields[] = {
  HOOKS("prestart", prestart),
  HOOKS("createRuntime", create_runtime),
  HOOKS("createContainer", create_container),
  HOOKS("startContainer", start_container),
  HOOKS("poststart", poststart),
  HOOKS("poststop", poststop),
};
TABLE(hooks_table, oci_hooks, hooks_fields, NULL);

/* ---- linux.resources ---------------------------------------------------------- */

static const struct oci_field devcg_fields[] = {
  REQ(OK_BOOL, oci_device_cgroup, "allow", allow),
  STR_E(oci_device_cgroup, "type", type, 0, enum_cgroup_device_type),
  OPT(OK_I64, oci_device_cgroup, "major", major),
  OPT(OK_I64, oci_device_cgroup, "minor", minor),
  STR(oci_device_cgroup, "access", access),
};
TABLE(devcg_table, oci_device_cgroup, devcg_fields, NULL);

static const struct oci_field memory_fields[] = {
  OPT(OK_I64, oci_memory, "limit", limit),
  OPT(OK_I64, oci_memory, "reservation", reservation),
  OPT(OK_I64, oci_memory, "swap", swap),
  OPT(OK_I64, oci_memory, "kernel", kernel),
  OPT(OK_I64, oci_memory, "kernelTCP", kernel_tcp),
  OPT(OK_U64, oci_memory, "swappiness", swappiness),
  OPT(OK_BOOL, oci_memory, "disableOOMKiller", disable_oom_killer),
  OPT(OK_BOOL, oci_memory, "useHierarchy", use_hierarchy),
  OPT(OK_BOOL, oci_memory, "checkBeforeUpdate", check_before_update),
};
TABLE(memory_table, oci_memory, memory_fields, NULL);

static const struct oci_field cpu_fields[] = {
  OPT(OK_U64, oci_cpu, "shares", shares),
  OPT(OK_I64, oci_cpu, "quota", quota),
  OPT(OK_U64, oci_cpu, "burst", burst),
  OPT(OK_U64, oci_cpu, "period", period),
  OPT(OK_I64, oci_cpu, "realtimeRuntime", realtime_runtime),
  OPT(OK_U64, oci_cpu, "realtimePeriod", realtime_period),
  STR(oci_cpu, "cpus", cpus),
  STR(oci_cpu, "mems", mems),
  OPT(OK_I64, oci_cpu, "idle", idle),
};
TABLE(cpu_table, oci_cpu, cpu_fields, NULL);

static const struct oci_field pids_fields[] = {
  OPT(OK_I64, oci_pids, "limit", limit),
};
TABLE(pids_table, oci_pids, pids_fields, NULL);

static const struct oci_field weightdev_fields[] = {
  REQ(OK_I64, oci_weight_device, "major", major),
  REQ(OK_I64, oci_weight_device, "minor", minor),
  OPT(OK_U16, oci_weight_device, "weight", weight),
  OPT(OK_U16, oci_weight_device, "leafWeight", leaf_weight),
};
TABLE(weightdev_table, oci_weight_device, weightdev_fields, NULL);

static const struct oci_field throttle_fields[] = {
  REQ(OK_I64, oci_throttle_device, "major", major),
  REQ(OK_I64, oci_throttle_device, "minor", minor),
  REQ(OK_U64, oci_throttle_device, "rate", rate),
};
TABLE(throttle_table, oci_throttle_device, throttle_fields, NULL);

static const struct oci_field blkio_fields[] = {
  OPT(OK_U16, oci_block_io, "weight", weight),
  OPT(OK_U16, oci_block_io, "leafWeight", leaf_weight),
  ARR(oci_block_io, "weightDevice", weight_device, weightdev_table),
  ARR(oci_block_io, "throttleReadBpsDevice", throttle_read_bps_device, throttle_table),
  ARR(oci_block_io, "throttleWriteBpsDevice", throttle_write_bps_device, throttle_table),
  ARR(oci_block_io, "throttleReadIOPSDevice", throttle_read_iops_device, throttle_table),
  ARR(oci_block_io, "throttleWriteIOPSDevice", throttle_write_iops_device, throttle_table),
};
TABLE(blkio_table, oci_block_io, blkio_fields, NULL);

static const struct oci_field hugepage_fields[] = {
  STR_F(oci_hugepage_limit, "pageSize", page_size, OF_REQUIRED),
  REQ(OK_U64, oci_hugepage_limit, "limit", limit),
};
TABLE(hugepage_table, oci_hugepage_limit, hugepage_fields, NULL);

static const struct oci_field netprio_fields[] = {
  STR_F(oci_net_priority, "name", name, OF_REQUIRED),
  REQ(OK_U32, oci_net_priority, "priority", priority),
};
TABLE(netprio_table, oci_net_priority, netprio_fields, NULL);

static const struct oci_field network_fields[] = {
  OPT(OK_U32, oci_network, "classID", class_id),
  ARR(oci_network, "priorities", priorities, netprio_table),
};
TABLE(network_table, oci_network, network_fields, NULL);

static int
rdma_check(const void *obj, struct opath *p, clawrt_error *err)
{
  const oci_rdma_entry *r = obj;
  if (!r->has_hca_handles && !r->has_hca_objects)
    return clawrt_error_set(err, EINVAL, "%s: at least one of hcaHandles or hcaObjects is required",
                            p->buf);
  return 0;
}

static const struct oci_field rdma_fields[] = {
  OPT(OK_U32, oci_rdma_entry, "hcaHandles", hca_handles),
  OPT(OK_U32, oci_rdma_entry, "hcaObjects", hca_objects),
};
static const struct oci_table rdma_table = { "oci_rdma_entry", sizeof(oci_rdma_entry),
                                             rdma_fields, N(rdma_fields),
                                             offsetof(oci_rdma_entry, name), rdma_check };

static const struct oci_field resources_fields[] = {
  ARR(oci_resources, "devices", devices, devcg_table),
  OBJ(oci_resources, "memory", memory, memory_table),
  OBJ(oci_resources, "cpu", cpu, cpu_table),
  OBJ(oci_resources, "pids", pids, pids_table),
  OBJ(oci_resources, "blockIO", block_io, blkio_table),
  ARR(oci_resources, "hugepageLimits", hugepage_limits, hugepage_table),
  OBJ(oci_resources, "network", network, network_table),
  { .name = "rdma", .kind = OK_KEYED, .off = offsetof(oci_resources, rdma),
    .has_off = HAS(oci_resources, rdma), .len_off = offsetof(oci_resources, rdma_len),
    .child = &rdma_table },
  MAP(oci_resources, "unified", unified),
};
const struct oci_table oci_resources_table = { "oci_resources", sizeof(oci_resources),
                                               resources_fields, N(resources_fields), 0, NULL };

/* ---- linux.seccomp -------------------------------------------------------------- */

static const struct oci_field scarg_fields[] = {
  REQ(OK_U32, oci_seccomp_arg, "index", index),
  REQ(OK_U64, oci_seccomp_arg, "value", value),
  OPT(OK_U64, oci_seccomp_arg, "valueTwo", value_two),
  STR_E(oci_seccomp_arg, "op", op, OF_REQUIRED, enum_seccomp_op),
};
TABLE(scarg_table, oci_seccomp_arg, scarg_fields, NULL);

static const struct oci_field syscall_fields[] = {
  FIELD(oci_syscall, "names", OK_STRV, names, OF_REQUIRED, NOHAS),
  STR_E(oci_syscall, "action", action, OF_REQUIRED, enum_seccomp_action),
  OPT(OK_U32, oci_syscall, "errnoRet", errno_ret),
  ARR(oci_syscall, "args", args, scarg_table),
};
TABLE(syscall_table, oci_syscall, syscall_fields, NULL);

static const struct oci_field seccomp_fields[] = {
  STR_E(oci_seccomp, "defaultAction", default_action, OF_REQUIRED, enum_seccomp_action),
  OPT(OK_U32, oci_seccomp, "defaultErrnoRet", default_errno_ret),
  STRV(oci_seccomp, "architectures", architectures),
  STRV(oci_seccomp, "flags", flags),
  STR(oci_seccomp, "listenerPath", listener_path),
  STR(oci_seccomp, "listenerMetadata", listener_metadata),
  ARR(oci_seccomp, "syscalls", syscalls, syscall_table),
};
TABLE(seccomp_table, oci_seccomp, seccomp_fields, NULL);

/* ---- the rest of linux ---------------------------------------------------------- */

static const struct oci_field ns_fields[] = {
  STR_E(oci_namespace, "type", type, OF_REQUIRED, oci_enum_namespace),
  STR(oci_namespace, "path", path),
};
TABLE(ns_table, oci_namespace, ns_fields, NULL);

static int
device_check(const void *obj, struct opath *p, clawrt_error *err)
{
  const oci_device *d = obj;
  if (strcmp(d->type, "p") == 0)
    return 0;
  const char *missing = !d->has_major ? "major" : !d->has_minor ? "minor" : NULL;
  if (missing == NULL)
    return 0;
  size_t s = opath_push_key(p, missing);
  clawrt_error_set(err, EINVAL, "%s: required field missing (for device type \"%s\")",
                   p->buf, d->type);
  opath_pop(p, s);
  return -1;
}

static const struct oci_field device_fields[] = {
  STR_E(oci_device, "type", type, OF_REQUIRED, enum_device_type),
  STR_F(oci_device, "path", path, OF_REQUIRED | OF_NONEMPTY),
  OPT(OK_I64, oci_device, "major", major),
  OPT(OK_I64, oci_device, "minor", minor),
  OPT(OK_U32, oci_device, "fileMode", file_mode),
  OPT(OK_U32, oci_device, "uid", uid),
  OPT(OK_U32, oci_device, "gid", gid),
};
TABLE(device_table, oci_device, device_fields, device_check);

static const struct oci_field netdev_fields[] = {
  STR(oci_net_device, "name", name),
};
static const struct oci_table netdev_table = { "oci_net_device", sizeof(oci_net_device),
                                               netdev_fields, N(netdev_fields),
                                               offsetof(oci_net_device, key), NULL };

static const struct oci_field timeoff_fields[] = {
  OPT(OK_I64, oci_time_offset, "secs", secs),
  OPT(OK_U32, oci_time_offset, "nanosecs", nanosecs),
};
TABLE(timeoff_table, oci_time_offset, timeoff_fields, NULL);

static const struct oci_field timeoffs_fields[] = {
  OBJ(oci_time_offsets, "boottime", boottime, timeoff_table),
  OBJ(oci_time_offsets, "monotonic", monotonic, timeoff_table),
};
TABLE(timeoffs_table, oci_time_offsets, timeoffs_fields, NULL);

static const struct oci_field personality_fields[] = {
  STR_E(oci_personality, "domain", domain, OF_REQUIRED, enum_personality),
  STRV(oci_personality, "flags", flags),
};
TABLE(personality_table, oci_personality, personality_fields, NULL);

static const struct oci_field rdt_fields[] = {
  STR(oci_intel_rdt, "closID", clos_id),
  STRV(oci_intel_rdt, "schemata", schemata),
  STR(oci_intel_rdt, "l3CacheSchema", l3_cache_schema),
  STR(oci_intel_rdt, "memBwSchema", mem_bw_schema),
  OPT(OK_BOOL, oci_intel_rdt, "enableMonitoring", enable_monitoring),
  OPT(OK_BOOL, oci_intel_rdt, "enableCMT", enable_cmt),
  OPT(OK_BOOL, oci_intel_rdt, "enableMBM", enable_mbm),
};
TABLE(rdt_table, oci_intel_rdt, rdt_fields, NULL);

static const struct oci_field mpol_fields[] = {
  STR_E(oci_memory_policy, "mode", mode, OF_REQUIRED, enum_mpol),
  STR(oci_memory_policy, "nodes", nodes),
  STRV(oci_memory_policy, "flags", flags),
};
TABLE(mpol_table, oci_memory_policy, mpol_fields, NULL);

/* Two entries of one namespace type would make the second silently win in
 * clone/setns; refuse the config instead. */
static int
linux_check(const void *obj, struct opath *p, clawrt_error *err)
{
  const oci_linux *l = obj;
  unsigned seen = 0;
  for (size_t i = 0; i < l->namespaces_len; i++)
    {
      int k = oci_enum_index(&oci_enum_namespace, l->namespaces[i].type);
      if (k < 0)
        continue;
      if (seen & (1u << k))
        {
          size_t s = opath_push_key(p, "namespaces");
          opath_push_index(p, i);
          opath_push_key(p, "type");
          clawrt_error_set(err, EINVAL, "%s: duplicate namespace \"%s\"", p->buf,
                           l->namespaces[i].type);
          opath_pop(p, s);
          return -1;
        }
      seen |= 1u << k;
    }
  return 0;
}

static const struct oci_field linux_fields[] = {
  ARR(oci_linux, "uidMappings", uid_mappings, idmap_table),
  ARR(oci_linux, "gidMappings", gid_mappings, idmap_table),
  MAP(oci_linux, "sysctl", sysctl),
  { .name = "resources", .kind = OK_OBJECT, .off = offsetof(oci_linux, resources),
    .has_off = NOHAS, .child = &oci_resources_table },
  STR(oci_linux, "cgroupsPath", cgroups_path),
  ARR(oci_linux, "namespaces", namespaces, ns_table),
  ARR(oci_linux, "devices", devices, device_table),
  { .name = "netDevices", .kind = OK_KEYED, .off = offsetof(oci_linux, net_devices),
    .has_off = NOHAS, .len_off = offsetof(oci_linux, net_devices_len), .child = &netdev_table },
  OBJ(oci_linux, "seccomp", seccomp, seccomp_table),
  STR_E(oci_linux, "rootfsPropagation", rootfs_propagation, 0, enum_propagation),
  STRV(oci_linux, "maskedPaths", masked_paths),
  STRV(oci_linux, "readonlyPaths", readonly_paths),
  STR(oci_linux, "mountLabel", mount_label),
  OBJ(oci_linux, "intelRdt", intel_rdt, rdt_table),
  OBJ(oci_linux, "memoryPolicy", memory_policy, mpol_table),
  OBJ(oci_linux, "personality", personality, personality_table),
  OBJ(oci_linux, "timeOffsets", time_offsets, timeoffs_table),
};
TABLE(linux_table, oci_linux, linux_fields, linux_check);

/* ---- config.json ------------------------------------------------------------------ */

static const struct oci_field spec_fields[] = {
  STR_F(oci_spec, "ociVersion", oci_version, OF_REQUIRED),
  OBJ(oci_spec, "process", process, oci_process_table),
  OBJ(oci_spec, "root", root, root_table),
  STR(oci_spec, "hostname", hostname),
  STR(oci_spec, "domainname", domainname),
  ARR(oci_spec, "mounts", mounts, mount_table),
  OBJ(oci_spec, "hooks", hooks, hooks_table),
  MAP(oci_spec, "annotations", annotations),
  OBJ(oci_spec, "linux", linux, linux_table),
  UNSUPPORTED("solaris", NOT_LINUX),
  UNSUPPORTED("windows", NOT_LINUX),
  UNSUPPORTED("vm", NOT_LINUX),
  UNSUPPORTED("zos", NOT_LINUX),
  UNSUPPORTED("freebsd", NOT_LINUX),
};
const struct oci_table oci_spec_table = { "oci_spec", sizeof(oci_spec), spec_fields,
                                          N(spec_fields), 0, NULL };

/* ---- state.json: every key always written, in runc's order ------------------------ */

#define ALWAYS_STR(js, m, fl) STR_F(oci_state, js, m, OF_ALWAYS | (fl))

static const struct oci_field state_fields[] = {
  ALWAYS_STR("ociVersion", oci_version, OF_REQUIRED),
  ALWAYS_STR("id", id, OF_REQUIRED),
  FIELD(oci_state, "pid", OK_I32, pid, OF_ALWAYS, HAS(oci_state, pid)),
  ALWAYS_STR("status", status, OF_REQUIRED),
  ALWAYS_STR("bundle", bundle, OF_REQUIRED),
  ALWAYS_STR("rootfs", rootfs, 0),
  ALWAYS_STR("created", created, 0),
  ALWAYS_STR("owner", owner, 0),
  MAP(oci_state, "annotations", annotations),
};
const struct oci_table oci_state_table = { "oci_state", sizeof(oci_state), state_fields,
                                           N(state_fields), 0, NULL };

/* ---- features.json: emit only; groups are JSON objects over flat fields ----------- */

#define FB(js, m) FIELD(oci_features, js, OK_BOOL, m, OF_ALWAYS, NOHAS)
#define FV(js, m) STRV(oci_features, js, m)
#define GROUP(js, t)                                                           \
  { .name = js, .kind = OK_INLINE, .off = 0, .has_off = NOHAS, .child = &t }
#define FTABLE(var, fields)                                                    \
  static const struct oci_table var = { #var, sizeof(oci_features), fields, N(fields), 0, NULL }

static const struct oci_field f_cgroup_fields[] = {
  FB("v1", cgroup_v1), FB("v2", cgroup_v2), FB("systemd", cgroup_systemd),
  FB("systemdUser", cgroup_systemd_user), FB("rdma", cgroup_rdma),
};
FTABLE(f_cgroup, f_cgroup_fields);

static const struct oci_field f_seccomp_fields[] = {
  FB("enabled", seccomp_enabled),
  FV("actions", seccomp_actions),
  FV("operators", seccomp_operators),
  FV("archs", seccomp_archs),
  FV("knownFlags", seccomp_known_flags),
  FV("supportedFlags", seccomp_supported_flags),
};
FTABLE(f_seccomp, f_seccomp_fields);

static const struct oci_field f_apparmor_fields[] = { FB("enabled", apparmor_enabled) };
FTABLE(f_apparmor, f_apparmor_fields);
static const struct oci_field f_selinux_fields[] = { FB("enabled", selinux_enabled) };
FTABLE(f_selinux, f_selinux_fields);

static const struct oci_field f_rdt_fields[] = {
  FB("enabled", intel_rdt_enabled),
  FB("schemata", intel_rdt_schemata),
  FB("monitoring", intel_rdt_monitoring),
};
FTABLE(f_rdt, f_rdt_fields);

static const struct oci_field f_mpol_fields[] = {
  FV("modes", memory_policy_modes),
  FV("flags", memory_policy_flags),
};
FTABLE(f_mpol, f_mpol_fields);

static const struct oci_field f_idmap_fields[] = { FB("enabled", idmap_enabled) };
FTABLE(f_idmap, f_idmap_fields);
static const struct oci_field f_mountext_fields[] = { GROUP("idmap", f_idmap) };
FTABLE(f_mountext, f_mountext_fields);
static const struct oci_field f_netdev_fields[] = { FB("enabled", net_devices_enabled) };
FTABLE(f_netdev, f_netdev_fields);

static const struct oci_field f_linux_fields[] = {
  FV("namespaces", namespaces),
  FV("capabilities", capabilities),
  GROUP("cgroup", f_cgroup),
  GROUP("seccomp", f_seccomp),
  GROUP("apparmor", f_apparmor),
  GROUP("selinux", f_selinux),
  GROUP("intelRdt", f_rdt),
  GROUP("memoryPolicy", f_mpol),
  GROUP("mountExtensions", f_mountext),
  GROUP("netDevices", f_netdev),
};
FTABLE(f_linux, f_linux_fields);

static const struct oci_field features_fields[] = {
  STR_F(oci_features, "ociVersionMin", oci_version_min, OF_REQUIRED | OF_ALWAYS),
  STR_F(oci_features, "ociVersionMax", oci_version_max, OF_REQUIRED | OF_ALWAYS),
  FV("hooks", hooks),
  FV("mountOptions", mount_options),
  GROUP("linux", f_linux),
  FIELD(oci_features, "annotations", OK_MAP, annotations, 0, NOHAS),
  FV("potentiallyUnsafeConfigAnnotations", potentially_unsafe_annotations),
};
const struct oci_table oci_features_table = { "oci_features", sizeof(oci_features),
                                              features_fields, N(features_fields), 0, NULL };
