/* libFuzzer target for seccomp profiles: the input is linux.seccomp of a
 * config (wrapped into one here, so mutations stay in the profile), parsed
 * and compiled with seccomp_compile().  It either fails with a message
 * and no program, or yields a program of 1 to 4096 BPF instructions.  A
 * broken invariant aborts, which libFuzzer reports as a crash.  Nothing is
 * installed: the fuzzer itself must stay unfiltered. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "linux/seccomp.h"
#include "fuzz.h"
#include "ocispec.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static const char head[] = "{\"ociVersion\": \"1.2.0\", \"linux\": {\"seccomp\": ";
  static const char tail[] = "}}";
  size_t n = sizeof head - 1 + size + sizeof tail - 1;
  char *buf = malloc(n);
  check(buf != NULL);
  memcpy(buf, head, sizeof head - 1);
  memcpy(buf + sizeof head - 1, data, size);
  memcpy(buf + sizeof head - 1 + size, tail, sizeof tail - 1);

  clawrt_error err = { 0 };
  oci_spec *s = NULL;
  if (oci_spec_parse(buf, n, "fuzz.json", &s, &err) < 0)
    {
      clawrt_error_clear(&err);
      free(buf);
      return 0;
    }
  if (s->linux && s->linux->seccomp)
    {
      seccomp_program *p = NULL;
      if (seccomp_compile(s->linux->seccomp, "fuzz.json", &p, &err) == 0)
        {
          check(p != NULL);
          size_t len = seccomp_program_len(p);
          check(len >= 1 && len <= 4096 && seccomp_program_bpf(p) != NULL);
          seccomp_program_free(p);
        }
      else
        {
          check(p == NULL && err.msg != NULL && strncmp(err.msg, "fuzz.json", 9) == 0);
          clawrt_error_clear(&err);
        }
    }
  oci_spec_free(s);
  free(buf);
  return 0;
}
