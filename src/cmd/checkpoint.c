#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <string.h>

#include "cmd.h"
#include "criu.h"

enum {
  F_LEAVE_RUNNING = CRIU_F_LAST,
  F_PARENT_PATH,
  F_PRE_DUMP,
};

static const cli_flag flags[] = {
  CRIU_FLAGS_COMMON,
  { "parent-path", 0, "DIR",
    "images of an earlier --pre-dump, relative to --image-path (only the memory that "
    "changed since is dumped)", F_PARENT_PATH },
  { "leave-running", 0, NULL, "leave the container running after the checkpoint",
    F_LEAVE_RUNNING },
  { "pre-dump", 0, NULL,
    "dump the memory only and leave the container running (for a later --parent-path)",
    F_PRE_DUMP },
  { NULL, 0, NULL, NULL, 0 },
};

int
cmd_criu_flag(criu_opts *o, int id, const char *value, clawrt_error *err)
{
  switch (id)
    {
    case CRIU_F_IMAGE_PATH:
      o->image_path = value;
      return 1;
    case CRIU_F_WORK_PATH:
      o->work_path = value;
      return 1;
    case CRIU_F_TCP_ESTABLISHED:
      o->tcp_established = cli_bool(value);
      return 1;
    case CRIU_F_EXT_UNIX_SK:
      o->ext_unix_sk = cli_bool(value);
      return 1;
    case CRIU_F_SHELL_JOB:
      o->shell_job = cli_bool(value);
      return 1;
    case CRIU_F_FILE_LOCKS:
      o->file_locks = cli_bool(value);
      return 1;
    case CRIU_F_MANAGE_CGROUPS_MODE:
      {
        const char *mode;
        if (criu_cgroups_mode(value, &mode, err) < 0)
          return -1;
        o->manage_cgroups_mode = mode;
        return 1;
      }
    }
  return 0;
}

static int
on_flag(void *ctx, int id, const char *v, clawrt_error *err)
{
  criu_opts *o = ctx;
  switch (id)
    {
    case F_LEAVE_RUNNING:
      o->leave_running = cli_bool(v);
      return 0;
    case F_PARENT_PATH:
      o->parent_path = v;
      return 0;
    case F_PRE_DUMP:
      o->pre_dump = cli_bool(v);
      return 0;
    }
  return cmd_criu_flag(o, id, v, err) < 0 ? -1 : 0;
}

static int
run(const clawrt_globals *g, int argc, char **argv, int *exit_status, clawrt_error *err)
{
  criu_opts o = { 0 };
  int ind, r = cli_parse(&cmd_checkpoint, argc, argv, on_flag, &o, &ind, err);
  if (r != 0)
    return r < 0 ? -1 : 0;
  return container_checkpoint(g, argv[ind], &o, err);
}

const cli_command cmd_checkpoint = {
  .name = "checkpoint",
  .args = "<container-id>",
  .summary = "save a running container to disk with CRIU",
  .description =
      "Dumps the container's processes with CRIU into --image-path (default:\n"
      "./checkpoint).  The container is then deleted, unless --leave-running or\n"
      "--pre-dump; `clawrt restore` makes it again.  When CRIU fails the\n"
      "container keeps running as it was, and the error quotes CRIU's reason.",
  .flags = flags,
  .run = run,
  .min_args = 1,
  .max_args = 1,
};
