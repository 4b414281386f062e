/* Memory engines over the descriptor tables: free, deep copy, compare.
 * They follow the same tables as parse and emit, so a field added to a table
 * is freed, copied and compared without further code. */
#include <stdlib.h>
#include <string.h>

#include "ocispec_internal.h"
#include "../src/lib/util.h"

#define AT(base, off, type) ((type *) ((char *) (base) + (off)))
#define CAT(base, off, type) ((const type *) ((const char *) (base) + (off)))

/* ---- free ---------------------------------------------------------------------- */

static void
free_strv(oci_strv *sv)
{
  if (sv->v)
    for (size_t i = 0; i < sv->len; i++)
      free(sv->v[i]);
  free(sv->v);
  sv->v = NULL;
  sv->len = 0;
}

static void
free_map(oci_map *m)
{
  for (size_t i = 0; i < m->len; i++)
    {
      if (m->keys)
        free(m->keys[i]);
      if (m->values)
        free(m->values[i]);
    }
  free(m->keys);
  free(m->values);
  m->keys = m->values = NULL;
  m->len = 0;
}

void
oci_free_fields(const struct oci_table *t, void *obj)
{
  for (size_t i = 0; i < t->nfields; i++)
    {
      const struct oci_field *f = &t->fields[i];
      switch (f->kind)
        {
        case OK_STRING:
          free(*AT(obj, f->off, char *));
          *AT(obj, f->off, char *) = NULL;
          break;
        case OK_STRV:
          free_strv(AT(obj, f->off, oci_strv));
          break;
        case OK_U32V:
          free(*AT(obj, f->off, void *));
          *AT(obj, f->off, void *) = NULL;
          *AT(obj, f->len_off, size_t) = 0;
          break;
        case OK_MAP:
          free_map(AT(obj, f->off, oci_map));
          break;
        case OK_OBJECT:
          {
            void *child = *AT(obj, f->off, void *);
            if (child)
              {
                oci_free_fields(f->child, child);
                free(child);
              }
            *AT(obj, f->off, void *) = NULL;
            break;
          }
        case OK_INLINE:
          oci_free_fields(f->child, (char *) obj + f->off);
          break;
        case OK_ARRAY:
        case OK_KEYED:
          {
            char *a = *AT(obj, f->off, char *);
            size_t n = *AT(obj, f->len_off, size_t);
            for (size_t j = 0; a && j < n; j++)
              {
                char *elem = a + j * f->child->size;
                if (f->kind == OK_KEYED)
                  free(*AT(elem, f->child->key_off, char *));
                oci_free_fields(f->child, elem);
              }
            free(a);
            *AT(obj, f->off, char *) = NULL;
            *AT(obj, f->len_off, size_t) = 0;
            break;
          }
        default:
          break;
        }
    }
}

/* ---- copy: dst starts as a bitwise copy of src; replace every pointer -------- */

static char **
copy_strs(char *const *v, size_t n, size_t slots)
{
  char **d = xmalloc0(slots * sizeof *d);
  for (size_t i = 0; i < n; i++)
    d[i] = xstrdup(v[i]);
  return d;
}

static void *
copy_elems(const struct oci_table *t, const char *src, size_t n, bool keyed)
{
  char *d = xmalloc0((n ? n : 1) * t->size);
  memcpy(d, src, n * t->size);
  for (size_t j = 0; j < n; j++)
    {
      char *elem = d + j * t->size;
      if (keyed)
        *AT(elem, t->key_off, char *) = xstrdup(*CAT(elem, t->key_off, char *));
      oci_copy_fields(t, elem, src + j * t->size);
    }
  return d;
}

void
oci_copy_fields(const struct oci_table *t, void *dst, const void *src)
{
  for (size_t i = 0; i < t->nfields; i++)
    {
      const struct oci_field *f = &t->fields[i];
      switch (f->kind)
        {
        case OK_STRING:
          *AT(dst, f->off, char *) = xstrdup(*CAT(src, f->off, char *));
          break;
        case OK_STRV:
          {
            const oci_strv *s = CAT(src, f->off, oci_strv);
            oci_strv *d = AT(dst, f->off, oci_strv);
            d->v = s->v ? copy_strs(s->v, s->len, s->len + 1) : NULL;
            break;
          }
        case OK_U32V:
          {
            const uint32_t *s = *CAT(src, f->off, uint32_t *);
            size_t n = *CAT(src, f->len_off, size_t);
            uint32_t *d = NULL;
            if (s)
              {
                d = xmalloc0((n ? n : 1) * sizeof *d);
                memcpy(d, s, n * sizeof *d);
              }
            *AT(dst, f->off, uint32_t *) = d;
            break;
          }
        case OK_MAP:
          {
            const oci_map *s = CAT(src, f->off, oci_map);
            oci_map *d = AT(dst, f->off, oci_map);
            d->keys = s->keys ? copy_strs(s->keys, s->len, s->len + 1) : NULL;
            d->values = s->values ? copy_strs(s->values, s->len, s->len + 1) : NULL;
            break;
          }
        case OK_OBJECT:
          {
            const void *s = *CAT(src, f->off, void *);
            void *d = NULL;
            if (s)
              {
                d = xmalloc0(f->child->size);
                memcpy(d, s, f->child->size);
                oci_copy_fields(f->child, d, s);
              }
            *AT(dst, f->off, void *) = d;
            break;
          }
        case OK_INLINE:
          oci_copy_fields(f->child, (char *) dst + f->off, (const char *) src + f->off);
          break;
        case OK_ARRAY:
        case OK_KEYED:
          {
            const char *s = *CAT(src, f->off, char *);
            size_t n = *CAT(src, f->len_off, size_t);
            *AT(dst, f->off, void *) = s ? copy_elems(f->child, s, n, f->kind == OK_KEYED)
                                         : NULL;
            break;
          }
        default:
          break;
        }
    }
}

/* ---- compare ------------------------------------------------------------------ */

static bool
str_eq(const char *a, const char *b)
{
  if (a == NULL || b == NULL)
    return a == b;
  return strcmp(a, b) == 0;
}

static bool
strs_eq(char *const *a, char *const *b, size_t n)
{
  if (a == NULL || b == NULL)
    return a == b;
  for (size_t i = 0; i < n; i++)
    if (!str_eq(a[i], b[i]))
      return false;
  return true;
}

static bool
scalar_eq(const struct oci_field *f, const void *a, const void *b)
{
  if (f->has_off >= 0)
    {
      bool ha = *CAT(a, f->has_off, bool), hb = *CAT(b, f->has_off, bool);
      if (ha != hb)
        return false;
      if (!ha)
        return true;
    }
  switch (f->kind)
    {
    case OK_BOOL: return *CAT(a, f->off, bool) == *CAT(b, f->off, bool);
    case OK_U64: return *CAT(a, f->off, uint64_t) == *CAT(b, f->off, uint64_t);
    case OK_I64: return *CAT(a, f->off, int64_t) == *CAT(b, f->off, int64_t);
    case OK_U32: return *CAT(a, f->off, uint32_t) == *CAT(b, f->off, uint32_t);
    case OK_I32: return *CAT(a, f->off, int32_t) == *CAT(b, f->off, int32_t);
    case OK_U16: return *CAT(a, f->off, uint16_t) == *CAT(b, f->off, uint16_t);
    }
  return false;
}

bool
oci_equal_fields(const struct oci_table *t, const void *a, const void *b)
{
  for (size_t i = 0; i < t->nfields; i++)
    {
      const struct oci_field *f = &t->fields[i];
      switch (f->kind)
        {
        case OK_STRING:
          if (!str_eq(*CAT(a, f->off, char *), *CAT(b, f->off, char *)))
            return false;
          break;
        case OK_BOOL:
        case OK_U64:
        case OK_I64:
        case OK_U32:
        case OK_I32:
        case OK_U16:
          if (!scalar_eq(f, a, b))
            return false;
          break;
        case OK_STRV:
          {
            const oci_strv *x = CAT(a, f->off, oci_strv), *y = CAT(b, f->off, oci_strv);
            if (x->len != y->len || !strs_eq(x->v, y->v, x->len))
              return false;
            break;
          }
        case OK_U32V:
          {
            const uint32_t *x = *CAT(a, f->off, uint32_t *), *y = *CAT(b, f->off, uint32_t *);
            size_t n = *CAT(a, f->len_off, size_t);
            if (n != *CAT(b, f->len_off, size_t) || (x == NULL) != (y == NULL))
              return false;
            if (x && n && memcmp(x, y, n * sizeof *x) != 0)
              return false;
            break;
          }
        case OK_MAP:
          {
            const oci_map *x = CAT(a, f->off, oci_map), *y = CAT(b, f->off, oci_map);
            if (f->has_off >= 0 && *CAT(a, f->has_off, bool) != *CAT(b, f->has_off, bool))
              return false;
            if (x->len != y->len)
              return false;
            if (x->len && (!strs_eq(x->keys, y->keys, x->len)
                           || !strs_eq(x->values, y->values, x->len)))
              return false;
            break;
          }
        case OK_OBJECT:
          {
            const void *x = *CAT(a, f->off, void *), *y = *CAT(b, f->off, void *);
            if (x == NULL || y == NULL)
              {
                if (x != y)
                  return false;
              }
            else if (!oci_equal_fields(f->child, x, y))
              return false;
            break;
          }
        case OK_INLINE:
          if (!oci_equal_fields(f->child, (const char *) a + f->off, (const char *) b + f->off))
            return false;
          break;
        case OK_ARRAY:
        case OK_KEYED:
          {
            const char *x = *CAT(a, f->off, char *), *y = *CAT(b, f->off, char *);
            size_t n = *CAT(a, f->len_off, size_t);
            if ((x == NULL) != (y == NULL) || n != *CAT(b, f->len_off, size_t))
              return false;
            if (f->kind == OK_KEYED && f->has_off >= 0
                && *CAT(a, f->has_off, bool) != *CAT(b, f->has_off, bool))
              return false;
            for (size_t j = 0; x && j < n; j++)
              {
                const char *ex = x + j * f->child->size, *ey = y + j * f->child->size;
                if (f->kind == OK_KEYED
                    && !str_eq(*CAT(ex, f->child->key_off, char *),
                               *CAT(ey, f->child->key_off, char *)))
                  return false;
                if (!oci_equal_fields(f->child, ex, ey))
                  return false;
              }
            break;
          }
        default:
          break;
        }
    }
  return true;
}
