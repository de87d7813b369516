#!/usr/bin/env bash
# Running density: N busybox containers running at once, host memory per
# container measured system-wide (MemAvailable before the starts and with
# all running, divided by the count; page cache change noted), vz against
# LXC on the same root filesystem. vz's figure includes its per-container
# monitor and device server and the kernel objects (loop device, FUSE
# connection, namespaces). Should a start fail, the count stops there and
# the table says why. Needs root and LXC.
# Usage: bench/ct-density-run.sh [N]     (writes doc/benchmarks.md)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
n=${1:-200}
build=$(cd "${VZ_BUILD_DIR:-build}" && pwd)
scratch=$(mktemp -d /var/tmp/vz-bench-drun.XXXXXX)
# Unprivileged containers' root must traverse every directory up to VE_ROOT.
chmod 755 "$scratch"
root=$scratch/node
lxcpath=$scratch/lxc
log=$scratch/log
prefix=bchdn
bin=$scratch/install/sbin  # bench_install, below
vzctl=("$bin/vzctl" -q --root "$root")
vztmpl=("$bin/vztmpl" -q --root "$root")

cleanup() {
  set +e
  for ct in $(ls "$root/etc/vz/conf" 2>/dev/null | sed -n 's/^\([0-9]*\)\.conf$/\1/p'); do
    "${vzctl[@]}" stop "$ct" --fast >/dev/null 2>&1
    "${vzctl[@]}" destroy "$ct" >/dev/null 2>&1
  done
  for c in $(lxc-ls -P "$lxcpath" 2>/dev/null); do
    lxc-stop -P "$lxcpath" -n "$c" -k >/dev/null 2>&1
    lxc-destroy -P "$lxcpath" -n "$c" >/dev/null 2>&1
  done
  grep -o " $scratch[^ ]*" /proc/self/mounts | sort -r |
    while read -r m; do umount -l "$m"; done
  rm -rf "$scratch"
  bench_rm_cgroups "$prefix"
  bench_rm_cgroups lxc.pivot
}
trap cleanup EXIT
bench_install "$build" "$scratch/install"

meminfo() { awk -v k="$1:" '$1 == k { print $2 }' /proc/meminfo; }  # KiB
# MemAvailable and Cached (KiB): medians of 5 samples a second apart, as
# other work on the machine moves them.
sample() {
  local i a=() c=()
  for i in 1 2 3 4 5; do
    a+=("$(meminfo MemAvailable)")
    c+=("$(meminfo Cached)")
    sleep 1
  done
  echo "$(printf '%s\n' "${a[@]}" | bench_median) $(printf '%s\n' "${c[@]}" | bench_median)"
}
# Sum of the PSS (KiB) of the processes whose command line mentions $1.
pss_of() {
  local p sum=0 v
  for p in /proc/[0-9]*; do
    tr '\0' ' ' 2>/dev/null <"$p/cmdline" | grep -qF -- "$1" || continue
    [[ $p == "/proc/$$" || $p == "/proc/$BASHPID" ]] && continue
    v=$(awk '/^Pss:/ { print $2 }' "$p/smaps_rollup" 2>/dev/null) || continue
    sum=$((sum + ${v:-0}))
  done
  echo "$sum"
}
# Sum of memory.usage_in_bytes (KiB) of the v1 memory cgroups given.
cg_kib() {
  local f sum=0
  for f in "$@"; do
    [[ -f $f/memory.usage_in_bytes ]] && sum=$((sum + $(cat "$f/memory.usage_in_bytes")))
  done
  echo $((sum / 1024))
}

# Starts $2.. containers with "$1 INDEX" until one fails; sets `started`
# and `why` (the first failure's message).
start_all() {
  local fn=$1 i
  started=0 why=""
  for i in $(seq "$n"); do
    if ! "$fn" "$i" >"$scratch/err" 2>&1; then
      why=$(tail -3 "$scratch/err" | tr '\n' ' ')
      echo "start $i failed: $why" >&2
      return 0
    fi
    started=$i
    ((i % 25)) || echo "  $i running" >&2
  done
}

vz_start() { "${vzctl[@]}" start $((1000 + $1)); }
lxc_start() { lxc-start -P "$lxcpath" -n "c$1" -d; }

# Measures one tool: before (all created, none running), the starts, a
# settle, after; prints "started why-file avail_kib cached_kib accounted_kib".
measure() {
  local tool=$1 before after
  sync
  before=$(sample)
  start_all "${tool}_start"
  sleep 15  # let the inits and the servers settle
  after=$(sample)
  local acc=0
  if [[ $tool == vz ]]; then
    # The parts, for the note under the table.
    echo "$(cg_kib /sys/fs/cgroup/memory/$prefix) $(pss_of "--root $root") $(pss_of "--descriptor $root")" >"$scratch/parts"
    acc=$(($(cg_kib /sys/fs/cgroup/memory/$prefix) + $(pss_of "$root")))
  else
    acc=$(cg_kib /sys/fs/cgroup/memory/lxc.payload.c* /sys/fs/cgroup/memory/lxc.monitor.c*)
    acc=$((acc + $(pss_of "$lxcpath")))
  fi
  set -- $before $after
  echo "$started $(($1 - $3)) $(($4 - $2)) $acc"
  echo "$why" >"$scratch/why-$tool"
}

bench_node_setup "$root"
# A node prefix of its own keeps this node's cgroups apart from others'.
echo "NODE_PREFIX=\"$prefix\"" >>"$root/etc/vz/vz.conf"
"${vztmpl[@]}" build busybox
bb=busybox-1.35-x86_64
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

# --- vz ----------------------------------------------------------------
echo "vz: creating $n ..." >&2
for i in $(seq "$n"); do
  "${vzctl[@]}" create $((1000 + i)) --ostemplate $bb --allow-unsigned 2>>"$log"
done
echo "vz: starting ..." >&2
vz=$(measure vz)
loops_vz=$(losetup -a | grep -c "$scratch" || true)
# grep says 2 when a process ends between the glob and its read: under
# pipefail that ended the whole run.
procs_vz=$( (grep -lF -- "$root" /proc/[0-9]*/cmdline 2>/dev/null || true) | wc -l)
echo "vz: $vz; stopping ..." >&2
for i in $(seq "$n"); do
  "${vzctl[@]}" stop $((1000 + i)) --fast >/dev/null 2>&1 || true
  "${vzctl[@]}" destroy $((1000 + i)) >/dev/null 2>&1 || true
done

# --- LXC: overlay clones of a base container with vz's busybox rootfs ----
"${vzctl[@]}" create 999 --ostemplate $bb --allow-unsigned 2>/dev/null
"${vzctl[@]}" mount 999
mkdir -p "$lxcpath/base"
cp -a "$root/vz/root/999/." "$lxcpath/base/rootfs"
rm -rf "$lxcpath/base/rootfs/lost+found"
"${vzctl[@]}" umount 999
"${vzctl[@]}" destroy 999
bench_lxc_config "$lxcpath" base SIGUSR2
echo "lxc: creating $n ..." >&2
for i in $(seq "$n"); do
  lxc-copy -P "$lxcpath" -n base -N "c$i" -s -B overlay >>"$log" 2>&1
done
echo "lxc: starting ..." >&2
lxc=$(measure lxc)
echo "lxc: $lxc; stopping ..." >&2
for i in $(seq "$n"); do
  lxc-stop -P "$lxcpath" -n "c$i" -k >/dev/null 2>&1 || true
  lxc-destroy -P "$lxcpath" -n "c$i" >/dev/null 2>&1 || true
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# --- the table ----------------------------------------------------------
row() {  # TOOL "started avail cached accounted"
  set -- "$1" $2
  local tool=$1 k=$2 why
  why=$(cat "$scratch/why-$tool")
  if ((k == 0)); then echo "| $tool | 0 | | | | ${why:-} |"; return; fi
  awk -v t="$tool" -v k="$k" -v a="$3" -v c="$4" -v acc="$5" -v w="$why" 'BEGIN {
    printf "| %s | %d | %.2f MiB | %+.1f MiB | %.2f MiB | %s |\n",
      t, k, a / k / 1024, c / 1024, acc / k / 1024, w }'
}
table=$(mktemp)
{
  echo "## Running density: memory per running container"
  echo
  echo "Command: \`bench/ct-density-run.sh $n\` (as root). $(bench_machine)."
  echo "Load average before: $load_before; after: $load_after (other work on the"
  echo "machine moves MemAvailable by hundreds of MiB: each figure is the median"
  echo "of 5 samples a second apart)."
  echo
  echo "N busybox containers created, then started one after the other and left"
  echo "idle 15 s. **per container** = (MemAvailable with none running − with all"
  echo "running) ÷ running count: everything the host gives them, including, for"
  echo "vz, each container's \`vz-monitor\` and \`ploop-server\` (device server) and"
  echo "the kernel objects (loop device, FUSE connection, namespaces, cgroups);"
  echo "for LXC its per-container monitor process. **page cache** is the change of"
  echo "Cached over the same interval (all containers together). **accounted** is"
  echo "the containers' memory cgroups plus the PSS of the host-side processes"
  echo "(vz: monitors and device servers; LXC: monitors), per container: a cross-"
  echo "check that other work on the machine cannot move. vz: default unprivileged"
  echo "containers, ploop images over the busybox template. LXC: \`lxc-copy -s -B"
  echo "overlay\` clones, privileged, \`common.conf\`, loopback only."
  echo
  echo "| tool | running | per container (MemAvailable) | page cache | accounted per container | first failure |"
  echo "|---|---|---|---|---|---|"
  row vz "$vz"
  row lxc "$lxc"
  echo
  echo "vz with all running: $loops_vz loop devices, $procs_vz host processes whose"
  echo "command line names the node root (monitors and device servers)."
  read -r cg mon srv <"$scratch/parts"
  awk -v k="${vz%% *}" -v cg="$cg" -v mon="$mon" -v srv="$srv" 'BEGIN {
    printf "Accounted per vz container: memory cgroup %.2f MiB (its page cache\n", cg / k / 1024
    printf "included), `vz-monitor` PSS %.2f MiB, `ploop-server` PSS %.2f MiB.\n", mon / k / 1024, srv / k / 1024 }'
} >"$table"
cat "$table"
bench_write_section ct-density-run "$table"
