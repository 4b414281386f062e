/* linux.sysctl: kernel parameters, allowed only where they are namespaced
 * to the container, by runc's rules:
 *   net.*                                  needs a network namespace that is
 *                                          not the host's;
 *   kernel.msg*, kernel.sem*, kernel.shm*,
 *   fs.mqueue.*                            need an ipc namespace;
 *   kernel.domainname                      needs a uts namespace;
 *   kernel.hostname                        refused: use the "hostname" field;
 *   anything else                          refused: not namespaced, it would
 *                                          change the host.
 * Keys use '.' (net.ipv4.ip_forward) or '/' (net/ipv4/conf/eth0.100/
 * forwarding, where a component itself has a dot). */
#ifndef CLAWRT_SYSCTL_H
#define CLAWRT_SYSCTL_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "ocispec.h"

typedef enum sysctl_ns {
  SYSCTL_NS_NONE = 0,   /* not namespaced: refused */
  SYSCTL_NS_NET,
  SYSCTL_NS_IPC,
  SYSCTL_NS_UTS,
  SYSCTL_NS_HOSTNAME,   /* namespaced, but conflicts with the hostname field */
} sysctl_ns;

/* Pure: which namespace a key belongs to (key in either form). */
sysctl_ns sysctl_classify(const char *key);

/* Pure: key -> path under /proc/sys ("net/ipv4/ip_forward"); NULL when the
 * key is malformed (empty component, "..", leading '/').  Caller frees. */
char *sysctl_key_to_path(const char *key);

/* Check every key of spec->linux->sysctl against spec->linux->namespaces.
 * A net namespace given by path is compared with the runtime's own
 * (/proc/self/ns/net) so the host's cannot sneak in. */
int sysctl_validate(const oci_spec *spec, const char *origin, clawrt_error *err);

/* Write each value to procfd/sys/<path> in the child, inside its new
 * namespaces (procfs resolves net/ipc/uts sysctls against the writer's
 * namespaces).  procfd is from procfs_open_root(). */
int sysctl_apply(int procfd, const oci_map *sysctl, clawrt_error *err);

#endif
