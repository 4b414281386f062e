/* cgroup_resources_merge (merge.c): what `update` records in the state
 * dir's config.json, field by field, with the meaning the cgroup writers
 * give each value.  TAP output. */
#include "cgroup_fake.h"

#include <inttypes.h>

static oci_resources *
parse(const char *json)
{
  oci_resources *r = NULL;
  clawrt_error e = { 0 };
  if (oci_resources_parse(json, strlen(json), "test", &r, &e) < 0)
    {
      printf("# parse: %s\n", errtext(&e));
      exit(2);
    }
  return r;
}

static void
test_scalars(void)
{
  oci_resources *d = parse("{\"memory\": {\"limit\": 1000, \"swap\": 2000, \"swappiness\": 10},"
                           " \"cpu\": {\"shares\": 512, \"quota\": 5000, \"cpus\": \"0-1\"},"
                           " \"pids\": {\"limit\": 10}}");
  oci_resources *s = parse("{\"memory\": {\"limit\": 0, \"swap\": 4000, \"reservation\": 7},"
                           " \"cpu\": {\"shares\": 0, \"quota\": -1, \"cpus\": \"\","
                           " \"mems\": \"0\", \"realtimePeriod\": 0, \"realtimeRuntime\": 0},"
                           " \"pids\": {\"limit\": 0}}");
  cgroup_resources_merge(d, s);
  CHECK(d->memory->limit == 1000 && d->memory->swap == 4000 && d->memory->has_reservation
            && d->memory->reservation == 7 && d->memory->swappiness == 10,
        "memory: limit 0 is \"not set\" and stays, swap and reservation replace, "
        "swappiness stays");
  CHECK(d->cpu->shares == 512 && d->cpu->quota == -1 && strcmp(d->cpu->cpus, "0-1") == 0
            && d->cpu->mems && strcmp(d->cpu->mems, "0") == 0,
        "cpu: shares 0 and an empty cpus stay, quota -1 and mems replace");
  CHECK(!d->cpu->has_realtime_period && d->cpu->has_realtime_runtime
            && d->cpu->realtime_runtime == 0,
        "cpu: realtimePeriod 0 is not set, realtimeRuntime 0 is a value");
  CHECK(d->pids->has_limit && d->pids->limit == 0, "pids: 0 is a limit (runtime-spec 1.3)");
  oci_resources_free(s);

  s = parse("{\"memory\": {\"limit\": -1, \"swap\": 0}, \"pids\": {}}");
  cgroup_resources_merge(d, s);
  CHECK(d->memory->limit == -1 && d->memory->has_swap && d->memory->swap == 0,
        "swap 0 with an unlimited memory means unlimited swap: recorded");
  CHECK(d->pids->limit == 0, "pids without a limit: unchanged");
  oci_resources_free(s);
  oci_resources_free(d);

  d = parse("{}");
  s = parse("{\"memory\": {\"limit\": 64}, \"cpu\": {\"cpus\": \"1\"}, \"pids\": {\"limit\": -1}}");
  cgroup_resources_merge(d, s);
  CHECK(d->memory && d->memory->limit == 64 && d->cpu && strcmp(d->cpu->cpus, "1") == 0
            && d->pids && d->pids->limit == -1,
        "parts the config did not have are added");
  oci_resources_free(s);
  oci_resources_free(d);
}

static void
test_keyed(void)
{
  oci_resources *d = parse(
      "{\"blockIO\": {\"weight\": 100, \"weightDevice\": [{\"major\": 8, \"minor\": 0, "
      "\"weight\": 200}], \"throttleReadBpsDevice\": [{\"major\": 8, \"minor\": 0, \"rate\": 1}]},"
      " \"hugepageLimits\": [{\"pageSize\": \"2MB\", \"limit\": 1}],"
      " \"network\": {\"classID\": 1, \"priorities\": [{\"name\": \"eth0\", \"priority\": 1}]},"
      " \"rdma\": {\"mlx4_0\": {\"hcaHandles\": 1}},"
      " \"unified\": {\"memory.high\": \"10M\"}}");
  oci_resources *s = parse(
      "{\"blockIO\": {\"weightDevice\": [{\"major\": 8, \"minor\": 0, \"leafWeight\": 20},"
      " {\"major\": 8, \"minor\": 16, \"weight\": 300}],"
      " \"throttleReadBpsDevice\": [{\"major\": 8, \"minor\": 0, \"rate\": 5},"
      " {\"major\": 8, \"minor\": 16, \"rate\": 6}]},"
      " \"hugepageLimits\": [{\"pageSize\": \"1GB\", \"limit\": 2},"
      " {\"pageSize\": \"2MB\", \"limit\": 3}],"
      " \"network\": {\"priorities\": [{\"name\": \"eth1\", \"priority\": 2},"
      " {\"name\": \"eth0\", \"priority\": 3}]},"
      " \"rdma\": {\"mlx4_0\": {\"hcaObjects\": 9}, \"mlx5_0\": {\"hcaHandles\": 4}},"
      " \"unified\": {\"memory.high\": \"20M\", \"pids.max\": \"5\"}}");
  cgroup_resources_merge(d, s);
  const oci_block_io *b = d->block_io;
  CHECK(b->weight == 100 && b->weight_device_len == 2 && b->weight_device[0].weight == 200
            && b->weight_device[0].has_leaf_weight && b->weight_device[0].leaf_weight == 20
            && b->weight_device[1].minor == 16 && b->weight_device[1].weight == 300,
        "weightDevice: merged by device, new devices added");
  CHECK(b->throttle_read_bps_device_len == 2 && b->throttle_read_bps_device[0].rate == 5
            && b->throttle_read_bps_device[1].rate == 6,
        "throttles: replaced by device");
  CHECK(d->hugepage_limits_len == 2 && d->hugepage_limits[0].limit == 3
            && strcmp(d->hugepage_limits[1].page_size, "1GB") == 0
            && d->hugepage_limits[1].limit == 2,
        "hugepageLimits: by page size");
  CHECK(d->network->class_id == 1 && d->network->priorities_len == 2
            && d->network->priorities[0].priority == 3
            && strcmp(d->network->priorities[1].name, "eth1") == 0,
        "network: classID stays, priorities by interface");
  CHECK(d->rdma_len == 2 && d->rdma[0].hca_handles == 1 && d->rdma[0].hca_objects == 9
            && strcmp(d->rdma[1].name, "mlx5_0") == 0 && d->rdma[1].hca_handles == 4,
        "rdma: by device, fields merged");
  CHECK(d->unified.len == 2 && strcmp(oci_map_get(&d->unified, "memory.high"), "20M") == 0
            && strcmp(oci_map_get(&d->unified, "pids.max"), "5") == 0,
        "unified: key by key");
  oci_resources_free(s);
  oci_resources_free(d);
}

static void
test_devices(void)
{
  oci_resources *d = parse("{\"devices\": [{\"allow\": false, \"access\": \"rwm\"},"
                           " {\"allow\": true, \"type\": \"c\", \"major\": 1, \"minor\": 3,"
                           " \"access\": \"rwm\"}]}");
  oci_resources *s = parse("{\"devices\": [{\"allow\": true, \"type\": \"c\", \"major\": 10,"
                           " \"minor\": 200, \"access\": \"rw\"}]}");
  cgroup_resources_merge(d, s);
  CHECK(d->devices_len == 3 && d->devices[2].major == 10 && strcmp(d->devices[2].access, "rw") == 0,
        "rules are applied after the old ones: appended");
  oci_resources_free(s);
  s = parse("{\"devices\": [{\"allow\": false, \"type\": \"a\", \"access\": \"rwm\"},"
            " {\"allow\": true, \"type\": \"b\", \"major\": 8, \"minor\": 0, \"access\": \"r\"}]}");
  cgroup_resources_merge(d, s);
  CHECK(d->devices_len == 2 && !d->devices[0].allow && d->devices[1].major == 8,
        "a list that starts by resetting every device replaces the old one");
  oci_resources_free(s);
  s = parse("{\"devices\": [{\"allow\": false, \"type\": \"c\", \"access\": \"rwm\"}]}");
  cgroup_resources_merge(d, s);
  CHECK(d->devices_len == 3, "a rule for every char device is no reset: appended");
  oci_resources_free(s);
  oci_resources_free(d);
}

int
main(void)
{
  test_scalars();
  test_keyed();
  test_devices();
  printf("1..%d\n", count);
  return failures ? 1 : 0;
}
