/* fault_point(): stops exactly at the step CLAWRT_TEST_STOP_AT names, by
 * SIGKILL, and nowhere else.  The variable is read when the program
 * starts, so each case runs this program again with it set. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "faults.h"
#include "tap.h"

/* 0: survived fault_point(step), SIGKILL: stopped there, -1: other */
static int
outcome(const char *env, const char *step)
{
  pid_t pid = fork();
  if (pid == 0)
    {
      if (env)
        setenv(CLAWRT_FAULT_ENV, env, 1);
      else
        unsetenv(CLAWRT_FAULT_ENV);
      execl("/proc/self/exe", "test_faults", "--child", step, (char *) NULL);
      _exit(99);
    }
  int st;
  if (pid < 0 || waitpid(pid, &st, 0) != pid)
    return -1;
  if (WIFSIGNALED(st))
    return WTERMSIG(st);
  return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

int
main(int argc, char **argv)
{
  if (argc == 3 && strcmp(argv[1], "--child") == 0)
    {
      fault_point(argv[2]);
      return 0;
    }
  CHECK(outcome(NULL, "create:after-clone") == 0, "unset: inert");
  CHECK(outcome("", "create:after-clone") == 0, "empty: inert");
  CHECK(outcome("create:after-clone", "create:after-clone") == SIGKILL, "full name: stops");
  CHECK(outcome("after-clone", "create:after-clone") == SIGKILL, "bare step: stops");
  CHECK(outcome("after-clone", "exec:after-clone") == SIGKILL, "bare step: any command");
  CHECK(outcome("exec:after-clone", "create:after-clone") == 0, "another command's step: inert");
  CHECK(outcome("create:after", "create:after-clone") == 0, "a prefix does not match");
  CHECK(outcome("create:after-clone-x", "create:after-clone") == 0, "a longer name does not match");
  CHECK(outcome("create", "create:after-clone") == 0, "a command alone does not match");
  CHECK(outcome("no-such-step", "delete:before-remove") == 0, "unknown step: inert");
  return tap_done();
}
