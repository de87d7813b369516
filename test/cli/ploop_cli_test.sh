#!/usr/bin/env bash
# Drives the built `ploop` binary through a scenario and checks outputs and
# exit codes (doc/errors.md): create, snapshot, list, merge, switch, delete,
# grow, check, corrupt and repair, convert, restore-descriptor.
# Usage: ploop_cli_test.sh PATH_TO_PLOOP. Unprivileged; cleans up.
set -uo pipefail
ploop="$1"
dir="$(mktemp -d "${TMPDIR:-/tmp}/vz-cli-XXXXXX")"
trap 'rm -rf "$dir"' EXIT
dd="$dir/img/DiskDescriptor.xml"
failures=0
out=""

fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# run EXPECTED_RC ARGS...: runs ploop, keeps stdout+stderr in $out.
run() {
  local want="$1"; shift
  out="$("$ploop" "$@" 2>&1)"
  local rc=$?
  [[ $rc == "$want" ]] || fail "ploop $* exited $rc, expected $want: $out"
}
expect() { [[ "$out" == *"$1"* ]] || fail "expected '$1' in: $out"; }
poke() {  # poke FILE OFFSET HEXBYTES: overwrite bytes in place
  printf "$(sed 's/\(..\)/\\x\1/g' <<<"$3")" |
    dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
sum() { sha256sum "$1" | cut -d' ' -f1; }

# --- create, snapshot, list ---------------------------------------------
run 0 init -s 4M -b 8 -t none "$dir/img/root.hds"
run 1 init -s 4M -t none "$dir/img/root.hds"
run 0 snapshot --name first "$dd"
s1="$out"
[[ "$s1" =~ ^\{[0-9a-f-]{36}\}$ ]] || fail "snapshot printed '$s1'"
run 0 snapshot -u '{11111111-2222-4333-8444-555555555555}' --name second "$dd"
s2='{11111111-2222-4333-8444-555555555555}'
run 38 snapshot -u "$s2" "$dd"                 # GUID taken
run 38 snapshot -u not-a-uuid "$dd"
run 38 snapshot --name $'bell\a' "$dd"          # XML cannot hold it
run 0 snapshot-list "$dd"
expect "PARENT_UUID"
[[ $(grep -c '^{' <<<"$out") == 3 ]] || fail "3 deltas expected: $out"
expect "* {5fbaabe3-6958-40ff-92a7-860e329aab41}"
run 0 snapshot-list -H -o uuid,name -u "$s2" "$dd"
[[ "$out" == "$s2 second"*"$s1 first"* ]] || fail "chain list: $out"
run 38 snapshot-list -o uuid,bogus "$dd"
run 43 snapshot-list -u '{99999999-2222-4333-8444-555555555555}' "$dd"

# --- errors -------------------------------------------------------------
run 43 snapshot-delete -u '{99999999-2222-4333-8444-555555555555}' "$dd"
run 43 snapshot-merge -u '{99999999-2222-4333-8444-555555555555}' "$dd"
run 38 snapshot-delete -u '{5fbaabe3-6958-40ff-92a7-860e329aab41}' "$dd"
run 38 snapshot-switch "$dd"                    # no -u
run 38 snapshot-merge -A -u "$s1" "$dd"
run 38 snapshot --bogus "$dd"
run 38 nosuchcommand
# Another holder of the image's lock (a mounted image): SYSEXIT_FLOCK.
out="$(flock -x "$dd" "$ploop" snapshot "$dd" 2>&1)"; rc=$?
[[ $rc == 18 ]] || fail "locked snapshot exited $rc: $out"
out="$(flock -x "$dd" "$ploop" grow -s 8M "$dd" 2>&1)"; rc=$?
[[ $rc == 18 ]] || fail "locked grow exited $rc: $out"
expect "is mounted: use 'ploop resize'"

# --- merge, switch, delete ----------------------------------------------
run 0 snapshot-merge -u "$s2" "$dd"             # s2 into s1's file
run 0 snapshot-list -H -o uuid "$dd"
[[ "$out" != *"$s1"* && "$out" == *"$s2"* ]] || fail "merge kept GUIDs: $out"
run 0 snapshot-switch -u "$s2" "$dd"
run 0 snapshot -u '{22222222-2222-4333-8444-555555555555}' "$dd"
run 0 snapshot-switch -u "$s2" "$dd"            # s2 now has two children
run 38 snapshot-delete -u "$s2" "$dd"
expect "2 children"
run 0 snapshot-delete -u '{22222222-2222-4333-8444-555555555555}' "$dd"
run 0 snapshot-merge -A "$dd"
run 0 snapshot-list -H -o uuid "$dd"
[[ "$out" == "{5fbaabe3-6958-40ff-92a7-860e329aab41}" ]] || fail "merge -A: $out"
[[ $(ls "$dir/img" | wc -l) == 2 ]] || fail "files left: $(ls "$dir/img")"

# --- grow, info ---------------------------------------------------------
run 0 grow -s 64M "$dd"
expect "grown from 4194304 to 67108864 bytes"
run 38 grow -s 1M "$dd"
run 0 info -s "$dd"
expect "size:		131072"
expect "blocksize:	8"
run 0 info "$dd"
expect "fmt_version: 2"

# --- check, corrupt and repair ------------------------------------------
base="$dir/img/root.hds"
run 0 check "$dd"
expect "no problems found"
poke "$base" 44 596e6f74                        # in-use flag "Ynot"
poke "$base" $((64 + 4 * 5)) 0f270000           # entry 5 -> cluster 9999
printf 'tail' >>"$base"                         # partial tail cluster
before="$(sum "$base")"
run 11 check "$dd"
expect "in-use flag set"
expect "points past the end of the file"
expect "bytes into a cluster"
[[ "$(sum "$base")" == "$before" ]] || fail "check without -r wrote"
run 11 check "$base"                            # the delta on its own
run 0 check -r "$dd"
expect "all fixed"
run 0 check -f "$dd"
expect "no problems found"
run 0 snapshot "$dd"                            # opens again
poke "$base" 16 07000000                        # m_Type: fatal
run 11 check -r "$dd"
expect "not fixed"
poke "$base" 16 02000000
run 0 check "$dd"

# --- convert, with data -------------------------------------------------
# The CLI has no write command, but a raw delta is the disk's bytes: write
# data into it, carry it through every conversion, and compare.
run 38 convert -f raw "$dd"                     # has a snapshot
expect "snapshot-merge -A"
run 0 snapshot-merge -A "$dd"
run 0 convert -f raw "$dd"
run 0 info -s "$dd"
expect "fmt_version:	raw"
raw() { echo "$dir/img/$(ls "$dir/img" | grep -v DiskDescriptor)"; }
head -c 300000 /dev/urandom | dd of="$(raw)" bs=4096 seek=100 conv=notrunc status=none
head -c 5000 /dev/urandom | dd of="$(raw)" bs=4096 seek=16000 conv=notrunc status=none
want="$(sum "$(raw)")"
run 0 convert -f ploop1 "$dd"
expect "skipped"
run 0 snapshot "$dd"
run 0 convert -v 1 "$dd"
run 0 info -s "$dd"
expect "fmt_version:	1"
run 0 convert -v 2 "$dd"
run 0 snapshot-merge -A "$dd"
run 0 check "$dd"
run 0 convert -f raw "$dd"
[[ "$(sum "$(raw)")" == "$want" ]] || fail "data changed across conversions"
run 0 convert -f ploop1 "$dd"
run 38 convert -f qcow2 "$dd"
run 38 convert "$dd"
run 0 check "$dd"

# --- descriptor: corrupt, restore ----------------------------------------
cp "$dd" "$dir/saved.xml"
echo '<Virtuozzo_disk_image><oops' >"$dd"
run 39 snapshot "$dd"
rm "$dd"
delta="$(ls "$dir/img")"
run 0 restore-descriptor "$dir/img" "$delta"
run 38 restore-descriptor "$dir/img" "$delta"   # exists now
run 0 info -s "$dd"
expect "size:		131072"
run 0 check "$dd"

if ((failures)); then
  echo "$failures check(s) failed" >&2
  exit 1
fi
echo "ploop CLI scenario passed"
