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
  cli_parser p;
  cli_init(&p, &cmd_resume, argc, argv, 1);
  const char *v;
  int id;
  while ((id = cli_next(&p, &v, err)) != CLI_END)
    {
      if (id == CLI_HELP)
        {
          cli_print_help(stdout, &cmd_resume);
          return 0;
        }
      if (id < 0)
        return -1;
    }
  if (cli_args(&p, 1, 1, "container id", err) < 0)
    return -1;
  return container_resume(g, argv[p.ind], err);
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
