/* The flag parser and help printer shared by every subcommand.  Written for
 * runc's conventions rather than on getopt: getopt accepts any unambiguous
 * prefix (`--pid` for `--pid-file`), which would make a typo mean another
 * flag. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <strings.h>

#include "cmd.h"
#include "log.h"
#include "util.h"

static const cli_flag help_flag = { "help", 'h', NULL, "show this help", CLI_HELP };

const cli_flag cli_no_flags[] = {
  { NULL, 0, NULL, NULL, 0 },
};

void
cli_init(cli_parser *p, const cli_command *cmd, int argc, char **argv, int first)
{
  memset(p, 0, sizeof *p);
  p->cmd = cmd;
  p->argc = argc;
  p->argv = argv;
  p->ind = first;
}

const cli_flag *
cli_find_long(const cli_flag *flags, const char *name, size_t len)
{
  for (const cli_flag *f = flags; f && f->name; f++)
    if (strlen(f->name) == len && strncmp(f->name, name, len) == 0)
      return f;
  if (len == 4 && strncmp(name, "help", 4) == 0)
    return &help_flag;
  return NULL;
}

const cli_flag *
cli_find_short(const cli_flag *flags, char c)
{
  for (const cli_flag *f = flags; f && f->name; f++)
    if (f->short_name != 0 && f->short_name == c)
      return f;
  if (c == 'h')
    return &help_flag;
  return NULL;
}

static const char *
cmd_label(const cli_parser *p)
{
  return p->cmd->name ? p->cmd->name : "clawrt";
}

static int
usage_error(const cli_parser *p, clawrt_error *err, const char *fmt, const char *what)
{
  cleanup_free char *safe = log_sanitize(what);
  cleanup_free char *msg = xasprintf(fmt, safe);
  if (p->cmd->name)
    return clawrt_error_set(err, 0, "%s: %s (see clawrt %s --help)", p->cmd->name, msg,
                            p->cmd->name);
  return clawrt_error_set(err, 0, "%s (see clawrt --help)", msg);
}

/* A boolean's `=VALUE`: true/false as Go's flag package takes them. */
static int
bool_value(cli_parser *p, const cli_flag *f, const char *v, const char **value,
           clawrt_error *err)
{
  if (v == NULL || strcasecmp(v, "true") == 0 || strcmp(v, "1") == 0)
    {
      *value = NULL;
      return f->id;
    }
  if (strcasecmp(v, "false") == 0 || strcmp(v, "0") == 0)
    {
      strcpy(p->negated, "false");
      *value = p->negated;
      return f->id;
    }
  cleanup_free char *safe = log_sanitize(v);
  return clawrt_error_set(err, 0, "%s: --%s takes true or false, not \"%s\"", cmd_label(p),
                          f->name, safe);
}

/* The flag f was named; its value is inline (after '=' or in a short
 * cluster) or the next argument. */
static int
take_value(cli_parser *p, const cli_flag *f, const char *inline_value, const char **value,
           clawrt_error *err)
{
  if (f->arg == NULL)
    return bool_value(p, f, inline_value, value, err);
  if (inline_value != NULL)
    {
      *value = inline_value;
      return f->id;
    }
  if (p->ind >= p->argc)
    return clawrt_error_set(err, 0, "%s: flag --%s needs a value (%s)", cmd_label(p), f->name,
                            f->arg);
  *value = p->argv[p->ind++];
  return f->id;
}

static int
next_short(cli_parser *p, const char **value, clawrt_error *err)
{
  char c = *p->cluster++;
  const cli_flag *f = cli_find_short(p->cmd->flags, c);
  if (f == NULL)
    {
      char s[3] = { '-', c, '\0' };
      p->cluster = NULL;
      return usage_error(p, err, "unknown flag %s", s);
    }
  const char *rest = *p->cluster ? p->cluster : NULL;
  if (f->arg != NULL)
    {
      /* -bDIR or -b=DIR: the rest of the cluster is the value */
      p->cluster = NULL;
      if (rest && *rest == '=')
        rest++;
      return take_value(p, f, rest, value, err);
    }
  if (rest && *rest == '=')
    {
      p->cluster = NULL;
      return bool_value(p, f, rest + 1, value, err);
    }
  p->cluster = rest;
  *value = NULL;
  return f->id;
}

int
cli_next(cli_parser *p, const char **value, clawrt_error *err)
{
  *value = NULL;
  if (p->cluster)
    return next_short(p, value, err);
  if (p->ind >= p->argc)
    return CLI_END;
  const char *a = p->argv[p->ind];
  if (a[0] != '-' || a[1] == '\0')
    return CLI_END;
  p->ind++;
  if (strcmp(a, "--") == 0)
    return CLI_END;

  bool two = a[1] == '-';
  const char *name = a + (two ? 2 : 1);
  const char *eq = strchr(name, '=');
  size_t len = eq ? (size_t) (eq - name) : strlen(name);
  /* -x is a short flag; -xyz or --xyz a long one, and -xyz that names no
   * long flag a cluster of short ones */
  if (two || len > 1)
    {
      const cli_flag *f = cli_find_long(p->cmd->flags, name, len);
      if (f != NULL)
        return take_value(p, f, eq ? eq + 1 : NULL, value, err);
      if (two)
        return usage_error(p, err, "unknown flag %s", a);
      if (cli_find_short(p->cmd->flags, name[0]) == NULL)
        return usage_error(p, err, "unknown flag %s", a);
    }
  p->cluster = name;
  return next_short(p, value, err);
}

int
cli_args(cli_parser *p, int min, int max, const char *what, clawrt_error *err)
{
  int n = p->argc - p->ind;
  if (n >= min && (max < 0 || n <= max))
    return 0;
  const char *cmd = cmd_label(p);
  if (n < min)
    return clawrt_error_set(err, 0, "%s: missing %s (see clawrt %s --help)", cmd, what, cmd);
  cleanup_free char *extra = log_sanitize(p->argv[p->ind + max]);
  return clawrt_error_set(err, 0, "%s: unexpected argument \"%s\" (see clawrt %s --help)", cmd,
                          extra, cmd);
}

int
cli_parse_int(const char *flag, const char *value, int *out, clawrt_error *err)
{
  uint64_t v;
  if (parse_u64(value, &v) < 0 || strchr(value, '\n') || v > INT_MAX)
    {
      cleanup_free char *safe = log_sanitize(value);
      return clawrt_error_set(err, 0, "--%s: \"%s\" is not a number from 0 to %d", flag, safe,
                              INT_MAX);
    }
  *out = (int) v;
  return 0;
}

/* ---- help ----------------------------------------------------------------- */

static int
flag_label(char *buf, size_t len, const cli_flag *f)
{
  char shortpart[8] = "    ";
  if (f->short_name)
    snprintf(shortpart, sizeof shortpart, "-%c, ", f->short_name);
  return snprintf(buf, len, "  %s--%s%s%s", shortpart, f->name, f->arg ? " " : "",
                  f->arg ? f->arg : "");
}

void
cli_print_flags(FILE *out, const cli_flag *flags)
{
  int width = 0;
  char buf[128];
  for (const cli_flag *f = flags; f && f->name; f++)
    {
      int n = flag_label(buf, sizeof buf, f);
      if (n > width)
        width = n;
    }
  int hn = flag_label(buf, sizeof buf, &help_flag);
  if (hn > width)
    width = hn;
  for (const cli_flag *f = flags; f && f->name; f++)
    {
      flag_label(buf, sizeof buf, f);
      fprintf(out, "%-*s  %s\n", width, buf, f->help);
    }
  flag_label(buf, sizeof buf, &help_flag);
  fprintf(out, "%-*s  %s\n", width, buf, help_flag.help);
}

void
cli_print_help(FILE *out, const cli_command *cmd)
{
  bool has_flags = cmd->flags && cmd->flags->name;
  fprintf(out, "Usage: clawrt %s%s%s%s\n\n", cmd->name, has_flags ? " [OPTIONS]" : "",
          cmd->args && *cmd->args ? " " : "", cmd->args ? cmd->args : "");
  fprintf(out, "%s\n", cmd->summary);
  if (cmd->description && *cmd->description)
    fprintf(out, "\n%s\n", cmd->description);
  fprintf(out, "\nOptions:\n");
  cli_print_flags(out, cmd->flags);
}

int
cli_parse(const cli_command *cmd, int argc, char **argv, cli_flag_fn *on_flag, void *ctx,
          int *ind, clawrt_error *err)
{
  cli_parser p;
  cli_init(&p, cmd, argc, argv, 1);
  const char *v;
  int id;
  while ((id = cli_next(&p, &v, err)) != CLI_END)
    {
      if (id == CLI_HELP)
        {
          cli_print_help(stdout, cmd);
          return 1;
        }
      if (id < 0 || (on_flag && on_flag(ctx, id, v, err) < 0))
        return -1;
    }
  if (on_flag && on_flag(ctx, CLI_END, NULL, err) < 0)
    return -1;
  if (cli_args(&p, cmd->min_args, cmd->max_args, "container id", err) < 0)
    return -1;
  *ind = p.ind;
  return 0;
}

int
cli_flag_bool(void *ctx, int id, const char *value, clawrt_error *err)
{
  if (id != CLI_END)
    *(bool *) ctx = cli_bool(value);
  return 0;
}

void
cli_print_text(const char *text, size_t len)
{
  fwrite(text, 1, len, stdout);
  if (len == 0 || text[len - 1] != '\n')
    fputc('\n', stdout);
}
