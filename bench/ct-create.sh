#!/usr/bin/env bash
# Container creation time: `vzctl create` from the busybox and the Debian 12
# template, side by side with LXC (`lxc-copy` full copy and `lxc-copy -s -B
# overlay`) and `podman create`, all from the same Debian root filesystem,
# in one run. Needs root and the peers (scripts/install-deps.sh --bench).
# Usage: bench/ct-create.sh [RUNS]     (writes doc/benchmarks.md)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
runs=${1:-21}
build=$(cd "${VZ_BUILD_DIR:-build}" && pwd)
scratch=$(mktemp -d /var/tmp/vz-bench-create.XXXXXX)
root=$scratch/node
lxcpath=$scratch/lxc
pod=(podman --root "$scratch/podman/root" --runroot "$scratch/podman/run"
     --cgroup-manager cgroupfs --events-backend file)
bin=$scratch/install/sbin  # bench_install, below
vzctl=("$bin/vzctl" -q --root "$root")
vztmpl=("$bin/vztmpl" -q --root "$root")

cleanup() {
  set +e
  for ct in $("$bin/vzctl" --root "$root" help >/dev/null 2>&1 &&
              ls "$root/etc/vz/conf" 2>/dev/null | sed -n 's/^\([0-9]*\)\.conf$/\1/p'); do
    "${vzctl[@]}" destroy "$ct" >/dev/null 2>&1
  done
  for c in $(lxc-ls -P "$lxcpath" 2>/dev/null); do
    lxc-destroy -P "$lxcpath" -n "$c" >/dev/null 2>&1
  done
  "${pod[@]}" rm -a -f >/dev/null 2>&1
  "${pod[@]}" system reset -f >/dev/null 2>&1
  grep -o " $scratch[^ ]*" /proc/self/mounts | sort -r |
    while read -r m; do umount -l "$m"; done
  rm -rf "$scratch"
}
trap cleanup EXIT
bench_install "$build" "$scratch/install"

# Milliseconds one command takes (its output discarded).
ms() {
  local t0 t1
  t0=$(date +%s%N)
  "$@" >/dev/null 2>&1
  t1=$(date +%s%N)
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f\n", (b - a) / 1e6 }'
}

bench_node_setup "$root"
echo "building templates ..." >&2
"${vztmpl[@]}" build busybox
"${vztmpl[@]}" build debian-12
bb=busybox-1.35-x86_64
deb=debian-12-x86_64

vz_runs() {  # TEMPLATE -> one time per line
  for i in $(seq "$runs"); do
    ms "${vzctl[@]}" create $((1000 + i)) --ostemplate "$1" --allow-unsigned
    "${vzctl[@]}" destroy $((1000 + i))
  done
}
echo "vzctl create ..." >&2
vz_bb=$(vz_runs $bb | bench_median)
vz_deb=$(vz_runs $deb | bench_median)

# The peers get the Debian template's files as a plain directory.
"${vzctl[@]}" create 999 --ostemplate $deb --allow-unsigned 2>/dev/null
"${vzctl[@]}" mount 999
mkdir -p "$lxcpath/tmpl"
cp -a "$root/vz/root/999/." "$lxcpath/tmpl/rootfs"
rm -rf "$lxcpath/tmpl/rootfs/lost+found"
"${vzctl[@]}" destroy 999
rootfs_mb=$(du -sm "$lxcpath/tmpl/rootfs" | cut -f1)
bench_lxc_config "$lxcpath" tmpl

echo "lxc-copy ..." >&2
lxc_full=$(for i in $(seq 5); do
  ms lxc-copy -P "$lxcpath" -n tmpl -N full$i
  lxc-destroy -P "$lxcpath" -n full$i >/dev/null 2>&1 || true
done | bench_median)
lxc_ovl=$(for i in $(seq "$runs"); do
  ms lxc-copy -P "$lxcpath" -n tmpl -N ovl$i -s -B overlay
  lxc-destroy -P "$lxcpath" -n ovl$i >/dev/null 2>&1 || true
done | bench_median)

echo "podman create ..." >&2
tar -C "$lxcpath/tmpl/rootfs" -cf - . | "${pod[@]}" import - localhost/vzbench-debian >/dev/null
pod_create=$(for i in $(seq "$runs"); do
  ms "${pod[@]}" create --runtime runc --network none --name p$i \
    localhost/vzbench-debian /sbin/init
  "${pod[@]}" rm -f p$i >/dev/null 2>&1 || true
done | bench_median)

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }'; }
table=$(mktemp)
{
  echo "## Container creation time"
  echo
  echo "Command: \`bench/ct-create.sh $runs\` (as root). $(bench_machine)."
  echo "Median wall time of the create command alone (destroy/rm untimed), $runs runs"
  echo "(5 for the full copy). The Debian root filesystem is ${rootfs_mb} MiB; the busybox"
  echo "template's image is $(($(stat -c %s "$root/vz/template/$bb/root.hds") >> 20)) MiB,"
  echo "the Debian one's $(($(stat -c %s "$root/vz/template/$deb/root.hds") >> 20)) MiB."
  echo "vz links the template's image and adds an empty top delta: its time does not"
  echo "depend on the template. The last column is the peer's time over vz's (Debian):
above 1, vz is faster."
  echo
  echo "| tool | from | median | peer ÷ vz |"
  echo "|---|---|---|---|"
  echo "| \`vzctl create\` | busybox template | $vz_bb ms | |"
  echo "| \`vzctl create\` | Debian 12 template | $vz_deb ms | 1.00x |"
  echo "| \`lxc-copy\` (full copy) | Debian rootfs dir | $lxc_full ms | $(ratio "$lxc_full" "$vz_deb") |"
  echo "| \`lxc-copy -s -B overlay\` | Debian rootfs dir | $lxc_ovl ms | $(ratio "$lxc_ovl" "$vz_deb") |"
  echo "| \`podman create\` (runc) | image imported from the rootfs | $pod_create ms | $(ratio "$pod_create" "$vz_deb") |"
  echo
  echo "A container made by vz is complete after create: its first mount then grows"
  echo "the disk to DISKSPACE and makes its machine identity (doc/storage.md §3)."
} > "$table"
cat "$table"
bench_write_section ct-create "$table"
