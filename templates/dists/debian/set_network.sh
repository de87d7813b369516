#!/bin/sh
# Debian: ifupdown stanzas in /etc/network/interfaces.d/vz. Interfaces the
# node configures are "manual" (ifup leaves them as they are); DHCP ones
# are left to the container's DHCP client. Env as generic/set_network.sh.
set -eu
root=${VZ_ROOT_DIR:-}
dir="$root/etc/network/interfaces.d"
mkdir -p "$dir"
out="$dir/vz.vz-new"
echo "# Written by vz (vzctl set --ipadd/--netif_add). The node sets the" > "$out"
echo "# addresses of 'manual' interfaces itself." >> "$out"
if [ -n "${VZ_ROUTED:-}" ]; then
  printf '\nauto venet0\niface venet0 inet manual\n# addresses: %s\n' "$VZ_ROUTED" >> "$out"
fi
printf '%s\n' "${VZ_NETIFS:-}" | while read -r name dhcp dhcp6 gw gw6 addrs; do
  [ -n "$name" ] || continue
  printf '\nauto %s\n' "$name" >> "$out"
  if [ "$dhcp" = yes ]; then
    printf 'iface %s inet dhcp\n' "$name" >> "$out"
  else
    printf 'iface %s inet manual\n# addresses: %s gateway: %s\n' "$name" "$addrs" "$gw" >> "$out"
  fi
  if [ "$dhcp6" = yes ]; then printf 'iface %s inet6 dhcp\n' "$name" >> "$out"; fi
done
mv "$out" "$dir/vz"
main="$root/etc/network/interfaces"
if [ ! -e "$main" ]; then
  printf 'auto lo\niface lo inet loopback\n\nsource /etc/network/interfaces.d/*\n' > "$main"
elif ! grep -q 'interfaces.d' "$main"; then
  printf '\nsource /etc/network/interfaces.d/*\n' >> "$main"
fi
