/* sysctl rules (namespace of each key, key -> path, validation messages),
 * the procfs access layer every /proc write goes through, and sysctl_apply
 * inside fresh namespaces. TAP output. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "linux/procfs.h"
#include "linux/sysctl.h"
#include "util.h"

static int failures, count;
#define CHECK(cond, ...)                                                                       \
  do {                                                                                         \
    count++;                                                                                   \
    if (cond)                                                                                  \
      printf("ok %d - ", count);                                                               \
    else {                                                                                     \
      printf("not ok %d - ", count);                                                           \
      failures++;                                                                              \
    }                                                                                          \
    printf(__VA_ARGS__);                                                                       \
    printf("\n");                                                                              \
  } while (0)

static void
test_classify(void)
{
  static const struct { const char *key; sysctl_ns ns; } t[] = {
    { "net.ipv4.ip_forward", SYSCTL_NS_NET },
    { "net/ipv4/conf/eth0.100/forwarding", SYSCTL_NS_NET },
    { "net.core.somaxconn", SYSCTL_NS_NET },
    { "kernel.msgmax", SYSCTL_NS_IPC }, { "kernel.msgmnb", SYSCTL_NS_IPC },
    { "kernel.msgmni", SYSCTL_NS_IPC }, { "kernel.sem", SYSCTL_NS_IPC },
    { "kernel.shmall", SYSCTL_NS_IPC }, { "kernel.shmmax", SYSCTL_NS_IPC },
    { "kernel.shmmni", SYSCTL_NS_IPC }, { "kernel.shm_rmid_forced", SYSCTL_NS_IPC },
    { "kernel/shmmax", SYSCTL_NS_IPC },
    { "fs.mqueue.queues_max", SYSCTL_NS_IPC }, { "fs.mqueue.msg_max", SYSCTL_NS_IPC },
    { "kernel.domainname", SYSCTL_NS_UTS }, { "kernel.hostname", SYSCTL_NS_HOSTNAME },
    { "kernel.pid_max", SYSCTL_NS_NONE }, { "vm.overcommit_memory", SYSCTL_NS_NONE },
    { "fs.file-max", SYSCTL_NS_NONE }, { "kernel.core_pattern", SYSCTL_NS_NONE },
    { "fs.mqueue", SYSCTL_NS_NONE }, { "network.x", SYSCTL_NS_NONE },
    { "netx", SYSCTL_NS_NONE },
  };
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
    CHECK(sysctl_classify(t[i].key) == t[i].ns, "classify %s -> %d", t[i].key, t[i].ns);

  static const struct { const char *key, *path; } p[] = {
    { "net.ipv4.ip_forward", "net/ipv4/ip_forward" },
    { "net/ipv4/conf/eth0.100/forwarding", "net/ipv4/conf/eth0.100/forwarding" },
    { "kernel.shmmax", "kernel/shmmax" },
    { "net..x", NULL }, { ".net", NULL }, { "net.", NULL }, { "/net/x", NULL },
    { "net/../../etc", NULL }, { "net/./x", NULL }, { "", NULL },
  };
  for (size_t i = 0; i < sizeof p / sizeof p[0]; i++)
    {
      char *got = sysctl_key_to_path(p[i].key);
      CHECK((got == NULL && p[i].path == NULL)
            || (got && p[i].path && strcmp(got, p[i].path) == 0), "path of \"%s\": %s",
            p[i].key, got ? got : "(refused)");
      free(got);
    }
}

static oci_spec *
spec_with(const char *const *ns, const char *netns_path, const char *key)
{
  oci_spec *s = xmalloc0(sizeof *s);
  s->linux = xmalloc0(sizeof *s->linux);
  size_t n = 0;
  while (ns && ns[n])
    n++;
  s->linux->namespaces = xmalloc0((n + 1) * sizeof(oci_namespace));
  s->linux->namespaces_len = n;
  for (size_t i = 0; i < n; i++)
    {
      s->linux->namespaces[i].type = (char *) ns[i];
      if (strcmp(ns[i], "network") == 0)
        s->linux->namespaces[i].path = (char *) netns_path;
    }
  s->linux->has_sysctl = true;
  s->linux->sysctl.keys = xmalloc0(sizeof(char *));
  s->linux->sysctl.values = xmalloc0(sizeof(char *));
  s->linux->sysctl.keys[0] = (char *) key;
  s->linux->sysctl.values[0] = (char *) "1";
  s->linux->sysctl.len = 1;
  return s;
}

static void
spec_free(oci_spec *s)
{
  free(s->linux->namespaces);
  free(s->linux->sysctl.keys);
  free(s->linux->sysctl.values);
  free(s->linux);
  free(s);
}

static void
expect(const char *const *ns, const char *netns, const char *key, const char *want)
{
  oci_spec *s = spec_with(ns, netns, key);
  clawrt_error err = { 0 };
  int r = sysctl_validate(s, "config.json", &err);
  if (want == NULL)
    CHECK(r == 0, "\"%s\" allowed (%s)", key, err.msg ? err.msg : "");
  else
    CHECK(r == -1 && err.msg && strstr(err.msg, want), "\"%s\" refused: %s", key,
          err.msg ? err.msg : "(accepted)");
  clawrt_error_clear(&err);
  spec_free(s);
}

static void
test_validate(void)
{
  const char *all[] = { "pid", "network", "ipc", "uts", "mount", NULL };
  const char *none[] = { "pid", "mount", NULL };
  expect(all, NULL, "net.ipv4.ip_forward", NULL);
  expect(all, NULL, "kernel.shmmax", NULL);
  expect(all, NULL, "fs.mqueue.queues_max", NULL);
  expect(all, NULL, "kernel.domainname", NULL);
  expect(none, NULL, "net.ipv4.ip_forward",
         "config.json: linux.sysctl: \"net.ipv4.ip_forward\" is not allowed in the host's "
         "network namespace");
  expect(none, NULL, "kernel.msgmax",
         "config.json: linux.sysctl: \"kernel.msgmax\" needs its own ipc namespace");
  expect(none, NULL, "kernel.domainname", "needs its own uts namespace");
  expect(all, NULL, "kernel.hostname", "conflicts with the \"hostname\" field");
  expect(all, NULL, "kernel.pid_max",
         "config.json: linux.sysctl: \"kernel.pid_max\" is not in a separate kernel namespace");
  expect(all, NULL, "vm.swappiness", "would change the host");
  expect(all, NULL, "net/../kernel/x", "malformed key");
  expect(all, "/proc/self/ns/net", "net.ipv4.ip_forward", "is the host's");
  expect(all, "/nonexistent/netns", "net.ipv4.ip_forward", "stat network namespace");
}

static void
test_procfs(void)
{
  clawrt_error err = { 0 };
  int proc = procfs_open_root(AT_FDCWD, "/proc", &err);
  CHECK(proc >= 0, "/proc is a procfs root (%s)", err.msg ? err.msg : "");
  clawrt_error_clear(&err);
  int fl = fcntl(proc, F_GETFD);
  CHECK(fl >= 0 && (fl & FD_CLOEXEC), "procfs root fd is O_CLOEXEC");

  CHECK(procfs_open_root(AT_FDCWD, "/proc/sys", &err) < 0 && strstr(err.msg, "not the root"),
        "/proc/sys is refused as a procfs root: %s", err.msg);
  clawrt_error_clear(&err);
  CHECK(procfs_open_root(AT_FDCWD, "/tmp", &err) < 0 && strstr(err.msg, "is not on procfs"),
        "/tmp is refused: %s", err.msg);
  clawrt_error_clear(&err);

  int fd = procfs_open_at(proc, "self/status", O_RDONLY, &err);
  CHECK(fd < 0 && err.errnum == ELOOP, "the self symlink is not followed (%s)",
        strerror(err.errnum));
  clawrt_error_clear(&err);
  fd = procfs_open_at(proc, "../etc/passwd", O_RDONLY, &err);
  CHECK(fd < 0 && strstr(err.msg, "not a plain relative path"), "\"..\" refused: %s", err.msg);
  clawrt_error_clear(&err);
  fd = procfs_open_at(proc, "/etc/passwd", O_RDONLY, &err);
  CHECK(fd < 0, "absolute path refused");
  clawrt_error_clear(&err);

  char rel[64];
  snprintf(rel, sizeof rel, "%d/status", (int) getpid());
  fd = procfs_open_at(proc, rel, O_RDONLY, &err);
  CHECK(fd >= 0, "open %s by pid", rel);
  if (fd >= 0)
    close(fd);
  fd = procfs_open_thread_self(proc, "status", O_RDONLY, &err);
  CHECK(fd >= 0, "thread-self resolved through readlink (%s)", err.msg ? err.msg : "");
  if (fd >= 0)
    close(fd);
  clawrt_error_clear(&err);

  char *txt = NULL;
  CHECK(procfs_read_at(proc, "sys/kernel/cap_last_cap", 64, &txt, &err) == 0 && txt
        && atoi(txt) > 30, "read sys/kernel/cap_last_cap: %d", txt ? atoi(txt) : -1);
  free(txt);
  txt = NULL;
  CHECK(procfs_read_at(proc, "cpuinfo", 4, &txt, &err) < 0 && err.errnum == EFBIG,
        "read with a cap refuses larger content");
  clawrt_error_clear(&err);

  /* oom_score_adj through thread-self: raising is always allowed */
  pid_t pid = fork();
  if (pid == 0)
    {
      clawrt_error e = { 0 };
      if (procfs_write_thread_self(proc, "oom_score_adj", "123", &e) < 0)
        _exit(1);
      char *v = NULL;
      if (procfs_read_at(proc, "self/oom_score_adj", 16, &v, &e) == 0)
        _exit(3);  /* the symlink must have been refused */
      clawrt_error_clear(&e);
      char r2[64];
      snprintf(r2, sizeof r2, "%d/oom_score_adj", (int) getpid());
      if (procfs_read_at(proc, r2, 16, &v, &e) < 0 || atoi(v) != 123)
        _exit(2);
      _exit(0);
    }
  int st;
  waitpid(pid, &st, 0);
  CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "write oom_score_adj via thread-self (exit %d)",
        WEXITSTATUS(st));
  close(proc);
}

static void
test_apply(void)
{
  if (geteuid() != 0)
    {
      printf("ok %d - # SKIP sysctl_apply in new namespaces needs root\n", ++count);
      return;
    }
  clawrt_error err = { 0 };
  int proc = procfs_open_root(AT_FDCWD, "/proc", &err);
  pid_t pid = fork();
  if (pid == 0)
    {
      if (unshare(CLONE_NEWNET | CLONE_NEWUTS | CLONE_NEWIPC) < 0)
        _exit(10);
      char *keys[] = { "net.ipv4.ip_forward", "kernel.domainname", "kernel.shmmni",
                       "net/ipv4/conf/lo/forwarding" };
      char *vals[] = { "1", "clawrt.test", "1234", "1" };
      oci_map m = { keys, vals, 4 };
      clawrt_error e = { 0 };
      if (sysctl_apply(proc, &m, &e) < 0)
        {
          fprintf(stderr, "# %s\n", e.msg);
          _exit(11);
        }
      char *v = NULL;
      if (procfs_read_at(proc, "sys/net/ipv4/ip_forward", 16, &v, &e) < 0 || atoi(v) != 1)
        _exit(12);
      free(v);
      if (procfs_read_at(proc, "sys/kernel/domainname", 64, &v, &e) < 0
          || strcmp(v, "clawrt.test\n") != 0)
        _exit(13);
      free(v);
      if (procfs_read_at(proc, "sys/kernel/shmmni", 16, &v, &e) < 0 || atoi(v) != 1234)
        _exit(14);
      free(v);
      char *bk[] = { "net.ipv4.no_such_thing" };
      oci_map bad = { bk, vals, 1 };
      if (sysctl_apply(proc, &bad, &e) == 0 || !strstr(e.msg, "no such sysctl on this kernel"))
        _exit(15);
      _exit(0);
    }
  int st;
  waitpid(pid, &st, 0);
  CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "sysctl_apply in new net/uts/ipc namespaces "
        "(exit %d)", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
  close(proc);
}

int
main(void)
{
  test_classify();
  test_validate();
  test_procfs();
  test_apply();
  printf("1..%d\n", count);
  return failures ? 1 : 0;
}
