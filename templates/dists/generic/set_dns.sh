#!/bin/sh
# Writes /etc/resolv.conf (vzctl set --nameserver/--searchdomain).
# Env: VZ_NAMESERVER (space-separated; the node resolved "inherit"),
# VZ_SEARCHDOMAIN (space-separated).
set -eu
root=${VZ_ROOT_DIR:-}
[ -n "${VZ_NAMESERVER:-}${VZ_SEARCHDOMAIN:-}" ] || exit 0
mkdir -p "$root/etc"
out="$root/etc/resolv.conf.vz-new"
echo "# Written by vz (vzctl set --nameserver/--searchdomain)." > "$out"
if [ -n "${VZ_SEARCHDOMAIN:-}" ]; then echo "search $VZ_SEARCHDOMAIN" >> "$out"; fi
for ns in ${VZ_NAMESERVER:-}; do echo "nameserver $ns" >> "$out"; done
# A symlink here (systemd-resolved) is replaced by the file.
rm -f "$root/etc/resolv.conf"
mv "$out" "$root/etc/resolv.conf"
