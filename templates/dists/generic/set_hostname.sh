#!/bin/sh
# Sets the container's host name (vzctl set --hostname). Runs inside the
# container, or on a directory tree when VZ_ROOT_DIR is set (tests).
# Env: VZ_HOSTNAME.
set -eu
root=${VZ_ROOT_DIR:-}
[ -n "${VZ_HOSTNAME:-}" ] || exit 0
mkdir -p "$root/etc"
printf '%s\n' "$VZ_HOSTNAME" > "$root/etc/hostname.vz-new"
mv "$root/etc/hostname.vz-new" "$root/etc/hostname"
short=${VZ_HOSTNAME%%.*}
hosts="$root/etc/hosts"
touch "$hosts"
# 127.0.1.1 names the host, as Debian does; other lines stay.
grep -v '^127\.0\.1\.1[[:space:]]' "$hosts" > "$hosts.vz-new" || true
if [ "$short" = "$VZ_HOSTNAME" ]; then
  printf '127.0.1.1\t%s\n' "$VZ_HOSTNAME" >> "$hosts.vz-new"
else
  printf '127.0.1.1\t%s %s\n' "$VZ_HOSTNAME" "$short" >> "$hosts.vz-new"
fi
mv "$hosts.vz-new" "$hosts"
if [ -z "$root" ]; then hostname "$VZ_HOSTNAME" 2>/dev/null || true; fi
