// Shared by the container lifecycle calls (libvz/container.h) and the
// monitor (libvz/monitor.h).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "base/unique_fd.h"
#include "libvz/cgroup.h"
#include "libvz/container.h"
#include "libvz/node_config.h"
#include "libvz/runtime.h"
#include "libvz/ve_config.h"

namespace vz::container {

struct PidRecord {
  pid_t monitor = 0;
  uint64_t start_time = 0;  // /proc/<pid>/stat field 22
  pid_t init = 0;
  bool premounted = false;  // StartOptions::premounted of this run
};

std::string FormatPidRecord(const PidRecord& r);
Result<PidRecord> ParsePidRecord(std::string_view text);

// Field 22 of /proc/<pid>/stat; nullopt when the process is gone or a
// zombie (this node's PID 1 may never reap an orphaned monitor).
std::optional<uint64_t> ProcStartTime(pid_t pid);
// Whether `r` names a live monitor: same start time, command vz-monitor.
bool MonitorAlive(const PidRecord& r);

// The container's cgroup on this host's layout.
Result<std::unique_ptr<cgroup::Cgroup>> OpenCgroup(const NodeConfig& node,
                                                   const VeConfig& ve);
// The runtime spec; `allocate` lets an unprivileged container without a
// range get one (start); without it (exec and the like, on a running
// container) the config's range is read if any and a missing one is no
// error: joining follows the init's own namespaces.
Result<runtime::Spec> SpecFor(const NodeConfig& node, VeConfig& ve,
                              bool allocate);

// OpenVZ action scripts (doc/runtime.md §6): the files that run for
// `action`, global vps.<action> first (premount, mount, umount, postumount
// only), then <CTID>.<action>, those that exist.
std::vector<std::string> ActionScripts(const std::string& conf_dir,
                                       std::string_view ctid,
                                       std::string_view action);
// Their environment: VEID, VE_CONFFILE, VE_ROOT, VE_PRIVATE.
std::vector<std::string> ActionScriptEnv(const NodeConfig& node,
                                         const VeConfig& ve);
// Runs the host-side scripts of `action`. Errors: exit 79
// (VZ_ACTIONSCRIPT_ERROR) naming the script and how it ended.
Status RunHostScripts(const NodeConfig& node, const VeConfig& ve,
                      std::string_view action);
// Runs <CTID>.<action> (start, stop) inside the running container.
Status RunInsideScript(const NodeConfig& node, VeConfig& ve,
                       std::string_view action, pid_t init_pid);

// Takes down what a run of the container set up on the host: its
// processes and cgroup, its network, and (unless `premounted`) the umount
// scripts and the storage mount. Idempotent; the first error is returned
// after every step was tried. TearDownRuntime and TearDownStorage in turn.
Status TearDown(const NodeConfig& node, const VeConfig& ve, bool premounted);
// Its first part: processes and cgroup, network, device nodes. The monitor
// runs it while its flush of the container's disk is still writing.
Status TearDownRuntime(const NodeConfig& node, const VeConfig& ve);
// Its second part: unless `premounted`, the umount scripts and the
// storage mount.
Status TearDownStorage(const NodeConfig& node, const VeConfig& ve,
                       bool premounted);

// The container's network, when its config has any. A NET_INDEX taken
// for it is set in `ve` and saved, so StopNetwork finds the links.
Status StartNetwork(const NodeConfig& node, VeConfig& ve, int netns_fd);
Status StopNetwork(const NodeConfig& node, const VeConfig& ve);
// vzctl set --ipadd/--ipdel on a running container: routes, proxy entries
// and filters follow IP_ADDRESS. Returns false when the container has no
// routed link yet (the change waits for the next start).
Result<bool> UpdateRoutedLive(const NodeConfig& node, const VeConfig& old_ve,
                              const VeConfig& ve, int netns_fd);

// The distribution's settings applied inside the running container
// (templates/dists, libvz/net/dist.h): host name, network, DNS, from the
// config. The distribution is DISTRIBUTION, else OSTEMPLATE's first word.
Status ApplyDistSettings(const NodeConfig& node, VeConfig& ve, pid_t init_pid);
// Its parts, for live changes (vzctl set): HOSTNAME; the network files of
// IP_ADDRESS/NETIF; NAMESERVER/SEARCHDOMAIN; passwords ("user:password",
// on the script's stdin, never saved).
Status ApplyHostname(const NodeConfig& node, VeConfig& ve, pid_t init_pid);
Status ApplyNetworkFiles(const NodeConfig& node, VeConfig& ve, pid_t init_pid);
Status ApplyDns(const NodeConfig& node, VeConfig& ve, pid_t init_pid);
Status SetUserPasswords(const NodeConfig& node, VeConfig& ve, pid_t init_pid,
                        const std::vector<std::string>& user_passwords);

// The container's own copies of spec.devnodes under <root>/run/vz/dev/
// <CTID> (host nodes may be root-only: /dev/net/tun is 0600), owned by
// its root; the directory, or "" when it has none. TearDown removes it.
Result<std::string> MakeDevNodes(const NodeConfig& node,
                                 const runtime::Spec& spec);
std::string DevNodeDir(const NodeConfig& node, std::string_view ctid);

// kFailedPrecondition, exit 31 (VZ_VE_NOTRUNNING).
Status NotRunning(std::string_view ctid);
// The same, unless a killed monitor left processes of the container
// running (kStale with orphans): then it says so and how to end them.
Status NotRunning(std::string_view ctid, const RunState& st);

// RecoverContainer for a caller that holds the container lock (so nothing
// can start it in between); `keep_disk` leaves the disk mounted, as for a
// run that began premounted (stop --skip-umount).
Result<bool> RecoverLocked(const NodeConfig& node, std::string_view ctid,
                           bool keep_disk);

// A command joining a frozen container would freeze with it. Errors:
// kFailedPrecondition, exit 31, "suspended: resume it first".
Status CheckNotFrozen(const RunState& st, std::string_view ctid);

// Connects to the container's monitor, sends `request` (one line) and
// reads its "ok" line. Errors: as connect(2); the monitor's refusal.
Result<UniqueFd> ConnectMonitor(const NodeConfig& node, std::string_view ctid,
                                const std::string& request);

// Unprivileged containers reach their rootfs through the mount point's
// parents: those must be searchable by others.
bool HasInit(const std::string& rootfs);
// Starts reading the init's program (/sbin/init, symlinks resolved inside
// `rootfs`) into the page cache and returns at once: called right after
// the storage mount, so the init's exec a few milliseconds later, after
// its own mounts, does not wait on a cold read through the loop device and
// the device server. Best effort; false when /sbin/init is not a regular
// file or cannot be opened.
bool PrefetchInit(const std::string& rootfs);

}  // namespace vz::container
