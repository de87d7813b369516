#!/usr/bin/env bash
# Device server numbers (issue 4): mount + umount time, online snapshot
# time of a mounted 10 GiB image with 1 GiB written, and the memory of idle
# servers (RSS and PSS, averaged over 10 mounted images, after a burst of
# I/O and 3 s idle). Needs root. Usage: bench/ploop-server.sh [ITERATIONS]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
iters=${1:-20}
build=${VZ_BUILD_DIR:-build}
ploop="$build/ploop/ploop"
export VZ_PLOOP_SERVER="$build/ploop/ploop-server"
work=$(mktemp -d /var/tmp/vz-bench-server.XXXXXX)
export VZ_ROOT=$work/node
cleanup() {
  set +e
  for d in "$work"/img*; do "$ploop" umount "$d/DiskDescriptor.xml" >/dev/null 2>&1; done
  rm -rf "$work"
}
trap cleanup EXIT
ms() { date +%s%N; }

"$ploop" init -s 10G "$work/img/root.hds" >/dev/null
dd=$work/img/DiskDescriptor.xml

# mount + umount
: > "$work/mount" ; : > "$work/umount"
for _ in $(seq "$iters"); do
  t0=$(ms); "$ploop" mount -m "$work/mnt" "$dd" >/dev/null; t1=$(ms)
  "$ploop" umount "$dd"; t2=$(ms)
  echo $(( (t1 - t0) / 1000000 )) >> "$work/mount"
  echo $(( (t2 - t1) / 1000000 )) >> "$work/umount"
done

# online snapshot with 1 GiB written: idle, then with a writer running
"$ploop" mount -m "$work/mnt" "$dd" >/dev/null
dd if=/dev/urandom of="$work/mnt/data" bs=1M count=1024 oflag=direct 2>/dev/null
snap_round() {  # file-suffix
  for _ in $(seq 10); do
    t0=$(ms)
    "$ploop" snapshot "$dd" >/dev/null 2>"$work/snap.err"
    t1=$(ms)
    echo $(( (t1 - t0) / 1000000 )) >> "$work/snap$1"
    sed -n 's/.*held for \([0-9]*\) ms/\1/p' "$work/snap.err" >> "$work/held$1"
    "$ploop" snapshot-merge "$dd" >/dev/null   # keep the chain short
  done
}
: > "$work/snap"; : > "$work/held"; : > "$work/snapw"; : > "$work/heldw"
snap_round ""
fio --name=bg --directory="$work/mnt" --filename=bg --size=256M --rw=randwrite --bs=4k \
    --direct=1 --ioengine=libaio --iodepth=4 --runtime=3600 --time_based >/dev/null 2>&1 &
fio_pid=$!
sleep 1
snap_round w
kill "$fio_pid"; wait "$fio_pid" 2>/dev/null || true
"$ploop" umount "$dd"

# idle memory of 10 servers
for i in $(seq 10); do
  "$ploop" init -s 2G "$work/img$i/root.hds" >/dev/null
  "$ploop" mount -m "$work/mnt$i" "$work/img$i/DiskDescriptor.xml" >/dev/null
  fio --name=w --directory="$work/mnt$i" --filename=f --size=64M --rw=randwrite --bs=4k \
      --direct=1 --ioengine=libaio --iodepth=16 --runtime=2 --time_based >/dev/null 2>&1
done
sleep 3
: > "$work/rss"; : > "$work/pss"
for pid in $("$ploop" list -a | sed -n 's/.*pid=\([0-9]*\).*/\1/p'); do
  awk '/VmRSS/ {print $2}' "/proc/$pid/status" >> "$work/rss"
  awk '/^Pss:/ {print $2}' "/proc/$pid/smaps_rollup" >> "$work/pss"
done

avg() { awk '{ s += $1; n++ } END { printf "%.0f", n ? s / n : 0 }' "$1"; }
max() { sort -n "$1" | tail -1; }
table=$work/table.md
{
  echo "## ploop device server: mount, online snapshot, memory"
  echo
  echo "Command: \`bench/ploop-server.sh $iters\` (as root). $(bench_machine)."
  echo
  echo "| measure | median | max | goal |"
  echo "|---|---:|---:|---|"
  echo "| \`ploop mount -m\` (10 GiB image, ext4), ms | $(bench_median < "$work/mount") | $(max "$work/mount") | mount + umount < 300 |"
  echo "| \`ploop umount\`, ms | $(bench_median < "$work/umount") | $(max "$work/umount") | |"
  echo "| \`ploop snapshot\` of the mounted 10 GiB image (1 GiB written), ms, CLI end to end | $(bench_median < "$work/snap") | $(max "$work/snap") | < 100 |"
  echo "| of which the filesystem was frozen and I/O held, ms | $(bench_median < "$work/held") | $(max "$work/held") | |"
  echo "| the same with 4 KiB random writes running inside, ms | $(bench_median < "$work/snapw") | $(max "$work/snapw") | |"
  echo "| of which frozen and held, ms | $(bench_median < "$work/heldw") | $(max "$work/heldw") | |"
  echo
  echo "Idle servers (10 images mounted, each given 2 s of random writes, then 3 s idle):"
  echo "RSS $(avg "$work/rss") KiB on average (max $(max "$work/rss")), PSS $(avg "$work/pss") KiB on"
  echo "average (max $(max "$work/pss")). Goal: RSS under 8 MiB, PSS under 2 MiB. Shared"
  echo "libraries count in RSS whole and in PSS shared among the servers."
} > "$table"
cat "$table"
bench_write_section ploop-server "$table"
