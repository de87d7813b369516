#!/usr/bin/env bash
# Where a Debian container's boot spends its time, vz against LXC on the
# same root filesystem (companion to bench/ct-runtime.sh): the phases cut
# at the exec of the init, of systemd's first and last generator and of
# systemd-journald, and the end of `systemctl is-system-running --wait`,
# from the kernel's sched_process_exec events (tracefs). Steady state: each
# container started and stopped before, vz's boot set recorded whole.
# A second table splits each boot's CPU time (all CPUs, /proc/stat) into
# what ran in the container's cgroup (cpuacct) and everything else (the
# tool's own processes, kernel threads), and the idle time beside it.
# Needs root and tracefs. Usage: bench/ct-boot-phases.sh [RUNS]
# (writes doc/benchmarks.md)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
runs=${1:-8}
build=$(cd "${VZ_BUILD_DIR:-build}" && pwd)
trace=/sys/kernel/tracing
# A machine without systemd as PID 1 may not have tracefs mounted: mount
# it for the run and unmount it after.
mounted_tracefs=
if [[ ! -e $trace/trace_marker ]] && mount -t tracefs tracefs "$trace"; then
  mounted_tracefs=1
  trap 'umount "$trace"' EXIT  # until cleanup's trap below takes over
fi
[[ -w $trace/trace_marker ]] || {
  echo "no tracefs at $trace" >&2
  exit 1
}
scratch=$(mktemp -d /var/tmp/vz-bench-phases.XXXXXX)
chmod 755 "$scratch"  # unprivileged containers traverse it
root=$scratch/node
lxcpath=$scratch/lxc
bin=$scratch/install/sbin  # bench_install, below
vzctl=("$bin/vzctl" -q --root "$root")
vztmpl=("$bin/vztmpl" -q --root "$root")

tracing_was=$(cat "$trace/tracing_on")
cleanup() {
  set +e
  echo 0 >"$trace/events/sched/sched_process_exec/enable"
  echo "$tracing_was" >"$trace/tracing_on"
  echo >"$trace/trace"
  for ct in 102 999; do
    "${vzctl[@]}" stop $ct --fast >/dev/null 2>&1
    "${vzctl[@]}" umount $ct >/dev/null 2>&1
    "${vzctl[@]}" destroy $ct >/dev/null 2>&1
  done
  lxc-stop -P "$lxcpath" -n deb -k >/dev/null 2>&1
  lxc-destroy -P "$lxcpath" -n deb >/dev/null 2>&1
  grep -o " $scratch[^ ]*" /proc/self/mounts | sort -r |
    while read -r m; do umount -l "$m"; done
  rm -rf "$scratch"
  bench_rm_cgroups bchbp
  bench_rm_cgroups lxc.pivot
  [[ -z $mounted_tracefs ]] || umount "$trace"
}
trap cleanup EXIT
bench_install "$build" "$scratch/install"

bench_node_setup "$root"
echo 'NODE_PREFIX="bchbp"' >>"$root/etc/vz/vz.conf"
"${vztmpl[@]}" build debian-12
# LXC gets the template's files as a plain directory.
"${vzctl[@]}" create 999 --ostemplate debian-12-x86_64 --allow-unsigned
"${vzctl[@]}" mount 999
mkdir -p "$lxcpath/deb"
cp -a "$root/vz/root/999/." "$lxcpath/deb/rootfs"
rm -rf "$lxcpath/deb/rootfs/lost+found"
"${vzctl[@]}" umount 999
"${vzctl[@]}" destroy 999
bench_lxc_config "$lxcpath" deb SIGRTMIN+4
"${vzctl[@]}" create 102 --ostemplate debian-12-x86_64 --allow-unsigned

vz_boot() { "${vzctl[@]}" start 102 && bench_wait_booted "${vzctl[@]}" exec2 102; }
vz_stop() { "${vzctl[@]}" stop 102; }
lxc_boot() {
  lxc-start -P "$lxcpath" -n deb -d && bench_wait_booted lxc-attach -P "$lxcpath" -n deb --
}
lxc_stop() { lxc-stop -P "$lxcpath" -n deb; }
# The CPU time in ms of the container's cgroup (cgroup v1 cpuacct; 0
# while it does not exist), wherever the tool made it: vz's under its node
# prefix, LXC's under its caller's cgroup.
cpuacct=/sys/fs/cgroup/cpuacct
vz_cgroup() { find "$cpuacct" -maxdepth 4 -type d -path '*bchbp*' -name 102; }
lxc_cgroup() { find "$cpuacct" -maxdepth 8 -type d -name lxc.payload.deb; }
ct_cpu() {
  local dir
  dir=$("${1}_cgroup" | head -1)
  if [[ -n $dir ]]; then echo $(($(cat "$dir/cpuacct.usage") / 1000000)); else echo 0; fi
}
# "busy idle" in ms over all CPUs, from /proc/stat (USER_HZ ticks); steal
# is the hypervisor's, not this machine's, and left out.
hz=$(getconf CLK_TCK)
cpu_now() {
  awk -v hz="$hz" '$1 == "cpu" {
    printf "%d %d\n", ($2 + $3 + $4 + $7 + $8) * 1000 / hz,
      ($5 + $6) * 1000 / hz }' /proc/stat
}
# Warm-up, untimed: vz's first start does its one-time work, the second
# records a whole boot set (its 10 s), as a container started before has.
vz_boot && vz_stop
vz_boot && sleep 11 && vz_stop
lxc_boot && lxc_stop

mark() { echo "MARK $*" >"$trace/trace_marker"; }
echo >"$trace/trace"
echo 1 >"$trace/events/sched/sched_process_exec/enable"
echo 1 >"$trace/tracing_on"  # markers fail while it is off
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
cpu=$scratch/cpu
for i in $(seq "$runs"); do
  echo "run $i/$runs ..." >&2
  for tool in vz lxc; do
    [[ ! -d $cpuacct ]] || cg0=$(ct_cpu "$tool")
    read -r busy0 idle0 < <(cpu_now)
    mark "$tool"
    "${tool}_boot"
    mark end
    read -r busy1 idle1 < <(cpu_now)
    if [[ -d $cpuacct ]]; then
      inside=$(($(ct_cpu "$tool") - cg0))
      echo "$tool $((busy1 - busy0)) $inside $((busy1 - busy0 - inside)) $((idle1 - idle0))" >>"$cpu"
    fi
    "${tool}_stop"
  done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
echo 0 >"$trace/events/sched/sched_process_exec/enable"

# One line per boot: tool and the five phases in ms, then the total.
phases=$scratch/phases
awk '
  function ms(a, b) { return (b - a) * 1000 }
  {
    if (!match($0, / [0-9]+\.[0-9]+: /)) next
    t = substr($0, RSTART + 1, RLENGTH - 3) + 0
    if ($0 ~ /MARK (vz|lxc)$/) {
      tool = $NF; t0 = t; init = g0 = g1 = jd = 0; next
    }
    if ($0 ~ /MARK end$/) {
      if (tool != "" && init && g0 && jd)
        printf "%s %.1f %.1f %.1f %.1f %.1f %.1f\n", tool, ms(t0, init),
          ms(init, g0), ms(g0, g1), ms(g1, jd), ms(jd, t), ms(t0, t)
      tool = ""; next
    }
    if (tool == "" || !match($0, /filename=[^ ]+/)) next
    f = substr($0, RSTART + 9, RLENGTH - 9)
    if (f == "/sbin/init" && !init) init = t
    if (f ~ /generator/) { if (!g0) g0 = t; g1 = t }
    if (f ~ /systemd-journald$/ && !jd) jd = t
  }' "$trace/trace" >"$phases"
echo >"$trace/trace"

# The median of column COL of TOOL's lines in FILE.
med() { awk -v tool="$2" -v col="$3" '$1 == tool { print $col }' "$1" | bench_median; }
count() { awk -v tool="$1" '$1 == tool' "$phases" | wc -l; }
# One table row: name, vz's and LXC's figures, their difference.
print_row() {
  awk -v n="$1" -v a="$2" -v b="$3" \
    'BEGIN { printf "| %s | %.0f | %.0f | %+.0f |\n", n, a, b, a - b }'
}
row() { print_row "$1" "$(med "$phases" vz "$2")" "$(med "$phases" lxc "$2")"; }
cpu_row() { print_row "$1" "$(med "$cpu" vz "$2")" "$(med "$cpu" lxc "$2")"; }
table=$scratch/table.md
{
  echo "### Where a Debian boot's time goes, vz against LXC"
  echo
  echo "Command: \`bench/ct-boot-phases.sh $runs\` (as root). $(bench_machine)."
  echo "Load average before: $load_before; after: $load_after. Medians in ms"
  echo "of $(count vz) vz and $(count lxc) LXC boots, interleaved, each"
  echo "container started before (vz's boot set recorded whole); the phases"
  echo "are cut at the exec of the init, of systemd's first and last"
  echo "generator and of systemd-journald (the kernel's sched_process_exec"
  echo "events), and end when \`systemctl is-system-running --wait\`,"
  echo "through each tool's exec, answers. LXC as in ct-runtime (privileged,"
  echo "the same files as a plain directory)."
  echo
  echo "| phase | vz | LXC | vz - LXC |"
  echo "|---|---|---|---|"
  row "start to the init's exec" 2
  row "the init to systemd's first generator" 3
  row "the generators" 4
  row "the last generator to journald" 5
  row "journald to booted" 6
  row "start to booted" 7
  echo
  if [[ ! -s $cpu ]]; then
    echo "(No cgroup v1 cpuacct here: the CPU table is left out.)"
  else
    echo "CPU time of the same boots, in ms summed over the $(nproc) CPUs, each"
    echo "row its own median (they need not add up): \`/proc/stat\` in ticks"
    echo "of $((1000 / hz)) ms without steal, the container's cgroup from cpuacct;"
    echo "vz's boot-set reader runs in the container's cgroup."
    echo
    echo "| CPU per boot | vz | LXC | vz - LXC |"
    echo "|---|---|---|---|"
    cpu_row "busy, all of it" 2
    cpu_row "in the container's cgroup" 3
    cpu_row "outside it (the tool, kernel threads)" 4
    cpu_row "idle (with I/O wait)" 5
  fi
} >"$table"
cat "$table"
bench_write_section ct-boot-phases "$table"
