#!/usr/bin/env bash
# Where vz's start time goes (companion to bench/ct-runtime.sh): the
# storage mount (device server, loop device, ext4) against the rest of
# `vzctl start`, the exec, and a Debian start with the boot waited, all on
# containers started before (the first start's one-time work is apart in
# bench/ct-runtime.sh).
# Needs root. Usage: bench/ct-start-parts.sh [RUNS]  (writes doc/benchmarks.md)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
runs=${1:-7}
build=$(cd "${VZ_BUILD_DIR:-build}" && pwd)
scratch=$(mktemp -d /var/tmp/vz-bench-parts.XXXXXX)
# Unprivileged containers' root must traverse every directory up to VE_ROOT.
chmod 755 "$scratch"
root=$scratch/node
bin=$scratch/install/sbin  # bench_install, below
vzctl=("$bin/vzctl" -q --root "$root")
vztmpl=("$bin/vztmpl" -q --root "$root")

cleanup() {
  set +e
  for ct in 101 102; do
    "${vzctl[@]}" stop $ct --fast >/dev/null 2>&1
    "${vzctl[@]}" umount $ct >/dev/null 2>&1
    "${vzctl[@]}" destroy $ct >/dev/null 2>&1
  done
  grep -o " $scratch[^ ]*" /proc/self/mounts | sort -r |
    while read -r m; do umount -l "$m"; done
  rm -rf "$scratch"
  bench_rm_cgroups bchpt
}
trap cleanup EXIT
bench_install "$build" "$scratch/install"

# Milliseconds a command takes; its output discarded, a failure fatal.
ms() {
  local t0=${EPOCHREALTIME/./}
  "$@" >/dev/null 2>"$scratch/err" || { cat "$scratch/err" >&2; return 1; }
  echo $(((${EPOCHREALTIME/./} - t0) / 1000))
}
booted() { bench_wait_booted "${vzctl[@]}" exec2 "$1"; }
start_booted() { "${vzctl[@]}" start "$1" && booted "$1"; }

bench_node_setup "$root"
echo 'NODE_PREFIX="bchpt"' >>"$root/etc/vz/vz.conf"
"${vztmpl[@]}" build busybox
"${vztmpl[@]}" build debian-12
"${vzctl[@]}" create 101 --ostemplate busybox-1.35-x86_64 --allow-unsigned
"${vzctl[@]}" create 102 --ostemplate debian-12-x86_64 --allow-unsigned
# The first start's one-time work (disk grown, identity made), untimed.
for ct in 101 102; do
  "${vzctl[@]}" start $ct
  "${vzctl[@]}" stop $ct --fast
done
mkdir -p "$scratch/d"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for i in $(seq "$runs"); do
  echo "run $i/$runs ..." >&2
  # busybox: start from unmounted, then mount alone, then start on it.
  ms "${vzctl[@]}" start 101 >>"$scratch/d/start"
  ms "${vzctl[@]}" exec2 101 true >>"$scratch/d/exec"
  "${vzctl[@]}" stop 101 --fast
  "${vzctl[@]}" umount 101 2>/dev/null || true
  ms "${vzctl[@]}" mount 101 >>"$scratch/d/mount"
  ms "${vzctl[@]}" start 101 >>"$scratch/d/start-mounted"
  "${vzctl[@]}" stop 101 --fast
  "${vzctl[@]}" umount 101 2>/dev/null || true
  # Debian: start from unmounted with the boot waited, by the benchmark's
  # exec and by vzctl's own --wait (the init's READY=1).
  ms start_booted 102 >>"$scratch/d/deb"
  "${vzctl[@]}" stop 102 --fast
  "${vzctl[@]}" umount 102 2>/dev/null || true
  ms "${vzctl[@]}" start 102 --wait >>"$scratch/d/deb-wait"
  "${vzctl[@]}" stop 102 --fast
  "${vzctl[@]}" umount 102 2>/dev/null || true
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

med() { bench_median <"$scratch/d/$1"; }
table=$(mktemp)
{
  echo "### Where vz's start time goes"
  echo
  echo "Command: \`bench/ct-start-parts.sh $runs\` (as root). $(bench_machine)."
  echo "Load average before: $load_before; after: $load_after. Medians of $runs"
  echo "runs in ms."
  echo
  echo "| step | median |"
  echo "|---|---|"
  echo "| busybox \`vzctl start\` from unmounted | $(med start) |"
  echo "| busybox \`vzctl mount\` alone (device server, loop device, ext4) | $(med mount) |"
  echo "| busybox \`vzctl start\` of a mounted container | $(med start-mounted) |"
  echo "| busybox \`vzctl exec2 true\` | $(med exec) |"
  echo "| Debian \`vzctl start\` + boot waited (is-system-running --wait) | $(med deb) |"
  echo "| Debian \`vzctl start --wait\` (systemd's READY=1 to the monitor) | $(med deb-wait) |"
} >"$table"
cat "$table"
bench_write_section ct-start-parts "$table"
