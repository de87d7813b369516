#!/usr/bin/env bash
# Takes down what a node root's containers left running on the node level:
# its lxcfs (by the pid in its pid file, after its mount is gone). Run it
# after the containers were stopped, before removing a node root (tests,
# benchmarks, the demo). Usage: node-teardown.sh [--root DIR]
set -euo pipefail
root=${VZ_ROOT:-/}
if [ "${1:-}" = "--root" ]; then root=$2; fi
dir="$root/var/lib/vz/lxcfs"
pidfile="$root/run/vz/lxcfs.pid"
pid=$(cat "$pidfile" 2>/dev/null || true)
# lxcfs ignores SIGTERM; without its mount its FUSE session ends and it exits.
if grep -q " $dir fuse" /proc/self/mounts; then umount -l "$dir"; fi
if [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = lxcfs ]; then
  sleep 0.2
  kill -9 "$pid" 2>/dev/null || true
fi
rm -f "$pidfile"
