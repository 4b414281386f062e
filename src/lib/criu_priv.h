/* Shared by criu.c, criu_checkpoint.c and criu_restore.c. */
#ifndef CLAWRT_CRIU_PRIV_H
#define CLAWRT_CRIU_PRIV_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "cgroup/cgroup.h"
#include "criu.h"
#include "linux/fs_internal.h"

#define CRIU_EXTERNAL_FILE "clawrt-external"
#define CRIU_DESCRIPTORS_FILE "descriptors.json"
#define CRIU_REASON_LINES 6
/* CRIU's keys for a joined network / pid namespace (dump: --external
 * net[INODE]:KEY, restore: --inherit-fd fd[N]:KEY). */
#define CRIU_NET_KEY "extRootNetNS"
#define CRIU_PID_KEY "extRootPidNS"

typedef struct criu_argv {
  char **v;                  /* NULL-terminated */
  size_t len, cap;
} criu_argv;

void criu_argv_add(criu_argv *a, const char *s);
void criu_argv_addf(criu_argv *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void criu_argv_free(criu_argv *a);

/* --images-dir --work-dir --log-file -v4 --manage-cgroups= and the boolean
 * flags of o. */
int criu_argv_common(criu_argv *a, const criu_opts *o, const char *log_name, clawrt_error *err);

typedef struct criu_exec_opts {
  const cgroup_manager *cg;  /* move criu into it before it runs (restore) */
  bool cgroup_roots;         /* then pass --cgroup-root for each hierarchy */
  const int *inherit;        /* fds criu must get (their numbers are in argv) */
  size_t inherit_len;
  int output_fd;             /* > 2: stdout and stderr of criu; 0: ours */
} criu_exec_opts;

/* fork + exec "criu" from PATH; *status as waitpid gives it.  -1 only
 * when criu could not be run (not installed: the error says so). */
int criu_exec(criu_argv *a, const criu_exec_opts *o, int *status, clawrt_error *err);

/* "exited with status 1" / "was killed by signal 9". */
char *criu_describe_status(int wst);

/* criu_log_reason() of workfd/name; NULL when unreadable or nothing. */
char *criu_read_log_reason(int workfd, const char *name);

void criu_external_add(criu_external **v, size_t *n, const char *kind, const char *key);

/* Pure: the mounts of a container (its init's mountinfo) that CRIU must
 * be told are external, appended to *ext as "mnt" entries keyed by mount
 * point: the spec's bind mounts, masked files (a bind of /dev/null), host
 * device nodes bound into /dev.  What CRIU can dump itself (tmpfs, proc,
 * sysfs, devpts, mqueue, cgroup, binds inside those) is left to it. */
int criu_dump_mounts(const oci_spec *spec, const mountinfo_entry *mi, size_t n,
                     criu_external **ext, size_t *next, clawrt_error *err);

/* Pure: descriptors.json (["pipe:[1]","/dev/null","pipe:[2]"]) into three
 * heap strings. */
int criu_descriptors_parse(const char *text, char *out[3], clawrt_error *err);

/* Pure: "/a//b/" -> "/a/b" (also makes it absolute). */
char *criu_clean_path(const char *p);

#endif
