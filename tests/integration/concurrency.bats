#!/usr/bin/env bats
# Many containers at once: 50 created, started and deleted concurrently,
# half of them exiting on their own while the others are deleted.  At each
# checkpoint `list` agrees with reality (the processes that run, the state
# directories), `list` never fails or shows a torn state while others
# write, and at the end nothing is left: no state dir, cgroup, mount or
# process.  (The shared bench/concurrency script does the same with 500.)
# Also 50 execs into one container at once, each from its own read-only
# copy of the runtime.

load helpers

N=50

setup() {
  requires_root
  setup_bundle
  P=k${CLAWRT_TEST_MARK//[^0-9]/}
  update_config '.process.args = ["sleep", "300"]'
  # the short-lived half: its own bundle, same rootfs
  SHORT=$BATS_TEST_TMPDIR/bundle-short
  mkdir -p "$SHORT"
  jq --arg r "$ROOTFS" '.root.path = $r | .process.args = ["sleep", "4"]' "$BUNDLE/config.json" \
    > "$SHORT/config.json"
  OUT=$BATS_TEST_TMPDIR/out
  mkdir -p "$OUT"
}

teardown() {
  [ -z "${WATCH_PID:-}" ] || kill "$WATCH_PID" 2>/dev/null || true
  teardown_bundle
}

# ids: the long-lived ones are $P-l<i>, the short-lived $P-s<i>
ids() { local i; for ((i = 0; i < N / 2; i++)); do echo "$P-l$i" "$P-s$i"; done | tr ' ' '\n'; }
bundle_of() { case $1 in *-s*) echo "$SHORT" ;; *) echo "$BUNDLE" ;; esac; }

# all_at_once CMD: run `clawrt CMD ID` for every id in parallel; the exit
# status of each in $OUT/ID.rc, its output in $OUT/ID.out (files, not
# pipes: a container keeps what it inherited open).
all_at_once() {
  local id pids=()
  for id in $(ids); do
    (
      # (set -e of bats would end the subshell before the rc is written)
      rc=0
      case $1 in
        create) clawrt create -b "$(bundle_of "$id")" "$id" ;;
        *) clawrt "$@" "$id" ;;
      esac >"$OUT/$id.out" 2>&1 </dev/null 3>&- || rc=$?
      echo "$rc" >"$OUT/$id.rc"
    ) &
    pids+=($!)
  done
  wait "${pids[@]}" || true
}

# n_at_once TAG FN: `FN I` for I in 1..N, all at once; each one's status in
# $OUT/TAG-I.rc and its output in $OUT/TAG-I.out (files: a container keeps
# what it inherited open).  Fails naming the first that did not exit 0.
n_at_once() {
  local tag=$1 fn=$2 i pids=()
  for i in $(seq "$N"); do
    ( rc=0; "$fn" "$i" >"$OUT/$tag-$i.out" 2>&1 </dev/null 3>&- || rc=$?
      echo "$rc" >"$OUT/$tag-$i.rc" ) &
    pids+=($!)
  done
  wait "${pids[@]}" || true
  for i in $(seq "$N"); do
    [ "$(cat "$OUT/$tag-$i.rc")" = 0 ] || { echo "$tag $i: $(cat "$OUT/$tag-$i.out")" >&2; return 1; }
  done
}

# each_of CMD IDS...: `clawrt CMD ID` for these ids in parallel, waited for
# (only these: the list watcher runs on).
each_of() {
  local cmd=$1 id pids=()
  shift
  for id in "$@"; do
    ( rc=0; clawrt $cmd "$id" >"$OUT/$id.out" 2>&1 </dev/null 3>&- || rc=$?; echo "$rc" >"$OUT/$id.rc" ) &
    pids+=($!)
  done
  wait "${pids[@]}" || true
}

# failed_calls: ids whose last call failed, with the error.
failed_calls() {
  local id
  for id in $(ids); do
    [ "$(cat "$OUT/$id.rc")" = 0 ] || echo "$id: rc $(cat "$OUT/$id.rc"): $(cat "$OUT/$id.out")"
  done
}

# list_status: "ID STATUS" for every listed container of this test, sorted.
list_status() {
  clawrt list -f json |
    jq -r --arg p "$P" '.[] | select(.id == $p or (.id | startswith($p + "-"))) | "\(.id) \(.status)"' |
    sort
}

# live_inits: pids of this test's containers' processes, in any state but dead.
live_inits() {
  test_pids | while read -r pid; do
    # the runtime's own calls carry the mark too: only container processes
    [ "$(stat -L -c %d:%i "/proc/$pid/root" 2>/dev/null)" = "$(stat -c %d:%i "$ROOTFS")" ] && echo "$pid"
  done
}

# expect_listed STATUS IDS...: list shows exactly these, each with STATUS,
# and every one that should run has its pid alive in its rootfs.
expect_listed() {
  local want=$1 id got expected
  shift
  expected=$(for id in "$@"; do echo "$id $want"; done | sort)
  got=$(list_status)
  if [ "$got" != "$expected" ]; then
    echo "list disagrees: expected $# x $want" >&2
    diff <(echo "$expected") <(echo "$got") | head -20 >&2
    return 1
  fi
}

# watch_list: call `list` in a loop while the storm runs; any failure or
# a line that does not parse is recorded in $OUT/watch.bad.
watch_list() {
  : >"$OUT/watch.bad"
  (
    while :; do
      if ! out=$(clawrt list -f json 2>&1); then
        echo "list failed: $out" >>"$OUT/watch.bad"
      elif ! jq -e 'type == "array" and all(.[]; (.id | type == "string")
               and (.status | IN("creating", "created", "running", "stopped", "paused")))' \
        >/dev/null <<<"$out"; then
        echo "list printed: $out" >>"$OUT/watch.bad"
      fi
      echo x >>"$OUT/watch.count"
    done
  ) </dev/null >/dev/null 2>&1 3>&- &
  WATCH_PID=$!
}

stop_watch() {
  kill "$WATCH_PID" 2>/dev/null || true
  wait "$WATCH_PID" 2>/dev/null || true
  WATCH_PID=
  [ ! -s "$OUT/watch.bad" ] || { head -5 "$OUT/watch.bad" >&2; return 1; }
}

@test "concurrency: $N containers created, started, deleted at once; list agrees at each step" {
  local long=() short=() id
  mapfile -t long < <(ids | grep -- '-l')
  mapfile -t short < <(ids | grep -- '-s')
  watch_list

  all_at_once create
  [ -z "$(failed_calls)" ] || { failed_calls >&2; return 1; }
  expect_listed created $(ids)
  [ "$(live_inits | wc -l)" = "$N" ]

  all_at_once start
  [ -z "$(failed_calls)" ] || { failed_calls >&2; return 1; }
  expect_listed running $(ids)
  [ "$(live_inits | wc -l)" = "$N" ]

  # the long-lived half is deleted while the short-lived half exits alone
  each_of "delete -f" "${long[@]}"
  for id in "${long[@]}"; do
    [ "$(cat "$OUT/$id.rc")" = 0 ] || { echo "delete $id: $(cat "$OUT/$id.out")" >&2; return 1; }
    [ ! -e "$CLAWRT_ROOT/$id" ]
  done
  # the short ones run on, or have stopped, never anything else
  local line
  while read -r id line; do
    [[ " ${short[*]} " == *" $id "* ]] || { echo "still listed: $id $line" >&2; return 1; }
    [ "$line" = running ] || [ "$line" = stopped ] || { echo "$id: $line" >&2; return 1; }
  done < <(list_status)
  # until they all stopped by themselves
  local tries=100
  while [ "$(list_status | grep -c ' running$')" != 0 ] && [ "$tries" -gt 0 ]; do
    sleep 0.1
    tries=$((tries - 1))
  done
  expect_listed stopped "${short[@]}"
  [ "$(live_inits | wc -l)" = 0 ]

  each_of delete "${short[@]}"
  for id in "${short[@]}"; do
    [ "$(cat "$OUT/$id.rc")" = 0 ] || { echo "delete $id: $(cat "$OUT/$id.out")" >&2; return 1; }
  done
  stop_watch
  echo "list was called $(wc -l <"$OUT/watch.count") times during the storm"
  [ "$(wc -l <"$OUT/watch.count")" -gt 3 ]

  expect_listed stopped
  assert_nothing_left $(ids)
  [ -z "$(ls -A "$CLAWRT_ROOT")" ]
  local cgs
  cgs=$(find /sys/fs/cgroup -mindepth 1 -maxdepth 4 -type d -name "$P-*" 2>/dev/null || true)
  [ -z "$cgs" ] || { echo "cgroups left: $cgs" >&2; return 1; }
}

@test "concurrency: 20 creates of one id at once: exactly one wins, the rest say it exists" {
  local i pids=()
  for i in $(seq 20); do
    ( rc=0; clawrt create -b "$BUNDLE" "$P" >"$OUT/$i.out" 2>&1 </dev/null 3>&- || rc=$?; echo "$rc" >"$OUT/$i.rc" ) &
    pids+=($!)
  done
  wait "${pids[@]}" || true
  local won=0
  for i in $(seq 20); do
    if [ "$(cat "$OUT/$i.rc")" = 0 ]; then
      won=$((won + 1))
    else
      grep -q "exists" "$OUT/$i.out" || { echo "create $i: $(cat "$OUT/$i.out")" >&2; return 1; }
    fi
  done
  [ "$won" = 1 ]
  expect_listed created "$P"
  [ "$(live_inits | wc -l)" = 1 ]
  clawrt delete -f "$P"
  assert_nothing_left "$P"
}

@test "concurrency: run of $N short containers at once, list empty afterwards" {
  update_config '.process.args = ["true"]'
  run_one() { clawrt run -b "$BUNDLE" "$P-r$1"; }
  n_at_once run run_one
  [ -z "$(list_status)" ]
  [ -z "$(ls -A "$CLAWRT_ROOT")" ]
  assert_nothing_left
}

@test "concurrency: $N execs into one container at once: each runs once, none stays" {
  local before after init
  clawrt run -d -b "$BUNDLE" "$P-x" >/dev/null 2>&1 </dev/null 3>&-
  before=$(wc -l < /proc/self/mountinfo)
  exec_one() { clawrt exec "$P-x" sh -c "echo exec-$1 >> /tmp/ran"; }
  n_at_once exec exec_one
  [ "$(sort -u "$ROOTFS/tmp/ran" | wc -l)" -eq "$N" ] && [ "$(wc -l < "$ROOTFS/tmp/ran")" -eq "$N" ]
  # only the init is left in the container: every exec and its runtime
  # process are gone, and their read-only copies of clawrt with them
  init=$(container_pid "$P-x")
  local cg procs
  cg=$(sed -n 's/^[0-9]*:pids:\(.*\)/\1/p' "/proc/$init/cgroup")
  if [ -n "$cg" ]; then
    procs=/sys/fs/cgroup/pids$cg/cgroup.procs
  else  # pure cgroup v2
    procs=/sys/fs/cgroup$(sed -n 's/^0::\(.*\)/\1/p' "/proc/$init/cgroup")/cgroup.procs
  fi
  [ "$(cat "$procs")" = "$init" ]
  [ -z "$(pgrep -f -- "exec $P-x" || true)" ]
  after=$(wc -l < /proc/self/mountinfo)
  [ "$before" -eq "$after" ]
  clawrt delete -f "$P-x"
  assert_nothing_left "$P-x"
}
