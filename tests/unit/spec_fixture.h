/* Spec helpers the policy and CLI unit tests share: a fixture config
 * parsed from tests/unit/fixtures/SUB/NAME, and the mount at a
 * destination. */
#ifndef CLAWRT_TEST_SPEC_FIXTURE_H
#define CLAWRT_TEST_SPEC_FIXTURE_H

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ocispec.h"
#include "util.h"

#ifndef FIXTURES
#define FIXTURES "tests/unit/fixtures"
#endif

/* The parsed fixture; bails out of the whole test when it cannot. */
__attribute__((unused)) static oci_spec *
fixture_spec(const char *sub, const char *name)
{
  char *path = xasprintf("%s/%s/%s", FIXTURES, sub, name);
  char *buf = NULL;
  size_t len = 0;
  clawrt_error e = { 0 };
  oci_spec *spec = NULL;
  if (read_file_at(AT_FDCWD, path, 1 << 20, &buf, &len, &e) < 0
      || oci_spec_parse(buf, len, name, &spec, &e) < 0)
    {
      printf("Bail out! %s: %s\n", path, e.msg ? e.msg : "?");
      exit(2);
    }
  free(buf);
  free(path);
  return spec;
}

/* The mount whose destination is dest, NULL when none. */
__attribute__((unused)) static const oci_mount *
mount_at(const oci_spec *s, const char *dest)
{
  for (size_t i = 0; i < s->mounts_len; i++)
    if (strcmp(s->mounts[i].destination, dest) == 0)
      return &s->mounts[i];
  return NULL;
}

#endif
