/* Device rules both drivers share: the checks of linux.resources.devices,
 * and the effective list a container's cgroup gets (policy, kept apart from
 * the v1 and eBPF mechanisms). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <string.h>

#include "internal.h"
#include "util.h"

int
cg_devices_check(const oci_device_cgroup *rules, size_t n, clawrt_error *err)
{
  for (size_t i = 0; i < n; i++)
    {
      const oci_device_cgroup *r = &rules[i];
      if (r->type && strcmp(r->type, "a") != 0 && strcmp(r->type, "c") != 0
          && strcmp(r->type, "b") != 0)
        return clawrt_error_set(err, 0, "linux.resources.devices[%zu].type: `%s` is not one of "
                                "a, c, b", i, r->type);
      if ((r->has_major && (r->major < -1 || r->major > INT32_MAX))
          || (r->has_minor && (r->minor < -1 || r->minor > INT32_MAX)))
        return clawrt_error_set(err, 0, "linux.resources.devices[%zu]: major and minor must be "
                                "device numbers or -1 (any)", i);
      if (r->access)
        {
          if (*r->access == '\0' || strspn(r->access, "rwm") != strlen(r->access))
            return clawrt_error_set(err, 0, "linux.resources.devices[%zu].access: `%s` is not "
                                    "a combination of r, w, m", i, r->access);
        }
    }
  return 0;
}

/* The nodes the runtime itself makes in /dev, so they keep working under
 * a spec whose rules start with "deny all"; mknod of anything is allowed,
 * opening is what the rules guard. */
static const oci_device_cgroup default_rules[] = {
  { .allow = true, .type = "c", .major = -1, .has_major = true, .minor = -1, .has_minor = true,
    .access = "m" },
  { .allow = true, .type = "b", .major = -1, .has_major = true, .minor = -1, .has_minor = true,
    .access = "m" },
#define NODE(ma, mi)                                                                            \
  { .allow = true, .type = "c", .major = (ma), .has_major = true, .minor = (mi),                \
    .has_minor = true, .access = "rwm" }
  NODE(1, 3),   /* null */
  NODE(1, 5),   /* zero */
  NODE(1, 7),   /* full */
  NODE(1, 8),   /* random */
  NODE(1, 9),   /* urandom */
  NODE(5, 0),   /* tty */
  NODE(5, 1),   /* console */
  NODE(5, 2),   /* ptmx */
  NODE(136, -1), /* pts/N */
#undef NODE
};

int
cgroup_device_rules(const oci_device_cgroup *spec, size_t n, const oci_device *devs,
                    size_t ndev, oci_device_cgroup **out, size_t *outn)
{
  size_t nd = sizeof default_rules / sizeof default_rules[0];
  oci_device_cgroup *r = xmalloc0((n + nd + ndev + 1) * sizeof *r);
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    r[k++] = spec[i];
  for (size_t i = 0; i < nd; i++)
    r[k++] = default_rules[i];
  for (size_t i = 0; i < ndev; i++)
    {
      const oci_device *d = &devs[i];
      /* fifos are not device nodes the controller knows; "u" is a char node */
      if (d->type == NULL || strcmp(d->type, "p") == 0)
        continue;
      r[k++] = (oci_device_cgroup){ .allow = true,
                                    .type = strcmp(d->type, "b") == 0 ? "b" : "c",
                                    .major = d->has_major ? d->major : -1,
                                    .has_major = true,
                                    .minor = d->has_minor ? d->minor : -1,
                                    .has_minor = true,
                                    .access = "rwm" };
    }
  *out = r;
  *outn = k;
  return 0;
}
