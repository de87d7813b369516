// The node's journals (doc/journal.md):
//  - the event journal, <root>/var/log/vz/events.log: one JSON record per
//    lifecycle event (time, ctid, event, reason, who), appended by vzctl and
//    the monitors, tailed by vzd;
//  - the action log (vz.conf's LOGFILE): one line per vzctl command and
//    its result.
// Both are appended with O_APPEND and one write(2) per record, so
// concurrent writers never interleave within a record.
//
// Thread-safety: free functions; safe to call from several threads and
// processes at once.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace vz {

struct Event {
  std::chrono::system_clock::time_point time;
  std::string ctid;    // "" for a node event
  std::string event;   // [a-z0-9-]{1,64}: "start", "oom-kill", ...
  std::string reason;  // free text, may be empty
  uint64_t uid = 0;
  uint64_t pid = 0;
  std::string command;
  friend bool operator==(const Event&, const Event&) = default;
};

// An event stamped now, with this process's real UID, PID and command line.
Event MakeEvent(std::string_view ctid, std::string_view event,
                std::string_view reason);

// The record as one JSON line, LF included. reason and command are cut to
// 1024 bytes.
std::string FormatEventLine(const Event& event);
// Parses one record (without its LF). Errors: kInvalidArgument saying why.
Result<Event> ParseEventLine(std::string_view line);

// Appends `event` to the journal at `path` (NodeConfig::events_log()),
// creating it (0640) and its directory. Errors: kInvalidArgument for an
// event name outside [a-z0-9-]{1,64}; I/O errors (a short write is
// kDataLoss: the reader will skip the torn record).
Status AppendEvent(const std::string& path, const Event& event);

struct EventBatch {
  std::vector<Event> events;
  uint64_t next_offset = 0;  // where the next read starts
  size_t skipped = 0;        // lines that were not valid records
  bool rewound = false;      // the file was shorter than the offset
};

// Reads complete records from byte `offset` on, at most about `max_bytes`
// of them. A last line without its LF is left for the next read; invalid
// lines are skipped and counted. A missing file is an empty batch. Errors:
// I/O errors.
Result<EventBatch> ReadEvents(const std::string& path, uint64_t offset,
                              size_t max_bytes = 1 << 20);

struct ActionRecord {
  std::chrono::system_clock::time_point time;
  std::string program;  // "vzctl"
  uint64_t pid = 0;
  uint64_t uid = 0;
  std::string ctid;  // "" when the command has none
  std::string command;
  int exit_code = 0;
  std::string result;  // "ok" or the error message
  std::chrono::milliseconds duration{0};
};

// A record stamped now with this process's PID, real UID and command line;
// `duration` measured from `started`.
ActionRecord MakeActionRecord(std::string_view program, std::string_view ctid,
                              const Status& result,
                              std::chrono::steady_clock::time_point started);

// One line, LF included (doc/journal.md §2).
std::string FormatActionLine(const ActionRecord& record);

// Appends to the action log at `path` (NodeConfig::log_file()), creating it
// (0640) and its directory. Errors: I/O errors.
Status AppendActionLog(const std::string& path, const ActionRecord& record);

}  // namespace vz
