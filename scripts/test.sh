#!/usr/bin/env bash
# Sets up this machine and runs every test: installs the Debian packages,
# builds with Ninja, runs CTest (unit, privileged, slow, lint, fuzz labels).
# Privileged tests need root; as another user they skip with a reason.
# Extra arguments go to ctest (e.g. -L unit, -R ploop).
set -euo pipefail
cd "$(dirname "$0")/.."
build="${VZ_BUILD_DIR:-build}"

bash scripts/install-deps.sh
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build "$build" -j2
cd "$build"
exec ctest --output-on-failure -j2 --timeout 1800 "$@"
