/* What the cgroup driver tests share on top of the fake trees of
 * cgroup_fake.h: one test's fixture (the fake tree, the create options
 * that point the driver at it, the manager under test and the error the
 * checks look at), opened by fix_open() and released in one fix_close(),
 * so that a check that fails half-way leaks nothing into the next test. */
#ifndef CLAWRT_TEST_CGROUP_FIXTURE_H
#define CLAWRT_TEST_CGROUP_FIXTURE_H

#include "cgroup_fake.h"

typedef struct cg_fix {
  char *root;
  char mountinfo[512];
  cgroup_create_opts o;
  cgroup_manager *m;
  clawrt_error e;
} cg_fix;

/* Create options for the fake tree at root, whose mountinfo is (or will
 * be) root/mountinfo; mi holds its path. */
__attribute__((unused)) static cgroup_create_opts
fake_opts(const char *root, char *mi, size_t len)
{
  snprintf(mi, len, "%s/mountinfo", root);
  return (cgroup_create_opts){ .root_prefix = root, .mountinfo_path = mi };
}

/* root: a fake tree from fake_root(); f owns it from now on. */
__attribute__((unused)) static void
fix_open(cg_fix *f, char *root)
{
  *f = (cg_fix){ .root = root };
  f->o = fake_opts(root, f->mountinfo, sizeof f->mountinfo);
}

/* cgroup_create_with() with f's options into f->m, freeing what f->m held:
 * 0, or -1 with f->e set. */
__attribute__((unused)) static int
fix_create(cg_fix *f, const char *id, const char *cgroups_path, const oci_resources *res)
{
  cgroup_manager_free(f->m);
  f->m = NULL;
  return cgroup_create_with(&f->o, id, cgroups_path, res, &f->m, &f->e);
}

/* A create that must fail with an error saying `want`; `what` names the
 * check. */
__attribute__((unused)) static void
fix_refused(cg_fix *f, const char *id, const char *cgroups_path, const oci_resources *res,
            const char *want, const char *what)
{
  CHECK(fix_create(f, id, cgroups_path, res) < 0 && has(&f->e, want), "%s: %s", what,
        errtext(&f->e));
  clawrt_error_clear(&f->e);
}

/* cgroup_destroy() of f->m, which it frees whatever it returns. */
__attribute__((unused)) static int
fix_destroy(cg_fix *f)
{
  int rc = cgroup_destroy(f->m, &f->e);
  f->m = NULL;
  return rc;
}

__attribute__((unused)) static void
fix_close(cg_fix *f)
{
  cgroup_manager_free(f->m);
  clawrt_error_clear(&f->e);
  fake_remove(f->root);
  *f = (cg_fix){ 0 };
}

/* The manager of a container `id` at cgroupsPath `path` on root's fake
 * tree, NULL (and the reason on stdout as a TAP comment) when the create
 * fails: for the tests that look at one container's files. */
__attribute__((unused)) static cgroup_manager *
fake_create(const char *root, const char *id, const char *path)
{
  char mi[512];
  cgroup_create_opts o = fake_opts(root, mi, sizeof mi);
  cgroup_manager *m = NULL;
  clawrt_error e = { 0 };
  if (cgroup_create_with(&o, id, path, NULL, &m, &e) < 0)
    printf("# %s\n", errtext(&e));
  clawrt_error_clear(&e);
  return m;
}

/* An oci_map that oci_map_set() filled. */
__attribute__((unused)) static void
fake_map_free(oci_map *m)
{
  for (size_t i = 0; i < m->len; i++)
    {
      free(m->keys[i]);
      free(m->values[i]);
    }
  free(m->keys);
  free(m->values);
}

#endif
