#!/usr/bin/env bats
# `features`: the runtime-spec features document (features.md,
# features-linux.md), its shape, and that what it lists is what a container
# gets on this host (the lists come from the runtime's own tables).

load helpers

setup() {
  setup_bundle
  FEATURES=$BATS_TEST_TMPDIR/features.json
  "$CLAWRT" features > "$FEATURES"
}

teardown() {
  teardown_bundle
}

# jq_true FILTER: FILTER is true on the features document.
jq_true() {
  local r
  r=$(jq -e "$@" "$FEATURES") || { echo "false on features.json: $*" >&2; return 1; }
}

@test "features: the document has the spec's shape" {
  jq_true 'type == "object"'
  jq_true '(.ociVersionMin | test("^1\\.[0-9]+\\.[0-9]+$"))
           and (.ociVersionMax | test("^1\\.[0-9]+\\.[0-9]+"))'
  # every array is an array of strings
  jq_true '[.hooks, .mountOptions, .linux.namespaces, .linux.capabilities,
            .linux.seccomp.actions, .linux.seccomp.operators, .linux.seccomp.archs,
            .linux.seccomp.knownFlags, .linux.seccomp.supportedFlags]
           | all(type == "array" and all(.[]; type == "string"))'
  # every flag group is an object of booleans
  jq_true '[.linux.cgroup, .linux.apparmor, .linux.selinux, .linux.intelRdt,
            .linux.mountExtensions.idmap, .linux.netDevices]
           | all(type == "object" and all(.[]; type == "boolean"))'
  jq_true '.linux.seccomp.enabled | type == "boolean"'
  jq_true '.annotations | type == "object" and all(.[]; type == "string")'
  # nothing but what the spec defines at the top and under linux
  jq_true 'keys - ["ociVersionMin", "ociVersionMax", "hooks", "mountOptions", "linux",
                   "annotations", "potentiallyUnsafeConfigAnnotations"] == []'
  jq_true '.linux | keys - ["namespaces", "capabilities", "cgroup", "seccomp", "apparmor",
                            "selinux", "intelRdt", "memoryPolicy", "mountExtensions",
                            "netDevices"] == []'
  # no duplicates in any list
  jq_true '[.hooks, .mountOptions, .linux.namespaces, .linux.capabilities,
            .linux.seccomp.actions, .linux.seccomp.archs] | all(length == (unique | length))'
}

@test "features: hooks, namespaces, capabilities are the spec's names" {
  jq_true '.hooks == ["prestart", "createRuntime", "createContainer", "startContainer",
                      "poststart", "poststop"]'
  jq_true '.linux.namespaces - ["user", "pid", "time", "network", "ipc", "uts", "cgroup",
                                "mount"] == []'
  jq_true '.linux.capabilities | all(test("^CAP_[A-Z_]+$"))'
  jq_true '.mountOptions | index("ro") != null and index("rbind") != null
           and index("rro") != null and index("idmap") != null'
  jq_true '.linux.seccomp.actions | index("SCMP_ACT_ALLOW") != null
           and index("SCMP_ACT_ERRNO") != null'
  jq_true '.linux.seccomp.operators | index("SCMP_CMP_MASKED_EQ") != null'
  jq_true '.linux.seccomp.supportedFlags - .linux.seccomp.knownFlags == []'
}

@test "features: what the host has, not what might be" {
  # one namespace kind per /proc/self/ns entry the kernel has
  local want k
  for k in user pid time net ipc uts cgroup mnt; do
    [ -e "/proc/self/ns/$k" ] || continue
    case $k in net) want=network ;; mnt) want=mount ;; *) want=$k ;; esac
    jq_true --arg n "$want" '.linux.namespaces | index($n) != null'
  done
  # capabilities up to the kernel's last one, no more
  local last
  last=$(cat /proc/sys/kernel/cap_last_cap)
  jq_true --argjson n "$((last + 1))" '.linux.capabilities | length == $n'
  # cgroup layouts from mountinfo; no systemd driver exists
  if grep -q ' - cgroup2 ' /proc/self/mountinfo; then jq_true '.linux.cgroup.v2 == true'
  else jq_true '.linux.cgroup.v2 == false'; fi
  if grep -q ' - cgroup ' /proc/self/mountinfo; then jq_true '.linux.cgroup.v1 == true'
  else jq_true '.linux.cgroup.v1 == false'; fi
  jq_true '.linux.cgroup.systemd == false and .linux.cgroup.systemdUser == false'
  # LSMs as the kernel reports them
  if [ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" = Y ]; then
    jq_true '.linux.apparmor.enabled == true'
  else
    jq_true '.linux.apparmor.enabled == false'
  fi
  if [ -e /sys/fs/selinux/enforce ]; then jq_true '.linux.selinux.enabled == true'
  else jq_true '.linux.selinux.enabled == false'; fi
  # checkpoint: exactly when criu check passes
  if command -v criu >/dev/null && criu check >/dev/null 2>&1; then
    jq_true '.annotations["io.clawrt.checkpoint.enabled"] == "true"'
  else
    jq_true '.annotations["io.clawrt.checkpoint.enabled"] == "false"'
  fi
  jq_true '.annotations["io.github.seccomp.libseccomp.version"] | test("^[0-9]+\\.[0-9]+\\.[0-9]+$")'
  jq_true '.annotations | has("io.clawrt.strict")'
}

@test "features: a container gets every capability listed" {
  requires_root
  # all of them that the runtime holds itself (a machine may withhold some)
  local own n mask caps
  own=$((16#$(awk '/^CapEff/ {print $2}' /proc/self/status)))
  n=$(jq '.linux.capabilities | length' "$FEATURES")
  mask=$(( own & ((1 << n) - 1) ))
  caps=$(jq -c --argjson m "$mask" '[.linux.capabilities | to_entries[]
      | select((($m / pow(2; .key)) | floor) % 2 == 1) | .value]' "$FEATURES")
  update_config --argjson c "$caps" '.process.capabilities = {bounding: $c, effective: $c,
      permitted: $c} | .process.args = ["sh", "-c", "grep ^CapBnd /proc/self/status"]'
  run_nopipe clawrt run -b "$BUNDLE" feat-caps
  [ "$status" -eq 0 ] || { echo "$output"; return 1; }
  output_has "$(printf '%016x' "$mask")"
}

@test "features: a container may use every namespace listed" {
  requires_root
  local ns
  ns=$(jq -c '[.linux.namespaces[] | {type: .}]' "$FEATURES")
  update_config --argjson ns "$ns" '.linux.namespaces = $ns
      | .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
      | .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
      | .process.args = ["true"]'
  make_bundle_reachable
  chown -R 100000:100000 "$ROOTFS"
  run_nopipe clawrt run -b "$BUNDLE" feat-ns
  [ "$status" -eq 0 ] || { echo "$output"; return 1; }
  # and one it does not list is refused, naming the field
  update_config '.linux.namespaces += [{type: "pidd"}]'
  run_nopipe clawrt run -b "$BUNDLE" feat-ns2
  [ "$status" -ne 0 ]
  output_has 'pidd'
}

@test "features: a seccomp profile may use every action, operator and arch listed" {
  requires_root
  # SCMP_ACT_NOTIFY needs a listener agent; the others stand alone
  jq -n --slurpfile f "$FEATURES" '
    ($f[0].linux.seccomp) as $s
    | {defaultAction: "SCMP_ACT_ALLOW",
       architectures: $s.archs,
       flags: ($s.supportedFlags - ["SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"]),
       syscalls: (([$s.actions[] | select(. != "SCMP_ACT_NOTIFY" and . != "SCMP_ACT_ALLOW")]
                   | to_entries | map({names: ["getpriority"], action: .value,
                                       args: [{index: 0, value: (1000 + .key), valueTwo: 0,
                                               op: "SCMP_CMP_EQ"}]}))
                  + ($s.operators | to_entries | map({names: ["setpriority"],
                                       action: "SCMP_ACT_ERRNO",
                                       args: [{index: 0, value: (2000 + .key), valueTwo: 0,
                                               op: .value}]})))}' > "$BATS_TEST_TMPDIR/seccomp.json"
  update_config --slurpfile s "$BATS_TEST_TMPDIR/seccomp.json" \
    '.linux.seccomp = $s[0] | .process.args = ["sh", "-c", "echo seccomp-ok"]'
  run_nopipe clawrt run -b "$BUNDLE" feat-sc
  [ "$status" -eq 0 ] || { echo "$output"; return 1; }
  output_has seccomp-ok
}

@test "features: a container may use every mount option listed" {
  requires_root
  # one tmpfs per option; the options that say how a mount is made get the
  # mount they need: bind and rbind a bind of a directory of the image,
  # remount a bind of /etc made read-only, tmpcopyup a tmpfs over /etc.
  # idmap and ridmap need an idmapped bind in a user namespace: mounts.bats
  mkdir -p "$ROOTFS/src"
  jq -c '.mountOptions' "$FEATURES" > "$BATS_TEST_TMPDIR/opts.json"
  update_config --slurpfile o "$BATS_TEST_TMPDIR/opts.json" '
    .mounts += ($o[0] | to_entries | map(
      if .value == "idmap" or .value == "ridmap" then empty
      elif .value == "bind" or .value == "rbind" then
        {destination: "/m/\(.key)", type: "bind", source: "rootfs/src", options: [.value]}
      elif .value == "remount" then
        {destination: "/etc", type: "bind", source: "rootfs/etc", options: ["bind"]},
        {destination: "/etc", type: "none", source: "none", options: ["remount", "ro"]}
      elif .value == "tmpcopyup" then
        {destination: "/etc", type: "tmpfs", source: "tmpfs", options: ["tmpcopyup"]}
      else {destination: "/m/\(.key)", type: "tmpfs", source: "tmpfs", options: [.value]}
      end))
    | .process.args = ["sh", "-c", "grep -c \" /m/\" /proc/self/mounts"]'
  run_nopipe clawrt run -b "$BUNDLE" feat-mnt
  [ "$status" -eq 0 ] || { echo "$output"; return 1; }
  local n
  n=$(jq '[.[] | select(. != "idmap" and . != "ridmap" and . != "remount"
                        and . != "tmpcopyup")] | length' "$BATS_TEST_TMPDIR/opts.json")
  [ "${lines[-1]}" -eq "$n" ] || { echo "$n mounts expected, got: $output"; return 1; }
}

@test "features: --help, and no arguments" {
  run "$CLAWRT" features --help
  [ "$status" -eq 0 ]
  output_has "features"
  run "$CLAWRT" features extra
  [ "$status" -ne 0 ]
  output_has 'unexpected argument "extra"'
}
