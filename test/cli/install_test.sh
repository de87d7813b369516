#!/usr/bin/env bash
# `cmake --install BUILD --strip` into a scratch prefix gives a node's
# programs that work from there: sbin/ holds vzctl, vz-monitor (a hard link
# of it), vzlist, vztmpl, ploop and ploop-server without debug info;
# share/vz holds the recipes, dists, samples and the node scripts, and the
# installed programs find them by their own path, not the source tree;
# lib/systemd/system/vz.service starts the installed vzctl. As
# root it also builds the busybox template with the installed vztmpl and
# runs a container through the installed vzctl, checking that its monitor
# and device server are the installed programs.
# Usage: install_test.sh BUILD_DIR. Cleans up what it made, also on failure.
set -uo pipefail
build=$1
unset VZ_DATA_DIR VZ_PLOOP_SERVER VZ_ROOT
scratch=$(mktemp -d /var/tmp/vz-install-test.XXXXXX)
chmod 755 "$scratch"
prefix=$scratch/prefix sbin=$scratch/prefix/sbin root=$scratch/node
node_prefix=vzi$(printf %03d $((RANDOM % 1000)))  # 1 to 6 of [a-z0-9]
ct=4242
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

cleanup() {
  if [[ -x $sbin/vzctl && -d $root/etc/vz ]]; then
    "$sbin/vzctl" -q --root "$root" stop $ct --fast >/dev/null 2>&1
    "$sbin/vzctl" -q --root "$root" destroy $ct >/dev/null 2>&1
    bash "$prefix/share/vz/scripts/node-teardown.sh" --root "$root" >/dev/null 2>&1
  fi
  local d
  for d in /sys/fs/cgroup/*/"$node_prefix" /sys/fs/cgroup/"$node_prefix"; do
    [[ -d $d ]] && find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
  done
  grep -o " $scratch[^ ]*" /proc/self/mounts | sort -r |
    while read -r m; do umount -l "$m"; done
  rm -rf "$scratch"
}
trap cleanup EXIT

out=$(cmake --install "$build" --prefix "$prefix" --strip 2>&1) ||
  { echo "FAIL: cmake --install: $out" >&2; exit 1; }
# The manifest it wrote in the build tree stays its owner's.
chown --reference="$build" "$build/install_manifest.txt" 2>/dev/null

# --- the files ---------------------------------------------------------
for p in vzctl vz-monitor vzlist vztmpl ploop ploop-server; do
  [[ -x $sbin/$p ]] || { fail "no executable sbin/$p"; continue; }
  if readelf -S "$sbin/$p" | grep -q '\.debug_'; then
    fail "sbin/$p still carries debug sections"
  fi
done
[[ $sbin/vz-monitor -ef $sbin/vzctl ]] || fail "vz-monitor is not a hard link of vzctl"
for f in "$sbin/vz-monitor" "$prefix/lib/systemd/system/vz.service"; do
  grep -qxF "$f" "$build/install_manifest.txt" || fail "$f is not in install_manifest.txt"
done
for f in vz.conf ve-basic.conf-sample recipes/busybox/recipe.conf \
  dists/debian scripts/node-setup.sh scripts/node-teardown.sh; do
  [[ -e $prefix/share/vz/$f ]] || fail "no share/vz/$f"
done
[[ -x $prefix/share/vz/recipes/busybox/build ]] || fail "the busybox recipe lost its x bit"
unit=$prefix/lib/systemd/system/vz.service
grep -qx "ExecStart=$sbin/vzctl start --onboot" "$unit" 2>/dev/null ||
  fail "vz.service does not start the installed vzctl: $(grep ExecStart "$unit" 2>&1)"

# --- the programs find their own data --------------------------------------
out=$("$sbin/vz-monitor" 2>&1)
[[ $out == *vz-monitor* ]] || fail "vz-monitor did not run as the monitor: $out"
bash "$prefix/share/vz/scripts/node-setup.sh" --root "$root" >/dev/null ||
  fail "the installed node-setup.sh failed"
cmp -s "$prefix/share/vz/vz.conf" "$root/etc/vz/vz.conf" ||
  fail "node-setup.sh did not install vz.conf"
out=$("$sbin/vztmpl" --root "$root" build no-such-recipe 2>&1)
[[ $out == *"$prefix/share/vz/recipes/no-such-recipe"* ]] ||
  fail "the installed vztmpl does not look in its own share/vz: $out"

# --- a container through the installed programs (root) -----------------
if [[ $(id -u) != 0 ]]; then
  echo "not root: skipping the container part"
elif [[ $failures == 0 ]]; then
  mkdir -p "$root/run" && mount -t tmpfs -o mode=755 tmpfs "$root/run"
  echo "NODE_PREFIX=\"$node_prefix\"" >>"$root/etc/vz/vz.conf"
  vzctl=("$sbin/vzctl" -q --root "$root")
  "$sbin/vztmpl" -q --root "$root" build busybox >/dev/null ||
    fail "installed vztmpl could not build busybox"
  "${vzctl[@]}" create $ct --ostemplate busybox-1.35-x86_64 --allow-unsigned \
    >/dev/null || fail "create"
  "${vzctl[@]}" start $ct >/dev/null || fail "start"
  out=$("${vzctl[@]}" exec2 $ct echo inside) ; [[ $out == inside ]] ||
    fail "exec2 said '$out'"
  # The container's monitor and device server are the installed programs.
  monitor=0 server=0
  for exe in /proc/[0-9]*/exe; do
    [[ $exe -ef $sbin/vzctl ]] && monitor=$((monitor + 1))
    [[ $exe -ef $sbin/ploop-server ]] && server=$((server + 1))
  done 2>/dev/null
  [[ $monitor -ge 1 ]] || fail "no process runs the installed vz-monitor"
  [[ $server -ge 1 ]] || fail "no process runs the installed ploop-server"
  "${vzctl[@]}" stop $ct >/dev/null || fail "stop"
  "${vzctl[@]}" destroy $ct >/dev/null || fail "destroy"
fi

if [[ $failures != 0 ]]; then
  echo "$failures failure(s)" >&2
  exit 1
fi
echo "install: all checks passed"
