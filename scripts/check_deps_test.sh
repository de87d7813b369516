#!/usr/bin/env bash
# Proves check_deps.sh catches each kind of violation and passes clean trees.
set -euo pipefail
script="$(cd "$(dirname "$0")" && pwd)/check_deps.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
git init -q .
mkdir -p base libvz/cgroup vzctl ploop/server ploop/lib panel test/integration

expect() {  # expect pass|fail description
  if bash "$script" "$tmp" >/dev/null 2>&1; then got=pass; else got=fail; fi
  if [[ "$got" != "$1" ]]; then echo "check_deps_test: $2: expected $1, got $got"; exit 1; fi
}

echo '#include "base/status.h"' > libvz/a.cc
echo '#include <netlink/netlink.h>' >> libvz/a.cc
echo '#include "ploop/image.h"' >> libvz/a.cc
echo '#include <fuse_lowlevel.h>' > ploop/server/s.cc
echo '#include "libvz/cgroup/x.h"' > test/integration/t.cc
expect pass "clean tree"

echo '#include "libvz/container.h"' > base/bad.cc
expect fail "base depending on libvz"
rm base/bad.cc

echo '#include "libvz/cgroup/manager.h"' > vzctl/bad.cc
expect fail "vzctl including a private libvz header"
rm vzctl/bad.cc

echo '#include "ploop/lib/bat.h"' > libvz/bad.cc
expect fail "libvz including ploop internals"
rm libvz/bad.cc

echo '#include <fuse_lowlevel.h>' > ploop/lib/bad.cc
expect fail "libfuse outside the device server"
rm ploop/lib/bad.cc

echo '#include <sqlite3.h>' > libvz/bad.cc
expect fail "SQLite in libvz"
rm libvz/bad.cc

printf '#include <openssl/evp.h>\n#include <sys/file.h>\n#include <unistd.h>\n#include <string>\n' > libvz/ok.cc
echo '#include <gtest/gtest.h>' > libvz/ok_test.cc
expect pass "libvz with OpenSSL, POSIX, the C++ library and GoogleTest in tests"
rm libvz/ok.cc libvz/ok_test.cc

echo '#include <zstd.h>' > libvz/bad.cc
expect fail "a library outside libvz's row"
rm libvz/bad.cc

echo '#include <boost/algorithm/string.hpp>' > libvz/bad.cc
expect fail "Boost in libvz"
rm libvz/bad.cc

echo '#include <gtest/gtest.h>' > libvz/bad.cc
expect fail "GoogleTest in libvz's library code"
rm libvz/bad.cc

echo '#include "vzd/store.h"' > panel/bad.cc
expect fail "panel reaching into vzd"
rm panel/bad.cc
expect pass "clean again"
echo "check_deps_test: ok"
