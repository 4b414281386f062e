#define _GNU_SOURCE
#include "error.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
clawrt_error_setv(clawrt_error *err, int errnum, const char *fmt, va_list ap)
{
  if (err == NULL)
    return -1;
  /* the first (deepest) cause wins: later sets on an error already filled
   * would hide where it really came from */
  if (err->msg != NULL)
    return -1;
  char *m = NULL;
  if (vasprintf(&m, fmt, ap) < 0)
    m = NULL;
  err->msg = m;
  err->errnum = errnum;
  return -1;
}

int
clawrt_error_set(clawrt_error *err, int errnum, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  clawrt_error_setv(err, errnum, fmt, ap);
  va_end(ap);
  return -1;
}

int
clawrt_error_set_complete(clawrt_error *err, int errnum, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  bool fresh = err && err->msg == NULL;
  clawrt_error_setv(err, errnum, fmt, ap);
  va_end(ap);
  if (fresh)
    err->complete = true;
  return -1;
}

int
clawrt_error_wrap(clawrt_error *err, const char *fmt, ...)
{
  if (err == NULL)
    return -1;
  char *prefix = NULL;
  va_list ap;
  va_start(ap, fmt);
  if (vasprintf(&prefix, fmt, ap) < 0)
    prefix = NULL;
  va_end(ap);
  if (prefix == NULL)
    return -1;
  char *m = NULL;
  if (asprintf(&m, "%s: %s", prefix, err->msg ? err->msg : "error") >= 0) {
    free(err->msg);
    err->msg = m;
  }
  free(prefix);
  return -1;
}

char *
clawrt_error_text(const clawrt_error *err)
{
  char *t = NULL;
  const char *m = err && err->msg ? err->msg : "unknown error";
  /* EINVAL marks bad input; the message names the field and what is
   * wrong, and "Invalid argument" after it would only add noise */
  if (err && err->errnum && err->errnum != EINVAL && !err->complete)
    {
      if (asprintf(&t, "%s: %s", m, strerror(err->errnum)) < 0)
        t = NULL;
    }
  else
    t = strdup(m);
  return t;
}

void
clawrt_error_clear(clawrt_error *err)
{
  if (err == NULL)
    return;
  free(err->msg);
  err->msg = NULL;
  err->errnum = 0;
  err->complete = false;
}

/* Wire format: int32 errnum, one byte `complete`, then the message bytes
 * (not NUL-terminated). */
#define PACK_HDR ((int) sizeof(int32_t) + 1)

int
clawrt_error_pack(const clawrt_error *err, char *buf, int len)
{
  if (len < PACK_HDR)
    return 0;
  int32_t e = err->errnum;
  memcpy(buf, &e, sizeof e);
  buf[sizeof e] = err->complete ? 1 : 0;
  const char *m = err->msg ? err->msg : "unknown error";
  int ml = (int) strlen(m);
  if (ml > len - PACK_HDR)
    ml = len - PACK_HDR;
  memcpy(buf + PACK_HDR, m, ml);
  return PACK_HDR + ml;
}

void
clawrt_error_unpack(clawrt_error *err, const char *buf, int len)
{
  int32_t e = 0;
  if (len < PACK_HDR)
    {
      clawrt_error_set(err, EPROTO, "malformed error message from child");
      return;
    }
  memcpy(&e, buf, sizeof e);
  if (buf[sizeof e])
    clawrt_error_set_complete(err, e, "%.*s", len - PACK_HDR, buf + PACK_HDR);
  else
    clawrt_error_set(err, e, "%.*s", len - PACK_HDR, buf + PACK_HDR);
}
