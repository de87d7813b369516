#!/usr/bin/env bash
# fio inside ext4 on four block devices, side by side, in one run:
#   ours   ploop image (expanded, 1 MiB clusters) -> ploop-server -> loop (dio)
#   ours over /dev/fuse: the same image, the server's FUSE over read/writev
#          threads (--uring off), as on kernels before 6.14 (Debian 12's)
#   floor  a raw file on a direct-I/O loop device (the physical floor)
#   peer   qemu-storage-daemon's FUSE export of a qcow2 image -> loop (dio)
# Each round runs the four jobs on each device; medians over rounds go into
# doc/benchmarks.md. Backing files are used with direct I/O everywhere
# (our deltas O_DIRECT, loop --direct-io=on, qemu cache.direct=on), except
# the loop device over qemu-storage-daemon's export: with --direct-io=on on
# that file, data read back differs from data written (qemu 7.2, seen
# here), so the peer's loop device goes through the page cache.
# Needs root. Usage: bench/ploop-fio.sh [ROUNDS] [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
rounds=${1:-3}
secs=${2:-10}
build=${VZ_BUILD_DIR:-build}
ploop="$build/ploop/ploop"
export VZ_PLOOP_SERVER="$build/ploop/ploop-server"
work=$(mktemp -d /var/tmp/vz-bench-fio.XXXXXX)
export VZ_ROOT=$work/node
size=8G
qsd_pid=
cleanup() {
  set +e
  for m in "$work"/mnt-*; do mountpoint -q "$m" && umount "$m"; done
  "$ploop" umount "$work/ours/DiskDescriptor.xml" >/dev/null 2>&1
  losetup -a | awk -F: -v w="$work" 'index($0, w) { print $1 }' | xargs -r -n1 losetup -d
  [[ -n $qsd_pid ]] && kill "$qsd_pid" && wait "$qsd_pid" 2>/dev/null
  mountpoint -q "$work/qsd.export" && umount -l "$work/qsd.export"
  rm -rf "$work"
}
trap cleanup EXIT

jobs=("seqread read 1M" "seqwrite write 1M" "randread randread 4k" "randwrite randwrite 4k")
run_fio() {  # dir label -> appends "label job value" lines to $work/results
  local dir=$1 label=$2
  fio --name=prep --directory="$dir" --filename=f --size=2G --rw=write --bs=1M --direct=1 \
      --ioengine=libaio --iodepth=32 >/dev/null 2>&1
  for spec in "${jobs[@]}"; do
    set -- $spec
    fio --name="$1" --directory="$dir" --filename=f --size=2G --rw="$2" --bs="$3" --direct=1 \
        --ioengine=libaio --iodepth=32 --runtime="$secs" --time_based \
        --output-format=terse --terse-version=3 2>/dev/null |
      awk -F';' -v l="$label" -v j="$1" '{ bw = ($7 > 0) ? $7 : $48; io = ($8 > 0) ? $8 : $49;
        if (j ~ /^seq/) printf "%s %s %.0f\n", l, j, bw / 1024; else printf "%s %s %d\n", l, j, io }' \
      >> "$work/results"
  done
}

mkfs_mount() {  # dev mnt
  mkfs.ext4 -q -F -E nodiscard "$1"
  mkdir -p "$2"
  mount "$1" "$2"
}

setup_ours() {
  "$ploop" init -s "$size" "$work/ours/root.hds" >/dev/null
}
round_ours() {  # [--uring off] -> label ours (or classic)
  local label=ours
  [[ $# -gt 0 ]] && label=classic
  "$ploop" mount "$@" -m "$work/mnt-ours" "$work/ours/DiskDescriptor.xml" >/dev/null
  run_fio "$work/mnt-ours" "$label"
  "$ploop" umount "$work/ours/DiskDescriptor.xml"
}

setup_floor() {
  fallocate -l "$size" "$work/floor.raw"
  local dev
  dev=$(losetup --direct-io=on -b 4096 -f --show "$work/floor.raw")
  mkfs.ext4 -q -F -E nodiscard "$dev"
  losetup -d "$dev"
}
round_floor() {
  local dev
  dev=$(losetup --direct-io=on -b 4096 -f --show "$work/floor.raw")
  mkdir -p "$work/mnt-floor"
  mount "$dev" "$work/mnt-floor"
  run_fio "$work/mnt-floor" floor
  umount "$work/mnt-floor"
  losetup -d "$dev"
}

setup_peer() {
  qemu-img create -q -f qcow2 "$work/peer.qcow2" "$size"
  touch "$work/qsd.export"
  qemu-storage-daemon \
    --blockdev driver=file,node-name=file,filename="$work/peer.qcow2",cache.direct=on,aio=native \
    --blockdev driver=qcow2,node-name=qcow2,file=file \
    --export type=fuse,id=exp,node-name=qcow2,mountpoint="$work/qsd.export",writable=on,allow-other=off \
    >/dev/null 2>&1 &
  qsd_pid=$!
  for _ in $(seq 100); do [[ $(stat -c %s "$work/qsd.export") -gt 0 ]] && break; sleep 0.1; done
  local dev
  dev=$(losetup -b 4096 -f --show "$work/qsd.export")
  mkfs.ext4 -q -F -E nodiscard "$dev"
  losetup -d "$dev"
}
round_peer() {
  local dev
  dev=$(losetup -b 4096 -f --show "$work/qsd.export")
  mkdir -p "$work/mnt-peer"
  mount "$dev" "$work/mnt-peer"
  run_fio "$work/mnt-peer" peer
  umount "$work/mnt-peer"
  losetup -d "$dev"
}

setup_ours
setup_floor
setup_peer
for r in $(seq "$rounds"); do
  echo "round $r/$rounds" >&2
  round_floor
  round_ours
  round_ours --uring off
  round_peer
done

med() { awk -v l="$1" -v j="$2" '$1 == l && $2 == j { print $3 }' "$work/results" | bench_median; }
table=$work/table.md
{
  echo "## ploop device server: fio inside ext4"
  echo
  echo "Command: \`bench/ploop-fio.sh $rounds $secs\` (as root). $(bench_machine)."
  echo "fio direct=1, libaio, iodepth 32, 2 GiB file in an 8 GiB ext4; median of $rounds rounds,"
  echo "${secs} s per job; devices used in turn within each round. Backing files use direct I/O in"
  echo "ours and the floor (our deltas O_DIRECT, loop --direct-io=on); the peer's qcow2 file is"
  echo "opened with cache.direct=on, aio=native, but its loop device must use the page cache:"
  echo "with --direct-io=on over qemu-storage-daemon 7.2's FUSE export, data read back differs"
  echo "from data written (seen here)."
  echo
  echo "\"ours over /dev/fuse\" is the same image served by the server's /dev/fuse threads"
  echo "(\`ploop mount --uring off\`), the transport of kernels before 6.14, Debian 12's among them."
  echo "Our server reads the container's own clusters through the host's page cache (by design,"
  echo "doc/storage.md §7), so once the 2 GiB file is cached its reads can beat the floor's."
  echo
  echo "| job | ours: ploop-server + loop | floor: raw file + loop | ours / floor | ours over /dev/fuse | that / floor | peer: qemu-storage-daemon FUSE + qcow2 | ours / peer |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|"
  for spec in "seqread MB/s" "seqwrite MB/s" "randread IOPS" "randwrite IOPS"; do
    set -- $spec
    o=$(med ours "$1"); f=$(med floor "$1"); c=$(med classic "$1"); p=$(med peer "$1")
    awk -v j="$1" -v u="$2" -v o="$o" -v f="$f" -v c="$c" -v p="$p" 'BEGIN {
      printf "| %s (%s) | %d | %d | %.0f%% | %d | %.0f%% | %d | %.1fx |\n", j, u, o, f, (f > 0 ? 100 * o / f : 0), c, (f > 0 ? 100 * c / f : 0), p, (p > 0 ? o / p : 0) }'
  done
} > "$table"
cat "$table"
bench_write_section ploop-fio "$table"
