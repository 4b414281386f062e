/* Logging for the runtime itself (never the container's output).
 *
 * Clients read our log, not our stderr: containerd and podman pass
 * `--log FILE --log-format json` and take the last level=error entry as the
 * reason a command failed.  So entries go to the --log file when there is
 * one, in the runc-compatible text or json format, one write(2) per entry on
 * an O_APPEND fd so that concurrent runtimes never interleave lines.
 * Without --log, warnings and debug lines go to stderr.
 *
 * The library may call log_warn()/log_debug(); it never prints otherwise.
 * The final error of a command is reported once by main() through
 * log_report_error().
 */
#ifndef CLAWRT_LOG_H
#define CLAWRT_LOG_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

typedef enum log_level {
  LOG_LEVEL_ERROR,
  LOG_LEVEL_WARN,
  LOG_LEVEL_INFO,
  LOG_LEVEL_DEBUG,
} log_level;

typedef enum log_format {
  LOG_FORMAT_TEXT,
  LOG_FORMAT_JSON,
} log_format;

/* "text" or "json" (NULL means text); anything else is an error naming the
 * value. */
int log_parse_format(const char *name, log_format *out, clawrt_error *err);

/* Open PATH for appending (created 0640) when non-NULL, select the format and
 * whether debug entries are kept.  May be called again; the old file is
 * closed.  Fails without changing anything. */
int log_init(const char *path, const char *format, bool debug, clawrt_error *err);
void log_close(void);

bool log_debug_enabled(void);

void log_msg(log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define log_error(...) log_msg(LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...)                                                         \
  do                                                                           \
    {                                                                          \
      if (log_debug_enabled())                                                 \
        log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__);                                 \
    }                                                                          \
  while (0)

/* The command's final error: "clawrt: MSG" on stderr and an error entry in
 * the --log file (once: not twice when the log file is stderr itself). */
void log_report_error(const char *msg);

/* Pure formatting, exposed for the unit test.  Returns a heap line ending
 * in '\n'.  time_ns is wall-clock nanoseconds since the epoch.  Control
 * characters and invalid UTF-8 in msg are escaped, so a hostile string
 * (from a config.json, say) can neither break a line apart nor send
 * terminal escapes. */
char *log_format_entry(log_format fmt, log_level level, long long time_ns, const char *msg);

/* msg with control characters and invalid UTF-8 escaped as \xNN, for a
 * terminal.  Caller frees. */
char *log_sanitize(const char *msg);

#endif
