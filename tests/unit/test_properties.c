/* Coverage of the runtime spec: a hand-written list of every property path
 * of config.json in runtime-spec 1.2/1.3 (config.md, config-linux.md and
 * the platform sections of config.md), kept apart from the parser's tables
 * on purpose.  Fails for a spec path the parser neither handles nor marks
 * unsupported (itself or through a parent), and for a table path that is not
 * in the spec.
 *
 * Syntax: "a.b" keys, "a[]" elements of an array of objects, "a{}" values
 * of a map; arrays of strings or numbers by their key alone. */
#include <stdio.h>
#include <string.h>

#include "ocispec.h"

static int test_no, failures;

static void
ok(bool cond, const char *name)
{
  ++test_no;
  if (!cond)
    failures++;
  printf("%sok %d - %s\n", cond ? "" : "not ", test_no, name);
}

#define HOOK(list)                                                             \
  "hooks." list, "hooks." list "[].path", "hooks." list "[].args",            \
      "hooks." list "[].env", "hooks." list "[].timeout"

#define IDMAP(at) at, at "[].containerID", at "[].hostID", at "[].size"

#define THROTTLE(at)                                                           \
  "linux.resources.blockIO." at, "linux.resources.blockIO." at "[].major",    \
      "linux.resources.blockIO." at "[].minor", "linux.resources.blockIO." at "[].rate"

static const char *const spec_paths[] = {
  /* config.md */
  "ociVersion",
  "root", "root.path", "root.readonly",
  "mounts", "mounts[].destination", "mounts[].source", "mounts[].options", "mounts[].type",
  IDMAP("mounts[].uidMappings"), IDMAP("mounts[].gidMappings"),
  "process", "process.terminal", "process.consoleSize", "process.consoleSize.height",
  "process.consoleSize.width", "process.cwd", "process.env", "process.args",
  "process.commandLine",
  "process.rlimits", "process.rlimits[].type", "process.rlimits[].soft", "process.rlimits[].hard",
  "process.apparmorProfile",
  "process.capabilities", "process.capabilities.effective", "process.capabilities.bounding",
  "process.capabilities.inheritable", "process.capabilities.permitted",
  "process.capabilities.ambient",
  "process.noNewPrivileges", "process.oomScoreAdj",
  "process.scheduler", "process.scheduler.policy", "process.scheduler.nice",
  "process.scheduler.priority", "process.scheduler.flags", "process.scheduler.runtime",
  "process.scheduler.deadline", "process.scheduler.period",
  "process.selinuxLabel",
  "process.ioPriority", "process.ioPriority.class", "process.ioPriority.priority",
  "process.execCPUAffinity", "process.execCPUAffinity.initial", "process.execCPUAffinity.final",
  "process.user", "process.user.uid", "process.user.gid", "process.user.umask",
  "process.user.additionalGids", "process.user.username",
  "hostname", "domainname",
  "freebsd", "linux", "solaris", "vm", "windows", "zos",
  "hooks", HOOK("prestart"), HOOK("createRuntime"), HOOK("createContainer"),
  HOOK("startContainer"), HOOK("poststart"), HOOK("poststop"),
  "annotations", "annotations{}",

  /* config-linux.md */
  "linux.namespaces", "linux.namespaces[].type", "linux.namespaces[].path",
  IDMAP("linux.uidMappings"), IDMAP("linux.gidMappings"),
  "linux.timeOffsets", "linux.timeOffsets.boottime", "linux.timeOffsets.boottime.secs",
  "linux.timeOffsets.boottime.nanosecs", "linux.timeOffsets.monotonic",
  "linux.timeOffsets.monotonic.secs", "linux.timeOffsets.monotonic.nanosecs",
  "linux.devices", "linux.devices[].type", "linux.devices[].path", "linux.devices[].major",
  "linux.devices[].minor", "linux.devices[].fileMode", "linux.devices[].uid",
  "linux.devices[].gid",
  "linux.netDevices", "linux.netDevices{}", "linux.netDevices{}.name",
  "linux.cgroupsPath",
  "linux.resources",
  "linux.resources.devices", "linux.resources.devices[].allow", "linux.resources.devices[].type",
  "linux.resources.devices[].major", "linux.resources.devices[].minor",
  "linux.resources.devices[].access",
  "linux.resources.memory", "linux.resources.memory.limit", "linux.resources.memory.reservation",
  "linux.resources.memory.swap", "linux.resources.memory.kernel",
  "linux.resources.memory.kernelTCP", "linux.resources.memory.swappiness",
  "linux.resources.memory.disableOOMKiller", "linux.resources.memory.useHierarchy",
  "linux.resources.memory.checkBeforeUpdate",
  "linux.resources.cpu", "linux.resources.cpu.shares", "linux.resources.cpu.quota",
  "linux.resources.cpu.burst", "linux.resources.cpu.period",
  "linux.resources.cpu.realtimeRuntime", "linux.resources.cpu.realtimePeriod",
  "linux.resources.cpu.cpus", "linux.resources.cpu.mems", "linux.resources.cpu.idle",
  "linux.resources.blockIO", "linux.resources.blockIO.weight",
  "linux.resources.blockIO.leafWeight", "linux.resources.blockIO.weightDevice",
  "linux.resources.blockIO.weightDevice[].major", "linux.resources.blockIO.weightDevice[].minor",
  "linux.resources.blockIO.weightDevice[].weight",
  "linux.resources.blockIO.weightDevice[].leafWeight",
  THROTTLE("throttleReadBpsDevice"), THROTTLE("throttleWriteBpsDevice"),
  THROTTLE("throttleReadIOPSDevice"), THROTTLE("throttleWriteIOPSDevice"),
  "linux.resources.hugepageLimits", "linux.resources.hugepageLimits[].pageSize",
  "linux.resources.hugepageLimits[].limit",
  "linux.resources.network", "linux.resources.network.classID",
  "linux.resources.network.priorities", "linux.resources.network.priorities[].name",
  "linux.resources.network.priorities[].priority",
  "linux.resources.pids", "linux.resources.pids.limit",
  "linux.resources.rdma", "linux.resources.rdma{}", "linux.resources.rdma{}.hcaHandles",
  "linux.resources.rdma{}.hcaObjects",
  "linux.resources.unified", "linux.resources.unified{}",
  "linux.intelRdt", "linux.intelRdt.closID", "linux.intelRdt.l3CacheSchema",
  "linux.intelRdt.memBwSchema", "linux.intelRdt.schemata", "linux.intelRdt.enableMonitoring",
  /* 1.1 - 1.2, replaced by enableMonitoring in 1.3 */
  "linux.intelRdt.enableCMT", "linux.intelRdt.enableMBM",
  "linux.memoryPolicy", "linux.memoryPolicy.mode", "linux.memoryPolicy.nodes",
  "linux.memoryPolicy.flags",
  "linux.sysctl", "linux.sysctl{}",
  "linux.seccomp", "linux.seccomp.defaultAction", "linux.seccomp.defaultErrnoRet",
  "linux.seccomp.architectures", "linux.seccomp.flags", "linux.seccomp.listenerPath",
  "linux.seccomp.listenerMetadata", "linux.seccomp.syscalls", "linux.seccomp.syscalls[].names",
  "linux.seccomp.syscalls[].action", "linux.seccomp.syscalls[].errnoRet",
  "linux.seccomp.syscalls[].args", "linux.seccomp.syscalls[].args[].index",
  "linux.seccomp.syscalls[].args[].value", "linux.seccomp.syscalls[].args[].valueTwo",
  "linux.seccomp.syscalls[].args[].op",
  "linux.rootfsPropagation",
  "linux.maskedPaths",
  "linux.readonlyPaths",
  "linux.mountLabel",
  "linux.personality", "linux.personality.domain", "linux.personality.flags",
};

#define NSPEC (sizeof spec_paths / sizeof spec_paths[0])

static const oci_property *
lookup(const oci_property *props, size_t n, const char *path)
{
  for (size_t i = 0; i < n; i++)
    if (strcmp(props[i].path, path) == 0)
      return &props[i];
  return NULL;
}

/* The property itself, or the nearest ancestor that is marked unsupported:
 * "windows.layerFolders" is covered by "windows". */
static const oci_property *
covered_by(const oci_property *props, size_t n, const char *path)
{
  const oci_property *p = lookup(props, n, path);
  if (p)
    return p;
  char buf[512];
  snprintf(buf, sizeof buf, "%s", path);
  for (size_t len = strlen(buf); len > 0; len--)
    if (buf[len] == '.' || buf[len] == '[' || buf[len] == '{')
      {
        buf[len] = '\0';
        p = lookup(props, n, buf);
        if (p)
          return p->unsupported_reason ? p : NULL;
      }
  return NULL;
}

static bool
in_spec(const char *path)
{
  for (size_t i = 0; i < NSPEC; i++)
    if (strcmp(spec_paths[i], path) == 0)
      return true;
  return false;
}

int
main(void)
{
  size_t n = 0;
  const oci_property *props = oci_spec_properties(&n);
  ok(props != NULL && n > 0, "the parser publishes a property list");
  ok(oci_spec_properties(NULL) == props, "the list is built once");

  size_t uncovered = 0;
  for (size_t i = 0; i < NSPEC; i++)
    if (covered_by(props, n, spec_paths[i]) == NULL)
      {
        printf("# spec property neither parsed nor marked unsupported: %s\n", spec_paths[i]);
        uncovered++;
      }
  ok(uncovered == 0, "every spec property is parsed or marked unsupported");

  size_t invented = 0, dups = 0, bad_reason = 0;
  for (size_t i = 0; i < n; i++)
    {
      if (!in_spec(props[i].path))
        {
          printf("# table property not in the spec: %s\n", props[i].path);
          invented++;
        }
      for (size_t j = i + 1; j < n; j++)
        if (strcmp(props[i].path, props[j].path) == 0)
          {
            printf("# listed twice: %s\n", props[i].path);
            dups++;
          }
      const char *why = props[i].unsupported_reason;
      if (why && (strncmp(why, "unsupported: ", 13) != 0 || strlen(why) < 20))
        {
          printf("# reason without substance for %s: %s\n", props[i].path, why);
          bad_reason++;
        }
    }
  ok(invented == 0, "every table property is a real spec property");
  ok(dups == 0, "no property listed twice");
  ok(bad_reason == 0, "unsupported properties say why");

  const char *platforms[] = { "windows", "solaris", "vm", "zos", "freebsd" };
  size_t wrong = 0;
  for (size_t i = 0; i < 5; i++)
    {
      const oci_property *p = lookup(props, n, platforms[i]);
      if (p == NULL || p->unsupported_reason == NULL
          || strcmp(p->unsupported_reason, "unsupported: not a Linux runtime") != 0)
        wrong++;
    }
  ok(wrong == 0, "other platforms' sections: unsupported, not a Linux runtime");

  const oci_property *linux_ = lookup(props, n, "linux.resources.memory.limit");
  const oci_property *rl = lookup(props, n, "process.rlimits[].hard");
  const oci_property *ann = lookup(props, n, "annotations{}");
  ok(linux_ && !linux_->unsupported_reason && rl && !rl->unsupported_reason && ann,
     "Linux properties are parsed");
  printf("1..%d\n", test_no);
  return failures ? 1 : 0;
}
