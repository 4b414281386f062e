#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "cmd.h"

int
cmd_create_flag(create_opts *o, int id, const char *v, clawrt_error *err)
{
  switch (id)
    {
    case CREATE_F_BUNDLE:
      if (*v == '\0')
        return clawrt_error_set(err, 0, "--bundle: empty path");
      o->bundle = v;
      return 1;
    case CREATE_F_PID_FILE:
      o->pid_file = *v ? v : NULL;
      return 1;
    case CREATE_F_CONSOLE_SOCKET:
      o->console_socket = *v ? v : NULL;
      return 1;
    case CREATE_F_NO_PIVOT:
      o->no_pivot = cli_bool(v);
      return 1;
    case CREATE_F_NO_NEW_KEYRING:
      o->no_new_keyring = cli_bool(v);
      return 1;
    case CREATE_F_PRESERVE_FDS:
      return cli_parse_int("preserve-fds", v, &o->preserve_fds, err) < 0 ? -1 : 1;
    }
  return 0;
}

static const cli_flag flags[] = {
  CREATE_FLAGS_COMMON,
  { NULL, 0, NULL, NULL, 0 },
};

static int
on_flag(void *o, int id, const char *v, clawrt_error *err)
{
  return cmd_create_flag(o, id, v, err) < 0 ? -1 : 0;
}

static int
run(const clawrt_globals *g, int argc, char **argv, int *exit_status, clawrt_error *err)
{
  create_opts o = { .bundle = "." };
  int ind, r = cli_parse(&cmd_create, argc, argv, on_flag, &o, &ind, err);
  if (r != 0)
    return r < 0 ? -1 : 0;
  return container_create(g, argv[ind], &o, err);
}

const cli_command cmd_create = {
  .name = "create",
  .args = "<container-id>",
  .summary = "create a container from a bundle, stopped before its process runs",
  .description =
      "Sets up the container described by the bundle's config.json (namespaces,\n"
      "mounts, cgroup, security settings) and leaves its process waiting:\n"
      "`clawrt start ID` runs it.  The id names the container in every later\n"
      "command and must be unique under --root.",
  .flags = flags,
  .run = run,
  .min_args = 1,
  .max_args = 1,
};
