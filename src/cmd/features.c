#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "criu.h"
#include "features.h"

static const cli_flag flags[] = {
  { NULL, 0, NULL, NULL, 0 },
};

static int
run(const clawrt_globals *g, int argc, char **argv, int *exit_status, clawrt_error *err)
{
  cli_parser p;
  cli_init(&p, &cmd_features, argc, argv, 1);
  const char *v;
  int id;
  while ((id = cli_next(&p, &v, err)) != CLI_END)
    {
      if (id == CLI_HELP)
        {
          cli_print_help(stdout, &cmd_features);
          return 0;
        }
      if (id < 0)
        return -1;
    }
  if (cli_args(&p, 0, 0, "nothing", err) < 0)
    return -1;
  /* checkpoint works only where `criu check` passes: ask it */
  clawrt_error ce = { 0 };
  features_opts fo = { .criu = criu_check(&ce) == 0 ? FEATURES_CRIU_WORKS : FEATURES_CRIU_BROKEN };
  clawrt_error_clear(&ce);
  char *json = NULL;
  size_t len;
  if (features_json(&fo, &json, &len, err) < 0)
    return -1;
  fputs(json, stdout);
  if (len == 0 || json[len - 1] != '\n')
    fputc('\n', stdout);
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
  .flags = flags,
  .run = run,
};
