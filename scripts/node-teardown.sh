#!/usr/bin/env bash
# Takes down what a node root's containers left running on the node level:
# its lxcfs (by the pid in its pid file, after its mount is gone), a
# running SSH host key refill (by the pid in its lock file) and the idle
# cgroup the refill ran in. Run it after the containers were stopped,
# before removing a node root (tests, benchmarks, the demo).
# Usage: node-teardown.sh [--root DIR]
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

# Every job in the node's idle cgroup (libvz/node_cgroups.h), where a host
# key refill runs, also one that has not taken its lock yet: the group
# gets a container's CPU weight (a killed process in an idle group on busy
# CPUs may wait long for the CPU to exit), its processes SIGKILL, and it
# is removed once they are gone.
prefix=$(sed -n 's/^NODE_PREFIX="\{0,1\}\([a-z0-9]*\)"\{0,1\}$/\1/p' \
  "$root/etc/vz/vz.conf" 2>/dev/null | tail -1)
prefix=${prefix:-vz}
base=$(sed -n 's/^CGROUP_BASE="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' \
  "$root/etc/vz/vz.conf" 2>/dev/null | tail -1)
# Each directory once: v1 hierarchies may be the same mount under two
# names (cpu and cpu,cpuacct), and v2's base may be listed twice.
idle_dirs=()
for d in /sys/fs/cgroup/*/"$prefix"/node.idle /sys/fs/cgroup/"$prefix"/node.idle \
  /sys/fs/cgroup/vz.slice/"$prefix"/node.idle \
  ${base:+/sys/fs/cgroup/"$base"/"$prefix"/node.idle}; do
  [ -d "$d" ] || continue
  d=$(realpath "$d")
  case " ${idle_dirs[*]-} " in *" $d "*) ;; *) idle_dirs+=("$d") ;; esac
done
for d in ${idle_dirs[@]+"${idle_dirs[@]}"}; do
  if [ -e "$d/cpu.idle" ]; then echo 0 >"$d/cpu.idle" 2>/dev/null || true; fi
  if [ -e "$d/cpu.shares" ]; then echo 1024 >"$d/cpu.shares" 2>/dev/null || true; fi
  if [ -e "$d/cpu.weight" ]; then echo 100 >"$d/cpu.weight" 2>/dev/null || true; fi
done
# Killed and removed until gone (a job may fork between a read and a kill).
for _ in $(seq 100); do
  left=0
  for d in ${idle_dirs[@]+"${idle_dirs[@]}"}; do
    [ -d "$d" ] || continue
    for p in $(cat "$d/cgroup.procs" 2>/dev/null); do kill -KILL "$p" 2>/dev/null || true; done
    rmdir "$d" 2>/dev/null || left=1
  done
  [ "$left" = 0 ] && break
  sleep 0.02
done

# A host key refill (vztmpl hostkeys refill, its own process group) that a
# first mount started: the pid in its lock file, if that is a refill.
lock="$root/var/lib/vz/hostkeys/.refill.lock"
rpid=$(cat "$lock" 2>/dev/null || true)
if [ -n "$rpid" ] && tr '\0' ' ' 2>/dev/null <"/proc/$rpid/cmdline" |
  grep -q "hostkeys refill" && [ "$(ps -o pgid= -p "$rpid" | tr -d ' ')" = "$rpid" ]; then
  # Its ssh-keygen (a process group of its own), then the refill's group.
  for c in $(cat "/proc/$rpid/task/$rpid/children" 2>/dev/null); do
    kill -TERM "$c" 2>/dev/null || true
  done
  kill -TERM -- "-$rpid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$rpid" 2>/dev/null || break; sleep 0.02; done
fi
