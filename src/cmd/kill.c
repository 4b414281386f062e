#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <signal.h>

#include "cmd.h"
#include "signals.h"

enum {
  F_ALL = 1,
};

static const cli_flag flags[] = {
  { "all", 'a', NULL, "send the signal to every process of the container, not only its init",
    F_ALL },
  { NULL, 0, NULL, NULL, 0 },
};

static int
run(const clawrt_globals *g, int argc, char **argv, int *exit_status, clawrt_error *err)
{
  bool all = false;
  int ind, r = cli_parse(&cmd_kill, argc, argv, cli_flag_bool, &all, &ind, err);
  if (r != 0)
    return r < 0 ? -1 : 0;
  int signo = SIGTERM;
  if (ind + 1 < argc && signal_parse(argv[ind + 1], &signo, err) < 0)
    return clawrt_error_wrap(err, "kill");
  return container_kill(g, argv[ind], signo, all, err);
}

const cli_command cmd_kill = {
  .name = "kill",
  .args = "<container-id> [SIGNAL]",
  .summary = "send a signal to a container (default: SIGTERM)",
  .description = "Sends SIGNAL to the container's init process.  SIGNAL is a name with or\n"
                 "without SIG, in any case (KILL, SIGKILL, sigusr1, RTMIN+2) or a number.",
  .flags = flags,
  .run = run,
  .min_args = 1,
  .max_args = 2,
};
