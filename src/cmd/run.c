#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "cmd.h"

enum {
  F_DETACH = CREATE_F_LAST,
  F_KEEP,
  F_STATS,
  F_NO_SUBREAPER,
};

static const cli_flag flags[] = {
  CREATE_FLAGS_COMMON,
  { "detach", 'd', NULL, "return once the container runs, without waiting for it", F_DETACH },
  { "keep", 0, NULL, "keep the container's state after it exits (delete it later)", F_KEEP },
  { "stats", 0, NULL, "print the container's resource use on stderr when it exits", F_STATS },
  { "no-subreaper", 0, NULL, "accepted for runc compatibility; no effect", F_NO_SUBREAPER },
  { NULL, 0, NULL, NULL, 0 },
};

static int
on_flag(void *ctx, int id, const char *v, clawrt_error *err)
{
  create_opts *o = ctx;
  switch (id)
    {
    case F_DETACH:
      o->detach = cli_bool(v);
      return 0;
    case F_KEEP:
      o->keep = cli_bool(v);
      return 0;
    case F_STATS:
      o->stats = cli_bool(v);
      return 0;
    case F_NO_SUBREAPER:
      return 0;
    }
  return cmd_create_flag(o, id, v, err) < 0 ? -1 : 0;
}

static int
run(const clawrt_globals *g, int argc, char **argv, int *exit_status, clawrt_error *err)
{
  create_opts o = { .bundle = "." };
  int ind, r = cli_parse(&cmd_run, argc, argv, on_flag, &o, &ind, err);
  if (r != 0)
    return r < 0 ? -1 : 0;
  container_exit ex;
  int rc = container_run_ex(g, argv[ind], &o, &ex, err);
  /* the library explains, the command prints: one line each, on stderr */
  if (ex.died)
    fprintf(stderr, "clawrt: %s\n", ex.died);
  if (ex.stats)
    fprintf(stderr, "clawrt: %s\n", ex.stats);
  container_exit_free(&ex);
  if (rc < 0)
    return -1;
  *exit_status = o.detach ? 0 : ex.exit_status;
  return 0;
}

const cli_command cmd_run = {
  .name = "run",
  .args = "<container-id>",
  .summary = "create a container and run it",
  .description =
      "Does `create` and `start` in one step.  Unless --detach is given it then\n"
      "waits for the container's process, relays the signals it receives to it,\n"
      "deletes the container (unless --keep) and exits with the process's exit\n"
      "status, 128+N when signal N killed it.  When a limit ended the container\n"
      "(memory, pids, RLIMIT_CPU) it says which, with the figures, on stderr.",
  .flags = flags,
  .run = run,
  .min_args = 1,
  .max_args = 1,
};
