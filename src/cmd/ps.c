/* ps: the processes of a container.  As runc does it: the host's ps(1)
 * runs with the given options (default -ef), and only its header and the
 * lines whose PID column names a process of the container's cgroup are
 * printed.  --format json prints the pids alone, which containerd reads. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmd.h"
#include "util.h"

extern char **environ;

enum {
  F_FORMAT = 1,
};

static const cli_flag flags[] = {
  { "format", 'f', "FORMAT", "table (default: the lines of ps) or json (the pids)", F_FORMAT },
  { NULL, 0, NULL, NULL, 0 },
};

/* Run ps with args (NULL: -ef) and return what it wrote on stdout. */
static int
run_ps(char **args, int nargs, char **out, clawrt_error *err)
{
  int pfd[2];
  if (pipe2(pfd, O_CLOEXEC) < 0)
    return clawrt_error_set(err, errno, "ps: pipe");
  /* "ps", the options (or -ef), NULL */
  char **argv = xmalloc0(sizeof *argv * (size_t) (nargs + 3));
  argv[0] = (char *) "ps";
  if (nargs == 0)
    argv[1] = (char *) "-ef";
  for (int i = 0; i < nargs; i++)
    argv[i + 1] = args[i];
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, pfd[1], STDOUT_FILENO);
  pid_t pid;
  int rc = posix_spawnp(&pid, "ps", &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  free(argv);
  close(pfd[1]);
  if (rc != 0)
    {
      close(pfd[0]);
      return clawrt_error_set(err, rc, "run ps (is procps installed?)");
    }
  size_t cap = 8192, n = 0;
  char *buf = xmalloc0(cap + 1);
  for (;;)
    {
      if (n == cap)
        buf = xrealloc(buf, (cap *= 2) + 1);
      ssize_t r = read(pfd[0], buf + n, cap - n);
      if (r < 0 && errno == EINTR)
        continue;
      if (r <= 0)
        break;
      n += (size_t) r;
    }
  buf[n] = '\0';
  close(pfd[0]);
  int status;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
    ;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    {
      free(buf);
      return clawrt_error_set(err, 0, "ps failed (exit status %d)",
                              WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
    }
  *out = buf;
  return 0;
}

/* The index'th whitespace-separated field of line (up to the newline). */
static bool
field(const char *line, int index, char *buf, size_t len)
{
  const char *p = line;
  for (int i = 0;; i++)
    {
      while (*p == ' ' || *p == '\t')
        p++;
      if (*p == '\0' || *p == '\n')
        return false;
      const char *e = p;
      while (*e && *e != ' ' && *e != '\t' && *e != '\n')
        e++;
      if (i == index)
        {
          size_t l = (size_t) (e - p);
          if (l >= len)
            return false;
          memcpy(buf, p, l);
          buf[l] = '\0';
          return true;
        }
      p = e;
    }
}

static bool
has_pid(const pid_t *pids, size_t n, const char *s)
{
  int64_t v;
  if (parse_i64(s, &v) < 0)
    return false;
  for (size_t i = 0; i < n; i++)
    if (pids[i] == v)
      return true;
  return false;
}

static int
print_table(const pid_t *pids, size_t n, char **args, int nargs, clawrt_error *err)
{
  cleanup_free char *out = NULL;
  if (run_ps(args, nargs, &out, err) < 0)
    return -1;
  char *nl = strchr(out, '\n');
  if (nl == NULL)
    return clawrt_error_set(err, 0, "ps printed no header line");
  int pidcol = -1;
  char f[64];
  for (int i = 0; field(out, i, f, sizeof f); i++)
    if (strcmp(f, "PID") == 0)
      {
        pidcol = i;
        break;
      }
  if (pidcol < 0)
    return clawrt_error_set(err, 0, "ps output has no PID column: give ps options that "
                                    "print one (-o pid,...)");
  fwrite(out, 1, (size_t) (nl - out + 1), stdout);
  for (char *line = nl + 1; *line;)
    {
      char *end = strchrnul(line, '\n');
      if (field(line, pidcol, f, sizeof f) && has_pid(pids, n, f))
        {
          fwrite(line, 1, (size_t) (end - line), stdout);
          fputc('\n', stdout);
        }
      line = *end ? end + 1 : end;
    }
  return 0;
}

/* The last --format counts, as with runc's flag parser. */
static int
on_flag(void *ctx, int id, const char *v, clawrt_error *err)
{
  const char **format = ctx;
  if (id == F_FORMAT)
    *format = v;
  else if (id == CLI_END && strcmp(*format, "json") != 0 && strcmp(*format, "table") != 0)
    return clawrt_error_set(err, 0, "--format: \"%s\" is neither table nor json", *format);
  return 0;
}

static int
run(const clawrt_globals *g, int argc, char **argv, int *exit_status, clawrt_error *err)
{
  const char *format = "table";
  int ind, r = cli_parse(&cmd_ps, argc, argv, on_flag, &format, &ind, err);
  if (r != 0)
    return r < 0 ? -1 : 0;
  cleanup_free pid_t *pids = NULL;
  size_t n = 0;
  if (container_ps(g, argv[ind], &pids, &n, err) < 0)
    return -1;
  if (strcmp(format, "json") != 0)
    return print_table(pids, n, argv + ind + 1, argc - ind - 1, err);
  fputc('[', stdout);
  for (size_t i = 0; i < n; i++)
    printf("%s%d", i ? "," : "", (int) pids[i]);
  fputs("]\n", stdout);
  return 0;
}

const cli_command cmd_ps = {
  .name = "ps",
  .args = "<container-id> [PS-OPTIONS...]",
  .summary = "list the processes of a container",
  .description =
      "Runs the host's ps(1) with PS-OPTIONS (default: -ef) and prints its header and\n"
      "the lines of the processes in the container's cgroup; the output must have a\n"
      "PID column.  With --format json it prints the host pids as a JSON array.",
  .flags = flags,
  .run = run,
  .min_args = 1,
  .max_args = -1,
};
