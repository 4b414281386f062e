#define _GNU_SOURCE
#include "bundle.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "linux/lsm.h"
#include "linux/rootfs.h"
#include "linux/sysctl.h"
#include "process.h"
#include "util.h"

void
bundle_free(bundle *b)
{
  if (b == NULL)
    return;
  free(b->dir);
  free(b->rootfs);
  free(b->origin);
  oci_spec_free(b->spec);
  free(b);
}

int
bundle_validate(const oci_spec *spec, const char *origin, clawrt_error *err)
{
  if (strncmp(spec->oci_version, "1.", 2) != 0)
    return clawrt_error_set(err, EINVAL,
                            "%s: ociVersion: \"%s\" is not a 1.x runtime-spec version", origin,
                            spec->oci_version);
  if (spec->root == NULL)
    return clawrt_error_set(err, 0, "%s: root: required field missing", origin);
  const oci_process *p = spec->process;
  if (p == NULL)
    return clawrt_error_set(err, 0, "%s: process: required to create a container", origin);
  if (p->args.len == 0)
    return clawrt_error_set(err, 0, "%s: process.args: must name the program to run",
                            origin);
  if (p->cwd[0] != '/')
    return clawrt_error_set(err, 0, "%s: process.cwd: must be an absolute path, got \"%s\"",
                            origin, p->cwd);
  if (process_attrs_validate(p, spec->linux, origin, err) < 0)
    return -1;
  if (lsm_validate(p, spec->linux, origin, err) < 0)
    return -1;
  if (sysctl_validate(spec, origin, err) < 0)
    return -1;
  if (rootfs_validate(spec, origin, err) < 0)
    return -1;
  if (spec->hostname && spec->hostname[0])
    {
      bool uts = false;
      for (size_t i = 0; spec->linux && i < spec->linux->namespaces_len; i++)
        if (strcmp(spec->linux->namespaces[i].type, "uts") == 0)
          uts = true;
      if (!uts)
        return clawrt_error_set(err, EINVAL,
                                "%s: hostname: setting a hostname needs a uts namespace", origin);
    }
  return 0;
}

int
bundle_load(const char *dir, const char *config_path, bundle **out, clawrt_error *err)
{
  cleanup_free char *absdir = realpath(dir ? dir : ".", NULL);
  if (absdir == NULL)
    return clawrt_error_set(err, errno, "bundle `%s`", dir ? dir : ".");
  cleanup_close int dirfd = open(absdir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0)
    return clawrt_error_set(err, errno, "bundle `%s`", absdir);
  const char *cfg = config_path ? config_path : "config.json";
  /* a fifo would block the open and a device never end: only a regular
   * file is read, the very one that was checked (reopened through its fd) */
  cleanup_close int cfd = openat(dirfd, cfg, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  struct stat cst;
  if (cfd < 0 || fstat(cfd, &cst) < 0)
    return clawrt_error_set(err, errno, "bundle `%s`: open `%s`", absdir, cfg);
  if (!S_ISREG(cst.st_mode))
    return clawrt_error_set(err, EINVAL, "bundle `%s`: `%s` is not a regular file", absdir, cfg);
  if ((uintmax_t) cst.st_size > CLAWRT_CONFIG_MAX)
    return clawrt_error_set(err, EFBIG, "bundle `%s`: `%s` is larger than %u bytes", absdir, cfg,
                            CLAWRT_CONFIG_MAX);
  char self[64];
  snprintf(self, sizeof self, "/proc/self/fd/%d", cfd);
  cleanup_free char *buf = NULL;
  size_t len = 0;
  if (read_file_at(AT_FDCWD, self, CLAWRT_CONFIG_MAX, &buf, &len, err) < 0)
    return clawrt_error_wrap(err, "bundle `%s`: %s", absdir, cfg);
  const char *slash = strrchr(cfg, '/');
  const char *origin = slash ? slash + 1 : cfg;

  bundle *b = xmalloc0(sizeof *b);
  b->origin = xstrdup(origin);
  b->dir = steal_pointer(&absdir);
  if (oci_spec_parse(buf, len, origin, &b->spec, err) < 0
      || bundle_validate(b->spec, origin, err) < 0)
    {
      bundle_free(b);
      return -1;
    }
  const char *root = b->spec->root->path;
  cleanup_free char *joined = root[0] == '/' ? xstrdup(root) : xasprintf("%s/%s", b->dir, root);
  b->rootfs = realpath(joined, NULL);
  struct stat st;
  if (b->rootfs == NULL || stat(b->rootfs, &st) < 0 || !S_ISDIR(st.st_mode))
    {
      int e = b->rootfs == NULL ? errno : (S_ISDIR(st.st_mode) ? errno : ENOTDIR);
      clawrt_error_set(err, e, "%s: root.path: rootfs `%s`", origin, joined);
      bundle_free(b);
      return -1;
    }
  *out = b;
  return 0;
}
