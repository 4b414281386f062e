/* signals.c: names and numbers for `kill`, the forwarded set, the signalfd. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "signals.h"
#include "tap.h"


static int
parsed(const char *s)
{
  clawrt_error e = { 0 };
  int n = -100;
  if (signal_parse(s, &n, &e) < 0)
    n = -1;
  clawrt_error_clear(&e);
  return n;
}

static void
test_parse(void)
{
  static const struct {
    const char *in;
    int want;
  } good[] = {
    { "KILL", SIGKILL },   { "SIGKILL", SIGKILL }, { "kill", SIGKILL },  { "sigkill", SIGKILL },
    { "SigTerm", SIGTERM }, { "9", 9 },            { "15", 15 },         { "0", 0 },
    { "HUP", SIGHUP },     { "USR1", SIGUSR1 },    { "SIGUSR2", SIGUSR2 }, { "CHLD", SIGCHLD },
    { "CLD", SIGCHLD },    { "IOT", SIGABRT },     { "POLL", SIGIO },    { "WINCH", SIGWINCH },
    { "STOP", SIGSTOP },   { "CONT", SIGCONT },
  };
  for (size_t i = 0; i < sizeof good / sizeof *good; i++)
    CHECK(parsed(good[i].in) == good[i].want, "\"%s\" is %d", good[i].in, good[i].want);

  CHECK(parsed("RTMIN") == SIGRTMIN, "RTMIN");
  CHECK(parsed("SIGRTMIN+1") == SIGRTMIN + 1, "SIGRTMIN+1");
  CHECK(parsed("rtmax-2") == SIGRTMAX - 2, "rtmax-2");
  CHECK(parsed("RTMAX") == SIGRTMAX, "RTMAX");
  char top[16];
  snprintf(top, sizeof top, "%d", SIGRTMAX);
  CHECK(parsed(top) == SIGRTMAX, "%s (SIGRTMAX) as a number", top);

  static const char *const bad[] = { "",      "SIG",      "KILLL",    "SIGSIGKILL", "-9",
                                     "9x",    " 9",       "9\n",      "RTMIN-1",    "RTMAX+1",
                                     "RTMIN+", "RTMIN+99", "99999999999999999999", "TERM " };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
    CHECK(parsed(bad[i]) == -1, "bad signal #%zu refused", i);
  snprintf(top, sizeof top, "%d", SIGRTMAX + 1);
  CHECK(parsed(top) == -1, "%s (past SIGRTMAX) refused", top);

  clawrt_error e = { 0 };
  int n;
  signal_parse("BOGUS", &n, &e);
  CHECK(e.msg && strstr(e.msg, "BOGUS") && strstr(e.msg, "unknown signal"),
        "error names the bad signal: %s", e.msg ? e.msg : "");
  clawrt_error_clear(&e);
}

static void
test_names(void)
{
  char buf[16];
  CHECK(signal_name(SIGTERM, buf, sizeof buf) && strcmp(buf, "SIGTERM") == 0, "SIGTERM name");
  CHECK(signal_name(SIGCHLD, buf, sizeof buf) && strcmp(buf, "SIGCHLD") == 0,
        "canonical name first: SIGCHLD, not SIGCLD");
  CHECK(signal_name(SIGRTMIN + 2, buf, sizeof buf) && strcmp(buf, "SIGRTMIN+2") == 0,
        "SIGRTMIN+2 name");
  CHECK(signal_name(0, buf, sizeof buf) == NULL && signal_name(SIGRTMAX + 1, buf, sizeof buf) == NULL,
        "no name for 0 or past SIGRTMAX");
  int roundtrip = 1;
  for (int s = 1; s <= SIGRTMAX; s++)
    {
      const char *nm = signal_name(s, buf, sizeof buf);
      if (nm && parsed(nm) != s)
        {
          printf("# %d -> %s -> %d\n", s, nm, parsed(nm));
          roundtrip = 0;
        }
      if (!nm && s < 32)
        {
          printf("# classic signal %d has no name\n", s);
          roundtrip = 0;
        }
    }
  CHECK(roundtrip, "every name parses back to its number");
}

static void
test_forwarded(void)
{
  static const int yes[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGCONT, SIGTSTP };
  static const int no[] = { SIGKILL, SIGSTOP, SIGCHLD, SIGWINCH, SIGPIPE, SIGSEGV, SIGBUS, SIGFPE,
                            SIGILL, SIGTRAP, SIGSYS, SIGABRT, SIGTTIN, SIGTTOU, 0, 32 };
  for (size_t i = 0; i < sizeof yes / sizeof *yes; i++)
    CHECK(signal_is_forwarded(yes[i]), "signal %d forwarded", yes[i]);
  for (size_t i = 0; i < sizeof no / sizeof *no; i++)
    CHECK(!signal_is_forwarded(no[i]), "signal %d not forwarded", no[i]);
  CHECK(signal_is_forwarded(SIGRTMIN) && signal_is_forwarded(SIGRTMAX), "real-time forwarded");
}

static void
test_signalfd(void)
{
  sigset_t old, now;
  int fd = -1;
  clawrt_error e = { 0 };
  CHECK(signals_open_fd(&old, &fd, &e) == 0 && fd >= 0, "signalfd opened");
  sigprocmask(SIG_SETMASK, NULL, &now);
  CHECK(sigismember(&now, SIGTERM) && sigismember(&now, SIGCHLD) && !sigismember(&now, SIGSEGV),
        "TERM and CHLD blocked, SEGV not");
  kill(getpid(), SIGUSR1);
  struct signalfd_siginfo si;
  ssize_t n = read(fd, &si, sizeof si);
  CHECK(n == (ssize_t) sizeof si && si.ssi_signo == (unsigned) SIGUSR1, "SIGUSR1 read from the fd");
  n = read(fd, &si, sizeof si);
  CHECK(n < 0, "fd is non-blocking");
  close(fd);
  sigprocmask(SIG_SETMASK, &old, NULL);
}

int
main(void)
{
  test_parse();
  test_names();
  test_forwarded();
  test_signalfd();
  return tap_done();
}
