#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdio.h>

#include "cmd.h"

static const cli_flag flags[] = {
  { NULL, 0, NULL, NULL, 0 },
};

static int
run(const clawrt_globals *g, int argc, char **argv, int *exit_status, clawrt_error *err)
{
  int ind, r = cli_parse_noflags(&cmd_resume, argc, argv, 1, 1, "container id", &ind, err);
  if (r != 0)
    return r < 0 ? -1 : 0;
  return container_resume(g, argv[ind], err);
}

const cli_command cmd_resume = {
  .name = "resume",
  .args = "<container-id>",
  .summary = "resume the processes of a paused container",
  .description = "Thaws every process of a paused container; `state` says \"running\"\n"
                 "again.",
  .flags = flags,
  .run = run,
};
