#!/usr/bin/env bash
# CPU overhead of a container: bench/scimark (a static SciMark 2-style
# program) run on the host and inside a running vz busybox container,
# interleaved, RUNS times each; min/median/max and the overhead at the
# median. Needs root and build/bench/scimark
# (cmake --build build --target scimark).
# Usage: bench/cpu-overhead.sh [RUNS]     (writes doc/benchmarks.md)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
runs=${1:-10}
build=$(cd "${VZ_BUILD_DIR:-build}" && pwd)
scimark=$build/bench/scimark
[[ -x $scimark ]] || { echo "no $scimark: build the scimark target" >&2; exit 1; }
scratch=$(mktemp -d /var/tmp/vz-bench-cpu.XXXXXX)
# Unprivileged containers' root must traverse every directory up to VE_ROOT.
chmod 755 "$scratch"
root=$scratch/node
ct=101
bin=$scratch/install/sbin  # bench_install, below
vzctl=("$bin/vzctl" -q --root "$root")
vztmpl=("$bin/vztmpl" -q --root "$root")

cleanup() {
  set +e
  "${vzctl[@]}" stop $ct --fast >/dev/null 2>&1
  "${vzctl[@]}" destroy $ct >/dev/null 2>&1
  grep -o " $scratch[^ ]*" /proc/self/mounts | sort -r |
    while read -r m; do umount -l "$m"; done
  rm -rf "$scratch"
  bench_rm_cgroups bchcpu
}
trap cleanup EXIT
bench_install "$build" "$scratch/install"

bench_node_setup "$root"
# A node prefix of its own keeps this node's cgroups apart from others'.
echo 'NODE_PREFIX="bchcpu"' >>"$root/etc/vz/vz.conf"
"${vztmpl[@]}" build busybox
"${vzctl[@]}" create $ct --ostemplate busybox-1.35-x86_64 --allow-unsigned
# Both sides on the same CPU, the last one: the container by its CPU mask
# (an attach to a cpuset cgroup resets a taskset), the host by taskset.
cpu=$(($(nproc) - 1))
"${vzctl[@]}" set $ct --cpumask "$cpu" --save
"${vzctl[@]}" start $ct
# The same binary inside: copied into the container's root.
install -m 0755 "$scimark" "$root/vz/root/$ct/scimark"

# One run's "wall cpu" seconds from scimark's line.
fields() { awk '{ for (i = 1; i < NF; i++) if ($i == "wall") w = $(i + 1); else if ($i == "cpu") c = $(i + 1); print w, c }'; }

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
: >"$scratch/host"
: >"$scratch/ct"
for i in $(seq "$runs"); do
  echo "run $i/$runs ..." >&2
  # Alternate which side goes first so drifting load hits both alike.
  if ((i % 2)); then
    taskset -c "$cpu" "$scimark" | fields >>"$scratch/host"
    "${vzctl[@]}" exec2 $ct /scimark | fields >>"$scratch/ct"
  else
    "${vzctl[@]}" exec2 $ct /scimark | fields >>"$scratch/ct"
    taskset -c "$cpu" "$scimark" | fields >>"$scratch/host"
  fi
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
checksum_host=$("$scimark" | awk '{ print $NF }')
checksum_ct=$("${vzctl[@]}" exec2 $ct /scimark | awk '{ print $NF }')

# min median max of column $2 of file $1.
stats() {
  local col=$2
  printf '%s | %s | %s' \
    "$(awk -v c="$col" '{ print $c }' "$1" | sort -n | head -1)" \
    "$(awk -v c="$col" '{ print $c }' "$1" | bench_median)" \
    "$(awk -v c="$col" '{ print $c }' "$1" | sort -n | tail -1)"
}
# Container over host - 1 at the median (or with $2 = min, at the minimum).
overhead() {
  local h c pick=bench_median
  [[ ${2:-} == min ]] && pick="sort -n | head -1"
  h=$(awk -v c="$1" '{ print $c }' "$scratch/host" | eval "$pick")
  c=$(awk -v c="$1" '{ print $c }' "$scratch/ct" | eval "$pick")
  awk -v h="$h" -v c="$c" 'BEGIN { printf "%+.2f%%", (c / h - 1) * 100 }'
}
table=$(mktemp)
{
  echo "## CPU overhead of a container"
  echo
  echo "Command: \`bench/cpu-overhead.sh $runs\` (as root). $(bench_machine)."
  echo "Load average before: $load_before; after: $load_after."
  echo
  echo "\`bench/scimark\` (bench/scimark.cc, static): SciMark 2's five kernels on its"
  echo "small sizes (FFT 1024, SOR 100x100, Monte Carlo, sparse 1000x1000 with 5000"
  echo "non-zeros, LU 100x100), fixed iterations, one thread. $runs runs on the host"
  echo "and $runs inside a running vz busybox container (default unprivileged"
  echo "container, \`vzctl exec2 $ct /scimark\`), interleaved, alternating which goes"
  echo "first, both pinned to CPU $cpu (the container by \`--cpumask $cpu\`, the"
  echo "host by \`taskset\`). **CPU seconds** (the process's CPU clock) is the figure that"
  echo "compares: the machine was shared, so wall time also measures the"
  echo "neighbours. Seconds; overhead = container median over host median − 1."
  echo "Checksums host $checksum_host, container $checksum_ct (the same work)."
  echo
  echo "| measure | where | min | median | max | overhead at the median | at the min |"
  echo "|---|---|---|---|---|---|---|"
  echo "| CPU seconds | host | $(stats "$scratch/host" 2) | | |"
  echo "| CPU seconds | container | $(stats "$scratch/ct" 2) | $(overhead 2) | $(overhead 2 min) |"
  echo "| wall seconds | host | $(stats "$scratch/host" 1) | | |"
  echo "| wall seconds | container | $(stats "$scratch/ct" 1) | $(overhead 1) | $(overhead 1 min) |"
  echo
  echo "The spread (max over min) shows how much the neighbours moved even the CPU"
  echo "time (shared caches and memory bandwidth); the least disturbed runs, the"
  echo "minima, are the closer comparison of the two."
} >"$table"
cat "$table"
bench_write_section cpu-overhead "$table"
