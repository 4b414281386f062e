#!/usr/bin/env bats
# Memory checks with valgrind (memcheck): every error and every leak
# (definite, indirect, possible) fails a test.  Still-reachable blocks are
# not leaks: a container's init is a clone of the runtime and exits on an
# error holding the heap it was born with.  The runtime is followed from
# main() to the container's execve: the parent, the container's init (a
# clone, so valgrind keeps it); the container's programs (*/bin/*) are not
# followed.
#
# Debian 12's valgrind (3.19) knows neither openat2 (3.21) nor
# mount_setattr (3.26), which every container setup makes: with it only the
# commands that start no container are checked, and the rest skip saying
# so.  VALGRIND=/path/to/valgrind points the tests at a newer one.

load helpers

VALGRIND=${VALGRIND:-valgrind}

setup() {
  command -v "$VALGRIND" >/dev/null || skip "valgrind is not installed (apt-get install valgrind)"
  if ldd "$CLAWRT" 2>/dev/null | grep -qE 'lib(asan|tsan|ubsan)'; then
    skip "$CLAWRT is built with sanitizers, which valgrind cannot run under"
  fi
  setup_bundle
  # valgrind keeps fds of its own above the RLIMIT_NOFILE it shows the
  # program, so it refuses any change of the hard limit (EPERM)
  update_config 'del(.process.rlimits)'
}

teardown() {
  teardown_bundle
}

# vg ARGS...: clawrt ARGS under memcheck, its output and valgrind's in one
vg() {
  "$VALGRIND" -q --vgdb=no --trace-children="${VG_TRACE:-yes}" \
    --trace-children-skip='*/bin/*,*/sbin/*' \
    --leak-check=full \
    --show-leak-kinds=definite,indirect,possible \
    --errors-for-leak-kinds=definite,indirect,possible --error-exitcode=97 \
    --suppressions="$TESTS_DIR/valgrind.supp" \
    "$CLAWRT" --root "$CLAWRT_ROOT" "$@"
}

# no valgrind report in $output, whatever the exit status of the command.
# After pivot_root the init no longer sees valgrind's preload library by
# its path, which valgrind says in a warning about itself, not about us.
no_report() {
  if grep -E '^==[0-9]+==' <<< "$output" |
    grep -vE 'warning: connection to image .*vgpreload_core|no debug info loaded'; then
    echo "valgrind reported the lines above" >&2
    return 1
  fi
}

# Skip unless $VALGRIND can follow a container's setup.
needs_new_valgrind() {
  local v major minor
  v=$("$VALGRIND" --version)
  major=$(sed -n 's/^valgrind-\([0-9]*\)\.\([0-9]*\).*/\1/p' <<< "$v")
  minor=$(sed -n 's/^valgrind-\([0-9]*\)\.\([0-9]*\).*/\2/p' <<< "$v")
  [ -n "$major" ] || skip "cannot read a version from \"$v\""
  if [ "$major" -lt 3 ] || { [ "$major" -eq 3 ] && [ "$minor" -lt 26 ]; }; then
    skip "$v cannot follow a container's setup (no openat2 before 3.21, no mount_setattr before 3.26: they fail with ENOSYS under it): set VALGRIND to a valgrind >= 3.26"
  fi
}

@test "valgrind: commands that start no container leak nothing" {
  run vg spec -b "$BATS_TEST_TMPDIR"
  [ "$status" -eq 0 ] && no_report
  run vg features
  [ "$status" -eq 0 ] && no_report
  [[ "$output" == *'"ociVersionMax"'* ]]
  run vg list
  [ "$status" -eq 0 ] && no_report
  run vg state nosuch
  [ "$status" -eq 1 ] && no_report
  run vg delete nosuch
  [ "$status" -eq 1 ] && no_report
  run vg audit -b "$BUNDLE"
  no_report
  update_config '.linux.namespaces += [{type: "pidd"}]'
  run vg run -b "$BUNDLE" bad
  [ "$status" -eq 1 ] && no_report
  [[ "$output" == *'unknown namespace "pidd"'* ]]
  run vg --help
  [ "$status" -eq 0 ] && no_report
}

@test "valgrind: run leaks nothing" {
  needs_new_valgrind
  update_config '.process.args = ["echo", "hello from valgrind"]'
  run vg run -b "$BUNDLE" v1
  echo "$output"
  [ "$status" -eq 0 ] && no_report
  [[ "$output" == *"hello from valgrind"* ]]
  # the error paths of the parent and of the init: a missing program
  update_config '.process.args = ["/nonexistent"]'
  run vg run -b "$BUNDLE" v2
  [ "$status" -ne 0 ] && no_report
  [[ "$output" == *"/nonexistent"* ]]
  # a process killed by its memory limit, diagnosed by the parent
  update_config '.process.args = ["sh", "-c", "x=$(head -c 100000000 /dev/zero | tr \"\\0\" a)"]
    | .linux.resources.memory = {limit: 33554432, swap: 33554432}'
  run vg run -b "$BUNDLE" v3
  [ "$status" -ne 0 ] && no_report
  [[ "$output" == *"memory limit exceeded"* ]]
  assert_nothing_left v1 && assert_nothing_left v2 && assert_nothing_left v3
}

@test "valgrind: create, start, state, pause, kill, delete leak nothing" {
  needs_new_valgrind
  update_config '.process.args = ["sleep", "100"]'
  # the init keeps create's stdio until it execs: not a pipe `run` waits on
  vg create -b "$BUNDLE" v4 > "$BATS_TEST_TMPDIR/create.out" 2>&1 < /dev/null
  run cat "$BATS_TEST_TMPDIR/create.out"
  no_report
  for cmd in "start v4" "state v4" "pause v4" "resume v4" "ps v4" "kill v4 KILL"; do
    run vg $cmd
    echo "$cmd: $output"
    [ "$status" -eq 0 ] && no_report
  done
  wait_for_status v4 stopped
  run vg delete v4
  [ "$status" -eq 0 ] && no_report
  # what the init printed under valgrind up to its execve
  run cat "$BATS_TEST_TMPDIR/create.out"
  no_report
  assert_nothing_left v4
}

@test "valgrind: exec and delete --force leak nothing" {
  needs_new_valgrind
  update_config '.process.args = ["sleep", "100"]'
  clawrt run -d -b "$BUNDLE" v5 > /dev/null 2>&1 < /dev/null
  # exec re-executes clawrt from a sealed memfd, with the memfd closed on
  # exec (so no container process inherits it): valgrind cannot reopen it to
  # follow, so only the part before the re-execution is checked here; what
  # follows is the init's process_prepare/process_exec, which the run test
  # covers
  VG_TRACE=no run vg exec v5 echo "exec under valgrind"
  echo "$output"
  [ "$status" -eq 0 ] && no_report
  [[ "$output" == *"exec under valgrind"* ]]
  run vg delete --force v5
  [ "$status" -eq 0 ] && no_report
  assert_nothing_left v5
}
