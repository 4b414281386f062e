#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "criu.h"
#include "features.h"

static int
run(const clawrt_globals *g, int argc, char **argv, int *exit_status, clawrt_error *err)
{
  int ind, r = cli_parse(&cmd_features, argc, argv, NULL, NULL, &ind, err);
  if (r != 0)
    return r < 0 ? -1 : 0;
  /* checkpoint works only where `criu check` passes: ask it */
  clawrt_error ce = { 0 };
  features_opts fo = { .criu = criu_check(&ce) == 0 ? FEATURES_CRIU_WORKS : FEATURES_CRIU_BROKEN };
  clawrt_error_clear(&ce);
  char *json = NULL;
  size_t len;
  if (features_json(&fo, &json, &len, err) < 0)
    return -1;
  cli_print_text(json, len);
  free(json);
  return 0;
}

const cli_command cmd_features = {
  .name = "features",
  .args = "",
  .summary = "print what this runtime supports, as JSON",
  .description = "Prints the runtime-spec features document: the spec versions, hooks,\n"
                 "mount options, namespaces, capabilities, cgroup layouts, seccomp actions,\n"
                 "operators, architectures and flags, LSMs and idmapped mounts.  Each list\n"
                 "comes from the table the runtime itself checks configs against, and each\n"
                 "\"enabled\" from a probe of this host, so it lists only what works here.",
  .flags = cli_no_flags,
  .run = run,
};
