#!/bin/sh
# Sets passwords (vzctl set --userpasswd user:pass; never saved): reads
# "user:password" lines on stdin, creates missing users. Without chpasswd
# (Debian's busybox-static has none) the hash comes from mkpasswd, fed on
# stdin so the password never shows in a command line.
set -eu
set_password() {  # USER, the password on stdin
  if command -v chpasswd >/dev/null 2>&1; then
    { printf '%s:' "$1"; cat; } | chpasswd
    return
  fi
  hash=$(busybox mkpasswd -m sha512 -P 0)
  [ -f /etc/shadow ] || { echo "no /etc/shadow" >&2; return 1; }
  awk -F: -v u="$1" -v h="$hash" 'BEGIN { OFS = ":" } $1 == u { $2 = h } { print }' \
    /etc/shadow > /etc/shadow.vz-new
  cat /etc/shadow.vz-new > /etc/shadow
  rm -f /etc/shadow.vz-new
}
while IFS= read -r line; do
  user=${line%%:*}
  if ! grep -q "^$user:" /etc/passwd; then
    if command -v useradd >/dev/null 2>&1; then useradd -m "$user"; else adduser -D "$user"; fi
  fi
  printf '%s\n' "${line#*:}" | set_password "$user"
done
