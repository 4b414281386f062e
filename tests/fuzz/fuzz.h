/* What the libFuzzer targets share: the entry point libFuzzer calls, and
 * check(), which turns a broken invariant into an abort libFuzzer reports
 * as a crash. */
#ifndef CLAWRT_FUZZ_H
#define CLAWRT_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static inline void
check(int cond)
{
  if (!cond)
    abort();
}

#endif
