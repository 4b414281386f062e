/* criu.c, the pure parts: the reason picked from a CRIU log, the
 * clawrt-external and descriptors.json files, which mounts are external,
 * where restore binds them from, and the argv common to dump and restore. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "criu.h"
#include "criu_priv.h"
#include "util.h"
#include "tap.h"


static bool
streq(const char *a, const char *b)
{
  return a && b && strcmp(a, b) == 0;
}

/* a dump.log of Debian's CRIU 3.17 on a kernel whose vDSO it does not know */
static const char vdso_log[] =
    "(00.000000) Version: 3.17.1 (gitid 0)\n"
    "(00.025990) Warn  (criu/kerndat.c:1103): Can't load /run/criu.kdat\n"
    "(00.026096) Error (criu/vdso.c:381): vdso: Unexpected rt vDSO area bounds\n"
    "(00.026098) Error (criu/vdso.c:613): vdso: Failed to fill self vdso symtable\n"
    "(00.026099) Error (criu/kerndat.c:1615): kerndat_vdso_fill_symtable failed when "
    "initializing kerndat.\n"
    "(00.026123) Found mmap_min_addr 0x10000\n"
    "(00.026131) Error (criu/crtools.c:260): Could not initialize kernel features detection.\n";

static void
test_log_reason(void)
{
  cleanup_free char *all = criu_log_reason(vdso_log, 10);
  CHECK(all && strncmp(all, "Error (criu/vdso.c:381): vdso: Unexpected rt vDSO area bounds; ", 63)
            == 0,
        "errors without timestamps, joined: %s", all ? all : "(null)");
  CHECK(all && strstr(all, "Found mmap") == NULL && strstr(all, "Warn") == NULL,
        "only Error lines when there are some");
  cleanup_free char *last2 = criu_log_reason(vdso_log, 2);
  CHECK(streq(last2, "Error (criu/kerndat.c:1615): kerndat_vdso_fill_symtable failed when "
                     "initializing kerndat.; Error (criu/crtools.c:260): Could not initialize "
                     "kernel features detection."),
        "the last max of them: %s", last2 ? last2 : "(null)");
  cleanup_free char *warn = criu_log_reason("(00.1) Warn  (x.c:1): only this\n(00.2) fine\n", 5);
  CHECK(streq(warn, "Warn  (x.c:1): only this"), "Warn lines when no Error");
  CHECK(criu_log_reason("(00.1) all good\n", 5) == NULL, "nothing worth showing: NULL");
  cleanup_free char *bare = criu_log_reason("Error (criu/a.c:1): from criu check", 3);
  CHECK(streq(bare, "Error (criu/a.c:1): from criu check"), "criu check's lines have no stamp");
  cleanup_free char *paren = criu_log_reason("(not a stamp) Error x\n", 3);
  CHECK(paren == NULL, "a parenthesis that is no timestamp is kept as text");
}

static void
test_external(void)
{
  criu_external *v = NULL;
  size_t n = 0;
  criu_external_add(&v, &n, "mnt", "/etc/hosts");
  criu_external_add(&v, &n, "mnt", "/data/with space");
  criu_external_add(&v, &n, "tty", "8801:2d");
  cleanup_free char *text = criu_external_format(v, n);
  CHECK(streq(text, "mnt /etc/hosts\nmnt /data/with space\ntty 8801:2d\n"), "format");
  criu_external *back = NULL;
  size_t m = 0;
  clawrt_error e = { 0 };
  CHECK(criu_external_parse(text, &back, &m, &e) == 0 && m == 3 && streq(back[1].kind, "mnt")
            && streq(back[1].key, "/data/with space") && streq(back[2].kind, "tty"),
        "parse what format wrote");
  criu_external_free(back, m);
  CHECK(criu_external_parse("mnt\n", &back, &m, &e) < 0 && strstr(e.msg, "line 1"),
        "a line without a key is refused, naming it");
  clawrt_error_clear(&e);
  CHECK(criu_external_parse("", &back, &m, &e) == 0 && m == 0, "empty file: nothing external");
  criu_external_free(back, m);
  criu_external_free(v, n);
}

static void
test_descriptors(void)
{
  char *d[3];
  clawrt_error e = { 0 };
  CHECK(criu_descriptors_parse("[\"pipe:[1]\",\"/dev/null\", \"pipe:[22]\"]\n", d, &e) == 0
            && streq(d[0], "pipe:[1]") && streq(d[1], "/dev/null") && streq(d[2], "pipe:[22]"),
        "runc's descriptors.json");
  for (int i = 0; i < 3; i++)
    free(d[i]);
  CHECK(criu_descriptors_parse("[\"a\\\"b\",\"c\\\\d\",\"\\u0001\"]", d, &e) == 0
            && streq(d[0], "a\"b") && streq(d[1], "c\\d") && streq(d[2], "\x01"),
        "escapes");
  for (int i = 0; i < 3; i++)
    free(d[i]);
  const char *bad[] = { "[\"a\",\"b\"]", "{}", "[\"a\",\"b\",\"c\",\"d\"]", "[\"a", "[\"\\u00e9\",\"b\",\"c\"]" };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    {
      CHECK(criu_descriptors_parse(bad[i], d, &e) < 0 && d[0] == NULL
                && strstr(e.msg, "descriptors.json"),
            "refused: %s", bad[i]);
      clawrt_error_clear(&e);
    }
}

static oci_spec *
spec_with_mounts(void)
{
  static const char cfg[] =
      "{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"rootfs\"},"
      "\"process\":{\"cwd\":\"/\",\"args\":[\"sh\"],\"user\":{\"uid\":0,\"gid\":0}},"
      "\"mounts\":["
      "{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
      "{\"destination\":\"/etc/hosts\",\"type\":\"bind\",\"source\":\"/run/x/hosts\","
      "\"options\":[\"rbind\",\"ro\"]},"
      "{\"destination\":\"/data/\",\"source\":\"vol\",\"options\":[\"bind\"]},"
      "{\"destination\":\"/tmp\",\"type\":\"tmpfs\",\"source\":\"tmpfs\"}],"
      "\"linux\":{\"maskedPaths\":[\"/proc/kcore\",\"/proc/acpi\"]}}";
  oci_spec *s = NULL;
  clawrt_error e = { 0 };
  if (oci_spec_parse(cfg, strlen(cfg), "config.json", &s, &e) < 0)
    {
      printf("# %s\n", e.msg);
      clawrt_error_clear(&e);
    }
  return s;
}

static void
test_mounts(void)
{
  oci_spec *s = spec_with_mounts();
  CHECK(s != NULL, "test spec parses");
  if (s == NULL)
    return;
  static const char mi[] =
      "1 0 0:1 / / rw - overlay overlay rw\n"
      "2 1 0:2 / /proc rw - proc proc rw\n"
      "3 1 8:1 /run/x/hosts /etc/hosts ro - ext4 /dev/sda1 rw\n"
      "4 1 8:1 /srv/vol /data rw - ext4 /dev/sda1 rw\n"
      "5 1 0:3 / /tmp rw - tmpfs tmpfs rw\n"
      "6 2 0:5 /null /proc/kcore rw - devtmpfs udev rw\n"
      "7 2 0:6 / /proc/acpi ro - tmpfs tmpfs ro\n"
      "8 1 0:7 / /dev rw - tmpfs tmpfs rw\n"
      "9 8 0:5 /fuse /dev/fuse rw - devtmpfs udev rw\n"
      "10 8 0:8 /0 /dev/console rw - devpts devpts rw\n"
      "11 8 0:8 / /dev/pts rw - devpts devpts rw\n"
      "12 2 0:2 /sys /proc/sys ro - proc proc rw\n";
  mountinfo_entry *v = NULL;
  size_t n = 0;
  clawrt_error e = { 0 };
  CHECK(mountinfo_parse(mi, &v, &n, &e) == 0 && n == 12, "mountinfo fixture parses");
  criu_external *ext = NULL;
  size_t next = 0;
  CHECK(criu_dump_mounts(s, v, n, &ext, &next, &e) == 0, "external mounts found");
  cleanup_free char *text = criu_external_format(ext, next);
  CHECK(streq(text, "mnt /etc/hosts\nmnt /data\nmnt /proc/kcore\nmnt /dev/fuse\n"),
        "binds of the spec, masked files, host nodes; not tmpfs, proc, devpts, masked dirs");
  criu_external_free(ext, next);
  mountinfo_free(v, n);

  cleanup_free char *a = criu_mount_source(s, "/b", "/etc/hosts");
  cleanup_free char *b = criu_mount_source(s, "/b", "/data");
  cleanup_free char *c = criu_mount_source(s, "/b", "/proc/kcore");
  cleanup_free char *d = criu_mount_source(s, "/b", "/dev/fuse");
  CHECK(streq(a, "/run/x/hosts"), "a bind comes from the spec's source");
  CHECK(streq(b, "/b/vol"), "a relative source is the bundle's");
  CHECK(streq(c, "/dev/null"), "a masked path is /dev/null again");
  CHECK(streq(d, "/dev/fuse"), "a host node is the host's");
  oci_spec_free(s);

  cleanup_free char *p1 = criu_clean_path("/a//b/");
  cleanup_free char *p2 = criu_clean_path("a");
  cleanup_free char *p3 = criu_clean_path("/");
  CHECK(streq(p1, "/a/b") && streq(p2, "/a") && streq(p3, "/"), "paths cleaned");
}

static void
test_argv(void)
{
  const char *m;
  clawrt_error e = { 0 };
  CHECK(criu_cgroups_mode(NULL, &m, &e) == 0 && streq(m, "soft"), "default mode soft");
  CHECK(criu_cgroups_mode("strict", &m, &e) == 0 && streq(m, "strict"), "strict");
  CHECK(criu_cgroups_mode("props", &m, &e) < 0 && strstr(e.msg, "--manage-cgroups-mode"),
        "modes runc does not take are refused");
  clawrt_error_clear(&e);
  criu_opts o = { .image_path = "/img", .tcp_established = true, .file_locks = true,
                  .manage_cgroups_mode = "full" };
  criu_argv a = { 0 };
  CHECK(criu_argv_common(&a, &o, "dump.log", &e) == 0, "common argv");
  cleanup_free char *joined = xstrdup("");
  for (size_t i = 0; i < a.len; i++)
    {
      char *n = xasprintf("%s%s%s", joined, i ? " " : "", a.v[i]);
      free(joined);
      joined = n;
    }
  CHECK(streq(joined, "--images-dir /img --work-dir /img --log-file dump.log -v4 "
                      "--manage-cgroups=full --tcp-established --file-locks"),
        "argv: %s", joined);
  CHECK(a.v[a.len] == NULL, "NULL-terminated");
  criu_argv_free(&a);
}

int
main(void)
{
  test_log_reason();
  test_external();
  test_descriptors();
  test_mounts();
  test_argv();
  return tap_done();
}
