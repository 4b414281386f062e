/* The "options" array of a spec mount turned into what the kernel wants:
 * MS_* flags (for the superblock / legacy mount(2)), mount_setattr()
 * attributes for the mount itself and, for the r* options, for the whole
 * subtree, a propagation type, and the rest as the filesystem's data
 * string.  Pure: no system calls; unit-tested in tests/unit/test_mount_opts.c. */
#ifndef CLAWRT_LINUX_MOUNT_OPTS_H
#define CLAWRT_LINUX_MOUNT_OPTS_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "ocispec.h"

typedef struct mount_flags {
  unsigned long flags;        /* MS_* set (MS_RDONLY, MS_NOSUID, MS_SYNCHRONOUS...) */
  unsigned long clear;        /* MS_* explicitly cleared (rw, suid, async...) */
  unsigned long propagation;  /* 0 or MS_SHARED|MS_SLAVE|MS_PRIVATE|MS_UNBINDABLE,
                                 with MS_REC for the r* forms; the last one wins */
  uint64_t attr_set, attr_clr;         /* MOUNT_ATTR_* for the top mount */
  uint64_t rec_attr_set, rec_attr_clr; /* MOUNT_ATTR_* for the whole subtree */
  bool rec_attr;              /* any r* attribute option was given */
  bool bind, rbind;           /* rbind implies bind */
  bool remount;               /* change an existing mount, make no new one */
  bool idmap, ridmap;         /* idmapped (ridmap: recursively) */
  bool copyup;                /* "tmpcopyup" (runc/crun extension): a new tmpfs
                                 starts with a copy of what it covers */
  bool has_atime;             /* attr_set carries an atime choice (MOUNT_ATTR__ATIME) */
  bool rec_has_atime;
  char *data;                 /* unknown options, comma-joined in order; NULL if none */
} mount_flags;

/* Parse `options` (may be NULL or empty).  path_for_errors names the field
 * in messages ("config.json: mounts[3].options").  Returns 0 or -1. */
int mount_opts_parse(const oci_strv *options, const char *path_for_errors, mount_flags *out,
                     clawrt_error *err);
void mount_flags_free(mount_flags *m);

/* Is `name` one of the options mount_opts_parse understands (not data)? */
bool mount_opt_is_known(const char *name);

/* The known option names, NULL-terminated (for `features`). */
const char *const *mount_opt_names(void);

/* Parse a rootfsPropagation value ("rslave", "shared"...) to MS_* | MS_REC;
 * -1 when unknown. */
int mount_propagation_parse(const char *s, unsigned long *out);

#endif
