#!/usr/bin/env bats
# Strict mode (doc/strict-mode.md), item by item, proven from inside running
# containers: what the kernel lets the container's processes do, not what
# the config says.  Most tests run the same thing without strict mode first,
# so that a check which could not fail shows up as a failing control.  The
# system calls are tried by tests/integration/strict-probe.c, built static
# (the rootfs is busybox only).

load helpers

setup_file() {
  PROBE=$BATS_FILE_TMPDIR/strict-probe
  ${CC:-cc} -static -O -Wall -pthread -o "$PROBE" "$TESTS_DIR/strict-probe.c" ||
    skip "cannot build a static C program (cc -static -pthread; needs libc6-dev)"
  export PROBE
}

setup() {
  requires_root
  setup_bundle
  cp "$PROBE" "$ROOTFS/bin/strict-probe"
  # a cgroup per test: tests here and in other files use the same ids
  update_config --arg c "/clawrt-test/$CLAWRT_TEST_MARK" '.linux.cgroupsPath = $c'
  # so that the kernel, not a missing capability, is what refuses: strict
  # mode keeps CAP_SYS_ADMIN, only its seccomp layer stands in the way
  caps CAP_CHOWN CAP_KILL CAP_SYS_ADMIN CAP_MKNOD CAP_SYS_MODULE
  update_config '.process.noNewPrivileges = false'
}

teardown() {
  # the containers of BUNDLE2 live in the same state root
  teardown_bundle
}

# caps CAP...: these capabilities in all five sets.
caps() {
  local a
  a=$(printf '%s\n' "$@" | jq -R . | jq -cs .)
  update_config --argjson c "$a" \
    '.process.capabilities = {bounding: $c, effective: $c, inheritable: $c, permitted: $c, ambient: $c}'
}

strict_on() {
  update_config '.annotations["io.clawrt.strict"] = "true"'
}

# args CMD...: the container's process.
args() {
  local a
  a=$(printf '%s\n' "$@" | jq -R . | jq -cs .)
  update_config --argjson a "$a" '.process.args = $a'
}

# in_container ID CMD...: run CMD in a new container, foreground.
in_container() {
  local id=$1
  shift
  args "$@"
  run_nopipe clawrt run -b "$BUNDLE" "$id"
}

# cap_bit HEX N: bit N of the capability mask HEX (0 or 1).
cap_bit() {
  echo $(( (16#$1 >> $2) & 1 ))
}

# A second bundle on the same rootfs, for a container beside the first.
setup_bundle2() {
  BUNDLE2=$BATS_TEST_TMPDIR/bundle2
  mkdir -p "$BUNDLE2"
  jq --arg r "$ROOTFS" '.root.path = $r | del(.annotations["io.clawrt.strict"])' \
    "$BUNDLE/config.json" > "$BUNDLE2/config.json"
}

update_config2() {
  local tmp
  tmp=$(mktemp "$BUNDLE2/config.XXXXXX")
  jq "$@" "$BUNDLE2/config.json" > "$tmp" && mv "$tmp" "$BUNDLE2/config.json"
}

@test "strict item 1: a cgroup namespace is added, rooted at the container's own leaf" {
  update_config 'del(.linux.namespaces[] | select(.type == "cgroup"))'
  in_container c0 cat /proc/self/cgroup
  [ "$status" -eq 0 ]
  # control: without one, the host's paths show
  printf '%s\n' "${lines[@]}" | grep -q "/clawrt-test/$CLAWRT_TEST_MARK"

  strict_on
  in_container c1 cat /proc/self/cgroup
  [ "$status" -eq 0 ]
  [ "${#lines[@]}" -gt 0 ]
  local l
  for l in "${lines[@]}"; do
    [[ "$l" == *:/ ]] || { echo "not the namespaced root: $l"; return 1; }
  done
}

@test "strict item 2: only its own cgroup is visible in /sys/fs/cgroup" {
  update_config 'del(.linux.namespaces[] | select(.type == "cgroup"))'
  # a neighbour under the same parent cgroup
  setup_bundle2
  update_config2 --arg c "/clawrt-test/$CLAWRT_TEST_MARK-neighbour" \
    '.linux.cgroupsPath = $c | .process.args = ["sleep", "100"]'
  run_nopipe clawrt run -d -b "$BUNDLE2" neighbour
  [ "$status" -eq 0 ]
  local pid
  pid=$(container_pid neighbour)
  # the name searched for below is there, seen from the host
  [ -n "$(find /sys/fs/cgroup -maxdepth 3 -name "$CLAWRT_TEST_MARK-neighbour" | head -n 1)" ]

  strict_on
  in_container c1 sh -c 'find /sys/fs/cgroup -name "*-neighbour"; echo procs: $(cat /sys/fs/cgroup/pids/cgroup.procs)'
  [ "$status" -eq 0 ]
  [[ "$output" != *"-neighbour"* ]]
  # its own leaf holds only its own processes (pid 1 and the cat)
  local p
  for p in $(printf '%s\n' "$output" | sed -n 's/^procs: //p'); do
    [ "$p" -lt 10 ] || { echo "a process not of this container: $p"; return 1; }
  done
  [ "$(printf '%s\n' "$output" | sed -n 's/^procs: //p' | wc -w)" -ge 1 ]
  pid_alive "$pid"
}

@test "strict item 2: /proc/pressure is masked" {
  [ -r /proc/pressure/cpu ] || skip "this kernel has no pressure stall information (/proc/pressure)"
  in_container c0 cat /proc/pressure/cpu
  [ "$status" -eq 0 ]
  output_has "avg10="
  strict_on
  in_container c1 sh -c 'cat /proc/pressure/cpu; echo cat=$?; echo ls=$(ls -A /proc/pressure)'
  [ "$status" -eq 0 ]
  output_has "cat=1" "ls="
  [[ "$output" != *"avg10="* ]]
  [[ "$output" != *"ls=cpu"* ]]
}

@test "strict items 3 and 6: no CAP_MKNOD or CAP_SYS_MODULE in any set, NoNewPrivs 1" {
  strict_on
  in_container c1 grep -E '^(Cap(Inh|Prm|Eff|Bnd|Amb)|NoNewPrivs):' /proc/self/status
  [ "$status" -eq 0 ]
  local set v n=0
  for set in CapInh CapPrm CapEff CapBnd CapAmb; do
    v=$(printf '%s\n' "$output" | sed -n "s/^$set:[[:space:]]*//p")
    [ -n "$v" ]
    [ "$(cap_bit "$v" 27)" = 0 ] || { echo "$set $v has CAP_MKNOD"; return 1; }
    [ "$(cap_bit "$v" 16)" = 0 ] || { echo "$set $v has CAP_SYS_MODULE"; return 1; }
    # the sets were applied, not emptied: CAP_CHOWN and CAP_SYS_ADMIN stay
    [ "$(cap_bit "$v" 0)" = 1 ] && [ "$(cap_bit "$v" 21)" = 1 ] || { echo "$set $v lost others"; return 1; }
    n=$((n + 1))
  done
  [ "$n" -eq 5 ]
  output_has "NoNewPrivs:	1"
}

@test "strict items 3 and 6, control: without strict mode the same config keeps them" {
  in_container c0 grep -E '^(CapBnd|NoNewPrivs):' /proc/self/status
  [ "$status" -eq 0 ]
  local v
  v=$(printf '%s\n' "$output" | sed -n 's/^CapBnd:[[:space:]]*//p')
  [ "$(cap_bit "$v" 27)" = 1 ]
  [ "$(cap_bit "$v" 16)" = 1 ]
  output_has "NoNewPrivs:	0"
}

@test "strict item 4: unshare -U, unshare -n and nsenter fail with EPERM" {
  in_container c0 sh -c 'unshare -U true; echo U=$?; unshare -n true; echo n=$?; nsenter -t 1 -n true; echo nsenter=$?'
  [ "$status" -eq 0 ]
  output_has "U=0" "n=0" "nsenter=0"

  strict_on
  in_container c1 sh -c 'unshare -U true; echo U=$?; unshare -n true; echo n=$?; nsenter -t 1 -n true; echo nsenter=$?'
  [ "$status" -eq 0 ]
  output_has "U=1" "n=1" "nsenter=1" "unshare(0x10000000): Operation not permitted" \
    "unshare(0x40000000): Operation not permitted" "Operation not permitted"
  [[ "$output" == *"nsenter: setns"*"Operation not permitted"* ]]
}

@test "strict item 4: clone with any CLONE_NEW* flag and unshare fail with EPERM, clone3 with ENOSYS" {
  in_container c0 sh -c 'strict-probe clone; strict-probe clone3; strict-probe unshare'
  [ "$status" -eq 0 ]
  output_has "CLONE_NEWNET: ok" "clone3: ok"

  strict_on
  in_container c1 sh -c 'strict-probe clone; strict-probe clone3; strict-probe unshare'
  [ "$status" -eq 0 ]
  local f n=0
  for f in CLONE_NEWNS CLONE_NEWUTS CLONE_NEWIPC CLONE_NEWUSER CLONE_NEWPID CLONE_NEWNET CLONE_NEWCGROUP; do
    [ "$(printf '%s\n' "$output" | grep -c "^$f: EPERM$")" -eq 2 ] || { echo "$f not refused twice"; echo "$output"; return 1; }
    n=$((n + 1))
  done
  [ "$n" -eq 7 ]
  output_has "clone3: ENOSYS" "clone3-CLONE_NEWUSER: ENOSYS"
  [[ "$output" != *": ok"* ]]
}

@test "strict item 4: setns into a namespace file fails with EPERM" {
  strict_on
  in_container c1 strict-probe setns /proc/self/ns/net
  [ "$status" -eq 0 ]
  output_has "setns /proc/self/ns/net: EPERM"
}

@test "strict item 4: fork, vfork, clone, threads and ordinary work keep working" {
  strict_on
  in_container c1 sh -c 'strict-probe work; echo words=$(echo a b c | wc -w); (sleep 0.1 &); wait; echo done'
  [ "$status" -eq 0 ]
  output_has "fork: ok" "vfork: ok" "clone: ok" "threads: ok" "pipe: ok" "words=3" "done"
}

@test "strict item 4: the filter is layered on the bundle's own seccomp profile" {
  update_config '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW",
    syscalls: [{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO", errnoRet: 13}]}'
  strict_on
  in_container c1 sh -c 'mkdir /tmp/d; echo mkdir=$?; unshare -n true; echo n=$?; strict-probe clone3; strict-probe work'
  [ "$status" -eq 0 ]
  # the bundle's rule, and strict mode's, both hold; ordinary work too
  output_has "mkdir=1" "Permission denied" "n=1" "Operation not permitted" "clone3: ENOSYS" \
    "threads: ok" "fork: ok"
}

@test "strict item 5: mknod on a read-write bind fails, and binds are nodev,nosuid" {
  local vol=$BATS_TEST_TMPDIR/vol
  mkdir -p "$vol"
  mknod "$vol/null" c 1 3
  update_config --arg v "$vol" \
    '.mounts += [{destination: "/vol", type: "bind", source: $v, options: ["rbind", "rw", "dev", "suid"]}]'
  # control: with CAP_MKNOD and dev, the node is made and a node works
  in_container c0 sh -c 'mknod /vol/made c 1 3; echo mknod=$?; echo x > /vol/null; echo write=$?'
  [ "$status" -eq 0 ]
  output_has "mknod=0" "write=0"
  [ -c "$vol/made" ]
  rm -f "$vol/made"

  strict_on
  in_container c1 sh -c 'mknod /vol/mem c 1 1; echo mknod=$?; echo x > /vol/null; echo write=$?; grep " /vol " /proc/self/mountinfo'
  [ "$status" -eq 0 ]
  output_has "mknod=1" "write=1"
  [ ! -e "$vol/mem" ]
  local mi
  mi=$(printf '%s\n' "$output" | grep " /vol ")
  [[ "$mi" == *nodev* ]] && [[ "$mi" == *nosuid* ]] || { echo "mount options: $mi"; return 1; }
}

@test "strict item 5: the device cgroup denies what the bundle allowed" {
  [ -c /dev/fuse ] || skip "this host has no /dev/fuse to try"
  # allow every device, then try a node the runtime does not allow itself
  update_config '.linux.resources.devices = [{allow: true, access: "rwm"}]'
  mknod "$ROOTFS/fuse" c 10 229
  in_container c0 sh -c 'true 3<> /fuse && echo open=ok'
  [ "$status" -eq 0 ]
  output_has "open=ok"

  strict_on
  in_container c1 sh -c 'true 3<> /fuse && echo open=ok; cat /sys/fs/cgroup/devices/devices.list 2>/dev/null | head -n 20'
  [ "$status" -eq 0 ]
  [[ "$output" != *"open=ok"* ]]
  output_has "Operation not permitted"
  if [ -e /sys/fs/cgroup/devices ]; then
    # v1: the kernel's own list, seen from inside, allows no wildcard access
    [[ "$output" != *"a *:* rwm"* ]]
    [[ "$output" != *"c *:* rw"* ]]
  fi
}

@test "strict item 7: exec gets the same restrictions, even with --cap CAP_MKNOD" {
  strict_on
  args sleep 100
  run_nopipe clawrt run -d -b "$BUNDLE" c1
  [ "$status" -eq 0 ]

  run clawrt exec --cap CAP_MKNOD --cap CAP_SYS_MODULE c1 grep -E '^(Cap(Inh|Prm|Eff|Bnd|Amb)|NoNewPrivs):' /proc/self/status
  [ "$status" -eq 0 ]
  local set v
  for set in CapInh CapPrm CapEff CapBnd CapAmb; do
    v=$(printf '%s\n' "$output" | sed -n "s/^$set:[[:space:]]*//p")
    [ -n "$v" ]
    [ "$(cap_bit "$v" 27)" = 0 ] && [ "$(cap_bit "$v" 16)" = 0 ] || { echo "$set $v"; return 1; }
  done
  output_has "NoNewPrivs:	1"

  run clawrt exec c1 sh -c 'strict-probe clone; strict-probe clone3; strict-probe work; unshare -n true; echo n=$?; nsenter -t 1 -n true; echo nsenter=$?'
  [ "$status" -eq 0 ]
  output_has "CLONE_NEWNET: EPERM" "CLONE_NEWUSER: EPERM" "clone3: ENOSYS" "threads: ok" \
    "fork: ok" "n=1" "nsenter=1"

  run clawrt exec c1 sh -c 'mknod /tmp/mem c 1 1; echo mknod=$?; cat /proc/self/cgroup'
  [ "$status" -eq 0 ]
  output_has "mknod=1"
  local l
  for l in "${lines[@]}"; do
    case "$l" in mknod*|*"Operation not permitted"*) ;; *) [[ "$l" == *:/ ]] || { echo "cgroup: $l"; return 1; } ;; esac
  done
  if [ -r /proc/pressure/cpu ]; then
    run clawrt exec c1 cat /proc/pressure/cpu
    [ "$status" -ne 0 ]
  fi
}

@test "clawrt --strict run: strict mode without the annotation, recorded for state and exec" {
  args sleep 100
  run_nopipe clawrt --strict run -d -b "$BUNDLE" c1
  [ "$status" -eq 0 ]
  run clawrt state c1
  [ "$status" -eq 0 ]
  [ "$(printf '%s' "$output" | jq -r '.annotations["io.clawrt.strict"]')" = true ]
  # a later exec, without --strict, is strict too
  run clawrt exec c1 sh -c 'unshare -n true; echo n=$?; grep NoNewPrivs /proc/self/status'
  [ "$status" -eq 0 ]
  output_has "n=1" "NoNewPrivs:	1"
  # the bundle's own config.json is left as it was
  [ "$(jq -r '.annotations["io.clawrt.strict"] // "absent"' "$BUNDLE/config.json")" = absent ]
}

@test "state shows the annotation io.clawrt.strict: \"true\"" {
  strict_on
  args sleep 100
  run_nopipe clawrt run -d -b "$BUNDLE" c1
  [ "$status" -eq 0 ]
  run clawrt state c1
  [ "$status" -eq 0 ]
  [[ "$output" == *'"io.clawrt.strict": "true"'* ]]
}

@test "fail closed: a host without cgroup namespaces does not start a strict container" {
  command -v unshare >/dev/null || skip "needs unshare(1) to hide the namespace files"
  strict_on
  args true
  # the runtime sees its /proc/self/ns as on a kernel without namespaces:
  # an empty tmpfs over them, in a mount namespace of its own
  run_nopipe unshare -m sh -c 'mount -t tmpfs none /proc/$$/ns && exec "$@"' sh \
    env CLAWRT_TEST_MARK="$CLAWRT_TEST_MARK" "$CLAWRT" --root "$CLAWRT_ROOT" run -b "$BUNDLE" c1
  [ "$status" -ne 0 ]
  output_has "strict mode: item 1 (own cgroup namespace)" "no cgroup namespaces"
  assert_nothing_left c1
  # the same bundle starts where the host has them
  in_container c2 true
  [ "$status" -eq 0 ]
}

@test "fail closed: a host without seccomp does not start a strict container" {
  strict_on
  args true
  run_nopipe "$PROBE" no-seccomp env CLAWRT_TEST_MARK="$CLAWRT_TEST_MARK" \
    "$CLAWRT" --root "$CLAWRT_ROOT" run -b "$BUNDLE" c1
  [ "$status" -ne 77 ] || skip "the probe cannot take seccomp away on this architecture"
  [ "$status" -ne 0 ]
  output_has "strict mode: item 4 (seccomp filter)"
  assert_nothing_left c1
  # without strict mode the same runtime starts it (nothing else was broken)
  update_config 'del(.annotations["io.clawrt.strict"])'
  run_nopipe "$PROBE" no-seccomp env CLAWRT_TEST_MARK="$CLAWRT_TEST_MARK" \
    "$CLAWRT" --root "$CLAWRT_ROOT" run -b "$BUNDLE" c2
  [ "$status" -eq 0 ]
}

@test "fail closed: a joined cgroup namespace does not start" {
  setup_bundle2
  update_config2 --arg c "/clawrt-test/$CLAWRT_TEST_MARK-a" '.linux.cgroupsPath = $c | .process.args = ["sleep", "100"]'
  run_nopipe clawrt run -d -b "$BUNDLE2" a
  [ "$status" -eq 0 ]
  local pid
  pid=$(container_pid a)
  strict_on
  update_config --arg p "/proc/$pid/ns/cgroup" \
    '(.linux.namespaces[] | select(.type == "cgroup")) |= (.path = $p)'
  in_container c1 true
  [ "$status" -ne 0 ]
  output_has "strict mode: item 1 (own cgroup namespace)" "/proc/$pid/ns/cgroup" "remove the path"
  pid_alive "$pid"
  clawrt delete -f a
  assert_nothing_left c1 a
}

@test "fail closed: a cgroupsPath a live container uses, a parent or a child of it" {
  setup_bundle2
  local path=/clawrt-test/$CLAWRT_TEST_MARK-live/a
  update_config2 --arg c "$path" '.linux.cgroupsPath = $c | .process.args = ["sleep", "100"]'
  run_nopipe clawrt run -d -b "$BUNDLE2" live
  [ "$status" -eq 0 ]
  local pid
  pid=$(container_pid live)
  strict_on

  update_config --arg c "$path" '.linux.cgroupsPath = $c'
  in_container c1 true
  [ "$status" -ne 0 ]
  output_has "strict mode: item 1 (own leaf cgroup)" "\`$path\`" "already holds pid $pid"

  update_config --arg c "${path%/a}" '.linux.cgroupsPath = $c'
  in_container c2 true
  [ "$status" -ne 0 ]
  output_has "strict mode: item 1 (own leaf cgroup)" "sub-cgroup \`$path\`" "pid $pid"

  update_config --arg c "$path/inner" '.linux.cgroupsPath = $c'
  in_container c3 true
  [ "$status" -ne 0 ]
  output_has "strict mode: item 1 (own leaf cgroup)" "would lie inside \`$path\`"

  # nothing of the live container was touched: it runs, in its cgroup
  pid_alive "$pid"
  grep -q ":$path\$" "/proc/$pid/cgroup"
  [ "$(clawrt state live | jq -r .status)" = running ]
  [ ! -e "/sys/fs/cgroup/pids$path/inner" ]
  clawrt delete -f live
  assert_nothing_left c1 c2 c3 live
}

@test "fail closed: a bind of the host's cgroup tree does not start" {
  strict_on
  update_config '.mounts += [{destination: "/host-cgroup", type: "bind", source: "/sys/fs/cgroup", options: ["rbind", "ro"]}]'
  in_container c1 true
  [ "$status" -ne 0 ]
  output_has "strict mode: item 2 (hide host cgroups and pressure)" "/sys/fs/cgroup"
  assert_nothing_left c1
}

@test "spec --strict writes a strict starter config, and it runs" {
  local dir=$BATS_TEST_TMPDIR/starter
  mkdir -p "$dir"
  run clawrt spec --strict -b "$dir"
  [ "$status" -eq 0 ]
  local c=$dir/config.json
  [ "$(jq -r '.annotations["io.clawrt.strict"]' "$c")" = true ]
  jq -e '.linux.maskedPaths | index("/proc/pressure")' "$c"
  jq -e '.linux.namespaces | map(.type) | index("cgroup")' "$c"
  jq -e '.process.noNewPrivileges == true' "$c"
  jq -e '.linux.resources.devices[0].allow == false' "$c"
  jq -e '[.process.capabilities[][]] | index("CAP_MKNOD") == null' "$c"
  # the same, made runnable here, starts
  jq --arg r "$ROOTFS" --arg m "CLAWRT_TEST_MARK=$CLAWRT_TEST_MARK" \
    --arg g "/clawrt-test/$CLAWRT_TEST_MARK" \
    '.root.path = $r | .root.readonly = false | .process.terminal = false
     | .process.env += [$m] | .linux.cgroupsPath = $g
     | .process.args = ["grep", "NoNewPrivs", "/proc/self/status"]' "$c" > "$BUNDLE/config.json"
  run_nopipe clawrt run -b "$BUNDLE" c1
  [ "$status" -eq 0 ]
  output_has "NoNewPrivs:	1"
}

@test "spec --effective prints the config that would run, and writes nothing" {
  local before
  before=$(ls -l "$BUNDLE")
  "$CLAWRT" --root "$CLAWRT_ROOT" spec --effective -b "$BUNDLE" > "$BATS_TEST_TMPDIR/eff" 2> "$BATS_TEST_TMPDIR/err"
  # without strict mode: the bundle's own config
  [ "$(jq -S . "$BATS_TEST_TMPDIR/eff")" = "$(jq -S . "$BUNDLE/config.json")" ]
  [ ! -s "$BATS_TEST_TMPDIR/err" ]

  "$CLAWRT" --root "$CLAWRT_ROOT" --strict spec --effective -b "$BUNDLE" > "$BATS_TEST_TMPDIR/eff" 2> "$BATS_TEST_TMPDIR/err"
  jq -e '.annotations["io.clawrt.strict"] == "true"' "$BATS_TEST_TMPDIR/eff"
  jq -e '.linux.maskedPaths | index("/proc/pressure")' "$BATS_TEST_TMPDIR/eff"
  jq -e '[.process.capabilities[][]] | (index("CAP_MKNOD") == null and index("CAP_SYS_ADMIN") != null)' "$BATS_TEST_TMPDIR/eff"
  jq -e '.process.noNewPrivileges == true' "$BATS_TEST_TMPDIR/eff"
  grep -q '^strict mode: item 3: process.capabilities: drop CAP_MKNOD' "$BATS_TEST_TMPDIR/err"
  grep -q '^strict mode: item 4: seccomp' "$BATS_TEST_TMPDIR/err"

  # the annotation alone does the same
  strict_on
  run clawrt spec --effective -b "$BUNDLE"
  [ "$status" -eq 0 ]
  output_has "/proc/pressure"
  [ "$(ls -l "$BUNDLE" | grep -v config.json)" = "$(printf '%s\n' "$before" | grep -v config.json)" ]
  run clawrt list -q
  [ -z "$output" ]

  # a bundle strict mode refuses is an error naming the item
  update_config '.mounts += [{destination: "/c", type: "bind", source: "/sys/fs/cgroup", options: ["rbind"]}]'
  run clawrt spec --effective -b "$BUNDLE"
  [ "$status" -ne 0 ]
  output_has "strict mode: item 2"
}
