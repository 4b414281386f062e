/* The emit engine: a typed struct + its descriptor table -> JSON.  Writes
 * exactly the fields that are present (plus the OF_ALWAYS ones), in table
 * order, so that parse(emit(x)) == x. */
#include <string.h>

#include "ocispec_internal.h"

#define CAT(base, off, type) ((const type *) ((const char *) (base) + (off)))

static bool field_present(const struct oci_field *f, const void *base);

static bool
has_flag(const struct oci_field *f, const void *base)
{
  return f->has_off >= 0 && *CAT(base, f->has_off, bool);
}

static bool
group_present(const struct oci_table *t, const void *base)
{
  for (size_t i = 0; i < t->nfields; i++)
    if (field_present(&t->fields[i], base))
      return true;
  return false;
}

static bool
field_present(const struct oci_field *f, const void *base)
{
  switch (f->kind)
    {
    case OK_STRING:
      return *CAT(base, f->off, char *) != NULL || (f->flags & OF_ALWAYS);
    case OK_BOOL:
    case OK_U64:
    case OK_I64:
    case OK_U32:
    case OK_I32:
    case OK_U16:
      if (f->flags & (OF_REQUIRED | OF_ALWAYS))
        return true;
      return has_flag(f, base);
    case OK_STRV:
      return CAT(base, f->off, oci_strv)->v != NULL;
    case OK_U32V:
    case OK_OBJECT:
    case OK_ARRAY:
      return *CAT(base, f->off, void *) != NULL;
    case OK_MAP:
      if (f->has_off >= 0)
        return has_flag(f, base);
      return CAT(base, f->off, oci_map)->keys != NULL;
    case OK_KEYED:
      return *CAT(base, f->off, void *) != NULL || has_flag(f, base);
    case OK_INLINE:
      return (f->flags & OF_REQUIRED) || group_present(f->child, (const char *) base + f->off);
    case OK_UNSUPPORTED:
      return false;
    }
  return false;
}

static void
emit_strv(json_gen *g, const oci_strv *sv)
{
  json_gen_array_open(g);
  for (size_t i = 0; i < sv->len && sv->v[i]; i++)
    json_gen_string(g, sv->v[i]);
  json_gen_array_close(g);
}

static void
emit_map(json_gen *g, const oci_map *m)
{
  json_gen_object_open(g);
  for (size_t i = 0; i < m->len; i++)
    if (m->keys[i] && m->values[i])
      {
        json_gen_key(g, m->keys[i]);
        json_gen_string(g, m->values[i]);
      }
  json_gen_object_close(g);
}

static void
emit_field(json_gen *g, const struct oci_field *f, const void *base)
{
  /* an absent scalar written anyway (OF_ALWAYS) is written as zero */
  bool zero = f->has_off >= 0 && !has_flag(f, base);
  switch (f->kind)
    {
    case OK_STRING:
      {
        const char *s = *CAT(base, f->off, char *);
        json_gen_string(g, s ? s : "");
        return;
      }
    case OK_BOOL:
      json_gen_bool(g, !zero && *CAT(base, f->off, bool));
      return;
    case OK_U64:
      json_gen_u64(g, zero ? 0 : *CAT(base, f->off, uint64_t));
      return;
    case OK_I64:
      json_gen_i64(g, zero ? 0 : *CAT(base, f->off, int64_t));
      return;
    case OK_U32:
      json_gen_u64(g, zero ? 0 : *CAT(base, f->off, uint32_t));
      return;
    case OK_I32:
      json_gen_i64(g, zero ? 0 : *CAT(base, f->off, int32_t));
      return;
    case OK_U16:
      json_gen_u64(g, zero ? 0 : *CAT(base, f->off, uint16_t));
      return;
    case OK_STRV:
      emit_strv(g, CAT(base, f->off, oci_strv));
      return;
    case OK_U32V:
      {
        const uint32_t *a = *CAT(base, f->off, uint32_t *);
        size_t n = *CAT(base, f->len_off, size_t);
        json_gen_array_open(g);
        for (size_t i = 0; i < n; i++)
          json_gen_u64(g, a[i]);
        json_gen_array_close(g);
        return;
      }
    case OK_MAP:
      emit_map(g, CAT(base, f->off, oci_map));
      return;
    case OK_OBJECT:
      oci_emit_object(g, f->child, *CAT(base, f->off, void *));
      return;
    case OK_INLINE:
      oci_emit_object(g, f->child, (const char *) base + f->off);
      return;
    case OK_ARRAY:
    case OK_KEYED:
      {
        const char *a = *CAT(base, f->off, char *);
        size_t n = a ? *CAT(base, f->len_off, size_t) : 0;
        const struct oci_table *t = f->child;
        if (f->kind == OK_ARRAY)
          json_gen_array_open(g);
        else
          json_gen_object_open(g);
        for (size_t i = 0; i < n; i++)
          {
            const char *elem = a + i * t->size;
            if (f->kind == OK_KEYED)
              {
                const char *k = *CAT(elem, t->key_off, char *);
                json_gen_key(g, k ? k : "");
              }
            oci_emit_object(g, t, elem);
          }
        if (f->kind == OK_ARRAY)
          json_gen_array_close(g);
        else
          json_gen_object_close(g);
        return;
      }
    case OK_UNSUPPORTED:
      return;
    }
}

void
oci_emit_object(json_gen *g, const struct oci_table *t, const void *obj)
{
  json_gen_object_open(g);
  for (size_t i = 0; i < t->nfields; i++)
    {
      const struct oci_field *f = &t->fields[i];
      if (!field_present(f, obj))
        continue;
      json_gen_key(g, f->name);
      emit_field(g, f, obj);
    }
  json_gen_object_close(g);
}
