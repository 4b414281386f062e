#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>

#include "cmd.h"
#include "criu.h"

enum {
  F_BUNDLE = CRIU_F_LAST,
  F_DETACH,
  F_PID_FILE,
  F_CONSOLE_SOCKET,
  F_NO_SUBREAPER,
  F_NO_PIVOT,
};

static const cli_flag flags[] = {
  CRIU_FLAGS_COMMON,
  { "bundle", 'b', "DIR", "bundle of the container to restore (default: .)", F_BUNDLE },
  { "detach", 'd', NULL, "return once the container runs, without waiting for it", F_DETACH },
  { "pid-file", 0, "FILE", "write the restored init's pid to FILE", F_PID_FILE },
  { "console-socket", 0, "PATH",
    "AF_UNIX socket that receives the master fd of the restored container's new terminal",
    F_CONSOLE_SOCKET },
  { "no-subreaper", 0, NULL,
    "without --detach: do not become the subreaper of the restored processes", F_NO_SUBREAPER },
  { "no-pivot", 0, NULL, "refused: CRIU enters the rootfs with pivot_root only", F_NO_PIVOT },
  { NULL, 0, NULL, NULL, 0 },
};

static int
on_flag(void *ctx, int id, const char *v, clawrt_error *err)
{
  restore_opts *o = ctx;
  switch (id)
    {
    case F_BUNDLE:
      o->bundle = v;
      return 0;
    case F_DETACH:
      o->detach = cli_bool(v);
      return 0;
    case F_PID_FILE:
      o->pid_file = v;
      return 0;
    case F_CONSOLE_SOCKET:
      o->console_socket = v;
      return 0;
    case F_NO_SUBREAPER:
      o->no_subreaper = cli_bool(v);
      return 0;
    case F_NO_PIVOT:
      if (cli_bool(v))
        return clawrt_error_set(err, EINVAL,
                                "restore: --no-pivot is not possible: CRIU itself enters the "
                                "rootfs with pivot_root (a rootfs on a ramdisk cannot be "
                                "restored)");
      return 0;
    }
  return cmd_criu_flag(&o->criu, id, v, err) < 0 ? -1 : 0;
}

static int
run(const clawrt_globals *g, int argc, char **argv, int *exit_status, clawrt_error *err)
{
  restore_opts o = { .bundle = "." };
  int ind, r = cli_parse(&cmd_restore, argc, argv, on_flag, &o, &ind, err);
  if (r != 0)
    return r < 0 ? -1 : 0;
  return container_restore(g, argv[ind], &o, exit_status, err);
}

const cli_command cmd_restore = {
  .name = "restore",
  .args = "<container-id>",
  .summary = "make a container again from a checkpoint",
  .description =
      "Creates the container from its bundle and the CRIU images in\n"
      "--image-path (default: ./checkpoint), with the processes as they were\n"
      "when `clawrt checkpoint` saved them.  Unless --detach is given it then\n"
      "waits for the container's init like `run`, relays signals to it, deletes\n"
      "the container when it exits and exits with its status.",
  .flags = flags,
  .run = run,
  .min_args = 1,
  .max_args = 1,
};
