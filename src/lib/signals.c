#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "signals.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/signalfd.h>

#include "util.h"

typedef struct sig_entry {
  const char *name; /* without "SIG" */
  int signo;
} sig_entry;

/* Built from the C macros, not numbers, so each architecture gets its own
 * values (SIGUSR1 is 10 on x86 but 16 on mips).  The first name of a number
 * is the one signal_name() prints; later ones are aliases. */
static const sig_entry sig_table[] = {
  { "HUP", SIGHUP },     { "INT", SIGINT },       { "QUIT", SIGQUIT },   { "ILL", SIGILL },
  { "TRAP", SIGTRAP },   { "ABRT", SIGABRT },     { "IOT", SIGIOT },     { "BUS", SIGBUS },
  { "FPE", SIGFPE },     { "KILL", SIGKILL },     { "USR1", SIGUSR1 },   { "SEGV", SIGSEGV },
  { "USR2", SIGUSR2 },   { "PIPE", SIGPIPE },     { "ALRM", SIGALRM },   { "TERM", SIGTERM },
#ifdef SIGSTKFLT
  { "STKFLT", SIGSTKFLT },
#endif
  { "CHLD", SIGCHLD },   { "CLD", SIGCHLD },      { "CONT", SIGCONT },   { "STOP", SIGSTOP },
  { "TSTP", SIGTSTP },   { "TTIN", SIGTTIN },     { "TTOU", SIGTTOU },   { "URG", SIGURG },
  { "XCPU", SIGXCPU },   { "XFSZ", SIGXFSZ },     { "VTALRM", SIGVTALRM }, { "PROF", SIGPROF },
  { "WINCH", SIGWINCH }, { "IO", SIGIO },         { "POLL", SIGPOLL },
#ifdef SIGPWR
  { "PWR", SIGPWR },
#endif
  { "SYS", SIGSYS },
};

static int
parse_small_int(const char *s, int max, int *out)
{
  uint64_t v;
  if (parse_u64(s, &v) < 0 || strchr(s, '\n') != NULL || v > (uint64_t) max)
    return -1;
  *out = (int) v;
  return 0;
}

/* "RTMIN", "RTMIN+N", "RTMAX", "RTMAX-N" (already without SIG). */
static int
parse_rt(const char *s, int *signo)
{
  int base, sign;
  if (strncasecmp(s, "RTMIN", 5) == 0)
    base = SIGRTMIN, sign = 1;
  else if (strncasecmp(s, "RTMAX", 5) == 0)
    base = SIGRTMAX, sign = -1;
  else
    return -1;
  s += 5;
  if (*s == '\0')
    {
      *signo = base;
      return 0;
    }
  if (*s != (sign > 0 ? '+' : '-'))
    return -1;
  int off;
  if (parse_small_int(s + 1, SIGRTMAX - SIGRTMIN, &off) < 0)
    return -1;
  *signo = base + sign * off;
  return 0;
}

int
signal_parse(const char *s, int *signo, clawrt_error *err)
{
  if (s == NULL || *s == '\0')
    return clawrt_error_set(err, 0, "empty signal name");
  if (*s >= '0' && *s <= '9')
    {
      if (parse_small_int(s, SIGRTMAX, signo) < 0)
        return clawrt_error_set(err, 0, "invalid signal \"%.32s\": numbers go from 0 to %d", s,
                                SIGRTMAX);
      return 0;
    }
  const char *name = strncasecmp(s, "SIG", 3) == 0 ? s + 3 : s;
  for (size_t i = 0; i < sizeof sig_table / sizeof sig_table[0]; i++)
    if (strcasecmp(name, sig_table[i].name) == 0)
      {
        *signo = sig_table[i].signo;
        return 0;
      }
  if (parse_rt(name, signo) == 0)
    return 0;
  return clawrt_error_set(err, 0,
                          "unknown signal \"%.32s\" (use a name such as TERM, SIGKILL, "
                          "RTMIN+1, or a number)",
                          s);
}

const char *
signal_name(int signo, char *buf, size_t len)
{
  if (signo <= 0 || signo > SIGRTMAX)
    return NULL;
  for (size_t i = 0; i < sizeof sig_table / sizeof sig_table[0]; i++)
    if (sig_table[i].signo == signo)
      {
        snprintf(buf, len, "SIG%s", sig_table[i].name);
        return buf;
      }
  if (signo >= SIGRTMIN)
    {
      if (signo == SIGRTMIN)
        snprintf(buf, len, "SIGRTMIN");
      else if (signo == SIGRTMAX)
        snprintf(buf, len, "SIGRTMAX");
      else
        snprintf(buf, len, "SIGRTMIN+%d", signo - SIGRTMIN);
      return buf;
    }
  /* 32, 33 on glibc: reserved by the C library for its threads */
  return NULL;
}

static bool
never_blocked(int signo)
{
  switch (signo)
    {
    case SIGKILL:
    case SIGSTOP:
    case SIGSEGV:
    case SIGBUS:
    case SIGFPE:
    case SIGILL:
    case SIGTRAP:
    case SIGSYS:
    case SIGABRT:
      return true;
    }
  return false;
}

bool
signal_is_forwarded(int signo)
{
  if (signo <= 0 || signo > SIGRTMAX || never_blocked(signo))
    return false;
  if (signo == SIGCHLD || signo == SIGWINCH || signo == SIGPIPE || signo == SIGTTIN
      || signo == SIGTTOU)
    return false;
  /* the kernel's first real-time signals, which glibc keeps for its threads */
  if (signo >= 32 && signo < SIGRTMIN)
    return false;
  return true;
}

int
signals_open_fd(sigset_t *old, int *fd, clawrt_error *err)
{
  sigset_t set;
  sigemptyset(&set);
  for (int s = 1; s <= SIGRTMAX; s++)
    if (signal_is_forwarded(s))
      sigaddset(&set, s);
  sigaddset(&set, SIGCHLD);
  sigaddset(&set, SIGWINCH);
  sigaddset(&set, SIGPIPE);
  sigaddset(&set, SIGTTIN);
  sigaddset(&set, SIGTTOU);
  if (sigprocmask(SIG_BLOCK, &set, old) < 0)
    return clawrt_error_set(err, errno, "block signals");
  int f = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  if (f < 0)
    {
      int e = errno;
      sigprocmask(SIG_SETMASK, old, NULL);
      return clawrt_error_set(err, e, "signalfd");
    }
  *fd = f;
  return 0;
}
