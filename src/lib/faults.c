/* Test-only fault injection; see faults.h. */
#define _GNU_SOURCE
#include "faults.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

static const char *stop_at;

/* Read once before main: the check at each step is then a pointer test,
 * and no step costs a getenv. */
__attribute__((constructor)) static void
faults_init(void)
{
  const char *v = getenv(CLAWRT_FAULT_ENV);
  stop_at = v && *v ? v : NULL;
}

void
fault_point(const char *step)
{
  if (__builtin_expect(stop_at == NULL, 1))
    return;
  const char *bare = strchr(step, ':');
  if (strcmp(stop_at, step) == 0 || (bare && strcmp(stop_at, bare + 1) == 0))
    raise(SIGKILL);
}
