#!/usr/bin/env bats
# Cgroups on this host's layout (v1, v2 or hybrid): resources applied and
# read back from inside and outside, limits enforced, update, pause/resume,
# kill --all, events, ps, and no cgroup left behind.

load helpers

setup() {
  requires_root
  setup_bundle
  # cgroups are global: a unique leaf per test, one level so that nothing
  # (not even a parent) stays behind with any runtime
  ID=cg$$-$BATS_TEST_NUMBER
  CGPATH=/clawrt-bats-$ID
  update_config --arg p "$CGPATH" '.linux.cgroupsPath = $p'
}

teardown() {
  teardown_bundle
  scrub_cgroups
}

# After a failed test: what is left of this test's cgroups must not stay
# frozen, running or in the way of the next tests.  Thaw, kill, rmdir.
scrub_cgroups() {
  local h d tries
  for h in /sys/fs/cgroup/*/ /sys/fs/cgroup/; do
    d=$h${CGPATH#/}
    [ -d "$d" ] || continue
    find "$d" -name freezer.state -exec sh -c 'echo THAWED > "$1"' _ {} \; 2>/dev/null || true
    find "$d" -name cgroup.procs -exec cat {} + 2>/dev/null | xargs -r kill -9 2>/dev/null || true
  done
  for h in /sys/fs/cgroup/*/ /sys/fs/cgroup/; do
    d=$h${CGPATH#/}
    for tries in 1 2 3 4 5 6 7 8 9 10; do
      [ -d "$d" ] || break
      find "$d" -depth -type d -exec rmdir {} + 2>/dev/null && break
      sleep 0.2
    done
  done
  return 0
}

is_v2() { [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; }
is_runc() { [ "$(basename "$CLAWRT")" = runc ]; }

# host_file CONTROLLER FILE: where the container's FILE is on the host
host_file() {
  if is_v2; then echo "/sys/fs/cgroup$CGPATH/$2"; else echo "/sys/fs/cgroup/$1$CGPATH/$2"; fi
}

# no cgroup directory of this test anywhere
no_leftover() {
  local left
  # (find fails when another test's cgroup vanishes under it: not ours)
  left=$(find /sys/fs/cgroup -maxdepth 6 -type d \( -name "$ID" -o -name "clawrt-bats-$ID" \) 2>/dev/null || true)
  [ -z "$left" ] || { echo "left behind: $left" >&2; return 1; }
}

run_sh() {
  update_config --arg s "$1" '.process.args = ["sh", "-c", $s]'
  run clawrt run -b "$BUNDLE" "$ID"
}

# start_sh SCRIPT: run it detached; it touches /tmp/ready when set up
start_sh() {
  update_config --arg s "$1" '.process.args = ["sh", "-c", $s]'
  clawrt run -d -b "$BUNDLE" "$ID" >/dev/null 2>&1 </dev/null
  local tries=50
  until [ -e "$ROOTFS/tmp/ready" ]; do
    tries=$((tries - 1))
    [ "$tries" -gt 0 ] || { echo "container never got ready" >&2; return 1; }
    sleep 0.1
  done
}

@test "memory limit: read back outside and inside (cgroup namespace), gone after delete" {
  update_config '.linux.resources.memory = {"limit": 67108864}
    | .linux.namespaces += [{"type": "cgroup"}] | .linux.namespaces |= unique_by(.type)'
  if is_v2; then inside=/sys/fs/cgroup/memory.max; else inside=/sys/fs/cgroup/memory/memory.limit_in_bytes; fi
  start_sh "cat $inside > /tmp/inside; touch /tmp/ready; sleep 100"
  [ "$(cat "$ROOTFS/tmp/inside")" = 67108864 ]
  [ "$(cat "$(host_file memory memory.limit_in_bytes)" 2>/dev/null || cat "$(host_file memory memory.max)")" = 67108864 ]
  clawrt kill "$ID" KILL
  wait_for_status "$ID" stopped
  clawrt delete "$ID"
  no_leftover
}

@test "memory limit and swap on the host's files; run leaves no cgroup" {
  update_config '.linux.resources.memory = {"limit": 33554432, "swap": 67108864, "reservation": 16777216}'
  if is_v2; then
    run_sh 'cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/memory.swap.max /sys/fs/cgroup/memory.low'
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = 33554432 ]
    [ "${lines[1]}" = 33554432 ] # swap.max is swap - limit
    [ "${lines[2]}" = 16777216 ]
  else
    [ -e /sys/fs/cgroup/memory/memory.memsw.limit_in_bytes ] || skip "no swap accounting on this host"
    run_sh 'cd /sys/fs/cgroup/memory && cat memory.limit_in_bytes memory.memsw.limit_in_bytes memory.soft_limit_in_bytes'
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = 33554432 ]
    [ "${lines[1]}" = 67108864 ]
    [ "${lines[2]}" = 16777216 ]
  fi
  no_leftover
}

@test "a process exceeding the memory limit is killed" {
  update_config '.linux.resources.memory = {"limit": 33554432, "swap": 33554432}'
  # tail buffers /dev/zero looking for a newline that never comes
  run_sh 'exec tail /dev/zero'
  [ "$status" -eq 137 ]
  if ! is_runc; then
    [[ "$output" == *"killed: memory limit exceeded (limit 32.0 MiB"* ]]
  fi
  no_leftover
}

@test "pids limit is enforced" {
  update_config '.linux.resources.pids = {"limit": 10}'
  if is_v2; then cur=/sys/fs/cgroup/pids.current; max=/sys/fs/cgroup/pids.max; else
    cur=/sys/fs/cgroup/pids/pids.current; max=/sys/fs/cgroup/pids/pids.max; fi
  # the subshell forks until the kernel refuses (then the shell gives up)
  run_sh "cat $max; (i=0; while [ \$i -lt 20 ]; do sleep 5 & i=\$((i+1)); done) 2>/dev/null || echo refused; cat $cur"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = 10 ]
  [ "${lines[1]}" = refused ]
  [ "${lines[2]}" -le 10 ]
  [ "${lines[2]}" -ge 8 ]
  no_leftover
}

@test "cpu shares, quota, period and cpuset read back" {
  update_config '.linux.resources.cpu = {"shares": 512, "quota": 50000, "period": 100000, "cpus": "0", "mems": "0"}'
  if is_v2; then
    run_sh 'cd /sys/fs/cgroup && cat cpu.weight cpu.max cpuset.cpus cpuset.mems'
    [ "$status" -eq 0 ]
    [ "${lines[1]}" = "50000 100000" ]
    [ "${lines[2]}" = 0 ]
  else
    run_sh 'cat /sys/fs/cgroup/cpu/cpu.shares /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/cpu/cpu.cfs_period_us /sys/fs/cgroup/cpuset/cpuset.cpus /sys/fs/cgroup/cpuset/cpuset.mems'
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = 512 ]
    [ "${lines[1]}" = 50000 ]
    [ "${lines[2]}" = 100000 ]
    [ "${lines[3]}" = 0 ]
    [ "${lines[4]}" = 0 ]
  fi
}

@test "update a running container: --memory, --pids-limit, --resources -" {
  update_config '.linux.resources.memory = {"limit": 67108864} | .linux.resources.pids = {"limit": 100}'
  start_sh 'touch /tmp/ready; sleep 100'
  clawrt update --memory 134217728 --memory-swap 268435456 --pids-limit 50 "$ID"
  if is_v2; then
    [ "$(cat "$(host_file memory memory.max)")" = 134217728 ]
  else
    [ "$(cat "$(host_file memory memory.limit_in_bytes)")" = 134217728 ]
  fi
  [ "$(cat "$(host_file pids pids.max)")" = 50 ]
  echo '{"pids": {"limit": 42}}' | clawrt update --resources - "$ID"
  [ "$(cat "$(host_file pids pids.max)")" = 42 ]
  clawrt delete -f "$ID"
  no_leftover
}

@test "pause and resume freeze and thaw the whole cgroup" {
  start_sh 'touch /tmp/ready; while :; do sleep 0.1; done'
  clawrt pause "$ID"
  wait_for_status "$ID" paused
  if is_v2; then
    [ "$(cat "$(host_file x cgroup.freeze)")" = 1 ]
  else
    [ "$(cat "$(host_file freezer freezer.state)")" = FROZEN ]
  fi
  clawrt resume "$ID"
  wait_for_status "$ID" running
  clawrt delete -f "$ID"
  no_leftover
}

@test "kill --all reaches every process of the cgroup; delete removes it" {
  # without a pid namespace the children outlive the init
  update_config '.linux.namespaces |= map(select(.type != "pid"))'
  start_sh 'sleep 100 & sleep 100 & touch /tmp/ready; wait'
  procs=$(host_file pids cgroup.procs)
  [ "$(wc -l < "$procs")" -eq 3 ]
  clawrt kill --all "$ID" KILL
  tries=50
  while [ -s "$procs" ] && [ "$tries" -gt 0 ]; do sleep 0.1; tries=$((tries - 1)); done
  [ ! -s "$procs" ]
  clawrt delete -f "$ID"
  no_leftover
}

@test "delete --force of a running container removes its cgroup with lingering processes" {
  update_config '.linux.namespaces |= map(select(.type != "pid"))'
  start_sh 'sleep 100 & sleep 100 & touch /tmp/ready; wait'
  clawrt delete -f "$ID"
  no_leftover
}

@test "no cgroupsPath: a default path, removed again" {
  # (no cgroup namespace: /proc/self/cgroup must show the host's path)
  update_config 'del(.linux.cgroupsPath) | .linux.namespaces |= map(select(.type != "cgroup"))'
  start_sh 'cat /proc/self/cgroup > /tmp/cg; touch /tmp/ready; sleep 100'
  # the default leaf is named after the container
  grep -q "/$ID\$" "$ROOTFS/tmp/cg"
  clawrt delete -f "$ID"
  no_leftover
}

@test "ps lists the container's processes; events --stats reports memory and pids" {
  update_config '.linux.resources.memory = {"limit": 67108864} | .linux.resources.pids = {"limit": 50}'
  start_sh 'sleep 100 & touch /tmp/ready; wait'
  run clawrt ps --format json "$ID"
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | jq length)" -eq 2 ]
  run clawrt events --stats "$ID"
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | jq -r .type)" = stats ]
  [ "$(echo "$output" | jq -r .data.memory.usage.limit)" = 67108864 ]
  [ "$(echo "$output" | jq -r .data.pids.current)" -eq 2 ]
  [ "$(echo "$output" | jq -r .data.pids.limit)" -eq 50 ]
  clawrt delete -f "$ID"
  no_leftover
}

@test "unified keys: applied on cgroup v2, refused with the field named elsewhere" {
  update_config '.linux.resources.unified = {"memory.high": "50000000"}'
  if is_v2; then
    run_sh 'cat /sys/fs/cgroup/memory.high'
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = 49999872 ] || [ "${lines[0]}" = 50000000 ]
  else
    run_sh 'true'
    [ "$status" -ne 0 ]
    if ! is_runc; then
      [[ "$output" == *'linux.resources.unified["memory.high"]: cgroup v2 keys need a cgroup v2 host'* ]]
    fi
  fi
  no_leftover
}

@test "a cgroupsPath in use by a live container is refused" {
  is_runc && skip "runc 1.1 lets a second container join a busy cgroup (with a warning)"
  start_sh 'touch /tmp/ready; sleep 100'
  update_config '.process.args = ["true"]'
  run clawrt run -b "$BUNDLE" "$ID-2"
  [ "$status" -ne 0 ]
  [[ "$output" == *"already has processes"* ]]
  clawrt delete -f "$ID"
  no_leftover
}

@test "a cgroupsPath above a live container's cgroup is refused, and deleting it spares the container" {
  is_runc && skip "runc 1.1 lets a second container use a busy parent cgroup"
  update_config --arg p "$CGPATH/inner" '.linux.cgroupsPath = $p'
  start_sh 'touch /tmp/ready; sleep 100'
  # the parent of the live container's leaf is not an empty leftover
  update_config --arg p "$CGPATH" '.linux.cgroupsPath = $p | .process.args = ["true"]'
  run clawrt run -b "$BUNDLE" "$ID-2"
  [ "$status" -ne 0 ]
  [[ "$output" == *"already has processes"* ]]
  # and the first one still runs
  [ "$(clawrt state "$ID" | jq -r .status)" = running ]
  clawrt delete -f "$ID"
  no_leftover
}

@test "--systemd-cgroup without systemd is a clear error" {
  [ "$(cat /proc/1/comm)" != systemd ] || skip "systemd runs here"
  update_config '.linux.cgroupsPath = "system.slice:clawrt:'"$ID"'"'
  run "$CLAWRT" --root "$CLAWRT_ROOT" --systemd-cgroup run -b "$BUNDLE" "$ID"
  [ "$status" -ne 0 ]
  if ! is_runc; then
    [[ "$output" == *"systemd cgroup driver needs systemd running as init (PID 1 is $(cat /proc/1/comm)); use the cgroupfs driver: drop --systemd-cgroup"* ]]
  fi
  no_leftover
}

@test "run names the pids limit when refused forks made the container fail" {
  update_config '.linux.resources.pids = {"limit": 5}'
  run_sh 'i=0; while [ $i -lt 20 ]; do sleep 5 & i=$((i+1)); done'
  [ "$status" -ne 0 ]
  if ! is_runc; then
    [[ "$output" == *"clawrt: container $ID exited with status $status: pids limit reached (limit 5, "*"forks refused "* ]]
  fi
  no_leftover
}

@test "run names RLIMIT_CPU when the CPU time limit killed the container" {
  update_config '.process.rlimits = [{"type": "RLIMIT_CPU", "soft": 1, "hard": 1}]'
  run_sh 'while :; do :; done'
  [ "$status" -eq 137 ]
  if ! is_runc; then
    [[ "$output" == *"clawrt: container $ID killed: CPU time limit exceeded (RLIMIT_CPU hard 1 s, used "* ]]
  fi
}

@test "a plain kill is not blamed on a limit" {
  is_runc && skip "clawrt's diagnostic line"
  update_config '.linux.resources.memory = {"limit": 67108864} | .linux.resources.pids = {"limit": 50}
    | .process.rlimits = [{"type": "RLIMIT_CPU", "soft": 100, "hard": 100}]
    | .process.args = ["sh", "-c", "touch /tmp/ready; sleep 100"]'
  out=$BATS_TEST_TMPDIR/run.out
  clawrt run -b "$BUNDLE" "$ID" > "$out" 2>&1 </dev/null &
  runner=$!
  tries=50
  until [ -e "$ROOTFS/tmp/ready" ] || [ "$tries" -eq 0 ]; do sleep 0.1; tries=$((tries - 1)); done
  clawrt kill "$ID" KILL
  status=0
  wait "$runner" || status=$?
  cat "$out"
  [ "$status" -eq 137 ]
  ! grep -q "killed" "$out"
  no_leftover
}

@test "run --stats prints CPU time, peak memory and peak pids on stderr" {
  is_runc && skip "runc has no run --stats"
  update_config '.linux.resources.memory = {"limit": 67108864} | .linux.resources.pids = {"limit": 50}
    | .process.args = ["sh", "-c", "sleep 0.1 & sleep 0.1 & wait"]'
  run_nopipe clawrt run --stats -b "$BUNDLE" "$ID"
  [ "$status" -eq 0 ]
  [[ "$output" == *"clawrt: container $ID: cpu "*" s (user "*", peak memory "*" (limit 64.0 MiB), peak pids 3 (limit 50)"* ]]
  [[ "$output" != *"killed"* ]]
  no_leftover
}

@test "delete of a stopped container kills what lingers and removes its cgroup" {
  # without a pid namespace the sleep outlives the init, in the cgroup
  update_config '.linux.namespaces |= map(select(.type != "pid"))'
  start_sh 'sleep 100 & echo $! > /tmp/bg; touch /tmp/ready'
  wait_for_status "$ID" stopped
  bg=$(cat "$ROOTFS/tmp/bg")
  procs=$(host_file pids cgroup.procs)
  [ "$(wc -l < "$procs")" -eq 1 ]
  clawrt delete "$ID"
  no_leftover
  [ -z "$(test_pids)" ]
}

@test "events streams stats every interval and an oom event for each OOM kill" {
  update_config '.linux.resources.memory = {"limit": 33554432, "swap": 33554432}'
  start_sh 'touch /tmp/ready; sleep 0.5; tail /dev/zero; sleep 0.5; tail /dev/zero; sleep 100'
  timeout 4 "$CLAWRT" --root "$CLAWRT_ROOT" events --interval 1s "$ID" > "$BATS_TEST_TMPDIR/events" || true
  cat "$BATS_TEST_TMPDIR/events"
  [ "$(jq -r 'select(.type == "oom") | .id' "$BATS_TEST_TMPDIR/events" | grep -cx "$ID")" -eq 2 ]
  [ "$(jq -r 'select(.type == "stats") | .data.memory.usage.limit' "$BATS_TEST_TMPDIR/events" | sort -u)" = 33554432 ]
  [ "$(jq -r 'select(.type == "stats") | .id' "$BATS_TEST_TMPDIR/events" | wc -l)" -ge 3 ]
  clawrt delete -f "$ID"
  run clawrt events --stats "$ID"
  [ "$status" -ne 0 ]
  no_leftover
}

@test "events ends when the container's init exits" {
  is_runc && skip "runc events keeps polling a stopped container"
  start_sh 'touch /tmp/ready; sleep 1'
  run timeout 10 "$CLAWRT" --root "$CLAWRT_ROOT" events --interval 200ms "$ID"
  [ "$status" -eq 0 ]
  [ "${#lines[@]}" -ge 2 ]
  run clawrt events --stats "$ID"
  [ "$status" -ne 0 ]
  [[ "$output" == *"is not running"* ]]
  clawrt delete "$ID"
  no_leftover
}

@test "ps: the table of ps -ef or of the given options, for the container's processes only" {
  start_sh 'sleep 100 & touch /tmp/ready; wait'
  run clawrt ps "$ID"
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" == UID*PID*PPID*CMD ]]
  [ "${#lines[@]}" -eq 3 ]
  [[ "${lines[2]}" == *"sleep 100"* ]]
  run clawrt ps "$ID" -o pid,comm
  [ "$status" -eq 0 ]
  [ "$(echo "${lines[0]}" | awk '{print $1, $2}')" = "PID COMMAND" ]
  [ "$(printf '%s\n' "${lines[@]:1}" | awk '{print $2}' | sort | tr '\n' ' ')" = "sh sleep " ]
  run clawrt ps "$ID" -o comm
  [ "$status" -ne 0 ]
  clawrt delete -f "$ID"
  no_leftover
}

@test "update: sizes with suffixes, --resources FILE, errors that name the flag" {
  update_config '.linux.resources.memory = {"limit": 67108864}'
  start_sh 'touch /tmp/ready; sleep 100'
  clawrt update --memory 96m --cpu-share 256 "$ID"
  [ "$(cat "$(host_file memory memory.limit_in_bytes)" 2>/dev/null || cat "$(host_file memory memory.max)")" = 100663296 ]
  echo '{"memory": {"limit": 50331648}, "pids": {"limit": 33}}' > "$BATS_TEST_TMPDIR/res.json"
  clawrt update --resources "$BATS_TEST_TMPDIR/res.json" "$ID"
  [ "$(cat "$(host_file memory memory.limit_in_bytes)" 2>/dev/null || cat "$(host_file memory memory.max)")" = 50331648 ]
  [ "$(cat "$(host_file pids pids.max)")" = 33 ]
  run clawrt update --memory 12x "$ID"
  [ "$status" -ne 0 ]
  if ! is_runc; then
    [[ "$output" == *'--memory: invalid size "12x"'* ]]
    run clawrt update --resources "$BATS_TEST_TMPDIR/res.json" --pids-limit 3 "$ID"
    [ "$status" -ne 0 ]
    [[ "$output" == *"--resources and --pids-limit together"* ]]
    run clawrt update --l3-cache-schema L3:0=f "$ID"
    [ "$status" -ne 0 ]
    [[ "$output" == *"--l3-cache-schema: clawrt does not manage Intel RDT"* ]]
  fi
  [ "$(cat "$(host_file pids pids.max)")" = 33 ]
  clawrt delete -f "$ID"
  no_leftover
}

@test "update honours the container's checkBeforeUpdate" {
  is_runc && skip "runc 1.1 ignores checkBeforeUpdate on cgroup v1"
  update_config '.linux.resources.memory = {"limit": 67108864, "checkBeforeUpdate": true}'
  # about 8 MiB in the page cache of the container's tmpfs-less /tmp
  start_sh 'dd if=/dev/zero of=/tmp/fill bs=1M count=8 2>/dev/null; touch /tmp/ready; sleep 100'
  run clawrt update --memory 1m "$ID"
  [ "$status" -ne 0 ]
  [[ "$output" == *"is below the current usage"*"checkBeforeUpdate"* ]]
  clawrt update --memory 128m "$ID"
  clawrt delete -f "$ID"
  no_leftover
}

@test "a paused container: state, ps, resume refused twice, delete -f" {
  start_sh 'sleep 100 & touch /tmp/ready; wait'
  clawrt pause "$ID"
  wait_for_status "$ID" paused
  run clawrt ps --format json "$ID"
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | jq length)" -eq 2 ]
  run clawrt pause "$ID"
  [ "$status" -ne 0 ]
  clawrt resume "$ID"
  run clawrt resume "$ID"
  [ "$status" -ne 0 ]
  clawrt pause "$ID"
  clawrt delete -f "$ID"
  no_leftover
}

@test "update records the new limits in the state's config.json" {
  is_runc && skip "runc keeps its config inside state.json"
  update_config '.linux.resources.memory = {"limit": 67108864} | .linux.resources.pids = {"limit": 100}'
  start_sh 'touch /tmp/ready; sleep 100'
  cfg=$CLAWRT_ROOT/$ID/config.json
  clawrt update --memory 96m --pids-limit 0 "$ID"
  [ "$(jq .linux.resources.memory.limit "$cfg")" = 100663296 ]
  [ "$(jq .linux.resources.pids.limit "$cfg")" = 100 ]     # --pids-limit 0: unchanged
  echo '{"pids": {"limit": 7}, "cpu": {"shares": 256}}' | clawrt update --resources - "$ID"
  [ "$(jq .linux.resources.pids.limit "$cfg")" = 7 ]
  [ "$(jq .linux.resources.cpu.shares "$cfg")" = 256 ]
  [ "$(jq .linux.resources.memory.limit "$cfg")" = 100663296 ]
  [ "$(cat "$(host_file pids pids.max)")" = 7 ]
  # the rest of the container's record is intact: exec still works from it
  run clawrt exec "$ID" cat /proc/self/cgroup
  [ "$status" -eq 0 ]
  clawrt delete -f "$ID"
  no_leftover
}

@test "pids limit 0 is a limit, -1 none (runtime-spec 1.3)" {
  is_runc && skip "runc 1.1 reads a pids limit of 0 as unset"
  # nothing in the container may fork: its init is sleep itself
  update_config '.linux.resources.pids = {"limit": 0} | .process.args = ["sleep", "100"]'
  clawrt run -d -b "$BUNDLE" "$ID" >/dev/null 2>&1 </dev/null
  [ "$(cat "$(host_file pids pids.max)")" = 0 ]
  # joining is allowed, forking inside is not
  run clawrt exec "$ID" sh -c '(true) && echo forked'
  [[ "$output" != *forked* ]]
  clawrt update --pids-limit -1 "$ID"
  [ "$(cat "$(host_file pids pids.max)")" = max ]
  run clawrt exec "$ID" sh -c '(true) && echo forked'
  [[ "$output" == *forked* ]]
  clawrt delete -f "$ID"
  no_leftover
}

@test "real-time runtime: the parents get what containers need and get it back" {
  [ -e /sys/fs/cgroup/cpu/cpu.rt_runtime_us ] || skip "no cgroup v1 real-time group scheduling on this host"
  is_runc && skip "runc does not give parent cgroups real-time runtime"
  parent=/sys/fs/cgroup/cpu$CGPATH
  update_config --arg p "$CGPATH/a" '.linux.cgroupsPath = $p
    | .process.scheduler = {"policy": "SCHED_RR", "priority": 3}
    | .linux.resources.cpu = {"realtimePeriod": 1000000, "realtimeRuntime": 10000}'
  start_sh 'touch /tmp/ready; exec sleep 100'
  [ "$(cat "$parent/cpu.rt_runtime_us")" = 10000 ]
  [ "$(cat "$parent/a/cpu.rt_runtime_us")" = 10000 ]
  # the kernel took the real-time task: policy 2 (SCHED_RR) in /proc/PID/stat
  pid=$(clawrt state "$ID" | jq .pid)
  [ "$(cut -d' ' -f41 "/proc/$pid/stat")" = 2 ]
  clawrt update --cpu-rt-runtime 20000 "$ID"
  [ "$(cat "$parent/a/cpu.rt_runtime_us")" = 20000 ]
  [ "$(cat "$parent/cpu.rt_runtime_us")" = 20000 ]

  # a second container beside it: the parent holds both
  update_config --arg p "$CGPATH/b" '.linux.cgroupsPath = $p
    | .linux.resources.cpu.realtimeRuntime = 30000 | .process.args = ["sleep", "100"]'
  clawrt run -d -b "$BUNDLE" "$ID-b" >/dev/null 2>&1 </dev/null
  [ "$(cat "$parent/b/cpu.rt_runtime_us")" = 30000 ]
  [ "$(cat "$parent/cpu.rt_runtime_us")" -ge 49999 ]
  # more than the host has: refused with the field named, nothing kept
  update_config --arg p "$CGPATH/c" '.linux.cgroupsPath = $p | .linux.resources.cpu.realtimeRuntime = 990000'
  run clawrt run -d -b "$BUNDLE" "$ID-c"
  [ "$status" -ne 0 ]
  [[ "$output" == *"linux.resources.cpu.realtimeRuntime"* ]]
  [ ! -e "$parent/c" ]
  [ "$(cat "$parent/cpu.rt_runtime_us")" -ge 49999 ]

  # each gives back what it got, never what the other still needs
  clawrt delete -f "$ID"
  [ "$(cat "$parent/cpu.rt_runtime_us")" = 30000 ]
  clawrt delete -f "$ID-b"
  [ ! -e "$parent/b" ]
  [ "$(cat "$parent/cpu.rt_runtime_us")" = 0 ]
  # the parent stays when its creator goes first (another container is in
  # it), as with any cgroupsPath
  for h in /sys/fs/cgroup/*/; do [ ! -d "$h${CGPATH#/}" ] || rmdir "$h${CGPATH#/}"; done
  no_leftover
}

# ---- sub-cgroups the container (or someone else) made ---------------------

# The container's cgroup directories as the host sees them, relative to
# /sys/fs/cgroup: "." on cgroup v2; each v1 hierarchy (and unified/ on a
# hybrid host) that has the leaf otherwise.  cpuset is left out: a new
# cpuset cgroup takes no task until it has cpus and mems, a chore that has
# nothing to do with removal.
container_hierarchies() {
  local d
  if is_v2; then echo .; return; fi
  for d in memory pids cpu cpuacct blkio devices freezer net_cls net_prio unified; do
    [ -d "/sys/fs/cgroup/$d$CGPATH" ] && echo "$d"
  done
}

# rw_cgroup_mount: the container may write its /sys/fs/cgroup (the default
# spec mounts it read-only).
rw_cgroup_mount() {
  update_config '.mounts |= map(if .destination == "/sys/fs/cgroup"
    then .options = ((.options // []) - ["ro"] + ["rw"]) else . end)'
}

# wait_for_file NAME: the container touched /tmp/NAME (10 s at most)
wait_for_file() {
  local tries=100
  until [ -e "$ROOTFS/tmp/$1" ]; do
    tries=$((tries - 1))
    [ "$tries" -gt 0 ] || { echo "no /tmp/$1 from the container:" >&2; cat "$BATS_TEST_TMPDIR/nest.out" >&2; return 1; }
    sleep 0.1
  done
}

# start_nesting_container CGROUPNS [SCRIPT]: a container without a pid
# namespace (so that a child outlives its init) whose init makes sub/deeper
# in each of its cgroup directories, moves a sleeping child into every
# deepest one and freezes it there (v1 freezer: a frozen task takes SIGKILL
# only once thawed), then runs SCRIPT.  Sets KID to the child's host pid
# and HIERS to the hierarchies it nested in.
start_nesting_container() {
  is_runc && skip "runc 1.1 leaves the sub-cgroup whose task the container froze (it never takes the SIGKILL)"
  local ns='.linux.namespaces |= map(select(.type != "pid" and .type != "cgroup"))'
  [ "$1" = cgroupns ] && ns="$ns | .linux.namespaces += [{\"type\": \"cgroup\"}]"
  update_config "$ns"
  rw_cgroup_mount
  update_config --arg s 'touch /tmp/go; while [ ! -e /tmp/hiers ]; do sleep 0.05; done
    sleep 100 & kid=$!
    for h in $(cat /tmp/hiers); do
      [ -d /sys/fs/cgroup/$h ] || continue
      mkdir -p /sys/fs/cgroup/$h/sub/deeper || exit 1
      echo $kid > /sys/fs/cgroup/$h/sub/deeper/cgroup.procs || exit 1
      echo $h >> /tmp/nested
    done
    f=/sys/fs/cgroup/freezer/sub/deeper/freezer.state
    if [ -e $f ]; then echo FROZEN > $f || exit 1; fi
    '"${2:-}"'
    touch /tmp/ready; wait' '.process.args = ["sh", "-c", $s]'
  clawrt run -d -b "$BUNDLE" "$ID" >"$BATS_TEST_TMPDIR/nest.out" 2>&1 </dev/null
  wait_for_file go
  # the leaves exist now: tell the container which ones are its own (in
  # one rename: it must not read a half-written list)
  container_hierarchies > "$ROOTFS/tmp/hiers.new"
  mv "$ROOTFS/tmp/hiers.new" "$ROOTFS/tmp/hiers"
  wait_for_file ready
  HIERS=$(cat "$ROOTFS/tmp/nested")
  # runc 1.1 shows no cgroup2 mount inside on a hybrid host
  if ! is_runc; then [ "$HIERS" = "$(container_hierarchies)" ]; fi
  is_v2 || [[ "$HIERS" == *memory*freezer* ]]
  local h
  for h in $HIERS; do
    KID=$(cat "/sys/fs/cgroup/$h$CGPATH/sub/deeper/cgroup.procs")
    [ -n "$KID" ] || { echo "no process in $h$CGPATH/sub/deeper" >&2; return 1; }
  done
  pid_alive "$KID"
}

# every cgroup directory of the container gone, on every hierarchy, and no
# process of this test left
assert_cgroups_gone() {
  local h
  for h in /sys/fs/cgroup/*/ /sys/fs/cgroup/; do
    [ ! -e "$h${CGPATH#/}" ] || { echo "left behind: $h${CGPATH#/}" >&2; find "$h${CGPATH#/}" -type d >&2; return 1; }
  done
  no_leftover
  wait_pid_gone "$KID"
  assert_nothing_left "$ID"
}

@test "kill + delete: sub-cgroups two levels deep on every hierarchy, a process in the deepest" {
  start_nesting_container no-cgroupns
  clawrt kill "$ID" KILL
  wait_for_status "$ID" stopped
  pid_alive "$KID"
  clawrt delete "$ID"
  assert_cgroups_gone
}

@test "kill + delete: nested sub-cgroups made inside a cgroup namespace" {
  start_nesting_container cgroupns
  clawrt kill "$ID" KILL
  wait_for_status "$ID" stopped
  clawrt delete "$ID"
  assert_cgroups_gone
}

@test "delete --force of a running container with nested sub-cgroups" {
  start_nesting_container no-cgroupns
  clawrt delete --force "$ID"
  assert_cgroups_gone
}

@test "delete --force of a running container with nested sub-cgroups (cgroup namespace)" {
  start_nesting_container cgroupns
  clawrt delete --force "$ID"
  assert_cgroups_gone
}

@test "delete --force kills a host process put into a sub-cgroup of the container's cgroup" {
  is_runc && skip "runc 1.1 kills only what one hierarchy lists"
  is_v2 && skip "hybrid/v1 case: a process in one v1 hierarchy's sub-cgroup only"
  [ -d /sys/fs/cgroup/memory ] || skip "no v1 memory hierarchy on this host"
  start_sh 'touch /tmp/ready; sleep 100'
  # root on the host, not the container, makes it: the process is in the
  # container's memory tree only, its freezer and pids cgroups are the host's
  mkdir -p "/sys/fs/cgroup/memory$CGPATH/host/deeper"
  CLAWRT_TEST_MARK=$CLAWRT_TEST_MARK sleep 1000 &
  KID=$!
  echo "$KID" > "/sys/fs/cgroup/memory$CGPATH/host/deeper/cgroup.procs"
  ! grep -qx "$KID" "/sys/fs/cgroup/freezer$CGPATH/cgroup.procs" 2>/dev/null
  clawrt delete --force "$ID"
  assert_cgroups_gone
}

@test "delete --force: a process hidden in a dot-named sub-cgroup 40 levels deep" {
  # dot names and depth are the container's choice: neither may hide a
  # process from the kill, nor a directory from the removal
  start_nesting_container no-cgroupns 'sleep 100 & deep=$!
    for h in $(cat /tmp/nested); do
      d=/sys/fs/cgroup/$h/.hidden; i=0
      while [ $i -lt 40 ]; do d=$d/.$i; i=$((i + 1)); done
      mkdir -p $d && echo $deep > $d/cgroup.procs || exit 1
    done
    echo $deep > /tmp/deep'
  DEEP=$(cat "$ROOTFS/tmp/deep")
  clawrt delete --force "$ID"
  assert_cgroups_gone
  wait_pid_gone "$DEEP"
}
