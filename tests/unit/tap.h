/* The few lines of TAP every unit test prints: `ok N - what`, `not ok N -
 * what`, then the plan; tap_done() is main's return value. */
#ifndef CLAWRT_TEST_TAP_H
#define CLAWRT_TEST_TAP_H

#include <stdbool.h>
#include <stdio.h>

static int tap_count, tap_failures;

#define CHECK(cond, ...)                                                       \
  do                                                                           \
    {                                                                          \
      tap_count++;                                                             \
      bool ok_ = (cond);                                                       \
      if (!ok_)                                                                \
        tap_failures++;                                                        \
      printf("%s %d - ", ok_ ? "ok" : "not ok", tap_count);                    \
      printf(__VA_ARGS__);                                                     \
      printf("\n");                                                            \
    }                                                                          \
  while (0)

static inline int
tap_done(void)
{
  printf("1..%d\n", tap_count);
  return tap_failures ? 1 : 0;
}

#endif
