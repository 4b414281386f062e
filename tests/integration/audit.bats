#!/usr/bin/env bats
# clawrt audit: a bundle's isolation gaps, read without running it.  Text
# and JSON output, the --fail-on exit status that gates a deployment,
# strict mode's part (what it would change, why it refuses, and the findings
# of the config it makes when it is on), and the errors of a bad bundle.

load helpers

setup() {
  setup_bundle
  BUNDLE_REAL=$(cd "$BUNDLE" && pwd -P)
}

teardown() {
  teardown_bundle
}

# A bundle with no gap at all: the tight fixture of the unit tests, on this
# bundle's rootfs, its one bind a read-only host directory.
tight_config() {
  mkdir -p "$BATS_TEST_TMPDIR/agent"
  jq --arg v "$BATS_TEST_TMPDIR/agent" '.mounts[3].source = $v' \
    "$TESTS_DIR/../unit/fixtures/strict/tight.json" > "$BUNDLE/config.json"
}

@test "audit: short text, most severe first, ending with what strict mode would change" {
  run clawrt audit -b "$BUNDLE"
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" =~ ^"audit of $BUNDLE_REAL: "([0-9]+)" findings"$ ]]
  local n=${BASH_REMATCH[1]} i rank prev=5 sev
  [ "$n" -gt 0 ]
  for ((i = 1; i <= n; i++)); do
    sev=${lines[$i]%% *}
    case "$sev" in critical) rank=4 ;; high) rank=3 ;; medium) rank=2 ;; low) rank=1 ;; info) rank=0 ;;
      *) echo "line $i is no finding: ${lines[$i]}"; return 1 ;; esac
    [ "$rank" -le "$prev" ] || { echo "out of order at line $i"; return 1; }
    prev=$rank
  done
  # the default config has no seccomp profile and runs as root without a
  # user namespace
  output_has "linux.seccomp" "no seccomp profile" "process.user.uid"
  [ "${lines[$((n + 1))]}" = "strict mode (io.clawrt.strict=true) would change:" ]
  output_has "  - item 2: linux.maskedPaths: add /proc/pressure" "  - item 4: seccomp"
  # every line is short enough to read
  for ((i = 0; i <= n; i++)); do
    [ "${#lines[$i]}" -le 200 ] || { echo "long line: ${lines[$i]}"; return 1; }
  done
}

@test "audit: the current directory is the default bundle, and nothing runs" {
  cd "$BUNDLE"
  run clawrt audit
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" == "audit of $BUNDLE_REAL: "* ]]
  run clawrt list -q
  [ "$status" -eq 0 ]
  [ -z "$output" ]
}

@test "audit --format json: stable fields, the same findings as the text" {
  run clawrt audit -b "$BUNDLE"
  local n
  n=$(printf '%s\n' "${lines[0]}" | sed 's/.*: \([0-9]*\) findings*$/\1/')
  run clawrt audit -b "$BUNDLE" --format json
  [ "$status" -eq 0 ]
  local j=$output
  [ "$(jq -r .bundle <<<"$j")" = "$BUNDLE_REAL" ]
  [ "$(jq '.findings | length' <<<"$j")" -eq "$n" ]
  jq -e '.findings | all(has("severity") and has("id") and has("path") and has("message"))' <<<"$j"
  jq -e '.findings | all(.severity | IN("info", "low", "medium", "high", "critical"))' <<<"$j"
  jq -e '.findings | map({info: 0, low: 1, medium: 2, high: 3, critical: 4}[.severity])
         | . == (sort | reverse)' <<<"$j"
  jq -e '.findings | any(.id == "no-seccomp" and .path == "linux.seccomp" and .severity == "high")' <<<"$j"
  jq -e '.max_severity == "high"' <<<"$j"
  jq -e '.strict.on == false and .strict.refusal == null' <<<"$j"
  jq -e '.strict.changes | any(startswith("item 2: linux.maskedPaths"))' <<<"$j"
  # -f is --format
  run clawrt audit -b "$BUNDLE" -f json
  [ "$status" -eq 0 ]
  [ "$output" = "$j" ]
}

@test "audit --fail-on: exit status 1 when a finding reaches the level" {
  run clawrt audit -b "$BUNDLE" --fail-on high
  [ "$status" -eq 1 ]
  run clawrt audit -b "$BUNDLE" --fail-on info
  [ "$status" -eq 1 ]
  run clawrt audit -b "$BUNDLE" --fail-on critical
  [ "$status" -eq 0 ]
  # the report is still printed, JSON too
  run clawrt audit -b "$BUNDLE" --format json --fail-on medium
  [ "$status" -eq 1 ]
  jq -e '.max_severity == "high"' <<<"$output"

  tight_config
  run clawrt audit -b "$BUNDLE" --fail-on info
  [ "$status" -eq 0 ]
  output_has ": 0 findings"
  # one medium gap: fails at medium, passes at high
  update_config '.process.noNewPrivileges = false'
  run clawrt audit -b "$BUNDLE" --fail-on medium
  [ "$status" -eq 1 ]
  output_has "process.noNewPrivileges"
  run clawrt audit -b "$BUNDLE" --fail-on high
  [ "$status" -eq 0 ]
}

@test "audit: a bad level or format is a usage error" {
  run clawrt audit -b "$BUNDLE" --fail-on severe
  [ "$status" -ne 0 ]
  output_has "--fail-on" "expected info, low, medium, high or critical" '"severe"'
  run clawrt audit -b "$BUNDLE" --format yaml
  [ "$status" -ne 0 ]
  output_has "--format" "text or json"
}

@test "audit: strict mode on, by the annotation or clawrt --strict" {
  update_config '.process.noNewPrivileges = false
    | .process.capabilities.bounding += ["CAP_MKNOD"]'
  run clawrt audit -b "$BUNDLE" --format json
  jq -e '.strict.on == false' <<<"$output"
  jq -e '.findings | any(.id == "no-new-privileges")' <<<"$output"
  jq -e '.findings | any(.id == "dangerous-capability" and (.message | contains("CAP_MKNOD")))' <<<"$output"

  run clawrt --strict audit -b "$BUNDLE" --format json
  [ "$status" -eq 0 ]
  jq -e '.strict.on == true' <<<"$output"
  # the findings are those of the config strict mode makes
  jq -e '.findings | any(.id == "no-new-privileges") | not' <<<"$output"
  jq -e '.findings | any(.message | contains("CAP_MKNOD")) | not' <<<"$output"
  jq -e '.strict.changes | any(contains("drop CAP_MKNOD"))' <<<"$output"

  update_config '.annotations["io.clawrt.strict"] = "true"'
  run clawrt audit -b "$BUNDLE"
  [ "$status" -eq 0 ]
  output_has "strict mode is on"
  if printf '%s\n' "$output" | grep -E '^(info|low|medium|high|critical) +process.noNewPrivileges'; then
    return 1
  fi
  output_has "  - item 6: process.noNewPrivileges: force true"
}

@test "audit: a bundle strict mode refuses" {
  update_config '.mounts += [{destination: "/host-cgroup", type: "bind", source: "/sys/fs/cgroup", options: ["rbind", "ro"]}]'
  run clawrt audit -b "$BUNDLE"
  [ "$status" -eq 0 ]
  output_has "critical mounts[" "bind of the host's \`/sys/fs/cgroup\`" "exposes host state" \
    "strict mode would refuse this bundle: config.json: strict mode: item 2"
  run clawrt audit -b "$BUNDLE" --format json
  jq -e '.strict.refusal | contains("strict mode: item 2")' <<<"$output"
  jq -e '.findings | any(.id == "strict-refused") | not' <<<"$output"
  # with strict mode on it will not start: a finding, and --fail-on fails
  run clawrt --strict audit -b "$BUNDLE" --format json --fail-on high
  [ "$status" -eq 1 ]
  jq -e '.findings | any(.id == "strict-refused" and .severity == "high")' <<<"$output"
}

@test "audit: a bad bundle is an error naming what is wrong" {
  run clawrt audit -b "$BATS_TEST_TMPDIR/none"
  [ "$status" -ne 0 ]
  output_has "$BATS_TEST_TMPDIR/none"

  rm "$BUNDLE/config.json"
  run clawrt audit -b "$BUNDLE"
  [ "$status" -ne 0 ]
  output_has "config.json"

  echo '{"ociVersion": "1.0.2", "root": {"path": "rootfs"},' > "$BUNDLE/config.json"
  run clawrt audit -b "$BUNDLE"
  [ "$status" -ne 0 ]
  output_has "config.json"

  rm "$BUNDLE/config.json"
  "$CLAWRT" spec -b "$BUNDLE"
  update_config '.process.terminal = "yes"'
  run clawrt audit -b "$BUNDLE" --format json
  [ "$status" -ne 0 ]
  output_has "process.terminal"
  # no report on stdout for a tool to mistake for one
  [[ "$output" != *'"findings"'* ]]
}
