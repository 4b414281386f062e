#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <ctype.h>
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
    "run the process in this existing sub-cgroup of the container: of every hierarchy, or "
    "of CONTROLLER's only (a comma list; repeatable, once per controller)", F_CGROUP },
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

static void
add_cgroup_entry(exec_opts *o, const char *controller, size_t len, const char *path)
{
  o->cgroups = xrealloc(o->cgroups, (o->cgroups_len + 1) * sizeof *o->cgroups);
  o->cgroups[o->cgroups_len++] = (struct exec_cgroup){
    .controller = controller ? xasprintf("%.*s", (int) len, controller) : NULL,
    .path = xstrdup(path),
  };
}

int
cmd_exec_add_cgroup(exec_opts *o, const char *spec, clawrt_error *err)
{
  const char *colon = strchr(spec, ':');
  if (colon && strchr(colon + 1, ':'))
    return clawrt_error_set(err, 0, "exec: --cgroup \"%.64s\": more than one ':' (expected "
                            "[CONTROLLER[,CONTROLLER...]:]PATH)", spec);
  /* as runc: a path of every hierarchy and a path of some controller
   * cannot both hold, whichever comes first; the error names the former */
  bool all_first = o->cgroups_len > 0 && o->cgroups[0].controller == NULL;
  if (all_first || (colon == NULL && o->cgroups_len > 0))
    return clawrt_error_set(err, 0, "exec: --cgroup \"%.64s\": a PATH of every hierarchy must "
                            "be the only --cgroup; give CONTROLLER:PATH for each controller "
                            "instead", all_first ? o->cgroups[0].path : spec);
  if (colon == NULL)
    {
      add_cgroup_entry(o, NULL, 0, spec);
      return 0;
    }
  for (const char *c = spec; c <= colon;)
    {
      size_t len = strcspn(c, ",:");
      if (len == 0)
        return clawrt_error_set(err, 0, "exec: --cgroup \"%.64s\": empty controller name "
                                "(expected [CONTROLLER[,CONTROLLER...]:]PATH)", spec);
      /* the cgroup layer splits a name at blanks and '+' too: "memory pids"
       * would be two controllers that the check below never compared */
      size_t ok = 0;
      while (ok < len && (isalnum((unsigned char) c[ok]) || strchr("_=.-", c[ok])))
        ok++;
      if (ok < len)
        return clawrt_error_set(err, 0, "exec: --cgroup \"%.64s\": \"%.*s\" is not a "
                                "controller name", spec, (int) len, c);
      /* runc lets the last path of a controller win; the process would
       * then run in a cgroup other than one it was asked to */
      for (size_t i = 0; i < o->cgroups_len; i++)
        if (strlen(o->cgroups[i].controller) == len
            && strncmp(o->cgroups[i].controller, c, len) == 0)
          return clawrt_error_set(err, 0, "exec: --cgroup \"%.64s\": controller \"%.*s\" "
                                  "named twice (its first path: \"%.64s\")", spec, (int) len,
                                  c, o->cgroups[i].path);
      add_cgroup_entry(o, c, len, colon + 1);
      c += len + 1;
    }
  return 0;
}

void
cmd_exec_opts_free(exec_opts *o)
{
  strv_free(o->env);
  strv_free(o->caps);
  free(o->additional_gids);
  for (size_t i = 0; i < o->cgroups_len; i++)
    {
      free(o->cgroups[i].controller);
      free(o->cgroups[i].path);
    }
  free(o->cgroups);
  memset(o, 0, sizeof *o);
}

static int
on_flag(void *ctx, int id, const char *v, clawrt_error *err)
{
  exec_opts *o = ctx;
  switch (id)
    {
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
      return add_gid(o, v, err);
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
      return cli_parse_int("preserve-fds", v, &o->preserve_fds, err);
    case F_CGROUP:
      return cmd_exec_add_cgroup(o, v, err);
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
  int ind, r = cli_parse(&cmd_exec, argc, argv, on_flag, &o, &ind, err);
  if (r > 0)
    r = 0;
  else if (r == 0 && o.process_path == NULL && ind + 1 >= argc)
    r = clawrt_error_set(err, 0, "exec: no command given (give one after the container id, or "
                                 "--process FILE)");
  else if (r == 0)
    {
      o.args = argv + ind + 1;
      int status = 0;
      r = container_exec(g, argv[ind], &o, &status, err);
      if (r == 0)
        *exit_status = o.detach ? 0 : status;
    }
  cmd_exec_opts_free(&o);
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
  .min_args = 1,
  .max_args = -1,
};
