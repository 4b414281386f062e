/* libocispec: good configs round-trip, every class of bad input gives its
 * exact message, state/features/process/resources documents, speed. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ocispec.h"
#include "json.h"
#include "util.h"

#ifndef FIXTURES
#define FIXTURES "tests/unit/fixtures"
#endif

static int test_no, failures;

static void
ok(bool cond, const char *name)
{
  ++test_no;
  if (!cond)
    failures++;
  printf("%sok %d - %s\n", cond ? "" : "not ", test_no, name);
}

static char *
load(const char *name, size_t *len)
{
  const char *dir = getenv("FIXTURES_DIR");
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir ? dir : FIXTURES, name);
  FILE *f = fopen(path, "re");
  if (f == NULL)
    {
      printf("Bail out! cannot open %s: %s\n", path, strerror(errno));
      exit(1);
    }
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = xmalloc0((size_t) n + 1);
  if (fread(buf, 1, (size_t) n, f) != (size_t) n)
    abort();
  fclose(f);
  *len = (size_t) n;
  return buf;
}

/* JSON in C strings: write ' for " to keep the cases readable. */
static char *
q(const char *s)
{
  char *d = xstrdup(s);
  for (char *p = d; *p; p++)
    if (*p == '\'')
      *p = '"';
  return d;
}

static oci_spec *
parse_ok(const char *json, const char *name)
{
  oci_spec *s = NULL;
  clawrt_error err = { 0 };
  int r = oci_spec_parse(json, strlen(json), "config.json", &s, &err);
  if (r < 0)
    printf("# %s: %s\n", name, err.msg);
  clawrt_error_clear(&err);
  return r < 0 ? NULL : s;
}

/* emit -> parse -> equal, and emitting twice gives the same text */
static bool
round_trips(const oci_spec *s)
{
  char *a = NULL, *b = NULL;
  size_t alen, blen;
  clawrt_error err = { 0 };
  oci_spec *back = NULL;
  bool good = false;
  if (oci_spec_emit(s, &a, &alen, &err) < 0
      || oci_spec_parse(a, alen, "emitted", &back, &err) < 0
      || oci_spec_emit(back, &b, &blen, &err) < 0)
    {
      printf("# round trip: %s\n", err.msg);
      goto out;
    }
  good = oci_spec_equal(s, back) && alen == blen && strcmp(a, b) == 0;
  if (!good)
    printf("# round trip differs\n");
out:
  free(a);
  free(b);
  oci_spec_free(back);
  clawrt_error_clear(&err);
  return good;
}

static void
test_runc_default(void)
{
  size_t len;
  char *buf = load("runc-default.json", &len);
  oci_spec *s = NULL;
  clawrt_error err = { 0 };
  int r = oci_spec_parse(buf, len, "config.json", &s, &err);
  ok(r == 0, "runc default config parses");
  if (r < 0)
    {
      printf("# %s\n", err.msg);
      clawrt_error_clear(&err);
      free(buf);
      return;
    }
  ok(strcmp(s->oci_version, "1.0.2-dev") == 0 && s->process && s->process->has_terminal
         && s->process->terminal && s->process->args.len == 1
         && strcmp(s->process->args.v[0], "sh") == 0 && s->process->args.v[1] == NULL,
     "runc default: process fields");
  ok(s->process->rlimits_len == 1 && s->process->rlimits[0].hard == 1024
         && strcmp(s->process->rlimits[0].type, "RLIMIT_NOFILE") == 0,
     "runc default: rlimits");
  ok(s->process->capabilities && s->process->capabilities->inheritable.v == NULL
         && s->process->capabilities->bounding.len == 3,
     "runc default: absent capability set stays NULL, present ones are filled");
  ok(s->root && strcmp(s->root->path, "rootfs") == 0 && s->root->readonly && s->mounts_len == 7
         && strcmp(s->mounts[6].destination, "/sys/fs/cgroup") == 0
         && s->mounts[0].options.v == NULL && s->mounts[1].options.len == 4,
     "runc default: root and mounts");
  ok(s->linux && s->linux->namespaces_len == 5 && strcmp(s->linux->namespaces[4].type, "mount") == 0
         && s->linux->resources && s->linux->resources->devices_len == 1
         && !s->linux->resources->devices[0].allow && s->linux->resources->devices[0].type == NULL
         && s->linux->masked_paths.len == 10 && !s->has_annotations && s->hooks == NULL,
     "runc default: linux section");
  ok(round_trips(s), "runc default round-trips");
  oci_spec_free(s);
  free(buf);
}

static void
test_maximal(void)
{
  size_t len;
  char *buf = load("maximal.json", &len);
  oci_spec *s = NULL;
  clawrt_error err = { 0 };
  int r = oci_spec_parse(buf, len, "config.json", &s, &err);
  ok(r == 0, "maximal config parses");
  if (r < 0)
    {
      printf("# %s\n", err.msg);
      clawrt_error_clear(&err);
      free(buf);
      return;
    }
  oci_process *p = s->process;
  ok(p->console_size && p->console_size->height == 25 && p->user.has_umask && p->user.umask == 18
         && p->user.additional_gids_len == 3 && p->user.additional_gids[2] == 4294967295u
         && strcmp(p->user.username, "agent") == 0,
     "maximal: user, consoleSize");
  ok(strcmp(p->args.v[2], "echo \"hi\" \\ there\n\t\xc3\xa9\xe2\x98\x83") == 0,
     "maximal: escapes and unicode decoded");
  ok(p->rlimits[0].hard == UINT64_MAX && p->has_oom_score_adj && p->oom_score_adj == -1000
         && p->has_no_new_privileges && !p->no_new_privileges,
     "maximal: uint64 max, negative int, false bool kept as present");
  ok(p->scheduler && p->scheduler->has_nice && p->scheduler->nice == -20
         && p->scheduler->has_priority && p->scheduler->priority == 0
         && p->scheduler->period == 30000000 && p->io_priority && p->io_priority->priority == 7
         && strcmp(p->exec_cpu_affinity->final, "4") == 0,
     "maximal: scheduler, ioPriority, execCPUAffinity");
  ok(s->hooks && s->hooks->prestart.len == 1 && s->hooks->create_runtime.v[0].has_timeout
         && s->hooks->create_runtime.v[0].timeout == 5 && s->hooks->poststop.len == 1
         && s->hooks->create_container.len == 2 && s->hooks->create_container.v[1].args.v == NULL
         && !s->hooks->create_container.v[1].has_timeout,
     "maximal: hooks");
  ok(s->has_annotations && s->annotations.len == 3
         && strcmp(oci_map_get(&s->annotations, "empty.value"), "") == 0,
     "maximal: annotations");
  oci_linux *l = s->linux;
  oci_resources *res = l->resources;
  ok(res->memory->has_swap && res->memory->swap == -1 && res->memory->kernel_tcp == INT64_MAX
         && res->cpu->realtime_runtime == INT64_MIN && res->pids->has_limit
         && res->pids->limit == 0,
     "maximal: int64 limits, pids limit 0 present");
  ok(res->block_io->leaf_weight == 65535 && res->block_io->weight_device_len == 2
         && !res->block_io->weight_device[1].has_weight
         && res->block_io->throttle_write_iops_device[0].rate == UINT64_MAX,
     "maximal: blockIO");
  ok(res->has_rdma && res->rdma_len == 2 && strcmp(res->rdma[1].name, "mlx4_0") == 0
         && !res->rdma[1].has_hca_handles && res->rdma[1].hca_objects == 1000,
     "maximal: rdma map");
  ok(res->has_unified && strchr(oci_map_get(&res->unified, "io.max"), '\n') != NULL,
     "maximal: unified");
  ok(l->net_devices_len == 2 && strcmp(l->net_devices[0].key, "eth1") == 0
         && strcmp(l->net_devices[0].name, "ctr1") == 0 && l->net_devices[1].name == NULL,
     "maximal: netDevices");
  ok(l->devices_len == 4 && l->devices[0].has_file_mode && l->devices[0].file_mode == 438
         && !l->devices[3].has_major,
     "maximal: devices");
  ok(l->seccomp->syscalls_len == 4 && l->seccomp->syscalls[1].args[1].value == UINT64_MAX
         && l->seccomp->syscalls[1].args[1].has_value_two
         && !l->seccomp->syscalls[1].args[0].has_value_two
         && l->seccomp->syscalls[2].errno_ret == 38,
     "maximal: seccomp");
  ok(l->time_offsets->boottime->secs == -5 && l->time_offsets->boottime->has_nanosecs
         && l->time_offsets->monotonic->has_nanosecs
         && l->time_offsets->monotonic->nanosecs == 0 && l->intel_rdt->schemata.len == 2
         && l->intel_rdt->has_enable_monitoring && l->intel_rdt->has_enable_mbm
         && !l->intel_rdt->enable_mbm && strcmp(l->memory_policy->mode, "MPOL_INTERLEAVE") == 0
         && l->personality->flags.v != NULL && l->personality->flags.len == 0,
     "maximal: timeOffsets, intelRdt, memoryPolicy, personality");
  ok(round_trips(s), "maximal round-trips");

  oci_spec *d = oci_spec_dup(s);
  ok(d && oci_spec_equal(s, d), "dup is equal");
  free(d->process->cwd);
  d->process->cwd = xstrdup("/elsewhere");
  d->linux->resources->memory->limit++;
  ok(!oci_spec_equal(s, d) && strcmp(s->process->cwd, "/work") == 0
         && s->linux->resources->memory->limit == 536870912,
     "dup is deep: changing the copy leaves the original");
  oci_spec_free(d);

  d = oci_spec_dup(s);
  d->linux->resources->pids->has_limit = false;
  bool differs_has = !oci_spec_equal(s, d);
  d->linux->resources->pids->has_limit = true;
  oci_map_set(&d->annotations, "com.example.key", "other");
  bool differs_map = !oci_spec_equal(s, d);
  oci_spec_free(d);
  ok(differs_has && differs_map, "equal sees presence flags and map values");

  oci_spec_free(s);
  free(buf);
}

/* Walk the emitted JSON and collect every property path (the syntax of
 * oci_spec_properties); every supported property must show up. */
static const oci_property *props;
static size_t nprops;

static bool
is_map(const char *path)
{
  char want[1024];
  snprintf(want, sizeof want, "%s{}", path);
  for (size_t i = 0; i < nprops; i++)
    if (strcmp(props[i].path, want) == 0)
      return true;
  return false;
}

static void
collect(const json_value *v, const char *path, char ***seen, size_t *nseen)
{
  if (*path)
    {
      *seen = xrealloc(*seen, (*nseen + 1) * sizeof **seen);
      (*seen)[(*nseen)++] = xstrdup(path);
    }
  if (json_typeof(v) == JSON_OBJECT)
    {
      bool map = *path && is_map(path);
      for (size_t i = 0; i < json_object_len(v); i++)
        {
          char *sub = map ? xasprintf("%s{}", path)
                          : *path ? xasprintf("%s.%s", path, json_object_key(v, i))
                                  : xstrdup(json_object_key(v, i));
          collect(json_object_value(v, i), sub, seen, nseen);
          free(sub);
        }
    }
  else if (json_typeof(v) == JSON_ARRAY)
    for (size_t i = 0; i < json_array_len(v); i++)
      if (json_typeof(json_array_get(v, i)) == JSON_OBJECT)
        {
          char *sub = xasprintf("%s[]", path);
          collect(json_array_get(v, i), sub, seen, nseen);
          free(sub);
        }
}

static void
test_maximal_covers_every_property(void)
{
  size_t len;
  char *buf = load("maximal.json", &len);
  oci_spec *s = parse_ok(buf, "maximal");
  char *out = NULL;
  size_t outlen;
  clawrt_error err = { 0 };
  json_value *tree = NULL;
  props = oci_spec_properties(&nprops);
  if (s == NULL || oci_spec_emit(s, &out, &outlen, &err) < 0
      || json_parse(out, outlen, "emitted", &tree, &err) < 0)
    {
      ok(false, "maximal emits every supported property");
      goto out;
    }
  char **seen = NULL;
  size_t nseen = 0;
  collect(tree, "", &seen, &nseen);
  size_t missing = 0;
  for (size_t i = 0; i < nprops; i++)
    {
      bool unsupported_platform = props[i].unsupported_reason
                                  && strstr(props[i].unsupported_reason, "not a Linux");
      if (unsupported_platform)
        continue;
      bool found = false;
      for (size_t j = 0; j < nseen && !found; j++)
        found = strcmp(seen[j], props[i].path) == 0;
      if (!found)
        {
          printf("# not in emitted maximal config: %s\n", props[i].path);
          missing++;
        }
    }
  ok(missing == 0, "maximal emits every supported property");
  for (size_t j = 0; j < nseen; j++)
    free(seen[j]);
  free(seen);
out:
  clawrt_error_clear(&err);
  json_free(tree);
  free(out);
  oci_spec_free(s);
  free(buf);
}

/* ---- bad input ---------------------------------------------------------------- */

struct bad
{
  const char *json;
  const char *msg;
};

#define P(proc) "{'ociVersion':'1.0.0','process':{" proc "}}"
#define PU(extra) P("'user':{'uid':0,'gid':0},'cwd':'/'" extra)
#define L(lin) "{'ociVersion':'1.0.0','linux':{" lin "}}"
#define RL(hard) PU(",'rlimits':[{'type':'RLIMIT_NOFILE','soft':1,'hard':" hard "}]")

static const struct bad bad_cases[] = {
  /* types */
  { P("'terminal':'yes','user':{'uid':0,'gid':0},'cwd':'/'"),
    "config.json: process.terminal: expected boolean" },
  { PU(",'args':'sh'"), "config.json: process.args: expected array" },
  { PU(",'args':['sh',1]"), "config.json: process.args[1]: expected string" },
  { PU(",'env':[null]"), "config.json: process.env[0]: expected string" },
  { "{'ociVersion':'1.0.0','process':'x'}", "config.json: process: expected object" },
  { "[1]", "config.json: expected object" },
  { "{'ociVersion':1}", "config.json: ociVersion: expected string" },
  { RL("'1'"), "config.json: process.rlimits[0].hard: expected unsigned integer" },
  { PU(",'rlimits':{}"), "config.json: process.rlimits: expected array" },
  { PU(",'rlimits':[7]"), "config.json: process.rlimits[0]: expected object" },
  { "{'ociVersion':'1','annotations':{'a':1}}", "config.json: annotations[\"a\"]: expected string" },
  { "{'ociVersion':'1','annotations':{'a\\'b\\n':true}}",
    "config.json: annotations[\"a\\\"b\\x0a\"]: expected string" },
  { "{'ociVersion':'1','annotations':{'':'x'}}", "config.json: annotations: keys must not be empty" },
  { "{'ociVersion':'1','annotations':[]}", "config.json: annotations: expected object" },
  { L("'resources':{'memory':{'limit':true}}"),
    "config.json: linux.resources.memory.limit: expected integer" },
  { PU(",'user':{'uid':0,'gid':0,'additionalGids':[1,'2']}"),
    "config.json: process.user.additionalGids[1]: expected unsigned integer" },
  /* ranges, signs, integer syntax */
  { RL("18446744073709551616"),
    "config.json: process.rlimits[0].hard: value 18446744073709551616 out of range for uint64" },
  { RL("-1"), "config.json: process.rlimits[0].hard: value -1 out of range for uint64" },
  { RL("1.5"), "config.json: process.rlimits[0].hard: expected unsigned integer, got 1.5" },
  { RL("1e3"), "config.json: process.rlimits[0].hard: expected unsigned integer, got 1e3" },
  { RL("1.0"), "config.json: process.rlimits[0].hard: expected unsigned integer, got 1.0" },
  { RL("123456789012345678901234567890123456789012345678901234567890"),
    "config.json: process.rlimits[0].hard: value 1234567890123456789012345678901234567890... "
    "out of range for uint64" },
  { P("'user':{'uid':4294967296,'gid':0},'cwd':'/'"),
    "config.json: process.user.uid: value 4294967296 out of range for uint32" },
  { P("'user':{'uid':-1,'gid':0},'cwd':'/'"),
    "config.json: process.user.uid: value -1 out of range for uint32" },
  { PU(",'oomScoreAdj':2147483648"),
    "config.json: process.oomScoreAdj: value 2147483648 out of range for int32" },
  { PU(",'oomScoreAdj':-2147483649"),
    "config.json: process.oomScoreAdj: value -2147483649 out of range for int32" },
  { PU(",'oomScoreAdj':-1.5"), "config.json: process.oomScoreAdj: expected integer, got -1.5" },
  { L("'resources':{'memory':{'limit':9223372036854775808}}"),
    "config.json: linux.resources.memory.limit: value 9223372036854775808 out of range for int64" },
  { L("'resources':{'memory':{'swap':-9223372036854775809}}"),
    "config.json: linux.resources.memory.swap: value -9223372036854775809 out of range for int64" },
  { L("'resources':{'blockIO':{'weight':65536}}"),
    "config.json: linux.resources.blockIO.weight: value 65536 out of range for uint16" },
  { L("'resources':{'cpu':{'period':-1}}"),
    "config.json: linux.resources.cpu.period: value -1 out of range for uint64" },
  /* required fields */
  { "{'process':{}}", "config.json: ociVersion: required field missing" },
  { P("'user':{'uid':0,'gid':0}"), "config.json: process.cwd: required field missing" },
  { P("'user':{'uid':0,'gid':0},'cwd':null"), "config.json: process.cwd: required field missing" },
  { P("'user':{'gid':0},'cwd':'/'"), "config.json: process.user.uid: required field missing" },
  { PU(",'rlimits':[{'type':'RLIMIT_NOFILE','hard':1}]"),
    "config.json: process.rlimits[0].soft: required field missing" },
  { "{'ociVersion':'1','root':{}}", "config.json: root.path: required field missing" },
  { "{'ociVersion':'1','mounts':[{'type':'tmpfs'}]}",
    "config.json: mounts[0].destination: required field missing" },
  { L("'uidMappings':[{'containerID':0,'hostID':1}]"),
    "config.json: linux.uidMappings[0].size: required field missing" },
  { L("'resources':{'devices':[{'access':'rwm'}]}"),
    "config.json: linux.resources.devices[0].allow: required field missing" },
  { L("'seccomp':{'syscalls':[]}"), "config.json: linux.seccomp.defaultAction: required field missing" },
  { L("'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'action':'SCMP_ACT_ALLOW'}]}"),
    "config.json: linux.seccomp.syscalls[0].names: required field missing" },
  { L("'resources':{'hugepageLimits':[{'pageSize':'2MB'}]}"),
    "config.json: linux.resources.hugepageLimits[0].limit: required field missing" },
  { L("'devices':[{'type':'c','path':'/dev/x','major':1}]"),
    "config.json: linux.devices[0].minor: required field missing (for device type \"c\")" },
  { L("'resources':{'rdma':{'mlx5':{}}}"),
    "config.json: linux.resources.rdma[\"mlx5\"]: at least one of hcaHandles or hcaObjects is required" },
  { L("'resources':{'blockIO':{'throttleReadBpsDevice':[{'major':8,'minor':0}]}}"),
    "config.json: linux.resources.blockIO.throttleReadBpsDevice[0].rate: required field missing" },
  /* enums and values the parser checks alone */
  { L("'namespaces':[{'type':'pid'},{'type':'mount'},{'type':'pidd'}]"),
    "config.json: linux.namespaces[2].type: unknown namespace \"pidd\" "
    "(valid: pid network mount ipc uts user cgroup time)" },
  { L("'namespaces':[{'type':'pid'},{'type':'uts'},{'type':'pid','path':'/proc/1/ns/pid'}]"),
    "config.json: linux.namespaces[2].type: duplicate namespace \"pid\"" },
  { L("'devices':[{'type':'x','path':'/dev/x'}]"),
    "config.json: linux.devices[0].type: unknown device type \"x\" (valid: c b u p)" },
  { L("'resources':{'devices':[{'allow':true,'type':'c'},{'allow':true,'type':'p'}]}"),
    "config.json: linux.resources.devices[1].type: unknown device type \"p\" (valid: a c b)" },
  { L("'rootfsPropagation':'sharedd'"),
    "config.json: linux.rootfsPropagation: unknown rootfs propagation \"sharedd\" "
    "(valid: private rprivate slave rslave shared rshared unbindable runbindable)" },
  { L("'seccomp':{'defaultAction':'SCMP_ACT_KILLALL'}"),
    "config.json: linux.seccomp.defaultAction: unknown seccomp action \"SCMP_ACT_KILLALL\" "
    "(valid: SCMP_ACT_KILL SCMP_ACT_KILL_PROCESS SCMP_ACT_KILL_THREAD SCMP_ACT_TRAP "
    "SCMP_ACT_ERRNO SCMP_ACT_TRACE SCMP_ACT_ALLOW SCMP_ACT_LOG SCMP_ACT_NOTIFY)" },
  { L("'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['x'],'action':'allow'}]}"),
    "config.json: linux.seccomp.syscalls[0].action: unknown seccomp action \"allow\" "
    "(valid: SCMP_ACT_KILL SCMP_ACT_KILL_PROCESS SCMP_ACT_KILL_THREAD SCMP_ACT_TRAP "
    "SCMP_ACT_ERRNO SCMP_ACT_TRACE SCMP_ACT_ALLOW SCMP_ACT_LOG SCMP_ACT_NOTIFY)" },
  { L("'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['x'],"
      "'action':'SCMP_ACT_ERRNO','args':[{'index':0,'value':1,'op':'SCMP_CMP_XX'}]}]}"),
    "config.json: linux.seccomp.syscalls[0].args[0].op: unknown seccomp operator \"SCMP_CMP_XX\" "
    "(valid: SCMP_CMP_NE SCMP_CMP_LT SCMP_CMP_LE SCMP_CMP_EQ SCMP_CMP_GE SCMP_CMP_GT "
    "SCMP_CMP_MASKED_EQ)" },
  { L("'personality':{'domain':'LINUX64'}"),
    "config.json: linux.personality.domain: unknown personality domain \"LINUX64\" "
    "(valid: LINUX LINUX32)" },
  { PU(",'ioPriority':{'class':'IOPRIO_CLASS_NONE','priority':0}"),
    "config.json: process.ioPriority.class: unknown I/O priority class \"IOPRIO_CLASS_NONE\" "
    "(valid: IOPRIO_CLASS_RT IOPRIO_CLASS_BE IOPRIO_CLASS_IDLE)" },
  { PU(",'scheduler':{'policy':'SCHED_NORMAL'}"),
    "config.json: process.scheduler.policy: unknown scheduler policy \"SCHED_NORMAL\" "
    "(valid: SCHED_OTHER SCHED_FIFO SCHED_RR SCHED_BATCH SCHED_ISO SCHED_IDLE SCHED_DEADLINE)" },
  { L("'memoryPolicy':{'mode':'MPOL_WHATEVER'}"),
    "config.json: linux.memoryPolicy.mode: unknown memory policy mode \"MPOL_WHATEVER\" "
    "(valid: MPOL_DEFAULT MPOL_BIND MPOL_INTERLEAVE MPOL_WEIGHTED_INTERLEAVE MPOL_PREFERRED "
    "MPOL_PREFERRED_MANY MPOL_LOCAL)" },
  { "{'ociVersion':'1','mounts':[{'destination':'/a'},{'destination':''}]}",
    "config.json: mounts[1].destination: must not be empty" },
  { "{'ociVersion':'1','root':{'path':''}}", "config.json: root.path: must not be empty" },
  { "{'ociVersion':'1','hooks':{'poststop':[{'path':'bin/x'}]}}",
    "config.json: hooks.poststop[0].path: must be an absolute path, got \"bin/x\"" },
  { "{'ociVersion':'1','hooks':{'prestart':[{'path':'/bin/x','timeout':0}]}}",
    "config.json: hooks.prestart[0].timeout: must be greater than zero, got 0" },
  { PU(",'cwd':'tmp'"), "config.json: process.cwd: must be an absolute path, got \"tmp\"" },
  /* the JSON itself */
  { "{\n  'ociVersion': '1',\n  'hostname': ,\n}",
    "config.json: parse error at line 3, column 15: unallowed token at this point in JSON text" },
  { "{'ociVersion': '1'", "config.json: parse error at line 1, column 18: premature EOF" },
  { "{'ociVersion': '1'} {}", "config.json: parse error at line 1, column 21: trailing garbage" },
  { "", "config.json: parse error: the document is empty" },
  { "{'ociVersion':'1','hostname':'a\\u0000b'}",
    "config.json: parse error at line 1, column 39: string contains a NUL character (\\u0000)" },
  { "{'ociVersion':'1','hostname':'\xff'}",
    "config.json: parse error at line 1, column 31: invalid bytes in UTF8 string" },
};

static void
test_bad_inputs(void)
{
  for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++)
    {
      char *json = q(bad_cases[i].json);
      oci_spec *s = NULL;
      clawrt_error err = { 0 };
      int r = oci_spec_parse(json, strlen(json), "config.json", &s, &err);
      bool good = r < 0 && s == NULL && err.msg && strcmp(err.msg, bad_cases[i].msg) == 0
                  && err.errnum == EINVAL;
      char name[200];
      snprintf(name, sizeof name, "bad input %zu: %.120s", i, bad_cases[i].msg);
      ok(good, name);
      if (!good)
        printf("#   got: %s\n#  want: %s\n", r < 0 ? err.msg : "(parsed)", bad_cases[i].msg);
      oci_spec_free(s);
      clawrt_error_clear(&err);
      free(json);
    }
}

static void
test_nesting(void)
{
  /* unknown keys are ignored, but their depth still counts */
  char buf[512];
  int n = 0;
  n += sprintf(buf + n, "{\"ociVersion\":\"1\",\"x\":");
  for (int i = 0; i < 64; i++)
    buf[n++] = '[';
  for (int i = 0; i < 64; i++)
    buf[n++] = ']';
  buf[n++] = '}';
  buf[n] = '\0';
  clawrt_error err = { 0 };
  oci_spec *s = NULL;
  int r = oci_spec_parse(buf, (size_t) n, "config.json", &s, &err);
  ok(r < 0 && strcmp(err.msg, "config.json: parse error at line 1, column 86: "
                              "nesting deeper than 64 levels") == 0,
     "nesting deeper than 64 levels is refused");
  if (r == 0 || strstr(err.msg, "nesting") == NULL)
    printf("# got: %s\n", r < 0 ? err.msg : "(parsed)");
  oci_spec_free(s);
  clawrt_error_clear(&err);

  /* 64 levels in all: the root object plus 63 arrays */
  n = sprintf(buf, "{\"ociVersion\":\"1\",\"x\":");
  for (int i = 0; i < 63; i++)
    buf[n++] = '[';
  for (int i = 0; i < 63; i++)
    buf[n++] = ']';
  buf[n++] = '}';
  buf[n] = '\0';
  s = NULL;
  r = oci_spec_parse(buf, (size_t) n, "config.json", &s, &err);
  ok(r == 0, "64 levels of nesting are accepted");
  oci_spec_free(s);
  clawrt_error_clear(&err);
}

static void
test_lenient_parts(void)
{
  char *json = q("{'ociVersion':'1.0.0','future':{'a':[1,2]},'process':{'user':{'uid':0,'gid':0},"
                 "'cwd':'/','terminal':null,'consoleSize':null,'rlimits':null,'newThing':1},"
                 "'hostname':'a','hostname':'b','windows':{'layerFolders':['x']}}");
  oci_spec *s = parse_ok(json, "lenient");
  ok(s && !s->process->has_terminal && s->process->console_size == NULL
         && s->process->rlimits == NULL,
     "null for an optional field is absent");
  ok(s && strcmp(s->hostname, "b") == 0, "duplicate keys: the last one wins");
  ok(s != NULL, "unknown keys and other platforms' sections are ignored");
  oci_spec_free(s);
  free(json);

  /* a 1 MiB string value is fine */
  size_t big = 1 << 20;
  char *huge = xmalloc0(big + 64);
  int n = sprintf(huge, "{\"ociVersion\":\"1\",\"hostname\":\"");
  memset(huge + n, 'h', big);
  strcpy(huge + n + big, "\"}");
  s = parse_ok(huge, "huge");
  ok(s && strlen(s->hostname) == big, "a 1 MiB string parses");
  oci_spec_free(s);
  free(huge);

  json = q("{'ociVersion':'1','hooks':{'poststop':[]},'linux':{'namespaces':[],'sysctl':{},"
           "'resources':{'rdma':{}}}}");
  s = parse_ok(json, "empty containers");
  ok(s && s->linux->namespaces != NULL && s->linux->namespaces_len == 0
         && s->hooks->poststop.v != NULL && s->hooks->poststop.len == 0
         && s->linux->has_sysctl && s->linux->sysctl.len == 0 && s->linux->resources->has_rdma
         && s->linux->resources->rdma_len == 0 && round_trips(s),
     "empty arrays and maps stay present and round-trip");
  oci_spec_free(s);
  free(json);

  json = q("{'ociVersion':'1','linux':{'resources':{'pids':{}}},'process':{'user':{'uid':0,"
           "'gid':0},'cwd':'/','rlimits':[{'type':'RLIMIT_NPROC','hard':-0,'soft':0}]}}");
  s = parse_ok(json, "pids without limit");
  ok(s && !s->linux->resources->pids->has_limit && s->process->rlimits[0].hard == 0,
     "pids.limit is optional (1.3); -0 reads as 0");
  oci_spec_free(s);
  free(json);

  json = q("{'ociVersion':'1','process':{'cwd':'/','args':['sh']}}");
  s = parse_ok(json, "process without user");
  ok(s && s->process->user.uid == 0 && s->process->user.gid == 0 && round_trips(s),
     "process.user is optional: uid 0 gid 0, written back explicitly");
  oci_spec_free(s);
  free(json);

  json = q("{'ociVersion':'1','linux':{'devices':[{'type':'p','path':'/dev/fifo'}]}}");
  s = parse_ok(json, "fifo without numbers");
  ok(s != NULL, "a fifo device needs no major/minor");
  oci_spec_free(s);
  free(json);
}

static void
test_process_and_resources(void)
{
  char *json = q("{'user':{'uid':5,'gid':6},'args':['ls'],'cwd':'/tmp','env':[]}");
  oci_process *p = NULL;
  clawrt_error err = { 0 };
  int r = oci_process_parse(json, strlen(json), "process.json", &p, &err);
  ok(r == 0 && p->user.uid == 5 && strcmp(p->cwd, "/tmp") == 0 && p->env.v && p->env.len == 0,
     "process document parses");
  oci_process_free(p);
  free(json);

  json = q("{'user':{'uid':5,'gid':6},'terminal':1,'cwd':'/'}");
  p = NULL;
  r = oci_process_parse(json, strlen(json), "process.json", &p, &err);
  ok(r < 0 && p == NULL && strcmp(err.msg, "process.json: terminal: expected boolean") == 0,
     "process document errors are relative to it");
  clawrt_error_clear(&err);
  free(json);

  json = q("{'memory':{'limit':1048576},'pids':{'limit':-1},'unified':{'cpu.weight':'100'}}");
  oci_resources *res = NULL;
  r = oci_resources_parse(json, strlen(json), "resources.json", &res, &err);
  ok(r == 0 && res->memory->limit == 1048576 && res->pids->limit == -1
         && strcmp(oci_map_get(&res->unified, "cpu.weight"), "100") == 0,
     "resources document parses");
  oci_resources_free(res);
  free(json);

  json = q("{'cpu':{'shares':'lots'}}");
  res = NULL;
  r = oci_resources_parse(json, strlen(json), "resources.json", &res, &err);
  ok(r < 0 && strcmp(err.msg, "resources.json: cpu.shares: expected unsigned integer") == 0,
     "resources document errors are relative to it");
  clawrt_error_clear(&err);
  free(json);
}

static void
test_state(void)
{
  oci_state st = { .oci_version = "1.3.0", .id = "c1", .status = "running", .pid = 4242,
                   .has_pid = true, .bundle = "/b", .rootfs = "/b/rootfs",
                   .created = "2025-01-01T00:00:00.000000000Z", .owner = "" };
  char *out = NULL;
  size_t len;
  clawrt_error err = { 0 };
  int r = oci_state_emit(&st, true, &out, &len, &err);
  const char *want = "{\n"
                     "  \"ociVersion\": \"1.3.0\",\n"
                     "  \"id\": \"c1\",\n"
                     "  \"pid\": 4242,\n"
                     "  \"status\": \"running\",\n"
                     "  \"bundle\": \"/b\",\n"
                     "  \"rootfs\": \"/b/rootfs\",\n"
                     "  \"created\": \"2025-01-01T00:00:00.000000000Z\",\n"
                     "  \"owner\": \"\"\n"
                     "}";
  ok(r == 0 && strcmp(out, want) == 0 && len == strlen(want), "state emits runc's keys in order");
  if (r == 0 && strcmp(out, want) != 0)
    printf("# got:\n%s\n", out);
  free(out);

  char *keys[] = { "a", NULL }, *vals[] = { "b", NULL };
  st.annotations = (oci_map) { keys, vals, 1 };
  st.has_annotations = true;
  st.has_pid = false;
  st.status = "stopped";
  st.created = NULL;
  r = oci_state_emit(&st, false, &out, &len, &err);
  ok(r == 0
         && strcmp(out, "{\"ociVersion\":\"1.3.0\",\"id\":\"c1\",\"pid\":0,\"status\":\"stopped\","
                        "\"bundle\":\"/b\",\"rootfs\":\"/b/rootfs\",\"created\":\"\",\"owner\":\"\","
                        "\"annotations\":{\"a\":\"b\"}}")
                == 0,
     "state compact: pid 0 when absent, annotations last");
  oci_state *back = NULL;
  r = oci_state_parse(out, len, "state.json", &back, &err);
  ok(r == 0 && strcmp(back->id, "c1") == 0 && back->has_pid && back->pid == 0
         && strcmp(oci_map_get(&back->annotations, "a"), "b") == 0,
     "state parses back");
  oci_state_free(back);
  free(out);

  char *json = q("{'ociVersion':'1','id':'x','status':'created','pid':1}");
  back = NULL;
  r = oci_state_parse(json, strlen(json), "state.json", &back, &err);
  ok(r < 0 && strcmp(err.msg, "state.json: bundle: required field missing") == 0,
     "state requires bundle");
  clawrt_error_clear(&err);
  free(json);
}

static void
test_features(void)
{
  char *hooks[] = { "prestart", "poststop", NULL };
  char *acts[] = { "SCMP_ACT_ALLOW", NULL };
  char *ak[] = { "org.example.v", NULL }, *av[] = { "1", NULL };
  oci_features f = { .oci_version_min = "1.0.0", .oci_version_max = "1.3.0",
                     .hooks = { hooks, 2 }, .cgroup_v1 = true, .cgroup_v2 = true,
                     .seccomp_enabled = true, .seccomp_actions = { acts, 1 },
                     .idmap_enabled = true, .annotations = { ak, av, 1 } };
  char *out = NULL;
  size_t len;
  clawrt_error err = { 0 };
  int r = oci_features_emit(&f, &out, &len, &err);
  json_value *t = NULL;
  ok(r == 0 && json_parse(out, len, "features", &t, &err) == 0, "features emit valid JSON");
  const json_value *lin = json_object_get(t, "linux");
  const json_value *cg = json_object_get(lin, "cgroup");
  const json_value *sc = json_object_get(lin, "seccomp");
  const json_value *ext = json_object_get(json_object_get(lin, "mountExtensions"), "idmap");
  ok(t && strcmp(json_string(json_object_get(t, "ociVersionMin")), "1.0.0") == 0
         && json_array_len(json_object_get(t, "hooks")) == 2
         && json_object_get(t, "mountOptions") == NULL,
     "features: versions, hooks; absent lists omitted");
  ok(json_bool(json_object_get(cg, "v1")) && !json_bool(json_object_get(cg, "systemd"))
         && json_typeof(json_object_get(cg, "rdma")) == JSON_BOOL,
     "features: cgroup group with every flag");
  ok(json_bool(json_object_get(sc, "enabled"))
         && json_array_len(json_object_get(sc, "actions")) == 1
         && json_object_get(sc, "archs") == NULL && json_bool(json_object_get(ext, "enabled"))
         && json_typeof(json_object_get(json_object_get(lin, "intelRdt"), "enabled")) == JSON_BOOL
         && json_object_get(lin, "memoryPolicy") == NULL
         && json_typeof(json_object_get(json_object_get(lin, "apparmor"), "enabled")) == JSON_BOOL,
     "features: linux groups (seccomp, mountExtensions.idmap, intelRdt, apparmor)");
  ok(strcmp(json_string(json_object_get(json_object_get(t, "annotations"), "org.example.v")), "1")
         == 0,
     "features: annotations");
  json_free(t);
  free(out);
}

static void
test_maps(void)
{
  oci_map m = { 0 };
  oci_map_set(&m, "a", "1");
  oci_map_set(&m, "b", "2");
  oci_map_set(&m, "a", "3");
  ok(m.len == 2 && strcmp(oci_map_get(&m, "a"), "3") == 0 && strcmp(oci_map_get(&m, "b"), "2") == 0
         && oci_map_get(&m, "c") == NULL && m.keys[2] == NULL,
     "map set replaces, get finds");
  oci_map_set(&m, "a", NULL);
  ok(m.len == 1 && oci_map_get(&m, "a") == NULL && strcmp(m.keys[0], "b") == 0 && m.keys[1] == NULL,
     "map set NULL removes");
  for (size_t i = 0; i < m.len; i++)
    {
      free(m.keys[i]);
      free(m.values[i]);
    }
  free(m.keys);
  free(m.values);
}

static void
test_speed(void)
{
  size_t len;
  char *buf = load("maximal.json", &len);
  struct timespec a, b;
  const int rounds = 2000;
  clock_gettime(CLOCK_MONOTONIC, &a);
  int fails = 0;
  for (int i = 0; i < rounds; i++)
    {
      oci_spec *s = NULL;
      clawrt_error err = { 0 };
      if (oci_spec_parse(buf, len, "config.json", &s, &err) < 0)
        fails++;
      oci_spec_free(s);
    }
  clock_gettime(CLOCK_MONOTONIC, &b);
  double us = ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / 1e3 / rounds;
  printf("# parse+free of a %zu-byte config: %.1f us\n", len, us);
  ok(fails == 0 && us < 1000.0, "a typical config parses in well under 1 ms");

  /* many keys in one object: no quadratic work (dedup and lookups) */
  size_t nkeys = 200000;
  char *big = xmalloc0(nkeys * 32 + 64);
  size_t n = (size_t) sprintf(big, "{\"ociVersion\":\"1\",\"annotations\":{");
  for (size_t i = 0; i < nkeys; i++)
    n += (size_t) sprintf(big + n, "%s\"k%zu\":\"v\"", i ? "," : "", i % (nkeys / 2));
  n += (size_t) sprintf(big + n, "}}");
  clock_gettime(CLOCK_MONOTONIC, &a);
  oci_spec *s = NULL;
  clawrt_error err = { 0 };
  int r = oci_spec_parse(big, n, "config.json", &s, &err);
  clock_gettime(CLOCK_MONOTONIC, &b);
  double ms = ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / 1e6;
  printf("# %zu annotation keys (half duplicates): %.1f ms\n", nkeys, ms);
  ok(r == 0 && s->annotations.len == nkeys / 2 && ms < 2000.0,
     "200k map keys with duplicates parse without quadratic blow-up");
  oci_spec_free(s);
  free(big);
  free(buf);
}

static void
test_emit_errors(void)
{
  oci_spec s = { .oci_version = "1.0.0", .hostname = "bad\xff" };
  char *out = NULL;
  clawrt_error err = { 0 };
  int r = oci_spec_emit(&s, &out, NULL, &err);
  ok(r < 0 && out == NULL && strcmp(err.msg, "json generator: string is not valid UTF-8") == 0,
     "emit refuses invalid UTF-8 instead of writing invalid JSON");
  clawrt_error_clear(&err);
}

int
main(void)
{
  test_runc_default();
  test_maximal();
  test_maximal_covers_every_property();
  test_bad_inputs();
  test_nesting();
  test_lenient_parts();
  test_process_and_resources();
  test_state();
  test_features();
  test_maps();
  test_emit_errors();
  test_speed();
  printf("1..%d\n", test_no);
  return failures ? 1 : 0;
}
