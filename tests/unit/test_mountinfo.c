/* mountinfo_parse: fields, optional tags, octal escapes, bad lines; and
 * rootfs_validate's messages for bad mounts, devices and paths.  TAP. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "linux/fs_internal.h"
#include "linux/rootfs.h"
#include "util.h"

static int failures, count;
#define CHECK(cond, ...)                                                                       \
  do {                                                                                         \
    count++;                                                                                   \
    if (cond)                                                                                  \
      printf("ok %d - ", count);                                                               \
    else {                                                                                     \
      printf("not ok %d - ", count);                                                           \
      failures++;                                                                              \
    }                                                                                          \
    printf(__VA_ARGS__);                                                                       \
    printf("\n");                                                                              \
  } while (0)

static void
test_mountinfo(void)
{
  const char *text =
      "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
      "32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime shared:5 master:1 - cgroup cgroup "
      "rw,cpu,cpuacct\n"
      "40 31 0:37 /a\\040b /mnt/with\\040space\\134x rw - ext4 /dev/sda1 rw,errors=remount-ro\n";
  mountinfo_entry *v = NULL;
  size_t n = 0;
  clawrt_error err = { 0 };
  CHECK(mountinfo_parse(text, &v, &n, &err) == 0 && n == 3, "three lines");
  if (n == 3)
    {
      CHECK(v[0].id == 31 && v[0].parent_id == 23 && v[0].major == 0 && v[0].minor == 28
            && strcmp(v[0].mountpoint, "/sys/fs/cgroup") == 0 && strcmp(v[0].fstype, "tmpfs") == 0
            && strcmp(v[0].super_options, "rw,mode=755") == 0, "plain line");
      CHECK(strcmp(v[1].fstype, "cgroup") == 0 && strcmp(v[1].super_options, "rw,cpu,cpuacct") == 0
            && strcmp(v[1].mountpoint, "/sys/fs/cgroup/cpu,cpuacct") == 0,
            "optional fields before the separator are skipped");
      CHECK(strcmp(v[2].root, "/a b") == 0 && strcmp(v[2].mountpoint, "/mnt/with space\\x") == 0
            && strcmp(v[2].source, "/dev/sda1") == 0, "octal escapes decoded");
    }
  mountinfo_free(v, n);
  CHECK(mountinfo_parse("1 2 3\n", &v, &n, &err) == -1 && err.msg
        && strstr(err.msg, "line 1"), "a short line is an error naming it");
  clawrt_error_clear(&err);
}

/* A spec built from JSON-free parts, one thing wrong each time. */
static void
expect_invalid(oci_spec *s, const char *needle, const char *what)
{
  clawrt_error err = { 0 };
  int r = rootfs_validate(s, "config.json", &err);
  CHECK(r == -1 && err.msg && strstr(err.msg, needle) != NULL, "%s: %s", what,
        err.msg ? err.msg : "(accepted)");
  clawrt_error_clear(&err);
}

static void
test_validate(void)
{
  char *opts_ok[] = { "rbind", "ro", NULL };
  oci_mount m = { .destination = "/data", .source = "/srv", .type = "bind",
                  .options = { opts_ok, 2 } };
  oci_device dev = { .type = "c", .path = "/dev/fuse", .major = 10, .minor = 229,
                     .has_major = true, .has_minor = true };
  oci_linux l = { .devices = &dev, .devices_len = 1 };
  oci_spec s = { .mounts = &m, .mounts_len = 1, .linux = &l };
  clawrt_error err = { 0 };
  CHECK(rootfs_validate(&s, "config.json", &err) == 0, "a good spec passes");
  clawrt_error_clear(&err);

  m.destination = "data";
  CHECK(rootfs_validate(&s, "config.json", &err) == 0, "a relative destination is accepted, "
        "like runc");
  clawrt_error_clear(&err);
  m.destination = "";
  expect_invalid(&s, "mounts[0].destination", "empty destination");
  m.destination = "/data";

  m.type = NULL;
  m.options.len = 0;
  expect_invalid(&s, "mounts[0].type", "no type and no bind option");
  m.type = "bind";
  m.source = NULL;
  expect_invalid(&s, "mounts[0].source", "bind without a source");
  m.source = "/srv";

  char *opts_empty[] = { "ro", "", NULL };
  m.options = (oci_strv) { opts_empty, 2 };
  expect_invalid(&s, "config.json: mounts[0].options[1]", "empty option");
  char *opts_idmap[] = { "idmap", NULL };
  m.options = (oci_strv) { opts_idmap, 1 };
  expect_invalid(&s, "mounts[0].options: \"idmap\"", "idmap without any mapping");
  oci_id_mapping map = { 0, 100000, 65536 };
  m.uid_mappings = &map;
  m.uid_mappings_len = 1;
  expect_invalid(&s, "uidMappings and gidMappings go together", "uid maps without gid maps");
  m.gid_mappings = &map;
  m.gid_mappings_len = 1;
  CHECK(rootfs_validate(&s, "config.json", &err) == 0, "idmap with both maps passes");
  clawrt_error_clear(&err);
  m.type = "tmpfs";
  m.options.len = 0;
  expect_invalid(&s, "only bind mounts can be idmapped", "mappings on a tmpfs");
  m.type = "bind";
  m.uid_mappings_len = m.gid_mappings_len = 0;
  char *opts_copyup[] = { "tmpcopyup", NULL };
  m.options = (oci_strv) { opts_copyup, 1 };
  expect_invalid(&s, "\"tmpcopyup\" is only for tmpfs", "tmpcopyup on a bind");
  m.options = (oci_strv) { opts_ok, 2 };

  dev.path = "dev/fuse";
  expect_invalid(&s, "linux.devices[0].path: must be absolute", "relative device path");
  dev.path = "/etc/fuse";
  expect_invalid(&s, "linux.devices[0].path", "device outside /dev");
  dev.path = "/dev/../etc/shadow";
  expect_invalid(&s, "is not a path under /dev", "device path with ..");
  dev.path = "/dev/fuse";
  dev.type = "x";
  expect_invalid(&s, "linux.devices[0].type: unknown \"x\"", "bad device type");
  dev.type = "b";
  dev.has_minor = false;
  expect_invalid(&s, "needs major and minor", "block device without minor");
  dev.has_minor = true;
  dev.major = 5000;
  expect_invalid(&s, "linux.devices[0].major", "major out of range");
  dev.major = 10;
  dev.type = "p";
  dev.has_major = dev.has_minor = false;
  CHECK(rootfs_validate(&s, "config.json", &err) == 0, "a fifo needs no numbers");
  clawrt_error_clear(&err);
  dev.has_file_mode = true;
  dev.file_mode = 0x7fffffff;
  expect_invalid(&s, "linux.devices[0].fileMode", "fileMode with junk bits");
  dev.has_file_mode = false;

  char *masked[] = { "/proc/kcore", "proc/keys", NULL };
  l.masked_paths = (oci_strv) { masked, 2 };
  expect_invalid(&s, "linux.maskedPaths[1]", "relative masked path");
  l.masked_paths.len = 1;
  l.readonly_paths = (oci_strv) { masked + 1, 1 };
  expect_invalid(&s, "linux.readonlyPaths[0]", "relative readonly path");
  l.readonly_paths.len = 0;
  l.rootfs_propagation = "rslav";
  expect_invalid(&s, "linux.rootfsPropagation: unknown \"rslav\"", "bad rootfsPropagation");
  l.rootfs_propagation = "rshared";
  CHECK(rootfs_validate(&s, "config.json", &err) == 0, "rshared is fine");
  clawrt_error_clear(&err);
}

int
main(void)
{
  test_mountinfo();
  test_validate();
  printf("1..%d\n", count);
  return failures ? 1 : 0;
}
