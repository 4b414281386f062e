/* Sizes and durations of the command line, as runc's flags take them. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <ctype.h>
#include <stdbool.h>
#include <string.h>

#include "units.h"

/* digits, then optionally '.' and digits: the value as a long double, or
 * false when there is no digit at all */
static bool
number(const char **p, long double *out)
{
  const char *s = *p;
  long double v = 0;
  bool any = false;
  while (isdigit((unsigned char) *s))
    {
      v = v * 10 + (*s++ - '0');
      any = true;
    }
  if (*s == '.')
    {
      s++;
      long double scale = 0.1L;
      while (isdigit((unsigned char) *s))
        {
          v += (*s++ - '0') * scale;
          scale /= 10;
          any = true;
        }
    }
  *p = s;
  *out = v;
  return any;
}

int
units_parse_bytes(const char *flag, const char *s, int64_t *out, clawrt_error *err)
{
  if (strcmp(s, "-1") == 0)
    {
      *out = -1;
      return 0;
    }
  const char *p = s;
  long double v;
  if (!number(&p, &v))
    goto bad;
  if (*p == ' ')
    p++;
  static const char prefixes[] = "kmgtp";
  const char *pre = *p ? strchr(prefixes, tolower((unsigned char) *p)) : NULL;
  if (pre)
    {
      for (long i = 0; i <= pre - prefixes; i++)
        v *= 1024;
      p++;
      if (*p == 'i' || *p == 'I')
        p++;
    }
  if (*p == 'b' || *p == 'B')
    p++;
  if (*p != '\0')
    goto bad;
  if (v >= 9223372036854775808.0L)
    return clawrt_error_set(err, 0, "--%s: %s is too large", flag, s);
  *out = (int64_t) v;
  return 0;
bad:
  return clawrt_error_set(err, 0,
                          "--%s: invalid size \"%s\" (a number of bytes with an optional unit: "
                          "512k, 64m, 1.5g; -1 for no limit)",
                          flag, s);
}

static const struct
{
  const char *name;
  long double ns;
} duration_units[] = {
  { "ns", 1 },          { "us", 1e3L },       { "\xc2\xb5s", 1e3L }, { "\xce\xbcs", 1e3L },
  { "ms", 1e6L },       { "s", 1e9L },        { "m", 60e9L },        { "h", 3600e9L },
};

int
units_parse_duration(const char *flag, const char *s, uint64_t *ns, clawrt_error *err)
{
  if (strcmp(s, "0") == 0)
    {
      *ns = 0;
      return 0;
    }
  if (*s == '-')
    return clawrt_error_set(err, 0, "--%s: %s: a duration cannot be negative", flag, s);
  const char *p = *s == '+' ? s + 1 : s;
  long double total = 0;
  if (*p == '\0')
    goto bad;
  while (*p)
    {
      long double v;
      if (!number(&p, &v))
        goto bad;
      size_t ul = 0;
      while (p[ul] && p[ul] != '.' && !isdigit((unsigned char) p[ul]))
        ul++;
      size_t i;
      for (i = 0; i < sizeof duration_units / sizeof duration_units[0]; i++)
        if (strlen(duration_units[i].name) == ul && strncmp(p, duration_units[i].name, ul) == 0)
          break;
      if (i == sizeof duration_units / sizeof duration_units[0])
        goto bad;
      total += v * duration_units[i].ns;
      p += ul;
    }
  if (total >= 9223372036854775808.0L)
    return clawrt_error_set(err, 0, "--%s: %s is too long", flag, s);
  *ns = (uint64_t) total;
  return 0;
bad:
  return clawrt_error_set(err, 0,
                          "--%s: invalid duration \"%s\" (a number with a unit: 500ms, 5s, 1m30s)",
                          flag, s);
}
