/* strict-probe: the system calls strict mode is about, tried from inside a
 * container by tests/integration/strict.bats.  Built static (the rootfs is
 * busybox only).  Each mode prints one line per attempt, "NAME: ok" or
 * "NAME: ERRNO-NAME", and exits 0 unless the probe itself broke.
 *
 *   strict-probe clone       raw clone(2) with each CLONE_NEW* flag
 *   strict-probe clone3      clone3(2), plain and with CLONE_NEWUSER
 *   strict-probe unshare     unshare(2) with each CLONE_NEW* flag
 *   strict-probe setns PATH  setns(2) into the namespace file PATH
 *   strict-probe work        fork, vfork, a plain clone, 8 pthreads, a pipe
 *   strict-probe no-seccomp PROG ARGS...
 *                            exec PROG where seccomp(2) fails with ENOSYS, as
 *                            on a kernel without it (a host strict mode
 *                            must refuse)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif

static const struct {
  const char *name;
  unsigned long flag;
} new_flags[] = {
  { "CLONE_NEWNS", CLONE_NEWNS },     { "CLONE_NEWUTS", CLONE_NEWUTS },
  { "CLONE_NEWIPC", CLONE_NEWIPC },   { "CLONE_NEWUSER", CLONE_NEWUSER },
  { "CLONE_NEWPID", CLONE_NEWPID },   { "CLONE_NEWNET", CLONE_NEWNET },
  { "CLONE_NEWCGROUP", CLONE_NEWCGROUP },
};

static const char *
errname(int e)
{
  switch (e)
    {
    case EPERM: return "EPERM";
    case ENOSYS: return "ENOSYS";
    case EINVAL: return "EINVAL";
    case EACCES: return "EACCES";
    case ENOSPC: return "ENOSPC";
    case EUSERS: return "EUSERS";
    default: return strerror(e);
    }
}

/* A child made by a raw clone exits at once; reap it. */
static void
report_child(const char *name, long pid)
{
  if (pid < 0)
    {
      printf("%s: %s\n", name, errname(errno));
      return;
    }
  if (pid == 0)
    _exit(0);
  int st = 0;
  waitpid((pid_t) pid, &st, __WALL);
  printf("%s: %s\n", name, WIFEXITED(st) && WEXITSTATUS(st) == 0 ? "ok" : "child failed");
}

static void
probe_clone(void)
{
  for (size_t i = 0; i < sizeof new_flags / sizeof new_flags[0]; i++)
    {
      /* x86-64 order: flags, stack, parent_tid, child_tid, tls; a NULL
       * stack means the child runs on a copy of ours, like fork */
      long pid = syscall(SYS_clone, new_flags[i].flag | SIGCHLD, 0, 0, 0, 0);
      report_child(new_flags[i].name, pid);
    }
}

struct clone_args_v0 {
  uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
};

static void
probe_clone3(void)
{
  struct clone_args_v0 a;
  memset(&a, 0, sizeof a);
  a.exit_signal = SIGCHLD;
  report_child("clone3", syscall(SYS_clone3, &a, sizeof a));
  a.flags = CLONE_NEWUSER;
  report_child("clone3-CLONE_NEWUSER", syscall(SYS_clone3, &a, sizeof a));
}

static void
probe_unshare(void)
{
  for (size_t i = 0; i < sizeof new_flags / sizeof new_flags[0]; i++)
    {
      /* in a child: a namespace that is made must not change the probe */
      pid_t pid = fork();
      if (pid < 0)
        {
          perror("fork");
          exit(2);
        }
      if (pid == 0)
        _exit(unshare((int) new_flags[i].flag) == 0 ? 0 : 100 + errno);
      int st = 0;
      waitpid(pid, &st, 0);
      int code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
      printf("%s: %s\n", new_flags[i].name, code == 0 ? "ok" : code >= 100 ? errname(code - 100) : "child failed");
    }
}

static void
probe_setns(const char *path)
{
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    {
      printf("open %s: %s\n", path, errname(errno));
      return;
    }
  printf("setns %s: %s\n", path, setns(fd, 0) == 0 ? "ok" : errname(errno));
  close(fd);
}

static void *
thread_main(void *arg)
{
  volatile long sum = 0;
  for (long i = 0; i < 100000; i++)
    sum += i;
  *(long *) arg = sum;
  return NULL;
}

static void
probe_work(void)
{
  pid_t pid = fork();
  if (pid == 0)
    _exit(0);
  int st = 0;
  printf("fork: %s\n", pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) ? "ok" : errname(errno));
  pid = vfork();
  if (pid == 0)
    _exit(0);
  printf("vfork: %s\n", pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) ? "ok" : errname(errno));
  report_child("clone", syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0));

  pthread_t t[8];
  long out[8] = { 0 };
  int made = 0, rc = 0;
  for (int i = 0; i < 8; i++)
    {
      rc = pthread_create(&t[i], NULL, thread_main, &out[i]);
      if (rc)
        break;
      made++;
    }
  bool all = made == 8;
  for (int i = 0; i < made; i++)
    {
      pthread_join(t[i], NULL);
      all = all && out[i] == 4999950000L;
    }
  printf("threads: %s\n", all ? "ok" : rc ? errname(rc) : "wrong result");

  int p[2];
  char buf[8] = "";
  bool piped = pipe(p) == 0 && write(p[1], "work", 4) == 4 && read(p[0], buf, 4) == 4
               && memcmp(buf, "work", 4) == 0;
  printf("pipe: %s\n", piped ? "ok" : errname(errno));
}

static int
without_seccomp(char **argv)
{
#if defined(__x86_64__)
  const unsigned int arch = AUDIT_ARCH_X86_64;
#elif defined(__aarch64__)
  const unsigned int arch = AUDIT_ARCH_AARCH64;
#else
  fprintf(stderr, "no-seccomp: not written for this architecture\n");
  return 77;
#endif
  struct sock_filter f[] = {
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, arch, 1, 0),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_seccomp, 0, 1),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog prog = { .len = sizeof f / sizeof f[0], .filter = f };
  /* the old interface: seccomp(2) itself is what is taken away */
  if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) < 0)
    {
      perror("no-seccomp: PR_SET_SECCOMP");
      return 2;
    }
  execvp(argv[0], argv);
  perror(argv[0]);
  return 127;
}

int
main(int argc, char **argv)
{
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc >= 2 && strcmp(argv[1], "clone") == 0)
    probe_clone();
  else if (argc >= 2 && strcmp(argv[1], "clone3") == 0)
    probe_clone3();
  else if (argc >= 2 && strcmp(argv[1], "unshare") == 0)
    probe_unshare();
  else if (argc >= 3 && strcmp(argv[1], "setns") == 0)
    probe_setns(argv[2]);
  else if (argc >= 2 && strcmp(argv[1], "work") == 0)
    probe_work();
  else if (argc >= 3 && strcmp(argv[1], "no-seccomp") == 0)
    return without_seccomp(argv + 2);
  else
    {
      fprintf(stderr, "usage: strict-probe clone|clone3|unshare|setns PATH|work|no-seccomp PROG...\n");
      return 2;
    }
  return 0;
}
