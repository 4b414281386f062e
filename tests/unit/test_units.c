/* Sizes and durations of the command line (update --memory, events
 * --interval), as runc reads them.  TAP output. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "src/cmd/units.h"
#include "tap.h"


static void
size_is(const char *s, int64_t want)
{
  int64_t got = 0;
  clawrt_error e = { 0 };
  int rc = units_parse_bytes("memory", s, &got, &e);
  CHECK(rc == 0 && got == want, "\"%s\" is %lld (got %lld%s%s)", s, (long long) want,
        (long long) got, rc ? ": " : "", rc ? e.msg : "");
  clawrt_error_clear(&e);
}

static void
size_bad(const char *s)
{
  int64_t got = 0;
  clawrt_error e = { 0 };
  CHECK(units_parse_bytes("memory", s, &got, &e) < 0 && strstr(e.msg, "--memory: "),
        "\"%s\" refused: %s", s, e.msg ? e.msg : "(accepted)");
  clawrt_error_clear(&e);
}

static void
dur_is(const char *s, uint64_t want)
{
  uint64_t got = 0;
  clawrt_error e = { 0 };
  int rc = units_parse_duration("interval", s, &got, &e);
  CHECK(rc == 0 && got == want, "\"%s\" is %llu ns (got %llu%s%s)", s,
        (unsigned long long) want, (unsigned long long) got, rc ? ": " : "", rc ? e.msg : "");
  clawrt_error_clear(&e);
}

static void
dur_bad(const char *s)
{
  uint64_t got = 0;
  clawrt_error e = { 0 };
  CHECK(units_parse_duration("interval", s, &got, &e) < 0 && strstr(e.msg, "--interval: "),
        "\"%s\" refused: %s", s, e.msg ? e.msg : "(accepted)");
  clawrt_error_clear(&e);
}

int
main(void)
{
  size_is("134217728", 134217728);
  size_is("0", 0);
  size_is("-1", -1);
  size_is("64m", 64ll << 20);
  size_is("64M", 64ll << 20);
  size_is("64mb", 64ll << 20);
  size_is("64MiB", 64ll << 20);
  size_is("1g", 1ll << 30);
  size_is("1.5g", 3ll << 29);
  size_is("512k", 512ll << 10);
  size_is("2 GB", 2ll << 30);
  size_is("100b", 100);
  size_is("1t", 1ll << 40);
  size_is("1p", 1ll << 50);
  size_bad("");
  size_bad("m");
  size_bad("12x");
  size_bad("-2");
  size_bad("1.2.3m");
  size_bad("64 m b");
  size_bad("0x10");
  size_bad("10000000p");

  dur_is("5s", 5000000000ull);
  dur_is("500ms", 500000000ull);
  dur_is("1m30s", 90000000000ull);
  dur_is("1.5h", 5400000000000ull);
  dur_is("250us", 250000ull);
  dur_is("250\xc2\xb5s", 250000ull);
  dur_is("10ns", 10ull);
  dur_is("0", 0);
  dur_is(".5s", 500000000ull);
  dur_is("+2s", 2000000000ull);
  dur_bad("");
  dur_bad("5");
  dur_bad("-1s");
  dur_bad("5x");
  dur_bad("s");
  dur_bad("1d");
  dur_bad("3000000h");

  return tap_done();
}
