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
  ["libxml/"]="ploop/ libvz/"
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

# libvz is checked the other way round too: besides the standard C++,
# C/POSIX and Linux headers, only the libraries its row of the table names
# (third-party prefixes above that list libvz/) may appear. Tests may add
# GoogleTest.
libvz_system_dirs="sys/ linux/ netinet/ arpa/ net/"
libvz_c_headers=" assert.h ctype.h dirent.h dlfcn.h endian.h errno.h fcntl.h
  fnmatch.h ftw.h getopt.h glob.h grp.h ifaddrs.h inttypes.h libgen.h limits.h
  locale.h mntent.h netdb.h poll.h pthread.h pty.h pwd.h sched.h semaphore.h
  signal.h spawn.h stdarg.h stddef.h stdint.h stdio.h stdlib.h string.h
  strings.h syslog.h termios.h time.h unistd.h utime.h wchar.h"
libvz_c_headers=" $(echo $libvz_c_headers) "  # one space between names
libvz_allows() {  # libvz_allows <file> <include>
  local f="$1" inc="$2" p
  [[ "$inc" =~ ^[a-z_]+$ ]] && return 0                    # <string>, <vector>
  [[ "$libvz_c_headers" == *" $inc "* ]] && return 0
  for p in $libvz_system_dirs; do [[ "$inc" == "$p"* ]] && return 0; done
  for p in "${!third[@]}"; do
    [[ "$inc" == "$p"* && " ${third[$p]} " == *" libvz/ "* ]] && return 0
  done
  if [[ "$f" == *_test.cc || "$f" == libvz/testing/* ]]; then
    [[ "$inc" == gtest/* || "$inc" == gmock/* ]] && return 0
  fi
  return 1
}

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
      if [[ "$comp" == libvz ]] && ! libvz_allows "$f" "$inc"; then
        report "$f includes <$inc>: not in libvz's row of the dependency table"
        continue
      fi
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
