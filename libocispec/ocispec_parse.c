/* The parse engine: a JSON tree + a descriptor table -> a typed struct.
 * Every value is written into the output as soon as it is read, into memory
 * that starts zeroed, so on any error the caller frees the half-built struct
 * with the same table and nothing leaks. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ocispec_internal.h"
#include "../src/lib/util.h"

#define AT(base, off, type) ((type *) ((char *) (base) + (off)))

/* ---- paths ------------------------------------------------------------------ */

static void
opath_append(struct opath *p, const char *s, size_t n)
{
  size_t room = OPATH_MAX - 1 - p->len;
  if (n > room)
    n = room;
  memcpy(p->buf + p->len, s, n);
  p->len += n;
  p->buf[p->len] = '\0';
}

size_t
opath_push_key(struct opath *p, const char *key)
{
  size_t saved = p->len;
  if (p->len > 0)
    opath_append(p, ".", 1);
  opath_append(p, key, strlen(key));
  return saved;
}

size_t
opath_push_index(struct opath *p, size_t i)
{
  size_t saved = p->len;
  char tmp[32];
  int n = snprintf(tmp, sizeof tmp, "[%zu]", i);
  opath_append(p, tmp, (size_t) n);
  return saved;
}

size_t
opath_push_mapkey(struct opath *p, const char *key)
{
  size_t saved = p->len;
  cleanup_free char *q = oci_quote(key);
  opath_append(p, "[", 1);
  opath_append(p, q, strlen(q));
  opath_append(p, "]", 1);
  return saved;
}

void
opath_pop(struct opath *p, size_t saved)
{
  p->len = saved;
  p->buf[saved] = '\0';
}

/* Values from a hostile file go into messages: escape what a terminal would
 * interpret and keep the length sane. */
char *
oci_quote(const char *s)
{
  const size_t max = 80;
  size_t n = strlen(s);
  char *out = xmalloc0(max * 4 + 8);
  size_t o = 0;
  out[o++] = '"';
  for (size_t i = 0; i < n && i < max; i++)
    {
      unsigned char c = (unsigned char) s[i];
      if (c == '"' || c == '\\')
        {
          out[o++] = '\\';
          out[o++] = (char) c;
        }
      else if (c < 0x20 || c == 0x7f)
        o += (size_t) sprintf(out + o, "\\x%02x", c);
      else
        out[o++] = (char) c;
    }
  if (n > max)
    {
      memcpy(out + o, "...", 3);
      o += 3;
    }
  out[o++] = '"';
  out[o] = '\0';
  return out;
}

/* ---- fields -------------------------------------------------------------------- */

static int
check_string(const struct oci_field *f, const char *s, struct opath *p, clawrt_error *err)
{
  if (f->enumv && oci_enum_index(f->enumv, s) < 0)
    {
      cleanup_free char *q = oci_quote(s);
      size_t cap = 16;
      for (size_t i = 0; f->enumv->values[i]; i++)
        cap += strlen(f->enumv->values[i]) + 1;
      cleanup_free char *valid = xmalloc0(cap);
      for (size_t i = 0; f->enumv->values[i]; i++)
        {
          if (i)
            strcat(valid, " ");
          strcat(valid, f->enumv->values[i]);
        }
      return clawrt_error_set(err, EINVAL, "%s: unknown %s %s (valid: %s)", p->buf,
                              f->enumv->noun, q, valid);
    }
  if ((f->flags & OF_NONEMPTY) && *s == '\0')
    return clawrt_error_set(err, EINVAL, "%s: must not be empty", p->buf);
  if ((f->flags & OF_ABSPATH) && *s != '/')
    {
      cleanup_free char *q = oci_quote(s);
      return clawrt_error_set(err, EINVAL, "%s: must be an absolute path, got %s", p->buf, q);
    }
  return 0;
}

static int
parse_strv(const json_value *v, oci_strv *sv, struct opath *p, clawrt_error *err)
{
  if (json_expect(v, JSON_ARRAY, p->buf, err) < 0)
    return -1;
  size_t n = json_array_len(v);
  sv->v = xmalloc0((n + 1) * sizeof *sv->v);
  sv->len = 0;
  for (size_t i = 0; i < n; i++)
    {
      const json_value *e = json_array_get(v, i);
      /* the element's path is formatted only when there is an error to name */
      if (json_typeof(e) != JSON_STRING)
        {
          size_t s = opath_push_index(p, i);
          json_expect(e, JSON_STRING, p->buf, err);
          opath_pop(p, s);
          return -1;
        }
      sv->v[i] = xstrdup(json_string(e));
      sv->len = i + 1;
    }
  return 0;
}

static int
parse_u32v(const json_value *v, uint32_t **arr, size_t *len, struct opath *p,
           clawrt_error *err)
{
  if (json_expect(v, JSON_ARRAY, p->buf, err) < 0)
    return -1;
  size_t n = json_array_len(v);
  *arr = xmalloc0((n ? n : 1) * sizeof **arr);
  *len = 0;
  for (size_t i = 0; i < n; i++)
    {
      size_t s = opath_push_index(p, i);
      int r = json_get_u32(json_array_get(v, i), p->buf, &(*arr)[i], err);
      opath_pop(p, s);
      if (r < 0)
        return -1;
      *len = i + 1;
    }
  return 0;
}

static int
parse_map(const json_value *v, oci_map *m, struct opath *p, clawrt_error *err)
{
  if (json_expect(v, JSON_OBJECT, p->buf, err) < 0)
    return -1;
  size_t n = json_object_len(v); /* keys are unique: json.c keeps the last */
  m->keys = xmalloc0((n + 1) * sizeof *m->keys);
  m->values = xmalloc0((n + 1) * sizeof *m->values);
  m->len = 0;
  for (size_t i = 0; i < n; i++)
    {
      const char *k = json_object_key(v, i);
      if (*k == '\0')
        return clawrt_error_set(err, EINVAL, "%s: keys must not be empty", p->buf);
      const json_value *e = json_object_value(v, i);
      if (json_typeof(e) != JSON_STRING)
        {
          size_t s = opath_push_mapkey(p, k);
          json_expect(e, JSON_STRING, p->buf, err);
          opath_pop(p, s);
          return -1;
        }
      m->values[i] = xstrdup(json_string(e));
      m->keys[i] = xstrdup(k);
      m->len = i + 1;
    }
  return 0;
}

static int
parse_array(const struct oci_field *f, const json_value *v, void *base, struct opath *p,
            clawrt_error *err)
{
  if (json_expect(v, JSON_ARRAY, p->buf, err) < 0)
    return -1;
  const struct oci_table *t = f->child;
  size_t n = json_array_len(v);
  char *arr = xmalloc0((n ? n : 1) * t->size);
  *AT(base, f->off, void *) = arr;
  size_t *len = AT(base, f->len_off, size_t);
  *len = 0;
  for (size_t i = 0; i < n; i++)
    {
      *len = i + 1; /* zeroed element: freeing a half-parsed one is safe */
      size_t s = opath_push_index(p, i);
      int r = oci_parse_object(t, json_array_get(v, i), arr + i * t->size, p, err);
      opath_pop(p, s);
      if (r < 0)
        return -1;
    }
  return 0;
}

static int
parse_keyed(const struct oci_field *f, const json_value *v, void *base, struct opath *p,
            clawrt_error *err)
{
  if (json_expect(v, JSON_OBJECT, p->buf, err) < 0)
    return -1;
  const struct oci_table *t = f->child;
  size_t n = json_object_len(v);
  char *arr = xmalloc0((n ? n : 1) * t->size);
  *AT(base, f->off, void *) = arr;
  size_t *len = AT(base, f->len_off, size_t);
  *len = 0;
  for (size_t i = 0; i < n; i++)
    {
      const char *k = json_object_key(v, i);
      if (*k == '\0')
        return clawrt_error_set(err, EINVAL, "%s: keys must not be empty", p->buf);
      char *elem = arr + i * t->size;
      *len = i + 1;
      *AT(elem, t->key_off, char *) = xstrdup(k);
      size_t s = opath_push_mapkey(p, k);
      int r = oci_parse_object(t, json_object_value(v, i), elem, p, err);
      opath_pop(p, s);
      if (r < 0)
        return -1;
    }
  return 0;
}

static void
set_has(const struct oci_field *f, void *base)
{
  if (f->has_off >= 0)
    *AT(base, f->has_off, bool) = true;
}

static int
parse_field(const struct oci_field *f, const json_value *v, void *base, struct opath *p,
            clawrt_error *err)
{
  switch (f->kind)
    {
    case OK_STRING:
      {
        char **dst = AT(base, f->off, char *);
        if (json_get_string(v, p->buf, dst, err) < 0)
          return -1;
        return check_string(f, *dst, p, err);
      }
    case OK_BOOL:
      if (json_get_bool(v, p->buf, AT(base, f->off, bool), err) < 0)
        return -1;
      break;
    case OK_U64:
      if (json_get_u64(v, p->buf, AT(base, f->off, uint64_t), err) < 0)
        return -1;
      break;
    case OK_I64:
      if (json_get_i64(v, p->buf, AT(base, f->off, int64_t), err) < 0)
        return -1;
      break;
    case OK_U32:
      if (json_get_u32(v, p->buf, AT(base, f->off, uint32_t), err) < 0)
        return -1;
      break;
    case OK_I32:
      if (json_get_i32(v, p->buf, AT(base, f->off, int32_t), err) < 0)
        return -1;
      break;
    case OK_U16:
      if (json_get_u16(v, p->buf, AT(base, f->off, uint16_t), err) < 0)
        return -1;
      break;
    case OK_STRV:
      return parse_strv(v, AT(base, f->off, oci_strv), p, err);
    case OK_U32V:
      return parse_u32v(v, AT(base, f->off, uint32_t *), AT(base, f->len_off, size_t), p, err);
    case OK_MAP:
      set_has(f, base);
      return parse_map(v, AT(base, f->off, oci_map), p, err);
    case OK_OBJECT:
      {
        void *child = xmalloc0(f->child->size);
        *AT(base, f->off, void *) = child;
        return oci_parse_object(f->child, v, child, p, err);
      }
    case OK_INLINE:
      return oci_parse_object(f->child, v, (char *) base + f->off, p, err);
    case OK_ARRAY:
      return parse_array(f, v, base, p, err);
    case OK_KEYED:
      set_has(f, base);
      return parse_keyed(f, v, base, p, err);
    case OK_UNSUPPORTED:
      return 0;
    }
  set_has(f, base);
  return 0;
}

int
oci_parse_object(const struct oci_table *t, const json_value *obj, void *out, struct opath *p,
                 clawrt_error *err)
{
  if (json_expect(obj, JSON_OBJECT, p->buf, err) < 0)
    return -1;
  for (size_t i = 0; i < t->nfields; i++)
    {
      const struct oci_field *f = &t->fields[i];
      if (f->kind == OK_UNSUPPORTED)
        continue;
      const json_value *v = json_object_get(obj, f->name);
      /* null is the same as absent: Go encoders write it for nil values */
      if (v != NULL && json_typeof(v) == JSON_NULL)
        v = NULL;
      size_t s = opath_push_key(p, f->name);
      int r = 0;
      if (v == NULL)
        {
          if (f->flags & OF_REQUIRED)
            r = clawrt_error_set(err, EINVAL, "%s: required field missing", p->buf);
        }
      else
        r = parse_field(f, v, out, p, err);
      opath_pop(p, s);
      if (r < 0)
        return -1;
    }
  if (t->check)
    return t->check(out, p, err);
  return 0;
}
