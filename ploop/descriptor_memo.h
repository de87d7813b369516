// The descriptor memo: what DiskDescriptor.xml said, kept with the
// descriptor's identity in a file the caller names, so that a mount of an
// unchanged image need not load libxml2 (doc/ploop-format.md §9).
//
// A memo is a hint: one that does not parse, does not validate, or names
// an identity the descriptor no longer has counts as none, and the XML is
// read instead.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/file_identity.h"
#include "base/status.h"
#include "ploop/disk_descriptor.h"

namespace ploop {

struct DescriptorMemo {
  vz::FileIdentity id;  // of the descriptor the memo stands for
  DiskDescriptor dd;
};

// The memo's text (doc/ploop-format.md §9).
std::string FormatDescriptorMemo(const DescriptorMemo& memo);
// Errors: kDataLoss naming what breaks the format; the descriptor's own
// validation errors (DiskDescriptor::Validate).
vz::Result<DescriptorMemo> ParseDescriptorMemo(std::string_view text);

// The descriptor at `path`: from the memo at `memo_path` while `path` has
// the identity the memo names, else from the XML, after which the memo is
// written afresh (a hint: its own errors are not reported). Call with the
// descriptor's lock held. Errors: ReadDiskDescriptor's, and stat's.
vz::Result<DiskDescriptor> ReadDiskDescriptorRemembered(
    const std::string& path, const std::string& memo_path);

}  // namespace ploop
