#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

static int log_fd = -1;
static log_format log_fmt = LOG_FORMAT_TEXT;
static bool log_debug_on;
/* the --log file is our own stderr (`--log /dev/stderr`): write entries
 * there once, and skip the plain "clawrt: msg" copy */
static bool log_fd_is_stderr;

int
log_parse_format(const char *name, log_format *out, clawrt_error *err)
{
  if (name == NULL || strcmp(name, "text") == 0)
    *out = LOG_FORMAT_TEXT;
  else if (strcmp(name, "json") == 0)
    *out = LOG_FORMAT_JSON;
  else
    {
      cleanup_free char *safe = log_sanitize(name);
      return clawrt_error_set(err, 0, "--log-format: unknown format \"%s\" (use text or json)",
                              safe);
    }
  return 0;
}

static bool
same_file(int a, int b)
{
  struct stat sa, sb;
  if (fstat(a, &sa) < 0 || fstat(b, &sb) < 0)
    return false;
  return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

int
log_init(const char *path, const char *format, bool debug, clawrt_error *err)
{
  log_format fmt;
  if (log_parse_format(format, &fmt, err) < 0)
    return -1;
  int fd = -1;
  if (path != NULL)
    {
      if (*path == '\0')
        return clawrt_error_set(err, 0, "--log: empty path");
      /* runc's default, which some callers pass: share fd 2 itself, since a
       * second open of a regular file behind it would write at another
       * offset and overwrite what fd 2 wrote */
      if (strcmp(path, "/dev/stderr") == 0)
        fd = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
      else
        fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0640);
      if (fd < 0)
        return clawrt_error_set(err, errno, "--log: open `%s`", path);
    }
  log_close();
  log_fd = fd;
  log_fd_is_stderr = fd >= 0 && same_file(fd, STDERR_FILENO);
  log_fmt = fmt;
  log_debug_on = debug;
  return 0;
}

void
log_close(void)
{
  if (log_fd >= 0)
    close(log_fd);
  log_fd = -1;
  log_fd_is_stderr = false;
}

bool
log_debug_enabled(void)
{
  return log_debug_on;
}

/* ---- escaping ----------------------------------------------------------- */

/* Length of the well-formed UTF-8 sequence at s (1-4), or 0 when the bytes
 * are not one (overlong forms, surrogates and values past U+10FFFF
 * included). */
static size_t
utf8_seq_len(const unsigned char *s)
{
  unsigned char c = s[0];
  if (c < 0x80)
    return 1;
  size_t n;
  uint32_t cp;
  if (c >= 0xc2 && c <= 0xdf)
    n = 2, cp = c & 0x1f;
  else if (c >= 0xe0 && c <= 0xef)
    n = 3, cp = c & 0x0f;
  else if (c >= 0xf0 && c <= 0xf4)
    n = 4, cp = c & 0x07;
  else
    return 0;
  for (size_t i = 1; i < n; i++)
    {
      if ((s[i] & 0xc0) != 0x80)
        return 0;
      cp = (cp << 6) | (s[i] & 0x3f);
    }
  if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff))
      || (cp >= 0xd800 && cp <= 0xdfff))
    return 0;
  return n;
}

/* U+0080..U+009F: C1 controls, which some terminals obey (0xc2 0x9b is CSI). */
static bool
is_c1(const unsigned char *s, size_t n)
{
  return n == 2 && s[0] == 0xc2 && s[1] < 0xa0;
}

typedef struct strbuf {
  char *s;
  size_t len, cap;
} strbuf;

static void
sb_add(strbuf *b, const char *p, size_t n)
{
  if (b->len + n + 1 > b->cap)
    {
      b->cap = (b->len + n + 1) * 2;
      b->s = xrealloc(b->s, b->cap);
    }
  memcpy(b->s + b->len, p, n);
  b->len += n;
  b->s[b->len] = '\0';
}

static void
sb_str(strbuf *b, const char *s)
{
  sb_add(b, s, strlen(s));
}

static void
sb_hex(strbuf *b, const char *fmt, unsigned v)
{
  char tmp[16];
  int n = snprintf(tmp, sizeof tmp, fmt, v);
  sb_add(b, tmp, (size_t) n);
}

typedef enum escape_style {
  ESCAPE_TERMINAL, /* controls and bad bytes as \xNN, nothing else touched */
  ESCAPE_QUOTED,   /* also \" and \\, for text-format msg="..." */
  ESCAPE_JSON,     /* JSON string body; bad bytes become U+FFFD */
} escape_style;

static void
sb_escaped(strbuf *b, const char *msg, escape_style style)
{
  const unsigned char *s = (const unsigned char *) (msg ? msg : "");
  while (*s)
    {
      size_t n = utf8_seq_len(s);
      if (n == 0)
        {
          if (style == ESCAPE_JSON)
            sb_str(b, "\\ufffd");
          else
            sb_hex(b, "\\x%02x", *s);
          s++;
          continue;
        }
      if (is_c1(s, n))
        {
          sb_hex(b, "\\u%04x", s[1]);
          s += n;
          continue;
        }
      unsigned char c = *s;
      if (n == 1 && (c < 0x20 || c == 0x7f))
        {
          const char *named = NULL;
          if (style != ESCAPE_TERMINAL)
            named = c == '\n' ? "\\n" : c == '\t' ? "\\t" : c == '\r' ? "\\r" : NULL;
          if (named)
            sb_str(b, named);
          else if (style == ESCAPE_JSON)
            sb_hex(b, "\\u%04x", c);
          else
            sb_hex(b, "\\x%02x", c);
        }
      else if (n == 1 && style != ESCAPE_TERMINAL && (c == '"' || c == '\\'))
        {
          char e[2] = { '\\', (char) c };
          sb_add(b, e, 2);
        }
      else
        sb_add(b, (const char *) s, n);
      s += n;
    }
}

char *
log_sanitize(const char *msg)
{
  strbuf b = { 0 };
  sb_add(&b, "", 0);
  sb_escaped(&b, msg, ESCAPE_TERMINAL);
  return b.s;
}

static const char *
level_name(log_level level)
{
  switch (level)
    {
    case LOG_LEVEL_ERROR:
      return "error";
    case LOG_LEVEL_WARN:
      return "warning"; /* logrus' spelling, which clients parse */
    case LOG_LEVEL_INFO:
      return "info";
    case LOG_LEVEL_DEBUG:
      return "debug";
    }
  return "error";
}

char *
log_format_entry(log_format fmt, log_level level, long long time_ns, const char *msg)
{
  time_t secs = (time_t) (time_ns / 1000000000LL);
  long nsec = (long) (time_ns % 1000000000LL);
  struct tm tm;
  gmtime_r(&secs, &tm);
  char stamp[64];
  size_t sl = strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);

  strbuf b = { 0 };
  if (fmt == LOG_FORMAT_JSON)
    {
      sb_str(&b, "{\"level\":\"");
      sb_str(&b, level_name(level));
      sb_str(&b, "\",\"msg\":\"");
      sb_escaped(&b, msg, ESCAPE_JSON);
      sb_str(&b, "\",\"time\":\"");
      sb_add(&b, stamp, sl);
      sb_hex(&b, ".%09uZ\"}\n", (unsigned) nsec);
    }
  else
    {
      /* runc's text lines carry whole seconds */
      sb_str(&b, "time=\"");
      sb_add(&b, stamp, sl);
      sb_str(&b, "Z\" level=");
      sb_str(&b, level_name(level));
      sb_str(&b, " msg=\"");
      sb_escaped(&b, msg, ESCAPE_QUOTED);
      sb_str(&b, "\"\n");
    }
  return b.s;
}

static long long
wall_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (long long) ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* One write(2) per entry: with O_APPEND the kernel keeps entries of
 * concurrent runtimes whole. */
static void
write_entry(int fd, log_level level, const char *msg)
{
  int saved = errno;
  cleanup_free char *line = log_format_entry(log_fmt, level, wall_ns(), msg);
  if (write_all(fd, line, strlen(line)) < 0)
    {
      /* nowhere better to say it; the command's own result is unaffected */
    }
  errno = saved;
}

static void
write_stderr(const char *prefix, const char *msg)
{
  int saved = errno;
  cleanup_free char *safe = log_sanitize(msg);
  cleanup_free char *line = xasprintf("clawrt: %s%s\n", prefix, safe);
  if (write_all(STDERR_FILENO, line, strlen(line)) < 0)
    {
      /* stderr closed: nothing to do */
    }
  errno = saved;
}

void
log_msg(log_level level, const char *fmt, ...)
{
  if (level == LOG_LEVEL_DEBUG && !log_debug_on)
    return;
  int saved = errno;
  char *msg = NULL;
  va_list ap;
  va_start(ap, fmt);
  if (vasprintf(&msg, fmt, ap) < 0)
    msg = NULL;
  va_end(ap);
  if (msg == NULL)
    {
      errno = saved;
      return;
    }
  if (log_fd >= 0)
    write_entry(log_fd, level, msg);
  else
    {
      const char *prefix = level == LOG_LEVEL_WARN    ? "warning: "
                           : level == LOG_LEVEL_DEBUG ? "debug: "
                           : level == LOG_LEVEL_INFO  ? "info: "
                                                      : "error: ";
      write_stderr(prefix, msg);
    }
  free(msg);
  errno = saved;
}

void
log_report_error(const char *msg)
{
  if (log_fd >= 0)
    write_entry(log_fd, LOG_LEVEL_ERROR, msg);
  if (!log_fd_is_stderr)
    write_stderr("", msg);
}
