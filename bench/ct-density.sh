#!/usr/bin/env bash
# Storage density: N containers from the Debian 12 template, each mounted
# (first mount: disk grown to DISKSPACE, identity made) and written a
# little, then unmounted. Bytes on disk against N full copies and against
# the goal (one template plus the containers' own changes). Needs root.
# With "start", each container is also started once (booted, then
# stopped): what a first boot writes counts as its own.
# Usage: bench/ct-density.sh [N] [MiB written per container] [start]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
n=${1:-50}
write_mb=${2:-1}
start=${3:-}
build=$(cd "${VZ_BUILD_DIR:-build}" && pwd)
scratch=$(mktemp -d /var/tmp/vz-bench-density.XXXXXX)
chmod 755 "$scratch"  # unprivileged containers' root must reach VE_ROOT
root=$scratch/node
bin=$scratch/install/sbin  # bench_install, below
vzctl=("$bin/vzctl" -q --root "$root")
vztmpl=("$bin/vztmpl" -q --root "$root")
cleanup() {
  set +e
  for i in $(seq "$n"); do
    "${vzctl[@]}" stop $((100 + i)) --fast >/dev/null 2>&1
    "${vzctl[@]}" destroy $((100 + i)) >/dev/null 2>&1
  done
  bash scripts/node-teardown.sh --root "$root"
  bench_rm_cgroups bdens
  rm -rf "$scratch"
}
trap cleanup EXIT
bench_install "$build" "$scratch/install"

bash scripts/node-setup.sh --root "$root" >/dev/null
echo "NODE_PREFIX=bdens" >> "$root/etc/vz/vz.conf"
echo "building the Debian template ..." >&2
"${vztmpl[@]}" build debian-12
deb=debian-12-x86_64
tmpl_bytes=$(stat -c %s "$root/vz/template/$deb/root.hds")
t0=$(date +%s)
for i in $(seq "$n"); do
  ct=$((100 + i))
  "${vzctl[@]}" create $ct --ostemplate $deb --allow-unsigned 2>/dev/null
  if [ "$start" = start ]; then
    "${vzctl[@]}" start $ct --wait
    "${vzctl[@]}" stop $ct
  fi
  "${vzctl[@]}" mount $ct
  head -c $((write_mb << 20)) /dev/urandom > "$root/vz/root/$ct/root/data"
  "${vzctl[@]}" umount $ct
done
t1=$(date +%s)
# Each container's own bytes: its deltas other than the shared base.
own=0
for i in $(seq "$n"); do
  for f in "$root/vz/private/$((100 + i))/root.hdd/"root.hds.*; do
    own=$((own + $(stat -c %s "$f")))
  done
done
on_disk=$(du -sb "$root/vz/template" "$root/vz/private" | awk '{ s += $1 } END { print s }')
full=$((n * tmpl_bytes + own))
goal=$((tmpl_bytes + own))
mib() { awk -v b="$1" 'BEGIN { printf "%.0f MiB", b / 1048576 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3fx", a / b }'; }
table=$(mktemp)
{
  echo "## Storage density: $n containers from one template"
  echo
  echo "Command: \`bench/ct-density.sh $n $write_mb $start\` (as root). $(bench_machine)."
  echo "$n containers created from the Debian 12 template, each mounted (the first"
  echo "mount makes its machine identity; the disk is the template's 10G),"
  [ "$start" = start ] && echo "started once (systemd booted to running, then stopped),"
  echo "written ${write_mb} MiB of random data, and unmounted; $((t1 - t0)) s in all."
  echo "Bytes on disk: \`du -sb\` of the template store and the private areas (hard"
  echo "links counted once). Own changes: the containers' top deltas (whole clusters)."
  echo
  echo "| what | bytes |"
  echo "|---|---|"
  echo "| the template's image | $(mib "$tmpl_bytes") |"
  echo "| the containers' own changes, together | $(mib "$own") ($(mib $((own / n))) each) |"
  echo "| goal: one template + own changes | $(mib "$goal") |"
  echo "| **on disk** | **$(mib "$on_disk")** ($(ratio "$on_disk" "$goal") of the goal; under 1.1x asked) |"
  echo "| $n full copies (template + own changes each) | $(mib "$full") ($(ratio "$full" "$on_disk") of what vz stores) |"
  echo
  echo "The template is made at the default DISKSPACE (10G), so a first mount resizes"
  echo "nothing; a container's own bytes are the 1 MiB clusters its first boot and the"
  echo "test's writes touched (ext4's journal and metadata, logs, its identity): a 4 KiB"
  echo "write into a cluster of the template's copies up the whole cluster."
} > "$table"
cat "$table"
bench_write_section ct-density "$table"
