/* The table of subcommands, and the global options that come before one. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <string.h>

#include "cmd.h"
#include "log.h"

const cli_command *const cli_commands[] = {
  &cmd_audit,      &cmd_checkpoint, &cmd_create, &cmd_delete, &cmd_events, &cmd_exec,    &cmd_features,
  &cmd_kill,       &cmd_list,   &cmd_pause,  &cmd_ps,     &cmd_restore, &cmd_resume,
  &cmd_run,        &cmd_spec,   &cmd_start,  &cmd_state,  &cmd_update,  NULL,
};

const cli_command *
cli_find_command(const char *name)
{
  for (const cli_command *const *c = cli_commands; *c; c++)
    if (strcmp((*c)->name, name) == 0)
      return *c;
  return NULL;
}

int
cli_run_id(const clawrt_globals *g, int argc, char **argv, int *exit_status, clawrt_error *err)
{
  const cli_command *cmd = cli_find_command(argv[0]);
  if (cmd == NULL || cmd->on_id == NULL)
    return clawrt_error_set(err, EINVAL, "%s: not a command on a container id", argv[0]);
  int ind, r = cli_parse(cmd, argc, argv, NULL, NULL, &ind, err);
  if (r != 0)
    return r < 0 ? -1 : 0;
  return cmd->on_id(g, argv[ind], err);
}

enum {
  G_ROOT = 1,
  G_LOG,
  G_LOG_FORMAT,
  G_DEBUG,
  G_SYSTEMD_CGROUP,
  G_STRICT,
  G_VERSION,
};

static const cli_flag global_flags[] = {
  { "root", 0, "DIR", "directory for the containers' state, best on tmpfs (default: "
                      CLAWRT_DEFAULT_ROOT ")", G_ROOT },
  { "log", 0, "FILE", "append the runtime's log entries to FILE (default: stderr)", G_LOG },
  { "log-format", 0, "FORMAT", "format of --log entries: text (default) or json",
    G_LOG_FORMAT },
  { "debug", 0, NULL, "also log debug entries", G_DEBUG },
  { "systemd-cgroup", 0, NULL,
    "manage cgroups through systemd; cgroupsPath is \"slice:prefix:name\"", G_SYSTEMD_CGROUP },
  { "strict", 0, NULL, "strict mode for every container of this call, as if annotated "
                       "io.clawrt.strict=true", G_STRICT },
  { "version", 'v', NULL, "print the version", G_VERSION },
  { NULL, 0, NULL, NULL, 0 },
};

const cli_command cli_global = {
  .name = NULL,
  .args = "COMMAND [OPTIONS] [ARGUMENTS...]",
  .summary = "clawrt: an OCI container runtime",
  .description = NULL,
  .flags = global_flags,
  .run = NULL,
};

int
cli_parse_globals(int argc, char **argv, cli_main *out, clawrt_error *err)
{
  memset(out, 0, sizeof *out);
  out->g.root = CLAWRT_DEFAULT_ROOT;
  out->g.log_format = "text";
  cli_parser p;
  cli_init(&p, &cli_global, argc, argv, 1);
  const char *v;
  int id;
  while ((id = cli_next(&p, &v, err)) != CLI_END)
    {
      switch (id)
        {
        case -1:
          return -1;
        case CLI_HELP:
          out->help = true;
          break;
        case G_ROOT:
          if (*v == '\0')
            return clawrt_error_set(err, 0, "--root: empty path");
          out->g.root = v;
          break;
        case G_LOG:
          out->g.log_path = *v ? v : NULL;
          break;
        case G_LOG_FORMAT:
          {
            log_format f;
            if (log_parse_format(v, &f, err) < 0)
              return -1;
            out->g.log_format = v;
            break;
          }
        case G_DEBUG:
          out->g.debug = cli_bool(v);
          break;
        case G_SYSTEMD_CGROUP:
          out->g.systemd_cgroup = cli_bool(v);
          break;
        case G_STRICT:
          out->g.strict = cli_bool(v);
          break;
        case G_VERSION:
          out->version = cli_bool(v);
          break;
        }
    }
  out->cmd_index = p.ind;
  if (p.ind >= argc && !out->version)
    out->help = true;
  return 0;
}
