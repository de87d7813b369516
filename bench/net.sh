#!/usr/bin/env bash
# Container networking against the floor (two bare namespaces and a veth):
# TCP throughput (iperf3) and round trips (sockperf), bounded runs, all in
# namespaces the benchmark creates. Needs root.
# Usage: bench/net.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
secs=${1:-5}
build=${VZ_BUILD_DIR:-build}
table=$(mktemp)
trap 'rm -f "$table"' EXIT
{
  echo "## Container networking: throughput and latency"
  echo
  echo "Command: \`bench/net.sh $secs\` (as root). $(bench_machine)."
  echo "iperf3 TCP for ${secs} s and sockperf TCP ping-pong for ${secs} s per path, median of 3 rounds;"
  echo "paths measured in turn. Containers get vz's anti-spoofing and accounting chains."
  echo
  "$build/bench/net_bench" "$secs"
} > "$table"
cat "$table"
bench_write_section net "$table"
