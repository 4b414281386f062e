/* libFuzzer target for the config parser: any input either fails with a
 * message or parses into a spec that emits, re-parses to an equal spec and
 * copies to an equal spec.  The other document parsers run on the same
 * bytes.  A broken invariant aborts, which libFuzzer reports as a crash. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "ocispec.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  const char *buf = (const char *) data;
  clawrt_error err = { 0 };
  oci_spec *s = NULL;
  if (oci_spec_parse(buf, size, "fuzz.json", &s, &err) < 0)
    {
      check(s == NULL && err.msg != NULL);
      clawrt_error_clear(&err);
    }
  else
    {
      char *out = NULL;
      size_t len = 0;
      check(oci_spec_emit(s, &out, &len, &err) == 0);
      oci_spec *back = NULL;
      check(oci_spec_parse(out, len, "emitted", &back, &err) == 0);
      check(oci_spec_equal(s, back));
      oci_spec *copy = oci_spec_dup(s);
      check(oci_spec_equal(s, copy));
      oci_spec_free(copy);
      oci_spec_free(back);
      free(out);
      oci_spec_free(s);
    }

  oci_process *p = NULL;
  if (oci_process_parse(buf, size, "process.json", &p, &err) < 0)
    clawrt_error_clear(&err);
  oci_process_free(p);

  oci_resources *r = NULL;
  if (oci_resources_parse(buf, size, "resources.json", &r, &err) < 0)
    clawrt_error_clear(&err);
  oci_resources_free(r);

  oci_state *st = NULL;
  if (oci_state_parse(buf, size, "state.json", &st, &err) < 0)
    clawrt_error_clear(&err);
  else
    {
      char *out = NULL;
      check(oci_state_emit(st, size & 1, &out, NULL, &err) == 0);
      free(out);
    }
  oci_state_free(st);
  return 0;
}
