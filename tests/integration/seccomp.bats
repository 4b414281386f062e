#!/usr/bin/env bats
# linux.seccomp: what a container's syscalls meet.  Every action, errnoRet
# and defaultErrnoRet, argument conditions (MASKED_EQ with valueTwo, several
# args on one rule, args sharing an index), flags and architectures,
# SCMP_ACT_NOTIFY with an agent on listenerPath, and bad profiles.

load helpers

setup() {
  setup_bundle
}

teardown() {
  if [ -n "${AGENT_PID:-}" ]; then
    kill "$AGENT_PID" 2>/dev/null || true
    wait "$AGENT_PID" 2>/dev/null || true
  fi
  teardown_bundle
}

# in_container CMD...: run CMD in a fresh container.
in_container() {
  local a='[]' x
  for x in "$@"; do a=$(jq -cn --argjson a "$a" --arg x "$x" '$a + [$x]'); done
  update_config --argjson a "$a" '.process.args = $a'
  run clawrt run -b "$BUNDLE" "sc$BATS_TEST_NUMBER"
}

# profile JSON: set linux.seccomp.
profile() {
  update_config --argjson s "$1" '.linux.seccomp = $s'
}

# deny ACTION [EXTRA_JSON]: default allow, mkdir/mkdirat get ACTION (EXTRA
# merged into the rule).
deny_mkdir() {
  local rule
  rule=$(jq -cn --arg a "$1" --argjson x "${2:-{\}}" '{"names": ["mkdir", "mkdirat"], "action": $a} + $x')
  profile "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [$rule]}"
}

@test "seccomp: SCMP_ACT_ERRNO makes mkdir fail with EPERM, the filter is in place" {
  deny_mkdir SCMP_ACT_ERRNO
  in_container mkdir /tmp/x
  [ "$status" -ne 0 ]
  output_has "Operation not permitted"

  in_container cat /proc/self/status
  [ "$status" -eq 0 ]
  output_has "$(printf 'Seccomp:\t2')"
  # other syscalls are untouched
  in_container sh -c 'touch /tmp/f && rm /tmp/f && echo fine'
  [ "$status" -eq 0 ]
  [ "$output" = fine ]
}

@test "seccomp: errnoRet is the errno the syscall returns" {
  deny_mkdir SCMP_ACT_ERRNO '{"errnoRet": 28}'
  in_container mkdir /tmp/x
  [ "$status" -ne 0 ]
  output_has "No space left on device"
}

@test "seccomp: defaultAction SCMP_ACT_ERRNO with defaultErrnoRet" {
  # everything a static busybox and a runtime's last steps need, and not
  # mkdir: that gets the default
  local allow
  allow='["read","write","writev","readv","pread64","pwrite64","open","openat","close","fstat","stat","lstat","newfstatat","statx","lseek","mmap","mprotect","munmap","brk","rt_sigaction","rt_sigprocmask","rt_sigreturn","sigaltstack","ioctl","access","faccessat","faccessat2","pipe","pipe2","dup","dup2","dup3","getpid","getppid","gettid","getuid","geteuid","getgid","getegid","getgroups","setgroups","setuid","setgid","setresuid","setresgid","capget","capset","prctl","arch_prctl","set_tid_address","set_robust_list","rseq","futex","nanosleep","clock_nanosleep","clock_gettime","gettimeofday","sched_yield","sched_getaffinity","getrandom","uname","fcntl","getcwd","chdir","fchdir","exit","exit_group","execve","execveat","wait4","waitid","kill","tgkill","tkill","clone","clone3","fork","vfork","madvise","mremap","epoll_create1","epoll_ctl","epoll_pwait","epoll_wait","getdents64","readlink","readlinkat","umask","prlimit64","getrlimit","setrlimit","poll","ppoll","select","pselect6","sendmsg","recvmsg","socket","connect","close_range","fchown","fchmod","getpgrp","setsid","setpgid","getsid","seccomp","membarrier","sched_getattr","sched_setattr","getpriority","setpriority","statfs","fstatfs"]'
  profile "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 30,
            \"syscalls\": [{\"names\": $allow, \"action\": \"SCMP_ACT_ALLOW\"}]}"
  in_container mkdir /tmp/x
  [ "$status" -ne 0 ]
  output_has "Read-only file system"
}

@test "seccomp: SCMP_ACT_KILL and SCMP_ACT_KILL_PROCESS kill with SIGSYS" {
  deny_mkdir SCMP_ACT_KILL
  in_container mkdir /tmp/x
  [ "$status" -eq 159 ]     # 128 + SIGSYS
  [[ "$output" != *"Operation not permitted"* ]]

  deny_mkdir SCMP_ACT_KILL_PROCESS
  in_container mkdir /tmp/x
  [ "$status" -eq 159 ]

  deny_mkdir SCMP_ACT_TRAP
  in_container mkdir /tmp/x
  [ "$status" -eq 159 ]
}

@test "seccomp: SCMP_ACT_LOG and a rule equal to the default let the call through" {
  deny_mkdir SCMP_ACT_LOG
  in_container sh -c 'mkdir /tmp/x1 && echo made'
  [ "$status" -eq 0 ]
  [ "$output" = made ]

  deny_mkdir SCMP_ACT_ALLOW
  in_container sh -c 'mkdir /tmp/x2 && echo made'
  [ "$status" -eq 0 ]
  [ "$output" = made ]
}

@test "seccomp: SCMP_CMP_MASKED_EQ with valueTwo matches (arg & value) == valueTwo" {
  # chmod(path, mode) has the mode in arg 1, fchmodat(dir, path, mode) in
  # arg 2: refuse setting the setuid bit (04000), allow the rest
  profile '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
    {"names": ["chmod"], "action": "SCMP_ACT_ERRNO",
     "args": [{"index": 1, "value": 2048, "valueTwo": 2048, "op": "SCMP_CMP_MASKED_EQ"}]},
    {"names": ["fchmodat"], "action": "SCMP_ACT_ERRNO",
     "args": [{"index": 2, "value": 2048, "valueTwo": 2048, "op": "SCMP_CMP_MASKED_EQ"}]}]}'
  # (one fd for both streams, so lines keep their order)
  in_container sh -c 'exec 2>&1; touch /tmp/f; chmod 755 /tmp/f && echo plain-ok; chmod 4755 /tmp/f || echo suid-denied; stat -c %a /tmp/f'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = plain-ok ]
  output_has "Operation not permitted" suid-denied
  [ "${lines[${#lines[@]}-1]}" = 755 ]
}

@test "seccomp: several args on one rule must all match" {
  # setpriority(PRIO_PROCESS=0, who, prio): only prio 5 for a process is refused
  profile '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
    {"names": ["setpriority"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1,
     "args": [{"index": 0, "value": 0, "op": "SCMP_CMP_EQ"},
              {"index": 2, "value": 5, "op": "SCMP_CMP_EQ"}]}]}'
  in_container sh -c 'exec 2>&1; renice -n 3 -p $$ >/dev/null && echo three-ok; renice -n 2 -p $$ >/dev/null || echo five-denied'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = three-ok ]
  output_has five-denied
}

@test "seccomp: args sharing an index are alternatives" {
  profile '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
    {"names": ["chmod", "fchmodat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 28,
     "args": [{"index": 1, "value": 448, "op": "SCMP_CMP_EQ"},
              {"index": 1, "value": 384, "op": "SCMP_CMP_EQ"}]},
    {"names": ["fchmodat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 28,
     "args": [{"index": 2, "value": 448, "op": "SCMP_CMP_EQ"},
              {"index": 2, "value": 384, "op": "SCMP_CMP_EQ"}]}]}'
  in_container sh -c 'exec 2>&1; touch /tmp/f; chmod 700 /tmp/f || echo 700-denied; chmod 600 /tmp/f || echo 600-denied; chmod 644 /tmp/f && echo 644-ok'
  [ "$status" -eq 0 ]
  output_has 700-denied 600-denied 644-ok
}

@test "seccomp: unknown syscall names are skipped, other architectures accepted" {
  profile '{"defaultAction": "SCMP_ACT_ALLOW",
            "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32", "SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"],
            "syscalls": [{"names": ["no_such_syscall_clawrt", "mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 28}]}'
  in_container mkdir /tmp/x
  [ "$status" -ne 0 ]
  output_has "No space left on device"
}

@test "seccomp: flags LOG and SPEC_ALLOW are accepted, TSYNC too" {
  runtime_is runc && skip "runc 1.1.5 refuses every seccomp flag (\"not yet supported\")"
  profile '{"defaultAction": "SCMP_ACT_ALLOW",
            "flags": ["SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_TSYNC"],
            "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 28}]}'
  in_container mkdir /tmp/x
  [ "$status" -ne 0 ]
  output_has "No space left on device"

  profile '{"defaultAction": "SCMP_ACT_ALLOW", "flags": ["SECCOMP_FILTER_FLAG_BOGUS"]}'
  in_container true
  [ "$status" -ne 0 ]
  output_has 'linux.seccomp.flags[0]' SECCOMP_FILTER_FLAG_BOGUS
}

@test "seccomp: bad profiles are refused before the container starts" {
  deny_mkdir SCMP_ACT_FOO
  in_container true
  [ "$status" -ne 0 ]
  output_has SCMP_ACT_FOO

  profile '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO",
            "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_FOO"}]}]}'
  in_container true
  [ "$status" -ne 0 ]
  output_has SCMP_CMP_FOO

  profile '{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_PDP11"]}'
  in_container true
  [ "$status" -ne 0 ]
  output_has SCMP_ARCH_PDP11

  if ! runtime_is runc; then   # runc 1.1 ignores errnoRet on other actions; the spec says fail
    profile '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_KILL", "errnoRet": 5}]}'
    in_container true
    [ "$status" -ne 0 ]
    output_has 'linux.seccomp.syscalls[0].errnoRet'
  fi

  profile '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_NOTIFY"}]}'
  in_container true
  [ "$status" -ne 0 ]
  output_has listenerPath
  if ! runtime_is runc; then
    output_has 'linux.seccomp'
  fi
  assert_nothing_left "sc$BATS_TEST_NUMBER"
}

# A seccomp agent: receives the listener and the container process state
# on a unix socket, saves the state, answers every notification with errno
# 28 (ENOSPC).
write_agent() {
  cat > "$BATS_TEST_TMPDIR/agent.py" <<'EOF'
import array, fcntl, json, os, socket, struct, sys
path, state_out = sys.argv[1], sys.argv[2]
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(path)
srv.listen(1)
open(path + ".ready", "w").close()
conn, _ = srv.accept()
fds = array.array("i")
data = b""
msg, anc, _, _ = conn.recvmsg(65536, socket.CMSG_SPACE(4 * fds.itemsize))
data += msg
for level, typ, cdata in anc:
    if level == socket.SOL_SOCKET and typ == socket.SCM_RIGHTS:
        fds.frombytes(cdata[: len(cdata) - (len(cdata) % fds.itemsize)])
# one state per connection; the runtime may split it over several sends
while True:
    try:
        json.loads(data.decode())
        break
    except ValueError:
        more = conn.recv(65536)
        if not more:
            break
        data += more
conn.close()
with open(state_out, "w") as f:
    f.write(data.decode())
listener = fds[0]
# struct seccomp_notif is 80 bytes, seccomp_notif_resp 24
RECV = 0xC0502100
SEND = 0xC0182101
while True:
    buf = bytearray(80)
    try:
        fcntl.ioctl(listener, RECV, buf, True)
    except OSError:
        break
    notif_id = struct.unpack_from("=Q", buf, 0)[0]
    resp = struct.pack("=QqiI", notif_id, 0, -28, 0)
    try:
        fcntl.ioctl(listener, SEND, bytearray(resp), True)
    except OSError:
        pass
EOF
}

@test "seccomp: SCMP_ACT_NOTIFY hands the listener to the agent on listenerPath" {
  command -v python3 >/dev/null || skip "python3 (the test's seccomp agent) not installed"
  write_agent
  local sock=$BATS_TEST_TMPDIR/agent.sock tries=50
  python3 "$BATS_TEST_TMPDIR/agent.py" "$sock" "$BATS_TEST_TMPDIR/state.json" &
  AGENT_PID=$!
  while [ ! -e "$sock.ready" ] && [ "$tries" -gt 0 ]; do sleep 0.1; tries=$((tries - 1)); done
  [ -e "$sock.ready" ]

  profile "$(jq -cn --arg p "$sock" '{"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": $p,
            "listenerMetadata": "clawrt-test-metadata",
            "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_NOTIFY"}]}')"
  in_container sh -c 'exec 2>&1; mkdir /tmp/x || echo agent-said-no; touch /tmp/y && echo others-fine'
  [ "$status" -eq 0 ]
  output_has "No space left on device" agent-said-no others-fine

  local st=$BATS_TEST_TMPDIR/state.json
  [ "$(jq -r '.fds[0]' "$st")" = seccompFd ]
  [ "$(jq -r '.metadata' "$st")" = clawrt-test-metadata ]
  [ "$(jq -r '.state.id' "$st")" = "sc$BATS_TEST_NUMBER" ]
  [ "$(jq -r '.state.status' "$st")" = creating ]
  [ "$(jq -r '.pid' "$st")" -gt 0 ]
  [ "$(jq -r '.state.bundle' "$st")" = "$BUNDLE" ]
}
