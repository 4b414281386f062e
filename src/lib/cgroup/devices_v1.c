/* linux.resources.devices on the cgroup v1 devices controller.  Rules are
 * applied in order; the kernel keeps v1 semantics (a "deny all" resets the
 * list, later rules refine it). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "util.h"

static void
number(char *buf, size_t len, bool has, int64_t v)
{
  if (!has || v < 0)
    snprintf(buf, len, "*");
  else
    snprintf(buf, len, "%" PRId64, v);
}

int
cg_devices_v1_apply(int dirfd, const oci_device_cgroup *rules, size_t n, clawrt_error *err)
{
  for (size_t i = 0; i < n; i++)
    {
      const oci_device_cgroup *r = &rules[i];
      const char *file = r->allow ? "devices.allow" : "devices.deny";
      const char *access = r->access ? r->access : "rwm";
      char maj[24], min[24], field[48];
      number(maj, sizeof maj, r->has_major, r->major);
      number(min, sizeof min, r->has_minor, r->minor);
      snprintf(field, sizeof field, "devices[%zu]", i);
      bool all_type = r->type == NULL || strcmp(r->type, "a") == 0;
      bool wild = maj[0] == '*' && min[0] == '*';
      bool full = strchr(access, 'r') && strchr(access, 'w') && strchr(access, 'm');
      if (all_type && wild && full)
        {
          /* the kernel's "a": reset to allow-all or deny-all */
          if (cg_write(dirfd, file, "a", field, err) < 0)
            return -1;
          continue;
        }
      /* v1's "a" ignores numbers and access: spell a narrower rule as
       * its c and b halves so it means what the eBPF program means */
      static const char *const both[] = { "c", "b" };
      for (size_t t = 0; t < (all_type ? 2u : 1u); t++)
        if (cg_writef(dirfd, file, field, err, "%s %s:%s %s", all_type ? both[t] : r->type, maj,
                      min, access)
            < 0)
          return -1;
    }
  return 0;
}
