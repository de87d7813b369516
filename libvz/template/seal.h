// The seal of a template (doc/templates.md §6): what a full verification
// saw (the manifest's hash and each file's inode, size, mtime, ctime), kept
// root-only so a later check can trust an unchanged image without hashing
// it. Private to libvz.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "libvz/template.h"

namespace vz::tmpl {

using FileState = TemplateVerification::FileState;

struct Seal {
  std::string manifest_sha256;
  std::vector<FileState> files;
  friend bool operator==(const Seal&, const Seal&) = default;
};

std::string FormatSeal(const Seal& seal);
// Errors: kInvalidArgument saying why.
Result<Seal> ParseSeal(std::string_view text);

// The state of `dir`/`name`, which must be a regular file (never followed
// through a symlink). Errors: kNotFound when missing, kDataLoss (exit 47)
// when it is not a regular file; other stat errors.
Result<FileState> StatFile(const std::string& dir, const std::string& name);

// Reads the seal at `path` only if it is a regular file owned by our
// effective user with no group or other access; anything else (missing,
// foreign, too open, malformed) is an error, which callers treat as "no
// seal".
Result<Seal> ReadSeal(const std::string& path);
// Writes `seal` atomically with mode 0600.
Status WriteSeal(const std::string& path, const Seal& seal);

}  // namespace vz::tmpl
