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
  # not under $BATS_TEST_TMPDIR: a deep TMPDIR makes that path longer than
  # a unix socket address (107 bytes), which runc cannot connect to
  SOCK_DIR=$(mktemp -d /tmp/clawrt-tty.XXXXXX)
  SOCK=$SOCK_DIR/console.sock
  TTY_OUT=$BATS_TEST_TMPDIR/tty.out
  RECVTTY_PID=
}

teardown() {
  if [ -n "$RECVTTY_PID" ]; then
    kill "$RECVTTY_PID" 2>/dev/null || true
  fi
  teardown_bundle
  rm -rf "$SOCK_DIR"
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

# fg_cmd CMD...: the shell command script(1) runs: the runtime with CMD on a
# 20x70 terminal, then "tty-restored" when the terminal settings are back to
# what they were before, and the runtime's exit status.
fg_cmd() {
  printf 'stty rows 20 cols 70; s=$(stty -g); %s; rc=$?; ' \
    "$(printf '%q ' "$CLAWRT" --root "$CLAWRT_ROOT" "$@")"
  printf '[ "$(stty -g)" = "$s" ] && echo tty-restored; exit $rc'
}

# fg_run CMD...: run the runtime under a pty made by script(1), as a user
# at a terminal would; status and output of script (= of the runtime),
# without the pty's \r.
fg_run() {
  command -v script >/dev/null || skip "util-linux script(1) not installed"
  run timeout 30 script -qec "$(fg_cmd "$@")" /dev/null
  output=$(printf '%s' "$output" | tr -d '\r\0')
}

# fg_start CMD...: like fg_run, in the background, with our end of its
# keyboard on fd $FG_KBD (fg_type), its screen in $FG_OUT (fg_wait_for);
# fg_finish waits for it and sets status and output.
fg_start() {
  command -v script >/dev/null || skip "util-linux script(1) not installed"
  FG_OUT=$BATS_TEST_TMPDIR/fg.out
  mkfifo "$BATS_TEST_TMPDIR/fg.in"
  timeout 30 script -qec "$(fg_cmd "$@")" /dev/null \
    < "$BATS_TEST_TMPDIR/fg.in" > "$FG_OUT" 2>&1 3>&- &
  FG_PID=$!
  exec {FG_KBD}> "$BATS_TEST_TMPDIR/fg.in"
}

fg_type() {
  printf "$1" >&$FG_KBD
}

fg_wait_for() {
  local i
  for i in $(seq 200); do
    grep -q "$1" "$FG_OUT" && return 0
    sleep 0.05
  done
  echo "never saw \"$1\": $(cat "$FG_OUT")" >&2
  return 1
}

fg_finish() {
  status=0
  wait "$FG_PID" || status=$?
  exec {FG_KBD}>&-
  output=$(tr -d '\r\0' < "$FG_OUT")
  echo "status $status, output: $output"
}

# run_sleeper ID: a detached container without a terminal, to exec into
run_sleeper() {
  update_config '.process.terminal = false | .process.args = ["sleep", "100"]'
  run_nopipe clawrt run -d -b "$BUNDLE" "$1"
  echo "run -d $1: $output"
  [ "$status" -eq 0 ]
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

@test "create --console-socket: a socket path longer than sun_path works" {
  runtime_is clawrt || skip "runc cannot connect to a socket path over 107 bytes"
  local deep=$SOCK_DIR/$(printf 'd%.0s' {1..60})/$(printf 'e%.0s' {1..60})
  mkdir -p "$deep"
  SOCK=$deep/console.sock
  update_config '.process.args = ["tty"]'
  start_recvtty
  run clawrt create -b "$BUNDLE" --console-socket "$SOCK" test_longsock
  [ "$status" -eq 0 ]
  clawrt start test_longsock
  wait_recvtty
  [[ "$tty_output" == *"/dev/pts/0"* ]]
}

# hook_json ID KIND...: a hooks object whose every KIND (host /bin/sh)
# appends "KIND ok" to $HOOK_LOG when the state on its stdin names ID
hook_json() {
  local id=$1 k hooks='{}'
  shift
  local script='st=$(cat); case "$st" in *"\"$1\""*) r=ok ;; *) r=no-id ;; esac; echo "$0 $r" >> "$2"'
  for k in "$@"; do
    hooks=$(jq --arg k "$k" --arg id "$id" --arg log "$HOOK_LOG" --arg s "$script" \
      '.[$k] = [{"path": "/bin/sh", "args": ["sh", "-c", $s, $k, $id, $log]}]' <<< "$hooks")
  done
  echo "$hooks"
}

@test "create --console-socket with hooks: every hook runs, the pty still works" {
  HOOK_LOG=$BATS_TEST_TMPDIR/hooks.log
  update_config --argjson h "$(hook_json test_hooks prestart createRuntime poststart poststop)" \
    '.hooks = $h | .process.args = ["sh", "-c", "tty; echo proc-ran"]'
  start_recvtty
  run clawrt create -b "$BUNDLE" --console-socket "$SOCK" test_hooks
  [ "$status" -eq 0 ]
  clawrt start test_hooks
  wait_recvtty
  [[ "$tty_output" == *"/dev/pts/0"* ]]
  [[ "$tty_output" == *"proc-ran"* ]]
  wait_for_status test_hooks stopped
  clawrt delete test_hooks
  cat "$HOOK_LOG"
  [ "$(cat "$HOOK_LOG")" = "$(printf '%s ok\n' prestart createRuntime poststart poststop)" ]
}

@test "run in the foreground with a terminal and hooks: every hook runs" {
  HOOK_LOG=$BATS_TEST_TMPDIR/hooks.log
  update_config --argjson h "$(hook_json test_fg_hooks prestart createRuntime poststart poststop)" \
    '.hooks = $h | .process.args = ["sh", "-c", "tty; echo proc-ran"]'
  fg_run run -b "$BUNDLE" test_fg_hooks
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"proc-ran"* ]]
  [[ "$output" == *"tty-restored"* ]]
  cat "$HOOK_LOG"
  [ "$(cat "$HOOK_LOG")" = "$(printf '%s ok\n' prestart createRuntime poststart poststop)" ]
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
  [[ "$output" == *"tty-restored"* ]]
}

@test "run in the foreground with a terminal: our window size is the container's" {
  # runc 1.1 sets the size after `start`: the process may ask before
  runtime_is runc && skip "runc sets the window size only after the process started (racy)"
  update_config '.process.args = ["stty", "size"]'
  fg_run run -b "$BUNDLE" test_fg_size
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"20 70"* ]]
}

@test "run in the foreground with a terminal: our size wins over process.consoleSize" {
  runtime_is runc && skip "runc sets the window size only after the process started (racy)"
  update_config '.process.args = ["stty", "size"] | .process.consoleSize = {"height": 33, "width": 111}'
  fg_run run -b "$BUNDLE" test_fg_size2
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"20 70"* ]]
}

@test "run in the foreground with a terminal: a resize of ours reaches the container" {
  # the container reports its size each time it gets SIGWINCH; the pty's
  # own SIGWINCH comes from the runtime setting the new size on it
  update_config '.process.args = ["sh", "-c", "trap \"stty size\" WINCH; echo ready; read x; echo done"]'
  fg_start run -b "$BUNDLE" test_fg_winch
  fg_wait_for ready
  # script(1) has no terminal around it to resize: resize its pty, the
  # runtime's stdin, through the runtime's /proc/PID/fd/0; the kernel sends
  # the runtime SIGWINCH as it would for a resized window
  local pid rt= comm
  comm=$(basename "$CLAWRT" | cut -c1-15)
  for pid in $(pgrep -f -- "--root $CLAWRT_ROOT run"); do
    [ "$(cat "/proc/$pid/comm")" = "$comm" ] && rt=$pid
  done
  [ -n "$rt" ]
  # (one TIOCSWINSZ: stty makes one per setting)
  stty -F "/proc/$rt/fd/0" cols 90
  fg_wait_for "20 90"
  fg_type 'x\r'
  fg_finish
  [ "$status" -eq 0 ]
  [[ "$output" == *"done"* ]]
  [[ "$output" == *"tty-restored"* ]]
}

@test "run in the foreground with a terminal: the exit status is the container's" {
  update_config '.process.args = ["sh", "-c", "exit 3"]'
  fg_run run -b "$BUNDLE" test_fg_status
  [ "$status" -eq 3 ]
  [[ "$output" == *"tty-restored"* ]]
}

@test "run in the foreground with a terminal: Ctrl-C goes to the container, not to us" {
  # ^C typed at our terminal is a byte for the container's pty, whose line
  # discipline makes it SIGINT for the container's foreground group
  update_config '.process.args = ["sh", "-c", "trap \"echo got-sigint; exit 7\" INT; echo ready; while :; do sleep 0.1; done"]'
  fg_start run -b "$BUNDLE" test_fg_intr
  fg_wait_for ready
  fg_type '\003'
  fg_finish
  [ "$status" -eq 7 ]
  [[ "$output" == *"got-sigint"* ]]
  [[ "$output" == *"tty-restored"* ]]
}

@test "run in the foreground with a terminal: killed from outside, our terminal is restored" {
  update_config '.process.args = ["sh", "-c", "echo ready; exec sleep 100"]'
  fg_start run -b "$BUNDLE" test_fg_kill
  fg_wait_for ready
  clawrt kill test_fg_kill KILL
  fg_finish
  [ "$status" -eq 137 ]
  [[ "$output" == *"tty-restored"* ]]
}

@test "run in the foreground with a terminal: our input reaches the container" {
  command -v script >/dev/null || skip "util-linux script(1) not installed"
  update_config '.process.args = ["sh", "-c", "read a; echo got:$a"]'
  run timeout 30 script -qec "$(fg_cmd run -b "$BUNDLE" test_fg_in)" /dev/null <<< "typed-text"
  output=$(printf '%s' "$output" | tr -d '\r\0')
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"got:typed-text"* ]]
}

@test "exec -d -t --console-socket: the exec'd process gets its own pty" {
  run_sleeper test_exec_tty
  start_recvtty
  run clawrt exec -d -t --console-socket "$SOCK" test_exec_tty tty
  [ "$status" -eq 0 ]
  wait_recvtty
  [[ "$tty_output" == *"/dev/pts/"* ]]
}

@test "exec -t in the foreground: output through the runtime's pty" {
  run_sleeper test_exec_fg
  fg_run exec -t test_exec_fg sh -c 'tty; exit 5'
  echo "$output"
  [ "$status" -eq 5 ]
  [[ "$output" == *"/dev/pts/"* ]]
  [[ "$output" == *"tty-restored"* ]]
}

@test "exec -t in the foreground: our window size is the process's" {
  run_sleeper test_exec_size
  fg_run exec -t test_exec_size stty size
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"20 70"* ]]
}

@test "exec -t in the foreground: Ctrl-C goes to the process" {
  run_sleeper test_exec_intr
  fg_start exec -t test_exec_intr sh -c 'echo ready; sleep 100'
  fg_wait_for ready
  fg_type '\003'
  fg_finish
  # sh and its sleep die of SIGINT like at a local terminal
  [ "$status" -eq 130 ]
  [[ "$output" == *"tty-restored"* ]]
  run clawrt state test_exec_intr
  [[ "$output" == *'"running"'* ]]
}
