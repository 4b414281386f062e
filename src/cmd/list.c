#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "json.h"
#include "spec_default.h"
#include "util.h"

enum {
  F_FORMAT = 1,
  F_QUIET,
};

static const cli_flag flags[] = {
  { "format", 'f', "FORMAT", "table (default) or json", F_FORMAT },
  { "quiet", 'q', NULL, "print only the container ids, one per line", F_QUIET },
  { NULL, 0, NULL, NULL, 0 },
};

#define NCOLS 6

static void
cells_of(const container_info *c, char *pid, size_t pidlen, const char *cells[NCOLS])
{
  snprintf(pid, pidlen, "%d", (int) c->pid);
  cells[0] = c->id ? c->id : "";
  cells[1] = pid;
  cells[2] = c->status ? c->status : "";
  cells[3] = c->bundle ? c->bundle : "";
  cells[4] = c->created ? c->created : "";
  cells[5] = c->owner ? c->owner : "";
}

/* runc's layout (Go's tabwriter, minimum width 12, padding 3), so scripts
 * that cut columns by position keep working. */
static void
print_table(FILE *out, const container_info *v, size_t n)
{
  static const char *const head[NCOLS] = { "ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER" };
  size_t width[NCOLS];
  for (int i = 0; i < NCOLS; i++)
    width[i] = strlen(head[i]);
  char pid[24];
  const char *cells[NCOLS];
  for (size_t r = 0; r < n; r++)
    {
      cells_of(&v[r], pid, sizeof pid, cells);
      for (int i = 0; i < NCOLS; i++)
        if (strlen(cells[i]) > width[i])
          width[i] = strlen(cells[i]);
    }
  for (int i = 0; i < NCOLS; i++)
    width[i] = width[i] + 3 < 12 ? 12 : width[i] + 3;
  for (size_t r = 0; r <= n; r++)
    {
      if (r == 0)
        memcpy(cells, head, sizeof cells);
      else
        cells_of(&v[r - 1], pid, sizeof pid, cells);
      for (int i = 0; i < NCOLS - 1; i++)
        fprintf(out, "%-*s", (int) width[i], cells[i]);
      fprintf(out, "%s\n", cells[NCOLS - 1]);
    }
}

static void
gen_str(json_gen *g, const char *key, const char *value)
{
  json_gen_key(g, key);
  json_gen_string(g, value ? value : "");
}

static int
print_json(FILE *out, const container_info *v, size_t n, clawrt_error *err)
{
  json_gen *g = json_gen_new(false);
  json_gen_array_open(g);
  for (size_t i = 0; i < n; i++)
    {
      const container_info *c = &v[i];
      json_gen_object_open(g);
      gen_str(g, "ociVersion", CLAWRT_OCI_VERSION);
      gen_str(g, "id", c->id);
      json_gen_key(g, "pid");
      json_gen_i64(g, c->pid);
      gen_str(g, "status", c->status);
      gen_str(g, "bundle", c->bundle);
      gen_str(g, "rootfs", c->rootfs);
      gen_str(g, "created", c->created);
      gen_str(g, "owner", c->owner);
      if (c->annotations.len > 0)
        {
          json_gen_key(g, "annotations");
          json_gen_object_open(g);
          for (size_t k = 0; k < c->annotations.len; k++)
            gen_str(g, c->annotations.keys[k], c->annotations.values[k]);
          json_gen_object_close(g);
        }
      json_gen_object_close(g);
    }
  json_gen_array_close(g);
  cleanup_free char *text = NULL;
  size_t len = 0;
  int r = json_gen_finish(g, &text, &len, err);
  json_gen_free(g);
  if (r < 0)
    return -1;
  fwrite(text, 1, len, out);
  fputc('\n', out);
  return 0;
}

typedef struct list_args {
  bool json, quiet;
} list_args;

static int
on_flag(void *ctx, int id, const char *v, clawrt_error *err)
{
  list_args *a = ctx;
  switch (id)
    {
    case F_FORMAT:
      if (strcmp(v, "json") == 0)
        a->json = true;
      else if (strcmp(v, "table") == 0)
        a->json = false;
      else
        return clawrt_error_set(err, 0, "list: invalid format option \"%.32s\" (use table "
                                        "or json)", v);
      break;
    case F_QUIET:
      a->quiet = cli_bool(v);
      break;
    }
  return 0;
}

static int
run(const clawrt_globals *g, int argc, char **argv, int *exit_status, clawrt_error *err)
{
  list_args a = { false, false };
  int ind, r = cli_parse(&cmd_list, argc, argv, on_flag, &a, &ind, err);
  if (r != 0)
    return r < 0 ? -1 : 0;

  container_info *infos = NULL;
  size_t n = 0;
  if (container_list(g, &infos, &n, err) < 0)
    return -1;
  if (a.quiet)
    for (size_t i = 0; i < n; i++)
      printf("%s\n", infos[i].id);
  else if (a.json)
    r = print_json(stdout, infos, n, err);
  else
    print_table(stdout, infos, n);
  for (size_t i = 0; i < n; i++)
    container_info_free(&infos[i]);
  free(infos);
  return r;
}

const cli_command cmd_list = {
  .name = "list",
  .args = "",
  .summary = "list the containers under --root",
  .description = "Prints every container of the state directory (--root) with its pid,\n"
                 "status, bundle, creation time and owner.  --format json prints an array\n"
                 "of the objects `clawrt state` prints.",
  .flags = flags,
  .run = run,
};
