/* events: the container's resource statistics and OOM kills as JSON lines,
 * in runc's shape. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdio.h>

#include "cmd.h"
#include "units.h"

enum {
  F_INTERVAL = 1,
  F_STATS,
};

static const cli_flag flags[] = {
  { "interval", 0, "DURATION", "time between two stats events (default: 5s; 500ms, 1m...)",
    F_INTERVAL },
  { "stats", 0, NULL, "print the statistics once, then exit", F_STATS },
  { NULL, 0, NULL, NULL, 0 },
};

/* Each event on its own line, flushed at once: a reader follows the stream. */
static int
print_event(const char *json, void *data, clawrt_error *err)
{
  (void) data;
  if (fputs(json, stdout) < 0 || fputc('\n', stdout) < 0 || fflush(stdout) != 0)
    return clawrt_error_set(err, errno, "events: write to stdout");
  return 0;
}

static int
on_flag(void *ctx, int id, const char *v, clawrt_error *err)
{
  events_opts *o = ctx;
  uint64_t ns;
  switch (id)
    {
    case F_STATS:
      o->stats_once = cli_bool(v);
      break;
    case F_INTERVAL:
      if (units_parse_duration("interval", v, &ns, err) < 0)
        return -1;
      if (ns < 1000000)
        return clawrt_error_set(err, 0, "--interval: %s is below 1ms", v);
      o->interval_ms = ns / 1000000;
      break;
    }
  return 0;
}

static int
run(const clawrt_globals *g, int argc, char **argv, int *exit_status, clawrt_error *err)
{
  events_opts o = { .stats_once = false, .interval_ms = 0 };
  int ind, r = cli_parse(&cmd_events, argc, argv, on_flag, &o, &ind, err);
  if (r != 0)
    return r < 0 ? -1 : 0;
  return container_events(g, argv[ind], &o, print_event, NULL, err);
}

const cli_command cmd_events = {
  .name = "events",
  .args = "<container-id>",
  .summary = "print a container's resource use and OOM kills as JSON",
  .description =
      "Prints one JSON object per line, as runc does: {\"type\":\"stats\",\"id\":ID,\n"
      "\"data\":{cpu, memory, pids, blkio, hugetlb}} every --interval, and\n"
      "{\"type\":\"oom\",\"id\":ID} each time the kernel's OOM killer kills a process of\n"
      "the container, until the container's init exits.  With --stats it prints the\n"
      "statistics once.",
  .flags = flags,
  .run = run,
  .min_args = 1,
  .max_args = 1,
};
