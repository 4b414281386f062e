/* How small a profile can possibly compile: see seccomp_rules_min_insns(). */
#include <stdlib.h>
#include <string.h>

#include "seccomp_internal.h"

static int
cmp_cond(const struct scmp_arg_cmp *a, const struct scmp_arg_cmp *b)
{
  if (a->arg != b->arg)
    return a->arg < b->arg ? -1 : 1;
  if (a->op != b->op)
    return a->op < b->op ? -1 : 1;
  if (a->datum_a != b->datum_a)
    return a->datum_a < b->datum_a ? -1 : 1;
  if (a->datum_b != b->datum_b)
    return a->datum_b < b->datum_b ? -1 : 1;
  return 0;
}

/* By syscall, then unconditional first, then by the conditions; the action
 * does not take part: two rules that differ only in action still share
 * their comparisons. */
static int
cmp_rule(const void *pa, const void *pb)
{
  const seccomp_rule *a = pa, *b = pb;
  if (a->nr != b->nr)
    return a->nr < b->nr ? -1 : 1;
  if (a->ncmp != b->ncmp)
    return a->ncmp < b->ncmp ? -1 : 1;
  for (unsigned int k = 0; k < a->ncmp; k++)
    {
      int c = cmp_cond(&a->cmp[k], &b->cmp[k]);
      if (c)
        return c;
    }
  return 0;
}

static void
sort_conditions(seccomp_rule *r)
{
  /* insertion sort: at most 6, and AND is order-free */
  for (unsigned int k = 1; k < r->ncmp; k++)
    for (unsigned int m = k; m > 0 && cmp_cond(&r->cmp[m - 1], &r->cmp[m]) > 0; m--)
      {
        struct scmp_arg_cmp t = r->cmp[m];
        r->cmp[m] = r->cmp[m - 1];
        r->cmp[m - 1] = t;
      }
}

size_t
seccomp_rules_min_insns(seccomp_rule *rules, size_t n)
{
  if (n == 0)
    return 0;
  for (size_t k = 0; k < n; k++)
    sort_conditions(&rules[k]);
  qsort(rules, n, sizeof *rules, cmp_rule);

  size_t total = 0;
  for (size_t k = 0; k < n;)
    {
      size_t end = k;
      while (end < n && rules[end].nr == rules[k].nr)
        end++;
      total++;                         /* the syscall number's comparison */
      if (rules[k].ncmp > 0)          /* sorted: no unconditional rule here */
        for (size_t m = k; m < end; m++)
          if (m == k || cmp_rule(&rules[m - 1], &rules[m]) != 0)
            total++;
      k = end;
    }
  return total;
}
