#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "bundle.h"
#include "cmd.h"
#include "policy/strict.h"
#include "spec_default.h"
#include "util.h"

enum {
  F_BUNDLE = 1,
  F_ROOTLESS,
  F_STRICT,
  F_EFFECTIVE,
};

static const cli_flag flags[] = {
  { "bundle", 'b', "DIR", "write config.json in DIR (default: the current directory)",
    F_BUNDLE },
  { "rootless", 0, NULL, "make a config for a container started by an unprivileged user",
    F_ROOTLESS },
  { "strict", 0, NULL, "make a strict-mode config: io.clawrt.strict=true and what it enforces",
    F_STRICT },
  { "effective", 0, NULL,
    "print the config clawrt would run for the bundle, after policies; write nothing",
    F_EFFECTIVE },
  { NULL, 0, NULL, NULL, 0 },
};

/* O_EXCL, not a check then a write: two `spec` runs, or a `spec` racing a
 * user's edit, must never overwrite a config.json. */
static int
write_config(const char *bundle, const char *text, size_t len, clawrt_error *err)
{
  cleanup_close int dfd = open(bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    return clawrt_error_set(err, errno, "bundle `%s`", bundle);
  cleanup_close int fd = openat(dfd, "config.json",
                                O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
  if (fd < 0)
    {
      if (errno == EEXIST)
        return clawrt_error_set(err, 0, "File config.json exists. Remove it first");
      return clawrt_error_set(err, errno, "create `%s/config.json`", bundle);
    }
  bool newline = len > 0 && text[len - 1] != '\n';
  if (write_all(fd, text, len) < 0 || (newline && write_all(fd, "\n", 1) < 0))
    {
      int e = errno;
      unlinkat(dfd, "config.json", 0);
      return clawrt_error_set(err, e, "write `%s/config.json`", bundle);
    }
  return 0;
}

static int
emit_to_stdout(const oci_spec *spec, clawrt_error *err)
{
  cleanup_free char *text = NULL;
  size_t len = 0;
  if (oci_spec_emit(spec, &text, &len, err) < 0)
    return -1;
  bool newline = len > 0 && text[len - 1] != '\n';
  if (write_all(STDOUT_FILENO, text, len) < 0 || (newline && write_all(STDOUT_FILENO, "\n", 1) < 0))
    return clawrt_error_set(err, errno, "write the config to stdout");
  return 0;
}

/* The bundle as create would run it: loaded and validated, then the
 * policies (strict mode when the annotation, --strict or clawrt --strict
 * asks).  What strict mode adds that is not in the config (its seccomp
 * layer) is said on stderr with the rest of its changes. */
static int
effective(const char *bundle_dir, bool strict, clawrt_error *err)
{
  bundle *b = NULL;
  if (bundle_load(bundle_dir, NULL, &b, err) < 0)
    return -1;
  int rc = 0;
  if (strict_requested(b->spec, strict))
    {
      oci_strv changes = { xmalloc0(sizeof(char *)), 0 };
      rc = strict_apply(b->spec, b->origin, &changes, err);
      for (size_t i = 0; rc == 0 && i < changes.len; i++)
        fprintf(stderr, "strict mode: %s\n", changes.v[i]);
      for (size_t i = 0; i < changes.len; i++)
        free(changes.v[i]);
      free(changes.v);
    }
  if (rc == 0)
    rc = emit_to_stdout(b->spec, err);
  bundle_free(b);
  return rc;
}

typedef struct spec_args {
  const char *bundle;
  bool rootless, strict, effective;
} spec_args;

static int
on_flag(void *ctx, int id, const char *v, clawrt_error *err)
{
  spec_args *a = ctx;
  switch (id)
    {
    case F_BUNDLE:
      a->bundle = *v ? v : ".";
      break;
    case F_ROOTLESS:
      a->rootless = cli_bool(v);
      break;
    case F_STRICT:
      a->strict = cli_bool(v);
      break;
    case F_EFFECTIVE:
      a->effective = cli_bool(v);
      break;
    }
  return 0;
}

static int
run(const clawrt_globals *g, int argc, char **argv, int *exit_status, clawrt_error *err)
{
  spec_args a = { .bundle = "." };
  int ind, r = cli_parse(&cmd_spec, argc, argv, on_flag, &a, &ind, err);
  if (r != 0)
    return r < 0 ? -1 : 0;
  if (a.effective)
    {
      if (a.rootless)
        return clawrt_error_set(err, EINVAL, "spec: --rootless makes a new config; --effective "
                                "shows an existing bundle's: give one of them");
      return effective(a.bundle, a.strict || g->strict, err);
    }

  oci_spec *spec = spec_default();
  if (a.rootless)
    spec_make_rootless(spec, geteuid(), getegid());
  if ((a.strict || g->strict) && strict_apply(spec, "config.json", NULL, err) < 0)
    {
      oci_spec_free(spec);
      return clawrt_error_wrap(err, "spec --strict%s", a.rootless ? " --rootless" : "");
    }
  cleanup_free char *text = NULL;
  size_t len = 0;
  r = oci_spec_emit(spec, &text, &len, err);
  oci_spec_free(spec);
  if (r < 0)
    return -1;
  return write_config(a.bundle, text, len, err);
}

const cli_command cmd_spec = {
  .name = "spec",
  .args = "",
  .summary = "write a starter config.json",
  .description =
      "Writes config.json for a bundle: a container running `sh` on a terminal,\n"
      "with the rootfs in the bundle's rootfs/ directory, read-only, in new pid,\n"
      "network, ipc, uts, mount and cgroup namespaces, with three capabilities\n"
      "(AUDIT_WRITE, KILL, NET_BIND_SERVICE) and the usual /proc and /sys paths\n"
      "masked.  Edit it for your program: at least process.args, and\n"
      "process.terminal=false to run without a terminal.  An existing\n"
      "config.json is never overwritten.\n"
      "\n"
      "With --rootless the container also gets a user namespace that maps root\n"
      "inside to the calling user, no network namespace, /sys bound from the\n"
      "host, and no cgroup limits: what an unprivileged user can set up.\n"
      "\n"
      "With --strict the config is made for strict mode: the annotation\n"
      "io.clawrt.strict=true, and in the config what strict mode enforces\n"
      "(doc/strict-mode.md), so that it can be read and edited.\n"
      "\n"
      "With --effective nothing is written: the bundle's config.json is read,\n"
      "checked as create checks it, the policies are applied (strict mode when\n"
      "the annotation, --strict or `clawrt --strict` asks) and the config clawrt\n"
      "would run is printed on stdout; strict mode's changes, with what it adds\n"
      "outside the config (its seccomp filter), are listed on stderr.",
  .flags = flags,
  .run = run,
};
