/* The command line: each subcommand is a table of flags and a function.
 * The same table drives the parser, `clawrt CMD --help` and the checks of
 * tests/unit/test_cli.c (that every flag is documented in doc/clawrt.1.md).
 *
 * Flags follow runc's command line, which podman and containerd speak:
 * long names with one or two dashes (`-bundle`, `--bundle`), values as
 * `--flag=value` or `--flag value`, booleans as `--flag` or `--flag=false`,
 * short flags alone or clustered (`-dt`), and every flag before the first
 * argument: what follows the container id of `exec` is the command. */
#ifndef CLAWRT_CMD_H
#define CLAWRT_CMD_H

#include <stdbool.h>
#include <stdio.h>

#include "container.h"
#include "error.h"

typedef struct cli_flag {
  const char *name;      /* long name; NULL ends a table */
  char short_name;       /* 0 when none */
  const char *arg;       /* the value's placeholder ("DIR"); NULL: a boolean */
  const char *help;      /* one line */
  int id;                /* what cli_next() returns for it, > 0 */
} cli_flag;

typedef int cli_run_fn(const clawrt_globals *g, int argc, char **argv, int *exit_status,
                       clawrt_error *err);
typedef int cli_id_fn(const clawrt_globals *g, const char *id, clawrt_error *err);

typedef struct cli_command {
  const char *name;
  const char *args;        /* the arguments after the flags: "<container-id>" */
  const char *summary;     /* one line, for `clawrt --help` */
  const char *description; /* for `clawrt CMD --help` and the man page */
  const cli_flag *flags;   /* cli_no_flags when none */
  cli_run_fn *run;         /* argv[0] is the command name */
  /* How many arguments follow the flags (max_args < 0: any number); the
   * first of every command that needs one is a container id. */
  int min_args, max_args;
  cli_id_fn *on_id;        /* for run = cli_run_id */
} cli_command;

/* The flag table of a command that has no flag but --help. */
extern const cli_flag cli_no_flags[];

typedef struct cli_parser {
  const cli_command *cmd;
  int argc;
  char **argv;
  int ind;                 /* next element of argv to look at */
  const char *cluster;     /* the rest of "-dt" while it is being read */
  char negated[8];         /* holds "false" for --flag=false */
} cli_parser;

#define CLI_END 0
#define CLI_HELP (-2)

void cli_init(cli_parser *p, const cli_command *cmd, int argc, char **argv, int first);

/* The next flag: its id, with *value its value (NULL for a boolean set to
 * true, "false" for `--flag=false`).  CLI_END at the first argument that is
 * no flag (p->ind is its index) or after `--`; CLI_HELP for -h/--help; -1
 * with *err for an unknown flag or a missing value. */
int cli_next(cli_parser *p, const char **value, clawrt_error *err);

/* A boolean flag's value. */
static inline bool
cli_bool(const char *value)
{
  return value == NULL;
}

/* The arguments left after the flags: between min and max of them (max < 0:
 * any number), else a usage error naming the command. */
int cli_args(cli_parser *p, int min, int max, const char *what, clawrt_error *err);

/* A command's handling of one of its flags: 0, or -1 with *err.  After the
 * last flag it is called once more with id CLI_END (value NULL), before the
 * arguments are counted, for a check of the value a flag ended with (ps
 * --format): a usage error about flags comes before one about arguments. */
typedef int cli_flag_fn(void *ctx, int id, const char *value, clawrt_error *err);

/* The whole command line of cmd (argv[0] its name): every flag through
 * on_flag (NULL for cli_no_flags), then the arguments counted against
 * cmd->min_args and max_args.  1 when it printed --help and did nothing
 * else, 0 with the arguments from argv[*ind], -1 on error. */
int cli_parse(const cli_command *cmd, int argc, char **argv, cli_flag_fn *on_flag, void *ctx,
              int *ind, clawrt_error *err);

/* The on_flag of a command whose one flag is a boolean: ctx is that bool. */
int cli_flag_bool(void *ctx, int id, const char *value, clawrt_error *err);

/* A document (JSON) on stdout, with the final newline it may lack. */
void cli_print_text(const char *text, size_t len);

/* The run of a command that takes a container id and no flag: its on_id on
 * the id (cmd/commands.c finds the command by argv[0]). */
int cli_run_id(const clawrt_globals *g, int argc, char **argv, int *exit_status,
               clawrt_error *err);
/* Such a command, whole: pause, resume, start. */
#define CLI_ID_COMMAND(NAME, ON_ID, SUMMARY, DESCRIPTION)                      \
  {                                                                            \
    .name = NAME, .args = "<container-id>", .summary = SUMMARY,                \
    .description = DESCRIPTION, .flags = cli_no_flags, .run = cli_run_id,      \
    .min_args = 1, .max_args = 1, .on_id = ON_ID,                              \
  }

/* Parse N of --preserve-fds and the like: a decimal int in [0, INT_MAX]. */
int cli_parse_int(const char *flag, const char *value, int *out, clawrt_error *err);

void cli_print_help(FILE *out, const cli_command *cmd);
/* The help of every flag of a table, one per line, aligned. */
void cli_print_flags(FILE *out, const cli_flag *flags);

/* Look a flag up by long name (exact) or short name; NULL when unknown. */
const cli_flag *cli_find_long(const cli_flag *flags, const char *name, size_t len);
const cli_flag *cli_find_short(const cli_flag *flags, char c);

/* create and run share these flags and their handling (cmd/create.c). */
enum {
  CREATE_F_BUNDLE = 1,
  CREATE_F_PID_FILE,
  CREATE_F_CONSOLE_SOCKET,
  CREATE_F_NO_PIVOT,
  CREATE_F_NO_NEW_KEYRING,
  CREATE_F_PRESERVE_FDS,
  CREATE_F_LAST,
};
#define CREATE_FLAGS_COMMON                                                    \
  { "bundle", 'b', "DIR",                                                      \
    "bundle directory, holding config.json and the rootfs (default: .)",       \
    CREATE_F_BUNDLE },                                                         \
  { "console-socket", 0, "PATH",                                               \
    "AF_UNIX socket that receives the master fd of the container's terminal",  \
    CREATE_F_CONSOLE_SOCKET },                                                 \
  { "pid-file", 0, "FILE", "write the container's init pid to FILE",           \
    CREATE_F_PID_FILE },                                                       \
  { "no-pivot", 0, NULL,                                                       \
    "enter the rootfs with MS_MOVE and chroot, not pivot_root (rootfs on "     \
    "a ramdisk)", CREATE_F_NO_PIVOT },                                         \
  { "no-new-keyring", 0, NULL,                                                 \
    "keep the caller's session keyring instead of a new one",                  \
    CREATE_F_NO_NEW_KEYRING },                                                 \
  { "preserve-fds", 0, "N",                                                    \
    "pass fds 3 to 3+N-1 on to the container (besides stdio and "              \
    "$LISTEN_FDS)", CREATE_F_PRESERVE_FDS }

/* Apply a CREATE_F_* flag to o: 1 when id is one, 0 when not, -1 on a bad
 * value. */
int cmd_create_flag(create_opts *o, int id, const char *value, clawrt_error *err);

/* checkpoint and restore share runc's CRIU flags (cmd/checkpoint.c). */
enum {
  CRIU_F_IMAGE_PATH = 1,
  CRIU_F_WORK_PATH,
  CRIU_F_TCP_ESTABLISHED,
  CRIU_F_EXT_UNIX_SK,
  CRIU_F_SHELL_JOB,
  CRIU_F_FILE_LOCKS,
  CRIU_F_MANAGE_CGROUPS_MODE,
  CRIU_F_LAST,
};
#define CRIU_FLAGS_COMMON                                                      \
  { "image-path", 0, "DIR", "directory of the CRIU images (default: ./checkpoint)", \
    CRIU_F_IMAGE_PATH },                                                       \
  { "work-path", 0, "DIR", "directory for CRIU's log and work files (default: the " \
    "image path)", CRIU_F_WORK_PATH },                                         \
  { "tcp-established", 0, NULL, "allow open TCP connections", CRIU_F_TCP_ESTABLISHED }, \
  { "ext-unix-sk", 0, NULL, "allow unix sockets connected outside the container", \
    CRIU_F_EXT_UNIX_SK },                                                      \
  { "shell-job", 0, NULL, "allow a process that shares a terminal session with " \
    "its caller", CRIU_F_SHELL_JOB },                                          \
  { "file-locks", 0, NULL, "dump and restore file locks", CRIU_F_FILE_LOCKS }, \
  { "manage-cgroups-mode", 0, "MODE", "what CRIU does with cgroups: soft (default), " \
    "full, strict or ignore", CRIU_F_MANAGE_CGROUPS_MODE }

typedef struct criu_opts criu_opts;
/* Apply a CRIU_F_* flag: 1 when id is one, 0 when not, -1 on a bad value. */
int cmd_criu_flag(criu_opts *o, int id, const char *value, clawrt_error *err);

/* One `exec --cgroup [CONTROLLER[,CONTROLLER...]:]PATH` into o->cgroups,
 * an entry per controller (cmd/exec.c).  -1 for a controller named twice or
 * empty, more than one ':', or a PATH of every hierarchy given with another
 * --cgroup. */
int cmd_exec_add_cgroup(exec_opts *o, const char *spec, clawrt_error *err);
/* Free what exec's flags allocated in o, and clear it. */
void cmd_exec_opts_free(exec_opts *o);

/* The subcommands, in the order `clawrt --help` lists them. */
extern const cli_command cmd_create, cmd_delete, cmd_exec, cmd_kill, cmd_list, cmd_run,
    cmd_spec, cmd_start, cmd_state;
extern const cli_command cmd_features, cmd_checkpoint, cmd_restore;
extern const cli_command cmd_audit;
/* the cgroup commands (container_cgroup.c underneath) */
extern const cli_command cmd_events, cmd_pause, cmd_ps, cmd_resume, cmd_update;
extern const cli_command *const cli_commands[];
const cli_command *cli_find_command(const char *name);

/* The global options, parsed by main() before the subcommand. */
extern const cli_command cli_global;

typedef struct cli_main {
  clawrt_globals g;
  bool version;            /* --version */
  bool help;               /* --help, or no command */
  int cmd_index;           /* argv index of the subcommand, argc when none */
} cli_main;

/* Parse the global options up to the subcommand.  Defaults: --root
 * CLAWRT_DEFAULT_ROOT, --log-format text. */
int cli_parse_globals(int argc, char **argv, cli_main *out, clawrt_error *err);

#endif
