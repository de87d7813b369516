#!/usr/bin/env bash
# Container runtime speed: start-to-exec (start + `exec true`), stop, and the
# whole create+start+exec+stop+destroy cycle, for the busybox and the Debian
# 12 template, side by side with LXC (lxc-start + lxc-attach), systemd-nspawn
# (in the background, nsenter for the exec) and podman with runc, all on the
# root filesystem copied out of a vz container, in one run. Runs interleave
# the tools so load from other work on the machine hits them alike.
# Needs root and the peers (scripts/install-deps.sh --bench); how the peers
# must be run here: ../shared/reference/peer-tools-here.md.
# Usage: bench/ct-runtime.sh [RUNS]     (writes doc/benchmarks.md)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
runs=${1:-11}
build=$(cd "${VZ_BUILD_DIR:-build}" && pwd)
scratch=$(mktemp -d /var/tmp/vz-bench-runtime.XXXXXX)
# Unprivileged containers' root must traverse every directory up to VE_ROOT.
chmod 755 "$scratch"
root=$scratch/node
lxcpath=$scratch/lxc
nsdir=$scratch/nspawn
log=$scratch/log
pod=(podman --root "$scratch/podman/root" --runroot "$scratch/podman/run"
     --cgroup-manager cgroupfs --events-backend file --runtime runc)
bin=$scratch/install/sbin  # bench_install, below
vzctl=("$bin/vzctl" -q --root "$root")
vztmpl=("$bin/vztmpl" -q --root "$root")
declare -A nspawn_pid=()   # nspawn container name -> pid of its nspawn
declare -A nspawn_init=()  # nspawn container name -> pid of its init
declare -A nspawn_nsfd=()  # nspawn container name -> fd on its init's PID ns
nspawn_bin=$(readlink -f "$(command -v systemd-nspawn)")
# A pipe no one writes to: `read -t` on it is a sleep without a fork.
exec {nap_fd}<> <(:)
tools=(vz lxc nspawn podman)
kinds=(${BENCH_KINDS:-bb deb})  # BENCH_KINDS=bb: busybox only (tries)

cleanup() {
  set +e
  for ct in $(ls "$root/etc/vz/conf" 2>/dev/null | sed -n 's/^\([0-9]*\)\.conf$/\1/p'); do
    "${vzctl[@]}" stop "$ct" --fast >/dev/null 2>&1
    "${vzctl[@]}" destroy "$ct" >/dev/null 2>&1
  done
  for c in $(lxc-ls -P "$lxcpath" 2>/dev/null); do
    lxc-stop -P "$lxcpath" -n "$c" -k >/dev/null 2>&1
    lxc-destroy -P "$lxcpath" -n "$c" >/dev/null 2>&1
  done
  for name in $(printf '%s\n' "${!nspawn_pid[@]}" "${!nspawn_init[@]}" | sort -u); do
    nspawn_end "$name"
    rm -rf "/run/systemd/nspawn/propagate/$name"
  done
  "${pod[@]}" rm -a -f >/dev/null 2>&1
  "${pod[@]}" system reset -f >/dev/null 2>&1
  grep -o " $scratch[^ ]*" /proc/self/mounts | sort -r |
    while read -r m; do umount -l "$m"; done
  rm -rf "$scratch"
  bench_rm_cgroups bchrt
  bench_rm_cgroups lxc.pivot
  bench_rm_cgroups libpod_parent  # podman's, empty once its containers are gone
}
trap cleanup EXIT
bench_install "$build" "$scratch/install"

# Runs a command with its output in the log; on failure shows the log's end.
quiet() {
  echo "+ $*" >>"$log"
  "$@" >>"$log" 2>&1 && return 0
  echo "failed: $*" >&2
  tail -5 "$log" >&2
  return 1
}

# Sets `elapsed` to the microseconds a command takes ($EPOCHREALTIME: no
# fork for the clock, so short commands are not inflated). The tables show
# milliseconds with one decimal: whole ones hid differences of a busybox
# start+exec's size.
timed() {
  local t0=${EPOCHREALTIME/./}
  "$@" || return 1
  elapsed=$((${EPOCHREALTIME/./} - t0))
}

# --- vz ----------------------------------------------------------------
vz_template() { [[ $1 == bb ]] && echo busybox-1.35-x86_64 || echo debian-12-x86_64; }
vz_create() { quiet "${vzctl[@]}" create "$1" --ostemplate "$(vz_template "$2")" --allow-unsigned; }
vz_start() { quiet "${vzctl[@]}" start "$1"; }
vz_exec() { local ct=$1; shift; "${vzctl[@]}" exec2 "$ct" "$*"; }
vz_stop() { quiet "${vzctl[@]}" stop "$1"; }
vz_kill() { quiet "${vzctl[@]}" stop "$1" --fast; }
vz_destroy() { quiet "${vzctl[@]}" destroy "$1"; }

# --- LXC: overlay clones of a base container per template ---------------
lxc_create() { quiet lxc-copy -P "$lxcpath" -n "base-$2" -N "$1" -s -B overlay; }
lxc_start() { quiet lxc-start -P "$lxcpath" -n "$1" -d; }
lxc_exec() { local c=$1; shift; lxc-attach -P "$lxcpath" -n "$c" -- "$@"; }
lxc_stop() { quiet lxc-stop -P "$lxcpath" -n "$1"; }
lxc_kill() { quiet lxc-stop -P "$lxcpath" -n "$1" -k; }
lxc_destroy() { quiet lxc-destroy -P "$lxcpath" -n "$1"; }

# --- systemd-nspawn: an overlay over the template's rootfs, what a
# provider's script would do (nspawn itself has no create) ---------------
nspawn_create() {
  local d=$nsdir/$1
  mkdir -p "$d/upper" "$d/work" "$d/root" || return 1
  quiet mount -t overlay overlay \
    -o "lowerdir=$scratch/rootfs/$2,upperdir=$d/upper,workdir=$d/work" "$d/root"
}
# The container's init: the child of nspawn in another PID namespace that
# has exec'd (before, it is still the nspawn binary). nspawn's first child
# there is short-lived: while it exits, its exe cannot be read, and taking
# it for the init made 2-8 of 11 busybox runs fail (the exec found it gone).
# Sets `init_pid`. Only bash builtins: a lookup with readlink and cat took
# 5 ms of forks and execs, which the timed steps charged to nspawn. A child
# whose exe or namespace cannot be read (exiting) is passed over.
nspawn_find_init() {
  local p=${nspawn_pid[$1]} c kids=()
  read -r -a kids 2>/dev/null <"/proc/$p/task/$p/children" || true
  for c in "${kids[@]}"; do
    [[ -e /proc/$c/exe && -e /proc/$c/ns/pid ]] || continue
    [[ /proc/$c/exe -ef $nspawn_bin ]] && continue
    [[ /proc/$c/ns/pid -ef /proc/$$/ns/pid ]] && continue
    [[ -e /proc/$c/exe ]] || continue
    init_pid=$c
    return 0
  done
  return 1
}
nspawn_start() {
  local name=$1 kind=$2 sig=() fd
  # busybox init powers off on SIGUSR2; systemd halts on nspawn's default.
  [[ $kind == bb ]] && sig=(--kill-signal=SIGUSR2)
  # Loopback only, as the other tools here.
  systemd-nspawn --register=no --keep-unit -q --console=read-only \
    --private-network -M "$name" "${sig[@]}" -D "$nsdir/$name/root" -b \
    </dev/null >>"$log" 2>&1 &
  nspawn_pid[$name]=$!
  # Started once its init runs (lxc-start -d returns at the same point),
  # looked for every millisecond. Its PID namespace is held open, so that
  # the cleanup kills that init and never a process that took its PID.
  local i
  for ((i = 0; i < 20000; i++)); do
    if nspawn_find_init "$name" &&
      { exec {fd}<"/proc/$init_pid/ns/pid"; } 2>/dev/null; then
      nspawn_init[$name]=$init_pid
      nspawn_nsfd[$name]=$fd
      return 0
    fi
    kill -0 "${nspawn_pid[$name]}" 2>/dev/null || break
    read -r -t 0.001 -u "$nap_fd" || true
  done
  echo "failed: systemd-nspawn $name" >&2
  tail -5 "$log" >&2
  return 1
}
# The init found at the start: it is the container's for its lifetime.
nspawn_exec() {
  local name=$1 p=${nspawn_init[$1]:-}
  shift
  [[ -n $p ]] || return 1
  nsenter -t "$p" -a "$@"
}
nspawn_stop() {
  local name=$1
  kill -TERM "${nspawn_pid[$name]}"
  wait "${nspawn_pid[$name]}" || true  # its exit code is the init's
  nspawn_forget "$name"
}
# SIGKILL to the init ends its PID namespace, then nspawn exits.
nspawn_kill() {
  local name=$1 p=${nspawn_init[$1]:-}
  if [[ -z $p ]]; then
    nspawn_end "$name"
    return 1
  fi
  kill -KILL "$p"
  wait "${nspawn_pid[$name]}" || true
  nspawn_forget "$name"
}
nspawn_forget() {
  local fd=${nspawn_nsfd[$1]:-}
  [[ -z $fd ]] || exec {fd}<&-
  unset "nspawn_pid[$1]" "nspawn_init[$1]" "nspawn_nsfd[$1]"
}
# Ends the container's init (the kernel takes the rest of its PID
# namespace with it) and then nspawn: nspawn can be gone before its init
# (a failed run, a SIGKILL), and the init would run on, holding the
# container's mounts and every mount it copied from the host. The init is
# killed only while its PID is still in the namespace held open at the
# start. Untimed: for failures and the end of the run.
nspawn_end() {
  local name=$1 p=${nspawn_init[$1]:-} fd=${nspawn_nsfd[$1]:-}
  if [[ -n $p && -n $fd && /proc/$p/ns/pid -ef /proc/$$/fd/$fd ]]; then
    kill -KILL "$p" 2>/dev/null
  fi
  if [[ -n ${nspawn_pid[$name]:-} ]]; then
    kill -KILL "${nspawn_pid[$name]}" 2>/dev/null
    wait "${nspawn_pid[$name]}" 2>/dev/null
  fi
  nspawn_forget "$name"
  return 0
}
nspawn_destroy() {
  quiet umount "$nsdir/$1/root" && rm -rf "${nsdir:?}/$1" \
    "/run/systemd/nspawn/propagate/$1"
}

# --- podman with runc (crun refuses this host's cgroup layout) ----------
podman_create() {
  local sig=()
  [[ $2 == bb ]] && sig=(--stop-signal SIGUSR2)
  # This host's hard RLIMIT_NOFILE is 20000 and root lacks
  # CAP_SYS_RESOURCE: podman's default ulimits fail.
  quiet "${pod[@]}" create --name "$1" --network none "${sig[@]}" \
    --ulimit nofile=20000:20000 --ulimit nproc=32768:32768 \
    "localhost/vzbench-$2" /sbin/init
}
podman_start() { quiet "${pod[@]}" start "$1"; }
podman_exec() { local c=$1; shift; "${pod[@]}" exec "$c" "$@"; }
podman_stop() { quiet "${pod[@]}" stop "$1"; }
podman_kill() { quiet "${pod[@]}" stop -t 0 "$1"; }
podman_destroy() { quiet "${pod[@]}" rm "$1"; }

# --- the measured steps ---------------------------------------------------
# Debian: until systemd says it has booted (bench_wait_booted), asked
# through the tool's own exec, the same for every tool (vzctl start --wait
# would ask every 500 ms, so it is not used).
start_exec() {
  local tool=$1 name=$2 kind=$3
  "${tool}_start" "$name" "$kind" || return 1
  if [[ $kind == deb ]]; then bench_wait_booted "${tool}_exec" "$name" || return 1; fi
  "${tool}_exec" "$name" true >>"$log" 2>&1
}

# One run: create, first start+exec, clean stop, start+exec again, fast
# stop, destroy. Appends "create first_start stop destroy kill start" (us)
# to the tool's data file, or nothing when a step fails (the container is
# then removed). The first start is apart because vz does one-time work
# there (the first mount makes the machine identity: machine-id, SSH host
# keys); the second is what every later start costs.
cycle() {
  local tool=$1 kind=$2 name=$3 c f t d k s
  timed "${tool}_create" "$name" "$kind" || { failed create; return 1; }
  c=$elapsed
  timed start_exec "$tool" "$name" "$kind" || { failed "first start"; return 1; }
  f=$elapsed
  timed "${tool}_stop" "$name" "$kind" || { failed stop; return 1; }
  t=$elapsed
  timed start_exec "$tool" "$name" "$kind" || { failed start; return 1; }
  s=$elapsed
  timed "${tool}_kill" "$name" || { failed kill; return 1; }
  k=$elapsed
  timed "${tool}_destroy" "$name" || { failed destroy; return 1; }
  d=$elapsed
  echo "$c $f $t $d $k $s" >>"$scratch/data/$tool-$kind"
}
# Says which step failed and removes what is left of the container.
failed() {
  echo "$tool $kind $name: $1 failed; the log's end:" >&2
  tail -4 "$log" >&2
  # The tools' own output arrives late and interleaved: see the log.
  echo "$tool $kind: $1 failed" >>"$scratch/failures"
  "${tool}_kill" "$name" >/dev/null 2>&1
  [[ $tool != nspawn ]] || nspawn_end "$name"
  "${tool}_destroy" "$name" >/dev/null 2>&1
}

# --- setup ----------------------------------------------------------------
: >"$log"
mkdir -p "$scratch/data" "$scratch/rootfs" "$lxcpath" "$nsdir"
bench_node_setup "$root"
# podman's runtime state on a tmpfs too, as its default /run is.
mkdir -p "$scratch/podman/run"
mount -t tmpfs -o mode=700 tmpfs "$scratch/podman/run"
# A node prefix of its own keeps this node's cgroups apart from others'.
echo 'NODE_PREFIX="bchrt"' >>"$root/etc/vz/vz.conf"
echo "building templates ..." >&2
"${vztmpl[@]}" build busybox
"${vztmpl[@]}" build debian-12

# The peers get each template's files as a plain directory.
for kind in "${kinds[@]}"; do
  "${vzctl[@]}" create 999 --ostemplate "$(vz_template $kind)" --allow-unsigned 2>/dev/null
  "${vzctl[@]}" mount 999
  cp -a "$root/vz/root/999/." "$scratch/rootfs/$kind"
  rm -rf "$scratch/rootfs/$kind/lost+found"
  # nspawn refuses a root without os-release (busybox has none).
  [[ -e $scratch/rootfs/$kind/etc/os-release || -L $scratch/rootfs/$kind/etc/os-release ]] ||
    echo 'ID=busybox' >"$scratch/rootfs/$kind/etc/os-release"
  "${vzctl[@]}" umount 999
  "${vzctl[@]}" destroy 999
  # LXC's overlay clones need a base whose rootfs is inside its own dir.
  mkdir -p "$lxcpath/base-$kind"
  cp -a "$scratch/rootfs/$kind" "$lxcpath/base-$kind/rootfs"
  halt=SIGRTMIN+4  # systemd: poweroff, as vz asks it
  [[ $kind == bb ]] && halt=SIGUSR2
  bench_lxc_config "$lxcpath" "base-$kind" "$halt"
  tar -C "$scratch/rootfs/$kind" -cf - . |
    "${pod[@]}" import -q - "localhost/vzbench-$kind" >/dev/null
done
rootfs_mb_bb=$(du -sm "$scratch/rootfs/bb" 2>/dev/null | cut -f1 || true)
rootfs_mb_deb=$(du -sm "$scratch/rootfs/deb" 2>/dev/null | cut -f1 || true)

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for kind in "${kinds[@]}"; do
  for i in $(seq "$runs"); do
    echo "$kind run $i/$runs ..." >&2
    # Each run starts with the next tool (vz first in run 1, LXC in run
    # 2, ...), so what a tool's position brings (the previous tool's
    # teardown still settling, its own files idle the longest) falls on
    # every tool alike.
    for ((t = 0; t < ${#tools[@]}; t++)); do
      tool=${tools[(i - 1 + t) % ${#tools[@]}]}
      n=$((2000 + i))
      [[ $kind == deb ]] && n=$((3000 + i))
      name=$n
      [[ $tool != vz ]] && name=$tool$n
      cycle "$tool" "$kind" "$name" || echo "$tool $kind run $i failed" >&2
    done
  done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# --- the table ----------------------------------------------------------
# Median of column $3 (1 create, 2 first start+exec, 3 stop, 4 destroy,
# 5 fast stop, 6 start+exec, 0 the whole cycle: create, first start+exec,
# stop, destroy) of tool $1, template $2; "failed" without data.
med() {
  local f=$scratch/data/$1-$2
  [[ -s $f ]] || { echo failed; return; }
  awk -v c="$3" '{ print c ? $c : $1 + $2 + $3 + $4 }' "$f" | bench_median |
    awk '{ printf "%.1f", $1 / 1000 }'
}
count() { [[ -s $scratch/data/$1-$2 ]] && wc -l <"$scratch/data/$1-$2" || echo 0; }
ratio() {
  [[ $1 == failed || $2 == failed || $2 == 0 ]] && { echo; return; }
  awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }'
}
label() {
  case $1 in
    vz) echo 'vz: `vzctl` start, exec2, stop [--fast]' ;;
    lxc) echo 'LXC: `lxc-start -d`, `lxc-attach`, `lxc-stop [-k]`' ;;
    nspawn) echo 'nspawn: `systemd-nspawn -b` (bg), `nsenter -a`, SIGTERM [SIGKILL to init]' ;;
    podman) echo 'podman (runc): start, exec, stop [-t 0]' ;;
  esac
}
table=$(mktemp)
{
  echo "## Container runtime: start-to-exec, stop, whole cycle"
  echo
  echo "Command: \`bench/ct-runtime.sh $runs\` (as root). $(bench_machine)."
  echo "Load average before: $load_before; after: $load_after (other work on the"
  echo "machine moves every tool's figures). Medians of $runs runs in ms;"
  echo "the runs interleave the tools, each run starting with the next tool."
  echo "\"÷ vz\" is the peer's median over vz's: above 1, vz is faster."
  echo
  echo "All tools run the same root filesystem, copied out of a vz container made"
  echo "from the template (busybox ${rootfs_mb_bb} MiB, Debian 12 ${rootfs_mb_deb} MiB), with"
  echo "loopback-only networking. vz: the default unprivileged container (user"
  echo "namespace, idmapped ploop-backed root, device server), its programs"
  echo "installed stripped (\`cmake --install --strip\`) as the peers' come from"
  echo "Debian's packages. LXC: an overlay"
  echo "clone (\`lxc-copy -s -B overlay\`) of a base container, privileged,"
  echo "\`common.conf\`, \`lxc.net.0.type = empty\`, AppArmor unconfined."
  echo "nspawn: an overlay mount over the rootfs (nspawn has no create),"
  echo "\`--register=no --keep-unit --private-network --console=read-only\`, started"
  echo "in the background (with \`--console=passive\` the busybox container powered"
  echo "off at once); an \`/etc/os-release\` added to the busybox rootfs, which nspawn"
  echo "requires;"
  echo "\"started\" is when its init runs (looked for every millisecond with bash"
  echo "builtins; its PID is kept for the exec and the kill); exec is"
  echo "\`nsenter -a -t INIT\`; stop is"
  echo "SIGTERM to nspawn (which signals the init) and waiting for it. podman:"
  echo "\`podman create\` from an image imported from the rootfs, runc,"
  echo "\`--network none\`, cgroupfs, ulimits this host allows."
  echo
  echo "- **start+exec**: start, then \`exec true\` inside, of a container started"
  echo "  and stopped before (each run's second start). For Debian every tool"
  echo "  also **waits for boot**: \`systemctl is-system-running --wait\` through the"
  echo "  tool's exec (retried every 20 ms until systemd answers) until \`running\`"
  echo "  or \`degraded\`, then \`true\`."
  echo "- **stop**: a clean stop: the init gets its poweroff signal (busybox"
  echo "  SIGUSR2, systemd SIGRTMIN+4 via vz and LXC, SIGRTMIN+3 via nspawn and"
  echo "  podman's systemd mode) and the command returns once all is gone."
  echo "- **first start+exec**: the same, the first start after create. vz does
  one-time work there: the first mount makes the machine identity
  (machine-id; for Debian the SSH host keys, a pair of each type from the
  node's pool, which a refill in the node's idle cgroup makes good once
  the CPUs are quiet), which clones of the peers share with their
  template; the disk
  needs no resize (templates are made at the default DISKSPACE).
- **fast stop**: kill at once (vz \`stop --fast\`, \`lxc-stop -k\`, SIGKILL to
  nspawn's init, \`podman stop -t 0\`), after the second start.
- **cycle**: create + first start + exec + stop + destroy (median of the runs'
  sums). Each run: create, first start+exec, stop, start+exec, fast stop,
  destroy."
  echo
  for kind in "${kinds[@]}"; do
    [[ $kind == bb ]] && echo "### busybox" || echo "### Debian 12 (boot waited)"
    echo
    echo "| tool | runs | start+exec | ÷ vz | first start+exec | stop | ÷ vz | fast stop | ÷ vz | create | destroy | cycle | ÷ vz |"
    echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
    vs=$(med vz $kind 6) vt=$(med vz $kind 3) vk=$(med vz $kind 5) vc=$(med vz $kind 0)
    for tool in "${tools[@]}"; do
      s=$(med $tool $kind 6) t=$(med $tool $kind 3) k=$(med $tool $kind 5) c=$(med $tool $kind 0)
      echo "| $(label $tool) | $(count $tool $kind) | $s | $(ratio "$s" "$vs") | $(med $tool $kind 2) | $t | $(ratio "$t" "$vt") | $k | $(ratio "$k" "$vk") | $(med $tool $kind 1) | $(med $tool $kind 4) | $c | $(ratio "$c" "$vc") |"
    done
    echo
  done
  if [[ -s $scratch/failures ]]; then
    echo "Runs that failed (left out of the medians; the runs column counts the"
    echo "others):"
    echo
    sort "$scratch/failures" | uniq -c | sed 's/^ *\([0-9]*\) /- \1x /'
    echo
  fi
} >"$table"
cat "$table"
bench_write_section ct-runtime "$table"
