/* Strict mode: each transformation of policy/strict on the fixture configs
 * of fixtures/strict/ (and on the runtime's own default spec), idempotence,
 * the refusals (a joined cgroup or mount namespace, a bind of the host's
 * cgroup tree or /proc), the per-process part `exec` uses, the fail-closed
 * verdict on a host without an item, and the own-cgroup check on fake
 * cgroup trees.  TAP output. */
#include "cgroup_fake.h"

#include "container_strict.h"
#include "policy/spec_edit.h"
#include "policy/strict.h"
#include "bundle.h"
#include "spec_default.h"
#include "spec_fixture.h"

static oci_strv
strv_new(void)
{
  return (oci_strv){ xmalloc0(sizeof(char *)), 0 };
}

static void
vec_free(oci_strv *v)
{
  for (size_t i = 0; i < v->len; i++)
    free(v->v[i]);
  free(v->v);
  v->v = NULL;
  v->len = 0;
}

/* Some line of v contains every needle. */
static bool
strv_has_line(const oci_strv *v, const char *a, const char *b)
{
  for (size_t i = 0; i < v->len; i++)
    if (strstr(v->v[i], a) && (b == NULL || strstr(v->v[i], b)))
      return true;
  return false;
}

static const oci_namespace *
ns(const oci_spec *s, const char *type)
{
  for (size_t i = 0; s->linux && i < s->linux->namespaces_len; i++)
    if (strcmp(s->linux->namespaces[i].type, type) == 0)
      return &s->linux->namespaces[i];
  return NULL;
}

static bool
caps_lack(const oci_capabilities *c, const char *cap)
{
  return !strv_contains(&c->bounding, cap) && !strv_contains(&c->effective, cap)
         && !strv_contains(&c->inheritable, cap) && !strv_contains(&c->permitted, cap)
         && !strv_contains(&c->ambient, cap);
}

static char *
emit(const oci_spec *s)
{
  char *out = NULL;
  size_t len;
  clawrt_error e = { 0 };
  if (oci_spec_emit(s, &out, &len, &e) < 0)
    {
      printf("Bail out! emit: %s\n", errtext(&e));
      exit(2);
    }
  return out;
}

static void
test_requested(void)
{
  oci_spec *s = fixture_spec("strict", "open.json");
  CHECK(!strict_requested(s, false), "no annotation: not requested");
  CHECK(strict_requested(s, true), "forced (clawrt --strict): requested");
  oci_map_set(&s->annotations, CLAWRT_STRICT_ANNOTATION, "false");
  CHECK(!strict_requested(s, false), "annotation \"false\": not requested");
  oci_map_set(&s->annotations, CLAWRT_STRICT_ANNOTATION, "TRUE");
  CHECK(!strict_requested(s, false), "annotation \"TRUE\": not requested (exactly \"true\")");
  oci_map_set(&s->annotations, CLAWRT_STRICT_ANNOTATION, "true");
  CHECK(strict_requested(s, false), "annotation \"true\": requested");
  oci_spec_free(s);
}

/* Every transformation, on the wide-open fixture. */
static void
test_open(void)
{
  oci_spec *s = fixture_spec("strict", "open.json");
  oci_strv ch = strv_new();
  clawrt_error e = { 0 };
  CHECK(strict_apply(s, "open.json", &ch, &e) == 0, "open.json is transformed: %s", errtext(&e));

  /* item 1 */
  const oci_namespace *cg = ns(s, "cgroup");
  CHECK(cg && (cg->path == NULL || !*cg->path), "item 1: a new cgroup namespace is added");
  CHECK(strv_has_line(&ch, "item 1:", "cgroup namespace"), "item 1 is listed in the changes");
  /* item 2 */
  const oci_namespace *mnt = ns(s, "mount");
  CHECK(mnt && (mnt->path == NULL || !*mnt->path), "item 2: a mount namespace is added");
  CHECK(strv_contains(&s->linux->masked_paths, "/proc/pressure")
            && strv_contains(&s->linux->masked_paths, "/proc/kcore"),
        "item 2: /proc/pressure masked, the bundle's masks kept");
  CHECK(strv_has_line(&ch, "item 2:", "/proc/pressure"), "item 2 is listed in the changes");
  /* the other namespaces are left alone */
  CHECK(ns(s, "pid") && ns(s, "ipc") && ns(s, "uts") && !ns(s, "network") && !ns(s, "user"),
        "other namespaces untouched (no network or user namespace is invented)");
  /* item 3 */
  const oci_capabilities *c = s->process->capabilities;
  CHECK(caps_lack(c, "CAP_MKNOD"), "item 3: CAP_MKNOD in no set");
  CHECK(caps_lack(c, "CAP_SYS_MODULE"), "item 3: CAP_SYS_MODULE in no set");
  CHECK(strv_contains(&c->bounding, "CAP_CHOWN") && strv_contains(&c->effective, "CAP_SYS_ADMIN")
            && strv_contains(&c->bounding, "CAP_NET_RAW"),
        "item 3: the other capabilities are kept");
  CHECK(c->inheritable.len == 0 && c->ambient.len == 0,
        "item 3: inheritable and ambient, which held only those two, are empty");
  CHECK(strv_has_line(&ch, "item 3:", "CAP_MKNOD") && strv_has_line(&ch, "item 3:", "CAP_SYS_MODULE"),
        "item 3 is listed for both capabilities");
  /* item 5, binds */
  const oci_mount *data = mount_at(s, "/data"), *cache = mount_at(s, "/cache"),
                  *own = mount_at(s, "/own"), *scratch = mount_at(s, "/scratch"),
                  *dev = mount_at(s, "/dev");
  CHECK(data && strv_contains(&data->options, "nodev") && strv_contains(&data->options, "nosuid")
            && !strv_contains(&data->options, "dev") && !strv_contains(&data->options, "suid")
            && strv_contains(&data->options, "rbind") && strv_contains(&data->options, "rw"),
        "item 5: the type bind mount gets nodev,nosuid, loses dev,suid, keeps rbind,rw");
  CHECK(cache && strv_contains(&cache->options, "nodev") && strv_contains(&cache->options, "nosuid"),
        "item 5: a bind given by options only (no type) is a bind too");
  CHECK(own && own->options.len == 4, "item 5: a bind that has nodev,nosuid already is unchanged");
  CHECK(scratch && strv_contains(&scratch->options, "dev") && strv_contains(&scratch->options, "suid")
            && !strv_contains(&scratch->options, "nodev"),
        "item 5: a tmpfs (not a bind) keeps its options");
  CHECK(dev && !strv_contains(&dev->options, "nodev"), "item 5: the /dev tmpfs keeps working");
  CHECK(strv_has_line(&ch, "item 5:", "/data") && strv_has_line(&ch, "item 5:", "/cache")
            && !strv_has_line(&ch, "item 5:", "/own"),
        "item 5: the changed binds, and only those, are listed");
  /* item 5, devices */
  const oci_resources *r = s->linux->resources;
  CHECK(r->devices_len == 2, "item 5: the three allow-every rules go, the exact one stays (%zu)",
        r->devices_len);
  CHECK(r->devices_len >= 1 && !r->devices[0].allow && strcmp(r->devices[0].type, "a") == 0
            && !r->devices[0].has_major && strcmp(r->devices[0].access, "rwm") == 0,
        "item 5: the device cgroup starts with deny-all");
  CHECK(r->devices_len == 2 && r->devices[1].allow && r->devices[1].major == 1
            && r->devices[1].minor == 3,
        "item 5: the rule for c 1:3 stays, after the deny");
  CHECK(strv_has_line(&ch, "devices[0]", "every char device")
            && strv_has_line(&ch, "devices[2]", "every device")
            && strv_has_line(&ch, "devices[3]", "every block device")
            && strv_has_line(&ch, "item 5:", "deny every device first"),
        "item 5: each removed rule and the deny are listed");
  /* item 4 and 6 */
  CHECK(strv_has_line(&ch, "item 4:", "clone3"), "item 4: the seccomp layer is listed");
  CHECK(s->process->no_new_privileges && s->process->has_no_new_privileges,
        "item 6: noNewPrivileges forced");
  CHECK(strv_has_line(&ch, "item 6:", "noNewPrivileges"), "item 6 is listed");
  /* recorded */
  const char *a = oci_map_get(&s->annotations, CLAWRT_STRICT_ANNOTATION);
  CHECK(a && strcmp(a, "true") == 0 && s->has_annotations, "annotation io.clawrt.strict=true set");
  CHECK(strict_requested(s, false), "the result asks for strict mode itself (exec, state)");
  /* what it leaves alone */
  CHECK(s->linux->devices_len == 4 && s->linux->sysctl.len == 4 && s->hooks
            && strcmp(s->hostname, "open") == 0,
        "devices, sysctls, hooks, hostname untouched");
  vec_free(&ch);

  oci_spec_free(s);

  /* what strict mode makes passes the runtime's own validation */
  s = fixture_spec("strict", "tight.json");
  CHECK(strict_apply(s, "tight.json", NULL, &e) == 0 && bundle_validate(s, "tight.json", &e) == 0,
        "tight.json made strict is a valid spec: %s", e.msg ? errtext(&e) : "ok");
  clawrt_error_clear(&e);
  oci_spec_free(s);
}

/* Twice is once: the same spec, and no change listed but the seccomp
 * layer, which is never in the spec. */
static void
test_idempotent(void)
{
  static const char *const names[] = { "open.json", "tight.json" };
  for (size_t i = 0; i < 2; i++)
    {
      oci_spec *s = fixture_spec("strict", names[i]);
      clawrt_error e = { 0 };
      oci_strv ch = strv_new();
      CHECK(strict_apply(s, names[i], NULL, &e) == 0, "%s: first pass", names[i]);
      char *once = emit(s);
      oci_spec *copy = oci_spec_dup(s);
      CHECK(strict_apply(s, names[i], &ch, &e) == 0, "%s: second pass", names[i]);
      char *twice = emit(s);
      CHECK(oci_spec_equal(copy, s) && strcmp(once, twice) == 0,
            "%s: a second pass changes nothing", names[i]);
      CHECK(ch.len == 1 && strstr(ch.v[0], "item 4:"),
            "%s: the second pass lists only the seccomp layer (%zu lines)", names[i], ch.len);
      vec_free(&ch);
      free(once);
      free(twice);
      oci_spec_free(copy);
      oci_spec_free(s);
    }

  /* the runtime's own default spec is almost strict already */
  oci_spec *d = spec_default();
  oci_strv ch = strv_new();
  clawrt_error e = { 0 };
  CHECK(strict_apply(d, "config.json", &ch, &e) == 0, "the default spec is transformed");
  CHECK(strv_has_line(&ch, "/proc/pressure", NULL) && !strv_has_line(&ch, "item 1:", NULL)
            && !strv_has_line(&ch, "item 6:", NULL),
        "default spec: /proc/pressure added, cgroup namespace and no_new_privs already there");
  CHECK(d->linux->resources->devices_len == 1,
        "default spec: its deny-all rule (no type) is recognised, not doubled");
  vec_free(&ch);
  oci_spec_free(d);

  /* a deny-all spelled without access is deny-all too */
  oci_spec *t = fixture_spec("strict", "tight.json");
  free(t->linux->resources->devices[0].access);
  t->linux->resources->devices[0].access = NULL;
  CHECK(strict_apply(t, "tight.json", NULL, &e) == 0 && t->linux->resources->devices_len == 1,
        "a deny rule without access (rwm) is not doubled");
  oci_spec_free(t);
}

static void
test_refusals(void)
{
  clawrt_error e = { 0 };
  oci_spec *s = fixture_spec("strict", "joined-cgroupns.json");
  oci_spec *before = oci_spec_dup(s);
  CHECK(strict_apply(s, "config.json", NULL, &e) < 0
            && has(&e, "config.json: strict mode: item 1 (own cgroup namespace)")
            && has(&e, "linux.namespaces[3].path") && has(&e, "/proc/1/ns/cgroup")
            && has(&e, "remove the path"),
        "a joined cgroup namespace is refused: %s", errtext(&e));
  CHECK(oci_spec_equal(before, s), "a refused spec is left as it came");
  clawrt_error_clear(&e);
  oci_spec_free(before);
  oci_spec_free(s);

  s = fixture_spec("strict", "joined-mountns.json");
  CHECK(strict_apply(s, "config.json", NULL, &e) < 0
            && has(&e, "strict mode: item 2 (own mount namespace)")
            && has(&e, "linux.namespaces[1].path") && has(&e, "/proc/1/ns/mnt"),
        "a joined mount namespace is refused: %s", errtext(&e));
  clawrt_error_clear(&e);
  oci_spec_free(s);

  s = fixture_spec("strict", "host-cgroup-bind.json");
  CHECK(strict_apply(s, "config.json", NULL, &e) < 0
            && has(&e, "strict mode: item 2 (hide host cgroups and pressure)")
            && has(&e, "mounts[1]") && has(&e, "`/sys/fs/cgroup`")
            && has(&e, "type \"cgroup\""),
        "a bind of the host's /sys/fs/cgroup is refused, even read-only: %s", errtext(&e));
  clawrt_error_clear(&e);

  /* the same tree spelled otherwise, a part of it, what carries it */
  static const struct { const char *src; bool refused; } cases[] = {
    { "/sys/fs/cgroup/memory", true },  { "//sys/fs/./cgroup/", true },
    { "/sys/fs/cgroup/../cgroup", true }, { "/sys", true },
    { "/sys/fs", true },                { "/", true },
    { "/proc", true },                  { "/proc/pressure", true },
    { "/sys/fs/cgroupfoo", false },     { "/sys/kernel/security", false },
    { "/srv/sys/fs/cgroup", false },    { "sys/fs/cgroup", false },
    { "/procfs", false },
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    {
      free(s->mounts[1].source);
      s->mounts[1].source = xstrdup(cases[i].src);
      int rc = strict_apply(s, "config.json", NULL, &e);
      CHECK((rc < 0) == cases[i].refused && (rc == 0 || has(&e, "strict mode: item 2")),
            "bind of `%s`: %s", cases[i].src, cases[i].refused ? errtext(&e) : "allowed");
      clawrt_error_clear(&e);
    }
  oci_spec_free(s);

  /* a mount of type cgroup (the container's own, under a cgroup
   * namespace) is what strict mode wants */
  s = fixture_spec("strict", "host-cgroup-bind.json");
  free(s->mounts[1].type);
  s->mounts[1].type = xstrdup("cgroup");
  free(s->mounts[1].source);
  s->mounts[1].source = xstrdup("cgroup");
  strv_set(&s->mounts[1].options, (char *[]){ "ro", NULL });
  CHECK(strict_apply(s, "config.json", NULL, &e) == 0, "a mount of type cgroup is allowed");
  oci_spec_free(s);
}

/* What `exec` does to its process: the --cap additions go too. */
static void
test_process(void)
{
  oci_process p = { 0 };
  p.capabilities = xmalloc0(sizeof *p.capabilities);
  char *exec_caps[] = { "CAP_KILL", "CAP_MKNOD", "CAP_SYS_MODULE", NULL };
  strv_set(&p.capabilities->bounding, exec_caps);
  strv_set(&p.capabilities->effective, exec_caps);
  strv_set(&p.capabilities->permitted, exec_caps);
  strv_set(&p.capabilities->ambient, (char *[]){ "CAP_MKNOD", NULL });
  oci_strv ch = strv_new();
  strict_apply_process(&p, &ch);
  CHECK(caps_lack(p.capabilities, "CAP_MKNOD") && caps_lack(p.capabilities, "CAP_SYS_MODULE"),
        "exec --cap CAP_MKNOD --cap CAP_SYS_MODULE: dropped from every set");
  CHECK(strv_contains(&p.capabilities->effective, "CAP_KILL"), "exec: other capabilities kept");
  CHECK(p.no_new_privileges && p.has_no_new_privileges, "exec: no_new_privileges forced");
  CHECK(ch.len == 3, "exec: three changes listed (%zu)", ch.len);
  vec_free(&ch);
  strict_apply_process(&p, &ch);
  CHECK(ch.len == 0, "exec: a second pass changes nothing");
  vec_free(&ch);
  oci_capabilities *c = p.capabilities;
  oci_strv *sets[] = { &c->bounding, &c->effective, &c->inheritable, &c->permitted, &c->ambient };
  for (int i = 0; i < 5; i++)
    vec_free(sets[i]);
  free(c);

  oci_process q = { 0 };
  strict_apply_process(&q, NULL);
  CHECK(q.capabilities == NULL && q.no_new_privileges,
        "a process without capabilities keeps none (no set is invented) and gets no_new_privs");
}

static void
test_host(void)
{
  clawrt_error e = { 0 };
  strict_host all = { true, true, true };
  CHECK(strict_host_check(&all, "config.json", &e) == 0, "a host with every item passes");
  strict_host h = all;
  h.cgroup_ns = false;
  CHECK(strict_host_check(&h, "config.json", &e) < 0
            && has(&e, "config.json: strict mode: item 1 (own cgroup namespace)")
            && has(&e, "no cgroup namespaces") && e.errnum == EOPNOTSUPP,
        "no cgroup namespace: %s", errtext(&e));
  clawrt_error_clear(&e);
  h = all;
  h.seccomp = false;
  CHECK(strict_host_check(&h, "config.json", &e) < 0
            && has(&e, "strict mode: item 4 (seccomp filter)") && has(&e, "CONFIG_SECCOMP_FILTER"),
        "no seccomp: %s", errtext(&e));
  clawrt_error_clear(&e);
  h = all;
  h.mount_ns = false;
  CHECK(strict_host_check(&h, "config.json", &e) < 0 && has(&e, "strict mode: item 2"),
        "no mount namespace: %s", errtext(&e));
  clawrt_error_clear(&e);

  /* the probe: a proc without namespace files, and this host's */
  char *root = fake_root();
  fake_file(root, "self/ns/mnt", "");
  strict_host_probe(root, &h);
  CHECK(!h.cgroup_ns && h.mount_ns, "probe of a proc without ns/cgroup: no cgroup namespace");
  fake_remove(root);
  strict_host_probe(NULL, &h);
  if (access("/proc/self/ns/cgroup", F_OK) == 0)
    CHECK(h.cgroup_ns && h.mount_ns && h.seccomp,
          "this host has every item (cgroup ns %d, mount ns %d, seccomp %d)", h.cgroup_ns,
          h.mount_ns, h.seccomp);
  else
    printf("ok %d - # SKIP this kernel has no cgroup namespaces\n", ++count);
}

/* ---- own leaf cgroup, on a fake v1 tree --------------------------------- */

static const char *const v1_mounts[] = {
  "pids cgroup rw,pids", "memory cgroup rw,memory", "devices cgroup rw,devices",
  "freezer cgroup rw,freezer", "cpu,cpuacct cgroup rw,cpu,cpuacct", "cpuset cgroup rw,cpuset",
  "blkio cgroup rw,blkio", "systemd cgroup rw,xattr,name=systemd",
};
static const char *const hiers[] = { "pids", "memory", "devices", "freezer", "cpu,cpuacct",
                                     "cpuset", "blkio", "systemd" };

static void
procs(const char *root, const char *rel, const char *content)
{
  for (size_t i = 0; i < sizeof hiers / sizeof hiers[0]; i++)
    {
      char *p = xasprintf("%s/%s/cgroup.procs", hiers[i], rel);
      fake_file(root, p, content);
      free(p);
    }
}

static void
test_cgroup_own(void)
{
  char *root = fake_root();
  fake_mountinfo(root, v1_mounts, sizeof v1_mounts / sizeof v1_mounts[0]);
  char *mi = xasprintf("%s/mountinfo", root);
  cgroup_create_opts o = { .root_prefix = root, .mountinfo_path = mi };
  clawrt_error e = { 0 };

  procs(root, "agents/busy", "4242\n");
  procs(root, "agents/idle/empty", "");
  procs(root, "agents/idle", "");

  CHECK(strict_cgroup_own(&o, "c1", "/agents/new", NULL, "config.json", &e) == 0,
        "a path nobody uses passes: %s", e.msg ? errtext(&e) : "ok");
  clawrt_error_clear(&e);
  CHECK(!fake_exists(root, "pids/agents/new"), "the check creates nothing");
  CHECK(strict_cgroup_own(&o, "c1", NULL, NULL, "config.json", &e) == 0,
        "the default path (/clawrt/ID) passes when free");
  clawrt_error_clear(&e);
  CHECK(strict_cgroup_own(&o, "c1", "/agents/idle", NULL, "config.json", &e) == 0,
        "an existing cgroup with nobody in it (or below it) passes: %s",
        e.msg ? errtext(&e) : "ok");
  clawrt_error_clear(&e);

  CHECK(strict_cgroup_own(&o, "c1", "/agents/busy", NULL, "config.json", &e) < 0
            && has(&e, "config.json: strict mode: item 1 (own leaf cgroup): linux.cgroupsPath")
            && has(&e, "`/agents/busy`") && has(&e, "pid 4242") && !has(&e, "sub-cgroup"),
        "the path of a live container is refused: %s", errtext(&e));
  clawrt_error_clear(&e);
  CHECK(strict_cgroup_own(&o, "c1", "/agents", NULL, "config.json", &e) < 0
            && has(&e, "`/agents`") && has(&e, "sub-cgroup `/agents/busy`") && has(&e, "pid 4242"),
        "a parent of a live container is refused: %s", errtext(&e));
  clawrt_error_clear(&e);
  CHECK(strict_cgroup_own(&o, "c1", "/agents/busy/sub", NULL, "config.json", &e) < 0
            && has(&e, "`/agents/busy/sub`") && has(&e, "would lie inside `/agents/busy`"),
        "a cgroup inside a live container's is refused: %s", errtext(&e));
  clawrt_error_clear(&e);
  CHECK(fake_is(root, "pids/agents/busy/cgroup.procs", "4242\n")
            && !fake_exists(root, "pids/agents/busy/sub"),
        "refusals write nothing to the busy cgroups and create nothing");

  /* where the runtime itself sits, and above: the caller's, not another
   * container's */
  char *me = xasprintf("%d\n", (int) getpid());
  procs(root, "top", "999\n");
  procs(root, "top/me", me);
  CHECK(strict_cgroup_own(&o, "c1", "/top/me/ctr", NULL, "config.json", &e) == 0,
        "a leaf below the runtime's own cgroup passes (the walk stops there): %s",
        e.msg ? errtext(&e) : "ok");
  clawrt_error_clear(&e);
  free(me);

  CHECK(strict_cgroup_own(&o, "c1", "/", NULL, "config.json", &e) < 0
            && has(&e, "strict mode: item 1 (own leaf cgroup)") && has(&e, "root cgroup"),
        "the root cgroup is refused, naming the item: %s", errtext(&e));
  clawrt_error_clear(&e);
  free(mi);
  fake_remove(root);
}

int
main(void)
{
  test_requested();
  test_open();
  test_idempotent();
  test_refusals();
  test_process();
  test_host();
  test_cgroup_own();
  printf("1..%d\n", count);
  return failures ? 1 : 0;
}
