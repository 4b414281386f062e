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
  cli_parser p;
  cli_init(&p, &cmd_kill, argc, argv, 1);
  const char *v;
  int id;
  while ((id = cli_next(&p, &v, err)) != CLI_END)
    switch (id)
      {
      case -1:
        return -1;
      case CLI_HELP:
        cli_print_help(stdout, &cmd_kill);
        return 0;
      case F_ALL:
        all = cli_bool(v);
        break;
      }
  if (cli_args(&p, 1, 2, "container id", err) < 0)
    return -1;
  int signo = SIGTERM;
  if (p.ind + 1 < argc && signal_parse(argv[p.ind + 1], &signo, err) < 0)
    return clawrt_error_wrap(err, "kill");
  return container_kill(g, argv[p.ind], signo, all, err);
}

const cli_command cmd_kill = {
  .name = "kill",
  .args = "<container-id> [SIGNAL]",
  .summary = "send a signal to a container (default: SIGTERM)",
  .description = "Sends SIGNAL to the container's init process.  SIGNAL is a name with or\n"
                 "without SIG, in any case (KILL, SIGKILL, sigusr1, RTMIN+2) or a number.",
  .flags = flags,
  .run = run,
};
