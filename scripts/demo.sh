#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine and runs the main job: installs the
# packages, builds vz, and (as the container issues land) builds a template,
# creates and starts a container from it.
set -euo pipefail
cd "$(dirname "$0")/.."
build="${VZ_BUILD_DIR:-build}"

bash scripts/install-deps.sh
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build "$build" -j2
echo "demo: vz is built in '$build'"

# The main job on a node of its own (a root directory, so the machine's
# /etc/vz and /vz stay untouched): the busybox template, a container from
# it, a command inside, stop and remove. VZ_DEMO_TEMPLATE=debian-12 boots a
# Debian 12 container with systemd instead (debootstrap: a few minutes).
node=$(mktemp -d /var/tmp/vz-demo.XXXXXX)
chmod 755 "$node"  # the container's root (an unmapped ID) must reach VE_ROOT
export VZ_ROOT="$node/root" VZ_PLOOP_SERVER="$PWD/$build/ploop/ploop-server"
vzctl="$build/vzctl/vzctl" vztmpl="$build/vzctl/vztmpl"
recipe=${VZ_DEMO_TEMPLATE:-busybox}
prefix=demo  # the node prefix: its cgroups never meet a real node's
cleanup() {
  "$vzctl" stop 101 --fast >/dev/null 2>&1 || true
  "$vzctl" destroy 101 >/dev/null 2>&1 || true
  bash scripts/node-teardown.sh --root "$VZ_ROOT"
  for h in /sys/fs/cgroup/*/; do
    rmdir "$h$prefix/default" "$h$prefix" 2>/dev/null || true
  done
  rm -rf "$node"
}
trap cleanup EXIT
bash scripts/node-setup.sh --root "$VZ_ROOT" >/dev/null
echo "NODE_PREFIX=\"$prefix\"" >> "$VZ_ROOT/etc/vz/vz.conf"
"$vztmpl" build "$recipe"
template=$("$vztmpl" list -H | awk 'NR==1 {print $1}')
# Sign it with a key of this demo and trust that key for the template's
# prefix, as an admin would with the vendor's key: create then verifies it.
"$vztmpl" key generate --out "$node/demo-key"
"$vztmpl" sign "$template" --key "$node/demo-key.key"
"$vztmpl" trust add --prefix "${template%%-*}-" "$node/demo-key.pub"
"$vzctl" create 101 --ostemplate "$template" --hostname demo
"$vzctl" start 101 --wait
"$vzctl" exec2 101 'echo "hello from $(hostname): $(uname -sr), pid 1 is $(cat /proc/1/comm)"'
"$vzctl" status 101
"$vzctl" stop 101
"$vzctl" destroy 101
echo "demo: template '$template' built, container 101 created, started, used, stopped and destroyed"
