/* The pure parts of the core: clawrt_error (wrap, complete messages, the
 * wire format between the init and its parent), namespace kinds and id
 * maps, spec edits used by policies and exec. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "linux/ns.h"
#include "policy/spec_edit.h"
#include "tap.h"
#include "util.h"

static void
test_error(void)
{
  clawrt_error e = { 0 };
  CHECK(clawrt_error_set(&e, ENOENT, "open `%s`", "x") == -1, "set returns -1");
  clawrt_error_set(&e, EPERM, "later");
  CHECK(strcmp(e.msg, "open `x`") == 0 && e.errnum == ENOENT, "the first cause wins");
  clawrt_error_wrap(&e, "bundle `%s`", "/b");
  char *t = clawrt_error_text(&e);
  CHECK(strcmp(t, "bundle `/b`: open `x`: No such file or directory") == 0, "wrap + strerror: %s", t);
  free(t);
  clawrt_error_clear(&e);

  clawrt_error_set(&e, EINVAL, "config.json: process.terminal: expected boolean");
  t = clawrt_error_text(&e);
  CHECK(strcmp(t, "config.json: process.terminal: expected boolean") == 0,
        "EINVAL (bad input) prints no strerror: %s", t);
  free(t);
  clawrt_error_clear(&e);

  clawrt_error_set_complete(&e, ENOENT, "container \"%s\" does not exist", "c1");
  t = clawrt_error_text(&e);
  CHECK(strcmp(t, "container \"c1\" does not exist") == 0 && e.errnum == ENOENT,
        "complete: errnum kept, not printed: %s", t);
  free(t);

  char buf[256];
  int n = clawrt_error_pack(&e, buf, sizeof buf);
  clawrt_error u = { 0 };
  clawrt_error_unpack(&u, buf, n);
  CHECK(u.errnum == ENOENT && u.complete && strcmp(u.msg, e.msg) == 0,
        "pack/unpack keeps errnum, message and completeness");
  clawrt_error_clear(&u);
  clawrt_error_clear(&e);

  clawrt_error_unpack(&u, buf, 2);
  CHECK(u.errnum == EPROTO, "a short packet is a protocol error");
  clawrt_error_clear(&u);

  clawrt_error_set(&e, EIO, "%s", "a long message that does not fit");
  n = clawrt_error_pack(&e, buf, 10);
  clawrt_error_unpack(&u, buf, n);
  CHECK(n == 10 && strcmp(u.msg, "a lon") == 0, "pack truncates to the buffer (5-byte header): \"%s\"", u.msg);
  clawrt_error_clear(&u);
  clawrt_error_clear(&e);
}

static void
test_ns(void)
{
  CHECK(ns_kind_by_spec_name("network")->flag == CLONE_NEWNET, "network -> CLONE_NEWNET");
  CHECK(strcmp(ns_kind_by_spec_name("mount")->proc_name, "mnt") == 0, "mount -> /proc/PID/ns/mnt");
  CHECK(ns_kind_by_spec_name("pidd") == NULL, "unknown kind");
  size_t n;
  const ns_kind *k = ns_kinds(&n);
  CHECK(n == 8 && k[0].flag == CLONE_NEWUSER && k[n - 1].flag == CLONE_NEWNS,
        "join order: user first, mount last");
  oci_id_mapping m[2] = { { 0, 100000, 65536 }, { 65536, 1000, 1 } };
  char *s = ns_format_idmap(m, 2);
  CHECK(strcmp(s, "0 100000 65536\n65536 1000 1\n") == 0, "id map text, one line per mapping");
  free(s);
  CHECK(ns_format_idmap(m, 0) == NULL, "no mappings, no text");

  oci_namespace nss[] = { { "pid", NULL }, { "pid", NULL } };
  oci_linux l = { .namespaces = nss, .namespaces_len = 2 };
  oci_spec spec = { .linux = &l };
  ns_plan p;
  clawrt_error e = { 0 };
  CHECK(ns_plan_build(&spec, "config.json", &p, &e) < 0
            && strcmp(e.msg, "config.json: linux.namespaces[1].type: namespace \"pid\" listed twice") == 0,
        "a namespace listed twice: %s", e.msg);
  clawrt_error_clear(&e);
  oci_namespace rel[] = { { "network", "proc/1/ns/net" } };
  l.namespaces = rel;
  l.namespaces_len = 1;
  CHECK(ns_plan_build(&spec, "config.json", &p, &e) < 0 && strstr(e.msg, "must be absolute"),
        "a relative namespace path: %s", e.msg);
  clawrt_error_clear(&e);
  oci_namespace user[] = { { "user", NULL } };
  l.namespaces = user;
  CHECK(ns_plan_build(&spec, "config.json", &p, &e) < 0 && strstr(e.msg, "needs both mappings"),
        "a user namespace without mappings: %s", e.msg);
  clawrt_error_clear(&e);
}

static void
test_spec_edit(void)
{
  oci_strv v = { 0 };
  strv_add(&v, "a");
  strv_add_unique(&v, "a");
  strv_add(&v, "b");
  strv_add(&v, "a");
  CHECK(v.len == 3 && v.v[3] == NULL, "add, add_unique, NULL-terminated");
  CHECK(strv_remove(&v, "a") == 2 && v.len == 1 && strcmp(v.v[0], "b") == 0 && v.v[1] == NULL,
        "remove every occurrence");
  char *src[] = { "x", "y", NULL };
  strv_set(&v, src);
  CHECK(v.len == 2 && strv_contains(&v, "y") && !strv_contains(&v, "b"), "set replaces");
  for (size_t i = 0; i < v.len; i++)
    free(v.v[i]);
  free(v.v);
}

int
main(void)
{
  test_error();
  test_ns();
  test_spec_edit();
  return tap_done();
}
