#!/usr/bin/env bats
# Process attributes the container's init applies before execve:
# capabilities, user and groups, umask, no_new_privs, rlimits,
# oomScoreAdj, sysctl, personality, scheduler, ioPriority, LSM labels.
# Checked from inside the container (/proc/self/status, /proc/self/limits,
# id, umask), the way a workload would see them.

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
  # (not jq --args: it would take update_config's file name as an argument,
  # and jq 1.6 parses "-c" of `sh -c` as its own option there)
  local a='[]' x
  for x in "$@"; do a=$(jq -cn --argjson a "$a" --arg x "$x" '$a + [$x]'); done
  update_config --argjson a "$a" '.process.args = $a'
  run clawrt run -b "$BUNDLE" "proc$BATS_TEST_NUMBER"
}

# status_field NAME: the value of "NAME:" in the container's
# /proc/self/status, as printed by the last in_container.
status_field() {
  printf '%s\n' "$output" | sed -n "s/^$1:[[:space:]]*//p"
}

# mask N...: the /proc/PID/status form of a capability set.
mask() {
  local m=0 n
  for n in "$@"; do m=$((m | (1 << n))); done
  printf '%016x' "$m"
}

CAP_CHOWN=0 CAP_KILL=5 CAP_SETUID=7 CAP_NET_BIND_SERVICE=10 CAP_SYS_ADMIN=21

caps_json='{
  "bounding":    ["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_SETUID"],
  "effective":   ["CAP_CHOWN", "CAP_KILL"],
  "permitted":   ["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
  "inheritable": ["CAP_NET_BIND_SERVICE"],
  "ambient":     ["CAP_NET_BIND_SERVICE"]
}'

@test "capabilities: every set as listed, root under no_new_privs" {
  update_config --argjson c "$caps_json" '.process.capabilities = $c | .process.noNewPrivileges = true'
  in_container cat /proc/self/status
  [ "$status" -eq 0 ]
  # after execve root keeps what it had: no_new_privs forbids gaining
  # CAP_SETUID from the bounding set
  [ "$(status_field CapBnd)" = "$(mask $CAP_CHOWN $CAP_KILL $CAP_NET_BIND_SERVICE $CAP_SETUID)" ]
  [ "$(status_field CapPrm)" = "$(mask $CAP_CHOWN $CAP_KILL $CAP_NET_BIND_SERVICE)" ]
  [ "$(status_field CapEff)" = "$(mask $CAP_CHOWN $CAP_KILL $CAP_NET_BIND_SERVICE)" ]
  [ "$(status_field CapInh)" = "$(mask $CAP_NET_BIND_SERVICE)" ]
  [ "$(status_field CapAmb)" = "$(mask $CAP_NET_BIND_SERVICE)" ]
  [ "$(status_field NoNewPrivs)" = 1 ]
}

@test "capabilities: root without no_new_privs gains the bounding set on execve" {
  update_config --argjson c "$caps_json" '.process.capabilities = $c | .process.noNewPrivileges = false'
  in_container cat /proc/self/status
  [ "$status" -eq 0 ]
  local all
  all=$(mask $CAP_CHOWN $CAP_KILL $CAP_NET_BIND_SERVICE $CAP_SETUID)
  [ "$(status_field CapBnd)" = "$all" ]
  [ "$(status_field CapPrm)" = "$all" ]
  [ "$(status_field CapEff)" = "$all" ]
  [ "$(status_field NoNewPrivs)" = 0 ]
}

@test "capabilities: a non-root user keeps only the ambient set" {
  update_config --argjson c "$caps_json" '.process.capabilities = $c | .process.user = {"uid": 1000, "gid": 1000}'
  in_container cat /proc/self/status
  [ "$status" -eq 0 ]
  [ "$(status_field CapBnd)" = "$(mask $CAP_CHOWN $CAP_KILL $CAP_NET_BIND_SERVICE $CAP_SETUID)" ]
  [ "$(status_field CapPrm)" = "$(mask $CAP_NET_BIND_SERVICE)" ]
  [ "$(status_field CapEff)" = "$(mask $CAP_NET_BIND_SERVICE)" ]
  [ "$(status_field CapAmb)" = "$(mask $CAP_NET_BIND_SERVICE)" ]

  update_config '.process.capabilities.ambient = []'
  in_container cat /proc/self/status
  [ "$status" -eq 0 ]
  [ "$(status_field CapPrm)" = 0000000000000000 ]
  [ "$(status_field CapEff)" = 0000000000000000 ]
  [ "$(status_field CapAmb)" = 0000000000000000 ]
}

@test "capabilities: no capabilities object means every set empty" {
  update_config 'del(.process.capabilities)'
  in_container cat /proc/self/status
  [ "$status" -eq 0 ]
  local f
  for f in CapBnd CapPrm CapEff CapInh CapAmb; do
    [ "$(status_field $f)" = 0000000000000000 ]
  done
}

@test "capabilities: a dropped capability is really gone (chown without CAP_CHOWN)" {
  update_config '.process.capabilities = {"bounding": ["CAP_KILL"], "effective": ["CAP_KILL"], "permitted": ["CAP_KILL"]}'
  in_container sh -c 'touch /tmp/f && chown 5 /tmp/f'
  [ "$status" -ne 0 ]
  output_has "Operation not permitted"

  update_config '.process.capabilities = {"bounding": ["CAP_CHOWN"], "effective": ["CAP_CHOWN"], "permitted": ["CAP_CHOWN"]}'
  in_container sh -c 'touch /tmp/f && chown 5 /tmp/f && stat -c %u /tmp/f'
  [ "$status" -eq 0 ]
  [ "$output" = 5 ]
}

@test "capabilities: an unknown name is refused with its JSON path" {
  runtime_is runc && skip "runc 1.1 only warns about unknown capabilities"
  update_config '.process.capabilities.bounding = ["CAP_KILL", "CAP_FOO"]'
  in_container true
  [ "$status" -ne 0 ]
  output_has 'process.capabilities.bounding[1]' 'unknown capability "CAP_FOO"'
  assert_nothing_left "proc$BATS_TEST_NUMBER"
}

@test "user: uid, gid and additionalGids" {
  update_config '.process.user = {"uid": 1000, "gid": 1001, "additionalGids": [10, 20]}'
  in_container sh -c 'cat /proc/self/status; id'
  [ "$status" -eq 0 ]
  [ "$(status_field Uid)" = "$(printf '1000\t1000\t1000\t1000')" ]
  [ "$(status_field Gid)" = "$(printf '1001\t1001\t1001\t1001')" ]
  [ "$(status_field Groups | tr -s ' ' | sed 's/ $//')" = "10 20" ]
  output_has "uid=1000 gid=1001 groups=10,20"
}

@test "user: no additionalGids leaves none of the runtime's groups" {
  command -v setpriv >/dev/null || skip "setpriv (util-linux) not installed"
  update_config '.process.user = {"uid": 0, "gid": 0} | .process.args = ["cat", "/proc/self/status"]'
  # the runtime runs with supplementary groups 44 and 45; they must not
  # follow it into the container
  run setpriv --groups 44,45 -- "$CLAWRT" --root "$CLAWRT_ROOT" run -b "$BUNDLE" "proc$BATS_TEST_NUMBER"
  [ "$status" -eq 0 ]
  [ -z "$(status_field Groups | tr -d ' ')" ]
}

@test "umask: process.user.umask, and 0022 when absent" {
  update_config '.process.user.umask = 63'
  in_container sh -c 'umask; touch /tmp/f; stat -c %a /tmp/f'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = 0077 ]
  [ "${lines[1]}" = 600 ]

  update_config 'del(.process.user.umask)'
  # whatever the caller's umask, the container starts with 0022
  umask 0077
  in_container sh -c umask
  umask 0022
  [ "$status" -eq 0 ]
  [ "$output" = 0022 ]
}

@test "noNewPrivileges: NoNewPrivs in /proc/self/status follows the config" {
  update_config '.process.noNewPrivileges = true'
  in_container cat /proc/self/status
  [ "$status" -eq 0 ]
  [ "$(status_field NoNewPrivs)" = 1 ]

  update_config '.process.noNewPrivileges = false'
  in_container cat /proc/self/status
  [ "$status" -eq 0 ]
  [ "$(status_field NoNewPrivs)" = 0 ]
}

@test "rlimits: soft and hard limits as configured" {
  update_config '.process.rlimits = [
    {"type": "RLIMIT_NOFILE", "soft": 256, "hard": 512},
    {"type": "RLIMIT_CORE", "soft": 0, "hard": 0},
    {"type": "RLIMIT_NPROC", "soft": 300, "hard": 400}]'
  in_container sh -c 'ulimit -n; ulimit -Hn; ulimit -c; cat /proc/self/limits'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = 256 ]
  [ "${lines[1]}" = 512 ]
  [ "${lines[2]}" = 0 ]
  printf '%s\n' "$output" | grep -Eq '^Max processes +300 +400 '
  printf '%s\n' "$output" | grep -Eq '^Max open files +256 +512 '
}

@test "rlimits: raising a hard limit needs CAP_SYS_RESOURCE" {
  local hard
  hard=$(ulimit -Hn)
  [ "$hard" != unlimited ] || skip "the hard RLIMIT_NOFILE of this shell is unlimited"
  if grep -q '^CapEff:' /proc/self/status &&
     (( 0x$(sed -n 's/^CapEff:[[:space:]]*//p' /proc/self/status) & (1 << 24) )); then
    skip "this machine grants CAP_SYS_RESOURCE: raising the hard limit works"
  fi
  update_config --argjson h "$((hard + 1))" '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 10, "hard": $h}]'
  in_container true
  [ "$status" -ne 0 ]
  runtime_is runc || output_has "RLIMIT_NOFILE" "CAP_SYS_RESOURCE"
  assert_nothing_left "proc$BATS_TEST_NUMBER"
}

@test "rlimits: unknown type, soft above hard and duplicates are refused" {
  update_config '.process.rlimits = [{"type": "RLIMIT_FOO", "soft": 1, "hard": 1}]'
  in_container true
  [ "$status" -ne 0 ]
  output_has RLIMIT_FOO

  update_config '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 100, "hard": 10}]'
  in_container true
  [ "$status" -ne 0 ]

  runtime_is runc && skip "runc 1.1 applies duplicate rlimits one after the other (the spec says MUST refuse)"
  update_config '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 20, "hard": 20},
                                     {"type": "RLIMIT_NOFILE", "soft": 10, "hard": 10}]'
  in_container true
  [ "$status" -ne 0 ]
  output_has 'process.rlimits[1].type' 'duplicate RLIMIT_NOFILE'
  assert_nothing_left "proc$BATS_TEST_NUMBER"
}

@test "oomScoreAdj: set when given, the caller's value when absent" {
  update_config '.process.oomScoreAdj = 500'
  in_container cat /proc/self/oom_score_adj
  [ "$status" -eq 0 ]
  [ "$output" = 500 ]

  update_config 'del(.process.oomScoreAdj)'
  in_container cat /proc/self/oom_score_adj
  [ "$status" -eq 0 ]
  [ "$output" = "$(cat /proc/self/oom_score_adj)" ]
}

@test "oomScoreAdj: lowering it without CAP_SYS_RESOURCE fails" {
  if (( 0x$(sed -n 's/^CapEff:[[:space:]]*//p' /proc/self/status) & (1 << 24) )); then
    skip "this machine grants CAP_SYS_RESOURCE: any oomScoreAdj works"
  fi
  update_config --argjson v "$(( $(cat /proc/self/oom_score_adj) - 100 ))" '.process.oomScoreAdj = $v'
  in_container true
  [ "$status" -ne 0 ]
  runtime_is runc || output_has oomScoreAdj CAP_SYS_RESOURCE
  assert_nothing_left "proc$BATS_TEST_NUMBER"
}

@test "sysctl: namespaced keys are written inside the container" {
  local host_fwd host_shmmni
  host_fwd=$(cat /proc/sys/net/ipv4/ip_forward)
  host_shmmni=$(cat /proc/sys/kernel/shmmni)
  update_config '.linux.sysctl = {"net.ipv4.ip_forward": "1", "kernel.shmmni": "1234",
                                  "kernel.domainname": "dom.test", "net/ipv4/conf/lo/forwarding": "1"}'
  in_container cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmni \
    /proc/sys/kernel/domainname /proc/sys/net/ipv4/conf/lo/forwarding
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = 1 ]
  [ "${lines[1]}" = 1234 ]
  [ "${lines[2]}" = dom.test ]
  [ "${lines[3]}" = 1 ]
  # the host's values are untouched
  [ "$(cat /proc/sys/net/ipv4/ip_forward)" = "$host_fwd" ]
  [ "$(cat /proc/sys/kernel/shmmni)" = "$host_shmmni" ]
}

@test "sysctl: keys that would change the host are refused" {
  local pid_max
  pid_max=$(cat /proc/sys/kernel/pid_max)
  update_config --arg v "$((pid_max - 1))" '.linux.sysctl = {"kernel.pid_max": $v}'
  in_container true
  [ "$status" -ne 0 ]
  output_has kernel.pid_max "not in a separate kernel namespace"
  [ "$(cat /proc/sys/kernel/pid_max)" = "$pid_max" ]

  update_config '.linux.sysctl = {"kernel.hostname": "x"}'
  in_container true
  [ "$status" -ne 0 ]
  output_has kernel.hostname hostname

  update_config '.linux.namespaces |= map(select(.type != "network")) | .linux.sysctl = {"net.ipv4.ip_forward": "1"}'
  in_container true
  [ "$status" -ne 0 ]
  output_has net.ipv4.ip_forward

  update_config '.linux.namespaces |= map(select(.type != "ipc")) | .linux.sysctl = {"kernel.shmmni": "1234"}'
  in_container true
  [ "$status" -ne 0 ]
  output_has kernel.shmmni
  assert_nothing_left "proc$BATS_TEST_NUMBER"
}

@test "personality: LINUX32 shows a 32-bit machine" {
  runtime_is runc && skip "runc 1.1 does not implement linux.personality"
  [ "$(uname -m)" = x86_64 ] || [ "$(uname -m)" = aarch64 ] || skip "no 32-bit personality test for $(uname -m)"
  update_config '.linux.personality = {"domain": "LINUX32"}'
  in_container uname -m
  [ "$status" -eq 0 ]
  [[ "$output" == i?86 || "$output" == armv* ]]

  update_config '.linux.personality = {"domain": "LINUX"}'
  in_container uname -m
  [ "$status" -eq 0 ]
  [ "$output" = "$(uname -m)" ]

  update_config '.linux.personality = {"domain": "LINUX64"}'
  in_container true
  [ "$status" -ne 0 ]
  output_has linux.personality.domain LINUX64
}

# sched_field N: field N of the container's /proc/self/stat, as printed.
sched_field() {
  printf '%s\n' "$output" | sed 's/^.*) //' | cut -d' ' -f$(($1 - 2))
}

@test "scheduler: policy and nice" {
  runtime_is runc && skip "runc 1.1 does not implement process.scheduler"
  update_config '.process.scheduler = {"policy": "SCHED_BATCH", "nice": 5}'
  in_container cat /proc/self/stat
  [ "$status" -eq 0 ]
  [ "$(sched_field 19)" = 5 ]     # nice
  [ "$(sched_field 41)" = 3 ]     # policy: SCHED_BATCH

  # with real-time group scheduling, a cgroup without real-time runtime
  # refuses real-time tasks: give the container some
  update_config '.process.scheduler = {"policy": "SCHED_RR", "priority": 7}
                 | .linux.resources.cpu.realtimePeriod = 1000000
                 | .linux.resources.cpu.realtimeRuntime = 10000'
  in_container cat /proc/self/stat
  [ "$status" -eq 0 ]
  [ "$(sched_field 40)" = 7 ]     # rt_priority
  [ "$(sched_field 41)" = 2 ]     # SCHED_RR

  update_config '.process.scheduler = {"policy": "SCHED_FIFO"}'
  in_container true
  [ "$status" -ne 0 ]
  output_has process.scheduler.priority
}

@test "ioPriority: class and level" {
  runtime_is runc && skip "runc 1.1 does not implement process.ioPriority"
  update_config '.process.ioPriority = {"class": "IOPRIO_CLASS_IDLE", "priority": 0}'
  in_container ionice -p 1
  [ "$status" -eq 0 ]
  output_has idle

  update_config '.process.ioPriority = {"class": "IOPRIO_CLASS_BE", "priority": 6}'
  in_container ionice -p 1
  [ "$status" -eq 0 ]
  output_has "best-effort" "prio 6"
}

@test "LSM: labels and profiles this host cannot enforce are refused" {
  [ -e /sys/fs/selinux/enforce ] && skip "SELinux is enabled on this host"
  update_config '.process.selinuxLabel = "system_u:system_r:container_t:s0:c1,c2"'
  in_container true
  [ "$status" -ne 0 ]
  [[ "$output" == *[Ss][Ee][Ll]inux* ]]

  update_config 'del(.process.selinuxLabel)'
  if [ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" != Y ]; then
    update_config '.process.apparmorProfile = "clawrt-test-profile"'
    in_container true
    [ "$status" -ne 0 ]
    [[ "$output" == *[Aa]pp[Aa]rmor* ]]
  fi
  assert_nothing_left "proc$BATS_TEST_NUMBER"
}

@test "HOME comes from the container's /etc/passwd when process.env has none" {
  echo 'app:x:1000:1000::/home/app:/bin/sh' >> "$ROOTFS/etc/passwd"
  update_config '.process.env = ["PATH=/bin"] | .process.user = {"uid": 1000, "gid": 1000}'
  in_container sh -c 'echo "$HOME"'
  [ "$status" -eq 0 ]
  [ "$output" = /home/app ]
  update_config '.process.env = ["PATH=/bin", "HOME=/given"]'
  in_container sh -c 'echo "$HOME"'
  [ "$output" = /given ]
}
