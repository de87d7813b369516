// The private area of a container made from a template: root.hdd/ with the
// template's base delta linked (or copied) in and a fresh top delta.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"

namespace vz::storage {

inline constexpr char kDiskDir[] = "root.hdd";
inline constexpr char kBaseDelta[] = "root.hds";

struct PrivateAreaReport {
  bool copied = false;  // EXDEV: the base was copied, not linked
  std::vector<std::string> notes;
};

// Makes <private_dir>/root.hdd from the template in `template_dir`:
// hard-links its root.hds (a copy when they are on different filesystems),
// writes a descriptor naming only the base, and pushes a fresh top delta
// (a ploop snapshot labelled "template:<name>"). `private_dir` must not
// exist. On failure the caller removes `private_dir`.
Result<PrivateAreaReport> MakePrivateArea(const std::string& template_dir,
                                          const std::string& template_name,
                                          const std::string& private_dir);

// Copies regular file `from` to `to` (new, mode 0444) with
// copy_file_range, then fsyncs it. Errors: I/O errors, ENOSPC kept.
Status CopyDeltaFile(const std::string& from, const std::string& to);

}  // namespace vz::storage
