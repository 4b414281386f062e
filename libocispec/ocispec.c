/* Entry points of libocispec: each document is a descriptor table run
 * through the shared engines (ocispec_parse.c, ocispec_emit.c,
 * ocispec_mem.c); the property list is derived from the same tables. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "ocispec_internal.h"
#include "../src/lib/util.h"

/* Parse buf as a document described by t into a fresh zeroed struct. */
static int
parse_doc(const struct oci_table *t, const char *buf, size_t len, const char *origin,
          void **out, clawrt_error *err)
{
  json_value *root = NULL;
  if (json_parse(buf, len, origin, &root, err) < 0)
    return -1;
  void *obj = xmalloc0(t->size);
  struct opath p = { .len = 0 };
  p.buf[0] = '\0';
  int r = oci_parse_object(t, root, obj, &p, err);
  json_free(root);
  if (r < 0)
    {
      if (origin)
        clawrt_error_wrap(err, "%s", origin);
      oci_free_fields(t, obj);
      free(obj);
      return -1;
    }
  *out = obj;
  return 0;
}

static int
emit_doc(const struct oci_table *t, const void *obj, bool pretty, char **out, size_t *outlen,
         clawrt_error *err)
{
  json_gen *g = json_gen_new(pretty);
  oci_emit_object(g, t, obj);
  int r = json_gen_finish(g, out, outlen, err);
  json_gen_free(g);
  return r;
}

static void
free_doc(const struct oci_table *t, void *obj)
{
  if (obj == NULL)
    return;
  oci_free_fields(t, obj);
  free(obj);
}

/* ---- config.json ------------------------------------------------------------- */

int
oci_spec_parse(const char *buf, size_t len, const char *origin, oci_spec **out,
               clawrt_error *err)
{
  return parse_doc(&oci_spec_table, buf, len, origin, (void **) out, err);
}

int
oci_spec_emit(const oci_spec *spec, char **out, size_t *outlen, clawrt_error *err)
{
  return emit_doc(&oci_spec_table, spec, true, out, outlen, err);
}

void
oci_spec_free(oci_spec *spec)
{
  free_doc(&oci_spec_table, spec);
}

oci_spec *
oci_spec_dup(const oci_spec *spec)
{
  if (spec == NULL)
    return NULL;
  oci_spec *d = xmalloc0(sizeof *d);
  memcpy(d, spec, sizeof *d);
  oci_copy_fields(&oci_spec_table, d, spec);
  return d;
}

bool
oci_spec_equal(const oci_spec *a, const oci_spec *b)
{
  if (a == NULL || b == NULL)
    return a == b;
  return oci_equal_fields(&oci_spec_table, a, b);
}

/* ---- process, resources alone -------------------------------------------------- */

int
oci_process_parse(const char *buf, size_t len, const char *origin, oci_process **out,
                  clawrt_error *err)
{
  return parse_doc(&oci_process_table, buf, len, origin, (void **) out, err);
}

void
oci_process_free(oci_process *p)
{
  free_doc(&oci_process_table, p);
}

int
oci_resources_parse(const char *buf, size_t len, const char *origin, oci_resources **out,
                    clawrt_error *err)
{
  return parse_doc(&oci_resources_table, buf, len, origin, (void **) out, err);
}

void
oci_resources_free(oci_resources *r)
{
  free_doc(&oci_resources_table, r);
}

/* ---- state.json, features.json ------------------------------------------------- */

int
oci_state_parse(const char *buf, size_t len, const char *origin, oci_state **out,
                clawrt_error *err)
{
  return parse_doc(&oci_state_table, buf, len, origin, (void **) out, err);
}

int
oci_state_emit(const oci_state *st, bool pretty, char **out, size_t *outlen,
               clawrt_error *err)
{
  return emit_doc(&oci_state_table, st, pretty, out, outlen, err);
}

void
oci_state_free(oci_state *st)
{
  free_doc(&oci_state_table, st);
}

int
oci_features_emit(const oci_features *f, char **out, size_t *outlen, clawrt_error *err)
{
  return emit_doc(&oci_features_table, f, true, out, outlen, err);
}

/* ---- maps ------------------------------------------------------------------------ */

const char *
oci_map_get(const oci_map *m, const char *key)
{
  if (m == NULL || key == NULL)
    return NULL;
  for (size_t i = 0; i < m->len; i++)
    if (m->keys[i] && strcmp(m->keys[i], key) == 0)
      return m->values[i];
  return NULL;
}

void
oci_map_set(oci_map *m, const char *key, const char *value)
{
  for (size_t i = 0; i < m->len; i++)
    if (strcmp(m->keys[i], key) == 0)
      {
        free(m->values[i]);
        if (value)
          {
            m->values[i] = xstrdup(value);
            return;
          }
        free(m->keys[i]);
        memmove(m->keys + i, m->keys + i + 1, (m->len - i - 1) * sizeof *m->keys);
        memmove(m->values + i, m->values + i + 1, (m->len - i - 1) * sizeof *m->values);
        m->len--;
        m->keys[m->len] = NULL;
        m->values[m->len] = NULL;
        return;
      }
  if (value == NULL)
    return;
  /* len + 1 slots plus the NULL terminator the parser also leaves */
  m->keys = xrealloc(m->keys, (m->len + 2) * sizeof *m->keys);
  m->values = xrealloc(m->values, (m->len + 2) * sizeof *m->values);
  m->keys[m->len] = xstrdup(key);
  m->values[m->len] = xstrdup(value);
  m->len++;
  m->keys[m->len] = NULL;
  m->values[m->len] = NULL;
}

/* ---- property list ------------------------------------------------------------- */

struct prop_list
{
  oci_property *v;
  size_t len, cap;
};

static void
prop_add(struct prop_list *l, char *path, const char *why)
{
  if (l->len == l->cap)
    {
      l->cap = l->cap ? l->cap * 2 : 256;
      l->v = xrealloc(l->v, l->cap * sizeof *l->v);
    }
  l->v[l->len++] = (oci_property) { .path = path, .unsupported_reason = why };
}

/* Path syntax: "a.b" for keys, "a[]" for the elements of an array of
 * objects, "a{}" for the values of a map (strings, or objects for netDevices
 * and rdma). Arrays of strings or numbers are listed by their key alone. */
static void
prop_walk(struct prop_list *l, const struct oci_table *t, const char *prefix)
{
  for (size_t i = 0; i < t->nfields; i++)
    {
      const struct oci_field *f = &t->fields[i];
      char *path = *prefix ? xasprintf("%s.%s", prefix, f->name) : xstrdup(f->name);
      prop_add(l, path, f->unsupported);
      cleanup_free char *sub = NULL;
      switch (f->kind)
        {
        case OK_OBJECT:
        case OK_INLINE:
          prop_walk(l, f->child, path);
          break;
        case OK_ARRAY:
          sub = xasprintf("%s[]", path);
          prop_walk(l, f->child, sub);
          break;
        case OK_KEYED:
          sub = xasprintf("%s{}", path);
          prop_add(l, xstrdup(sub), f->unsupported);
          prop_walk(l, f->child, sub);
          break;
        case OK_MAP:
          prop_add(l, xasprintf("%s{}", path), f->unsupported);
          break;
        default:
          break;
        }
    }
}

static struct prop_list properties;
static pthread_once_t properties_once = PTHREAD_ONCE_INIT;

static void
properties_build(void)
{
  prop_walk(&properties, &oci_spec_table, "");
}

const oci_property *
oci_spec_properties(size_t *len)
{
  /* built once, kept for the life of the process */
  pthread_once(&properties_once, properties_build);
  if (len)
    *len = properties.len;
  return properties.v;
}
