#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "user.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util.h"

int
user_apply(const oci_user *u, bool setgroups_allowed, clawrt_error *err)
{
  if (setgroups_allowed)
    {
      gid_t *gids = NULL;
      cleanup_free gid_t *owned = NULL;
      if (u->additional_gids_len > 0)
        {
          owned = xmalloc0(u->additional_gids_len * sizeof *owned);
          for (size_t i = 0; i < u->additional_gids_len; i++)
            owned[i] = (gid_t) u->additional_gids[i];
          gids = owned;
        }
      /* an empty list too: the runtime's own groups must not follow */
      if (setgroups(u->additional_gids_len, gids) < 0)
        return clawrt_error_set(err, errno, "setgroups (process.user.additionalGids, %zu "
                                "groups)", u->additional_gids_len);
    }
  else if (u->additional_gids_len > 0)
    return clawrt_error_set(err, EPERM, "process.user.additionalGids is set, but setgroups(2) "
                            "is denied in this user namespace: remove additionalGids or allow "
                            "setgroups");

  if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
    return clawrt_error_set(err, errno, "prctl(PR_SET_KEEPCAPS)");
  if (setresgid(u->gid, u->gid, u->gid) < 0)
    return clawrt_error_set(err, errno, "setresgid(%u) (process.user.gid)", u->gid);
  if (setresuid(u->uid, u->uid, u->uid) < 0)
    return clawrt_error_set(err, errno, "setresuid(%u) (process.user.uid)", u->uid);
  /* the permitted set survived the uid change; a later setuid by the
   * container itself gets the kernel's normal rules again */
  if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
    return clawrt_error_set(err, errno, "prctl(PR_SET_KEEPCAPS, 0)");

  /* the spec leaves an absent umask to the runtime; 0022 as runc does, so the
   * container does not inherit whatever umask its caller happened to have */
  umask(u->has_umask ? (mode_t) (u->umask & 07777) : 0022);
  return 0;
}

char *
user_home_from_passwd(const char *passwd, size_t len, uid_t uid)
{
  const char *p = passwd, *end = passwd + len;
  while (p < end)
    {
      const char *eol = memchr(p, '\n', (size_t) (end - p));
      if (eol == NULL)
        eol = end;
      /* name:password:uid:gid:gecos:home:shell */
      const char *field[7];
      size_t flen[7];
      int nf = 0;
      const char *f = p;
      while (nf < 7)
        {
          const char *c = memchr(f, ':', (size_t) (eol - f));
          const char *fe = c ? c : eol;
          field[nf] = f;
          flen[nf] = (size_t) (fe - f);
          nf++;
          if (c == NULL)
            break;
          f = c + 1;
        }
      if (nf >= 6 && flen[2] > 0 && flen[2] < 16)
        {
          char num[16];
          memcpy(num, field[2], flen[2]);
          num[flen[2]] = '\0';
          uint64_t v;
          if (parse_u64(num, &v) == 0 && v == (uint64_t) uid)
            {
              if (flen[5] == 0)
                return xstrdup("/");
              char *home = xmalloc0(flen[5] + 1);
              memcpy(home, field[5], flen[5]);
              return home;
            }
        }
      p = eol + 1;
    }
  return xstrdup("/");
}

#define PASSWD_MAX (4 << 20)

int
user_home_lookup(int rootfd, uid_t uid, char **home, clawrt_error *err)
{
  struct open_how how = {
    .flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK,
    .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
  };
  cleanup_close int fd = (int) syscall(SYS_openat2, rootfd, "etc/passwd", &how, sizeof how);
  if (fd < 0)
    {
      if (errno == ENOENT || errno == ENOTDIR)
        {
          *home = xstrdup("/");
          return 0;
        }
      return clawrt_error_set(err, errno, "open /etc/passwd in the container");
    }
  struct stat st;
  if (fstat(fd, &st) < 0)
    return clawrt_error_set(err, errno, "stat /etc/passwd in the container");
  /* a FIFO or device here would block or feed us forever */
  if (!S_ISREG(st.st_mode))
    return clawrt_error_set(err, EINVAL, "/etc/passwd in the container is not a regular file");
  if (st.st_size > PASSWD_MAX)
    return clawrt_error_set(err, EFBIG, "/etc/passwd in the container is larger than %d bytes",
                            PASSWD_MAX);
  cleanup_free char *buf = xmalloc0((size_t) st.st_size + 1);
  ssize_t n = read_all(fd, buf, (size_t) st.st_size);
  if (n < 0)
    return clawrt_error_set(err, errno, "read /etc/passwd in the container");
  *home = user_home_from_passwd(buf, (size_t) n, uid);
  return 0;
}
