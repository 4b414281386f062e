#!/usr/bin/env bats
# checkpoint / restore through CRIU.  Where `criu check` fails (Debian's
# CRIU 3.17 on kernels it does not know) both commands must fail with
# CRIU's own reason and change nothing; where it passes, a container is
# dumped and comes back with its memory.

load helpers

setup() {
  setup_bundle
  command -v criu >/dev/null || skip "criu is not installed (apt-get install criu)"
  CRIU_OK=1
  CRIU_WHY=$(criu check 2>&1) || CRIU_OK=0
}

teardown() {
  teardown_bundle
}

skip_unless_criu_fails() {
  [ "$CRIU_OK" = 0 ] || skip "criu check passes here: the failure path needs a host where it fails"
}

# The first Error line of `criu check`, without its "Error (file:line): "
# prefix, as a sample of CRIU's own wording.
criu_reason() {
  printf '%s\n' "$CRIU_WHY" | sed -n 's/^.*Error ([^)]*): //p' | head -n 1
}

# A running container that counts in /tmp/cnt.
run_counter() {
  update_config '.process.args = ["sh", "-c", "i=0; while :; do i=$((i+1)); echo $i > /tmp/cnt; sleep 0.1; done"]'
  run_nopipe clawrt run -d -b "$BUNDLE" "$1"
  [ "$status" -eq 0 ] || { echo "$output"; return 1; }
  wait_for_status "$1" running
}

@test "checkpoint: criu check fails here: clean failure with CRIU's reason, container untouched" {
  requires_root
  skip_unless_criu_fails
  run_counter ckpt-fail1
  local pid before after
  pid=$(container_pid ckpt-fail1)
  before=$(ls -la "$CLAWRT_ROOT/ckpt-fail1" | md5sum)
  cp "$CLAWRT_ROOT/ckpt-fail1/state.json" "$BATS_TEST_TMPDIR/state.before"

  run clawrt checkpoint --image-path "$BATS_TEST_TMPDIR/img" ckpt-fail1
  [ "$status" -eq 1 ]
  output_has "checkpoint of container ckpt-fail1 failed: criu dump exited with status" "$(criu_reason)"
  # the directory it made for the images is gone again
  [ ! -e "$BATS_TEST_TMPDIR/img" ]

  # running, same init, still counting, not frozen, state as it was
  [ "$(clawrt state ckpt-fail1 | jq -r .status)" = running ]
  [ "$(container_pid ckpt-fail1)" = "$pid" ]
  pid_alive "$pid"
  local a b
  a=$(cat "/proc/$pid/root/tmp/cnt"); sleep 0.4; b=$(cat "/proc/$pid/root/tmp/cnt")
  [ "$a" != "$b" ]
  after=$(ls -la "$CLAWRT_ROOT/ckpt-fail1" | md5sum)
  [ "$before" = "$after" ]
  cmp "$CLAWRT_ROOT/ckpt-fail1/state.json" "$BATS_TEST_TMPDIR/state.before"
  run clawrt list -q
  [ "$output" = ckpt-fail1 ]
}

@test "checkpoint: a directory the caller made keeps CRIU's log; --leave-running, --pre-dump too" {
  requires_root
  skip_unless_criu_fails
  run_counter ckpt-fail2
  local pid
  pid=$(container_pid ckpt-fail2)
  mkdir "$BATS_TEST_TMPDIR/mine" "$BATS_TEST_TMPDIR/work"
  run clawrt checkpoint --image-path "$BATS_TEST_TMPDIR/mine" --work-path "$BATS_TEST_TMPDIR/work" \
    --leave-running --tcp-established --ext-unix-sk --shell-job --file-locks \
    --manage-cgroups-mode full ckpt-fail2
  [ "$status" -eq 1 ]
  output_has "(log: $BATS_TEST_TMPDIR/work/dump.log)" "$(criu_reason)"
  grep -q "$(criu_reason)" "$BATS_TEST_TMPDIR/work/dump.log"
  # nothing but the log: no images, no clawrt files
  [ -z "$(ls -A "$BATS_TEST_TMPDIR/mine")" ]
  [ "$(ls -A "$BATS_TEST_TMPDIR/work")" = dump.log ]

  run clawrt checkpoint --pre-dump --image-path "$BATS_TEST_TMPDIR/pre" ckpt-fail2
  [ "$status" -eq 1 ]
  output_has "criu pre-dump exited with status"
  [ ! -e "$BATS_TEST_TMPDIR/pre" ]
  [ "$(clawrt state ckpt-fail2 | jq -r .status)" = running ]
  [ "$(container_pid ckpt-fail2)" = "$pid" ]
}

@test "checkpoint: the error is one JSON line in a --log-format json log" {
  requires_root
  skip_unless_criu_fails
  run_counter ckpt-fail3
  local log=$BATS_TEST_TMPDIR/log.json
  run "$CLAWRT" --root "$CLAWRT_ROOT" --log "$log" --log-format json checkpoint \
    --image-path "$BATS_TEST_TMPDIR/img" ckpt-fail3
  [ "$status" -eq 1 ]
  [ "$(wc -l < "$log")" -ge 1 ]
  # every line is one JSON object with level, msg, time; the last one is
  # the error with CRIU's reason
  jq -es 'all(.[]; has("level") and has("msg") and has("time"))' "$log"
  tail -n 1 "$log" | jq -e --arg r "$(criu_reason)" \
    '.level == "error" and (.msg | contains("criu dump") and contains($r))'
}

@test "restore: criu fails here: nothing is left, the id stays free" {
  requires_root
  skip_unless_criu_fails
  # images that pass our own checks and reach CRIU
  mkdir "$BATS_TEST_TMPDIR/img"
  : > "$BATS_TEST_TMPDIR/img/inventory.img"
  run clawrt restore -d -b "$BUNDLE" --image-path "$BATS_TEST_TMPDIR/img" \
    --pid-file "$BATS_TEST_TMPDIR/pid" -no-subreaper ckpt-rs1
  [ "$status" -eq 1 ]
  output_has "restore of container ckpt-rs1 failed: criu restore exited with status" "$(criu_reason)" \
    "(log: $BATS_TEST_TMPDIR/img/restore.log)"
  assert_nothing_left ckpt-rs1
  [ ! -e "$BATS_TEST_TMPDIR/pid" ]
  [ ! -e "$BATS_TEST_TMPDIR/img/restore.pid" ]
  ! ls -d /sys/fs/cgroup/*/clawrt/ckpt-rs1 /sys/fs/cgroup/unified/clawrt/ckpt-rs1 2>/dev/null
  ! grep -q "$CLAWRT_ROOT" /proc/self/mountinfo
  # the id is free: a plain run of it works
  update_config '.process.args = ["true"]'
  run_nopipe clawrt run -b "$BUNDLE" ckpt-rs1
  [ "$status" -eq 0 ]
}

@test "checkpoint, restore: bad input is refused before CRIU runs" {
  requires_root
  run clawrt checkpoint --manage-cgroups-mode bogus nosuch
  [ "$status" -eq 1 ]
  output_has '--manage-cgroups-mode: "bogus" is none of soft, full, strict, ignore'
  run clawrt checkpoint nosuch
  [ "$status" -eq 1 ]
  output_has 'nosuch'
  run clawrt restore --no-pivot -b "$BUNDLE" ckpt-r1
  [ "$status" -eq 1 ]
  output_has '--no-pivot'
  run clawrt restore -b "$BUNDLE" --image-path "$BATS_TEST_TMPDIR/none" ckpt-r1
  [ "$status" -eq 1 ]
  output_has "checkpoint directory \`$BATS_TEST_TMPDIR/none\`"
  mkdir "$BATS_TEST_TMPDIR/empty"
  run clawrt restore -b "$BUNDLE" --image-path "$BATS_TEST_TMPDIR/empty" ckpt-r1
  [ "$status" -eq 1 ]
  output_has "inventory.img is missing"
  assert_nothing_left ckpt-r1
  # a created container has no running process to dump
  run_nopipe clawrt create -b "$BUNDLE" ckpt-cr1
  [ "$status" -eq 0 ]
  run clawrt checkpoint --image-path "$BATS_TEST_TMPDIR/img" ckpt-cr1
  [ "$status" -eq 1 ]
  output_has "cannot checkpoint container ckpt-cr1: it is created, not running"
  [ ! -e "$BATS_TEST_TMPDIR/img" ]
  [ "$(clawrt state ckpt-cr1 | jq -r .status)" = created ]
}

@test "checkpoint and restore: the container comes back with its memory" {
  requires_root
  [ "$CRIU_OK" = 1 ] || skip "criu check fails on this host: $(printf '%s' "$CRIU_WHY" | grep Error | tail -n 1)"
  run_counter ckpt-e2e
  sleep 0.5
  run clawrt checkpoint --image-path "$BATS_TEST_TMPDIR/img" ckpt-e2e
  [ "$status" -eq 0 ] || { echo "$output"; return 1; }
  [ -e "$BATS_TEST_TMPDIR/img/inventory.img" ]
  [ -e "$BATS_TEST_TMPDIR/img/descriptors.json" ]
  # dumped and deleted, as runc does
  run clawrt state ckpt-e2e
  [ "$status" -ne 0 ]
  run_nopipe clawrt restore -d -b "$BUNDLE" --image-path "$BATS_TEST_TMPDIR/img" \
    --pid-file "$BATS_TEST_TMPDIR/pid" ckpt-e2e
  [ "$status" -eq 0 ] || { echo "$output"; return 1; }
  wait_for_status ckpt-e2e running
  local pid a b
  pid=$(container_pid ckpt-e2e)
  [ "$(cat "$BATS_TEST_TMPDIR/pid")" = "$pid" ]
  a=$(cat "/proc/$pid/root/tmp/cnt"); sleep 0.5; b=$(cat "/proc/$pid/root/tmp/cnt")
  # the counter went on from where it was, not from 1
  [ "$a" -gt 3 ] && [ "$b" -gt "$a" ]
  # --leave-running keeps it
  run clawrt checkpoint --leave-running --image-path "$BATS_TEST_TMPDIR/img2" ckpt-e2e
  [ "$status" -eq 0 ] || { echo "$output"; return 1; }
  [ "$(clawrt state ckpt-e2e | jq -r .status)" = running ]
  clawrt delete -f ckpt-e2e
  assert_nothing_left ckpt-e2e
}
