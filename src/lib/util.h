/* Small helpers shared by every part of libclawrt: cleanup attributes so
 * every error path releases what it holds, EINTR-safe I/O, atomic file
 * replacement. */
#ifndef CLAWRT_UTIL_H
#define CLAWRT_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/types.h>

#include "error.h"

void cleanup_freep(void *p);
void cleanup_closep(int *fd);
void cleanup_fclosep(void *f);
void cleanup_strvp(char ***v);

#define cleanup_free __attribute__((cleanup(cleanup_freep)))
#define cleanup_close __attribute__((cleanup(cleanup_closep)))
#define cleanup_fclose __attribute__((cleanup(cleanup_fclosep)))
#define cleanup_strv __attribute__((cleanup(cleanup_strvp)))

/* Hand a cleanup-owned value to the caller. */
#define steal_pointer(pp) ({ __typeof__(*(pp)) _p = *(pp); *(pp) = NULL; _p; })
#define steal_fd(fdp) ({ int _f = *(fdp); *(fdp) = -1; _f; })

void *xmalloc0(size_t n);      /* abort()s on OOM: nothing sane to unwind to */
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

void strv_free(char **v);
size_t strv_len(char *const *v);

/* Read or write all bytes, retrying on EINTR and short transfers. */
ssize_t read_all(int fd, void *buf, size_t len);
int write_all(int fd, const void *buf, size_t len);

/* Read a whole file (at most max bytes, more is an error) relative to dirfd. */
int read_file_at(int dirfd, const char *path, size_t max, char **out, size_t *outlen,
                 clawrt_error *err);

/* Write buf to dirfd/name through a temporary file and rename(2), so readers
 * see the old content or the new one, never a torn one. */
int atomic_write_at(int dirfd, const char *name, const void *buf, size_t len, mode_t mode,
                    clawrt_error *err);

/* Write a string to a file that already exists (sysfs, procfs, cgroupfs). */
int write_file_at(int dirfd, const char *path, const char *value, clawrt_error *err);

/* Parse a decimal integer completely; -1 on junk or overflow. */
int parse_u64(const char *s, uint64_t *out);
int parse_i64(const char *s, int64_t *out);

/* mkdir -p relative to dirfd (no symlinks followed). */
int mkdir_p_at(int dirfd, const char *path, mode_t mode, clawrt_error *err);

/* Monotonic time in nanoseconds. */
uint64_t now_ns(void);

#endif
