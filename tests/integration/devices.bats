#!/usr/bin/env bats
# /dev: the default nodes, linux.devices with mode/uid/gid, the /dev
# symlinks, what the image left in /dev, and user namespaces (host nodes
# bound instead of mknod).

load helpers

setup() {
  requires_root
  setup_bundle
}

teardown() {
  teardown_bundle
}

# The mapped root must be able to walk down to the rootfs (bats makes its
# temporary directories 0700).
allow_traverse() {
  local d=$ROOTFS
  while [ "$d" != / ]; do
    chmod a+x "$d"
    d=$(dirname "$d")
  done
}

run_sh() {
  update_config --arg s "$1" '.process.args = ["sh", "-c", $s]'
  run clawrt run -b "$BUNDLE" c1
}

@test "default devices: char nodes with the right numbers, mode 0666" {
  run_sh 'for d in null zero full random urandom tty; do echo "$d $(stat -c "%F %t:%T %a %u:%g" /dev/$d)"; done'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "null character special file 1:3 666 0:0" ]
  [ "${lines[1]}" = "zero character special file 1:5 666 0:0" ]
  [ "${lines[2]}" = "full character special file 1:7 666 0:0" ]
  [ "${lines[3]}" = "random character special file 1:8 666 0:0" ]
  [ "${lines[4]}" = "urandom character special file 1:9 666 0:0" ]
  [ "${lines[5]}" = "tty character special file 5:0 666 0:0" ]
}

@test "the default devices work" {
  run_sh 'echo x > /dev/null && head -c 4 /dev/zero | wc -c && head -c 8 /dev/urandom | wc -c'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = 4 ]
  [ "${lines[1]}" = 8 ]
}

@test "linux.devices: char node with fileMode, uid, gid, in a new subdirectory" {
  update_config '.linux.devices = [
      {"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229, "fileMode": 416, "uid": 1000, "gid": 1001},
      {"path": "/dev/net/tun", "type": "c", "major": 10, "minor": 200, "fileMode": 438}]'
  run_sh 'stat -c "%F %t:%T %a %u:%g" /dev/fuse /dev/net/tun'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "character special file a:e5 640 1000:1001" ]
  [ "${lines[1]}" = "character special file a:c8 666 0:0" ]
}

@test "linux.devices: block node and fifo" {
  update_config '.linux.devices = [
      {"path": "/dev/loop7", "type": "b", "major": 7, "minor": 7, "fileMode": 384},
      {"path": "/dev/myfifo", "type": "p", "fileMode": 420}]'
  run_sh 'stat -c "%F %t:%T %a" /dev/loop7; stat -c "%F %a" /dev/myfifo'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "block special file 7:7 600" ]
  [ "${lines[1]}" = "fifo 644" ]
}

@test "linux.devices may replace a default device" {
  # a spec that lists /dev/null itself has to allow it in the device cgroup too
  update_config '.linux.devices = [{"path": "/dev/null", "type": "c", "major": 1, "minor": 3, "fileMode": 436, "uid": 0, "gid": 7}]
      | .linux.resources.devices += [{"allow": true, "type": "c", "major": 1, "minor": 3, "access": "rwm"}]'
  run_sh 'stat -c "%t:%T %a %u:%g" /dev/null'
  [ "$status" -eq 0 ]
  [ "$output" = "1:3 664 0:7" ]
}

@test "/dev symlinks" {
  run_sh 'for l in fd stdin stdout stderr ptmx; do echo "$l -> $(readlink /dev/$l)"; done; ls /dev/fd/ >/dev/null && echo fd-ok'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "fd -> /proc/self/fd" ]
  [ "${lines[1]}" = "stdin -> /proc/self/fd/0" ]
  [ "${lines[2]}" = "stdout -> /proc/self/fd/1" ]
  [ "${lines[3]}" = "stderr -> /proc/self/fd/2" ]
  [ "${lines[4]}" = "ptmx -> pts/ptmx" ]
  [ "${lines[5]}" = fd-ok ]
}

@test "without a /dev tmpfs, what the image left at /dev/null is replaced by the device" {
  update_config '.mounts |= map(select(.destination != "/dev" and (.destination | startswith("/dev/") | not)))'
  echo "not a device" > "$ROOTFS/dev/null"
  ln -s /etc/passwd "$ROOTFS/dev/zero"
  run_sh 'stat -c "%F %t:%T" /dev/null /dev/zero'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "character special file 1:3" ]
  [ "${lines[1]}" = "character special file 1:5" ]
  [ -f "$BUNDLE/rootfs/etc/passwd" ]
}

@test "a device path outside /dev is refused before anything is made" {
  update_config '.linux.devices = [{"path": "/etc/evil", "type": "c", "major": 1, "minor": 1}]'
  run_sh 'true'
  [ "$status" -ne 0 ]
  [[ "$output" == *"linux.devices[0].path"* ]]
  [ ! -e "$ROOTFS/etc/evil" ]
}

@test "a device type without numbers is refused" {
  update_config '.linux.devices = [{"path": "/dev/x", "type": "c"}]'
  run_sh 'true'
  [ "$status" -ne 0 ]
  [ ! -e "$ROOTFS/dev/x" ]
}

@test "in a user namespace the host nodes are bound, not made" {
  [ -e /proc/self/ns/user ] || skip "no user namespaces"
  allow_traverse
  update_config '.linux.namespaces += [{"type": "user"}]
      | .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
      | .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
      | .linux.devices = [{"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229}]'
  # a user namespace may not mount a new sysfs for the host's network namespace
  # nor write the host-owned rootfs: keep the test about devices
  run_sh 'stat -c "%F %t:%T" /dev/null /dev/fuse; awk '"'"'$5 == "/dev/null" || $5 == "/dev/fuse" { print $5 }'"'"' /proc/self/mountinfo; echo ok > /dev/null && echo works'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "character special file 1:3" ]
  [ "${lines[1]}" = "character special file a:e5" ]
  [ "${lines[2]}" = /dev/null ]
  [ "${lines[3]}" = /dev/fuse ]
  [ "${lines[4]}" = works ]
}
