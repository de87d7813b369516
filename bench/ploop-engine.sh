#!/usr/bin/env bash
# Builds and runs bench/ploop_engine_bench and writes its tables, with the
# command and the machine, into doc/benchmarks.md (between the
# ploop-engine markers). Not a test.
# Usage: bench/ploop-engine.sh [--dir DIR] [bench options...]
#   DIR: where the images go (default: a fresh directory under /var/tmp);
#   needs about 3 GiB free with the default sizes.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${VZ_BUILD_DIR:-$root/build}"
dir=""
args=()
while (($#)); do
  case "$1" in
    --dir) dir="$2"; shift 2 ;;
    *) args+=("$1"); shift ;;
  esac
done
cleanup=""
if [[ -z "$dir" ]]; then
  dir="$(mktemp -d /var/tmp/vz-bench-XXXXXX)"
  cleanup="$dir"
fi
trap '[[ -n "$cleanup" ]] && rm -rf "$cleanup"' EXIT

[[ -d "$build" ]] || cmake -S "$root" -B "$build" -G Ninja >/dev/null
cmake --build "$build" -j2 --target ploop_engine_bench >/dev/null

cmd=(bench/ploop-engine.sh "${args[@]}")
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
tables="$("$build/bench/ploop_engine_bench" --dir "$dir" "${args[@]}")"
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"

cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
mem="$(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)"
fs="$(df -T "$dir" | awk 'NR == 2 {print $2 " on " $1}')"
section="$(cat <<EOS
<!-- ploop-engine:begin -->
## ploop engine: I/O through delta stacks, snapshot and merge

The engine (ploop/lib: DeltaStack over Delta files, through ploop::Image)
on files, no FUSE, loop device or filesystem inside: sequential 1 MiB and
random 4 KiB reads and writes through stacks of 1, 2 and 8 deltas, and
plain pread/pwrite on one preallocated, fully written file with the same
access pattern as the floor. Both sides use O_DIRECT (the device server's
data path), 1 MiB clusters, a 1 GiB disk. In an n-delta stack every
cluster is mapped by exactly one delta (cluster c in delta c mod n), so
reads fall through evenly. Writes go into an empty top over n-1 populated
deltas: "allocating" writes reserve a new cluster each (fallocate, copy of
the lower deltas' cluster for partial writes, data, then the BAT entry at
flush), "overwrite" writes land in clusters the top already maps. Every
workload runs five rounds with the four subjects interleaved in each round
(so a slow moment of the disk hits them all); cells are medians, ratios are
engine speed over floor speed (1.00x = as fast as the file), and "spread"
is the largest (max - min) / median of a row's cells across rounds: how
much to trust the row.

- Command: \`${cmd[*]}\` (commit $(git -C "$root" rev-parse --short HEAD))
- Machine: ${cpu}, $(nproc) cores, ${mem} RAM, Linux $(uname -r),
  images on ${fs}; $(date -u +%Y-%m-%d); load average before and after
  the run: ${load_before} / ${load_after} (a shared development VM)

${tables}

Reading the tables: a read or an overwrite is one pread/pwrite on the
delta that maps the cluster (the lookup is an in-memory BAT), so these
rows should match the floor within the spread, however deep the stack. An
allocating 1 MiB write adds a fallocate of the new cluster and, at the
flush, the BAT write between two fdatasyncs; the floor overwrites blocks
that are already allocated, so compare that row with the allocating-file
line too. A 4 KiB write that touches a new cluster which a lower delta
maps first copies that whole 1 MiB cluster into the top: 2 MiB of I/O for
4 KiB, the price of ploop's 1 MiB copy-on-write granularity (smaller
clusters, \`ploop init -b\`, trade it against a larger BAT); with nothing
below (the 1-delta column) only the 4 KiB is written into the fresh,
zero-reading cluster. Afterwards the cluster is an overwrite. Snapshot create does not depend on the data: it
syncs the old top, creates an empty delta and replaces the descriptor (a
handful of fsyncs). Merge copies every cluster the top maps into the base
through the page cache and syncs.
<!-- ploop-engine:end -->
EOS
)"

doc="$root/doc/benchmarks.md"
if [[ ! -f "$doc" ]]; then
  cat >"$doc" <<'EOS'
# Benchmarks

Numbers measured on real machines by the scripts in `bench/`, each
comparing vz side by side with a peer or a physical floor in one run. The
scripts rewrite their own section; every section names the exact command
and the machine. These are measurements, not tests: CI does not time
anything.

EOS
fi
python3 - "$doc" "$section" <<'EOP'
import re, sys
path, section = sys.argv[1], sys.argv[2]
text = open(path).read()
pattern = re.compile(r"<!-- ploop-engine:begin -->.*?<!-- ploop-engine:end -->", re.S)
text = pattern.sub(lambda m: section, text) if pattern.search(text) else text.rstrip("\n") + "\n\n" + section + "\n"
open(path, "w").write(text)
EOP
echo "wrote $doc"
