#!/usr/bin/env bats
# The container lifecycle: create/start/state/kill/delete/list/run, their
# error wordings (clients such as containerd match on them), and that
# nothing is left behind, also after a failure or a race.

load helpers

setup() {
  setup_bundle
}

teardown() {
  teardown_bundle
}

# wait_file PATH [TRIES]: until PATH exists and is not empty (0.1 s a try).
wait_file() {
  local f=$1 tries=${2:-50}
  until [ -s "$f" ]; do
    tries=$((tries - 1))
    [ "$tries" -gt 0 ] || { echo "timed out waiting for $f" >&2; return 1; }
    sleep 0.1
  done
}

# A container process that records each signal it gets in /tmp/sig and
# keeps going; it says when its traps are set, so no signal is sent early.
# (pid 1 of a pid namespace only gets the signals it has a handler for.)
signal_recorder() {
  local script='for s in HUP INT USR1 USR2 TERM; do trap "echo $s >> /tmp/sig" $s; done
trap "echo TERM >> /tmp/sig; exit 0" TERM
echo ready > /tmp/ready
while :; do sleep 0.1; done'
  update_config --arg s "$script" '.process.args = ["sh", "-c", $s]'
}

# no_pid_namespace: the container shares the host pid namespace.
no_pid_namespace() {
  update_config '.linux.namespaces |= map(select(.type != "pid"))'
}

@test "create, start, kill, delete: created -> running -> stopped -> gone" {
  update_config '.process.args = ["sleep", "100"]'
  clawrt create -b "$BUNDLE" c1

  run clawrt state c1
  [ "$status" -eq 0 ]
  [ "$(jq -r .status <<<"$output")" = created ]
  [ "$(jq -r .id <<<"$output")" = c1 ]
  [ "$(jq -r .bundle <<<"$output")" = "$BUNDLE" ]
  [ "$(jq -r .rootfs <<<"$output")" = "$ROOTFS" ]
  [ -n "$(jq -r '.ociVersion // empty' <<<"$output")" ]
  [ -n "$(jq -r '.created // empty' <<<"$output")" ]
  pid=$(jq -r .pid <<<"$output")
  [ "$pid" -gt 0 ]
  pid_alive "$pid"

  clawrt start c1
  run clawrt state c1
  [ "$(jq -r .status <<<"$output")" = running ]
  [ "$(jq -r .pid <<<"$output")" = "$pid" ]
  # the process started is the one of config.json
  [ "$(tr '\0' ' ' <"/proc/$pid/cmdline")" = "sleep 100 " ]

  clawrt kill c1 KILL
  wait_for_status c1 stopped
  ! pid_alive "$pid"

  clawrt delete c1
  run clawrt state c1
  [ "$status" -ne 0 ]
  assert_nothing_left c1
}

@test "a container whose process exits by itself is stopped, and delete removes it" {
  update_config '.process.args = ["true"]'
  clawrt create -b "$BUNDLE" c1
  clawrt start c1
  wait_for_status c1 stopped
  clawrt delete c1
  assert_nothing_left c1
}

@test "run prints the process's output, returns its exit status, leaves nothing" {
  update_config '.process.args = ["sh", "-c", "echo out-$((6 * 7)); exit 7"]'
  run clawrt run -b "$BUNDLE" r1
  [ "$status" -eq 7 ]
  [ "$output" = out-42 ]
  assert_nothing_left r1

  update_config '.process.args = ["true"]'
  run clawrt run -b "$BUNDLE" r1
  [ "$status" -eq 0 ]
  assert_nothing_left r1
}

@test "run returns 128+9 when the container's init is killed by SIGKILL" {
  update_config '.process.args = ["sleep", "100"]'
  clawrt run -b "$BUNDLE" r1 >/dev/null 2>&1 </dev/null 3>&- &
  runner=$!
  wait_for_status r1 running
  clawrt kill r1 KILL
  rc=0
  wait "$runner" || rc=$?
  [ "$rc" -eq 137 ]
  assert_nothing_left r1
}

@test "run returns 128+15 when the process dies of SIGTERM" {
  # Without a pid namespace the shell is not an init and can die of its
  # own SIGTERM.
  no_pid_namespace
  update_config '.process.args = ["sh", "-c", "kill -TERM $$; sleep 10"]'
  run clawrt run -b "$BUNDLE" r1
  [ "$status" -eq 143 ]
  assert_nothing_left r1
}

@test "run -d returns at once and leaves the container running" {
  update_config '.process.args = ["sleep", "100"]'
  start=$SECONDS
  clawrt run -d -b "$BUNDLE" d1 >/dev/null 2>&1 </dev/null
  [ $((SECONDS - start)) -lt 10 ]
  run clawrt state d1
  [ "$(jq -r .status <<<"$output")" = running ]
  pid_alive "$(jq -r .pid <<<"$output")"
  clawrt delete -f d1
  assert_nothing_left d1
}

@test "run --keep keeps the stopped container until delete" {
  update_config '.process.args = ["sh", "-c", "exit 3"]'
  run clawrt run --keep -b "$BUNDLE" k1
  [ "$status" -eq 3 ]
  run clawrt state k1
  [ "$status" -eq 0 ]
  [ "$(jq -r .status <<<"$output")" = stopped ]
  run clawrt list -q
  [ "$output" = k1 ]
  clawrt delete k1
  assert_nothing_left k1
}

@test "create --pid-file and run -d --pid-file write the container's pid" {
  update_config '.process.args = ["sleep", "100"]'
  clawrt create --pid-file "$BATS_TEST_TMPDIR/c.pid" -b "$BUNDLE" c1
  pid=$(container_pid c1)
  [ "$(cat "$BATS_TEST_TMPDIR/c.pid")" -eq "$pid" ]
  pid_alive "$pid"

  clawrt run -d --pid-file "$BATS_TEST_TMPDIR/d.pid" -b "$BUNDLE" d1 >/dev/null 2>&1 </dev/null
  pid=$(container_pid d1)
  [ "$(cat "$BATS_TEST_TMPDIR/d.pid")" -eq "$pid" ]
  [ "$(tr '\0' ' ' <"/proc/$pid/cmdline")" = "sleep 100 " ]

  clawrt delete -f c1
  clawrt delete -f d1
  assert_nothing_left c1 d1
}

@test "kill without a signal sends SIGTERM" {
  signal_recorder
  clawrt create -b "$BUNDLE" c1
  clawrt start c1
  wait_file "$ROOTFS/tmp/ready"
  clawrt kill c1
  wait_for_status c1 stopped
  [ "$(cat "$ROOTFS/tmp/sig")" = TERM ]
  clawrt delete c1
  assert_nothing_left c1
}

@test "kill takes signal names with and without SIG, and numbers" {
  signal_recorder
  clawrt create -b "$BUNDLE" c1
  clawrt start c1
  wait_file "$ROOTFS/tmp/ready"
  n=0
  for sig in HUP SIGUSR1 12 2 SIGINT; do
    clawrt kill c1 "$sig"
    n=$((n + 1))
    tries=50
    until [ "$(wc -l <"$ROOTFS/tmp/sig" 2>/dev/null || echo 0)" -ge "$n" ]; do
      tries=$((tries - 1)); [ "$tries" -gt 0 ]; sleep 0.1
    done
  done
  [ "$(tr '\n' ' ' <"$ROOTFS/tmp/sig")" = "HUP USR1 USR2 INT INT " ]

  # an unknown signal is refused and the container keeps running
  run clawrt kill c1 NOSUCHSIG
  [ "$status" -ne 0 ]
  run clawrt kill c1 999
  [ "$status" -ne 0 ]
  [ "$(clawrt state c1 | jq -r .status)" = running ]

  clawrt kill c1 KILL
  wait_for_status c1 stopped
  clawrt delete c1
  assert_nothing_left c1
}

@test "kill --all signals every process of the container, not only its init" {
  # Without a pid namespace, killing init does not take the other
  # processes down with it: only --all reaches them.
  no_pid_namespace
  update_config '.process.args = ["sh", "-c", "sleep 1000 & echo $! > /tmp/child; exec sleep 1001"]'
  clawrt run -d -b "$BUNDLE" a1 >/dev/null 2>&1 </dev/null
  wait_file "$ROOTFS/tmp/child"
  child=$(cat "$ROOTFS/tmp/child")
  init=$(container_pid a1)
  pid_alive "$child"
  pid_alive "$init"

  clawrt kill --all a1 KILL
  wait_pid_gone "$init"
  wait_pid_gone "$child"
  wait_for_status a1 stopped
  clawrt delete a1
  assert_nothing_left a1
}

@test "delete of a stopped container also ends the processes its init left" {
  no_pid_namespace
  update_config '.process.args = ["sh", "-c", "sleep 1000 & echo $! > /tmp/child; exec sleep 1001"]'
  clawrt run -d -b "$BUNDLE" a1 >/dev/null 2>&1 </dev/null
  wait_file "$ROOTFS/tmp/child"
  child=$(cat "$ROOTFS/tmp/child")
  clawrt kill a1 KILL
  wait_for_status a1 stopped
  pid_alive "$child"
  clawrt delete a1
  wait_pid_gone "$child"
  assert_nothing_left a1
}

@test "delete -f removes a running container and its process" {
  update_config '.process.args = ["sleep", "100"]'
  clawrt create -b "$BUNDLE" c1
  clawrt start c1
  pid=$(container_pid c1)
  clawrt delete -f c1
  wait_pid_gone "$pid"
  assert_nothing_left c1
}

@test "delete -f removes a created container and its waiting process" {
  update_config '.process.args = ["sleep", "100"]'
  clawrt create -b "$BUNDLE" c1
  pid=$(container_pid c1)
  pid_alive "$pid"
  clawrt delete -f c1
  wait_pid_gone "$pid"
  assert_nothing_left c1
}

@test "delete without -f refuses a running container" {
  update_config '.process.args = ["sleep", "100"]'
  clawrt create -b "$BUNDLE" c1
  clawrt start c1
  run clawrt delete c1
  [ "$status" -ne 0 ]
  output_has running
  [ "$(clawrt state c1 | jq -r .status)" = running ]
  clawrt delete -f c1
  assert_nothing_left c1
}

@test "list: table, --format json and -q" {
  update_config '.process.args = ["sleep", "100"]'
  clawrt create -b "$BUNDLE" la
  clawrt create -b "$BUNDLE" lb
  clawrt start lb
  pa=$(container_pid la)
  pb=$(container_pid lb)

  run clawrt list
  [ "$status" -eq 0 ]
  [ "${#lines[@]}" -eq 3 ]
  [ "$(awk 'NR == 1 { $1 = $1; print }' <<<"$output")" = "ID PID STATUS BUNDLE CREATED OWNER" ]
  [ "$(awk '$1 == "la" { print $2, $3, $4 }' <<<"$output")" = "$pa created $BUNDLE" ]
  [ "$(awk '$1 == "lb" { print $2, $3, $4 }' <<<"$output")" = "$pb running $BUNDLE" ]

  run clawrt list --format json
  [ "$status" -eq 0 ]
  [ "$(jq -r 'length' <<<"$output")" -eq 2 ]
  [ "$(jq -r '.[] | select(.id == "la") | "\(.pid) \(.status) \(.bundle)"' <<<"$output")" = "$pa created $BUNDLE" ]
  [ "$(jq -r '.[] | select(.id == "lb") | "\(.pid) \(.status) \(.bundle)"' <<<"$output")" = "$pb running $BUNDLE" ]
  # the fields runc prints
  jq -e 'all(.[]; has("ociVersion") and has("rootfs") and has("created") and has("owner"))' <<<"$output"

  run clawrt list -q
  [ "$status" -eq 0 ]
  [ "$(sort <<<"$output" | tr '\n' ' ')" = "la lb " ]

  clawrt delete -f la
  clawrt delete -f lb
  run clawrt list -q
  [ "$status" -eq 0 ]
  [ -z "$output" ]
  assert_nothing_left la lb
}

@test "a container that does not exist: 'does not exist' from every command" {
  for cmd in "state" "start" "kill" "delete" "kill --all"; do
    # shellcheck disable=SC2086 # word splitting of $cmd is meant
    run clawrt $cmd nosuch
    [ "$status" -ne 0 ]
    output_has "does not exist"
  done
  run clawrt kill nosuch KILL
  [ "$status" -ne 0 ]
  output_has "does not exist"
}

@test "kill of a stopped container: 'container not running'" {
  update_config '.process.args = ["true"]'
  clawrt create -b "$BUNDLE" c1
  clawrt start c1
  wait_for_status c1 stopped
  run clawrt kill c1 KILL
  [ "$status" -ne 0 ]
  output_has "container not running"
  clawrt delete c1
  assert_nothing_left c1
}

@test "create of an id that exists: 'container with id exists', the first is untouched" {
  # runc 1.1.5 says "container with given ID already exists" here; clawrt
  # keeps the wording of runc's libcontainer error, which clients match on.
  update_config '.process.args = ["sleep", "100"]'
  clawrt create -b "$BUNDLE" c1
  pid=$(container_pid c1)
  run_nopipe clawrt create -b "$BUNDLE" c1
  [ "$status" -ne 0 ]
  output_has "container with id exists"
  [ "$(clawrt state c1 | jq -r .status)" = created ]
  [ "$(container_pid c1)" = "$pid" ]
  [ "$(test_pids | wc -l)" -eq 1 ]
  clawrt delete -f c1
  assert_nothing_left c1
}

@test "two concurrent creates of one id: exactly one wins, the other gets a clear error" {
  update_config '.process.args = ["sleep", "100"]'
  for round in 1 2 3 4 5; do
    clawrt create -b "$BUNDLE" same >"$BATS_TEST_TMPDIR/o1" 2>&1 </dev/null 3>&- &
    p1=$!
    clawrt create -b "$BUNDLE" same >"$BATS_TEST_TMPDIR/o2" 2>&1 </dev/null 3>&- &
    p2=$!
    s1=0 s2=0
    wait "$p1" || s1=$?
    wait "$p2" || s2=$?
    echo "round $round: exit $s1 and $s2" >&2
    if [ "$s1" -eq 0 ]; then loser=o2; else loser=o1; fi
    cat "$BATS_TEST_TMPDIR/$loser" >&2
    # exactly one of the two succeeded
    [ $((s1 == 0)) -ne $((s2 == 0)) ]
    grep -q "container with id exists" "$BATS_TEST_TMPDIR/$loser"
    [ "$(clawrt list -q)" = same ]
    [ "$(clawrt state same | jq -r .status)" = created ]
    # only the winner's process is left
    [ "$(test_pids | wc -l)" -eq 1 ]
    clawrt delete -f same
    assert_nothing_left same
  done
}

# bad_config ID TEXT...: create fails, names each TEXT, and leaves nothing.
bad_config() {
  local id=$1
  shift
  run_nopipe clawrt create -b "$BUNDLE" "$id"
  echo "create: exit $status: $output" >&2
  [ "$status" -ne 0 ]
  output_has "$@"
  assert_nothing_left "$id"
  [ -z "$(test_pids)" ]
}

@test "bad config.json: a string for a boolean names process.terminal" {
  update_config '.process.terminal = "yes"'
  bad_config b1 "process.terminal"
}

@test "bad config.json: a negative uid names process.user.uid" {
  update_config '.process.user.uid = -1'
  bad_config b1 "process.user.uid"
}

@test "bad config.json: a string where an array is due names process.args" {
  update_config '.process.args = "sleep 100"'
  bad_config b1 "process.args"
}

@test "bad config.json: an overflowing rlimit names process.rlimits[0].hard" {
  # runc names "process.rlimits.hard" without the index; clawrt gives the
  # JSON path.
  update_config '.process.rlimits = [{"type": "RLIMIT_NOFILE", "hard": 18446744073709551616, "soft": 1024}]'
  bad_config b1 "process.rlimits[0].hard"
}

@test "bad config.json: an unknown namespace type names the field and the value" {
  # runc: 'namespace {"pidd" ""} does not exist'; clawrt names the field.
  update_config '.linux.namespaces[0].type = "pidd"'
  bad_config b1 "linux.namespaces[0].type" "pidd"
}

@test "bad config.json: invalid JSON and a missing file name config.json" {
  printf '{"ociVersion": "1.0.2", "process": {' >"$BUNDLE/config.json"
  bad_config b1 "config.json"
  rm "$BUNDLE/config.json"
  bad_config b2 "config.json"
}

@test "a missing rootfs names the path and leaves nothing" {
  update_config '.root.path = "no-such-rootfs"'
  bad_config b1 "no-such-rootfs"
}

@test "an executable missing from the rootfs fails create or run and leaves nothing" {
  update_config '.process.args = ["/no/such/binary"]'
  run_nopipe clawrt create -b "$BUNDLE" b1
  if [ "$status" -eq 0 ]; then
    # a runtime may only find out at start; then start must fail
    run_nopipe clawrt start b1
    [ "$status" -ne 0 ]
    clawrt delete -f b1
  fi
  output_has "/no/such/binary"
  assert_nothing_left b1

  run clawrt run -b "$BUNDLE" b2
  [ "$status" -ne 0 ]
  output_has "/no/such/binary"
  assert_nothing_left b2
}
