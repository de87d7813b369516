#!/bin/sh
# The node configures the container's interfaces itself (netlink, at start
# and live); this records them where the container's tools look.
# Env: VZ_ROUTED (addresses on venet0), VZ_NETIFS (lines of
# "ifname dhcp dhcp6 gw gw6 address..." with "-" for empty).
set -eu
root=${VZ_ROOT_DIR:-}
mkdir -p "$root/etc"
out="$root/etc/vz-network.vz-new"
echo "# Written by vz: the node configures these interfaces." > "$out"
if [ -n "${VZ_ROUTED:-}" ]; then echo "venet0 $VZ_ROUTED" >> "$out"; fi
printf '%s\n' "${VZ_NETIFS:-}" | while read -r name dhcp dhcp6 gw gw6 addrs; do
  [ -n "$name" ] || continue
  echo "$name dhcp=$dhcp dhcp6=$dhcp6 gw=$gw gw6=$gw6 $addrs" >> "$out"
done
mv "$out" "$root/etc/vz-network"
