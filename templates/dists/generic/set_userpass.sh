#!/bin/sh
# Sets passwords (vzctl set --userpasswd user:pass; never saved): reads
# "user:password" lines on stdin, creates missing users.
set -eu
while IFS= read -r line; do
  user=${line%%:*}
  if ! grep -q "^$user:" /etc/passwd; then
    if command -v useradd >/dev/null 2>&1; then useradd -m "$user"; else adduser -D "$user"; fi
  fi
  printf '%s\n' "$line" | chpasswd
done
