/* clawrt_error: the one error type of libclawrt.
 *
 * A library function that fails returns -1 and fills *err; the caller either
 * handles it or returns -1 too, optionally prefixing context with
 * clawrt_error_wrap().  The CLI prints the final message exactly once.
 * Nothing in the library calls exit().
 */
#ifndef CLAWRT_ERROR_H
#define CLAWRT_ERROR_H

#include <stdarg.h>
#include <stdbool.h>

typedef struct clawrt_error {
  int errnum;   /* errno of the root cause, 0 when it is not a system error */
  char *msg;    /* heap, NUL-terminated, without errno text */
  bool complete; /* msg says it all: no strerror(errnum) when printed */
} clawrt_error;

/* Set *err (if err is non-NULL and empty) to "fmt..."; errnum kept for the
 * caller, strerror(errnum) appended when printed.  Always returns -1 so it
 * can be used as `return clawrt_error_set(err, errno, "open %s", p);`. */
int clawrt_error_set(clawrt_error *err, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int clawrt_error_setv(clawrt_error *err, int errnum, const char *fmt, va_list ap);

/* Like clawrt_error_set, for messages clients match on as they are
 * ("container \"x\" does not exist", "container not running"): errnum is
 * kept for callers, but not spelled out after the message. */
int clawrt_error_set_complete(clawrt_error *err, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prefix the existing message with "fmt...: ".  Returns -1. */
int clawrt_error_wrap(clawrt_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The full text: "msg: strerror(errnum)" (or just msg).  Caller frees. */
char *clawrt_error_text(const clawrt_error *err);

void clawrt_error_clear(clawrt_error *err);

/* Serialise for the child -> parent sync socket and back. */
int clawrt_error_pack(const clawrt_error *err, char *buf, int len);
void clawrt_error_unpack(clawrt_error *err, const char *buf, int len);

#endif
