#!/usr/bin/env bash
# Prepares a node (or a node root for tests): /etc/vz/vz.conf and the
# config samples, from templates/ (or share/vz), where they are missing.
# Never overwrites an admin's file. Usage: node-setup.sh [--root DIR]
set -euo pipefail
# The source tree's templates/, or, installed, PREFIX/share/vz (this script
# is in PREFIX/share/vz/scripts).
src="$(cd "$(dirname "$0")/.." && pwd)"
[ -e "$src/templates/vz.conf" ] && src="$src/templates"
root=${VZ_ROOT:-/}
if [ "${1:-}" = "--root" ]; then root=$2; fi
conf="$root/etc/vz"
mkdir -p "$conf/conf"
[ -e "$conf/vz.conf" ] || install -m 0644 "$src/vz.conf" "$conf/vz.conf"
for s in "$src"/ve-*.conf-sample; do
  t="$conf/conf/$(basename "$s")"
  [ -e "$t" ] || install -m 0644 "$s" "$t"
done
echo "node-setup: $conf is ready"
