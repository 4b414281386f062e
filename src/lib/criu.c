/* The criu binary: running it, reading its log, and the small files a
 * checkpoint directory carries for restore (see criu.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "criu.h"
#include "criu_priv.h"
#include "linux/mount.h"
#include "util.h"

/* ---- log ---------------------------------------------------------------- */

/* "(00.026096) Error (criu/vdso.c:381): vdso: ..." -> from "Error". */
static const char *
skip_timestamp(const char *line)
{
  if (line[0] != '(')
    return line;
  const char *close = strchr(line, ')');
  if (close == NULL)
    return line;
  for (const char *p = line + 1; p < close; p++)
    if (!(*p == '.' || *p == ':' || (*p >= '0' && *p <= '9')))
      return line;
  close++;
  while (*close == ' ')
    close++;
  return close;
}

static char *
collect(const char *log, const char *prefix, size_t max)
{
  /* first pass counts, second keeps the last max */
  size_t total = 0;
  for (int pass = 0; pass < 2; pass++)
    {
      char *out = NULL;
      size_t seen = 0;
      const char *p = log;
      while (*p)
        {
          const char *end = strchrnul(p, '\n');
          size_t len = (size_t) (end - p);
          cleanup_free char *line = strndup(p, len);
          const char *body = skip_timestamp(line);
          if (strncmp(body, prefix, strlen(prefix)) == 0)
            {
              if (pass == 1 && seen + max >= total)
                {
                  char *joined = out ? xasprintf("%s; %s", out, body) : xstrdup(body);
                  free(out);
                  out = joined;
                }
              seen++;
            }
          p = *end ? end + 1 : end;
        }
      if (pass == 0)
        {
          total = seen;
          if (total == 0)
            return NULL;
        }
      else
        return out;
    }
  return NULL;
}

char *
criu_log_reason(const char *log, size_t max)
{
  if (log == NULL || max == 0)
    return NULL;
  char *r = collect(log, "Error", max);
  return r ? r : collect(log, "Warn", max);
}

char *
criu_read_log_reason(int workfd, const char *name)
{
  cleanup_free char *text = NULL;
  size_t len;
  clawrt_error e = { 0 };
  if (workfd < 0 || read_file_at(workfd, name, 4u << 20, &text, &len, &e) < 0)
    {
      clawrt_error_clear(&e);
      return NULL;
    }
  return criu_log_reason(text, CRIU_REASON_LINES);
}

/* ---- clawrt-external ---------------------------------------------------- */

int
criu_external_parse(const char *text, criu_external **out, size_t *n, clawrt_error *err)
{
  *out = NULL;
  *n = 0;
  criu_external *v = NULL;
  size_t len = 0, lineno = 0;
  const char *p = text;
  while (p && *p)
    {
      const char *end = strchrnul(p, '\n');
      lineno++;
      if (end > p)
        {
          const char *sp = memchr(p, ' ', (size_t) (end - p));
          if (sp == NULL || sp == p || sp + 1 == end)
            {
              criu_external_free(v, len);
              return clawrt_error_set(err, EINVAL, "%s line %zu: expected \"KIND KEY\"",
                                      CRIU_EXTERNAL_FILE, lineno);
            }
          v = xrealloc(v, (len + 1) * sizeof *v);
          v[len].kind = strndup(p, (size_t) (sp - p));
          v[len].key = strndup(sp + 1, (size_t) (end - sp - 1));
          len++;
        }
      p = *end ? end + 1 : end;
    }
  *out = v;
  *n = len;
  return 0;
}

char *
criu_external_format(const criu_external *v, size_t n)
{
  char *out = xstrdup("");
  for (size_t i = 0; i < n; i++)
    {
      char *next = xasprintf("%s%s %s\n", out, v[i].kind, v[i].key);
      free(out);
      out = next;
    }
  return out;
}

void
criu_external_free(criu_external *v, size_t n)
{
  for (size_t i = 0; v && i < n; i++)
    {
      free(v[i].kind);
      free(v[i].key);
    }
  free(v);
}

void
criu_external_add(criu_external **v, size_t *n, const char *kind, const char *key)
{
  *v = xrealloc(*v, (*n + 1) * sizeof **v);
  (*v)[*n].kind = xstrdup(kind);
  (*v)[*n].key = xstrdup(key);
  (*n)++;
}

/* "/a//b/" and "/a/b" name one mount point. */
char *
criu_clean_path(const char *p)
{
  char *out = xmalloc0(strlen(p) + 2);
  size_t k = 0;
  for (const char *s = p; *s; s++)
    {
      if (*s == '/' && k > 0 && out[k - 1] == '/')
        continue;
      out[k++] = *s;
    }
  while (k > 1 && out[k - 1] == '/')
    k--;
  out[k] = '\0';
  if (out[0] != '/')
    {
      char *abs = xasprintf("/%s", out);
      free(out);
      out = abs;
    }
  return out;
}

char *
criu_mount_source(const oci_spec *spec, const char *bundle_dir, const char *key)
{
  cleanup_free char *want = criu_clean_path(key);
  /* the last mount on a point is the one on top, the one CRIU saw */
  for (size_t i = spec->mounts_len; i-- > 0;)
    {
      const oci_mount *m = &spec->mounts[i];
      if (!mount_is_bind(m) || m->destination == NULL || m->source == NULL)
        continue;
      cleanup_free char *d = criu_clean_path(m->destination);
      if (strcmp(d, want) != 0)
        continue;
      if (m->source[0] == '/' || bundle_dir == NULL)
        return xstrdup(m->source);
      return xasprintf("%s/%s", bundle_dir, m->source);
    }
  const oci_linux *l = spec->linux;
  for (size_t i = 0; l && i < l->masked_paths.len; i++)
    {
      cleanup_free char *mp = criu_clean_path(l->masked_paths.v[i]);
      if (strcmp(mp, want) == 0)
        return xstrdup("/dev/null");
    }
  return xstrdup(want);
}

static bool
in_strv(const oci_strv *v, const char *clean)
{
  for (size_t i = 0; i < v->len; i++)
    {
      cleanup_free char *c = criu_clean_path(v->v[i]);
      if (strcmp(c, clean) == 0)
        return true;
    }
  return false;
}

static bool
is_spec_bind(const oci_spec *spec, const char *clean)
{
  for (size_t i = 0; i < spec->mounts_len; i++)
    {
      const oci_mount *m = &spec->mounts[i];
      if (m->destination && mount_is_bind(m))
        {
          cleanup_free char *d = criu_clean_path(m->destination);
          if (strcmp(d, clean) == 0)
            return true;
        }
    }
  return false;
}

int
criu_dump_mounts(const oci_spec *spec, const mountinfo_entry *mi, size_t n,
                 criu_external **ext, size_t *next, clawrt_error *err)
{
  for (size_t i = 0; i < n; i++)
    {
      const mountinfo_entry *e = &mi[i];
      if (e->mountpoint == NULL || strcmp(e->mountpoint, "/") == 0)
        continue;
      if (strchr(e->mountpoint, '\n'))
        return clawrt_error_set(err, EINVAL, "mount point with a newline in the container: "
                                             "cannot checkpoint it");
      cleanup_free char *key = criu_clean_path(e->mountpoint);
      bool whole = e->root && strcmp(e->root, "/") == 0;
      bool external = is_spec_bind(spec, key)
                 /* a masked file: /dev/null of the host bound over it */
                 || (spec->linux && in_strv(&spec->linux->masked_paths, key) && !whole)
                 /* a host device node bound into the container's /dev */
                 || (strncmp(key, "/dev/", 5) == 0 && !whole && e->fstype
                     && strcmp(e->fstype, "devpts") != 0);
      if (!external)
        continue;
      bool dup = false;
      for (size_t k = 0; k < *next && !dup; k++)
        dup = strcmp((*ext)[k].kind, "mnt") == 0 && strcmp((*ext)[k].key, key) == 0;
      if (!dup)
        criu_external_add(ext, next, "mnt", key);
    }
  return 0;
}

int
criu_descriptors_parse(const char *text, char *out[3], clawrt_error *err)
{
  out[0] = out[1] = out[2] = NULL;
  const char *p = text;
  size_t n = 0;
  while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
    p++;
  if (*p++ != '[')
    goto bad;
  for (;;)
    {
      while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r' || (n && *p == ','))
        p++;
      if (*p == ']')
        break;
      if (*p++ != '"' || n == 3)
        goto bad;
      char *s = xmalloc0(strlen(p) + 1);
      size_t k = 0;
      while (*p && *p != '"')
        {
          if (*p != '\\')
            {
              s[k++] = *p++;
              continue;
            }
          p++;
          if (*p == 'u')
            {
              unsigned v;
              /* the link texts are ASCII; anything else is not ours */
              if (sscanf(p + 1, "%4x", &v) != 1 || v == 0 || v > 0x7f)
                {
                  free(s);
                  goto bad;
                }
              s[k++] = (char) v;
              p += 5;
            }
          else if (*p == '"' || *p == '\\' || *p == '/')
            s[k++] = *p++;
          else if (*p == 'n' || *p == 't')
            s[k++] = *p++ == 'n' ? '\n' : '\t';
          else
            {
              free(s);
              goto bad;
            }
        }
      if (*p++ != '"')
        {
          free(s);
          goto bad;
        }
      out[n++] = s;
    }
  if (n == 3)
    return 0;
bad:
  for (int i = 0; i < 3; i++)
    {
      free(out[i]);
      out[i] = NULL;
    }
  return clawrt_error_set(err, EINVAL, "%s: expected a JSON array of 3 strings",
                          CRIU_DESCRIPTORS_FILE);
}

/* ---- argv --------------------------------------------------------------- */

void
criu_argv_add(criu_argv *a, const char *s)
{
  if (a->len + 2 > a->cap)
    {
      a->cap = a->cap ? a->cap * 2 : 32;
      a->v = xrealloc(a->v, a->cap * sizeof *a->v);
    }
  a->v[a->len++] = xstrdup(s);
  a->v[a->len] = NULL;
}

void
criu_argv_addf(criu_argv *a, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  char *s = NULL;
  if (vasprintf(&s, fmt, ap) < 0)
    abort();
  va_end(ap);
  criu_argv_add(a, s);
  free(s);
}

void
criu_argv_free(criu_argv *a)
{
  strv_free(a->v);
  memset(a, 0, sizeof *a);
}

int
criu_cgroups_mode(const char *mode, const char **out, clawrt_error *err)
{
  static const char *const modes[] = { "soft", "full", "strict", "ignore" };
  if (mode == NULL || *mode == '\0')
    {
      *out = "soft";
      return 0;
    }
  for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++)
    if (strcmp(mode, modes[i]) == 0)
      {
        *out = modes[i];
        return 0;
      }
  return clawrt_error_set(err, EINVAL,
                          "--manage-cgroups-mode: \"%s\" is none of soft, full, strict, ignore",
                          mode);
}

/* The flags both dump and restore take, in runc's meaning. */
int
criu_argv_common(criu_argv *a, const criu_opts *o, const char *log_name, clawrt_error *err)
{
  const char *mode;
  if (criu_cgroups_mode(o->manage_cgroups_mode, &mode, err) < 0)
    return -1;
  criu_argv_add(a, "--images-dir");
  criu_argv_add(a, o->image_path);
  criu_argv_add(a, "--work-dir");
  criu_argv_add(a, o->work_path ? o->work_path : o->image_path);
  criu_argv_add(a, "--log-file");
  criu_argv_add(a, log_name);
  /* -v4: the debug lines are what a bug report needs; the reason shown
   * to the user is picked from the Error lines anyway */
  criu_argv_add(a, "-v4");
  criu_argv_addf(a, "--manage-cgroups=%s", mode);
  if (o->tcp_established)
    criu_argv_add(a, "--tcp-established");
  if (o->ext_unix_sk)
    criu_argv_add(a, "--ext-unix-sk");
  if (o->shell_job)
    criu_argv_add(a, "--shell-job");
  if (o->file_locks)
    criu_argv_add(a, "--file-locks");
  return 0;
}

/* ---- running it --------------------------------------------------------- */

/* Child side: the fds CRIU inherits lose O_CLOEXEC, the cgroup roots
 * become what the parent just moved us into, and the signal mask is the
 * default one (the restored tree inherits it otherwise). */
static void __attribute__((noreturn))
child(criu_argv *a, const criu_exec_opts *o, int go_r, int errp_w)
{
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  for (int s = 1; s < NSIG; s++)
    if (s != SIGKILL && s != SIGSTOP)
      signal(s, SIG_DFL);
  if (go_r >= 0)
    {
      char c;
      ssize_t r;
      do
        r = read(go_r, &c, 1);
      while (r < 0 && errno == EINTR);
      if (r != 1)
        _exit(126);
    }
  if (o->cgroup_roots)
    {
      /* the hierarchies' paths as the kernel reports them for us now */
      int fd = open("/proc/self/cgroup", O_RDONLY | O_CLOEXEC);
      char buf[8192];
      ssize_t n = fd >= 0 ? read_all(fd, buf, sizeof buf - 1) : -1;
      if (n > 0)
        {
          buf[n] = '\0';
          for (char *save = NULL, *line = strtok_r(buf, "\n", &save); line;
               line = strtok_r(NULL, "\n", &save))
            {
              char *c1 = strchr(line, ':');
              char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
              if (c2 == NULL)
                continue;
              *c2 = '\0';
              criu_argv_add(a, "--cgroup-root");
              if (c1[1])
                criu_argv_addf(a, "%s:%s", c1 + 1, c2 + 1);
              else
                criu_argv_add(a, c2 + 1);
            }
        }
    }
  for (size_t i = 0; i < o->inherit_len; i++)
    {
      int fl = fcntl(o->inherit[i], F_GETFD);
      if (fl >= 0)
        fcntl(o->inherit[i], F_SETFD, fl & ~FD_CLOEXEC);
    }
  if (o->output_fd > 2)
    {
      dup2(o->output_fd, 1);
      dup2(o->output_fd, 2);
    }
  execvp(a->v[0], a->v);
  int e = errno;
  if (write(errp_w, &e, sizeof e) < 0)
    _exit(127);
  _exit(127);
}

int
criu_exec(criu_argv *a, const criu_exec_opts *o, int *status, clawrt_error *err)
{
  int go[2] = { -1, -1 }, errp[2] = { -1, -1 };
  if ((o->cg && pipe2(go, O_CLOEXEC) < 0) || pipe2(errp, O_CLOEXEC) < 0)
    {
      int e = errno;
      if (go[0] >= 0)
        close(go[0]), close(go[1]);
      return clawrt_error_set(err, e, "pipe");
    }
  pid_t pid = fork();
  if (pid < 0)
    {
      int e = errno;
      if (go[0] >= 0)
        close(go[0]), close(go[1]);
      close(errp[0]);
      close(errp[1]);
      return clawrt_error_set(err, e, "fork criu");
    }
  if (pid == 0)
    {
      close(errp[0]);
      if (go[1] >= 0)
        close(go[1]);
      child(a, o, go[0], errp[1]);
    }
  close(errp[1]);
  if (go[0] >= 0)
    close(go[0]);
  int rc = 0;
  if (o->cg)
    {
      /* CRIU restores the tree into the cgroup it runs in */
      if (cgroup_enter(o->cg, pid, err) < 0)
        {
          clawrt_error_wrap(err, "move criu into the container's cgroup");
          kill(pid, SIGKILL);
          rc = -1;
        }
      else if (write(go[1], "g", 1) != 1)
        {
          clawrt_error_set(err, errno, "start criu");
          kill(pid, SIGKILL);
          rc = -1;
        }
      close(go[1]);
    }
  int wst = 0;
  while (waitpid(pid, &wst, 0) < 0)
    if (errno != EINTR)
      {
        if (rc == 0)
          clawrt_error_set(err, errno, "wait for criu");
        rc = -1;
        break;
      }
  int exec_errno = 0;
  ssize_t n = read(errp[0], &exec_errno, sizeof exec_errno);
  close(errp[0]);
  if (rc < 0)
    return -1;
  if (n == (ssize_t) sizeof exec_errno)
    {
      if (exec_errno == ENOENT)
        return clawrt_error_set(err, ENOENT,
                                "criu not found in PATH: checkpoint and restore need CRIU "
                                "(Debian: apt-get install criu)");
      return clawrt_error_set(err, exec_errno, "execute criu");
    }
  *status = wst;
  return 0;
}

char *
criu_describe_status(int wst)
{
  if (WIFSIGNALED(wst))
    return xasprintf("was killed by signal %d", WTERMSIG(wst));
  return xasprintf("exited with status %d", WEXITSTATUS(wst));
}

int
criu_check(clawrt_error *err)
{
  criu_argv a = { 0 };
  criu_argv_add(&a, "criu");
  criu_argv_add(&a, "check");
  cleanup_close int out = memfd_create("criu-check", MFD_CLOEXEC);
  if (out < 0)
    {
      criu_argv_free(&a);
      return clawrt_error_set(err, errno, "memfd_create");
    }
  criu_exec_opts eo = { .output_fd = out };
  int wst = 0;
  int rc = criu_exec(&a, &eo, &wst, err);
  criu_argv_free(&a);
  if (rc < 0)
    return -1;
  if (WIFEXITED(wst) && WEXITSTATUS(wst) == 0)
    return 0;
  char buf[16384];
  ssize_t n = pread(out, buf, sizeof buf - 1, 0);
  buf[n > 0 ? n : 0] = '\0';
  cleanup_free char *why = criu_log_reason(buf, CRIU_REASON_LINES);
  cleanup_free char *how = criu_describe_status(wst);
  return clawrt_error_set(err, 0, "criu check %s%s%s", how, why ? ": " : "", why ? why : "");
}
