/* Shared by the filesystem files (mount.c, rootfs.c, devices.c, paths.c,
 * fs_*.c); not an interface for the rest of libclawrt. */
#ifndef CLAWRT_LINUX_FS_INTERNAL_H
#define CLAWRT_LINUX_FS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "mount.h"
#include "mount_opts.h"
#include "ocispec.h"

/* One line of /proc/PID/mountinfo, octal escapes decoded. */
typedef struct mountinfo_entry {
  int id, parent_id;
  unsigned int major, minor;
  char *root;           /* path inside the filesystem that is mounted here */
  char *mountpoint;
  char *options;        /* per-mount */
  char *fstype;
  char *source;
  char *super_options;  /* per-superblock: the cgroup v1 controllers live here */
} mountinfo_entry;

/* Pure: parse the text of a mountinfo file. */
int mountinfo_parse(const char *buf, mountinfo_entry **out, size_t *n, clawrt_error *err);
/* This thread's mountinfo, read through the verified host procfs. */
int mountinfo_read(mountinfo_entry **out, size_t *n, clawrt_error *err);
void mountinfo_free(mountinfo_entry *v, size_t n);

/* Read a small file of this thread from procfs (thread-self/rel). */
int fs_read_thread_self(const char *rel, char **out, clawrt_error *err);

/* The host path of bind mount m's source: relative to bundle, as in runc.
 * Heap. */
char *fs_bind_source_path(const oci_mount *m, const char *bundle);

/* type "cgroup": see fs_cgroup.c for the hybrid / v2 / cgroupns cases. */
int fs_mount_cgroup(const mount_ctx *ctx, const oci_mount *m, const mount_flags *mf,
                    clawrt_error *err);

/* Copy the tree below src (a directory inside the container root) into
 * dst (the root of a new, still detached tmpfs): files, directories,
 * symlinks and FIFOs with owner, mode and times; nothing is followed. */
int fs_copy_tree(int src, int dst, clawrt_error *err);

/* MOUNT_ATTR_IDMAP with userns_fd on the detached tree treefd. */
int fs_apply_idmap(int treefd, int userns_fd, bool recursive, clawrt_error *err);

/* The userns fd for mount m: its own mappings, else linux's; -1 with an
 * error when neither has any. */
int fs_idmap_for_mount(const oci_mount *m, const oci_linux *linux, int *out, clawrt_error *err);

#endif
