#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "sysctl.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "procfs.h"
#include "util.h"

static bool
has_prefix(const char *s, const char *p)
{
  return strncmp(s, p, strlen(p)) == 0;
}

sysctl_ns
sysctl_classify(const char *key)
{
  if (key == NULL)
    return SYSCTL_NS_NONE;
  /* one spelling for the rules: '/' form -> '.' form */
  cleanup_free char *k = xstrdup(key);
  for (char *p = k; *p; p++)
    if (*p == '/')
      *p = '.';
  if (has_prefix(k, "net."))
    return SYSCTL_NS_NET;
  /* the System V IPC limits and POSIX mqueue limits live in the ipc ns */
  if (has_prefix(k, "kernel.msg") || has_prefix(k, "kernel.sem") || has_prefix(k, "kernel.shm")
      || has_prefix(k, "fs.mqueue."))
    return SYSCTL_NS_IPC;
  if (strcmp(k, "kernel.domainname") == 0)
    return SYSCTL_NS_UTS;
  if (strcmp(k, "kernel.hostname") == 0)
    return SYSCTL_NS_HOSTNAME;
  return SYSCTL_NS_NONE;
}

char *
sysctl_key_to_path(const char *key)
{
  if (key == NULL || key[0] == '\0')
    return NULL;
  char *path = xstrdup(key);
  /* '/' form keeps dots inside components (eth0.100); '.' form has none */
  if (strchr(path, '/') == NULL)
    for (char *p = path; *p; p++)
      if (*p == '.')
        *p = '/';
  const char *c = path;
  for (;;)
    {
      const char *e = strchrnul(c, '/');
      size_t n = (size_t) (e - c);
      if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
        {
          free(path);
          return NULL;
        }
      if (*e == '\0')
        break;
      c = e + 1;
    }
  return path;
}

static const oci_namespace *
find_ns(const oci_linux *l, const char *type)
{
  for (size_t i = 0; l && i < l->namespaces_len; i++)
    if (l->namespaces[i].type && strcmp(l->namespaces[i].type, type) == 0)
      return &l->namespaces[i];
  return NULL;
}

/* Joining a network namespace by path is fine unless the path is the host's
 * own: then net.* sysctls would change the host. */
static int
netns_is_host(const char *path, bool *is_host, clawrt_error *err)
{
  struct stat a, b;
  if (stat(path, &a) < 0)
    return clawrt_error_set(err, errno, "stat network namespace %s", path);
  if (stat("/proc/self/ns/net", &b) < 0)
    return clawrt_error_set(err, errno, "stat /proc/self/ns/net");
  *is_host = a.st_dev == b.st_dev && a.st_ino == b.st_ino;
  return 0;
}

int
sysctl_validate(const oci_spec *spec, const char *origin, clawrt_error *err)
{
  const char *o = origin ? origin : "config.json";
  const oci_linux *l = spec->linux;
  if (l == NULL || !l->has_sysctl)
    return 0;
  for (size_t i = 0; i < l->sysctl.len; i++)
    {
      const char *key = l->sysctl.keys[i];
      cleanup_free char *path = sysctl_key_to_path(key);
      if (path == NULL)
        return clawrt_error_set(err, EINVAL, "%s: linux.sysctl: malformed key \"%s\"", o, key);
      const char *need = NULL;
      switch (sysctl_classify(key))
        {
        case SYSCTL_NS_NET:
          {
            const oci_namespace *ns = find_ns(l, "network");
            if (ns == NULL)
              return clawrt_error_set(err, EINVAL, "%s: linux.sysctl: \"%s\" is not allowed in "
                                      "the host's network namespace: add a {\"type\": "
                                      "\"network\"} entry to linux.namespaces", o, key);
            if (ns->path && ns->path[0])
              {
                bool host;
                if (netns_is_host(ns->path, &host, err) < 0)
                  return clawrt_error_wrap(err, "%s: linux.sysctl: \"%s\"", o, key);
                if (host)
                  return clawrt_error_set(err, EINVAL, "%s: linux.sysctl: \"%s\" is not allowed: "
                                          "the network namespace %s is the host's", o, key,
                                          ns->path);
              }
            continue;
          }
        case SYSCTL_NS_IPC:
          need = "ipc";
          break;
        case SYSCTL_NS_UTS:
          need = "uts";
          break;
        case SYSCTL_NS_HOSTNAME:
          return clawrt_error_set(err, EINVAL, "%s: linux.sysctl: \"%s\" is not allowed: it "
                                  "conflicts with the \"hostname\" field; set that instead",
                                  o, key);
        case SYSCTL_NS_NONE:
          return clawrt_error_set(err, EINVAL, "%s: linux.sysctl: \"%s\" is not in a separate "
                                  "kernel namespace: setting it would change the host", o, key);
        }
      if (find_ns(l, need) == NULL)
        return clawrt_error_set(err, EINVAL, "%s: linux.sysctl: \"%s\" needs its own %s "
                                "namespace: add a {\"type\": \"%s\"} entry to "
                                "linux.namespaces", o, key, need, need);
    }
  return 0;
}

int
sysctl_apply(int procfd, const oci_map *sysctl, clawrt_error *err)
{
  for (size_t i = 0; sysctl && i < sysctl->len; i++)
    {
      const char *key = sysctl->keys[i];
      cleanup_free char *path = sysctl_key_to_path(key);
      if (path == NULL)
        return clawrt_error_set(err, EINVAL, "linux.sysctl: malformed key \"%s\"", key);
      cleanup_free char *rel = xasprintf("sys/%s", path);
      if (procfs_write_at(procfd, rel, sysctl->values[i], err) < 0)
        {
          if (err && err->errnum == ENOENT)
            return clawrt_error_wrap(err, "linux.sysctl: \"%s\": no such sysctl on this kernel",
                                     key);
          return clawrt_error_wrap(err, "linux.sysctl: \"%s\"", key);
        }
    }
  return 0;
}
