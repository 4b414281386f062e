/* The JSON layer: tree, exact integers, paths in errors, depth limit,
 * malformed input positions, generator output and misuse. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "util.h"

static int test_no, failures;

static void
ok(bool cond, const char *name)
{
  ++test_no;
  if (!cond)
    failures++;
  printf("%sok %d - %s\n", cond ? "" : "not ", test_no, name);
}

static json_value *
parse(const char *s)
{
  json_value *v = NULL;
  clawrt_error err = { 0 };
  if (json_parse(s, strlen(s), "t.json", &v, &err) < 0)
    {
      printf("# parse failed: %s\n", err.msg);
      clawrt_error_clear(&err);
      return NULL;
    }
  return v;
}

/* parse must fail with exactly msg */
static void
parse_fails(const char *s, size_t len, const char *msg, const char *name)
{
  json_value *v = NULL;
  clawrt_error err = { 0 };
  int r = json_parse(s, len, "t.json", &v, &err);
  bool good = r < 0 && v == NULL && err.msg && strcmp(err.msg, msg) == 0;
  ok(good, name);
  if (!good)
    printf("#   got: %s\n#  want: %s\n", r < 0 ? err.msg : "(parsed)", msg);
  json_free(v);
  clawrt_error_clear(&err);
}

static void
test_tree(void)
{
  json_value *v = parse("{\"s\":\"x\\ty\",\"n\":-1.50e+3,\"t\":true,\"f\":false,\"z\":null,"
                        "\"a\":[1,\"two\",[],{}],\"o\":{\"k\":\"v\"}}");
  ok(v && json_typeof(v) == JSON_OBJECT && json_object_len(v) == 7, "object with 7 keys");
  ok(strcmp(json_string(json_object_get(v, "s")), "x\ty") == 0, "string unescaped");
  ok(strcmp(json_number_text(json_object_get(v, "n")), "-1.50e+3") == 0,
     "number keeps its source text");
  ok(json_bool(json_object_get(v, "t")) && !json_bool(json_object_get(v, "f"))
         && json_typeof(json_object_get(v, "f")) == JSON_BOOL,
     "booleans");
  ok(json_typeof(json_object_get(v, "z")) == JSON_NULL && json_object_get(v, "z") != NULL,
     "null is a value, not absence");
  ok(json_object_get(v, "missing") == NULL && json_object_get(json_object_get(v, "s"), "x") == NULL,
     "absent key and lookup in a non-object give NULL");
  const json_value *a = json_object_get(v, "a");
  ok(json_array_len(a) == 4 && json_typeof(json_array_get(a, 2)) == JSON_ARRAY
         && json_array_len(json_array_get(a, 2)) == 0
         && json_object_len(json_array_get(a, 3)) == 0 && json_array_get(a, 4) == NULL,
     "array access, empty containers, out-of-range index");
  ok(strcmp(json_object_key(v, 6), "o") == 0
         && strcmp(json_string(json_object_value(json_object_value(v, 6), 0)), "v") == 0
         && json_object_key(v, 7) == NULL,
     "keys in document order");
  ok(strcmp(json_type_name(JSON_OBJECT), "object") == 0
         && strcmp(json_type_name(JSON_BOOL), "boolean") == 0,
     "type names");
  json_free(v);

  v = parse("  \"top\"  ");
  ok(v && strcmp(json_string(v), "top") == 0, "a scalar document");
  json_free(v);
  json_free(NULL);

  v = parse("{\"k\":1,\"j\":2,\"k\":3}");
  ok(v && json_object_len(v) == 2 && strcmp(json_number_text(json_object_get(v, "k")), "3") == 0
         && strcmp(json_object_key(v, 0), "j") == 0,
     "duplicate keys: last wins, one entry left");
  /* freeing an inner value must not free the document */
  json_free((json_value *) json_object_get(v, "j"));
  ok(strcmp(json_number_text(json_object_get(v, "j")), "2") == 0, "json_free on an inner value is a no-op");
  json_free(v);

  char big[8192];
  int n = sprintf(big, "{");
  for (int i = 0; i < 300; i++)
    n += sprintf(big + n, "%s\"k%d\":%d", i ? "," : "", i % 100, i);
  sprintf(big + n, "}");
  v = parse(big);
  ok(v && json_object_len(v) == 100 && strcmp(json_number_text(json_object_get(v, "k7")), "207") == 0
         && strcmp(json_object_key(v, 0), "k0") == 0,
     "many duplicates in a large object: last wins, order of last occurrences");
  json_free(v);

  size_t nitems = 100000;
  char *arr = xmalloc0(nitems * 2 + 3);
  arr[0] = '[';
  for (size_t i = 0; i < nitems; i++)
    {
      arr[1 + 2 * i] = '7';
      arr[2 + 2 * i] = ',';
    }
  arr[2 * nitems] = ']';
  v = parse(arr);
  ok(v && json_array_len(v) == nitems, "100k-element array");
  json_free(v);
  free(arr);
}

struct intcase
{
  const char *text;
  char kind; /* U u s I i: u64 u32 u16 i64 i32 */
  int ok;
  const char *msg_or_value;
};

static const struct intcase intcases[] = {
  { "0", 'U', 1, "0" },
  { "18446744073709551615", 'U', 1, "18446744073709551615" },
  { "18446744073709551616", 'U', 0, "x.n: value 18446744073709551616 out of range for uint64" },
  { "99999999999999999999999", 'U', 0, "x.n: value 99999999999999999999999 out of range for uint64" },
  { "-1", 'U', 0, "x.n: value -1 out of range for uint64" },
  { "-0", 'U', 1, "0" },
  { "1.5", 'U', 0, "x.n: expected unsigned integer, got 1.5" },
  { "1e2", 'U', 0, "x.n: expected unsigned integer, got 1e2" },
  { "2E+0", 'U', 0, "x.n: expected unsigned integer, got 2E+0" },
  { "4294967295", 'u', 1, "4294967295" },
  { "4294967296", 'u', 0, "x.n: value 4294967296 out of range for uint32" },
  { "65535", 's', 1, "65535" },
  { "65536", 's', 0, "x.n: value 65536 out of range for uint16" },
  { "9223372036854775807", 'I', 1, "9223372036854775807" },
  { "-9223372036854775808", 'I', 1, "-9223372036854775808" },
  { "9223372036854775808", 'I', 0, "x.n: value 9223372036854775808 out of range for int64" },
  { "-9223372036854775809", 'I', 0, "x.n: value -9223372036854775809 out of range for int64" },
  { "-18446744073709551616", 'I', 0, "x.n: value -18446744073709551616 out of range for int64" },
  { "-1.0", 'I', 0, "x.n: expected integer, got -1.0" },
  { "2147483647", 'i', 1, "2147483647" },
  { "-2147483648", 'i', 1, "-2147483648" },
  { "2147483648", 'i', 0, "x.n: value 2147483648 out of range for int32" },
  { "-2147483649", 'i', 0, "x.n: value -2147483649 out of range for int32" },
};

static void
test_integers(void)
{
  for (size_t i = 0; i < sizeof intcases / sizeof intcases[0]; i++)
    {
      const struct intcase *c = &intcases[i];
      char doc[128];
      snprintf(doc, sizeof doc, "{\"n\":%s}", c->text);
      json_value *v = parse(doc);
      const json_value *n = json_object_get(v, "n");
      clawrt_error err = { 0 };
      char got[64] = "";
      int r = -1;
      switch (c->kind)
        {
        case 'U':
          {
            uint64_t x;
            if ((r = json_get_u64(n, "x.n", &x, &err)) == 0)
              snprintf(got, sizeof got, "%llu", (unsigned long long) x);
            break;
          }
        case 'u':
          {
            uint32_t x;
            if ((r = json_get_u32(n, "x.n", &x, &err)) == 0)
              snprintf(got, sizeof got, "%u", x);
            break;
          }
        case 's':
          {
            uint16_t x;
            if ((r = json_get_u16(n, "x.n", &x, &err)) == 0)
              snprintf(got, sizeof got, "%u", x);
            break;
          }
        case 'I':
          {
            int64_t x;
            if ((r = json_get_i64(n, "x.n", &x, &err)) == 0)
              snprintf(got, sizeof got, "%lld", (long long) x);
            break;
          }
        case 'i':
          {
            int32_t x;
            if ((r = json_get_i32(n, "x.n", &x, &err)) == 0)
              snprintf(got, sizeof got, "%d", x);
            break;
          }
        }
      bool good = c->ok ? r == 0 && strcmp(got, c->msg_or_value) == 0
                        : r < 0 && strcmp(err.msg, c->msg_or_value) == 0 && err.errnum == EINVAL;
      char name[160];
      snprintf(name, sizeof name, "integer %s as %c: %s", c->text, c->kind, c->msg_or_value);
      ok(good, name);
      if (!good)
        printf("#   got: %s\n", r == 0 ? got : err.msg);
      clawrt_error_clear(&err);
      json_free(v);
    }
}

static void
test_type_errors(void)
{
  json_value *v = parse("{\"s\":\"x\",\"b\":true,\"n\":1,\"a\":[]}");
  clawrt_error err = { 0 };
  bool b;
  char *s = NULL;
  uint64_t u;
  int64_t i;

  ok(json_get_bool(json_object_get(v, "s"), "p.s", &b, &err) < 0
         && strcmp(err.msg, "p.s: expected boolean") == 0,
     "string where boolean is due");
  clawrt_error_clear(&err);
  ok(json_get_string(json_object_get(v, "b"), "p.b", &s, &err) < 0
         && strcmp(err.msg, "p.b: expected string") == 0 && s == NULL,
     "boolean where string is due");
  clawrt_error_clear(&err);
  ok(json_get_u64(json_object_get(v, "s"), "p.s", &u, &err) < 0
         && strcmp(err.msg, "p.s: expected unsigned integer") == 0,
     "string where unsigned integer is due");
  clawrt_error_clear(&err);
  ok(json_get_i64(json_object_get(v, "a"), "p.a", &i, &err) < 0
         && strcmp(err.msg, "p.a: expected integer") == 0,
     "array where integer is due");
  clawrt_error_clear(&err);
  ok(json_expect(json_object_get(v, "n"), JSON_ARRAY, "p.n", &err) < 0
         && strcmp(err.msg, "p.n: expected array") == 0,
     "json_expect names the path");
  clawrt_error_clear(&err);
  ok(json_expect(v, JSON_ARRAY, "", &err) < 0 && strcmp(err.msg, "expected array") == 0,
     "empty path: message without a prefix");
  clawrt_error_clear(&err);
  ok(json_get_bool(NULL, "p.gone", &b, &err) < 0 && strcmp(err.msg, "p.gone: expected boolean") == 0,
     "getters on an absent value fail cleanly");
  clawrt_error_clear(&err);
  ok(json_get_string(json_object_get(v, "s"), "p.s", &s, &err) == 0 && strcmp(s, "x") == 0
         && json_get_bool(json_object_get(v, "b"), "p.b", &b, &err) == 0 && b,
     "getters succeed on the right types");
  free(s);
  json_free(v);
}

static void
test_malformed(void)
{
  parse_fails("{\n  \"a\": 1,\n  \"b\": tru\n}", 24,
              "t.json: parse error at line 3, column 10: invalid string in json text",
              "bad literal: line and column");
  parse_fails("{\"a\" 1}", 7, "t.json: parse error at line 1, column 6: object key and value "
              "must be separated by a colon (':')", "missing colon");
  parse_fails("[1,]", 4, "t.json: parse error at line 1, column 4: unallowed token at this point "
              "in JSON text", "trailing comma");
  parse_fails("{\"a\":01}", 8, "t.json: parse error at line 1, column 6: after key and value, inside "
              "map, I expect ',' or '}'", "leading zero");
  parse_fails("[1", 2, "t.json: parse error at line 1, column 2: premature EOF", "premature EOF");
  parse_fails("{} x", 4, "t.json: parse error at line 1, column 4: trailing garbage", "trailing garbage");
  parse_fails(" \n\t", 3, "t.json: parse error: the document is empty", "whitespace only");
  parse_fails("[\"a\\u0000\"]", 11, "t.json: parse error at line 1, column 10: string contains a NUL "
              "character (\\u0000)", "NUL in a string");
  parse_fails("{\"a\\u0000\":1}", 13, "t.json: parse error at line 1, column 10: object key contains a "
              "NUL character (\\u0000)", "NUL in a key");
  parse_fails("[\"\xc3\x28\"]", 6, "t.json: parse error at line 1, column 4: invalid bytes in UTF8 "
              "string", "invalid UTF-8");
  parse_fails("[\"/\xc0\xaf\"]", 6, "t.json: parse error at line 1, column 6: string is not valid "
              "UTF-8", "overlong UTF-8 (what yajl lets through)");
  parse_fails("[\"\xed\xa0\x80\"]", 6, "t.json: parse error at line 1, column 6: string is not "
              "valid UTF-8", "UTF-8-encoded surrogate");
  parse_fails("{\"\xf4\x90\x80\x80\":1}", 9, "t.json: parse error at line 1, column 7: object key "
              "is not valid UTF-8", "code point above U+10FFFF in a key");
  parse_fails("[1] // c", 8, "t.json: parse error at line 1, column 4: trailing garbage",
              "comments are not JSON");
  char nul_inside[] = "[1]\0";
  parse_fails(nul_inside, 4, "t.json: parse error at line 1, column 4: trailing garbage",
              "a raw NUL byte after the document");

  json_value *v = NULL;
  clawrt_error err = { 0 };
  ok(json_parse("[", 1, NULL, &v, &err) < 0 && strncmp(err.msg, "json: parse error", 17) == 0,
     "no origin: 'json' prefix");
  clawrt_error_clear(&err);
}

static void
test_depth(void)
{
  char buf[512];
  for (int depth = 63; depth <= 66; depth++)
    {
      int n = 0;
      for (int i = 0; i < depth; i++)
        buf[n++] = '[';
      for (int i = 0; i < depth; i++)
        buf[n++] = ']';
      json_value *v = NULL;
      clawrt_error err = { 0 };
      int r = json_parse(buf, (size_t) n, "t.json", &v, &err);
      char name[64], want[128];
      snprintf(name, sizeof name, "depth %d %s", depth, depth <= JSON_MAX_DEPTH ? "ok" : "refused");
      snprintf(want, sizeof want, "t.json: parse error at line 1, column %d: nesting deeper than 64 levels",
               JSON_MAX_DEPTH + 1);
      if (depth <= JSON_MAX_DEPTH)
        ok(r == 0, name);
      else
        ok(r < 0 && strcmp(err.msg, want) == 0, name);
      if (r < 0 && depth <= JSON_MAX_DEPTH)
        printf("# %s\n", err.msg);
      clawrt_error_clear(&err);
      json_free(v);
    }
  /* objects count as well */
  int n = 0;
  for (int i = 0; i < 65; i++)
    n += sprintf(buf + n, "{\"a\":");
  json_value *v = NULL;
  clawrt_error err = { 0 };
  ok(json_parse(buf, (size_t) n, "t.json", &v, &err) < 0 && strstr(err.msg, "nesting deeper") != NULL,
     "deep objects refused before the end of input");
  clawrt_error_clear(&err);
}

static char *
finish(json_gen *g, clawrt_error *err)
{
  char *out = NULL;
  size_t len = 0;
  if (json_gen_finish(g, &out, &len, err) < 0)
    out = NULL;
  else if (len != strlen(out))
    {
      free(out);
      out = NULL;
    }
  json_gen_free(g);
  return out;
}

static void
test_generator(void)
{
  clawrt_error err = { 0 };
  json_gen *g = json_gen_new(true);
  json_gen_object_open(g);
  json_gen_key(g, "s");
  json_gen_string(g, "q\"b\\n\n\x01\x1f\xc3\xa9/");
  json_gen_key(g, "a");
  json_gen_array_open(g);
  json_gen_u64(g, UINT64_MAX);
  json_gen_i64(g, INT64_MIN);
  json_gen_bool(g, true);
  json_gen_null(g);
  json_gen_array_open(g);
  json_gen_array_close(g);
  json_gen_object_open(g);
  json_gen_object_close(g);
  json_gen_array_close(g);
  json_gen_key(g, "d");
  json_gen_double(g, 0.5);
  json_gen_object_close(g);
  char *out = finish(g, &err);
  const char *want = "{\n"
                     "  \"s\": \"q\\\"b\\\\n\\n\\u0001\\u001f\xc3\xa9/\",\n"
                     "  \"a\": [\n"
                     "    18446744073709551615,\n"
                     "    -9223372036854775808,\n"
                     "    true,\n"
                     "    null,\n"
                     "    [],\n"
                     "    {}\n"
                     "  ],\n"
                     "  \"d\": 0.5\n"
                     "}";
  ok(out && strcmp(out, want) == 0, "pretty output, escapes, empty containers");
  if (out && strcmp(out, want) != 0)
    printf("# got:\n%s\n", out);

  json_value *v = out ? parse(out) : NULL;
  ok(v && strcmp(json_string(json_object_get(v, "s")), "q\"b\\n\n\x01\x1f\xc3\xa9/") == 0
         && strcmp(json_number_text(json_array_get(json_object_get(v, "a"), 0)),
                   "18446744073709551615") == 0,
     "generated text parses back to the same values");
  json_free(v);
  free(out);

  g = json_gen_new(false);
  json_gen_object_open(g);
  json_gen_key(g, "a");
  json_gen_array_open(g);
  json_gen_u64(g, 1);
  json_gen_string(g, "");
  json_gen_array_close(g);
  json_gen_key(g, "b");
  json_gen_object_open(g);
  json_gen_object_close(g);
  json_gen_object_close(g);
  out = finish(g, &err);
  ok(out && strcmp(out, "{\"a\":[1,\"\"],\"b\":{}}") == 0, "compact output");
  free(out);

  struct
  {
    int what;
    const char *msg;
  } misuse[] = {
    { 0, "json generator: 1 container(s) left open" },
    { 1, "json generator: unbalanced close" },
    { 2, "json generator: key inside an array" },
    { 3, "json generator: value without a key in an object" },
    { 4, "json generator: string is not valid UTF-8" },
    { 5, "json generator: NaN or infinity has no JSON form" },
    { 6, "json generator: no value written" },
    { 7, "json generator: more than one top-level value" },
    { 8, "json generator: key without a value" },
    { 9, "json generator: string is not valid UTF-8" },
  };
  for (size_t i = 0; i < sizeof misuse / sizeof misuse[0]; i++)
    {
      g = json_gen_new(i % 2);
      switch (misuse[i].what)
        {
        case 0: json_gen_array_open(g); break;
        case 1: json_gen_array_open(g); json_gen_object_close(g); break;
        case 2: json_gen_array_open(g); json_gen_key(g, "k"); json_gen_u64(g, 1); json_gen_array_close(g); break;
        case 3: json_gen_object_open(g); json_gen_u64(g, 1); json_gen_object_close(g); break;
        case 4: json_gen_string(g, "\xc0\x80"); break;
        case 5: json_gen_double(g, NAN); break;
        case 6: break;
        case 7: json_gen_u64(g, 1); json_gen_u64(g, 2); break;
        case 8: json_gen_object_open(g); json_gen_key(g, "a"); json_gen_key(g, "b"); json_gen_null(g); json_gen_object_close(g); break;
        case 9: json_gen_string(g, "\xed\xa0\x80"); break;
        }
      out = finish(g, &err);
      char name[128];
      snprintf(name, sizeof name, "generator refuses: %s", misuse[i].msg);
      ok(out == NULL && err.msg && strcmp(err.msg, misuse[i].msg) == 0, name);
      if (out || !err.msg || strcmp(err.msg, misuse[i].msg) != 0)
        printf("#   got: %s\n", out ? out : err.msg);
      free(out);
      clawrt_error_clear(&err);
    }

  g = json_gen_new(false);
  json_gen_string(g, "\xf0\x9f\x90\xa7 \xe2\x82\xac \x7f");
  out = finish(g, &err);
  ok(out && strcmp(out, "\"\xf0\x9f\x90\xa7 \xe2\x82\xac \x7f\"") == 0, "valid multi-byte UTF-8 passes through");
  free(out);
}

int
main(void)
{
  test_tree();
  test_integers();
  test_type_errors();
  test_malformed();
  test_depth();
  test_generator();
  printf("1..%d\n", test_no);
  return failures ? 1 : 0;
}
