# Shared helpers for bench/*.sh (sourced).

# Replaces the section between <!-- BEGIN name --> and <!-- END name --> of
# doc/benchmarks.md with the file $2 (appends the section if missing), and
# removes $2.
bench_write_section() {
  local name=$1 body=$2 doc=${BENCH_DOC:-doc/benchmarks.md}
  [[ -f $doc ]] || printf '# Benchmarks\n\nEvery table here comes from a script in `bench/`, named with the command that made it.\n' > "$doc"
  local begin="<!-- BEGIN $name -->" end="<!-- END $name -->"
  if grep -qF "$begin" "$doc"; then
    awk -v b="$begin" -v e="$end" -v f="$body" '
      $0 == b { print; while ((getline line < f) > 0) print line; skip = 1; next }
      $0 == e { skip = 0 }
      !skip { print }' "$doc" > "$doc.tmp" && mv "$doc.tmp" "$doc"
  else
    { printf '\n%s\n' "$begin"; cat "$body"; printf '%s\n' "$end"; } >> "$doc"
  fi
  rm -f "$body"  # the script's table file: nothing reads it after
}

# Returns once systemd in a container has booted (running or degraded):
# `systemctl is-system-running --wait` run through the container's exec,
# given as a command prefix ("vzctl exec2 101"), answers when the boot
# ends; retried every 20 ms while systemd cannot be reached yet (its socket
# comes early in the boot). No polling period rounds the time up, and it is
# one exec for every tool. Gives up after 120 s (coreutils' `timeout`
# inside bounds each wait) or at once when the boot has failed for good.
bench_wait_booted() {
  local state left deadline=$((${EPOCHREALTIME//[!0-9]/} + 120000000))
  while ((left = (deadline - ${EPOCHREALTIME//[!0-9]/}) / 1000000, left > 0)); do
    state=$("$@" timeout "$left" systemctl is-system-running --wait 2>/dev/null) || true
    case $state in
      running | degraded) return 0 ;;
      maintenance | stopping) break ;;
    esac
    sleep 0.02
  done
  echo "failed: $* did not boot (${state:-no answer})" >&2
  return 1
}
# The median of the numbers on stdin.
bench_median() { sort -n | awk '{ a[NR] = $1 } END { if (NR == 0) print 0; else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

bench_machine() {
  echo "$(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(free -g | awk '/Mem:/ {print $2}') GiB RAM, kernel $(uname -r), $(date -u +%Y-%m-%d), load average $(cut -d' ' -f1-3 /proc/loadavg) when the table was written"
}

# Installs BUILD's node programs and data under PREFIX as a package would
# ship them (`cmake --install --strip`): the benchmarks run vz from
# PREFIX/sbin, as the peers run from Debian's stripped packages. The build
# tree's programs carry their debug info (vzctl 91 MB, 4.7 MB stripped);
# on a cold start the kernel's read-around (8 MiB on this VM's disk) then
# reads debug sections next to the code too. A copy also keeps a rebuild
# during the run from changing the programs under it.
bench_install() {
  cmake --install "$1" --prefix "$2" --strip >/dev/null &&
    chown --reference="$1" "$1/install_manifest.txt"  # root wrote it
}

# A node under ROOT (a directory in the bench's scratch) as on a real host:
# its run/ a tmpfs, as /run is. On the scratch's ext4 every pid, state or
# socket file a start writes and a stop removes would free blocks, and on
# a filesystem mounted with discard (this VM's root) a freed block waits
# for the device: 1-7 ms here, several times per stop. The bench's cleanup
# unmounts it with everything else under its scratch.
bench_node_setup() {
  mkdir -p "$1/run" && mount -t tmpfs -o mode=755 tmpfs "$1/run" &&
    bash scripts/node-setup.sh --root "$1" >/dev/null
}

# Removes the cgroup NAME (a node prefix, lxc.pivot) and what is below it in
# every hierarchy: vz removes its containers' cgroups, not the node's level.
# rmdir only: a cgroup still in use stays.
bench_rm_cgroups() {
  local d
  for d in /sys/fs/cgroup/*/"$1" /sys/fs/cgroup/"$1"; do
    [[ -d $d ]] && find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
  done
  return 0
}

# The LXC peer's config, the same in every benchmark: container NAME under
# LXCPATH with its root in LXCPATH/NAME/rootfs, privileged, common.conf,
# loopback only, AppArmor unconfined; HALT, when given, is the signal that
# powers its init off (lxc.signal.halt).
bench_lxc_config() {
  local lxcpath=$1 name=$2 halt=${3:-}
  {
    echo "lxc.include = /usr/share/lxc/config/common.conf"
    echo "lxc.arch = x86_64"
    echo "lxc.rootfs.path = dir:$lxcpath/$name/rootfs"
    echo "lxc.uts.name = $name"
    echo "lxc.net.0.type = empty"
    echo "lxc.apparmor.profile = unconfined"
    if [[ -n $halt ]]; then echo "lxc.signal.halt = $halt"; fi
  } >"$lxcpath/$name/config"
}
