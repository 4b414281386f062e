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
  int ind, r = cli_parse_noflags(&cmd_pause, argc, argv, 1, 1, "container id", &ind, err);
  if (r != 0)
    return r < 0 ? -1 : 0;
  return container_pause(g, argv[ind], err);
}

const cli_command cmd_pause = {
  .name = "pause",
  .args = "<container-id>",
  .summary = "suspend every process of a container",
  .description = "Freezes every process of a running container with the cgroup freezer\n"
                 "(freezer.state on cgroup v1, cgroup.freeze on cgroup v2); `state` then\n"
                 "says \"paused\" until `resume`.",
  .flags = flags,
  .run = run,
};
