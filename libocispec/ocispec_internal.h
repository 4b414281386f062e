/* Field descriptor tables shared by the parse, emit, free/copy/compare and
 * property-list engines (private to libocispec).  One table per C struct of
 * ocispec.h; a field is described once and every engine reads the same
 * description, so nothing can be parsed without being emitted and freed. */
#ifndef CLAWRT_OCISPEC_INTERNAL_H
#define CLAWRT_OCISPEC_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "json.h"
#include "ocispec.h"

enum ofield_kind
{
  OK_STRING,      /* char * */
  OK_BOOL,        /* bool */
  OK_U64,         /* uint64_t */
  OK_I64,         /* int64_t */
  OK_U32,         /* uint32_t */
  OK_I32,         /* int32_t (also `int`) */
  OK_U16,         /* uint16_t */
  OK_STRV,        /* oci_strv */
  OK_U32V,        /* uint32_t * + size_t len */
  OK_MAP,         /* oci_map, string -> string */
  OK_OBJECT,      /* pointer to child struct, NULL when absent */
  OK_INLINE,      /* child struct embedded at off (off 0: a JSON group whose
                     fields live in the parent struct, as in oci_features) */
  OK_ARRAY,       /* child struct * + size_t len */
  OK_KEYED,       /* JSON object name -> child; stored as array + len, the
                     name in the child at table->key_off */
  OK_UNSUPPORTED, /* known to the spec, not parsed: only in the property list */
};

#define OF_REQUIRED 0x01  /* missing (or null) is an error */
#define OF_NONEMPTY 0x02  /* string must not be "" */
#define OF_ABSPATH 0x04   /* string must start with '/' */
#define OF_ALWAYS 0x08    /* emit even when absent (state.json, features.json) */

struct oci_enum
{
  const char *noun;                /* "namespace": 'unknown namespace "pidd"' */
  const char *const *values;       /* NULL-terminated */
};

struct opath;
struct oci_table;

struct oci_field
{
  const char *name;                /* JSON key */
  uint8_t kind;
  uint8_t flags;
  size_t off;
  ssize_t has_off;                 /* offset of the has_ flag, -1 when none */
  size_t len_off;                  /* OK_ARRAY, OK_KEYED, OK_U32V */
  const struct oci_table *child;   /* OK_OBJECT, OK_INLINE, OK_ARRAY, OK_KEYED */
  const struct oci_enum *enumv;    /* OK_STRING with a closed set of values */
  const char *unsupported;         /* reason for the property list, or NULL */
};

/* Cross-field checks a table needs beyond its fields (duplicates, "required
 * unless"), run once the object is parsed; path is the object's path. */
typedef int (*oci_check_fn)(const void *obj, struct opath *path, clawrt_error *err);

struct oci_table
{
  const char *name;
  size_t size;
  const struct oci_field *fields;
  size_t nfields;
  size_t key_off;                  /* element tables of OK_KEYED */
  oci_check_fn check;
};

/* The path of the value being parsed, built in place so that a good
 * document never formats a path string. */
#define OPATH_MAX 1024
struct opath
{
  char buf[OPATH_MAX];
  size_t len;
};

size_t opath_push_key(struct opath *p, const char *key);
size_t opath_push_index(struct opath *p, size_t i);
size_t opath_push_mapkey(struct opath *p, const char *key);
void opath_pop(struct opath *p, size_t saved);
/* value quoted for an error message: escaped, cut to a sane length. */
char *oci_quote(const char *s);

/* tables (ocispec_tables.c) */
extern const struct oci_table oci_spec_table;
extern const struct oci_table oci_process_table;
extern const struct oci_table oci_resources_table;
extern const struct oci_table oci_state_table;
extern const struct oci_table oci_features_table;

/* engines */
int oci_parse_object(const struct oci_table *t, const json_value *obj, void *out,
                     struct opath *p, clawrt_error *err);
void oci_emit_object(json_gen *g, const struct oci_table *t, const void *obj);
void oci_free_fields(const struct oci_table *t, void *obj);
void oci_copy_fields(const struct oci_table *t, void *dst, const void *src);
bool oci_equal_fields(const struct oci_table *t, const void *a, const void *b);

/* enum lookup: index of s in e->values, -1 when not there */
int oci_enum_index(const struct oci_enum *e, const char *s);
extern const struct oci_enum oci_enum_namespace;

#endif
