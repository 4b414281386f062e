#!/usr/bin/env bats
# exec: a new process in a running container.  Every flag of runc's exec
# (but -t/--console-socket: terminal.bats) and what the process joins: the
# init's namespaces, cgroup, seccomp filter, capability bounding set,
# rlimits and no_new_privs.  Each is checked from inside the container
# (/proc/self/status, /proc/self/limits, /proc/self/ns, /proc/self/cgroup)
# or on the host through the process's pid, and nothing may be left behind.

load helpers
bats_require_minimum_version 1.5.0

setup() {
  requires_root
  setup_bundle
  # unique on this machine: a default cgroup path is made of the id alone
  ID=ex$$-$BATS_TEST_NUMBER
  SUBS=()
}

teardown() {
  # sub-cgroups made by a test (empty: their processes are gone by now)
  # first, so that delete can remove the container's cgroup
  local d
  for d in "${SUBS[@]}"; do rmdir "$d" 2>/dev/null || true; done
  teardown_bundle
  for d in "${CGDIRS[@]}"; do rmdir "$d" 2>/dev/null || true; done
}

# start_container: the container's init is `sleep 1000`, detached;
# INIT_PID is its pid on the host.
start_container() {
  update_config '.process.args = ["sleep", "1000"]'
  run_nopipe clawrt run -d -b "$BUNDLE" "$ID"
  [ "$status" -eq 0 ] || { echo "run -d: $output" >&2; return 1; }
  INIT_PID=$(container_pid "$ID")
  [ -n "$INIT_PID" ]
  [ "$INIT_PID" -gt 0 ]
}

# field FILE NAME: the value of "NAME:" in FILE (a /proc status file).
field() {
  sed -n "s/^$2:[[:space:]]*//p" "$1"
}

# out_field NAME: the value of "NAME:" in $output, /proc/PID/status style.
out_field() {
  printf '%s\n' "$output" | sed -n "s/^$1:[[:space:]]*//p"
}

# limit_line NAME TEXT: the /proc/PID/limits line of NAME in TEXT, its
# columns one space apart.
limit_line() {
  printf '%s\n' "$2" | grep "^$1" | xargs
}

# mask N...: the /proc/PID/status form of a capability set.
mask() {
  local m=0 n
  for n in "$@"; do m=$((m | (1 << n))); done
  printf '%016x' "$m"
}

CAP_CHOWN=0 CAP_KILL=5 CAP_SETUID=7 CAP_NET_BIND_SERVICE=10 CAP_NET_ADMIN=12
CAP_SYS_PTRACE=19 CAP_SYS_ADMIN=21 CAP_AUDIT_WRITE=29

# exec_environ ARGS...: the environment the exec'd process got from execve
# (its /proc/self/environ), one entry per line, in $output.
exec_environ() {
  local f=$BATS_TEST_TMPDIR/environ
  status=0
  clawrt exec "$@" cat /proc/self/environ > "$f" 2>"$f.err" || status=$?
  output=$(tr '\0' '\n' < "$f")
  [ "$status" -eq 0 ] || cat "$f.err" >&2
}

# test_pid_set: the sorted live pids of this test, on one line.
test_pid_set() {
  test_pids | sort -n | tr '\n' ' '
}

# state_names: the files of the state root (not their times: runc
# rewrites its state.json on exec).
state_names() {
  (cd "$CLAWRT_ROOT" && find . | sort)
}

# wait_file PATH [TRIES]: poll until PATH exists (0.1 s per try).
wait_file() {
  local tries=${2:-50}
  until [ -e "$1" ]; do
    tries=$((tries - 1))
    [ "$tries" -gt 0 ] || { echo "$1 never appeared" >&2; return 1; }
    sleep 0.1
  done
}

# bg_exec OUT ARGS...: the runtime's exec in the background, its output in
# OUT; BG_PID is the runtime's own pid (not a subshell's).
bg_exec() {
  local out=$1
  shift
  CLAWRT_TEST_MARK=$CLAWRT_TEST_MARK "$CLAWRT" --root "$CLAWRT_ROOT" exec "$@" \
    >"$out" 2>&1 </dev/null 3>&- &
  BG_PID=$!
}

# ---- joining -----------------------------------------------------------

@test "exec: the process is in every namespace of the container's init, under its root" {
  update_config '.linux.namespaces += [{"type": "cgroup"}] | .linux.namespaces |= unique_by(.type)'
  start_container
  local n all="cgroup ipc mnt net pid uts user time"
  run clawrt exec "$ID" sh -c "for n in $all; do echo \$n \$(readlink /proc/self/ns/\$n); done"
  [ "$status" -eq 0 ]
  for n in $all; do
    printf '%s\n' "${lines[@]}" | grep -qxF -- "$n $(readlink "/proc/$INIT_PID/ns/$n")" ||
      { echo "ns $n: init has $(readlink "/proc/$INIT_PID/ns/$n"), exec got: $output"; false; }
  done
  # and those are the container's own, not ours
  for n in cgroup ipc mnt net pid uts; do
    [ "$(readlink "/proc/$INIT_PID/ns/$n")" != "$(readlink "/proc/self/ns/$n")" ]
  done
  # the container's root and pid numbering: pid 1 is the init
  echo "marker-$ID" > "$ROOTFS/marker"
  run clawrt exec "$ID" sh -c 'cat /marker; tr "\000" " " < /proc/1/cmdline; echo; echo $$'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "marker-$ID" ]
  [ "${lines[1]}" = "sleep 1000 " ]
  [ "${lines[2]}" -gt 1 ]
  [ "${lines[2]}" -lt 1000 ]
}

@test "exec: a container with a user namespace: the exec'd process is its root, a mapped uid on the host" {
  update_config '.linux.namespaces += [{"type": "user"}]
    | .linux.uidMappings = [{"containerID": 0, "hostID": 200000, "size": 65536}]
    | .linux.gidMappings = [{"containerID": 0, "hostID": 200000, "size": 65536}]'
  chown -R 200000:200000 "$ROOTFS"
  make_bundle_reachable
  start_container
  run clawrt exec "$ID" sh -c 'readlink /proc/self/ns/user; id -u; id -g; cat /proc/self/uid_map'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "$(readlink "/proc/$INIT_PID/ns/user")" ]
  [ "${lines[1]}" = 0 ]
  [ "${lines[2]}" = 0 ]
  [ "$(echo ${lines[3]})" = "0 200000 65536" ]
  # seen from the host, the process runs as the mapped uid
  run_nopipe clawrt exec -d --pid-file "$BATS_TEST_TMPDIR/pid" "$ID" sleep 1001
  [ "$status" -eq 0 ]
  local pid
  pid=$(cat "$BATS_TEST_TMPDIR/pid")
  [ "$(field "/proc/$pid/status" Uid)" = "$(printf '200000\t200000\t200000\t200000')" ]
  [ "$(readlink "/proc/$pid/ns/user")" = "$(readlink "/proc/$INIT_PID/ns/user")" ]
}

@test "exec: a container with a time namespace: the process gets its clock offsets" {
  runtime_is runc && skip "runc 1.1 has no time namespaces"
  update_config '.linux.namespaces += [{"type": "time"}]
    | .linux.timeOffsets = {"monotonic": {"secs": 86400, "nanosecs": 0}}'
  start_container
  [ "$(readlink "/proc/$INIT_PID/ns/time")" != "$(readlink /proc/self/ns/time)" ]
  run clawrt exec "$ID" sh -c 'readlink /proc/self/ns/time; grep monotonic /proc/self/timens_offsets'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "$(readlink "/proc/$INIT_PID/ns/time")" ]
  [ "$(echo ${lines[1]})" = "monotonic 86400 0" ]
}

@test "exec: the process is in the init's cgroup, inside and on the host" {
  start_container
  run clawrt exec "$ID" sh -c 'cat /proc/self/cgroup; echo --; cat /proc/1/cgroup'
  [ "$status" -eq 0 ]
  local self init
  self=$(printf '%s\n' "$output" | sed '/^--$/,$d')
  init=$(printf '%s\n' "$output" | sed '1,/^--$/d')
  [ -n "$self" ]
  [ "$self" = "$init" ]
  # the host's view, of a process that stays
  run_nopipe clawrt exec -d --pid-file "$BATS_TEST_TMPDIR/pid" "$ID" sleep 1001
  [ "$status" -eq 0 ]
  [ "$(cat "/proc/$(cat "$BATS_TEST_TMPDIR/pid")/cgroup")" = "$(cat "/proc/$INIT_PID/cgroup")" ]
  [ "$(cat "/proc/$INIT_PID/cgroup")" != "$(cat /proc/self/cgroup)" ]
}

@test "exec: the process is under the container's seccomp filter" {
  update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
    "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]}'
  start_container
  run clawrt exec "$ID" grep -E '^Seccomp(_filters)?:' /proc/self/status
  [ "$status" -eq 0 ]
  [ "$(out_field Seccomp)" = 2 ]
  run clawrt exec "$ID" mkdir /tmp/denied
  [ "$status" -ne 0 ]
  output_has "Operation not permitted"
  [ ! -e "$ROOTFS/tmp/denied" ]
  # the rest of the profile lets calls through
  run clawrt exec "$ID" sh -c 'touch /tmp/f && rm /tmp/f && echo fine'
  [ "$status" -eq 0 ]
  [ "$output" = fine ]
}

@test "exec: the process has the init's capabilities, rlimits and no_new_privs" {
  update_config '.process.capabilities = {
      "bounding": ["CAP_CHOWN", "CAP_KILL", "CAP_SETUID"],
      "effective": ["CAP_CHOWN", "CAP_KILL"], "permitted": ["CAP_CHOWN", "CAP_KILL"]}
    | .process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 300, "hard": 600},
                          {"type": "RLIMIT_CORE", "soft": 4096, "hard": 8192}]
    | .process.noNewPrivileges = true'
  start_container
  # ours differ, so inheriting them would show
  ulimit -S -c 0
  run clawrt exec "$ID" sh -c 'cat /proc/self/status /proc/self/limits; echo --; cat /proc/1/status /proc/1/limits'
  [ "$status" -eq 0 ]
  local self init f
  self=$(printf '%s\n' "$output" | sed '/^--$/,$d')
  init=$(printf '%s\n' "$output" | sed '1,/^--$/d')
  [ "$(printf '%s\n' "$self" | sed -n 's/^CapBnd:\t//p')" = "$(mask $CAP_CHOWN $CAP_KILL $CAP_SETUID)" ]
  for f in CapBnd CapPrm CapEff CapInh CapAmb NoNewPrivs; do
    [ "$(printf '%s\n' "$self" | grep "^$f:")" = "$(printf '%s\n' "$init" | grep "^$f:")" ] ||
      { echo "$f differs from the init's"; false; }
  done
  [ "$(printf '%s\n' "$self" | sed -n 's/^NoNewPrivs:\t//p')" = 1 ]
  [ "$(limit_line 'Max core file size' "$self")" = "Max core file size 4096 8192 bytes" ]
  [ "$(limit_line 'Max open files' "$self" | cut -d' ' -f5)" = 600 ]
  # runc 1.1's exec lets Go raise the soft RLIMIT_NOFILE to the hard one
  runtime_is runc || [ "$(limit_line 'Max open files' "$self")" = "Max open files 300 600 files" ]
}

# ---- flags -------------------------------------------------------------

@test "exec --process FILE: args, env, cwd, user, capabilities, rlimits and noNewPrivileges of the object" {
  update_config '.process.noNewPrivileges = false'
  start_container
  cat > "$BATS_TEST_TMPDIR/process.json" <<'EOF'
{
  "args": ["sh", "-c", "pwd; id -u; id -g; grep -E '^(Groups|Cap...|NoNewPrivs):' /proc/self/status; grep '^Max core' /proc/self/limits; tr '\\000' '\\n' < /proc/$$/environ; echo end"],
  "env": ["PATH=/bin", "ONLY=from-file"],
  "cwd": "/tmp",
  "user": {"uid": 1000, "gid": 1001, "additionalGids": [7, 8]},
  "capabilities": {"bounding": ["CAP_CHOWN", "CAP_KILL"], "effective": ["CAP_KILL"],
                   "permitted": ["CAP_KILL"], "inheritable": ["CAP_KILL"], "ambient": ["CAP_KILL"]},
  "rlimits": [{"type": "RLIMIT_CORE", "soft": 1024, "hard": 2048}],
  "noNewPrivileges": true
}
EOF
  # the command line's process flags do not apply to a --process object
  run --separate-stderr clawrt exec --process "$BATS_TEST_TMPDIR/process.json" --cwd /etc -e X=1 "$ID"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = /tmp ]
  [ "${lines[1]}" = 1000 ]
  [ "${lines[2]}" = 1001 ]
  [ "$(out_field Groups | xargs)" = "7 8" ]
  [ "$(out_field CapBnd)" = "$(mask $CAP_CHOWN $CAP_KILL)" ]
  # a non-root user keeps the ambient set across execve
  [ "$(out_field CapAmb)" = "$(mask $CAP_KILL)" ]
  [ "$(out_field CapEff)" = "$(mask $CAP_KILL)" ]
  [ "$(out_field NoNewPrivs)" = 1 ]
  output_has "ONLY=from-file" "PATH=/bin"
  # the object's env is the whole env: none of the container's, none of -e
  [[ "$output" != *TERM=* ]]
  [[ "$output" != *X=1* ]]
  [ "$(limit_line 'Max core file size' "$output")" = "Max core file size 1024 2048 bytes" ]
  [ "${lines[-1]}" = end ]
}

@test "exec --process FILE: a bad object is refused before anything runs" {
  start_container
  local p=$BATS_TEST_TMPDIR
  run clawrt exec --process "$p/missing.json" "$ID"
  [ "$status" -ne 0 ]
  output_has missing.json
  echo '{"args": ["true"' > "$p/broken.json"
  run clawrt exec --process "$p/broken.json" "$ID"
  [ "$status" -ne 0 ]
  echo '{"cwd": "/", "env": ["PATH=/bin"]}' > "$p/noargs.json"
  run clawrt exec --process "$p/noargs.json" "$ID"
  [ "$status" -ne 0 ]
  [[ "$output" == *[Aa]rgs* ]]
  echo '{"args": ["touch", "/ran-relative"], "cwd": "tmp"}' > "$p/relative.json"
  run clawrt exec --process "$p/relative.json" "$ID"
  [ "$status" -ne 0 ]
  [[ "$output" == *[Cc]wd* ]]
  [[ "$output" == *absolute* ]]
  [ ! -e "$ROOTFS/ran-relative" ]
  if ! runtime_is runc; then
    # runc 1.1 drops unknown names with a warning
    echo '{"args": ["touch", "/ran-cap"], "cwd": "/", "capabilities": {"bounding": ["CAP_NO_SUCH"]}}' > "$p/cap.json"
    run clawrt exec --process "$p/cap.json" "$ID"
    [ "$status" -ne 0 ]
    output_has cap.json CAP_NO_SUCH
    [ ! -e "$ROOTFS/ran-cap" ]
    run clawrt exec --process "$p/noargs.json" "$ID"
    [ "$output" = 'clawrt: noargs.json: args: must name the program to run' ]
  fi
  # the container is untouched
  run clawrt exec "$ID" echo still-fine
  [ "$status" -eq 0 ]
  [ "$output" = still-fine ]
}

@test "exec --detach --pid-file: returns at once, the pid is the exec'd process on the host" {
  start_container
  run_nopipe clawrt exec --detach --pid-file "$BATS_TEST_TMPDIR/exec.pid" "$ID" sleep 1234
  [ "$status" -eq 0 ]
  local pid
  pid=$(cat "$BATS_TEST_TMPDIR/exec.pid")
  [[ "$pid" =~ ^[0-9]+$ ]]
  pid_alive "$pid"
  [ "$(tr '\0' ' ' < "/proc/$pid/cmdline")" = "sleep 1234 " ]
  local n
  for n in pid mnt net; do
    [ "$(readlink "/proc/$pid/ns/$n")" = "$(readlink "/proc/$INIT_PID/ns/$n")" ]
  done
  # it has a pid of the container's pid namespace too
  [ "$(field "/proc/$pid/status" NSpid | wc -w)" -eq 2 ]
  kill -KILL "$pid"
  wait_pid_gone "$pid"
  # detached, the command's own exit status is not the runtime's
  run_nopipe clawrt exec -d "$ID" sh -c 'exit 3'
  [ "$status" -eq 0 ]
}

@test "exec --cwd: the process starts there; a relative one is refused" {
  start_container
  run clawrt exec --cwd /tmp "$ID" pwd
  [ "$status" -eq 0 ]
  [ "$output" = /tmp ]
  run clawrt exec --cwd /etc "$ID" sh -c 'pwd; cat passwd'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = /etc ]
  [ "${lines[1]}" = 'root:x:0:0:root:/root:/bin/sh' ]
  run clawrt exec --cwd tmp "$ID" touch /ran
  [ "$status" -ne 0 ]
  output_has absolute
  [ ! -e "$ROOTFS/ran" ]
}

@test "exec --env/-e: added to the container's env, a repeated name replaces the earlier value" {
  update_config '.process.env += ["KEEP=container", "OVER=container"]'
  start_container
  # (runc's flag parser takes one spelling per command line)
  exec_environ -e A=1 -e OVER=flag -e B=2 -e B=3 -e EMPTY= "$ID"
  [ "$status" -eq 0 ]
  printf '%s\n' "$output" | grep -qx 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
  printf '%s\n' "$output" | grep -qx KEEP=container
  printf '%s\n' "$output" | grep -qx A=1
  printf '%s\n' "$output" | grep -qx EMPTY=
  # one entry per name: getenv() would return the first of two
  [ "$(printf '%s\n' "$output" | grep -c '^OVER=')" = 1 ]
  printf '%s\n' "$output" | grep -qx OVER=flag
  [ "$(printf '%s\n' "$output" | grep -c '^B=')" = 1 ]
  printf '%s\n' "$output" | grep -qx B=3
  exec_environ --env A=long --env C=3 "$ID"
  [ "$status" -eq 0 ]
  printf '%s\n' "$output" | grep -qx A=long
  printf '%s\n' "$output" | grep -qx C=3
  printf '%s\n' "$output" | grep -qx KEEP=container
  # not KEY=VALUE: refused, as runc refuses it
  run clawrt exec -e NOEQUALS "$ID" touch /ran
  [ "$status" -ne 0 ]
  output_has NOEQUALS
  [ ! -e "$ROOTFS/ran" ]
}

@test "exec --user UID[:GID]: the process's ids; out of range refused" {
  start_container
  run clawrt exec --user 1000:1001 "$ID" grep -E '^(Uid|Gid):' /proc/self/status
  [ "$status" -eq 0 ]
  [ "$(out_field Uid)" = "$(printf '1000\t1000\t1000\t1000')" ]
  [ "$(out_field Gid)" = "$(printf '1001\t1001\t1001\t1001')" ]
  # a uid alone keeps the container's gid (0)
  run clawrt exec -u 1000 "$ID" sh -c 'id -u; id -g'
  [ "$status" -eq 0 ]
  [ "$(echo $output)" = "1000 0" ]
  # -1 is "leave unchanged" to setresuid: it must not leave the process root
  local u
  for u in -1 1000:-1 abc; do
    run clawrt exec -u "$u" "$ID" touch /ran
    [ "$status" -ne 0 ] || { echo "--user $u was accepted"; false; }
    [ ! -e "$ROOTFS/ran" ]
  done
}

@test "exec --additional-gids/-g: repeated, the process's supplementary groups" {
  start_container
  run clawrt exec --user 1000:1000 -g 5 -g 6 -g 70000 "$ID" grep '^Groups:' /proc/self/status
  [ "$status" -eq 0 ]
  [ "$(out_field Groups | xargs)" = "5 6 70000" ]
  run clawrt exec --user 1000:1000 --additional-gids 9 "$ID" grep '^Groups:' /proc/self/status
  [ "$status" -eq 0 ]
  [ "$(out_field Groups | xargs)" = 9 ]
  run clawrt exec -g x "$ID" true
  [ "$status" -ne 0 ]
}

@test "exec --cap/-c: repeated, added to the container's bounding, effective and permitted sets" {
  start_container
  local base
  base="$CAP_AUDIT_WRITE $CAP_KILL $CAP_NET_BIND_SERVICE"
  run clawrt exec -c CAP_SYS_ADMIN -c CAP_NET_ADMIN "$ID" grep '^Cap' /proc/self/status
  [ "$status" -eq 0 ]
  [ "$(out_field CapBnd)" = "$(mask $base $CAP_SYS_ADMIN $CAP_NET_ADMIN)" ]
  [ "$(out_field CapEff)" = "$(mask $base $CAP_SYS_ADMIN $CAP_NET_ADMIN)" ]
  [ "$(out_field CapPrm)" = "$(mask $base $CAP_SYS_ADMIN $CAP_NET_ADMIN)" ]
  run clawrt exec --cap CAP_SYS_PTRACE "$ID" grep '^CapBnd' /proc/self/status
  [ "$status" -eq 0 ]
  [ "$(out_field CapBnd)" = "$(mask $base $CAP_SYS_PTRACE)" ]
  # only for that process: the next exec has the container's sets again
  run clawrt exec "$ID" grep '^CapBnd' /proc/self/status
  [ "$(out_field CapBnd)" = "$(mask $base)" ]
  if ! runtime_is runc; then
    # runc 1.1 warns and drops unknown names
    run clawrt exec --cap CAP_NO_SUCH "$ID" touch /ran
    [ "$status" -ne 0 ]
    output_has "--cap" CAP_NO_SUCH
    [ ! -e "$ROOTFS/ran" ]
  fi
}

@test "exec --no-new-privs: set for the process even when the container's is off" {
  update_config '.process.noNewPrivileges = false'
  start_container
  run clawrt exec "$ID" grep '^NoNewPrivs:' /proc/self/status
  [ "$(out_field NoNewPrivs)" = 0 ]
  run clawrt exec --no-new-privs "$ID" grep '^NoNewPrivs:' /proc/self/status
  [ "$status" -eq 0 ]
  [ "$(out_field NoNewPrivs)" = 1 ]
}

@test "exec --process-label, --apparmor: refused on a host that cannot enforce them" {
  [ -e /sys/fs/selinux/enforce ] && skip "SELinux is enabled on this host"
  [ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" = Y ] &&
    skip "AppArmor is enabled on this host"
  start_container
  run clawrt exec --process-label system_u:system_r:container_t:s0:c1,c2 "$ID" touch /ran
  [ "$status" -ne 0 ]
  [[ "$output" == *[Ss][Ee][Ll]inux* ]]
  run clawrt exec --apparmor clawrt-test-profile "$ID" touch /ran
  [ "$status" -ne 0 ]
  [[ "$output" == *[Aa]pp[Aa]rmor* ]]
  [ ! -e "$ROOTFS/ran" ]
  if ! runtime_is runc; then
    run clawrt exec --process-label foo_t "$ID" true
    [ "$output" = 'clawrt: exec: --process-label "foo_t": SELinux is disabled or not supported on this host' ]
    run clawrt exec --apparmor foo "$ID" true
    [ "$output" = 'clawrt: exec: --apparmor "foo": AppArmor is not enabled on this host' ]
  fi
}

@test "exec --preserve-fds N: fds 3 to 3+N-1 reach the process, nothing above" {
  start_container
  echo three > "$BATS_TEST_TMPDIR/f3"
  echo four > "$BATS_TEST_TMPDIR/f4"
  echo five > "$BATS_TEST_TMPDIR/f5"
  run --separate-stderr clawrt exec --preserve-fds 2 "$ID" sh -c 'cat <&3; cat <&4; cat <&5 || echo no-5' \
    3<"$BATS_TEST_TMPDIR/f3" 4<"$BATS_TEST_TMPDIR/f4" 5<"$BATS_TEST_TMPDIR/f5"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = three ]
  [ "${lines[1]}" = four ]
  [ "${lines[-1]}" = no-5 ]
  [[ "$output" != *five* ]]
  # without the flag only stdio
  run --separate-stderr clawrt exec "$ID" sh -c 'cat <&3 || echo no-3' 3<"$BATS_TEST_TMPDIR/f3"
  [ "${lines[-1]}" = no-3 ]
}

# cgroup_setup: a cgroupsPath of this test; after start_container,
# CGDIRS are the container's cgroup directories on the host.
cgroup_setup() {
  CGPATH=/clawrt-bats-exec-$$-$BATS_TEST_NUMBER
  update_config --arg p "$CGPATH" '.linux.cgroupsPath = $p
    | .linux.namespaces += [{"type": "cgroup"}] | .linux.namespaces |= unique_by(.type)'
}

cgroup_dirs() {
  mapfile -t CGDIRS < <(find /sys/fs/cgroup -maxdepth 2 -type d -name "${CGPATH#/}")
  [ "${#CGDIRS[@]}" -gt 0 ] || { echo "no cgroup directory for $CGPATH" >&2; return 1; }
}

# make_sub DIR [NAME]: a sub-cgroup DIR/NAME (default: sub), usable
# (cpuset needs cpus and mems).  Already there is fine: co-mounted
# controllers (cpu,cpuacct) share one directory.
make_sub() {
  local sub=$1/${2:-sub}
  [ -d "$sub" ] && return 0
  mkdir "$sub"
  SUBS+=("$sub")
  if [ -e "$1/cpuset.cpus" ]; then
    cat "$1/cpuset.cpus" > "$sub/cpuset.cpus"
    cat "$1/cpuset.mems" > "$sub/cpuset.mems"
  fi
}

@test "exec --cgroup CONTROLLER:PATH: that controller's sub-cgroup, the container's cgroup in the rest" {
  [ -d /sys/fs/cgroup/memory ] || skip "no cgroup v1 memory hierarchy on this host"
  cgroup_setup
  start_container
  cgroup_dirs
  make_sub "/sys/fs/cgroup/memory$CGPATH"
  run_nopipe clawrt exec -d --pid-file "$BATS_TEST_TMPDIR/pid" --cgroup memory:sub "$ID" sleep 1001
  [ "$status" -eq 0 ]
  local pid line ctl
  pid=$(cat "$BATS_TEST_TMPDIR/pid")
  [ "$(cat "/sys/fs/cgroup/memory$CGPATH/sub/cgroup.procs")" = "$pid" ]
  # the host's view: memory in sub, every other hierarchy the init's
  while IFS= read -r line; do
    ctl=$(echo "$line" | cut -d: -f2)
    if [ "$ctl" = memory ]; then
      [ "$(grep ":memory:" "/proc/$pid/cgroup")" = "$line/sub" ]
    else
      grep -qxF -- "$line" "/proc/$pid/cgroup" || { echo "$ctl: init has $line, exec: $(cat "/proc/$pid/cgroup")"; false; }
    fi
  done < "/proc/$INIT_PID/cgroup"
  kill -KILL "$pid"
  wait_pid_gone "$pid"
  # CONTROLLER may be a comma list
  [ -d /sys/fs/cgroup/pids ] || return 0
  make_sub "/sys/fs/cgroup/pids$CGPATH"
  run clawrt exec --cgroup memory,pids:sub "$ID" grep -E ':(memory|pids|devices):' /proc/self/cgroup
  [ "$status" -eq 0 ]
  [ "$(printf '%s\n' "$output" | cut -d: -f2- | sort | xargs)" = "devices:/ memory:/sub pids:/sub" ]
}

@test "exec --cgroup PATH: the sub-cgroup of every hierarchy; a missing one is refused" {
  cgroup_setup
  start_container
  cgroup_dirs
  run clawrt exec --cgroup sub "$ID" touch /ran
  [ "$status" -ne 0 ]
  output_has sub
  [ ! -e "$ROOTFS/ran" ]
  local d
  for d in "${CGDIRS[@]}"; do make_sub "$d"; done
  run_nopipe clawrt exec -d --pid-file "$BATS_TEST_TMPDIR/pid" --cgroup sub "$ID" sleep 1001
  [ "$status" -eq 0 ]
  local pid line
  pid=$(cat "$BATS_TEST_TMPDIR/pid")
  while IFS= read -r line; do
    grep -qxF -- "$line/sub" "/proc/$pid/cgroup" || { echo "init has $line, exec: $(cat "/proc/$pid/cgroup")"; false; }
  done < <(grep -F "$CGPATH" "/proc/$INIT_PID/cgroup")
  for d in "${CGDIRS[@]}"; do
    grep -qx "$pid" "$d/sub/cgroup.procs" || { echo "not in $d/sub"; false; }
  done
  kill -KILL "$pid"
  wait_pid_gone "$pid"
  # the sub-cgroup stays inside the container's
  run clawrt exec --cgroup ../.. "$ID" touch /ran
  [ "$status" -ne 0 ]
  [ ! -e "$ROOTFS/ran" ]
}

@test "exec --cgroup CONTROLLER:PATH repeated: each controller in its own sub-cgroup" {
  local c
  for c in memory cpu cpuacct; do
    [ -d "/sys/fs/cgroup/$c" ] || skip "no cgroup v1 $c hierarchy on this host"
  done
  cgroup_setup
  start_container
  cgroup_dirs
  make_sub "/sys/fs/cgroup/memory$CGPATH" sub1
  make_sub "/sys/fs/cgroup/cpu$CGPATH" sub2
  make_sub "/sys/fs/cgroup/cpuacct$CGPATH" sub2
  # inside, in the container's cgroup namespace: paths under its cgroup
  run clawrt exec --cgroup memory:sub1 --cgroup cpu,cpuacct:sub2 "$ID" cat /proc/self/cgroup
  [ "$status" -eq 0 ]
  local line ctl want
  while IFS= read -r line; do
    ctl=$(echo "$line" | cut -d: -f2)
    case $ctl in
      memory) want=/sub1 ;;
      cpu | cpuacct | cpu,cpuacct | cpuacct,cpu) want=/sub2 ;;
      *) want=/ ;;
    esac
    [ "$(echo "$line" | cut -d: -f3)" = "$want" ] ||
      { echo "$ctl: want $want, the exec'd process has: $output"; false; }
  done <<< "$output"
  printf '%s\n' "$output" | grep -q ':memory:/sub1$'
  printf '%s\n' "$output" | grep -Eq ':cpu(,cpuacct)?:/sub2$'
  # the host's view of a process that stays: in each sub-cgroup's procs
  run_nopipe clawrt exec -d --pid-file "$BATS_TEST_TMPDIR/pid" --cgroup cpu,cpuacct:sub2 \
    --cgroup memory:sub1 "$ID" sleep 1001
  [ "$status" -eq 0 ]
  local pid
  pid=$(cat "$BATS_TEST_TMPDIR/pid")
  grep -qx "$pid" "/sys/fs/cgroup/memory$CGPATH/sub1/cgroup.procs"
  grep -qx "$pid" "/sys/fs/cgroup/cpu$CGPATH/sub2/cgroup.procs"
  grep -qx "$pid" "/sys/fs/cgroup/cpuacct$CGPATH/sub2/cgroup.procs"
  grep -qx "$pid" "/sys/fs/cgroup/pids$CGPATH/cgroup.procs"
  [ "$(grep ':memory:' "/proc/$pid/cgroup")" = "$(grep ':memory:' "/proc/$INIT_PID/cgroup")/sub1" ]
  kill -KILL "$pid"
  wait_pid_gone "$pid"
}

@test "exec --cgroup: a controller named twice, an unknown one, a PATH beside CONTROLLER:PATH are refused; nothing runs, nothing is left" {
  [ -d /sys/fs/cgroup/memory ] && [ -d /sys/fs/cgroup/pids ] ||
    skip "no cgroup v1 memory and pids hierarchies on this host"
  cgroup_setup
  start_container
  cgroup_dirs
  make_sub "/sys/fs/cgroup/memory$CGPATH" sub1
  make_sub "/sys/fs/cgroup/memory$CGPATH" sub2
  make_sub "/sys/fs/cgroup/pids$CGPATH" sub1
  local pids0 names0
  pids0=$(test_pid_set)
  names0=$(state_names)
  # runc 1.1.5 refuses a PATH of every hierarchy beside another --cgroup,
  # naming the PATH, in either order
  run clawrt exec --cgroup sub1 --cgroup memory:sub1 "$ID" touch /ran
  [ "$status" -ne 0 ]
  output_has sub1
  run clawrt exec --cgroup pids:sub1 --cgroup sub1 "$ID" touch /ran
  [ "$status" -ne 0 ]
  output_has sub1
  # as runc: an unknown controller, a missing sub-cgroup
  run clawrt exec --cgroup bogus:sub1 "$ID" touch /ran
  [ "$status" -ne 0 ]
  output_has bogus
  # the first is entered before the second is found missing
  run clawrt exec --cgroup memory:sub1 --cgroup pids:nosuch "$ID" touch /ran
  [ "$status" -ne 0 ]
  output_has nosuch
  if ! runtime_is runc; then
    # runc 1.1 lets the last path of a controller win
    run clawrt exec --cgroup memory:sub1 --cgroup pids,memory:sub2 "$ID" touch /ran
    [ "$status" -ne 0 ]
    [ "$output" = 'clawrt: exec: --cgroup "pids,memory:sub2": controller "memory" named twice (its first path: "sub1")' ]
    run clawrt exec --cgroup sub1 --cgroup memory:sub1 "$ID" touch /ran
    [ "$output" = 'clawrt: exec: --cgroup "sub1": a PATH of every hierarchy must be the only --cgroup; give CONTROLLER:PATH for each controller instead' ]
    run clawrt exec --cgroup memory:sub1 --cgroup bogus,pids:sub1 "$ID" touch /ran
    [ "$status" -ne 0 ]
    [ "$output" = 'clawrt: exec: --cgroup: unknown controller `bogus`' ]
    run clawrt exec --cgroup :sub1 "$ID" touch /ran
    [ "$status" -ne 0 ]
    output_has "empty controller name"
  fi
  [ ! -e "$ROOTFS/ran" ]
  # no process left, in a sub-cgroup or anywhere; the state as it was
  local d
  for d in "${SUBS[@]}"; do
    [ -z "$(cat "$d/cgroup.procs")" ] || { echo "left in $d: $(cat "$d/cgroup.procs")"; false; }
  done
  [ "$(test_pid_set)" = "$pids0" ]
  [ "$(state_names)" = "$names0" ]
  run clawrt exec --cgroup memory:sub2 "$ID" echo still-fine
  [ "$status" -eq 0 ]
  [ "$output" = still-fine ]
}

@test "exec --ignore-paused: refused into a paused container without it; with it the process runs once resumed" {
  start_container
  clawrt pause "$ID"
  run clawrt exec "$ID" touch /tmp/ran-paused
  [ "$status" -ne 0 ]
  output_has paused --ignore-paused
  bg_exec "$BATS_TEST_TMPDIR/bg.out" --ignore-paused "$ID" sh -c 'touch /tmp/ran; exit 4'
  # frozen with the rest of the container
  sleep 0.5
  [ ! -e "$ROOTFS/tmp/ran" ]
  pid_alive "$BG_PID"
  clawrt resume "$ID"
  local rc=0
  wait "$BG_PID" || rc=$?
  cat "$BATS_TEST_TMPDIR/bg.out"
  [ "$rc" -eq 4 ]
  [ -e "$ROOTFS/tmp/ran" ]
  [ ! -e "$ROOTFS/tmp/ran-paused" ]
}

# ---- status, errors, cleanup -------------------------------------------

@test "exec: the command's exit status is the runtime's, 128+N when signal N killed it" {
  start_container
  run clawrt exec "$ID" sh -c 'exit 7'
  [ "$status" -eq 7 ]
  run clawrt exec "$ID" false
  [ "$status" -eq 1 ]
  run clawrt exec "$ID" sh -c 'kill -KILL $$'
  [ "$status" -eq 137 ]
  run clawrt exec "$ID" sh -c 'kill -TERM $$'
  [ "$status" -eq 143 ]
  # stdio is the runtime's
  run --separate-stderr clawrt exec "$ID" sh -c 'cat; echo to-err >&2' <<< "from-stdin"
  [ "$status" -eq 0 ]
  [ "$output" = from-stdin ]
  [ "$stderr" = to-err ]
}

@test "exec: a signal to the runtime goes to the exec'd process" {
  start_container
  # the process's own handler answers, so 9 is not the runtime dying of it
  bg_exec "$BATS_TEST_TMPDIR/bg.out" "$ID" sh -c \
    'trap "echo got-term > /tmp/term; exit 9" TERM; touch /tmp/started; while :; do sleep 0.1; done'
  wait_file "$ROOTFS/tmp/started"
  kill -TERM "$BG_PID"
  local rc=0
  wait "$BG_PID" || rc=$?
  cat "$BATS_TEST_TMPDIR/bg.out"
  [ "$rc" -eq 9 ]
  [ "$(cat "$ROOTFS/tmp/term")" = got-term ]
  run clawrt state "$ID"
  output_has '"running"'
}

@test "exec into a stopped or a created container is a clear error" {
  update_config '.process.args = ["true"]'
  run_nopipe clawrt run -d -b "$BUNDLE" "$ID"
  [ "$status" -eq 0 ]
  wait_for_status "$ID" stopped
  run clawrt exec "$ID" true
  [ "$status" -ne 0 ]
  output_has "cannot exec in a stopped container"
  clawrt delete "$ID"
  runtime_is runc && skip "runc 1.1 execs into a created container"
  run_nopipe clawrt create -b "$BUNDLE" "$ID"
  [ "$status" -eq 0 ]
  run clawrt exec "$ID" touch /ran
  [ "$status" -ne 0 ]
  [ "$output" = 'clawrt: cannot exec in a created container' ]
  [ ! -e "$ROOTFS/ran" ]
  run clawrt state "$ID"
  output_has '"created"'
}

@test "exec of a missing command: runc's 'executable file not found in \$PATH'" {
  start_container
  run clawrt exec "$ID" no-such-program
  [ "$status" -ne 0 ]
  # (runc's log line quotes the quotes)
  [[ "$output" == *'exec: "no-such-program": executable file not found in $PATH'* ||
     "$output" == *'exec: \"no-such-program\": executable file not found in $PATH'* ]]
  runtime_is runc ||
    [ "$output" = 'clawrt: exec: "no-such-program": executable file not found in $PATH' ]
  run clawrt exec "$ID" /no/such/path
  [ "$status" -ne 0 ]
  output_has /no/such/path
  run clawrt exec "$ID"
  [ "$status" -ne 0 ]
}

@test "exec leaves nothing behind: the process is gone, list and the state unchanged" {
  start_container
  local pids0 list0 names0
  pids0=$(test_pid_set)
  list0=$(clawrt list)
  names0=$(state_names)
  run clawrt exec "$ID" sh -c 'sleep 0.1; echo done'
  [ "$output" = done ]
  run clawrt exec "$ID" no-such-program
  [ "$status" -ne 0 ]
  run clawrt exec -u -1 "$ID" true
  [ "$status" -ne 0 ]
  run_nopipe clawrt exec -d --pid-file "$BATS_TEST_TMPDIR/pid" "$ID" sleep 0.3
  [ "$status" -eq 0 ]
  wait_pid_gone "$(cat "$BATS_TEST_TMPDIR/pid")"
  [ "$(test_pid_set)" = "$pids0" ]
  [ "$(clawrt list)" = "$list0" ]
  [ "$(state_names)" = "$names0" ]
  [ "$pids0" = "$INIT_PID " ]
  clawrt delete -f "$ID"
  assert_nothing_left "$ID"
}
