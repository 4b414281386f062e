/* Fault injection for the tests: CLAWRT_TEST_STOP_AT=STEP makes the clawrt
 * process that reaches fault_point(STEP) kill itself with SIGKILL there, as
 * an OOM killer, a power cut or `kill -9` would.  tests/integration/
 * faults.bats uses it to prove that whatever a killed create, start, exec or
 * delete leaves, `delete --force` removes, and that no container process
 * ever runs outside its cgroup or without its seccomp filter.
 *
 * Steps (where the call sits; the process that dies is the runtime, never
 * the container):
 *   create  after-reserve       state dir reserved, nothing written
 *           after-state         state.json written, no cgroup yet
 *           after-cgroup        cgroup made, not yet recorded in state.json
 *           after-clone         init cloned, not yet in its cgroup
 *           after-ready         init set up and waiting for start
 *           before-state-final  the final state.json (pid) not yet written
 *   start   before-release      state locked, exec.fifo not opened
 *           after-release       init released, state not yet "started"
 *   exec    after-clone         process cloned, not yet in the cgroup
 *           before-exec         process told to go, about to execve
 *   delete  after-kill          container killed, cgroup still there
 *           after-cgroup        cgroup removed, state dir still there
 *           before-remove       poststop hooks run, state dir not removed
 * Call sites name their step "CMD:STEP" (create:after-clone); the variable
 * may give that full name or the bare STEP, which then stops whichever
 * command reaches it first.
 *
 * Inert unless set: the environment is read once, when the program starts,
 * and each fault_point() is then one pointer test.  Not for production. */
#ifndef CLAWRT_FAULTS_H
#define CLAWRT_FAULTS_H

#define CLAWRT_FAULT_ENV "CLAWRT_TEST_STOP_AT"

/* SIGKILL this process if CLAWRT_TEST_STOP_AT names step ("CMD:STEP") or
 * its STEP part; return at once otherwise. */
void fault_point(const char *step);

#endif
