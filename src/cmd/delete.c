#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <string.h>

#include "cmd.h"

enum {
  F_FORCE = 1,
};

static const cli_flag flags[] = {
  { "force", 'f', NULL, "kill the container (SIGKILL) if it still runs; no error if it is gone",
    F_FORCE },
  { NULL, 0, NULL, NULL, 0 },
};

static int
run(const clawrt_globals *g, int argc, char **argv, int *exit_status, clawrt_error *err)
{
  bool force = false;
  int ind, r = cli_parse(&cmd_delete, argc, argv, cli_flag_bool, &force, &ind, err);
  if (r != 0)
    return r < 0 ? -1 : 0;
  if (container_delete(g, argv[ind], force, err) == 0)
    return 0;
  /* --force means "make sure it is gone", so a container that does not
   * exist is no error, as with runc: cleanup paths of clients call it
   * without knowing how far a create got */
  if (force && err->errnum == ENOENT && err->msg && strstr(err->msg, "\" does not exist"))
    {
      clawrt_error_clear(err);
      return 0;
    }
  return -1;
}

const cli_command cmd_delete = {
  .name = "delete",
  .args = "<container-id>",
  .summary = "delete a container and everything it holds",
  .description = "Removes a stopped or created container: its cgroup, its mounts and its\n"
                 "state, after running its poststop hooks.  A running container is\n"
                 "refused unless --force, which kills it first.  --force also cleans up a\n"
                 "container whose create was interrupted.",
  .flags = flags,
  .run = run,
  .min_args = 1,
  .max_args = 1,
};
