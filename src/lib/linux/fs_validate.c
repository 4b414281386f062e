#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
/* rootfs_validate: everything about mounts, devices and paths that can be
 * judged from the spec alone, checked in the parent before anything
 * exists.  Each message names the JSON path. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "mount.h"
#include "mount_opts.h"
#include "rootfs.h"
#include "util.h"

/* dev_t holds 12 bits of major and 20 of minor */
#define MAX_MAJOR 4095
#define MAX_MINOR 1048575

static bool
has_dotdot(const char *p)
{
  for (const char *s = p; *s;)
    {
      const char *e = strchrnul(s, '/');
      if (e - s == 2 && s[0] == '.' && s[1] == '.')
        return true;
      s = *e ? e + 1 : e;
    }
  return false;
}

static bool
has_userns(const oci_spec *spec)
{
  if (spec->linux == NULL)
    return false;
  for (size_t i = 0; i < spec->linux->namespaces_len; i++)
    if (spec->linux->namespaces[i].type && strcmp(spec->linux->namespaces[i].type, "user") == 0)
      return true;
  return false;
}

static int
validate_mount(const oci_spec *spec, const oci_mount *m, size_t i, const char *o,
               clawrt_error *err)
{
  if (m->destination == NULL || m->destination[0] == '\0')
    return clawrt_error_set(err, EINVAL, "%s: mounts[%zu].destination: must not be empty", o, i);
  /* the spec says absolute; runc takes a relative one as relative to "/",
   * and so do we (resolution inside the root makes them the same) */
  bool bind = mount_is_bind(m);
  if (!bind && (m->type == NULL || m->type[0] == '\0'))
    return clawrt_error_set(err, EINVAL, "%s: mounts[%zu].type: required unless the mount is "
                            "a bind mount (type \"bind\" or option \"bind\"/\"rbind\")", o, i);
  if (bind && (m->source == NULL || m->source[0] == '\0'))
    return clawrt_error_set(err, EINVAL, "%s: mounts[%zu].source: a bind mount needs a source",
                            o, i);
  cleanup_free char *where = xasprintf("%s: mounts[%zu].options", o, i);
  mount_flags mf;
  if (mount_opts_parse(&m->options, where, &mf, err) < 0)
    return -1;
  bool idmap = mf.idmap, remount = mf.remount, copyup = mf.copyup;
  mount_flags_free(&mf);
  if (remount && bind)
    return clawrt_error_set(err, EINVAL, "%s: mounts[%zu].options: \"remount\" changes an "
                            "existing mount and cannot be combined with a bind", o, i);
  if (copyup && (bind || m->type == NULL || strcmp(m->type, "tmpfs") != 0))
    return clawrt_error_set(err, EINVAL, "%s: mounts[%zu].options: \"tmpcopyup\" is only for "
                            "tmpfs mounts", o, i);
  bool maps = m->uid_mappings_len > 0 || m->gid_mappings_len > 0;
  if ((maps || idmap) && !bind)
    return clawrt_error_set(err, EINVAL, "%s: mounts[%zu]: only bind mounts can be idmapped",
                            o, i);
  if (maps && (m->uid_mappings_len == 0 || m->gid_mappings_len == 0))
    return clawrt_error_set(err, EINVAL, "%s: mounts[%zu]: uidMappings and gidMappings go "
                            "together", o, i);
  for (size_t k = 0; k < m->uid_mappings_len; k++)
    if (m->uid_mappings[k].size == 0)
      return clawrt_error_set(err, EINVAL, "%s: mounts[%zu].uidMappings[%zu].size: must be > 0",
                              o, i, k);
  for (size_t k = 0; k < m->gid_mappings_len; k++)
    if (m->gid_mappings[k].size == 0)
      return clawrt_error_set(err, EINVAL, "%s: mounts[%zu].gidMappings[%zu].size: must be > 0",
                              o, i, k);
  if (idmap && !maps && !(has_userns(spec) && spec->linux->uid_mappings_len > 0))
    return clawrt_error_set(err, EINVAL, "%s: mounts[%zu].options: \"idmap\" without "
                            "uidMappings/gidMappings needs a user namespace with mappings", o, i);
  return 0;
}

static int
validate_device(const oci_device *d, size_t i, const char *o, clawrt_error *err)
{
  if (d->path == NULL || d->path[0] != '/')
    return clawrt_error_set(err, EINVAL, "%s: linux.devices[%zu].path: must be absolute", o, i);
  if (strncmp(d->path, "/dev/", 5) != 0 || d->path[5] == '\0' || has_dotdot(d->path))
    return clawrt_error_set(err, EINVAL, "%s: linux.devices[%zu].path: \"%s\" is not a path "
                            "under /dev", o, i, d->path);
  const char *t = d->type ? d->type : "";
  bool node = strcmp(t, "c") == 0 || strcmp(t, "b") == 0 || strcmp(t, "u") == 0;
  if (!node && strcmp(t, "p") != 0)
    return clawrt_error_set(err, EINVAL, "%s: linux.devices[%zu].type: unknown \"%s\" (one of "
                            "c, b, u, p)", o, i, t);
  if (node)
    {
      if (!d->has_major || !d->has_minor)
        return clawrt_error_set(err, EINVAL, "%s: linux.devices[%zu]: type \"%s\" needs major "
                                "and minor", o, i, t);
      if (d->major < 0 || d->major > MAX_MAJOR)
        return clawrt_error_set(err, EINVAL, "%s: linux.devices[%zu].major: %lld out of range "
                                "0..%d", o, i, (long long) d->major, MAX_MAJOR);
      if (d->minor < 0 || d->minor > MAX_MINOR)
        return clawrt_error_set(err, EINVAL, "%s: linux.devices[%zu].minor: %lld out of range "
                                "0..%d", o, i, (long long) d->minor, MAX_MINOR);
    }
  if (d->has_file_mode && (d->file_mode & ~(uint32_t) (07777 | S_IFMT)) != 0)
    return clawrt_error_set(err, EINVAL, "%s: linux.devices[%zu].fileMode: 0%o is not a file "
                            "mode", o, i, (unsigned) d->file_mode);
  return 0;
}

static int
validate_paths(const oci_strv *v, const char *field, const char *o, clawrt_error *err)
{
  for (size_t i = 0; v && i < v->len; i++)
    if (v->v[i] == NULL || v->v[i][0] != '/')
      return clawrt_error_set(err, EINVAL, "%s: linux.%s[%zu]: \"%s\" must be absolute", o,
                              field, i, v->v[i] ? v->v[i] : "");
  return 0;
}

int
rootfs_validate(const oci_spec *spec, const char *origin, clawrt_error *err)
{
  const char *o = origin ? origin : "config.json";
  for (size_t i = 0; i < spec->mounts_len; i++)
    if (validate_mount(spec, &spec->mounts[i], i, o, err) < 0)
      return -1;
  const oci_linux *l = spec->linux;
  if (l == NULL)
    return 0;
  for (size_t i = 0; i < l->devices_len; i++)
    if (validate_device(&l->devices[i], i, o, err) < 0)
      return -1;
  if (validate_paths(&l->masked_paths, "maskedPaths", o, err) < 0
      || validate_paths(&l->readonly_paths, "readonlyPaths", o, err) < 0)
    return -1;
  unsigned long prop;
  if (l->rootfs_propagation && l->rootfs_propagation[0]
      && mount_propagation_parse(l->rootfs_propagation, &prop) < 0)
    return clawrt_error_set(err, EINVAL, "%s: linux.rootfsPropagation: unknown \"%s\" (one of "
                            "shared, slave, private, unbindable, rshared, rslave, rprivate, "
                            "runbindable)", o, l->rootfs_propagation);
  return 0;
}
