# Shared by every *.bats file.  CLAWRT is the runtime under test (default:
# the binary built in this tree); set CLAWRT=runc to check a test itself
# against the reference runtime.

TESTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP_DIR=$(cd "$TESTS_DIR/../.." && pwd)
CLAWRT=${CLAWRT:-$TOP_DIR/clawrt}
BUSYBOX=${BUSYBOX:-/bin/busybox}

# A private state root per test, so tests never see each other's containers.
# Every call carries this test's mark in its environment (see test_pids).
clawrt() {
  CLAWRT_TEST_MARK=${CLAWRT_TEST_MARK:-} "$CLAWRT" --root "$CLAWRT_ROOT" "$@"
}

# Build $BUNDLE: a busybox rootfs (hard links to one static busybox) and a
# config.json from `$CLAWRT spec`, without a terminal.
setup_bundle() {
  CLAWRT_ROOT=$BATS_TEST_TMPDIR/state
  BUNDLE=$BATS_TEST_TMPDIR/bundle
  ROOTFS=$BUNDLE/rootfs
  mkdir -p "$CLAWRT_ROOT" "$ROOTFS"/{bin,proc,sys,dev,etc,tmp,root}
  cp "$BUSYBOX" "$ROOTFS/bin/busybox"
  local app
  for app in $("$BUSYBOX" --list); do
    [ "$app" = busybox ] || ln -f "$ROOTFS/bin/busybox" "$ROOTFS/bin/$app"
  done
  echo 'root:x:0:0:root:/root:/bin/sh' > "$ROOTFS/etc/passwd"
  echo 'root:x:0:' > "$ROOTFS/etc/group"
  # the runtime's own default spec, made non-interactive
  "$CLAWRT" spec -b "$BUNDLE"
  update_config '.process.terminal = false | .root.readonly = false'
  # A mark unique to this test, in the environment of the runtime (see
  # clawrt()) and of the container process, so that test_pids finds every
  # process this test started, in whatever namespace, before or after execve.
  CLAWRT_TEST_MARK=t$$.${BATS_TEST_NUMBER:-0}.$RANDOM$RANDOM
  update_config --arg m "CLAWRT_TEST_MARK=$CLAWRT_TEST_MARK" '.process.env += [$m]'
}

# update_config JQ_FILTER: edit the bundle's config.json in place.
update_config() {
  local tmp
  tmp=$(mktemp "$BUNDLE/config.XXXXXX")
  jq "$@" "$BUNDLE/config.json" > "$tmp" && mv "$tmp" "$BUNDLE/config.json"
}

# Remove every container of this test's root, whatever its state.
teardown_bundle() {
  local id
  if [ -d "${CLAWRT_ROOT:-}" ]; then
    for id in $(clawrt list -q 2>/dev/null); do
      clawrt delete -f "$id" >/dev/null 2>&1 || true
    done
  fi
}

# wait_for_status ID STATUS [TRIES]: poll `state` until it reports STATUS.
wait_for_status() {
  local id=$1 want=$2 tries=${3:-50} st
  while [ "$tries" -gt 0 ]; do
    st=$(clawrt state "$id" 2>/dev/null | jq -r .status)
    [ "$st" = "$want" ] && return 0
    sleep 0.1
    tries=$((tries - 1))
  done
  echo "container $id: status '$st', expected '$want'" >&2
  return 1
}

# Skip with the reason when this machine cannot run the test.
requires_root() { [ "$(id -u)" = 0 ] || skip "needs root"; }

# pid_alive PID: the process exists and is not a zombie (pid 1 of this
# machine does not reap orphans, so killed containers may linger as zombies).
pid_alive() {
  local st
  st=$(sed -n 's/^[0-9]* (.*) \([A-Za-z]\) .*/\1/p' "/proc/$1/stat" 2>/dev/null) || return 1
  [ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

# wait_pid_gone PID [TRIES]: poll until PID is dead (0.1 s per try).
wait_pid_gone() {
  local pid=$1 tries=${2:-50}
  while pid_alive "$pid"; do
    tries=$((tries - 1))
    [ "$tries" -gt 0 ] || { echo "process $pid still alive" >&2; return 1; }
    sleep 0.1
  done
}

# test_pids: live processes of this test, in whatever namespace: those
# whose root directory is this test's rootfs (a container process after
# pivot_root) and those that carry this test's mark in their environment
# (runtime calls made through clawrt(), a runtime's child before it entered
# the rootfs, container processes whose env came from config.json).
# Prints one pid per line.
test_pids() {
  local want= pid
  [ -n "${ROOTFS:-}" ] && want=$(stat -L -c '%d:%i' "$ROOTFS" 2>/dev/null)
  {
    if [ -n "$want" ]; then
      stat -L -c '%d:%i %n' /proc/[0-9]*/root 2>/dev/null |
        awk -v w="$want" '$1 == w { split($2, p, "/"); print p[3] }' || true
    fi
    if [ -n "${CLAWRT_TEST_MARK:-}" ]; then
      grep -lzxF -- "CLAWRT_TEST_MARK=$CLAWRT_TEST_MARK" /proc/[0-9]*/environ 2>/dev/null |
        cut -d/ -f3 || true
    fi
  } | sort -un | while read -r pid; do
    [ "$pid" = "$$" ] || [ "$pid" = "$BASHPID" ] || ! pid_alive "$pid" || echo "$pid"
  done
  return 0
}

# container_pid ID: the pid that `state` reports.
container_pid() {
  clawrt state "$1" | jq -r .pid
}

# assert_nothing_left [ID...]: after a delete (or a failed create), nothing
# of this test remains: no state dir for the ids, `list` does not show them,
# no mount names the bundle, and no process of this test is alive.
assert_nothing_left() {
  local id left=0 pids listed tries=20
  listed=$(clawrt list -q 2>&1) || { echo "list failed: $listed" >&2; left=1; }
  for id in "$@"; do
    if [ -e "$CLAWRT_ROOT/$id" ]; then
      echo "state dir left: $CLAWRT_ROOT/$id" >&2; left=1
    fi
    if printf '%s\n' "$listed" | grep -qxF -- "$id"; then
      echo "list still shows $id" >&2; left=1
    fi
  done
  if grep -F -- "$BUNDLE" /proc/self/mountinfo >&2; then
    echo "mounts naming $BUNDLE left (above)" >&2; left=1
  fi
  # a killed process may take a moment to die
  while pids=$(test_pids) && [ -n "$pids" ] && [ "$tries" -gt 0 ]; do
    sleep 0.1; tries=$((tries - 1))
  done
  if [ -n "$pids" ]; then
    echo "processes of this test still alive:" >&2
    for id in $pids; do ps -o pid=,stat=,args= -p "$id" >&2 || true; done
    left=1
  fi
  return "$left"
}

# output_has TEXT...: $output (of the last `run`) contains every TEXT.
output_has() {
  local t
  for t in "$@"; do
    if [[ "$output" != *"$t"* ]]; then
      echo "expected output to contain: $t" >&2
      echo "output was: $output" >&2
      return 1
    fi
  done
}

# runtime_is NAME: the runtime under test is NAME (by its --version), for
# the few checks where runc 1.1 is known to differ.
runtime_is() {
  "$CLAWRT" --version 2>/dev/null | head -n 1 | grep -qi "^$1"
}

# run_nopipe CMD...: like bats' `run` (sets $status, $output, $lines), but
# the output goes through a file, not a pipe: a container that a command
# leaves behind inherits its stdout, and `run` would wait for it to exit.
# Use it for every create (or run -d) that may succeed.
run_nopipe() {
  local out=$BATS_TEST_TMPDIR/run_nopipe.out
  status=0
  "$@" >"$out" 2>&1 </dev/null 3>&- || status=$?
  output=$(cat "$out")
  mapfile -t lines <"$out"
  rm -f "$out"
}

# make_bundle_reachable: let every uid traverse the directories above the
# bundle (bats makes its temp dirs 0700), as a container in a user
# namespace, whose root is an unprivileged host uid, needs.
make_bundle_reachable() {
  local d=$BUNDLE
  while [ -n "$d" ] && [ "$d" != / ]; do
    chmod o+x "$d"
    d=$(dirname "$d")
  done
}
