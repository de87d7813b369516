// Checking and repairing images (`ploop check`).
//
// A check reads every delta without trusting it and reports what it finds
// as a list of findings; it never writes. A repair (options.repair) fixes
// what can be fixed, each finding saying whether it was:
//
//   problem                    repair
//   in-use flag left set       cleared (also with drop_in_use alone), once
//                              nothing else is wrong with the delta
//   interrupted v1<->v2        every delta restored from its BAT backup
//   conversion                 (lib/bat_backup.h)
//   BAT entry invalid, past    entry cleared (that cluster reads from below
//   the end of file, or a      or as zeros)
//   slot past the disk's end
//   cluster mapped twice       the second mapping gets a copy of its own
//   partial tail cluster       truncated (an interrupted extension)
//   holes (sparse file)        filled (allocated as zeros)
//   leaked clusters            reclaimed by compaction (lib/relocate.h)
//   CIF_Empty flag wrong       corrected
//   unreadable header          nothing: fatal
//
// Shared deltas (templates, hard links) are never repaired: their findings
// stay unfixed and the report says why. The device server runs
// CheckImage() with repair before it mounts an image whose top is flagged
// in use.
//
// Thread-safety: no other process may use the image; the path wrapper takes
// the descriptor's lock (exclusive to repair, shared to check).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "ploop/disk_descriptor.h"

namespace ploop {

enum class Problem {
  kBadHeader,
  kInterruptedConversion,
  kInUse,
  kInvalidEntry,
  kEntryPastEof,
  kEntryPastEnd,
  kDoubleMapped,
  kPartialTail,
  kSparse,
  kLeakedClusters,
  kEmptyFlag,
};

// "bad-header", "in-use", ...: stable names for logs and tests.
const char* ProblemName(Problem p);

struct Finding {
  std::string file;
  Problem problem;
  std::string message;  // what is wrong, without the file name
  bool fixed = false;
};

struct CheckReport {
  std::vector<Finding> findings;
  // Why something was not repaired ("delta '...' is shared ...").
  std::vector<std::string> notes;

  bool clean() const { return findings.empty(); }
  // True when a finding was not fixed.
  bool problems_remain() const;
};

struct CheckOptions {
  bool repair = false;       // fix what can be fixed
  bool drop_in_use = false;  // clear a left-over in-use flag (no other fix)
  // Cluster size of raw deltas checked on their own, in sectors.
  uint32_t raw_cluster_sectors = 2048;
};

// Checks one delta file. kind: raw deltas can only be sparse.
// Errors (not findings): the file cannot be opened or read (SYSEXIT_OPEN,
// SYSEXIT_READ); a repair failed on I/O.
vz::Result<CheckReport> CheckDelta(const std::string& path, bool raw,
                                   const CheckOptions& options);

// Checks every delta the descriptor lists (the whole snapshot tree). The
// caller holds the image's lock (Image or FileLock). An interrupted
// conversion is undone first when repairing.
vz::Result<CheckReport> CheckImage(const std::string& dir,
                                   const DiskDescriptor& dd,
                                   const CheckOptions& options);

// Locks the descriptor (exclusive to write, shared to read; kUnavailable,
// SYSEXIT_FLOCK, when another process holds it) and checks the image.
// `descriptor_path` may name the image directory.
vz::Result<CheckReport> CheckImage(const std::string& descriptor_path,
                                   const CheckOptions& options);

}  // namespace ploop
