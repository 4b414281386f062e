#!/usr/bin/env bats
# process.terminal: --console-socket (create, exec -d) and the foreground
# pty of run/exec.  The foreground tests need a real terminal around the
# runtime: util-linux `script` provides one.

load helpers

setup_file() {
  # tests/integration/recvtty of the build tree `make check` runs from
  # (top_builddir), or RECVTTY; else build it here so that
  # `CLAWRT=runc bats tests/integration/terminal.bats` works in a clean tree
  local built=${top_builddir:-$TOP_DIR}/tests/integration/recvtty
  if [ -z "${RECVTTY:-}" ] && [ -x "$built" ] && [ "$built" -nt "$TESTS_DIR/recvtty.c" ]; then
    RECVTTY=$built
  elif [ -z "${RECVTTY:-}" ]; then
    RECVTTY=$BATS_FILE_TMPDIR/recvtty
    ${CC:-cc} -O -Wall -o "$RECVTTY" "$TESTS_DIR/recvtty.c" ||
      skip "cannot build tests/integration/recvtty.c"
  fi
  export RECVTTY
}

setup() {
  requires_root
  setup_bundle
  update_config '.process.terminal = true'
  SOCK=$BATS_TEST_TMPDIR/console.sock
  TTY_OUT=$BATS_TEST_TMPDIR/tty.out
  RECVTTY_PID=
}

teardown() {
  if [ -n "$RECVTTY_PID" ]; then
    kill "$RECVTTY_PID" 2>/dev/null || true
  fi
  teardown_bundle
}

# start_recvtty [recvtty options]: listen on $SOCK, pty output to $TTY_OUT.
start_recvtty() {
  "$RECVTTY" -t 20 "$@" "$SOCK" > "$TTY_OUT" 2> "$BATS_TEST_TMPDIR/recvtty.err" &
  RECVTTY_PID=$!
  local i
  for i in $(seq 100); do
    [ -S "$SOCK" ] && return 0
    sleep 0.05
  done
  echo "recvtty did not start: $(cat "$BATS_TEST_TMPDIR/recvtty.err")" >&2
  return 1
}

# wait_recvtty: wait until the container side of the pty is closed; the
# output, without the pty's \r, in $tty_output.
wait_recvtty() {
  local rc=0
  wait "$RECVTTY_PID" || rc=$?
  RECVTTY_PID=
  tty_output=$(tr -d '\r' < "$TTY_OUT")
  echo "recvtty exit $rc, output: $tty_output" >&2
  return $rc
}

# fg_run CMD...: run the runtime under a pty made by script(1), as a user
# at a terminal would (a 20x70 one); status and output of script (= of the
# runtime), without the pty's \r.
fg_run() {
  command -v script >/dev/null || skip "util-linux script(1) not installed"
  local cmd
  cmd="stty rows 20 cols 70; exec $(printf '%q ' "$CLAWRT" --root "$CLAWRT_ROOT" "$@")"
  run timeout 30 script -qec "$cmd" /dev/null
  output=$(printf '%s' "$output" | tr -d '\r\0')
}

@test "create --console-socket: the container's stdio is a fresh pty" {
  update_config '.process.args = ["sh", "-c", "tty; [ -t 0 ] && [ -t 1 ] && [ -t 2 ] && echo all-stdio-tty"]'
  start_recvtty
  run clawrt create -b "$BUNDLE" --console-socket "$SOCK" test_tty
  [ "$status" -eq 0 ]
  run clawrt start test_tty
  [ "$status" -eq 0 ]
  wait_recvtty
  [[ "$tty_output" == *"/dev/pts/0"* ]]
  [[ "$tty_output" == *"all-stdio-tty"* ]]
}

@test "create --console-socket: the pty is the controlling terminal of a new session" {
  # field 7 of /proc/self/stat: tty_nr, 34816 = makedev(136, 0) = /dev/pts/0
  update_config '.process.args = ["sh", "-c", "read -r pid comm st ppid pgrp sid tty rest < /proc/self/stat; echo tty_nr=$tty; [ $sid = $$ ] && echo session-leader"]'
  start_recvtty
  run clawrt create -b "$BUNDLE" --console-socket "$SOCK" test_ctty
  [ "$status" -eq 0 ]
  clawrt start test_ctty
  wait_recvtty
  [[ "$tty_output" == *"tty_nr=34816"* ]]
  [[ "$tty_output" == *"session-leader"* ]]
}

@test "create --console-socket: process.consoleSize sets the window size" {
  update_config '.process.args = ["stty", "size"] | .process.consoleSize = {"height": 33, "width": 111}'
  start_recvtty
  run clawrt create -b "$BUNDLE" --console-socket "$SOCK" test_size
  [ "$status" -eq 0 ]
  clawrt start test_size
  wait_recvtty
  [[ "$tty_output" == *"33 111"* ]]
}

@test "create --console-socket: input written to the master reaches the container" {
  update_config '.process.args = ["sh", "-c", "read line; echo got:$line"]'
  start_recvtty -i $'hello pty\n'
  run clawrt create -b "$BUNDLE" --console-socket "$SOCK" test_input
  [ "$status" -eq 0 ]
  clawrt start test_input
  wait_recvtty
  [[ "$tty_output" == *"got:hello pty"* ]]
}

@test "create --console-socket: the receiver sees EOF once the container exits" {
  update_config '.process.args = ["true"]'
  start_recvtty
  run clawrt create -b "$BUNDLE" --console-socket "$SOCK" test_eof
  [ "$status" -eq 0 ]
  clawrt start test_eof
  wait_recvtty
  wait_for_status test_eof stopped
}

@test "create --console-socket: a missing socket is an error naming it" {
  run clawrt create -b "$BUNDLE" --console-socket "$BATS_TEST_TMPDIR/nope.sock" test_nosock
  [ "$status" -ne 0 ]
  [[ "$output" == *"nope.sock"* ]]
  run clawrt state test_nosock
  [ "$status" -ne 0 ]
}

@test "create: terminal without --console-socket is refused" {
  run clawrt create -b "$BUNDLE" test_noconsole
  [ "$status" -ne 0 ]
  [[ "$output" == *"console"*"socket"* ]]
}

@test "create: --console-socket without terminal is refused" {
  update_config '.process.terminal = false'
  start_recvtty -t 3
  run clawrt create -b "$BUNDLE" --console-socket "$SOCK" test_noterm
  [ "$status" -ne 0 ]
  [[ "$output" == *"console"*"socket"* ]]
}

@test "run in the foreground with a terminal: the container's output arrives" {
  update_config '.process.args = ["sh", "-c", "tty; echo run-ok"]'
  fg_run run -b "$BUNDLE" test_fg
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"/dev/pts/0"* ]]
  [[ "$output" == *"run-ok"* ]]
}

@test "run in the foreground with a terminal: our window size is the container's" {
  update_config '.process.args = ["stty", "size"]'
  fg_run run -b "$BUNDLE" test_fg_size
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"20 70"* ]]
}

@test "run in the foreground with a terminal: the exit status is the container's" {
  update_config '.process.args = ["sh", "-c", "exit 3"]'
  fg_run run -b "$BUNDLE" test_fg_status
  [ "$status" -eq 3 ]
}

@test "run in the foreground with a terminal: our input reaches the container" {
  command -v script >/dev/null || skip "util-linux script(1) not installed"
  update_config '.process.args = ["sh", "-c", "read a; echo got:$a"]'
  local cmd
  cmd=$(printf '%q ' "$CLAWRT" --root "$CLAWRT_ROOT" run -b "$BUNDLE" test_fg_in)
  run timeout 30 script -qec "$cmd" /dev/null <<< "typed-text"
  output=$(printf '%s' "$output" | tr -d '\r\0')
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"got:typed-text"* ]]
}

@test "exec -d -t --console-socket: the exec'd process gets its own pty" {
  update_config '.process.terminal = false | .process.args = ["sleep", "100"]'
  clawrt run -d -b "$BUNDLE" test_exec_tty </dev/null >/dev/null 2>&1
  start_recvtty
  run clawrt exec -d -t --console-socket "$SOCK" test_exec_tty tty
  [ "$status" -eq 0 ]
  wait_recvtty
  [[ "$tty_output" == *"/dev/pts/"* ]]
}

@test "exec -t in the foreground: output through the runtime's pty" {
  update_config '.process.terminal = false | .process.args = ["sleep", "100"]'
  clawrt run -d -b "$BUNDLE" test_exec_fg </dev/null >/dev/null 2>&1
  fg_run exec -t test_exec_fg sh -c 'tty; exit 5'
  echo "$output"
  [ "$status" -eq 5 ]
  [[ "$output" == *"/dev/pts/"* ]]
}
