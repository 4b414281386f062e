#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "util.h"

enum {
  F_PROCESS = 1,
  F_DETACH,
  F_PID_FILE,
  F_CONSOLE_SOCKET,
  F_TTY,
  F_CWD,
  F_ENV,
  F_USER,
  F_ADDITIONAL_GIDS,
  F_CAP,
  F_NO_NEW_PRIVS,
  F_PROCESS_LABEL,
  F_APPARMOR,
  F_PRESERVE_FDS,
  F_CGROUP,
  F_IGNORE_PAUSED,
};

static const cli_flag flags[] = {
  { "console-socket", 0, "PATH",
    "AF_UNIX socket that receives the master fd of the process's terminal", F_CONSOLE_SOCKET },
  { "cwd", 0, "DIR", "working directory of the process in the container", F_CWD },
  { "env", 'e', "KEY=VALUE", "add an environment variable (repeatable)", F_ENV },
  { "tty", 't', NULL, "give the process a terminal", F_TTY },
  { "user", 'u', "UID[:GID]", "run as UID (and GID) in the container", F_USER },
  { "additional-gids", 'g', "GID", "add a supplementary group (repeatable)", F_ADDITIONAL_GIDS },
  { "process", 'p', "FILE", "read the process from FILE, an OCI process JSON object, instead "
                            "of the command line", F_PROCESS },
  { "detach", 'd', NULL, "return once the process runs, without waiting for it", F_DETACH },
  { "pid-file", 0, "FILE", "write the process's pid to FILE", F_PID_FILE },
  { "process-label", 0, "LABEL", "SELinux label of the process", F_PROCESS_LABEL },
  { "apparmor", 0, "PROFILE", "AppArmor profile of the process", F_APPARMOR },
  { "no-new-privs", 0, NULL, "set no_new_privs: execve can never raise privileges",
    F_NO_NEW_PRIVS },
  { "cap", 'c', "CAP", "add a capability, such as CAP_NET_ADMIN (repeatable)", F_CAP },
  { "preserve-fds", 0, "N", "pass fds 3 to 3+N-1 on to the process, besides stdio",
    F_PRESERVE_FDS },
  { "cgroup", 0, "[CONTROLLER:]PATH",
    "run the process in this existing sub-cgroup of the container (of every hierarchy, or "
    "only of CONTROLLER's)", F_CGROUP },
  { "ignore-paused", 0, NULL, "exec even when the container is paused", F_IGNORE_PAUSED },
  { NULL, 0, NULL, NULL, 0 },
};

static void
strv_push(char ***v, const char *s)
{
  size_t n = strv_len(*v);
  *v = xrealloc(*v, (n + 2) * sizeof **v);
  (*v)[n] = xstrdup(s);
  (*v)[n + 1] = NULL;
}

static int
add_gid(exec_opts *o, const char *v, clawrt_error *err)
{
  uint64_t gid;
  /* runc's range: 0 to 2^31-1 */
  if (parse_u64(v, &gid) < 0 || strchr(v, '\n') || gid > INT32_MAX)
    return clawrt_error_set(err, 0, "exec: --additional-gids: \"%.32s\" is not a group id "
                            "(0 to %d)", v, INT32_MAX);
  o->additional_gids
      = xrealloc(o->additional_gids, (o->additional_gids_len + 1) * sizeof *o->additional_gids);
  o->additional_gids[o->additional_gids_len++] = (uint32_t) gid;
  return 0;
}

static int
parse_flags(cli_parser *p, exec_opts *o, bool *help, clawrt_error *err)
{
  const char *v;
  int id;
  while ((id = cli_next(p, &v, err)) != CLI_END)
    switch (id)
      {
      case -1:
        return -1;
      case CLI_HELP:
        *help = true;
        return 0;
      case F_PROCESS:
        o->process_path = v;
        break;
      case F_DETACH:
        o->detach = cli_bool(v);
        break;
      case F_PID_FILE:
        o->pid_file = *v ? v : NULL;
        break;
      case F_CONSOLE_SOCKET:
        o->console_socket = *v ? v : NULL;
        break;
      case F_TTY:
        o->tty = cli_bool(v);
        o->has_tty = true;
        break;
      case F_CWD:
        o->cwd = v;
        break;
      case F_ENV:
        strv_push(&o->env, v);
        break;
      case F_USER:
        o->user = v;
        break;
      case F_ADDITIONAL_GIDS:
        if (add_gid(o, v, err) < 0)
          return -1;
        break;
      case F_CAP:
        strv_push(&o->caps, v);
        break;
      case F_NO_NEW_PRIVS:
        o->no_new_privs = cli_bool(v);
        break;
      case F_PROCESS_LABEL:
        o->process_label = v;
        break;
      case F_APPARMOR:
        o->apparmor = v;
        break;
      case F_PRESERVE_FDS:
        if (cli_parse_int("preserve-fds", v, &o->preserve_fds, err) < 0)
          return -1;
        break;
      case F_CGROUP:
        /* runc takes one per controller; silently keeping only the last
         * would run the process in cgroups nobody asked for */
        if (o->cgroup)
          return clawrt_error_set(err, 0, "exec: --cgroup given twice (\"%.64s\", \"%.64s\"): "
                                  "clawrt takes one [CONTROLLER[,CONTROLLER...]:]PATH",
                                  o->cgroup, v);
        o->cgroup = v;
        break;
      case F_IGNORE_PAUSED:
        o->ignore_paused = cli_bool(v);
        break;
      }
  return 0;
}

static int
run(const clawrt_globals *g, int argc, char **argv, int *exit_status, clawrt_error *err)
{
  exec_opts o = { 0 };
  bool help = false;
  cli_parser p;
  cli_init(&p, &cmd_exec, argc, argv, 1);
  int r = parse_flags(&p, &o, &help, err);
  if (r == 0 && help)
    cli_print_help(stdout, &cmd_exec);
  else if (r == 0 && cli_args(&p, 1, -1, "container id", err) < 0)
    r = -1;
  else if (r == 0 && o.process_path == NULL && p.ind + 1 >= argc)
    r = clawrt_error_set(err, 0, "exec: no command given (give one after the container id, or "
                                 "--process FILE)");
  else if (r == 0)
    {
      o.args = argv + p.ind + 1;
      int status = 0;
      r = container_exec(g, argv[p.ind], &o, &status, err);
      if (r == 0)
        *exit_status = o.detach ? 0 : status;
    }
  strv_free(o.env);
  strv_free(o.caps);
  free(o.additional_gids);
  return r;
}

const cli_command cmd_exec = {
  .name = "exec",
  .args = "<container-id> <command> [ARGUMENTS...]",
  .summary = "run a new process in a running container",
  .description =
      "Runs COMMAND in the namespaces, cgroup and security settings of the\n"
      "container's init process, or the process object of --process FILE (then\n"
      "no command is given and the flags that set the process are ignored).\n"
      "Flags come before the container id: everything after it is the command.\n"
      "Unless --detach is given, exits with the process's exit status, 128+N\n"
      "when signal N killed it.",
  .flags = flags,
  .run = run,
};
