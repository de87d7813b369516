#!/usr/bin/env bash
# Fails when a node program needs a shared library that ADR 5 to 8 keep
# off its start: libraries loaded on first use (libxml2, OpenSSL,
# nftables, libnl), the C++ runtime and Boost.Program_options linked in,
# and libseccomp, whose filter is compiled at build time.
# Usage: scripts/check_linkage.sh [--shared-runtime] PROGRAM...
# (--shared-runtime: a sanitizer build, where only ADR 5 holds.)
set -euo pipefail

banned='libxml2|libcrypto|libssl|libnftables|libicu|libnl|libseccomp'
if [[ ${1:-} == --shared-runtime ]]; then
  shift
else
  banned+='|libstdc\+\+|libgcc_s|libboost'
fi
(($# > 0)) || { echo "usage: $0 [--shared-runtime] PROGRAM..." >&2; exit 2; }

command -v readelf >/dev/null || { echo "check_linkage: readelf (binutils) is missing" >&2; exit 2; }
status=0
for program in "$@"; do
  needed=$(readelf -d "$program" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p') ||
    { echo "check_linkage: cannot read '$program'" >&2; exit 2; }
  # Only the program's own NEEDED entries: the C libraries they name
  # (libcap, liburing) load no C++.
  rc=0
  bad=$(grep -E "^($banned)" <<<"$needed") || rc=$?
  if ((rc == 0)); then
    echo "check_linkage: $(basename "$program") needs $(tr '\n' ' ' <<<"$bad")(doc/adr/0005 to 0008)" >&2
    status=1
  elif ((rc != 1)); then
    echo "check_linkage: grep failed on '$program'" >&2
    exit 2
  fi
done
((status == 0)) && echo "check_linkage: $# programs load no library ADR 5 to 8 keep off"
exit "$status"
