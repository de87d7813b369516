#!/usr/bin/env bash
# Fails when an #include crosses the dependency table of DESIGN.md §1
# (doc/architecture.md). Checks two things for every C++ file:
#  - project includes ("comp/..."): comp must be the file's own component or
#    one it may depend on, and outside its own component a file may include
#    only another component's top-level headers (or its testing/ fakes);
#  - third-party includes (<libxml/...>, <fuse...>, <grpc...>, ...): only in
#    the components the table allows.
# test/ and bench/ may include any component (they test and measure them).
set -euo pipefail
root="${1:-$(cd "$(dirname "$0")/.." && pwd)}"
cd "$root"

declare -A allowed=(
  [base]="base"
  [ploop]="ploop base"
  [libvz]="libvz ploop base"
  [vzctl]="vzctl libvz base"
  [api]="api base"
  [vzd]="vzd libvz api base"
  [panel]="panel api"
)
# third-party include prefix -> path prefixes (component or subfolder) allowed
declare -A third=(
  ["libxml/"]="ploop/"
  ["fuse"]="ploop/server/"
  ["linux/fuse.h"]="ploop/server/"
  ["liburing"]="ploop/server/"
  ["boost/program_options"]="ploop/cli/ vzctl/"
  ["grpc"]="api/ vzd/ panel/"
  ["google/protobuf"]="api/ vzd/ panel/"
  ["sqlite3.h"]="vzd/"
  ["Q"]="panel/"
  ["netlink/"]="libvz/"
  ["nftables/"]="libvz/"
  ["sys/capability.h"]="libvz/"
  ["seccomp.h"]="libvz/"
  ["openssl/"]="libvz/ vzd/"
)
components=" base ploop libvz vzctl api vzd panel "

fail=0
report() { echo "check_deps: $1" >&2; fail=1; }

mapfile -t files < <(git ls-files -co --exclude-standard -- '*.cc' '*.h' '*.cpp' | grep -v '^build')
for f in "${files[@]}"; do
  comp="${f%%/*}"
  [[ "$comp" == "$f" ]] && continue
  is_test=0
  [[ "$comp" == test || "$comp" == bench ]] && is_test=1
  while IFS= read -r line; do
    if [[ "$line" =~ ^[[:space:]]*#[[:space:]]*include[[:space:]]+\"([^\"]+)\" ]]; then
      inc="${BASH_REMATCH[1]}"
      dep="${inc%%/*}"
      [[ "$dep" == "$inc" ]] && continue           # same-directory include
      [[ "$components" == *" $dep "* ]] || continue  # generated or local path
      [[ "$dep" == "$comp" ]] && continue
      if ((is_test == 0)); then
        if [[ " ${allowed[$comp]:-} " != *" $dep "* ]]; then
          report "$f includes \"$inc\": $comp may not depend on $dep"
          continue
        fi
      fi
      rest="${inc#*/}"
      if [[ "$rest" == */* && "$rest" != testing/* && $is_test == 0 ]]; then
        report "$f includes \"$inc\": private to $dep (use its top-level headers)"
      fi
    elif [[ "$line" =~ ^[[:space:]]*#[[:space:]]*include[[:space:]]+\<([^\>]+)\> ]]; then
      inc="${BASH_REMATCH[1]}"
      ((is_test == 1)) && continue
      for prefix in "${!third[@]}"; do
        [[ "$inc" == "$prefix"* ]] || continue
        ok=0
        for where in ${third[$prefix]}; do [[ "$f" == "$where"* ]] && ok=1; done
        ((ok == 1)) || report "$f includes <$inc>: only ${third[$prefix]} may"
      done
    fi
  done < "$f"
done
if ((fail)); then exit 1; fi
echo "check_deps: ${#files[@]} files follow the dependency table"
