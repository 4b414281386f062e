#!/usr/bin/env bats
# Bundles written by an adversary: every config.json of tests/hostile (with
# the outcome tests/hostile/EXPECT gives it), generated monsters (deep
# nesting, huge strings and arrays), and rootfs trees whose paths are
# symlinks out of the rootfs.  Each gets a clear error or a safe run: never
# a crash (status >= 128 from clawrt itself), a hang, or a write outside the
# bundle (a canary directory next to it, and host paths named
# clawrt-hostile-*, must stay as they were).

load helpers

HOSTILE_DIR=$TESTS_DIR/../hostile

setup() {
  requires_root
  setup_bundle
  ID=h${CLAWRT_TEST_MARK//[^0-9]/}
  # the canary: two levels up from the rootfs, where joined path strings
  # such as ROOTFS + "/../../canary" land
  CANARY=$BATS_TEST_TMPDIR/canary
  mkdir -p "$CANARY/dir"
  echo "canary file" > "$CANARY/file"
  echo "canary in dir" > "$CANARY/dir/file"
  CANARY_BEFORE=$(snapshot "$CANARY")
  NEIGHBOURS_BEFORE=$(ls -A "$BATS_TEST_TMPDIR")
  rm -rf /tmp/clawrt-hostile-*
}

teardown() {
  teardown_bundle
  rm -rf /tmp/clawrt-hostile-*
}

# snapshot DIR: everything a write, a mount or a mknod would change.
snapshot() {
  find "$1" -printf '%P %y %D %i %m %s %T@ %l\n' | sort
  find "$1" -type f -exec md5sum {} + | sort
}

# run_config: run the bundle as it is, bounded in time; sets status/output.
run_config() {
  run_nopipe timeout -k 5 "${1:-30}" env CLAWRT_TEST_MARK="$CLAWRT_TEST_MARK" \
    "$CLAWRT" --root "$CLAWRT_ROOT" run -b "$BUNDLE" "$ID"
}

# escaped: what, outside the bundle, a run touched ("" when nothing).
escaped() {
  local now
  now=$(snapshot "$CANARY")
  if [ "$now" != "$CANARY_BEFORE" ]; then
    echo "the canary changed:"
    diff <(echo "$CANARY_BEFORE") <(echo "$now") | head -5
  fi
  now=$(ls -A "$BATS_TEST_TMPDIR")
  [ "$now" = "$NEIGHBOURS_BEFORE" ] ||
    echo "new files next to the bundle: $(comm -13 <(echo "$NEIGHBOURS_BEFORE") <(echo "$now") | tr '\n' ' ')"
  compgen -G '/tmp/clawrt-hostile-*' >/dev/null && echo "host paths made: $(echo /tmp/clawrt-hostile-*)"
  grep -e clawrt-hostile -e "$CANARY" /proc/self/mountinfo | sed 's/^/mount left on the host: /'
  mountpoint -q /etc && echo "host /etc is a mount point"
  return 0
}

# judge NAME WANT [TEXT]: the outcome of the last run_config, against WANT
# (error, run, error-or-run; see tests/hostile/EXPECT).  Prints why it is
# wrong, nothing when it is right; cleans up after the run either way.
judge() {
  local name=$1 want=$2 text=${3:-} why=
  case $status in
    124 | 137) why="hang: no answer within the time limit" ;;
    *) [ "$status" -lt 128 ] || why="crash: status $status" ;;
  esac
  case $output in
    *AddressSanitizer* | *LeakSanitizer* | *"runtime error:"*) why="sanitizer report" ;;
  esac
  if [ -z "$why" ]; then
    case $want in
      error)
        if [ "$status" = 0 ]; then
          why="expected an error, it ran"
        elif [ -z "$output" ]; then
          why="failed without a message"
        elif [ -n "$text" ] && runtime_is clawrt && [[ "$output" != *"$text"* ]]; then
          why="the error does not name \"$text\""
        fi
        ;;
      run) [ "$status" = 0 ] || why="expected a safe run, got status $status" ;;
      error-or-run) [ "$status" = 0 ] || [ -n "$output" ] || why="failed without a message" ;;
      *) why="bad expectation \"$want\"" ;;
    esac
  fi
  clawrt delete --force "$ID" >/dev/null 2>&1 || true
  local esc
  esc=$(escaped)
  [ -z "$esc" ] || why="${why:+$why; }$esc"
  if ! assert_nothing_left "$ID" 2>/dev/null; then
    why="${why:+$why; }left something behind (state, mount or process)"
  fi
  if [ -n "$why" ]; then
    echo "$name: $why"
    printf '%s\n' "$output" | head -n 4 | sed 's/^/    /'
  fi
}

@test "hostile: every config.json in tests/hostile gets its expected outcome" {
  local file want text failures= n=0
  while read -r file want text; do
    case $file in '' | '#'*) continue ;; esac
    [ -f "$HOSTILE_DIR/$file" ] || { failures+="$file: listed in EXPECT but missing"$'\n'; continue; }
    cp "$HOSTILE_DIR/$file" "$BUNDLE/config.json"
    run_config
    failures+=$(judge "$file" "$want" "$text")
    n=$((n + 1))
  done < "$HOSTILE_DIR/EXPECT"
  # every file has an expectation
  for file in "$HOSTILE_DIR"/*.json; do
    grep -q "^${file##*/} " "$HOSTILE_DIR/EXPECT" || failures+="${file##*/}: not in EXPECT"$'\n'
  done
  echo "$n configs tried"
  [ "$n" -ge 80 ]
  if [ -n "$failures" ]; then
    echo "$failures"
    return 1
  fi
}

# ---- generated monsters ---------------------------------------------------------

# gen_config JQ_ARGS...: config.json = the baseline of the corpus edited by jq
gen_config() {
  jq "$@" "$HOSTILE_DIR/baseline.json" > "$BUNDLE/config.json"
}

# try_generated NAME WANT [TEXT] [LIMIT]: run it and judge it; fail with why
try_generated() {
  run_config "${4:-30}"
  local why
  why=$(judge "$@")
  [ -z "$why" ] || { echo "$why"; return 1; }
}

@test "hostile: deep nesting, in known and unknown fields" {
  local depth
  for depth in 1000 100000 1000000; do
    # an unknown field holding [[[...]]]
    { printf '{"x-clawrt-deep": '; head -c "$depth" /dev/zero | tr '\0' '['
      head -c "$depth" /dev/zero | tr '\0' ']'; printf ', '
      tail -c +2 "$HOSTILE_DIR/baseline.json"; } > "$BUNDLE/config.json"
    try_generated "deep array x$depth" error-or-run
    # objects in annotations: only strings are allowed there
    { printf '{"annotations": {"a": '; for ((i = 0; i < depth / 1000; i++)); do printf '{"a":'; done
      printf '1'; for ((i = 0; i < depth / 1000; i++)); do printf '}'; done; printf '}, '
      tail -c +2 "$HOSTILE_DIR/baseline.json"; } > "$BUNDLE/config.json"
    try_generated "deep object x$((depth / 1000))" error config.json
  done
}

@test "hostile: huge strings" {
  # 1 MiB in fields the kernel limits, 20 MiB past the size limit
  local big=$BUNDLE/big
  head -c 1048576 /dev/zero | tr '\0' a > "$big"
  gen_config --rawfile b "$big" '.hostname = $b'
  try_generated "1 MiB hostname" error hostname
  gen_config --rawfile b "$big" '.process.args = ["/" + $b]'
  try_generated "1 MiB argv[0]" error-or-run
  gen_config --rawfile b "$big" '.mounts += [{destination: ("/" + $b), type: "tmpfs", source: "tmpfs"}]'
  try_generated "1 MiB mount destination" error-or-run
  gen_config --rawfile b "$big" '.process.env += ["X=" + $b]'
  try_generated "1 MiB environment value" error-or-run
  gen_config --rawfile b "$big" '.linux.sysctl = {("kernel." + $b): "1"}'
  try_generated "1 MiB sysctl name" error linux.sysctl
  gen_config --rawfile b "$big" '.annotations = {($b): $b}'
  try_generated "1 MiB annotation" error-or-run
  { printf '{"x-clawrt-big": "'; head -c $((20 << 20)) /dev/zero | tr '\0' a; printf '", '
    tail -c +2 "$HOSTILE_DIR/baseline.json"; } > "$BUNDLE/config.json"
  try_generated "20 MiB config.json" error config.json
}

@test "hostile: huge arrays" {
  local n=200000 arr=$BUNDLE/arr
  seq -f '"a%g"' 1 "$n" | paste -sd, | sed 's/^/[/; s/$/]/' > "$arr"
  gen_config --slurpfile a "$arr" '.process.args = ["true"] + $a[0]'
  try_generated "$n arguments" error-or-run
  gen_config --slurpfile a "$arr" '.process.env = ($a[0] | map("K" + . + "=v"))'
  try_generated "$n environment variables" error-or-run
  gen_config --slurpfile a "$arr" '.linux.maskedPaths = ($a[0] | map("/proc/" + .))'
  try_generated "$n masked paths" error-or-run 120
  gen_config '.linux.seccomp = { defaultAction: "SCMP_ACT_ALLOW",
    syscalls: [range(0; 50000) | { names: ["getpid"], action: "SCMP_ACT_ERRNO",
                                   args: [{ index: 0, value: ., op: "SCMP_CMP_EQ" }] }] }'
  # each distinct rule with arguments needs a BPF instruction of the
  # kernel's 4096: this can never load, and is refused before libseccomp,
  # whose insertion is quadratic, spends most of a minute on it
  try_generated "50000 seccomp rules" error linux.seccomp 10
  gen_config '.process.user.additionalGids = [range(0; 100000)]'
  try_generated "100000 additional gids" error-or-run
  gen_config '.mounts += [range(0; 5000) | { destination: "/tmp/m\(.)", type: "tmpfs", source: "tmpfs" }]'
  try_generated "5000 mounts" error-or-run 120
}

@test "hostile: bytes that are not JSON text" {
  local name
  for name in nul utf8 bom binary; do
    case $name in
      nul) { printf '{"hostname": "a'; printf '\0'; printf 'b", '; tail -c +2 "$HOSTILE_DIR/baseline.json"; } ;;
      utf8) { printf '{"hostname": "\xff\xfe\xc0\xaf", '; tail -c +2 "$HOSTILE_DIR/baseline.json"; } ;;
      bom) { printf '\xef\xbb\xbf'; cat "$HOSTILE_DIR/baseline.json"; } ;;
      binary) head -c 65536 /dev/urandom ;;
    esac > "$BUNDLE/config.json"
    try_generated "$name bytes" error-or-run
  done
  # a config.json that is not a regular file
  rm "$BUNDLE/config.json"
  mkfifo "$BUNDLE/config.json"
  try_generated "config.json a fifo" error config.json 10
  rm "$BUNDLE/config.json"
  ln -s /dev/zero "$BUNDLE/config.json"
  try_generated "config.json a symlink to /dev/zero" error config.json 10
  rm "$BUNDLE/config.json"
  mkdir "$BUNDLE/config.json"
  try_generated "config.json a directory" error config.json 10
  rmdir "$BUNDLE/config.json"
}

# ---- rootfs trees that lie ----------------------------------------------------------

# The corpus baseline, without the /dev tmpfs when asked: then the rootfs's
# own /dev is the one the runtime must fill.
use_baseline() {
  if [ $# = 0 ]; then gen_config .; else gen_config "$@"; fi
}

@test "hostile: a rootfs that is a symlink" {
  mv "$ROOTFS" "$BUNDLE/real-rootfs"
  ln -s real-rootfs "$ROOTFS"
  use_baseline
  # (runc refuses any symlink here; clawrt follows one that stays inside)
  try_generated "rootfs -> real-rootfs (inside the bundle)" error-or-run
  # a relative link that climbs out of the bundle, to a rootfs copy there
  cp -a "$BUNDLE/real-rootfs" "$CANARY/rootfs"
  CANARY_BEFORE=$(snapshot "$CANARY")
  ln -sfn ../canary/rootfs "$BUNDLE/rootfs"
  try_generated "rootfs -> ../canary/rootfs (outside the bundle)" error-or-run
  ln -sfn /nonexistent/clawrt-hostile-root "$BUNDLE/rootfs"
  try_generated "rootfs -> a dangling link" error root.path
  ln -sfn rootfs "$BUNDLE/rootfs"
  try_generated "rootfs -> itself" error root.path
  ln -sfn /etc/passwd "$BUNDLE/rootfs"
  try_generated "rootfs -> a file" error root.path
}

@test "hostile: /proc in the rootfs a symlink out of it" {
  local target
  for target in /tmp/clawrt-hostile-proc ../../../../../../../tmp/clawrt-hostile-proc \
    ../../canary/proc /proc/self/root/tmp/clawrt-hostile-proc / ..; do
    rm -rf "$ROOTFS/proc"
    ln -s "$target" "$ROOTFS/proc"
    use_baseline '.process.args = ["sh", "-c", "echo x > /proc/sys/kernel/hostname; echo y > /proc/self/attr/current; true"]'
    try_generated "/proc -> $target" error-or-run
  done
  rm -f "$ROOTFS/proc"
  mkdir "$ROOTFS/proc"
}

@test "hostile: /dev and /dev/null in the rootfs symlinks out of it" {
  local target
  # no /dev tmpfs: the runtime fills the rootfs's own /dev
  for target in /tmp/clawrt-hostile-null ../../../canary/file /etc/hostname; do
    ln -sfn "$target" "$ROOTFS/dev/null"
    use_baseline 'del(.mounts[] | select(.destination == "/dev"))'
    try_generated "/dev/null -> $target, no /dev mount" error-or-run
    use_baseline
    try_generated "/dev/null -> $target, /dev a tmpfs" run
  done
  rm -rf "$ROOTFS/dev"
  for target in /tmp/clawrt-hostile-dev ../../canary/dir /dev; do
    ln -sfn "$target" "$ROOTFS/dev"
    use_baseline 'del(.mounts[] | select(.destination == "/dev"))
      | .linux.devices = [{ path: "/dev/clawrt-hostile-node", type: "c", major: 1, minor: 3 }]'
    try_generated "/dev -> $target, no /dev mount" error-or-run
    use_baseline
    try_generated "/dev -> $target, /dev a tmpfs" error-or-run
  done
  rm -f "$ROOTFS/dev"
  mkdir "$ROOTFS/dev"
  # nothing of it reached the host's /dev
  [ ! -e /dev/clawrt-hostile-node ]
}

@test "hostile: mount destinations that are symlinks out of the rootfs" {
  ln -s ../../../canary "$ROOTFS/tmp/up"
  ln -s /tmp "$ROOTFS/tmp/abs"
  ln -s /etc "$ROOTFS/tmp/etc"
  ln -s ../../../canary/file "$ROOTFS/etc/file-up"
  local dest
  for dest in /tmp/up /tmp/up/dir /tmp/up/new /tmp/abs/clawrt-hostile-mnt /tmp/etc; do
    use_baseline --arg d "$dest" '.mounts += [{ destination: $d, type: "tmpfs", source: "tmpfs" }]'
    try_generated "tmpfs on $dest" error-or-run
    use_baseline --arg d "$dest" \
      '.mounts += [{ destination: $d, type: "bind", source: "rootfs/bin", options: ["bind", "ro"] }]'
    try_generated "bind on $dest" error-or-run
  done
  # a file bind mount onto a link to a file outside
  use_baseline '.mounts += [{ destination: "/etc/file-up", type: "bind", source: "rootfs/etc/passwd", options: ["bind"] }]'
  try_generated "file bind on a link to ../../../canary/file" error-or-run
  use_baseline '.linux.maskedPaths = ["/tmp/up/file", "/tmp/up/dir", "/tmp/etc/hostname"]
    | .linux.readonlyPaths = ["/tmp/up", "/tmp/etc"]'
  try_generated "masked and read-only paths through the links" error-or-run
  use_baseline '.process.cwd = "/tmp/up"'
  try_generated "cwd through a link out" error-or-run
}
