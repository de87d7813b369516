// VE_PRIVATE/Snapshots.xml, the container's snapshot records as OpenVZ
// keeps them (doc/snapshots.md §2): a tree of <SavedStateItem> elements
// under <ParallelsSavedStates>, each with its GUID, whether it is the
// snapshot the container now runs on (Current), name, description and
// creation time.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "base/uuid.h"

namespace vz::snapshot {

struct Record {
  Uuid guid;
  Uuid parent;  // nil: a top-level snapshot
  bool current = false;
  std::string name;
  std::string description;
  std::chrono::system_clock::time_point created;  // whole seconds
  friend bool operator==(const Record&, const Record&) = default;
};

inline constexpr size_t kMaxSnapshotsXml = 1 << 20;

// Parses the file's text. Hardened as DiskDescriptor.xml is: no DTD, no
// entities, no network, 1 MiB, 64 levels. Records come parent before
// child. Errors: kInvalidArgument (exit 85) "Snapshots.xml: <why>".
Result<std::vector<Record>> ParseSnapshotsXml(std::string_view xml);
// The text; `records` must list parents before their children.
std::string FormatSnapshotsXml(const std::vector<Record>& records);

// Read (a missing file is no snapshots) and atomic write.
Result<std::vector<Record>> ReadSnapshotsXml(const std::string& path);
Status WriteSnapshotsXml(const std::string& path,
                         const std::vector<Record>& records);

}  // namespace vz::snapshot
