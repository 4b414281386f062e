#!/usr/bin/env bats
# Namespaces from config.json: each type, joining one by path, user
# namespaces with id maps, time namespace offsets, hostname/domainname.

load helpers

setup() {
  setup_bundle
}

teardown() {
  teardown_bundle
}

# in_container CMD...: run CMD in a fresh container; $output and $status
# are those of `clawrt run`.
in_container() {
  local a='[]' x
  # (not jq --args: jq would take the "-c" of "sh -c" as its own option)
  for x in "$@"; do a=$(jq -cn --argjson a "$a" --arg x "$x" '$a + [$x]'); done
  update_config --argjson a "$a" '.process.args = $a'
  run clawrt run -b "$BUNDLE" "ns$BATS_TEST_NUMBER"
}

# drop_ns TYPE / add_ns TYPE: remove TYPE from linux.namespaces, or list
# it (once, without a path).  Without a uts namespace, hostname and
# domainname go too: they would change the host's.
drop_ns() {
  update_config --arg t "$1" '.linux.namespaces |= map(select(.type != $t))'
  if [ "$1" = uts ]; then update_config 'del(.hostname) | del(.domainname)'; fi
}
add_ns() {
  update_config --arg t "$1" '.linux.namespaces = ((.linux.namespaces // []) | map(select(.type != $t))) + [{"type": $t}]'
}

# check_ns SPEC_TYPE PROC_NAME: with the type listed the container has a
# namespace of its own; without it, it shares the caller's.
check_ns() {
  local type=$1 name=$2 host
  host=$(readlink "/proc/self/ns/$name")
  add_ns "$type"
  in_container readlink "/proc/self/ns/$name"
  [ "$status" -eq 0 ]
  [[ "$output" == "$name:["*"]" ]]
  [ "$output" != "$host" ]

  drop_ns "$type"
  in_container readlink "/proc/self/ns/$name"
  [ "$status" -eq 0 ]
  [ "$output" = "$host" ]
  assert_nothing_left "ns$BATS_TEST_NUMBER"
}

@test "pid namespace: the process is pid 1 of its own, or shares the host's" {
  check_ns pid pid
  add_ns pid
  in_container sh -c 'echo $$'
  [ "$output" = 1 ]
}

@test "network namespace: own (only lo) when listed, the host's when not" {
  check_ns network net
  add_ns network
  in_container sh -c 'ls /sys/class/net'
  [ "$status" -eq 0 ]
  [ "$output" = lo ]
}

@test "ipc namespace: own when listed, the host's when not" {
  check_ns ipc ipc
}

@test "uts namespace: own when listed, the host's when not" {
  check_ns uts uts
}

@test "cgroup namespace: own when listed (its cgroup is /), the host's when not" {
  check_ns cgroup cgroup
  add_ns cgroup
  in_container cat /proc/self/cgroup
  [ "$status" -eq 0 ]
  # every hierarchy shows the container's cgroup as its root
  ! grep -v ':/$' <<<"$output"
}

@test "mount namespace: the container's mounts are its own" {
  host=$(readlink /proc/self/ns/mnt)
  update_config '.mounts += [{"destination": "/tmp", "type": "tmpfs", "source": "tmpfs"}]'
  update_config '.process.args = ["sh", "-c", "readlink /proc/self/ns/mnt > /ns; grep \" /tmp \" /proc/self/mounts > /m; sleep 100"]'
  clawrt run -d -b "$BUNDLE" m1 >/dev/null 2>&1 </dev/null
  tries=50
  until [ -s "$ROOTFS/m" ]; do tries=$((tries - 1)); [ "$tries" -gt 0 ]; sleep 0.1; done
  [ "$(cat "$ROOTFS/ns")" != "$host" ]
  [[ "$(cat "$ROOTFS/m")" == "tmpfs /tmp tmpfs "* ]]
  # while it runs, none of its mounts shows on the host
  ! grep -F -- "$ROOTFS" /proc/self/mountinfo
  clawrt delete -f m1
  assert_nothing_left m1
}

@test "user namespace with uid/gid maps: root inside, 100000 outside" {
  make_bundle_reachable
  add_ns user
  update_config '.linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    | .linux.gidMappings = [{"containerID": 0, "hostID": 200000, "size": 65536}]'
  host=$(readlink /proc/self/ns/user)

  in_container sh -c 'readlink /proc/self/ns/user; id -u; id -g; cat /proc/self/uid_map /proc/self/gid_map'
  echo "$output" >&2
  [ "$status" -eq 0 ]
  [ "${lines[0]}" != "$host" ]
  [ "${lines[1]}" = 0 ]
  [ "${lines[2]}" = 0 ]
  [ "$(echo "${lines[3]}" | tr -s ' ' | sed 's/^ //')" = "0 100000 65536" ]
  [ "$(echo "${lines[4]}" | tr -s ' ' | sed 's/^ //')" = "0 200000 65536" ]

  # seen from the host, the process runs as the mapped ids
  update_config '.process.user.uid = 1000 | .process.user.gid = 1000 | .process.args = ["sleep", "100"]'
  clawrt run -d -b "$BUNDLE" u1 >/dev/null 2>&1 </dev/null
  pid=$(container_pid u1)
  [ "$(awk '/^Uid:/ { print $2, $3, $4, $5 }' "/proc/$pid/status")" = "101000 101000 101000 101000" ]
  [ "$(awk '/^Gid:/ { print $2, $3, $4, $5 }' "/proc/$pid/status")" = "201000 201000 201000 201000" ]
  clawrt delete -f u1
  assert_nothing_left u1
}

@test "user namespace without mappings is refused, naming the mappings" {
  add_ns user
  update_config 'del(.linux.uidMappings) | del(.linux.gidMappings)'
  run_nopipe clawrt create -b "$BUNDLE" u1
  [ "$status" -ne 0 ]
  # runc: "User namespaces enabled, but no uid mappings found."; clawrt
  # names the field.
  output_has "uidMappings"
  assert_nothing_left u1
}

@test "time namespace: offsets apply to the container's clocks only" {
  # (runc 1.1.5 has no time namespace support)
  [ -e /proc/self/ns/time ] || skip "kernel without time namespaces"
  add_ns time
  update_config '.linux.timeOffsets = {"monotonic": {"secs": 86400, "nanosecs": 0},
    "boottime": {"secs": 31536000, "nanosecs": 500}}'
  host=$(readlink /proc/self/ns/time)
  in_container sh -c 'readlink /proc/self/ns/time; cat /proc/self/timens_offsets; cut -d. -f1 /proc/uptime'
  echo "$output" >&2
  [ "$status" -eq 0 ]
  [ "${lines[0]}" != "$host" ]
  grep -Eq '^monotonic +86400 +0$' <<<"$output"
  grep -Eq '^boottime +31536000 +500$' <<<"$output"
  # uptime counts boottime: a year ahead of the host's
  [ "${lines[3]}" -ge 31536000 ]
  [ "$(cut -d. -f1 /proc/uptime)" -lt 31536000 ]
}

@test "timeOffsets without a time namespace are refused" {
  # runc 1.1.5 ignores timeOffsets; clawrt refuses a config whose offsets
  # would silently not apply.
  [ -e /proc/self/ns/time ] || skip "kernel without time namespaces"
  drop_ns time
  update_config '.linux.timeOffsets = {"monotonic": {"secs": 1, "nanosecs": 0}}'
  run_nopipe clawrt create -b "$BUNDLE" t1
  [ "$status" -ne 0 ]
  output_has "timeOffsets"
  assert_nothing_left t1
}

@test "joining namespaces by path: network, uts, ipc and pid of another container" {
  update_config '.process.args = ["sleep", "100"] | .hostname = "first"'
  clawrt run -d -b "$BUNDLE" first >/dev/null 2>&1 </dev/null
  pid=$(container_pid first)

  update_config --arg p "/proc/$pid/ns" 'del(.hostname) | .linux.namespaces |= map(
      if .type == "network" then .path = "\($p)/net"
      elif .type == "uts" then .path = "\($p)/uts"
      elif .type == "ipc" then .path = "\($p)/ipc"
      elif .type == "pid" then .path = "\($p)/pid"
      else . end)'
  in_container sh -c 'for n in net uts ipc pid; do readlink /proc/self/ns/$n; done; hostname; echo $$; ps -o args'
  echo "$output" >&2
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "$(readlink "/proc/$pid/ns/net")" ]
  [ "${lines[1]}" = "$(readlink "/proc/$pid/ns/uts")" ]
  [ "${lines[2]}" = "$(readlink "/proc/$pid/ns/ipc")" ]
  [ "${lines[3]}" = "$(readlink "/proc/$pid/ns/pid")" ]
  [ "${lines[4]}" = first ]
  # in the other container's pid namespace, it is not pid 1 and sees it
  [ "${lines[5]}" != 1 ]
  grep -qx 'sleep 100' <<<"$output"

  clawrt delete -f first
  assert_nothing_left first
}

@test "a namespace path that does not exist is refused, naming the path" {
  update_config '.linux.namespaces |= map(if .type == "network" then .path = "/proc/999999999/ns/net" else . end)'
  run_nopipe clawrt create -b "$BUNDLE" p1
  [ "$status" -ne 0 ]
  output_has "/proc/999999999/ns/net"
  assert_nothing_left p1
}

@test "a namespace path of another type is refused and leaves nothing" {
  update_config '.linux.namespaces |= map(if .type == "network" then .path = "/proc/self/ns/uts" else . end)'
  run_nopipe clawrt create -b "$BUNDLE" p1
  [ "$status" -ne 0 ]
  assert_nothing_left p1
}

@test "hostname and domainname are set in the container, not on the host" {
  # (runc 1.1.5 ignores domainname)
  host_name=$(hostname)
  host_domain=$(cat /proc/sys/kernel/domainname)
  add_ns uts
  update_config '.hostname = "clawrt-test" | .domainname = "clawrt.example"'
  in_container sh -c 'hostname; cat /proc/sys/kernel/domainname'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = clawrt-test ]
  [ "${lines[1]}" = clawrt.example ]
  [ "$(hostname)" = "$host_name" ]
  [ "$(cat /proc/sys/kernel/domainname)" = "$host_domain" ]
}

@test "hostname without a uts namespace is refused, the host's is untouched" {
  host_name=$(hostname)
  drop_ns uts
  update_config '.hostname = "clawrt-test"'
  run_nopipe clawrt create -b "$BUNDLE" h1
  # put the host's name back should the runtime have changed it
  [ "$(hostname)" = "$host_name" ] || hostname "$host_name"
  [ "$status" -ne 0 ]
  output_has "hostname"
  grep -qi uts <<<"$output"
  [ "$(hostname)" = "$host_name" ]
  assert_nothing_left h1
}
