#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
/* "tmpcopyup": the image's content of a directory is copied into the tmpfs
 * that is about to cover it.  The source belongs to the container image, so
 * every name is opened relative to its parent's fd with O_NOFOLLOW and a
 * symlink is copied as a symlink, never followed. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs_internal.h"
#include "util.h"

/* deeper than any sane image directory; a bound on recursion */
#define MAX_DEPTH 128

static int
copy_meta(int dst, const char *name, const struct stat *st, clawrt_error *err)
{
  /* an owner this user namespace cannot map stays with the copier */
  if (fchownat(dst, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0 && errno != EINVAL)
    return clawrt_error_set(err, errno, "chown %s", name);
  if (!S_ISLNK(st->st_mode) && fchmodat(dst, name, st->st_mode & 07777, 0) < 0)
    return clawrt_error_set(err, errno, "chmod %s", name);
  struct timespec t[2] = { st->st_atim, st->st_mtim };
  if (utimensat(dst, name, t, AT_SYMLINK_NOFOLLOW) < 0)
    return clawrt_error_set(err, errno, "set the times of %s", name);
  return 0;
}

static int
copy_file(int src, int dst, const char *name, const struct stat *st, clawrt_error *err)
{
  cleanup_close int in = openat(src, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (in < 0)
    return clawrt_error_set(err, errno, "open %s", name);
  cleanup_close int out = openat(dst, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                                 0600);
  if (out < 0)
    return clawrt_error_set(err, errno, "create %s", name);
  for (off_t left = st->st_size; left > 0;)
    {
      ssize_t n = sendfile(out, in, NULL, left > (1 << 30) ? (1 << 30) : (size_t) left);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return clawrt_error_set(err, errno, "copy %s", name);
      if (n == 0)
        break;  /* the file shrank while copied: what is there is copied */
      left -= n;
    }
  return 0;
}

static int
copy_dir(int src, int dst, int depth, clawrt_error *err)
{
  if (depth > MAX_DEPTH)
    return clawrt_error_set(err, ELOOP, "directories nested deeper than %d", MAX_DEPTH);
  int dfd = openat(src, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    return clawrt_error_set(err, errno, "open directory");
  DIR *d = fdopendir(dfd);
  if (d == NULL)
    {
      close(dfd);
      return clawrt_error_set(err, errno, "read directory");
    }
  int r = 0;
  struct dirent *e;
  while (r == 0 && (errno = 0, e = readdir(d)) != NULL)
    {
      const char *n = e->d_name;
      if (strcmp(n, ".") == 0 || strcmp(n, "..") == 0)
        continue;
      struct stat st;
      if (fstatat(src, n, &st, AT_SYMLINK_NOFOLLOW) < 0)
        {
          r = clawrt_error_set(err, errno, "stat %s", n);
          break;
        }
      if (S_ISDIR(st.st_mode))
        {
          if (mkdirat(dst, n, 0700) < 0)
            {
              r = clawrt_error_set(err, errno, "mkdir %s", n);
              break;
            }
          cleanup_close int s2 = openat(src, n, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
          cleanup_close int d2 = openat(dst, n, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
          if (s2 < 0 || d2 < 0)
            r = clawrt_error_set(err, errno, "open %s", n);
          else if (copy_dir(s2, d2, depth + 1, err) < 0)
            r = clawrt_error_wrap(err, "%s", n);
        }
      else if (S_ISREG(st.st_mode))
        r = copy_file(src, dst, n, &st, err);
      else if (S_ISLNK(st.st_mode))
        {
          char target[4096];
          ssize_t l = readlinkat(src, n, target, sizeof target - 1);
          if (l < 0)
            r = clawrt_error_set(err, errno, "readlink %s", n);
          else
            {
              target[l] = '\0';
              if (symlinkat(target, dst, n) < 0)
                r = clawrt_error_set(err, errno, "symlink %s", n);
            }
        }
      else if (S_ISFIFO(st.st_mode))
        {
          if (mknodat(dst, n, S_IFIFO | 0600, 0) < 0)
            r = clawrt_error_set(err, errno, "mkfifo %s", n);
        }
      else
        /* device nodes and sockets have no place in a copied-up directory */
        continue;
      if (r == 0)
        r = copy_meta(dst, n, &st, err);
    }
  if (r == 0 && errno != 0 && e == NULL)
    r = clawrt_error_set(err, errno, "read directory");
  closedir(d);
  return r;
}

int
fs_copy_tree(int src, int dst, clawrt_error *err)
{
  struct stat st;
  if (fstat(src, &st) < 0)
    return clawrt_error_set(err, errno, "fstat the copy-up source");
  if (!S_ISDIR(st.st_mode))
    return clawrt_error_set(err, ENOTDIR, "tmpcopyup: the destination is not a directory");
  if (copy_dir(src, dst, 0, err) < 0)
    return clawrt_error_wrap(err, "tmpcopyup");
  /* the tmpfs root takes the covered directory's owner and mode */
  if (copy_meta(dst, ".", &st, err) < 0)
    return clawrt_error_wrap(err, "tmpcopyup");
  return 0;
}
