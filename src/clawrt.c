/* main(): the global options, the subcommand, and the one place that
 * prints an error.  Exit status: 0 ok, 1 error, and for run and exec the
 * status of the container's process. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#ifdef HAVE_CONFIG_H
#include "selfexe.h"
#include "config.h"
#endif

#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "log.h"
#include "spec_default.h"
#include "util.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "0.1.0"
#endif

static void
print_version(void)
{
  const struct scmp_version *sv = seccomp_version();
  printf("clawrt version %s\nspec: %s\n", PACKAGE_VERSION, CLAWRT_OCI_VERSION);
  if (sv)
    printf("libseccomp: %u.%u.%u\n", sv->major, sv->minor, sv->micro);
}

static void
print_main_help(FILE *out)
{
  fprintf(out,
          "Usage: clawrt [GLOBAL OPTIONS] COMMAND [OPTIONS] [ARGUMENTS...]\n"
          "\n"
          "clawrt runs OCI containers.  A bundle is a directory holding config.json\n"
          "(see `clawrt spec`) and the container's root filesystem; run one with\n"
          "\n"
          "    clawrt run [-b BUNDLE] <container-id>\n"
          "\n"
          "Commands:\n");
  for (const cli_command *const *c = cli_commands; *c; c++)
    fprintf(out, "  %-10s  %s\n", (*c)->name, (*c)->summary);
  fprintf(out, "  %-10s  %s\n", "help", "show the help of a command: clawrt help COMMAND");
  fprintf(out, "\nGlobal options:\n");
  cli_print_flags(out, cli_global.flags);
  fprintf(out, "\nRun `clawrt COMMAND --help` for the options of a command.\n");
}

static int
fail(clawrt_error *err)
{
  cleanup_free char *text = clawrt_error_text(err);
  log_report_error(text ? text : "unknown error");
  clawrt_error_clear(err);
  return EXIT_FAILURE;
}

/* `clawrt help [COMMAND]` */
static int
help_command(int argc, char **argv, clawrt_error *err)
{
  if (argc < 2)
    {
      print_main_help(stdout);
      return 0;
    }
  const cli_command *cmd = cli_find_command(argv[1]);
  if (cmd == NULL)
    {
      cleanup_free char *safe = log_sanitize(argv[1]);
      return clawrt_error_set(err, 0, "help: unknown command \"%s\" (see clawrt --help)", safe);
    }
  cli_print_help(stdout, cmd);
  return 0;
}

int
main(int argc, char **argv)
{
  clawrt_error err = { 0 };
  cli_main m;
  selfexe_init(argv);
  if (cli_parse_globals(argc, argv, &m, &err) < 0)
    return fail(&err);
  if (m.version)
    {
      print_version();
      return 0;
    }
  if (m.help)
    {
      print_main_help(stdout);
      return 0;
    }
  if (log_init(m.g.log_path, m.g.log_format, m.g.debug, &err) < 0)
    return fail(&err);

  int cargc = argc - m.cmd_index;
  char **cargv = argv + m.cmd_index;
  int status = 0;
  if (strcmp(cargv[0], "help") == 0 || strcmp(cargv[0], "h") == 0)
    {
      if (help_command(cargc, cargv, &err) < 0)
        return fail(&err);
    }
  else
    {
      const cli_command *cmd = cli_find_command(cargv[0]);
      if (cmd == NULL)
        {
          cleanup_free char *safe = log_sanitize(cargv[0]);
          clawrt_error_set(&err, 0, "unknown command \"%s\" (see clawrt --help)", safe);
          return fail(&err);
        }
      log_debug("%s: running", cmd->name);
      if (cmd->run(&m.g, cargc, cargv, &status, &err) < 0)
        return fail(&err);
    }
  /* a full disk or a closed pipe must not pass for an empty `list` */
  if (fflush(stdout) != 0 || ferror(stdout))
    {
      clawrt_error_set(&err, 0, "write to stdout failed");
      return fail(&err);
    }
  return status;
}
