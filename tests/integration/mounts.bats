#!/usr/bin/env bats
# Spec mounts: bind/rbind with their flags, tmpfs, recursive attributes,
# propagation, overlay, cgroup, and the symlink-destination escape class
# (CVE-2021-30465).

load helpers

setup() {
  requires_root
  setup_bundle
}

teardown() {
  teardown_bundle
  if [ -n "${HOSTMNT:-}" ]; then
    umount -R "$HOSTMNT" 2>/dev/null || true
  fi
}

# run_sh SCRIPT: run the bundle as `sh -c SCRIPT`, output in $output.
run_sh() {
  update_config --arg s "$1" '.process.args = ["sh", "-c", $s]'
  run clawrt run -b "$BUNDLE" c1
}

# add_mount JSON: append one entry to .mounts.
add_mount() {
  update_config --argjson m "$1" '.mounts += [$m]'
}

# In the container: the per-mount options of the mount at $1.
MOPTS='mopts() { awk -v d="$1" '"'"'$5 == d { o = $6 } END { print o }'"'"' /proc/self/mountinfo; }'

@test "bind rw: the container writes, the host sees it" {
  mkdir "$BATS_TEST_TMPDIR/src"
  echo from-host > "$BATS_TEST_TMPDIR/src/in"
  add_mount "{\"destination\": \"/data\", \"type\": \"bind\", \"source\": \"$BATS_TEST_TMPDIR/src\", \"options\": [\"rbind\", \"rw\"]}"
  run_sh 'cat /data/in && echo from-container > /data/out'
  [ "$status" -eq 0 ]
  [ "$output" = from-host ]
  [ "$(cat "$BATS_TEST_TMPDIR/src/out")" = from-container ]
}

@test "bind ro stays read-only, also as the bind option without a type" {
  mkdir "$BATS_TEST_TMPDIR/src"
  add_mount "{\"destination\": \"/ro1\", \"type\": \"bind\", \"source\": \"$BATS_TEST_TMPDIR/src\", \"options\": [\"bind\", \"ro\"]}"
  add_mount "{\"destination\": \"/ro2\", \"source\": \"$BATS_TEST_TMPDIR/src\", \"options\": [\"rbind\", \"ro\", \"nosuid\"]}"
  run_sh "$MOPTS"'; mopts /ro1; mopts /ro2; touch /ro1/x 2>/dev/null && echo WROTE1; touch /ro2/x 2>/dev/null && echo WROTE2; true'
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" == ro,* ]]
  [[ "${lines[1]}" == ro,nosuid* ]]
  [[ "$output" != *WROTE* ]]
  [ ! -e "$BATS_TEST_TMPDIR/src/x" ]
}

@test "bind of a file makes a file destination, parents included" {
  echo filecontent > "$BATS_TEST_TMPDIR/afile"
  add_mount "{\"destination\": \"/new/dir/afile\", \"type\": \"bind\", \"source\": \"$BATS_TEST_TMPDIR/afile\", \"options\": [\"bind\"]}"
  run_sh '[ -f /new/dir/afile ] && cat /new/dir/afile'
  [ "$status" -eq 0 ]
  [ "$output" = filecontent ]
}

@test "a relative bind source is relative to the bundle" {
  mkdir "$BUNDLE/vol"
  echo in-bundle > "$BUNDLE/vol/f"
  add_mount '{"destination": "/vol", "type": "bind", "source": "vol", "options": ["bind"]}'
  run_sh 'cat /vol/f'
  [ "$status" -eq 0 ]
  [ "$output" = in-bundle ]
}

@test "tmpfs with size, mode and flags" {
  add_mount '{"destination": "/scratch", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "nodev", "noexec", "size=2m", "mode=1770"]}'
  run_sh "$MOPTS"'; stat -c %a /scratch; mopts /scratch; grep " /scratch " /proc/self/mountinfo'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = 1770 ]
  [[ "${lines[1]}" == rw,nosuid,nodev,noexec* ]]
  [[ "${lines[2]}" == *size=2048k* ]]
}

@test "tmpcopyup: the tmpfs starts with the image's content, owners and modes" {
  mkdir -p "$ROOTFS/seed/sub"
  echo seeded > "$ROOTFS/seed/sub/f"
  chmod 0750 "$ROOTFS/seed/sub"
  chown 12:34 "$ROOTFS/seed/sub/f"
  ln -s /etc/passwd "$ROOTFS/seed/link"
  add_mount '{"destination": "/seed", "type": "tmpfs", "source": "tmpfs", "options": ["tmpcopyup", "ro"]}'
  run_sh 'cat /seed/sub/f; stat -c "%a" /seed/sub; stat -c "%u:%g" /seed/sub/f; readlink /seed/link; stat -f -c %T /seed; touch /seed/x 2>/dev/null && echo WROTE; true'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = seeded ]
  [ "${lines[1]}" = 750 ]
  [ "${lines[2]}" = 12:34 ]
  [ "${lines[3]}" = /etc/passwd ]
  [ "${lines[4]}" = tmpfs ]
  [ "${#lines[@]}" -eq 5 ]
}

@test "atime options reach the mount" {
  add_mount '{"destination": "/a1", "type": "tmpfs", "source": "tmpfs", "options": ["noatime"]}'
  add_mount '{"destination": "/a2", "type": "tmpfs", "source": "tmpfs", "options": ["strictatime", "nodiratime"]}'
  run_sh "$MOPTS"'; mopts /a1; mopts /a2'
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" == *noatime* ]]
  [[ "${lines[1]}" != *relatime* && "${lines[1]}" == *nodiratime* ]]
}

@test "rro makes every mount below an rbind read-only (needs runc >= 1.2 as reference)" {
  HOSTMNT=$BATS_TEST_TMPDIR/tree
  mkdir -p "$HOSTMNT"
  mount -t tmpfs tmpfs "$HOSTMNT"
  mkdir "$HOSTMNT/sub"
  mount -t tmpfs tmpfs "$HOSTMNT/sub"
  add_mount "{\"destination\": \"/rro\", \"type\": \"bind\", \"source\": \"$HOSTMNT\", \"options\": [\"rbind\", \"rro\"]}"
  add_mount "{\"destination\": \"/plain\", \"type\": \"bind\", \"source\": \"$HOSTMNT\", \"options\": [\"rbind\", \"ro\"]}"
  run_sh 'touch /rro/x 2>/dev/null && echo W1; touch /rro/sub/x 2>/dev/null && echo W2; touch /plain/x 2>/dev/null && echo W3; touch /plain/sub/y 2>/dev/null && echo W4; true'
  [ "$status" -eq 0 ]
  # rro: nothing writable; plain ro: only the top mount is read-only
  [ "$output" = W4 ]
}

@test "rslave bind receives what the host mounts later, rprivate does not" {
  HOSTMNT=$BATS_TEST_TMPDIR/shared
  mkdir -p "$HOSTMNT"
  mount -t tmpfs tmpfs "$HOSTMNT"
  mount --make-shared "$HOSTMNT"
  mkdir "$HOSTMNT/sub"
  add_mount "{\"destination\": \"/slave\", \"type\": \"bind\", \"source\": \"$HOSTMNT\", \"options\": [\"rbind\", \"rslave\"]}"
  add_mount "{\"destination\": \"/private\", \"type\": \"bind\", \"source\": \"$HOSTMNT\", \"options\": [\"rbind\", \"rprivate\"]}"
  update_config '.process.args = ["sh", "-c", "touch /slave/ready; i=0; while [ ! -e /slave/sub/hello ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done; echo slave=$(cat /slave/sub/hello) private=$(cat /private/sub/hello 2>/dev/null || echo none)"]'
  clawrt run -b "$BUNDLE" c1 > "$BATS_TEST_TMPDIR/out" 2>&1 &
  local pid=$! i=0
  while [ ! -e "$HOSTMNT/ready" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
  [ -e "$HOSTMNT/ready" ]
  mount -t tmpfs tmpfs "$HOSTMNT/sub"
  echo hi > "$HOSTMNT/sub/hello"
  wait "$pid"
  [ "$(cat "$BATS_TEST_TMPDIR/out")" = "slave=hi private=none" ]
}

@test "a container's mounts never propagate back to the host" {
  HOSTMNT=$BATS_TEST_TMPDIR/shared
  mkdir -p "$HOSTMNT"
  mount -t tmpfs tmpfs "$HOSTMNT"
  mount --make-shared "$HOSTMNT"
  add_mount "{\"destination\": \"/vol\", \"type\": \"bind\", \"source\": \"$HOSTMNT\", \"options\": [\"rbind\"]}"
  add_mount '{"destination": "/vol/inner", "type": "tmpfs", "source": "tmpfs"}'
  run_sh 'grep -c " /vol/inner " /proc/self/mountinfo'
  [ "$status" -eq 0 ]
  [ "$output" = 1 ]
  # neither the rootfs mounts nor the tmpfs made on the shared volume leak
  ! grep -q " $ROOTFS" /proc/self/mountinfo
  ! grep -q " $HOSTMNT/inner " /proc/self/mountinfo
}

@test "a symlinked mount destination stays inside the rootfs (CVE-2021-30465)" {
  local target=$BATS_TEST_TMPDIR/host-target target2=$BATS_TEST_TMPDIR/host-target2
  mkdir "$target" "$target2"
  echo untouched > "$target/marker"
  ln -s "$target" "$ROOTFS/abs-link"
  ln -s ../../../../../../../../..$target2 "$ROOTFS/rel-link"
  add_mount '{"destination": "/abs-link", "type": "tmpfs", "source": "tmpfs", "options": ["size=1m"]}'
  add_mount "{\"destination\": \"/rel-link/sub\", \"type\": \"bind\", \"source\": \"$target\", \"options\": [\"rbind\"]}"
  run_sh "echo inside > /abs-link/file; cat /abs-link/file; awk '\$5 == \"$target\"' /proc/self/mountinfo | wc -l; cat /rel-link/sub/marker"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = inside ]
  [ "${lines[1]}" = 1 ]
  [ "${lines[2]}" = untouched ]
  # the host directories were neither mounted over nor written
  [ "$(cat "$target/marker")" = untouched ]
  [ ! -e "$target/file" ] && [ ! -e "$target2/sub" ]
  ! awk -v t="$target" '$5 == t { f = 1 } END { exit !f }' /proc/self/mountinfo
  # what was made, was made under the rootfs
  [ -d "$ROOTFS$target2/sub" ]
}

@test "proc is not mounted through a symlink" {
  rmdir "$ROOTFS/proc"
  mkdir "$ROOTFS/fakeproc"
  ln -s /fakeproc "$ROOTFS/proc"
  run_sh 'true'
  [ "$status" -ne 0 ]
  ! grep -q " $ROOTFS" /proc/self/mountinfo
}

@test "overlay with lowerdir, upperdir, workdir" {
  local o=$BATS_TEST_TMPDIR/ovl
  mkdir -p "$o/lower" "$o/upper" "$o/work"
  echo low > "$o/lower/l"
  add_mount "{\"destination\": \"/merged\", \"type\": \"overlay\", \"source\": \"overlay\", \"options\": [\"lowerdir=$o/lower\", \"upperdir=$o/upper\", \"workdir=$o/work\"]}"
  run_sh 'cat /merged/l && echo up > /merged/u'
  [ "$status" -eq 0 ]
  [ "$output" = low ]
  [ "$(cat "$o/upper/u")" = up ]
  [ ! -e "$o/lower/u" ]
}

@test "idmapped bind: owners seen through uidMappings/gidMappings (needs runc >= 1.2 as reference)" {
  mkdir "$BATS_TEST_TMPDIR/owned"
  touch "$BATS_TEST_TMPDIR/owned/f"
  chown 0:0 "$BATS_TEST_TMPDIR/owned/f"
  add_mount "{\"destination\": \"/idm\", \"type\": \"bind\", \"source\": \"$BATS_TEST_TMPDIR/owned\", \"options\": [\"bind\", \"idmap\"],
     \"uidMappings\": [{\"containerID\": 0, \"hostID\": 1234, \"size\": 1}],
     \"gidMappings\": [{\"containerID\": 0, \"hostID\": 4321, \"size\": 1}]}"
  run_sh 'stat -c "%u:%g" /idm/f'
  [ "$status" -eq 0 ]
  [ "$output" = 1234:4321 ]
  # the host's view is unchanged
  [ "$(stat -c %u:%g "$BATS_TEST_TMPDIR/owned/f")" = 0:0 ]
}

@test "remount changes the flags of an existing mount" {
  add_mount '{"destination": "/rm", "type": "tmpfs", "source": "tmpfs"}'
  add_mount '{"destination": "/rm", "type": "tmpfs", "source": "tmpfs", "options": ["remount", "ro"]}'
  run_sh 'touch /rm/x 2>/dev/null && echo WROTE; grep -c " /rm " /proc/self/mountinfo'
  [ "$status" -eq 0 ]
  [ "$output" = 1 ]
}

@test "a bad filesystem option fails the start and names the mount" {
  add_mount '{"destination": "/bad", "type": "tmpfs", "source": "tmpfs", "options": ["size=notanumber"]}'
  run_sh 'true'
  [ "$status" -ne 0 ]
  [[ "$output" == *size* ]]
  if [ "$(basename "$CLAWRT")" != runc ]; then
    [[ "$output" == *"mounts["*"/bad"* ]]
  fi
  ! grep -q " $ROOTFS" /proc/self/mountinfo
}

@test "cgroup mount (v1/hybrid host): hierarchies, read-only, the container's own cgroup" {
  [ "$(stat -f -c %T /sys/fs/cgroup)" = tmpfs ] || skip "host is not cgroup v1/hybrid"
  run_sh 'ls /sys/fs/cgroup; touch /sys/fs/cgroup/memory/x 2>/dev/null && echo WROTE; grep -qx 1 /sys/fs/cgroup/memory/cgroup.procs && echo OWN'
  [ "$status" -eq 0 ]
  [[ "$output" == *memory* ]]
  [[ "$output" == *pids* ]]
  [[ "$output" != *WROTE* ]]
  [[ "$output" == *OWN* ]]
  if [ -d /sys/fs/cgroup/unified ]; then
    [[ "$output" == *unified* ]]
  fi
}

@test "cgroup mount (pure v2 host): cgroup2, read-only, the container's own cgroup" {
  [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ] || skip "host is not pure cgroup v2"
  run_sh 'stat -f -c %T /sys/fs/cgroup; touch /sys/fs/cgroup/x 2>/dev/null && echo WROTE; grep -qx 1 /sys/fs/cgroup/cgroup.procs && echo OWN'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = cgroup2fs ]
  [[ "$output" != *WROTE* ]]
  [[ "$output" == *OWN* ]]
}

# v1_view SCRIPT: a private mount namespace whose /sys/fs/cgroup is a new
# tmpfs holding binds of the v1 hierarchies only, as the shared bench
# scripts present a hybrid host; the old mounts, cgroup2 among them, stay
# in mountinfo below it.
v1_view() {
  cat > "$BATS_TEST_TMPDIR/v1view" <<'VIEW'
set -e
t=$(mktemp -d)
mount -t tmpfs -o mode=755 v1view "$t"
for d in /sys/fs/cgroup/*; do
  n=${d##*/}
  [ "$n" = unified ] && continue
  if [ -L "$d" ]; then ln -s "$(readlink "$d")" "$t/$n"; continue; fi
  mkdir "$t/$n"
  mount --bind "$d" "$t/$n"
done
mount --move "$t" /sys/fs/cgroup
rmdir "$t"
exec "$@"
VIEW
  update_config --arg s "$1" '.process.args = ["sh", "-c", $s]'
  run unshare -m --propagation private sh "$BATS_TEST_TMPDIR/v1view" \
    env CLAWRT_TEST_MARK="$CLAWRT_TEST_MARK" "$CLAWRT" --root "$CLAWRT_ROOT" run -b "$BUNDLE" c1
}

@test "cgroup mount on a v1 view of a hybrid host: the hierarchies that are visible, once each" {
  [ "$(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ] || skip "host is not hybrid"
  v1_view 'ls /sys/fs/cgroup; awk '"'"'$5 ~ "^/sys/fs/cgroup/" { print $5 }'"'"' /proc/self/mountinfo | sort | uniq -d | sed "s/^/DUP /"'
  [ "$status" -eq 0 ]
  [[ "$output" == *memory* ]]
  [[ "$output" == *pids* ]]
  [[ "$output" != *unified* ]]
  [[ "$output" != *DUP* ]]
}

@test "with a cgroup namespace every hierarchy shows its root as /" {
  update_config '.linux.namespaces += [{"type": "cgroup"}] | .linux.namespaces |= unique_by(.type)'
  run_sh 'cat /proc/self/cgroup; awk '"'"'$9 == "cgroup" || $9 == "cgroup2" { print "root=" $4 }'"'"' /proc/self/mountinfo'
  [ "$status" -eq 0 ]
  [[ "$output" == *root=/* ]]
  # every cgroup line ends at the namespace root, every mount is rooted there
  ! grep -v ':/$' <<< "$(grep -v '^root=' <<< "$output")"
  ! grep -v '^root=/$' <<< "$(grep '^root=' <<< "$output")"
}
