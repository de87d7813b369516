// The event journal and the action log (libvz/journal.h).
#include "libvz/journal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "base/file_util.h"
#include "base/strings.h"
#include "base/unique_fd.h"
#include "libvz/exit_codes.h"
#include "libvz/journal/json.h"
#include "libvz/util/rfc3339.h"

namespace vz {
namespace {

constexpr size_t kMaxFieldBytes = 1024;
constexpr size_t kMaxLineBytes = 64 << 10;

std::string Cut(std::string_view s) {
  return std::string(s.substr(0, kMaxFieldBytes));
}

std::string OwnCommandLine() {
  auto raw = ReadFile("/proc/self/cmdline", 64 << 10);
  if (!raw) return "";
  for (char& c : *raw) {
    if (c == '\0') c = ' ';
  }
  return std::string(Trim(*raw));
}

Status ValidateEventName(std::string_view name) {
  bool ok = !name.empty() && name.size() <= 64;
  for (char c : name) {
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-');
  }
  if (ok) return OkStatus();
  return InvalidArgumentError("invalid event name '" + std::string(name) +
                              "': expected 1 to 64 of [a-z0-9-]");
}

// One write(2) with O_APPEND. If the file does not end in LF (a writer
// died mid-record), `line` goes out after an LF of its own.
Status AppendLine(const std::string& path, std::string line) {
  VZ_RETURN_IF_ERROR(MakeDirs(DirName(path), 0755));
  UniqueFd fd(::open(path.c_str(),
                     O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
                     0640));
  if (!fd) return ErrnoError(errno, "open '" + path + "'");
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) {
    return ErrnoError(errno, "stat '" + path + "'");
  }
  if (st.st_size > 0) {
    UniqueFd rd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    char last = '\n';
    if (rd && ::pread(rd.get(), &last, 1, st.st_size - 1) == 1 &&
        last != '\n') {
      line.insert(line.begin(), '\n');
    }
  }
  ssize_t n;
  do {
    n = ::write(fd.get(), line.data(), line.size());
  } while (n < 0 && errno == EINTR);
  if (n < 0) return ErrnoError(errno, "append to '" + path + "'");
  if (static_cast<size_t>(n) != line.size()) {
    return DataLossError("append to '" + path + "': short write");
  }
  return OkStatus();
}

// `s` as one bare word of the action log: "-" when empty; blanks, control
// characters and '[' become '_'. (The CTID may be the user's invalid
// input, and the line must stay one line.)
std::string Word(std::string_view s) {
  if (s.empty()) return "-";
  std::string out(s.substr(0, kMaxFieldBytes));
  for (char& c : out) {
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f || c == '[') c = '_';
  }
  return out;
}

template <typename T>
Result<T> Member(const journal::FlatObject& obj, std::string_view key) {
  auto it = obj.find(key);
  if (it == obj.end()) {
    return InvalidArgumentError("missing member '" + std::string(key) + "'");
  }
  if (!std::holds_alternative<T>(it->second)) {
    return InvalidArgumentError("member '" + std::string(key) +
                                "' has the wrong type");
  }
  return std::get<T>(it->second);
}

}  // namespace

Event MakeEvent(std::string_view ctid, std::string_view event,
                std::string_view reason) {
  return Event{std::chrono::system_clock::now(),
               std::string(ctid),
               std::string(event),
               std::string(reason),
               static_cast<uint64_t>(::getuid()),
               static_cast<uint64_t>(::getpid()),
               OwnCommandLine()};
}

std::string FormatEventLine(const Event& e) {
  std::string out = "{\"time\":\"" + util::FormatRfc3339Millis(e.time) + "\"";
  out += ",\"ctid\":";
  journal::AppendJsonString(&out, e.ctid);
  out += ",\"event\":";
  journal::AppendJsonString(&out, e.event);
  out += ",\"reason\":";
  journal::AppendJsonString(&out, Cut(e.reason));
  out += ",\"uid\":" + std::to_string(e.uid);
  out += ",\"pid\":" + std::to_string(e.pid);
  out += ",\"command\":";
  journal::AppendJsonString(&out, Cut(e.command));
  out += "}\n";
  return out;
}

Result<Event> ParseEventLine(std::string_view line) {
  VZ_ASSIGN_OR_RETURN(auto obj, journal::ParseFlatObject(line));
  if (obj.size() != 7) {
    return InvalidArgumentError("expected 7 members, found " +
                                std::to_string(obj.size()));
  }
  Event e;
  VZ_ASSIGN_OR_RETURN(std::string time, Member<std::string>(obj, "time"));
  VZ_ASSIGN_OR_RETURN(e.time, util::ParseRfc3339(time));
  VZ_ASSIGN_OR_RETURN(e.ctid, Member<std::string>(obj, "ctid"));
  VZ_ASSIGN_OR_RETURN(e.event, Member<std::string>(obj, "event"));
  VZ_RETURN_IF_ERROR(ValidateEventName(e.event));
  VZ_ASSIGN_OR_RETURN(e.reason, Member<std::string>(obj, "reason"));
  VZ_ASSIGN_OR_RETURN(e.uid, Member<uint64_t>(obj, "uid"));
  VZ_ASSIGN_OR_RETURN(e.pid, Member<uint64_t>(obj, "pid"));
  VZ_ASSIGN_OR_RETURN(e.command, Member<std::string>(obj, "command"));
  return e;
}

Status AppendEvent(const std::string& path, const Event& event) {
  VZ_RETURN_IF_ERROR(ValidateEventName(event.event));
  return AppendLine(path, FormatEventLine(event));
}

Result<EventBatch> ReadEvents(const std::string& path, uint64_t offset,
                              size_t max_bytes) {
  EventBatch batch;
  batch.next_offset = offset;
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    if (errno == ENOENT) return batch;
    return ErrnoError(errno, "open '" + path + "'");
  }
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) {
    return ErrnoError(errno, "stat '" + path + "'");
  }
  uint64_t size = static_cast<uint64_t>(st.st_size);
  if (offset > size) {
    offset = 0;
    batch.rewound = true;
  }
  // Read a little more than asked so one long line still fits.
  size_t want = static_cast<size_t>(
      std::min<uint64_t>(size - offset, max_bytes + kMaxLineBytes));
  std::string buf(want, '\0');
  size_t got = 0;
  while (got < want) {
    ssize_t n = ::pread(fd.get(), buf.data() + got, want - got,
                        static_cast<off_t>(offset + got));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoError(errno, "read '" + path + "'");
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  buf.resize(got);
  size_t pos = 0;
  while (pos < buf.size() && pos < max_bytes) {
    size_t nl = buf.find('\n', pos);
    if (nl == std::string::npos) {
      // No LF in sight: a write in progress, or a line past our limit.
      if (buf.size() - pos > kMaxLineBytes) {
        ++batch.skipped;
        pos = buf.size();
      }
      break;
    }
    std::string_view line(buf.data() + pos, nl - pos);
    pos = nl + 1;
    if (line.empty()) continue;
    auto event = line.size() > kMaxLineBytes
                     ? Result<Event>(InvalidArgumentError("line too long"))
                     : ParseEventLine(line);
    if (event) {
      batch.events.push_back(std::move(*event));
    } else {
      ++batch.skipped;
    }
  }
  batch.next_offset = offset + pos;
  return batch;
}

ActionRecord MakeActionRecord(std::string_view program, std::string_view ctid,
                              const Status& result,
                              std::chrono::steady_clock::time_point started) {
  ActionRecord r;
  r.time = std::chrono::system_clock::now();
  r.program = std::string(program);
  r.pid = static_cast<uint64_t>(::getpid());
  r.uid = static_cast<uint64_t>(::getuid());
  r.ctid = std::string(ctid);
  r.command = OwnCommandLine();
  r.exit_code = ExitCodeFor(result);
  r.result = result.ok() ? "ok" : result.message();
  r.duration = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  return r;
}

std::string FormatActionLine(const ActionRecord& r) {
  std::string out = util::FormatRfc3339Millis(r.time) + " ";
  out += Word(r.program) + "[" + std::to_string(r.pid) + "]";
  out += " uid=" + std::to_string(r.uid);
  out += " ctid=" + Word(r.ctid);
  out += " exit=" + std::to_string(r.exit_code);
  out += " ms=" + std::to_string(r.duration.count());
  out += " command=";
  journal::AppendJsonString(&out, Cut(r.command));
  out += " result=";
  journal::AppendJsonString(&out, Cut(r.result));
  out += "\n";
  return out;
}

Status AppendActionLog(const std::string& path, const ActionRecord& record) {
  return AppendLine(path, FormatActionLine(record));
}

}  // namespace vz
