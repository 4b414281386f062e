#!/usr/bin/env bats
# What reaches the container's process: stdio, the preserved fds, nothing
# else of the runtime or of its caller (every fd clawrt opens is O_CLOEXEC,
# and the init marks everything above the preserved ones close-on-exec).

load helpers

setup() {
  setup_bundle
}

teardown() {
  teardown_bundle
}

@test "only stdio reaches the container, whatever the caller had open" {
  update_config '.process.args = ["ls", "/proc/self/fd"]'
  # fds 3..9 open in the caller must not leak in
  run clawrt run -b "$BUNDLE" fd1 3</dev/null 4</dev/null 7</dev/null 9</dev/null
  [ "$status" -eq 0 ]
  # ls itself holds one more for the directory it reads
  [ "$(echo $output)" = "0 1 2 3" ]
  assert_nothing_left fd1
}

@test "--preserve-fds N passes fds 3..3+N-1 and nothing above" {
  echo preserved > "$BATS_TEST_TMPDIR/p3"
  update_config '.process.args = ["sh", "-c", "cat <&3; ls /proc/self/fd | tr \"\\n\" \" \""]'
  run clawrt run --preserve-fds 1 -b "$BUNDLE" fd2 3<"$BATS_TEST_TMPDIR/p3" 4</dev/null 5</dev/null
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = preserved ]
  # 0 1 2 3 (preserved), then what ls and the pipe use; 4 and 5 of the
  # caller are closed, so whatever fd 4 is now, it is ls's own
  [[ "${lines[1]}" == "0 1 2 3 "* ]]
  ! clawrt run --preserve-fds -1 -b "$BUNDLE" fd3
}

@test "exec: only stdio and the preserved fds reach the exec'd process" {
  update_config '.process.args = ["sleep", "100"]'
  clawrt run -d -b "$BUNDLE" fd4 </dev/null >/dev/null 2>&1
  run clawrt exec fd4 ls /proc/self/fd 3</dev/null 6</dev/null
  [ "$status" -eq 0 ]
  [ "$(echo $output)" = "0 1 2 3" ]
  echo x > "$BATS_TEST_TMPDIR/p3"
  run clawrt exec --preserve-fds 1 fd4 sh -c 'cat <&3' 3<"$BATS_TEST_TMPDIR/p3"
  [ "$status" -eq 0 ]
  [ "$output" = x ]
  clawrt delete -f fd4
  assert_nothing_left fd4
}

@test "a missing executable is create's error, with runc's wording, and leaves nothing" {
  update_config '.process.args = ["no-such-program"]'
  run clawrt create -b "$BUNDLE" fd5
  [ "$status" -ne 0 ]
  [ "$output" = 'clawrt: exec: "no-such-program": executable file not found in $PATH' ]
  run clawrt state fd5
  [ "$status" -ne 0 ]
  assert_nothing_left fd5
}

@test "LISTEN_FDS (socket activation) passes those fds on and tells the program" {
  update_config '.process.args = ["sh", "-c", "echo $LISTEN_FDS $LISTEN_PID; cat <&3"]'
  echo activated > "$BATS_TEST_TMPDIR/l3"
  LISTEN_FDS=1 run clawrt run -b "$BUNDLE" fd6 3<"$BATS_TEST_TMPDIR/l3"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "1 1" ]
  [ "${lines[1]}" = activated ]
  # meant for another process: ignored
  LISTEN_FDS=1 LISTEN_PID=1 run clawrt run -b "$BUNDLE" fd7 3<"$BATS_TEST_TMPDIR/l3"
  [[ "$output" != *"1 1"* && "$output" != *activated* ]]
}
