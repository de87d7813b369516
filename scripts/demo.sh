#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine and runs the main job: installs the
# packages, builds vz, and (as the container issues land) builds a template,
# creates and starts a container from it.
set -euo pipefail
cd "$(dirname "$0")/.."
build="${VZ_BUILD_DIR:-build}"

bash scripts/install-deps.sh
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build "$build" -j2
echo "demo: vz is built in '$build'"
