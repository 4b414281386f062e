#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "cmd.h"

static const cli_flag flags[] = {
  { NULL, 0, NULL, NULL, 0 },
};

static int
run(const clawrt_globals *g, int argc, char **argv, int *exit_status, clawrt_error *err)
{
  int ind, r = cli_parse_noflags(&cmd_start, argc, argv, 1, 1, "container id", &ind, err);
  if (r != 0)
    return r < 0 ? -1 : 0;
  return container_start(g, argv[ind], err);
}

const cli_command cmd_start = {
  .name = "start",
  .args = "<container-id>",
  .summary = "run the process of a created container",
  .description = "Releases the process that `clawrt create` left waiting: it runs the\n"
                 "container's program (process.args of config.json).",
  .flags = flags,
  .run = run,
};
