// Pid files, liveness, GetRunState.
#include <signal.h>
#include <unistd.h>

#include <charconv>

#include "base/file_util.h"
#include "base/strings.h"
#include "libvz/container.h"
#include "libvz/container/internal.h"

namespace vz {

std::string MonitorPidPath(const NodeConfig& node, std::string_view ctid) {
  return node.root().Path("/run/vz/" + std::string(ctid) + ".pid");
}

std::string MonitorSocketPath(const NodeConfig& node, std::string_view ctid) {
  return node.root().Path("/run/vz/" + std::string(ctid) + ".sock");
}

namespace container {
namespace {

template <typename T>
bool ParseNum(std::string_view s, T& out) {
  s = Trim(s);
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

std::string FormatPidRecord(const PidRecord& r) {
  return std::to_string(r.monitor) + " " + std::to_string(r.start_time) + "\n" +
         std::to_string(r.init) + "\n" + (r.premounted ? "premounted\n" : "");
}

Result<PidRecord> ParsePidRecord(std::string_view text) {
  auto lines = Split(text, '\n');
  PidRecord r;
  auto first = SplitNonEmpty(lines.empty() ? "" : lines[0], ' ');
  if (first.size() != 2 || !ParseNum(first[0], r.monitor) ||
      !ParseNum(first[1], r.start_time) || lines.size() < 2 ||
      !ParseNum(lines[1], r.init) || r.monitor <= 0) {
    return InvalidArgumentError("malformed monitor pid file");
  }
  r.premounted = lines.size() > 2 && lines[2] == "premounted";
  return r;
}

std::optional<uint64_t> ProcStartTime(pid_t pid) {
  auto stat = ReadFile("/proc/" + std::to_string(pid) + "/stat");
  if (!stat.has_value()) return std::nullopt;
  // The command may hold spaces and parentheses: fields follow the last ')'.
  auto close = stat->rfind(')');
  if (close == std::string::npos) return std::nullopt;
  auto fields = SplitNonEmpty(std::string_view(*stat).substr(close + 2), ' ');
  // fields[0] is field 3 (state); start time is field 22.
  if (fields.size() < 20 || fields[0] == "Z" || fields[0] == "X") {
    return std::nullopt;
  }
  uint64_t t = 0;
  if (!ParseNum(fields[19], t)) return std::nullopt;
  return t;
}

bool MonitorAlive(const PidRecord& r) {
  auto t = ProcStartTime(r.monitor);
  if (!t || *t != r.start_time) return false;
  auto comm = ReadFile("/proc/" + std::to_string(r.monitor) + "/comm");
  return comm.has_value() && Trim(*comm) == "vz-monitor";
}

}  // namespace container

Result<RunState> GetRunState(const NodeConfig& node, std::string_view ctid) {
  RunState st;
  auto text = ReadFile(MonitorPidPath(node, ctid));
  if (text.has_value()) {
    auto rec = container::ParsePidRecord(*text);
    if (rec.has_value() && container::MonitorAlive(*rec)) {
      st.status = RunStatus::kRunning;
      st.monitor_pid = rec->monitor;
      st.init_pid = rec->init;
      st.premounted = rec->premounted;
    } else {
      st.status = RunStatus::kStale;
    }
  } else if (text.error().code() != Code::kNotFound) {
    return text.error();
  }
  auto ve = VeConfig::Load(node, ctid);
  if (!ve.has_value()) return st;
  auto cg = container::OpenCgroup(node, *ve);
  if (!cg.has_value()) return st;
  if (st.running()) {
    st.frozen = (*cg)->IsFrozen().value_or(false);
    return st;
  }
  // Processes without a monitor (a killed one): not stopped, stale.
  auto pids = (*cg)->Pids();
  if (st.status == RunStatus::kStopped && pids.has_value() && !pids->empty()) {
    st.status = RunStatus::kStale;
  }
  if (st.status == RunStatus::kStale && pids.has_value()) {
    st.orphans = pids->size();
  }
  return st;
}

}  // namespace vz
