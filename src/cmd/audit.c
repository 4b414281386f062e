#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundle.h"
#include "cmd.h"
#include "json.h"
#include "policy/audit.h"
#include "util.h"

enum {
  F_BUNDLE = 1,
  F_FORMAT,
  F_FAIL_ON,
};

static const cli_flag flags[] = {
  { "bundle", 'b', "DIR", "the bundle to read (default: the current directory)", F_BUNDLE },
  { "format", 'f', "FORMAT", "text (default) or json", F_FORMAT },
  { "fail-on", 0, "LEVEL",
    "exit 1 when a finding is at LEVEL or above: info, low, medium, high or critical",
    F_FAIL_ON },
  { NULL, 0, NULL, NULL, 0 },
};

static void
print_text(const audit_report *r, const char *bundle)
{
  printf("audit of %s: %zu finding%s\n", bundle, r->len, r->len == 1 ? "" : "s");
  for (size_t i = 0; i < r->len; i++)
    printf("%-8s %-30s %s\n", audit_severity_name(r->findings[i].severity), r->findings[i].path,
           r->findings[i].message);
  if (r->strict_refusal)
    printf("strict mode %s this bundle: %s\n", r->strict ? "is on and refuses" : "would refuse",
           r->strict_refusal);
  else if (r->strict_changes.len)
    {
      printf(r->strict ? "strict mode is on (the findings above are of the config it makes); "
                         "it changes:\n"
                       : "strict mode (io.clawrt.strict=true) would change:\n");
      for (size_t i = 0; i < r->strict_changes.len; i++)
        printf("  - %s\n", r->strict_changes.v[i]);
    }
}

static int
print_json(const audit_report *r, const char *bundle, clawrt_error *err)
{
  json_gen *g = json_gen_new(true);
  json_gen_object_open(g);
  json_gen_key(g, "bundle");
  json_gen_string(g, bundle);
  json_gen_key(g, "findings");
  json_gen_array_open(g);
  for (size_t i = 0; i < r->len; i++)
    {
      json_gen_object_open(g);
      json_gen_key(g, "severity");
      json_gen_string(g, audit_severity_name(r->findings[i].severity));
      json_gen_key(g, "id");
      json_gen_string(g, r->findings[i].id);
      json_gen_key(g, "path");
      json_gen_string(g, r->findings[i].path);
      json_gen_key(g, "message");
      json_gen_string(g, r->findings[i].message);
      json_gen_object_close(g);
    }
  json_gen_array_close(g);
  json_gen_key(g, "strict");
  json_gen_object_open(g);
  json_gen_key(g, "on");
  json_gen_bool(g, r->strict);
  json_gen_key(g, "refusal");
  if (r->strict_refusal)
    json_gen_string(g, r->strict_refusal);
  else
    json_gen_null(g);
  json_gen_key(g, "changes");
  json_gen_array_open(g);
  for (size_t i = 0; i < r->strict_changes.len; i++)
    json_gen_string(g, r->strict_changes.v[i]);
  json_gen_array_close(g);
  json_gen_object_close(g);
  json_gen_key(g, "max_severity");
  int m = audit_max_severity(r);
  if (m < 0)
    json_gen_null(g);
  else
    json_gen_string(g, audit_severity_name((audit_severity) m));
  json_gen_object_close(g);
  cleanup_free char *out = NULL;
  size_t len;
  int rc = json_gen_finish(g, &out, &len, err);
  json_gen_free(g);
  if (rc < 0)
    return -1;
  cli_print_text(out, len);
  return 0;
}

typedef struct audit_args {
  const char *dir, *format;
  int fail_on;             /* an audit_severity, -1: none */
} audit_args;

static int
on_flag(void *ctx, int id, const char *v, clawrt_error *err)
{
  audit_args *a = ctx;
  switch (id)
    {
    case F_BUNDLE:
      a->dir = *v ? v : ".";
      break;
    case F_FORMAT:
      if (strcmp(v, "text") != 0 && strcmp(v, "json") != 0)
        return clawrt_error_set(err, EINVAL, "audit: --format: expected text or json, got \"%s\"", v);
      a->format = v;
      break;
    case F_FAIL_ON:
      {
        audit_severity s;
        if (audit_severity_parse(v, &s) < 0)
          return clawrt_error_set(err, EINVAL,
                                  "audit: --fail-on: expected info, low, medium, high or critical, got \"%s\"",
                                  v);
        a->fail_on = (int) s;
      }
      break;
    }
  return 0;
}

static int
run(const clawrt_globals *g, int argc, char **argv, int *exit_status, clawrt_error *err)
{
  audit_args a = { .dir = ".", .format = "text", .fail_on = -1 };
  int ind, r = cli_parse(&cmd_audit, argc, argv, on_flag, &a, &ind, err);
  if (r != 0)
    return r < 0 ? -1 : 0;
  bundle *b = NULL;
  if (bundle_load(a.dir, NULL, &b, err) < 0)
    return -1;
  audit_report rep;
  int rc = audit_spec(b->spec, b->dir, g->strict, &rep, err);
  if (rc == 0)
    rc = strcmp(a.format, "json") == 0 ? print_json(&rep, b->dir, err)
                                       : (print_text(&rep, b->dir), 0);
  if (rc == 0 && a.fail_on >= 0 && audit_max_severity(&rep) >= a.fail_on)
    *exit_status = 1;
  audit_report_free(&rep);
  bundle_free(b);
  return rc;
}

const cli_command cmd_audit = {
  .name = "audit",
  .args = "",
  .summary = "list a bundle's isolation gaps without running it",
  .description =
      "Reads the bundle's config.json and lists what weakens the container's\n"
      "isolation, most severe first: host namespaces it shares, read-write and\n"
      "dev/suid bind mounts of host paths, dangerous capabilities, no or an\n"
      "allow-by-default seccomp profile, no no_new_privileges, no memory or pids\n"
      "limit, a writable root, default masked paths missing, device nodes and\n"
      "device cgroup rules beyond the defaults, sysctls, shared propagation.\n"
      "It ends with what strict mode (io.clawrt.strict=true) would change, or\n"
      "why it would refuse the bundle.  When strict mode is on (the annotation,\n"
      "or `clawrt --strict audit`) the findings are those of the config strict\n"
      "mode makes, and a refusal is a finding (strict-refused, high).\n"
      "\n"
      "With --fail-on LEVEL the exit status is 1 when a finding reaches LEVEL,\n"
      "so that audit can gate a deployment; without it, 0.  --format json is\n"
      "stable for tools: {bundle, findings[{severity,id,path,message}],\n"
      "strict{on,refusal,changes[]}, max_severity}.",
  .flags = flags,
  .run = run,
};
