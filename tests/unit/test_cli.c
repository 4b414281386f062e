/* The pure parts of the command line: the flag parser, the global options,
 * the flag tables of every command (runc's flags present, no clashes, all
 * documented in doc/clawrt.1.md), log line formats, and the default spec. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "src/cmd/cmd.h"
#include "log.h"
#include "spec_default.h"
#include "util.h"
#include "tap.h"
#include "spec_fixture.h"


/* ---- the parser, on a table of its own -------------------------------- */

enum { T_BUNDLE = 1, T_DETACH, T_TTY, T_ENV, T_PIDFILE };
static const cli_flag tflags[] = {
  { "bundle", 'b', "DIR", "bundle", T_BUNDLE },
  { "detach", 'd', NULL, "detach", T_DETACH },
  { "tty", 't', NULL, "tty", T_TTY },
  { "env", 'e', "KV", "env", T_ENV },
  { "pid-file", 0, "FILE", "pid file", T_PIDFILE },
  { NULL, 0, NULL, NULL, 0 },
};
static const cli_command tcmd = { .name = "t", .args = "", .summary = "s", .flags = tflags };

/* Parse argv (NULL-terminated, argv[0] the command) into a string of
 * "id=value;" entries, then "|" and the index of the first argument, or
 * "ERR:message". */
static char *
trace(char **argv)
{
  int argc = 0;
  while (argv[argc])
    argc++;
  cli_parser p;
  cli_init(&p, &tcmd, argc, argv, 1);
  char out[512] = "";
  const char *v;
  int id;
  clawrt_error e = { 0 };
  while ((id = cli_next(&p, &v, &e)) != CLI_END)
    {
      if (id < 0 && id != CLI_HELP)
        {
          char *r = xasprintf("ERR:%s", e.msg);
          clawrt_error_clear(&e);
          return r;
        }
      char item[128];
      snprintf(item, sizeof item, "%d=%s;", id, v ? v : "-");
      strcat(out, item);
    }
  return xasprintf("%s|%d", out, p.ind);
}

#define ARGV(...) ((char *[]){ "t", __VA_ARGS__, NULL })

static void
expect_trace(char **argv, const char *want, const char *what)
{
  char *got = trace(argv);
  bool ok = strcmp(got, want) == 0;
  if (!ok)
    printf("# got  %s\n# want %s\n", got, want);
  CHECK(ok, "%s", what);
  free(got);
}

static void
expect_error(char **argv, const char *fragment, const char *what)
{
  char *got = trace(argv);
  bool ok = strncmp(got, "ERR:", 4) == 0 && strstr(got, fragment) != NULL;
  if (!ok)
    printf("# got %s\n# want an error with \"%s\"\n", got, fragment);
  CHECK(ok, "%s", what);
  free(got);
}

static void
test_parser(void)
{
  expect_trace(ARGV("--bundle", "/b", "id"), "1=/b;|3", "--flag value");
  expect_trace(ARGV("--bundle=/b", "id"), "1=/b;|2", "--flag=value");
  expect_trace(ARGV("-bundle", "/b", "id"), "1=/b;|3", "-flag value (one dash)");
  expect_trace(ARGV("-bundle=/b", "id"), "1=/b;|2", "-flag=value (one dash)");
  expect_trace(ARGV("-pid-file", "/p", "x"), "5=/p;|3", "-pid-file, long with one dash");
  expect_trace(ARGV("-b", "/b", "id"), "1=/b;|3", "-b value");
  expect_trace(ARGV("-b/b", "id"), "1=/b;|2", "-bVALUE");
  expect_trace(ARGV("-b=/b", "id"), "1=/b;|2", "-b=VALUE");
  expect_trace(ARGV("--bundle", "-x", "id"), "1=-x;|3", "a value may start with a dash");
  expect_trace(ARGV("--bundle=", "id"), "1=;|2", "--flag= gives an empty value");
  expect_trace(ARGV("--detach", "id"), "2=-;|2", "boolean");
  expect_trace(ARGV("--detach=false", "id"), "2=false;|2", "boolean =false");
  expect_trace(ARGV("--detach=true", "id"), "2=-;|2", "boolean =true");
  expect_trace(ARGV("-detach", "id"), "2=-;|2", "boolean with one dash");
  expect_trace(ARGV("-dt", "id"), "2=-;3=-;|2", "cluster of short booleans");
  expect_trace(ARGV("-dte", "K=V", "id"), "2=-;3=-;4=K=V;|3", "cluster ending in a value flag");
  expect_trace(ARGV("-e", "A=1", "-e", "B=2", "id"), "4=A=1;4=B=2;|5", "repeated flag");
  expect_trace(ARGV("id", "--detach"), "|1", "flags stop at the first argument");
  expect_trace(ARGV("--", "--detach"), "|2", "-- ends the flags");
  expect_trace(ARGV("-", "x"), "|1", "a lone dash is an argument");
  expect_trace(ARGV("--help"), "-2=-;|2", "--help");
  expect_trace(ARGV("-h"), "-2=-;|2", "-h");
  expect_trace(ARGV("-help"), "-2=-;|2", "-help");
  expect_error(ARGV("--bund", "/b"), "unknown flag --bund", "no prefix matching");
  expect_error(ARGV("--bogus"), "unknown flag --bogus", "unknown long flag");
  expect_error(ARGV("-x"), "unknown flag -x", "unknown short flag");
  expect_error(ARGV("-dx"), "unknown flag -x", "unknown flag inside a cluster");
  expect_error(ARGV("-xyz"), "unknown flag -xyz", "unknown one-dash long flag");
  expect_error(ARGV("--bundle"), "needs a value", "missing value");
  expect_error(ARGV("--detach=maybe"), "true or false", "bad boolean value");
  expect_error(ARGV("--bogus"), "see clawrt t --help", "usage errors point at --help");

  cli_parser p;
  clawrt_error e = { 0 };
  char *a1[] = { "t", "x", "y", NULL };
  cli_init(&p, &tcmd, 3, a1, 1);
  CHECK(cli_args(&p, 1, 2, "id", &e) == 0, "2 arguments within 1..2");
  CHECK(cli_args(&p, 1, 1, "id", &e) < 0 && strstr(e.msg, "unexpected argument \"y\""),
        "extra argument named");
  clawrt_error_clear(&e);
  CHECK(cli_args(&p, 3, -1, "container id", &e) < 0 && strstr(e.msg, "missing container id"),
        "missing argument named");
  clawrt_error_clear(&e);

  int n;
  CHECK(cli_parse_int("preserve-fds", "3", &n, &e) == 0 && n == 3, "int parses");
  CHECK(cli_parse_int("preserve-fds", "-1", &n, &e) < 0, "negative int refused");
  clawrt_error_clear(&e);
  CHECK(cli_parse_int("preserve-fds", "99999999999", &n, &e) < 0, "huge int refused");
  clawrt_error_clear(&e);
}

/* ---- cli_parse: the loop every command shares ---------------------------- */

/* The command line as on_flag saw it: "id=value;" per flag, then "END". */
typedef struct seen {
  char text[256];
  int fail_at;             /* the id at which on_flag fails (CLI_END: 0) */
  bool can_fail;
} seen;

static int
record(void *ctx, int id, const char *v, clawrt_error *err)
{
  seen *s = ctx;
  char item[64];
  if (id == CLI_END)
    snprintf(item, sizeof item, "END");
  else
    snprintf(item, sizeof item, "%d=%s;", id, v ? v : "-");
  strcat(s->text, item);
  if (s->can_fail && id == s->fail_at)
    return clawrt_error_set(err, 0, "refused at %d", id);
  return 0;
}

static const cli_command targs = { .name = "t", .args = "<id> [X]", .summary = "s",
                                   .flags = tflags, .min_args = 1, .max_args = 2 };

/* cli_parse with stdout (the --help text) sent to /dev/null. */
static int
parse_quiet(const cli_command *c, char **argv, seen *s, int *ind, clawrt_error *e)
{
  int argc = 0;
  while (argv[argc])
    argc++;
  fflush(stdout);
  int saved = dup(STDOUT_FILENO), null = open("/dev/null", O_WRONLY | O_CLOEXEC);
  dup2(null, STDOUT_FILENO);
  int r = cli_parse(c, argc, argv, record, s, ind, e);
  fflush(stdout);
  dup2(saved, STDOUT_FILENO);
  close(saved);
  close(null);
  return r;
}

static void
test_cli_parse(void)
{
  clawrt_error e = { 0 };
  int ind = -1;
  seen s = { "", 0, false };
  CHECK(parse_quiet(&targs, ARGV("-d", "--env=A=1", "id", "x"), &s, &ind, &e) == 0
            && ind == 3 && strcmp(s.text, "2=-;4=A=1;END") == 0,
        "flags through on_flag, then END, arguments from *ind (%s)", s.text);
  s = (seen){ "", 0, false };
  CHECK(parse_quiet(&targs, ARGV("-d", "--help", "--bogus"), &s, &ind, &e) == 1
            && strcmp(s.text, "2=-;") == 0 && e.msg == NULL,
        "--help: 1, nothing after it parsed, no END, no argument check");
  s = (seen){ "", 0, false };
  CHECK(parse_quiet(&targs, ARGV("-d"), &s, &ind, &e) < 0 && strcmp(s.text, "2=-;END") == 0
            && strcmp(e.msg, "t: missing container id (see clawrt t --help)") == 0,
        "too few arguments: the container id named missing (%s)", e.msg);
  clawrt_error_clear(&e);
  s = (seen){ "", 0, false };
  CHECK(parse_quiet(&targs, ARGV("a", "b", "c"), &s, &ind, &e) < 0
            && strstr(e.msg, "unexpected argument \"c\""),
        "too many arguments: the first extra named");
  clawrt_error_clear(&e);
  s = (seen){ "", CLI_END, true };
  CHECK(parse_quiet(&targs, ARGV("-t"), &s, &ind, &e) < 0 && strcmp(e.msg, "refused at 0") == 0,
        "an error of the END call comes before the argument count's");
  clawrt_error_clear(&e);
  s = (seen){ "", 2, true };
  CHECK(parse_quiet(&targs, ARGV("-d", "-t", "id"), &s, &ind, &e) < 0
            && strcmp(s.text, "2=-;") == 0 && strcmp(e.msg, "refused at 2") == 0,
        "an error of on_flag stops the parse");
  clawrt_error_clear(&e);
  s = (seen){ "", 0, false };
  CHECK(parse_quiet(&targs, ARGV("--nope", "id"), &s, &ind, &e) < 0 && s.text[0] == '\0'
            && strstr(e.msg, "unknown flag --nope"),
        "a usage error before on_flag hears of anything");
  clawrt_error_clear(&e);
  s = (seen){ "", 0, false };
  CHECK(parse_quiet(&tcmd, ARGV("x"), &s, &ind, &e) < 0 && strstr(e.msg, "unexpected argument \"x\""),
        "a command without min/max_args takes no argument");
  clawrt_error_clear(&e);

  bool b = false;
  CHECK(cli_flag_bool(&b, 7, NULL, &e) == 0 && b, "cli_flag_bool: set");
  CHECK(cli_flag_bool(&b, CLI_END, NULL, &e) == 0 && b, "cli_flag_bool: END leaves it");
  CHECK(cli_flag_bool(&b, 7, "false", &e) == 0 && !b, "cli_flag_bool: =false clears");

  /* the commands on a container id: the table reaches the parser without
   * calling their container_* function */
  clawrt_globals g = { .root = "/nonexistent-clawrt-test-root" };
  int st = 0;
  const cli_command *idcmds[] = { &cmd_pause, &cmd_resume, &cmd_start };
  for (int i = 0; i < 3; i++)
    {
      const cli_command *c = idcmds[i];
      char *none[] = { (char *) c->name, NULL };
      char *two[] = { (char *) c->name, "a", "b", NULL };
      char *flag[] = { (char *) c->name, "--force", "a", NULL };
      cleanup_free char *missing = xasprintf("%s: missing container id (see clawrt %s --help)",
                                             c->name, c->name);
      bool ok = c->run(&g, 1, none, &st, &e) < 0 && strcmp(e.msg, missing) == 0;
      clawrt_error_clear(&e);
      ok = ok && c->run(&g, 3, two, &st, &e) < 0 && strstr(e.msg, "unexpected argument \"b\"");
      clawrt_error_clear(&e);
      ok = ok && c->run(&g, 3, flag, &st, &e) < 0 && strstr(e.msg, "unknown flag --force");
      clawrt_error_clear(&e);
      CHECK(ok && c->run == cli_run_id && c->on_id && c->flags == cli_no_flags,
            "%s: one container id, no flag", c->name);
    }
  char *other[] = { "list", "x", NULL };
  CHECK(cli_run_id(&g, 2, other, &st, &e) < 0 && strstr(e.msg, "not a command on a container id"),
        "cli_run_id refuses a command without on_id");
  clawrt_error_clear(&e);
}

/* ---- exec --cgroup --------------------------------------------------------- */

/* Add each spec in turn: "CONTROLLER=PATH;" per entry ("*" for every
 * hierarchy), or "ERR:message" at the first refused. */
static char *
cgroups_of(const char *const *specs)
{
  exec_opts o = { 0 };
  clawrt_error e = { 0 };
  char out[256] = "";
  for (const char *const *sp = specs; *sp; sp++)
    if (cmd_exec_add_cgroup(&o, *sp, &e) < 0)
      {
        char *r = xasprintf("ERR:%s", e.msg);
        clawrt_error_clear(&e);
        cmd_exec_opts_free(&o);
        return r;
      }
  for (size_t i = 0; i < o.cgroups_len; i++)
    {
      char item[64];
      snprintf(item, sizeof item, "%s=%s;",
               o.cgroups[i].controller ? o.cgroups[i].controller : "*", o.cgroups[i].path);
      strcat(out, item);
    }
  cmd_exec_opts_free(&o);
  return xstrdup(out);
}

#define SPECS(...) ((const char *const[]){ __VA_ARGS__, NULL })

static void
expect_cgroups(const char *const *specs, const char *want, const char *what)
{
  cleanup_free char *got = cgroups_of(specs);
  bool ok = strncmp(want, "ERR:", 4) == 0 ? strncmp(got, "ERR:", 4) == 0 && strstr(got, want + 4)
                                          : strcmp(got, want) == 0;
  if (!ok)
    printf("# got  %s\n# want %s\n", got, want);
  CHECK(ok, "exec --cgroup: %s", what);
}

static void
test_exec_cgroup(void)
{
  expect_cgroups(SPECS("sub"), "*=sub;", "PATH: every hierarchy");
  expect_cgroups(SPECS("memory:sub1", "cpu,cpuacct:sub2"), "memory=sub1;cpu=sub2;cpuacct=sub2;",
                 "one entry per controller, a comma list shares its path");
  expect_cgroups(SPECS("memory:a/b", "pids:"), "memory=a/b;pids=;",
                 "nested path; an empty one is the container's own cgroup");
  expect_cgroups(SPECS("memory:sub1", "memory:sub2"),
                 "ERR:exec: --cgroup \"memory:sub2\": controller \"memory\" named twice "
                 "(its first path: \"sub1\")",
                 "a controller named twice is refused, naming it");
  expect_cgroups(SPECS("cpu:a", "pids,cpu:b"), "ERR:controller \"cpu\" named twice",
                 "twice, the second time in a list");
  expect_cgroups(SPECS("memory,memory:a"), "ERR:controller \"memory\" named twice",
                 "twice in one list");
  /* runc 1.1.5: "invalid --cgroup argument: PATH (missing <controller>:
   * prefix)", naming the plain PATH whichever comes first */
  expect_cgroups(SPECS("sub", "memory:x"),
                 "ERR:exec: --cgroup \"sub\": a PATH of every hierarchy must be the only "
                 "--cgroup; give CONTROLLER:PATH for each controller instead",
                 "PATH then CONTROLLER:PATH refused, naming PATH");
  expect_cgroups(SPECS("memory:x", "sub"), "ERR:--cgroup \"sub\": a PATH of every hierarchy",
                 "CONTROLLER:PATH then PATH refused, naming PATH");
  expect_cgroups(SPECS("first", "second"), "ERR:--cgroup \"first\": a PATH of every hierarchy",
                 "two PATHs refused, naming the first");
  expect_cgroups(SPECS(":sub"), "ERR:--cgroup \":sub\": empty controller name",
                 "an empty controller name is refused");
  expect_cgroups(SPECS("memory,:sub"), "ERR:empty controller name", "empty name at the end");
  expect_cgroups(SPECS(",memory:sub"), "ERR:empty controller name", "empty name at the start");
  expect_cgroups(SPECS("memory pids:a", "memory:b"),
                 "ERR:exec: --cgroup \"memory pids:a\": \"memory pids\" is not a controller name",
                 "a blank in a controller name refused (it would hide a duplicate)");
  expect_cgroups(SPECS("cpu+pids:a"), "ERR:\"cpu+pids\" is not a controller name", "'+' refused");
  expect_cgroups(SPECS("name=systemd:a"), "name=systemd=a;", "a named v1 hierarchy is a name");
  expect_cgroups(SPECS("a:b:c"), "ERR:--cgroup \"a:b:c\": more than one ':'",
                 "more than one ':' refused, as runc");
}

/* ---- global options ----------------------------------------------------- */

static void
test_globals(void)
{
  cli_main m;
  clawrt_error e = { 0 };
  char *a[] = { "clawrt", "--root", "/r", "-log", "/l", "--log-format=json", "--debug",
                "--systemd-cgroup", "--strict", "state", "--help", NULL };
  CHECK(cli_parse_globals(11, a, &m, &e) == 0, "globals parse");
  CHECK(strcmp(m.g.root, "/r") == 0 && strcmp(m.g.log_path, "/l") == 0
            && strcmp(m.g.log_format, "json") == 0 && m.g.debug && m.g.systemd_cgroup
            && m.g.strict && !m.help && !m.version,
        "every global option lands");
  CHECK(m.cmd_index == 9, "command found at index 9");

  char *b[] = { "clawrt", "list", NULL };
  CHECK(cli_parse_globals(2, b, &m, &e) == 0 && strcmp(m.g.root, CLAWRT_DEFAULT_ROOT) == 0
            && strcmp(m.g.log_format, "text") == 0 && m.g.log_path == NULL && !m.g.debug,
        "defaults");
  char *c[] = { "clawrt", "--log-format", "xml", "list", NULL };
  CHECK(cli_parse_globals(4, c, &m, &e) < 0 && strstr(e.msg, "xml"), "bad --log-format refused");
  clawrt_error_clear(&e);
  char *d[] = { "clawrt", "-v", NULL };
  CHECK(cli_parse_globals(2, d, &m, &e) == 0 && m.version, "-v is --version");
  char *f[] = { "clawrt", NULL };
  CHECK(cli_parse_globals(1, f, &m, &e) == 0 && m.help, "no command: help");
  char *g[] = { "clawrt", "--bundle", "x", "list", NULL };
  CHECK(cli_parse_globals(4, g, &m, &e) < 0 && strstr(e.msg, "unknown flag --bundle"),
        "command flag before the command refused");
  clawrt_error_clear(&e);
}

/* ---- the tables ------------------------------------------------------- */

static bool
has_flag(const cli_command *c, const char *name, char short_name, bool takes_value)
{
  const cli_flag *f = cli_find_long(c->flags, name, strlen(name));
  if (f == NULL || f->id == CLI_HELP)
    return false;
  if (short_name && cli_find_short(c->flags, short_name) != f)
    return false;
  return (f->arg != NULL) == takes_value;
}

static void
test_tables(void)
{
  int ncmd = 0;
  for (const cli_command *const *cp = cli_commands; *cp; cp++, ncmd++)
    {
      const cli_command *c = *cp;
      bool ok = c->name && c->summary && *c->summary && c->run && c->args;
      int seen_ids[64] = { 0 };
      for (const cli_flag *f = c->flags; f->name; f++)
        {
          ok = ok && f->id > 0 && f->id < 64 && !seen_ids[f->id] && f->help && *f->help
               && f->short_name != 'h' && strcmp(f->name, "help") != 0;
          if (f->id > 0 && f->id < 64)
            seen_ids[f->id] = 1;
          ok = ok && cli_find_long(c->flags, f->name, strlen(f->name)) == f;
          ok = ok && (f->short_name == 0 || cli_find_short(c->flags, f->short_name) == f);
        }
      CHECK(ok, "%s: flag table consistent (unique names, shorts, ids; help text)", c->name);
      CHECK(cli_find_command(c->name) == c, "%s: found by name", c->name);
    }
  /* runc's commands that engines call, and ours */
  static const char *const want[] = {
    "checkpoint", "create", "delete", "events", "exec", "features", "kill", "list", "pause",
    "ps", "restore", "resume", "run", "spec", "start", "state", "update",
  };
  size_t nwant = sizeof want / sizeof want[0];
  for (size_t i = 0; i < nwant; i++)
    CHECK(cli_find_command(want[i]) != NULL, "command %s exists", want[i]);
  CHECK(ncmd >= (int) nwant, "%d commands, runc's among them", ncmd);
  CHECK(cli_find_command("bogus") == NULL, "unknown command not found");

  /* what runc 1.1 takes, which podman, conmon and containerd pass */
  CHECK(has_flag(&cmd_spec, "bundle", 'b', true) && has_flag(&cmd_spec, "rootless", 0, false),
        "spec: --bundle/-b --rootless");
  const cli_command *creators[] = { &cmd_create, &cmd_run };
  for (int i = 0; i < 2; i++)
    CHECK(has_flag(creators[i], "bundle", 'b', true) && has_flag(creators[i], "pid-file", 0, true)
              && has_flag(creators[i], "console-socket", 0, true)
              && has_flag(creators[i], "no-pivot", 0, false)
              && has_flag(creators[i], "no-new-keyring", 0, false)
              && has_flag(creators[i], "preserve-fds", 0, true),
          "%s: runc's create flags", creators[i]->name);
  CHECK(has_flag(&cmd_run, "detach", 'd', false) && has_flag(&cmd_run, "keep", 0, false)
            && has_flag(&cmd_run, "stats", 0, false) && has_flag(&cmd_run, "no-subreaper", 0, false),
        "run: --detach/-d --keep --stats --no-subreaper");
  CHECK(has_flag(&cmd_kill, "all", 'a', false), "kill: --all/-a");
  CHECK(has_flag(&cmd_delete, "force", 'f', false), "delete: --force/-f");
  CHECK(has_flag(&cmd_list, "format", 'f', true) && has_flag(&cmd_list, "quiet", 'q', false),
        "list: --format/-f --quiet/-q");
  CHECK(has_flag(&cmd_exec, "process", 'p', true) && has_flag(&cmd_exec, "detach", 'd', false)
            && has_flag(&cmd_exec, "pid-file", 0, true)
            && has_flag(&cmd_exec, "console-socket", 0, true)
            && has_flag(&cmd_exec, "tty", 't', false) && has_flag(&cmd_exec, "cwd", 0, true)
            && has_flag(&cmd_exec, "env", 'e', true) && has_flag(&cmd_exec, "user", 'u', true)
            && has_flag(&cmd_exec, "additional-gids", 'g', true)
            && has_flag(&cmd_exec, "cap", 'c', true) && has_flag(&cmd_exec, "no-new-privs", 0, false)
            && has_flag(&cmd_exec, "process-label", 0, true)
            && has_flag(&cmd_exec, "apparmor", 0, true)
            && has_flag(&cmd_exec, "preserve-fds", 0, true)
            && has_flag(&cmd_exec, "cgroup", 0, true)
            && has_flag(&cmd_exec, "ignore-paused", 0, false),
        "exec: runc's exec flags");
  const cli_command *criu_cmds[] = { &cmd_checkpoint, &cmd_restore };
  for (int i = 0; i < 2; i++)
    CHECK(has_flag(criu_cmds[i], "image-path", 0, true)
              && has_flag(criu_cmds[i], "work-path", 0, true)
              && has_flag(criu_cmds[i], "tcp-established", 0, false)
              && has_flag(criu_cmds[i], "ext-unix-sk", 0, false)
              && has_flag(criu_cmds[i], "shell-job", 0, false)
              && has_flag(criu_cmds[i], "file-locks", 0, false)
              && has_flag(criu_cmds[i], "manage-cgroups-mode", 0, true),
          "%s: runc's CRIU flags", criu_cmds[i]->name);
  CHECK(has_flag(&cmd_checkpoint, "leave-running", 0, false)
            && has_flag(&cmd_checkpoint, "pre-dump", 0, false)
            && has_flag(&cmd_checkpoint, "parent-path", 0, true),
        "checkpoint: --leave-running --pre-dump --parent-path");
  CHECK(has_flag(&cmd_restore, "bundle", 'b', true) && has_flag(&cmd_restore, "detach", 'd', false)
            && has_flag(&cmd_restore, "pid-file", 0, true)
            && has_flag(&cmd_restore, "console-socket", 0, true)
            && has_flag(&cmd_restore, "no-subreaper", 0, false)
            && has_flag(&cmd_restore, "no-pivot", 0, false),
        "restore: -b -d --pid-file --console-socket --no-subreaper --no-pivot");
  {
    /* go-runc sends "-no-subreaper" with one dash */
    char *a[] = { "restore", "-no-subreaper", "-d", "--image-path=/x", "c1", NULL };
    cli_parser p;
    cli_init(&p, &cmd_restore, 5, a, 1);
    const char *v;
    int id, seen = 0;
    clawrt_error e = { 0 };
    while ((id = cli_next(&p, &v, &e)) > 0)
      seen++;
    CHECK(id == CLI_END && seen == 3 && p.ind == 4, "restore: -no-subreaper -d --image-path=X");
    clawrt_error_clear(&e);
  }
  CHECK(has_flag(&cli_global, "root", 0, true) && has_flag(&cli_global, "log", 0, true)
            && has_flag(&cli_global, "log-format", 0, true)
            && has_flag(&cli_global, "debug", 0, false)
            && has_flag(&cli_global, "systemd-cgroup", 0, false)
            && has_flag(&cli_global, "version", 'v', false),
        "global: runc's global options");
}

/* ---- the man page documents every command and flag ----------------------- */

static void
test_manpage(void)
{
#ifndef CLAWRT_SRCDIR
#define CLAWRT_SRCDIR "."
#endif
  const char *srcdir = getenv("srcdir");
  cleanup_free char *path
      = xasprintf("%s/doc/clawrt.1.md", srcdir && *srcdir ? srcdir : CLAWRT_SRCDIR);
  cleanup_free char *text = NULL;
  clawrt_error e = { 0 };
  if (read_file_at(AT_FDCWD, path, 1 << 20, &text, NULL, &e) < 0)
    {
      CHECK(false, "read %s: %s", path, e.msg);
      clawrt_error_clear(&e);
      return;
    }
  for (const cli_flag *f = cli_global.flags; f->name; f++)
    {
      cleanup_free char *want = xasprintf("**--%s**", f->name);
      CHECK(strstr(text, want) != NULL, "man page: global %s", want);
    }
  for (const cli_command *const *cp = cli_commands; *cp; cp++)
    {
      const cli_command *c = *cp;
      cleanup_free char *section = xasprintf("\n## %s\n", c->name);
      char *at = strstr(text, section);
      CHECK(at != NULL, "man page: section ## %s", c->name);
      if (at == NULL)
        continue;
      /* the flags are looked for in this command's section only */
      char *end = strstr(at + strlen(section), "\n## ");
      char *next_h1 = strstr(at + strlen(section), "\n# ");
      if (end == NULL || (next_h1 && next_h1 < end))
        end = next_h1;
      cleanup_free char *body = end ? strndup(at, (size_t) (end - at)) : xstrdup(at);
      for (const cli_flag *f = c->flags; f->name; f++)
        {
          cleanup_free char *want = xasprintf("**--%s**", f->name);
          CHECK(strstr(body, want) != NULL, "man page: %s %s", c->name, want);
        }
    }
}

/* ---- log lines ------------------------------------------------------ */

static void
test_log_format(void)
{
  /* 2026-12-01T08:00:00.000000042Z */
  long long t = 1796112000LL * 1000000000LL + 42;
  char *j = log_format_entry(LOG_FORMAT_JSON, LOG_LEVEL_ERROR, t, "container \"x\" does not exist");
  CHECK(strcmp(j, "{\"level\":\"error\",\"msg\":\"container \\\"x\\\" does not exist\","
                  "\"time\":\"2026-12-01T08:00:00.000000042Z\"}\n") == 0,
        "json entry: %.*s", (int) strlen(j) - 1, j);
  free(j);
  char *x = log_format_entry(LOG_FORMAT_TEXT, LOG_LEVEL_WARN, t, "a \"b\" \\ c");
  CHECK(strcmp(x, "time=\"2026-12-01T08:00:00Z\" level=warning msg=\"a \\\"b\\\" \\\\ c\"\n") == 0,
        "text entry: %.*s", (int) strlen(x) - 1, x);
  free(x);
  char *n = log_format_entry(LOG_FORMAT_JSON, LOG_LEVEL_ERROR, t, "l1\nl2\x1b[31m\xff\xc2\x9b");
  CHECK(strstr(n, "l1\\nl2\\u001b[31m\\ufffd\\u009b\"") != NULL && strchr(n, '\n') == n + strlen(n) - 1,
        "json: newline, ESC, bad UTF-8, C1 escaped: %.*s", (int) strlen(n) - 1, n);
  free(n);
  char *s = log_sanitize("ok é \x1b]0;pwn\x07");
  CHECK(strcmp(s, "ok é \\x1b]0;pwn\\x07") == 0, "terminal text: controls escaped, UTF-8 kept");
  free(s);
  log_format f;
  clawrt_error e = { 0 };
  CHECK(log_parse_format("json", &f, &e) == 0 && f == LOG_FORMAT_JSON
            && log_parse_format(NULL, &f, &e) == 0 && f == LOG_FORMAT_TEXT,
        "formats parse");
  CHECK(log_parse_format("JSON", &f, &e) < 0, "format names are exact");
  clawrt_error_clear(&e);
}

/* ---- the default spec -------------------------------------------------- */

static bool
strv_is(const oci_strv *s, const char *const *want, size_t n)
{
  if (s->len != n || s->v == NULL || s->v[n] != NULL)
    return false;
  for (size_t i = 0; i < n; i++)
    if (strcmp(s->v[i], want[i]) != 0)
      return false;
  return true;
}

static bool
has_ns(const oci_spec *s, const char *type)
{
  for (size_t i = 0; i < s->linux->namespaces_len; i++)
    if (strcmp(s->linux->namespaces[i].type, type) == 0)
      return true;
  return false;
}

static bool
has_opt(const oci_mount *m, const char *opt)
{
  for (size_t i = 0; i < m->options.len; i++)
    if (strcmp(m->options.v[i], opt) == 0)
      return true;
  return false;
}

static void
test_spec_default(void)
{
  static const char *const caps[] = { "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE" };
  static const char *const sh[] = { "sh" };
  oci_spec *s = spec_default();
  CHECK(strcmp(s->oci_version, "1.2.0") == 0 && strcmp(s->hostname, "clawrt") == 0,
        "spec: ociVersion 1.2.0, hostname clawrt");
  oci_process *p = s->process;
  CHECK(p->terminal && p->has_terminal && strv_is(&p->args, sh, 1) && strcmp(p->cwd, "/") == 0
            && p->user.uid == 0 && p->env.len == 2 && p->no_new_privileges,
        "spec: process sh on a terminal, noNewPrivileges");
  CHECK(strv_is(&p->capabilities->bounding, caps, 3) && strv_is(&p->capabilities->effective, caps, 3)
            && strv_is(&p->capabilities->permitted, caps, 3)
            && strv_is(&p->capabilities->ambient, caps, 3)
            && p->capabilities->inheritable.v == NULL,
        "spec: three capabilities, no inheritable");
  CHECK(p->rlimits_len == 1 && strcmp(p->rlimits[0].type, "RLIMIT_NOFILE") == 0
            && p->rlimits[0].soft == 1024 && p->rlimits[0].hard == 1024,
        "spec: NOFILE 1024");
  CHECK(strcmp(s->root->path, "rootfs") == 0 && s->root->readonly, "spec: read-only rootfs");
  static const char *const dests[] = { "/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue",
                                       "/sys", "/sys/fs/cgroup" };
  bool mounts_ok = s->mounts_len == 7;
  for (size_t i = 0; mounts_ok && i < 7; i++)
    mounts_ok = strcmp(s->mounts[i].destination, dests[i]) == 0;
  CHECK(mounts_ok, "spec: the 7 standard mounts in order");
  CHECK(has_opt(mount_at(s, "/sys/fs/cgroup"), "ro") && has_opt(mount_at(s, "/sys"), "ro")
            && has_opt(mount_at(s, "/dev/pts"), "gid=5")
            && strcmp(mount_at(s, "/sys")->type, "sysfs") == 0,
        "spec: /sys and cgroup read-only, devpts gid=5");
  CHECK(s->linux->namespaces_len == 6 && has_ns(s, "pid") && has_ns(s, "network")
            && has_ns(s, "ipc") && has_ns(s, "uts") && has_ns(s, "mount") && has_ns(s, "cgroup")
            && !has_ns(s, "user"),
        "spec: pid network ipc uts mount cgroup namespaces");
  CHECK(s->linux->resources && s->linux->resources->devices_len == 1
            && !s->linux->resources->devices[0].allow
            && strcmp(s->linux->resources->devices[0].access, "rwm") == 0,
        "spec: all devices denied");
  bool kcore = false;
  for (size_t i = 0; i < s->linux->masked_paths.len; i++)
    kcore = kcore || strcmp(s->linux->masked_paths.v[i], "/proc/kcore") == 0;
  CHECK(kcore && s->linux->readonly_paths.len == 5, "spec: masked and read-only paths");

  char *text = NULL;
  size_t len = 0;
  clawrt_error e = { 0 };
  oci_spec *back = NULL;
  CHECK(oci_spec_emit(s, &text, &len, &e) == 0
            && oci_spec_parse(text, len, "config.json", &back, &e) == 0
            && back->linux->namespaces_len == 6 && back->mounts_len == 7,
        "spec: emits and parses back %s", e.msg ? e.msg : "");
  clawrt_error_clear(&e);
  oci_spec_free(back);
  free(text);

  spec_make_rootless(s, 1234, 5678);
  CHECK(has_ns(s, "user") && !has_ns(s, "network") && has_ns(s, "cgroup")
            && s->linux->namespaces_len == 6,
        "rootless: user namespace, no network namespace");
  CHECK(s->linux->uid_mappings_len == 1 && s->linux->uid_mappings[0].container_id == 0
            && s->linux->uid_mappings[0].host_id == 1234 && s->linux->uid_mappings[0].size == 1
            && s->linux->gid_mappings_len == 1 && s->linux->gid_mappings[0].host_id == 5678,
        "rootless: root maps to the caller");
  const oci_mount *sys = mount_at(s, "/sys");
  CHECK(strcmp(sys->type, "none") == 0 && strcmp(sys->source, "/sys") == 0
            && has_opt(sys, "rbind") && has_opt(sys, "ro"),
        "rootless: /sys bound from the host");
  CHECK(!has_opt(mount_at(s, "/dev/pts"), "gid=5") && mount_at(s, "/dev/pts")->options.len == 5,
        "rootless: devpts without gid=5");
  CHECK(s->linux->resources == NULL, "rootless: no resources");
  spec_make_rootless(s, 1234, 5678);
  CHECK(s->linux->namespaces_len == 6, "rootless twice: still one user namespace");
  CHECK(oci_spec_emit(s, &text, &len, &e) == 0
            && oci_spec_parse(text, len, "config.json", &back, &e) == 0,
        "rootless: emits and parses back %s", e.msg ? e.msg : "");
  clawrt_error_clear(&e);
  oci_spec_free(back);
  free(text);
  oci_spec_free(s);
}

int
main(void)
{
  test_parser();
  test_cli_parse();
  test_exec_cgroup();
  test_globals();
  test_tables();
  test_manpage();
  test_log_format();
  test_spec_default();
  return tap_done();
}
