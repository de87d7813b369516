#!/usr/bin/env bash
# Installs every Debian 12 package vz needs to build, test and run.
# Idempotent and non-interactive. With --bench it also installs the peer tools
# the benchmarks in bench/ compare against (LXC, podman, nspawn, qemu, fio, ...).
set -euo pipefail

build=(
  build-essential cmake ninja-build ccache pkg-config git
  clang libclang-rt-14-dev clang-format
  libgtest-dev libgmock-dev googletest
  libboost-dev libboost-program-options-dev
  libxml2-dev liburing-dev
  libsqlite3-dev libssl-dev libcap-dev libseccomp-dev
  libnl-3-dev libnl-route-3-dev libnftables-dev
  libprotobuf-dev protobuf-compiler libgrpc++-dev protobuf-compiler-grpc
  qt6-base-dev qt6-charts-dev libgl-dev
)
run=(
  e2fsprogs util-linux fdisk kmod iproute2 procps psmisc
  debootstrap busybox-static lxcfs openssh-client
  iperf3
  tar gzip xz-utils zstd ca-certificates
  fio xvfb
)
bench=(
  qemu-utils qemu-system-common lxc rsync systemd-container podman runc
  sockperf hyperfine
)

pkgs=("${build[@]}" "${run[@]}")
if [[ "${1:-}" == "--bench" ]]; then
  pkgs+=("${bench[@]}")
fi

missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#pkgs[@]} packages present"
  exit 0
fi

sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -q
"${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
