#!/usr/bin/env bats
# A runtime killed with SIGKILL at each named step of create, start, exec
# and delete (CLAWRT_TEST_STOP_AT, see src/lib/faults.h) leaves nothing that
# `delete --force` cannot remove, and never a container process that runs
# outside its cgroup or without its seccomp filter.

load helpers

setup() {
  requires_root
  setup_bundle
  ID=f${CLAWRT_TEST_MARK//[^0-9]/}
  # the container's cgroup: the bundle's, or the default one named after the id
  CGPATH=$(jq -r '.linux.cgroupsPath // empty' "$BUNDLE/config.json")
  CGPATH=${CGPATH:-/clawrt/$ID}
  # a filter every container process must carry: mkdir fails with EPERM
  update_config '.process.args = ["sleep", "1000"]
    | .linux.seccomp = { defaultAction: "SCMP_ACT_ALLOW",
        syscalls: [ { names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO" } ] }'
}

teardown() {
  teardown_bundle
  if [ -n "${SMALL_ROOT:-}" ] && mountpoint -q "$SMALL_ROOT"; then
    mount -o remount,rw "$SMALL_ROOT" 2>/dev/null || true
    rm -f "$SMALL_ROOT/.fill"
    CLAWRT_ROOT=$SMALL_ROOT teardown_bundle
    umount -l "$SMALL_ROOT"
  fi
}

# stop_at STEP CMD...: run `clawrt CMD...` with the fault at STEP; it must
# die there, by SIGKILL, and not before or after.
stop_at() {
  local step=$1
  shift
  runtime_is clawrt || skip "CLAWRT_TEST_STOP_AT is clawrt's own fault injection"
  CLAWRT_TEST_STOP_AT=$step run_nopipe clawrt "$@"
  if [ "$status" != 137 ]; then
    echo "clawrt $* with CLAWRT_TEST_STOP_AT=$step: status $status, expected 137 (SIGKILL)" >&2
    echo "$output" >&2
    return 1
  fi
}

# The container program (busybox of this rootfs) runs, or ran, in pid.
is_container_program() {
  [ "$(stat -L -c %d:%i "/proc/$1/exe" 2>/dev/null)" = "$(stat -c %d:%i "$ROOTFS/bin/busybox")" ]
}

in_container_cgroup() {
  # every hierarchy the runtime manages (name=systemd is not one)
  local lines
  lines=$(cat "/proc/$1/cgroup" 2>/dev/null) && [ -n "$lines" ] &&
    ! printf '%s\n' "$lines" | grep -v -e ':name=systemd:' -e ":$CGPATH\$" | grep -q .
}

# assert_confined: every live process of this test that runs the container's
# program is in the container's cgroup and under its seccomp filter; a
# process still in runtime code that is outside the cgroup must be on its
# way out (it never got the go-ahead, and exits within 2 s).
assert_confined() {
  local pid bad=0 tries
  for pid in $(test_pids); do
    if is_container_program "$pid"; then
      if ! grep -qx 'Seccomp:[[:space:]]*2' "/proc/$pid/status"; then
        pid_alive "$pid" || continue
        echo "container process $pid runs without its seccomp filter:" >&2
        grep Seccomp "/proc/$pid/status" >&2
        bad=1
      fi
      if ! in_container_cgroup "$pid"; then
        pid_alive "$pid" || continue
        echo "container process $pid runs outside $CGPATH:" >&2
        cat "/proc/$pid/cgroup" >&2
        bad=1
      fi
    elif ! in_container_cgroup "$pid"; then
      tries=20
      while pid_alive "$pid" && ! is_container_program "$pid" && [ "$tries" -gt 0 ]; do
        sleep 0.1
        tries=$((tries - 1))
      done
      if pid_alive "$pid"; then
        echo "process $pid of this test outside $CGPATH still alive:" >&2
        ps -o pid=,stat=,args= -p "$pid" >&2 || true
        cat "/proc/$pid/cgroup" >&2
        bad=1
      fi
    fi
  done
  return "$bad"
}

leftover_cgroups() {
  find /sys/fs/cgroup -mindepth 1 -maxdepth 4 -type d \( -name "$CLAWRT_TEST_MARK" -o -name "$ID" \) 2>/dev/null
}

# assert_force_delete_cleans: delete --force succeeds and nothing of the
# container is left; the id can then be used again.
assert_force_delete_cleans() {
  run clawrt delete --force "$ID"
  echo "$output"
  [ "$status" = 0 ]
  assert_nothing_left "$ID"
  local cgs
  cgs=$(leftover_cgroups)
  if [ -n "$cgs" ]; then
    echo "cgroups left: $cgs" >&2
    return 1
  fi
  run_nopipe clawrt run -d -b "$BUNDLE" "$ID"
  [ "$status" = 0 ]
  clawrt delete --force "$ID"
  assert_nothing_left "$ID"
}

create_step() {
  local step=$1
  stop_at "create:$step" create -b "$BUNDLE" "$ID"
  assert_confined
  # nothing made by the killed create may run the container's program
  local pid
  for pid in $(test_pids); do
    ! is_container_program "$pid" || { echo "process $pid exec'd before start" >&2; return 1; }
  done
  assert_force_delete_cleans
}

@test "faults: create killed after-reserve" { create_step after-reserve; }
@test "faults: create killed after-state" { create_step after-state; }
@test "faults: create killed after-cgroup" { create_step after-cgroup; }
@test "faults: create killed after-clone" { create_step after-clone; }
@test "faults: create killed after-ready" { create_step after-ready; }
@test "faults: create killed before-state-final" { create_step before-state-final; }

@test "faults: run -d killed at every create step, then delete --force" {
  local step
  for step in after-state after-cgroup after-clone after-ready before-state-final; do
    stop_at "create:$step" run -d -b "$BUNDLE" "$ID"
    assert_confined
    run clawrt delete --force "$ID"
    [ "$status" = 0 ]
    assert_nothing_left "$ID"
    [ -z "$(leftover_cgroups)" ]
  done
}

start_step() {
  local step=$1
  run_nopipe clawrt create -b "$BUNDLE" "$ID"
  [ "$status" = 0 ]
  stop_at "start:$step" start "$ID"
  assert_confined
  # state and reality agree: a released init is not "created", and a second
  # start answers at once instead of waiting on a fifo no one writes
  run timeout 10 "$CLAWRT" --root "$CLAWRT_ROOT" start "$ID"
  [ "$status" != 124 ]
  wait_for_status "$ID" running
  local pid
  pid=$(container_pid "$ID")
  is_container_program "$pid"
  assert_confined
  assert_force_delete_cleans
}

@test "faults: start killed before-release" { start_step before-release; }
@test "faults: start killed after-release" { start_step after-release; }

@test "faults: run -d killed after-release: the container runs, confined" {
  stop_at start:after-release run -d -b "$BUNDLE" "$ID"
  wait_for_status "$ID" running
  assert_confined
  assert_force_delete_cleans
}

exec_step() {
  local step=$1
  run_nopipe clawrt run -d -b "$BUNDLE" "$ID"
  [ "$status" = 0 ]
  stop_at "exec:$step" exec "$ID" sleep 2000
  assert_confined
  # the container is untouched and exec still works
  wait_for_status "$ID" running
  run clawrt exec "$ID" sh -c 'mkdir /tmp/x; echo mkdir=$?'
  [ "$status" = 0 ]
  [[ "$output" == *"mkdir=1"* ]]
  assert_force_delete_cleans
}

@test "faults: exec killed after-clone" { exec_step after-clone; }
@test "faults: exec killed before-exec" { exec_step before-exec; }

@test "faults: exec --detach killed before-exec" {
  run_nopipe clawrt run -d -b "$BUNDLE" "$ID"
  [ "$status" = 0 ]
  stop_at exec:before-exec exec -d "$ID" sleep 2000
  assert_confined
  assert_force_delete_cleans
}

delete_step() {
  local step=$1
  run_nopipe clawrt run -d -b "$BUNDLE" "$ID"
  [ "$status" = 0 ]
  # a second process, so that the cgroup holds more than the init
  run_nopipe clawrt exec -d "$ID" sleep 2000
  [ "$status" = 0 ]
  stop_at "delete:$step" delete --force "$ID"
  assert_confined
  assert_force_delete_cleans
}

@test "faults: delete killed after-kill" { delete_step after-kill; }
@test "faults: delete killed after-cgroup" { delete_step after-cgroup; }
@test "faults: delete killed before-remove" { delete_step before-remove; }

@test "faults: a stopped container's delete killed at each step, then delete" {
  update_config '.process.args = ["true"]'
  local step
  for step in after-kill after-cgroup before-remove; do
    run_nopipe clawrt run -d -b "$BUNDLE" "$ID"
    [ "$status" = 0 ]
    wait_for_status "$ID" stopped
    stop_at "delete:$step" delete "$ID"
    # plain delete (no --force) finishes what the killed one began
    run clawrt delete "$ID"
    echo "$output"
    [ "$status" = 0 ]
    assert_nothing_left "$ID"
    [ -z "$(leftover_cgroups)" ]
  done
}

@test "faults: CLAWRT_TEST_STOP_AT naming no step is inert" {
  CLAWRT_TEST_STOP_AT=no-such-step run_nopipe clawrt run -d -b "$BUNDLE" "$ID"
  [ "$status" = 0 ]
  CLAWRT_TEST_STOP_AT=create:no-such-step run clawrt exec "$ID" true
  [ "$status" = 0 ]
  # a step of another command does not stop this one
  CLAWRT_TEST_STOP_AT=create:after-clone run clawrt exec "$ID" true
  [ "$status" = 0 ]
  CLAWRT_TEST_STOP_AT=exec:after-clone run clawrt delete --force "$ID"
  [ "$status" = 0 ]
  assert_nothing_left "$ID"
}

# ---- a state root that cannot be written ------------------------------------

# small_root: a 1 MiB tmpfs as --root, holding one created and one running
# container (the existing state that must survive).
small_root() {
  SMALL_ROOT=$BATS_TEST_TMPDIR/smallroot
  mkdir -p "$SMALL_ROOT"
  mount -t tmpfs -o size=1m,mode=0700 clawrt-test-root "$SMALL_ROOT"
  CLAWRT_ROOT=$SMALL_ROOT
  run_nopipe clawrt create -b "$BUNDLE" "${ID}c"
  [ "$status" = 0 ]
  run_nopipe clawrt run -d -b "$BUNDLE" "${ID}r"
  [ "$status" = 0 ]
  SAVED_STATE=$(cat "$SMALL_ROOT/${ID}c/state.json" "$SMALL_ROOT/${ID}r/state.json")
}

# The state that was there is there, unchanged, and says what runs.
assert_state_kept() {
  [ "$(cat "$SMALL_ROOT/${ID}c/state.json" "$SMALL_ROOT/${ID}r/state.json")" = "$SAVED_STATE" ]
  run clawrt list -q
  [ "$status" = 0 ]
  [ "$output" = "$(printf '%s\n' "${ID}c" "${ID}r")" ]
  wait_for_status "${ID}c" created 1
  wait_for_status "${ID}r" running 1
}

# No exit by a signal, no stray files: the create left nothing.
assert_clean_failure() {
  [ "$status" -ge 1 ] && [ "$status" -lt 128 ]
  [ ! -e "$SMALL_ROOT/${ID}n" ]
  [ -z "$(ls -A "$SMALL_ROOT" | grep -v -e "^${ID}c\$" -e "^${ID}r\$" -e '^\.fill$')" ]
}

@test "faults: a read-only --root: clear errors, existing state kept" {
  small_root
  mount -o remount,ro "$SMALL_ROOT"
  run_nopipe clawrt create -b "$BUNDLE" "${ID}n"
  echo "$output"
  assert_clean_failure
  output_has "read-only"
  run_nopipe clawrt run -d -b "$BUNDLE" "${ID}n"
  assert_clean_failure
  output_has "read-only"
  # what would need a write says so before it changes anything
  run clawrt start "${ID}c"
  echo "$output"
  [ "$status" = 1 ]
  output_has "read-only"
  run clawrt delete --force "${ID}r"
  echo "$output"
  [ "$status" = 1 ]
  output_has "read-only"
  # reading still works, and nothing was lost or half-done
  assert_state_kept
  run clawrt exec "${ID}r" true
  [ "$status" = 0 ]
  mount -o remount,rw "$SMALL_ROOT"
  run clawrt start "${ID}c"
  [ "$status" = 0 ]
  run clawrt delete --force "${ID}c"
  [ "$status" = 0 ]
  run clawrt delete --force "${ID}r"
  [ "$status" = 0 ]
  assert_nothing_left "${ID}c" "${ID}r" "${ID}n"
}

@test "faults: a full --root: clear errors, existing state kept" {
  small_root
  # fill it to the last block
  dd if=/dev/zero of="$SMALL_ROOT/.fill" bs=4k 2>/dev/null || true
  run_nopipe clawrt create -b "$BUNDLE" "${ID}n"
  echo "$output"
  assert_clean_failure
  output_has "No space left on device"
  run_nopipe clawrt run -d -b "$BUNDLE" "${ID}n"
  assert_clean_failure
  # many attempts do not eat the old state either
  local i
  for i in 1 2 3 4 5; do
    run_nopipe clawrt create -b "$BUNDLE" "${ID}n"
    assert_clean_failure
  done
  assert_state_kept
  run clawrt exec "${ID}r" true
  [ "$status" = 0 ]
  # delete frees space: it works on a full disk
  run clawrt delete --force "${ID}r"
  echo "$output"
  [ "$status" = 0 ]
  [ ! -e "$SMALL_ROOT/${ID}r" ]
  rm -f "$SMALL_ROOT/.fill"
  run clawrt start "${ID}c"
  [ "$status" = 0 ]
  run clawrt delete --force "${ID}c"
  [ "$status" = 0 ]
  assert_nothing_left "${ID}c" "${ID}r" "${ID}n"
}

@test "faults: start on a full --root starts the container and says the state lagged" {
  small_root
  dd if=/dev/zero of="$SMALL_ROOT/.fill" bs=4k 2>/dev/null || true
  run clawrt start "${ID}c"
  echo "$output"
  [ "$status" = 0 ]
  # (runc says nothing)
  if runtime_is clawrt; then output_has "state was not updated"; fi
  # the status is right all the same: it runs
  wait_for_status "${ID}c" running 10
  is_container_program "$(container_pid "${ID}c")"
  run clawrt delete --force "${ID}c"
  [ "$status" = 0 ]
  run clawrt delete --force "${ID}r"
  [ "$status" = 0 ]
  assert_nothing_left "${ID}c" "${ID}r"
}
