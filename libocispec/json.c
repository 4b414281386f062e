/* The JSON layer over yajl: yajl's callback parser feeds a tree of our own
 * (so number text survives and yajl stays in this file), typed getters that
 * name the path on failure, and a small generator.
 *
 * Memory: a document lives in one arena (a chain of blocks) freed at once by
 * json_free(root); a 5 KB config costs a handful of malloc calls. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "json.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_parse.h>

#include "../src/lib/util.h"

struct json_value
{
  uint8_t type;
  bool b;
  bool is_root;
  size_t len;            /* string/number length, array/object count */
  union
  {
    const char *s;       /* JSON_STRING (NUL-terminated), JSON_NUMBER text */
    json_value **items;  /* JSON_ARRAY, JSON_OBJECT values */
  } u;
  const char **keys;     /* JSON_OBJECT */
};

/* ---- arena --------------------------------------------------------------- */

struct arena_block
{
  struct arena_block *next;
  size_t size, used;
  char data[];
};

struct arena
{
  struct arena_block *head;
  size_t next_size;
};

static void *
arena_alloc(struct arena *a, size_t n)
{
  n = (n + 15) & ~(size_t) 15;
  struct arena_block *b = a->head;
  if (b == NULL || b->size - b->used < n)
    {
      size_t sz = a->next_size ? a->next_size : 8192;
      if (a->next_size < (1u << 20))
        a->next_size = sz * 2;
      if (sz < n)
        sz = n;
      b = xmalloc0(sizeof *b + sz);
      b->size = sz;
      b->next = a->head;
      a->head = b;
    }
  void *p = b->data + b->used;
  b->used += n;
  return p;
}

static void
arena_release(struct arena *a)
{
  struct arena_block *b = a->head;
  while (b)
    {
      struct arena_block *n = b->next;
      free(b);
      b = n;
    }
  a->head = NULL;
}

static char *
arena_strndup(struct arena *a, const char *s, size_t n)
{
  char *d = arena_alloc(a, n + 1);
  memcpy(d, s, n);
  d[n] = '\0';
  return d;
}

/* The root value sits inside the document that owns the arena, so that
 * json_free() needs only the root. */
struct json_doc
{
  struct arena arena;
  json_value root;
};

/* Length of the valid UTF-8 sequence at s (1..4, at most avail bytes), 0
 * when invalid.  Stricter than yajl's reader, which lets overlong forms
 * (C0 AF for "/") and encoded surrogates through: both the parser and the
 * generator use this one definition. */
static size_t
utf8_seq(const unsigned char *s, size_t avail)
{
  if (s[0] < 0x80)
    return 1;
  size_t n = s[0] >= 0xc2 && s[0] <= 0xdf ? 2
             : s[0] >= 0xe0 && s[0] <= 0xef ? 3
             : s[0] >= 0xf0 && s[0] <= 0xf4 ? 4
                                            : 0;
  if (n == 0 || n > avail)
    return 0;
  for (size_t i = 1; i < n; i++)
    if ((s[i] & 0xc0) != 0x80)
      return 0;
  if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] >= 0xa0)
      || (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] >= 0x90))
    return 0;
  return n;
}

static bool
utf8_valid(const unsigned char *s, size_t n)
{
  for (size_t i = 0; i < n;)
    {
      size_t k = utf8_seq(s + i, n - i);
      if (k == 0)
        return false;
      i += k;
    }
  return true;
}

/* ---- parser ---------------------------------------------------------------- */

#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)
#define DEPTH_TEXT STRINGIFY(JSON_MAX_DEPTH)

struct frame
{
  json_value *node;      /* the container being filled */
  json_value **items;
  const char **keys;
  size_t len, cap;
  const char *pending_key;
};

struct builder
{
  struct arena *arena;
  struct frame frames[JSON_MAX_DEPTH + 1];
  int depth;             /* number of open containers */
  int frames_used;       /* frames whose vectors were allocated */
  json_value *root;
  const char *fail;      /* our own reason when a callback refuses */
};

static json_value *
new_node(struct builder *b, json_type t)
{
  json_value *v = arena_alloc(b->arena, sizeof *v);
  memset(v, 0, sizeof *v);
  v->type = (uint8_t) t;
  return v;
}

static int
add_value(struct builder *b, json_value *v)
{
  if (b->depth == 0)
    {
      b->root = v;
      return 1;
    }
  struct frame *f = &b->frames[b->depth - 1];
  if (f->len == f->cap)
    {
      /* keys grow with items whatever the container: the frame is reused
       * by the next container at this depth, object or array */
      f->cap = f->cap ? f->cap * 2 : 16;
      f->items = xrealloc(f->items, f->cap * sizeof *f->items);
      f->keys = xrealloc(f->keys, f->cap * sizeof *f->keys);
    }
  if (f->node->type == JSON_OBJECT)
    {
      f->keys[f->len] = f->pending_key;
      f->pending_key = NULL;
    }
  f->items[f->len++] = v;
  return 1;
}

static int
cb_null(void *ctx)
{
  struct builder *b = ctx;
  return add_value(b, new_node(b, JSON_NULL));
}

static int
cb_boolean(void *ctx, int val)
{
  struct builder *b = ctx;
  json_value *v = new_node(b, JSON_BOOL);
  v->b = val != 0;
  return add_value(b, v);
}

static int
cb_number(void *ctx, const char *s, size_t n)
{
  struct builder *b = ctx;
  json_value *v = new_node(b, JSON_NUMBER);
  v->u.s = arena_strndup(b->arena, s, n);
  v->len = n;
  return add_value(b, v);
}

/* A NUL inside a string would silently cut it short in every C consumer
 * ("/etc\u0000/../x" turning into "/etc"), so the whole document is
 * refused instead. */
static int
cb_string(void *ctx, const unsigned char *s, size_t n)
{
  struct builder *b = ctx;
  if (memchr(s, '\0', n) != NULL)
    {
      b->fail = "string contains a NUL character (\\u0000)";
      return 0;
    }
  if (!utf8_valid(s, n))
    {
      b->fail = "string is not valid UTF-8";
      return 0;
    }
  json_value *v = new_node(b, JSON_STRING);
  v->u.s = arena_strndup(b->arena, (const char *) s, n);
  v->len = n;
  return add_value(b, v);
}

static int
cb_map_key(void *ctx, const unsigned char *s, size_t n)
{
  struct builder *b = ctx;
  if (memchr(s, '\0', n) != NULL)
    {
      b->fail = "object key contains a NUL character (\\u0000)";
      return 0;
    }
  if (!utf8_valid(s, n))
    {
      b->fail = "object key is not valid UTF-8";
      return 0;
    }
  b->frames[b->depth - 1].pending_key = arena_strndup(b->arena, (const char *) s, n);
  return 1;
}

static int
open_container(struct builder *b, json_type t)
{
  if (b->depth >= JSON_MAX_DEPTH)
    {
      b->fail = "nesting deeper than " DEPTH_TEXT " levels";
      return 0;
    }
  json_value *v = new_node(b, t);
  if (!add_value(b, v))
    return 0;
  struct frame *f = &b->frames[b->depth++];
  if (b->depth > b->frames_used)
    b->frames_used = b->depth;
  f->node = v;
  f->len = 0;
  f->pending_key = NULL;
  return 1;
}

static int
cb_start_map(void *ctx)
{
  return open_container(ctx, JSON_OBJECT);
}

static int
cb_start_array(void *ctx)
{
  return open_container(ctx, JSON_ARRAY);
}

struct keyref
{
  const char *key;
  size_t idx;
};

static int
keyref_cmp(const void *a, const void *b)
{
  const struct keyref *x = a, *y = b;
  int c = strcmp(x->key, y->key);
  if (c)
    return c;
  return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* Keep only the last of duplicate keys, so lookups can stop at the first
 * match and maps built from an object never hold a key twice. Small objects
 * are checked pairwise; big ones by sorting, so a hostile document with many
 * keys stays O(n log n). */
static size_t
dedup_keys(const char **keys, json_value **items, size_t n)
{
  if (n < 2)
    return n;
  bool *drop = xmalloc0(n);
  bool any = false;
  if (n <= 16)
    {
      for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
          if (strcmp(keys[i], keys[j]) == 0)
            {
              drop[i] = any = true;
              break;
            }
    }
  else
    {
      struct keyref *r = xmalloc0(n * sizeof *r);
      for (size_t i = 0; i < n; i++)
        r[i] = (struct keyref) { keys[i], i };
      qsort(r, n, sizeof *r, keyref_cmp);
      for (size_t i = 0; i + 1 < n; i++)
        if (strcmp(r[i].key, r[i + 1].key) == 0)
          drop[r[i].idx] = any = true;
      free(r);
    }
  size_t out = n;
  if (any)
    {
      out = 0;
      for (size_t i = 0; i < n; i++)
        if (!drop[i])
          {
            keys[out] = keys[i];
            items[out] = items[i];
            out++;
          }
    }
  free(drop);
  return out;
}

static int
close_container(struct builder *b)
{
  struct frame *f = &b->frames[--b->depth];
  json_value *v = f->node;
  size_t n = f->len;
  if (v->type == JSON_OBJECT)
    n = dedup_keys(f->keys, f->items, n);
  v->len = n;
  v->u.items = arena_alloc(b->arena, (n ? n : 1) * sizeof *v->u.items);
  if (v->type == JSON_OBJECT)
    v->keys = arena_alloc(b->arena, (n ? n : 1) * sizeof *v->keys);
  if (n)
    {
      memcpy(v->u.items, f->items, n * sizeof *v->u.items);
      if (v->type == JSON_OBJECT)
        memcpy(v->keys, f->keys, n * sizeof *v->keys);
    }
  f->len = 0;
  return 1;
}

static int
cb_end(void *ctx)
{
  return close_container(ctx);
}

static const yajl_callbacks callbacks = {
  .yajl_null = cb_null,
  .yajl_boolean = cb_boolean,
  .yajl_number = cb_number,
  .yajl_string = cb_string,
  .yajl_start_map = cb_start_map,
  .yajl_map_key = cb_map_key,
  .yajl_end_map = cb_end,
  .yajl_start_array = cb_start_array,
  .yajl_end_array = cb_end,
};

static void
line_col(const char *buf, size_t len, size_t off, size_t *line, size_t *col)
{
  if (off > len)
    off = len;
  size_t l = 1, start = 0;
  for (size_t i = 0; i < off; i++)
    if (buf[i] == '\n')
      {
        l++;
        start = i + 1;
      }
  *line = l;
  /* yajl has consumed the offending byte: point at it */
  *col = off > start ? off - start : 1;
}

static bool
only_space(const char *buf, size_t len)
{
  for (size_t i = 0; i < len; i++)
    if (buf[i] != ' ' && buf[i] != '\t' && buf[i] != '\n' && buf[i] != '\r')
      return false;
  return true;
}

/* yajl's terse message is "parse error: premature EOF\n"; keep the reason. */
static char *
yajl_reason(yajl_handle h, const char *buf, size_t len)
{
  unsigned char *m = yajl_get_error(h, 0, (const unsigned char *) buf, len);
  const char *s = m ? (const char *) m : "invalid JSON";
  const char *colon = strstr(s, "error: ");
  if (colon)
    s = colon + strlen("error: ");
  char *r = xstrdup(s);
  size_t n = strlen(r);
  while (n && (r[n - 1] == '\n' || r[n - 1] == ' ' || r[n - 1] == '.'))
    r[--n] = '\0';
  if (m)
    yajl_free_error(h, m);
  return r;
}

int
json_parse(const char *buf, size_t len, const char *origin, json_value **out,
           clawrt_error *err)
{
  const char *pfx = origin ? origin : "json";
  struct json_doc *doc = xmalloc0(sizeof *doc);
  struct builder b = { .arena = &doc->arena };
  int ret = -1;

  yajl_handle h = yajl_alloc(&callbacks, NULL, &b);
  if (h == NULL)
    abort();
  yajl_status st = yajl_parse(h, (const unsigned char *) buf, len);
  size_t off = yajl_get_bytes_consumed(h);
  if (st == yajl_status_ok)
    {
      st = yajl_complete_parse(h);
      off = len;
    }
  if (st != yajl_status_ok || b.root == NULL)
    {
      size_t line, col;
      line_col(buf, len, off, &line, &col);
      if (b.fail)
        clawrt_error_set(err, EINVAL, "%s: parse error at line %zu, column %zu: %s", pfx,
                         line, col, b.fail);
      else if (only_space(buf, len))
        clawrt_error_set(err, EINVAL, "%s: parse error: the document is empty", pfx);
      else
        {
          cleanup_free char *why = yajl_reason(h, buf, len);
          clawrt_error_set(err, EINVAL, "%s: parse error at line %zu, column %zu: %s", pfx,
                           line, col, why);
        }
      goto out;
    }
  doc->root = *b.root;
  doc->root.is_root = true;
  *out = &doc->root;
  doc = NULL;
  ret = 0;
out:
  yajl_free(h);
  for (int i = 0; i < b.frames_used; i++)
    {
      free(b.frames[i].items);
      free(b.frames[i].keys);
    }
  if (doc)
    {
      arena_release(&doc->arena);
      free(doc);
    }
  return ret;
}

void
json_free(json_value *v)
{
  /* only a root owns the document; inner values die with it */
  if (v == NULL || !v->is_root)
    return;
  struct json_doc *doc = (struct json_doc *) ((char *) v - offsetof(struct json_doc, root));
  arena_release(&doc->arena);
  free(doc);
}

/* ---- accessors ------------------------------------------------------------- */

json_type
json_typeof(const json_value *v)
{
  return v ? (json_type) v->type : JSON_NULL;
}

const char *
json_type_name(json_type t)
{
  switch (t)
    {
    case JSON_NULL: return "null";
    case JSON_BOOL: return "boolean";
    case JSON_NUMBER: return "number";
    case JSON_STRING: return "string";
    case JSON_ARRAY: return "array";
    case JSON_OBJECT: return "object";
    }
  return "unknown";
}

const json_value *
json_object_get(const json_value *obj, const char *key)
{
  if (obj == NULL || obj->type != JSON_OBJECT)
    return NULL;
  for (size_t i = 0; i < obj->len; i++)
    if (obj->keys[i][0] == key[0] && strcmp(obj->keys[i], key) == 0)
      return obj->u.items[i];
  return NULL;
}

size_t
json_object_len(const json_value *obj)
{
  return obj && obj->type == JSON_OBJECT ? obj->len : 0;
}

const char *
json_object_key(const json_value *obj, size_t i)
{
  return obj && obj->type == JSON_OBJECT && i < obj->len ? obj->keys[i] : NULL;
}

const json_value *
json_object_value(const json_value *obj, size_t i)
{
  return obj && obj->type == JSON_OBJECT && i < obj->len ? obj->u.items[i] : NULL;
}

size_t
json_array_len(const json_value *arr)
{
  return arr && arr->type == JSON_ARRAY ? arr->len : 0;
}

const json_value *
json_array_get(const json_value *arr, size_t i)
{
  return arr && arr->type == JSON_ARRAY && i < arr->len ? arr->u.items[i] : NULL;
}

const char *
json_string(const json_value *v)
{
  return v && v->type == JSON_STRING ? v->u.s : NULL;
}

const char *
json_number_text(const json_value *v)
{
  return v && v->type == JSON_NUMBER ? v->u.s : NULL;
}

bool
json_bool(const json_value *v)
{
  return v && v->type == JSON_BOOL && v->b;
}

/* ---- typed getters ----------------------------------------------------------- */

static int
type_error(clawrt_error *err, const char *path, const char *what)
{
  if (path == NULL || *path == '\0')
    return clawrt_error_set(err, EINVAL, "expected %s", what);
  return clawrt_error_set(err, EINVAL, "%s: expected %s", path, what);
}

/* Number text in messages is capped: a hostile file can hold a megabyte of
 * digits. */
static int
number_error(clawrt_error *err, const char *path, const char *fmt, const char *text,
             const char *tname)
{
  int n = (int) strlen(text);
  const char *ell = "";
  if (n > 40)
    {
      n = 40;
      ell = "...";
    }
  cleanup_free char *shown = xasprintf("%.*s%s", n, text, ell);
  cleanup_free char *msg = xasprintf(fmt, shown, tname);
  if (path == NULL || *path == '\0')
    return clawrt_error_set(err, EINVAL, "%s", msg);
  return clawrt_error_set(err, EINVAL, "%s: %s", path, msg);
}

int
json_expect(const json_value *v, json_type t, const char *path, clawrt_error *err)
{
  if (v == NULL || v->type != t)
    return type_error(err, path, json_type_name(t));
  return 0;
}

int
json_get_string(const json_value *v, const char *path, char **out, clawrt_error *err)
{
  if (v == NULL || v->type != JSON_STRING)
    return type_error(err, path, "string");
  *out = xstrdup(v->u.s);
  return 0;
}

int
json_get_bool(const json_value *v, const char *path, bool *out, clawrt_error *err)
{
  if (v == NULL || v->type != JSON_BOOL)
    return type_error(err, path, "boolean");
  *out = v->b;
  return 0;
}

/* Read the integer straight from its source text: magnitude into *mag,
 * sign into *neg.  Returns 0, -1 for a fraction/exponent, -2 on overflow of
 * uint64. */
static int
scan_integer(const char *s, bool *neg, uint64_t *mag)
{
  *neg = false;
  *mag = 0;
  if (*s == '-')
    {
      *neg = true;
      s++;
    }
  if (*s < '0' || *s > '9')
    return -1;
  uint64_t acc = 0;
  bool overflow = false;
  for (; *s >= '0' && *s <= '9'; s++)
    {
      unsigned d = (unsigned) (*s - '0');
      if (acc > (UINT64_MAX - d) / 10)
        overflow = true;
      else
        acc = acc * 10 + d;
    }
  if (*s != '\0')
    return -1;
  if (overflow)
    return -2;
  *mag = acc;
  return 0;
}

static int
get_unsigned(const json_value *v, const char *path, uint64_t max, const char *tname,
             uint64_t *out, clawrt_error *err)
{
  if (v == NULL || v->type != JSON_NUMBER)
    return type_error(err, path, "unsigned integer");
  bool neg;
  uint64_t mag;
  int r = scan_integer(v->u.s, &neg, &mag);
  if (r == -1)
    return number_error(err, path, "expected unsigned integer, got %s%s", v->u.s, "");
  if (r == -2 || mag > max || (neg && mag != 0))
    return number_error(err, path, "value %s out of range for %s", v->u.s, tname);
  *out = mag;
  return 0;
}

static int
get_signed(const json_value *v, const char *path, int64_t min, int64_t max, const char *tname,
           int64_t *out, clawrt_error *err)
{
  if (v == NULL || v->type != JSON_NUMBER)
    return type_error(err, path, "integer");
  bool neg;
  uint64_t mag;
  int r = scan_integer(v->u.s, &neg, &mag);
  if (r == -1)
    return number_error(err, path, "expected integer, got %s%s", v->u.s, "");
  if (r == -2)
    return number_error(err, path, "value %s out of range for %s", v->u.s, tname);
  int64_t val;
  if (neg)
    {
      /* -(min) does not fit in int64: compare magnitudes in uint64 */
      if (mag > (uint64_t) (-(min + 1)) + 1)
        return number_error(err, path, "value %s out of range for %s", v->u.s, tname);
      val = mag == 0 ? 0 : -(int64_t) (mag - 1) - 1;
    }
  else
    {
      if (mag > (uint64_t) max)
        return number_error(err, path, "value %s out of range for %s", v->u.s, tname);
      val = (int64_t) mag;
    }
  *out = val;
  return 0;
}

int
json_get_u64(const json_value *v, const char *path, uint64_t *out, clawrt_error *err)
{
  return get_unsigned(v, path, UINT64_MAX, "uint64", out, err);
}

int
json_get_u32(const json_value *v, const char *path, uint32_t *out, clawrt_error *err)
{
  uint64_t x;
  if (get_unsigned(v, path, UINT32_MAX, "uint32", &x, err) < 0)
    return -1;
  *out = (uint32_t) x;
  return 0;
}

int
json_get_u16(const json_value *v, const char *path, uint16_t *out, clawrt_error *err)
{
  uint64_t x;
  if (get_unsigned(v, path, UINT16_MAX, "uint16", &x, err) < 0)
    return -1;
  *out = (uint16_t) x;
  return 0;
}

int
json_get_i64(const json_value *v, const char *path, int64_t *out, clawrt_error *err)
{
  return get_signed(v, path, INT64_MIN, INT64_MAX, "int64", out, err);
}

int
json_get_i32(const json_value *v, const char *path, int32_t *out, clawrt_error *err)
{
  int64_t x;
  if (get_signed(v, path, INT32_MIN, INT32_MAX, "int32", &x, err) < 0)
    return -1;
  *out = (int32_t) x;
  return 0;
}

/* ---- generator ---------------------------------------------------------------- */

struct gen_level
{
  bool is_object;
  bool want_value;       /* a key was written, its value is due */
  size_t count;
};

struct json_gen
{
  bool pretty;
  char *buf;
  size_t len, cap;
  struct gen_level *levels;
  size_t depth, levels_cap;
  const char *error;     /* first misuse or bad input, reported by finish */
};

static void
gen_reserve(json_gen *g, size_t n)
{
  if (g->cap - g->len > n)
    return;
  size_t c = g->cap ? g->cap : 1024;
  while (c - g->len <= n)
    c *= 2;
  g->buf = xrealloc(g->buf, c);
  g->cap = c;
}

static void
gen_put(json_gen *g, const char *s, size_t n)
{
  gen_reserve(g, n);
  memcpy(g->buf + g->len, s, n);
  g->len += n;
  g->buf[g->len] = '\0';
}

static void
gen_putc(json_gen *g, char c)
{
  gen_reserve(g, 1);
  g->buf[g->len++] = c;
  g->buf[g->len] = '\0';
}

static void
gen_fail(json_gen *g, const char *why)
{
  if (g->error == NULL)
    g->error = why;
}

static void
gen_newline(json_gen *g, size_t depth)
{
  gen_reserve(g, 1 + depth * 2);
  g->buf[g->len++] = '\n';
  memset(g->buf + g->len, ' ', depth * 2);
  g->len += depth * 2;
  g->buf[g->len] = '\0';
}

/* Called before every value and key: separators and indentation. */
static void
gen_before(json_gen *g, bool is_key)
{
  if (g->depth == 0)
    {
      if (is_key)
        gen_fail(g, "json generator: key outside an object");
      else if (g->len > 0)
        gen_fail(g, "json generator: more than one top-level value");
      return;
    }
  struct gen_level *l = &g->levels[g->depth - 1];
  if (l->is_object && !is_key)
    {
      if (!l->want_value)
        gen_fail(g, "json generator: value without a key in an object");
      l->want_value = false;
      return;
    }
  if (is_key && !l->is_object)
    {
      gen_fail(g, "json generator: key inside an array");
      return;
    }
  if (is_key && l->want_value)
    gen_fail(g, "json generator: key without a value");
  if (l->count++ > 0)
    gen_putc(g, ',');
  if (g->pretty)
    gen_newline(g, g->depth);
  if (is_key)
    l->want_value = true;
}

json_gen *
json_gen_new(bool pretty)
{
  json_gen *g = xmalloc0(sizeof *g);
  g->pretty = pretty;
  gen_reserve(g, 1);
  g->buf[0] = '\0';
  return g;
}

void
json_gen_free(json_gen *g)
{
  if (g == NULL)
    return;
  free(g->buf);
  free(g->levels);
  free(g);
}

static void
gen_open(json_gen *g, bool is_object)
{
  gen_before(g, false);
  gen_putc(g, is_object ? '{' : '[');
  if (g->depth == g->levels_cap)
    {
      g->levels_cap = g->levels_cap ? g->levels_cap * 2 : 16;
      g->levels = xrealloc(g->levels, g->levels_cap * sizeof *g->levels);
    }
  g->levels[g->depth++] = (struct gen_level) { .is_object = is_object };
}

static void
gen_close(json_gen *g, bool is_object)
{
  if (g->depth == 0 || g->levels[g->depth - 1].is_object != is_object)
    {
      gen_fail(g, "json generator: unbalanced close");
      return;
    }
  struct gen_level *l = &g->levels[--g->depth];
  if (l->want_value)
    gen_fail(g, "json generator: key without a value");
  if (g->pretty && l->count > 0)
    gen_newline(g, g->depth);
  gen_putc(g, is_object ? '}' : ']');
}

void
json_gen_object_open(json_gen *g)
{
  gen_open(g, true);
}

void
json_gen_object_close(json_gen *g)
{
  gen_close(g, true);
}

void
json_gen_array_open(json_gen *g)
{
  gen_open(g, false);
}

void
json_gen_array_close(json_gen *g)
{
  gen_close(g, false);
}

static void
gen_quoted(json_gen *g, const char *str)
{
  const unsigned char *s = (const unsigned char *) (str ? str : "");
  const unsigned char *end = s + strlen((const char *) s);
  gen_putc(g, '"');
  size_t run = 0; /* bytes copied verbatim in one go */
  const unsigned char *start = s;
  while (*s)
    {
      unsigned char c = *s;
      const char *esc = NULL;
      char tmp[8];
      switch (c)
        {
        case '"': esc = "\\\""; break;
        case '\\': esc = "\\\\"; break;
        case '\n': esc = "\\n"; break;
        case '\t': esc = "\\t"; break;
        case '\r': esc = "\\r"; break;
        case '\b': esc = "\\b"; break;
        case '\f': esc = "\\f"; break;
        default:
          if (c < 0x20)
            {
              snprintf(tmp, sizeof tmp, "\\u%04x", c);
              esc = tmp;
            }
        }
      if (esc)
        {
          gen_put(g, (const char *) start, run);
          gen_put(g, esc, strlen(esc));
          s++;
          start = s;
          run = 0;
          continue;
        }
      size_t n = utf8_seq(s, (size_t) (end - s));
      if (n == 0)
        {
          gen_fail(g, "json generator: string is not valid UTF-8");
          n = 1;
        }
      s += n;
      run += n;
    }
  gen_put(g, (const char *) start, run);
  gen_putc(g, '"');
}

void
json_gen_key(json_gen *g, const char *key)
{
  gen_before(g, true);
  gen_quoted(g, key);
  gen_put(g, g->pretty ? ": " : ":", g->pretty ? 2 : 1);
}

void
json_gen_string(json_gen *g, const char *s)
{
  gen_before(g, false);
  gen_quoted(g, s);
}

void
json_gen_u64(json_gen *g, uint64_t v)
{
  char tmp[32];
  int n = snprintf(tmp, sizeof tmp, "%" PRIu64, v);
  gen_before(g, false);
  gen_put(g, tmp, (size_t) n);
}

void
json_gen_i64(json_gen *g, int64_t v)
{
  char tmp[32];
  int n = snprintf(tmp, sizeof tmp, "%" PRId64, v);
  gen_before(g, false);
  gen_put(g, tmp, (size_t) n);
}

void
json_gen_double(json_gen *g, double v)
{
  gen_before(g, false);
  if (!isfinite(v))
    {
      gen_fail(g, "json generator: NaN or infinity has no JSON form");
      gen_put(g, "null", 4);
      return;
    }
  char tmp[40];
  int n = snprintf(tmp, sizeof tmp, "%.17g", v);
  gen_put(g, tmp, (size_t) n);
}

void
json_gen_bool(json_gen *g, bool v)
{
  gen_before(g, false);
  if (v)
    gen_put(g, "true", 4);
  else
    gen_put(g, "false", 5);
}

void
json_gen_null(json_gen *g)
{
  gen_before(g, false);
  gen_put(g, "null", 4);
}

int
json_gen_finish(json_gen *g, char **out, size_t *outlen, clawrt_error *err)
{
  if (g->error)
    return clawrt_error_set(err, EINVAL, "%s", g->error);
  if (g->depth != 0)
    return clawrt_error_set(err, EINVAL, "json generator: %zu container(s) left open",
                            g->depth);
  if (g->len == 0)
    return clawrt_error_set(err, EINVAL, "json generator: no value written");
  *out = g->buf;
  if (outlen)
    *outlen = g->len;
  g->buf = NULL;
  g->len = g->cap = 0;
  return 0;
}
