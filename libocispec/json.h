/* The JSON layer: the only interface to the JSON library (yajl, in json.c).
 * A parsed document is an immutable tree; typed getters fail with the JSON
 * path of the value ("process.rlimits[1].hard: expected unsigned integer").
 * Numbers keep their source text so that uint64/int64 are read exactly
 * (no double rounding, overflow is an error, never a wrap). */
#ifndef CLAWRT_JSON_H
#define CLAWRT_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../src/lib/error.h"

typedef enum json_type {
  JSON_NULL,
  JSON_BOOL,
  JSON_NUMBER,
  JSON_STRING,
  JSON_ARRAY,
  JSON_OBJECT,
} json_type;

typedef struct json_value json_value;

/* Maximum nesting accepted by json_parse; deeper input is an error. */
#define JSON_MAX_DEPTH 64

/* origin prefixes errors: "config.json: parse error at line 3: ..." */
int json_parse(const char *buf, size_t len, const char *origin, json_value **out,
               clawrt_error *err);
void json_free(json_value *v);

json_type json_typeof(const json_value *v);
const char *json_type_name(json_type t); /* "string", "object", ... */

/* Objects: NULL when absent (or when v is not an object). With duplicate
 * keys the last one wins, as in most JSON readers. */
const json_value *json_object_get(const json_value *obj, const char *key);
size_t json_object_len(const json_value *obj);
const char *json_object_key(const json_value *obj, size_t i);
const json_value *json_object_value(const json_value *obj, size_t i);

size_t json_array_len(const json_value *arr);
const json_value *json_array_get(const json_value *arr, size_t i);

/* Raw accessors: valid only for the matching type. */
const char *json_string(const json_value *v);      /* JSON_STRING */
const char *json_number_text(const json_value *v); /* JSON_NUMBER source text */
bool json_bool(const json_value *v);               /* JSON_BOOL */

/* Typed getters: path is the JSON path used in the error message (the
 * caller's origin prefix is added by the caller). Each returns 0 or -1. */
int json_get_string(const json_value *v, const char *path, char **out, clawrt_error *err);
int json_get_bool(const json_value *v, const char *path, bool *out, clawrt_error *err);
int json_get_u64(const json_value *v, const char *path, uint64_t *out, clawrt_error *err);
int json_get_i64(const json_value *v, const char *path, int64_t *out, clawrt_error *err);
int json_get_u32(const json_value *v, const char *path, uint32_t *out, clawrt_error *err);
int json_get_i32(const json_value *v, const char *path, int32_t *out, clawrt_error *err);
int json_get_u16(const json_value *v, const char *path, uint16_t *out, clawrt_error *err);
/* Fail with "path: expected object" etc. when v is not of type t. */
int json_expect(const json_value *v, json_type t, const char *path, clawrt_error *err);

/* Generator. Strings are escaped as JSON requires. */
typedef struct json_gen json_gen;
json_gen *json_gen_new(bool pretty);
void json_gen_free(json_gen *g);
void json_gen_object_open(json_gen *g);
void json_gen_object_close(json_gen *g);
void json_gen_array_open(json_gen *g);
void json_gen_array_close(json_gen *g);
void json_gen_key(json_gen *g, const char *key);
void json_gen_string(json_gen *g, const char *s);
void json_gen_u64(json_gen *g, uint64_t v);
void json_gen_i64(json_gen *g, int64_t v);
void json_gen_double(json_gen *g, double v);
void json_gen_bool(json_gen *g, bool v);
void json_gen_null(json_gen *g);
/* The text so far (valid once every open is closed); caller frees *out. */
int json_gen_finish(json_gen *g, char **out, size_t *outlen, clawrt_error *err);

#endif
