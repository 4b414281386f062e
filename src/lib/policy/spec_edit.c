#include "spec_edit.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

void
strv_add(oci_strv *v, const char *s)
{
  v->v = xrealloc(v->v, sizeof(char *) * (v->len + 2));
  v->v[v->len++] = xstrdup(s);
  v->v[v->len] = NULL;
}

bool
strv_contains(const oci_strv *v, const char *s)
{
  for (size_t i = 0; i < v->len; i++)
    if (strcmp(v->v[i], s) == 0)
      return true;
  return false;
}

void
strv_add_unique(oci_strv *v, const char *s)
{
  if (!strv_contains(v, s))
    strv_add(v, s);
}

size_t
strv_remove(oci_strv *v, const char *s)
{
  size_t k = 0, removed = 0;
  for (size_t i = 0; i < v->len; i++)
    {
      if (strcmp(v->v[i], s) == 0)
        {
          free(v->v[i]);
          removed++;
        }
      else
        v->v[k++] = v->v[i];
    }
  v->len = k;
  if (v->v)
    v->v[k] = NULL;
  return removed;
}

void
strv_set(oci_strv *v, char *const *src)
{
  for (size_t i = 0; i < v->len; i++)
    free(v->v[i]);
  free(v->v);
  v->v = xmalloc0(sizeof(char *));
  v->len = 0;
  for (size_t i = 0; src && src[i]; i++)
    strv_add(v, src[i]);
}
