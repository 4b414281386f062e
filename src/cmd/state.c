#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

static int
run(const clawrt_globals *g, int argc, char **argv, int *exit_status, clawrt_error *err)
{
  int ind, r = cli_parse(&cmd_state, argc, argv, NULL, NULL, &ind, err);
  if (r != 0)
    return r < 0 ? -1 : 0;
  char *json = NULL;
  if (container_state_json(g, argv[ind], &json, err) < 0)
    return -1;
  cli_print_text(json, strlen(json));
  free(json);
  return 0;
}

const cli_command cmd_state = {
  .name = "state",
  .args = "<container-id>",
  .summary = "print the state of a container as JSON",
  .description = "Prints the container's state as the OCI runtime spec defines it: id,\n"
                 "status (creating, created, running, paused or stopped), pid, bundle and\n"
                 "annotations, plus runc's rootfs, created and owner.  The status is read\n"
                 "from the process itself, not from a file.",
  .flags = cli_no_flags,
  .run = run,
  .min_args = 1,
  .max_args = 1,
};
