// The descriptor memo: what DiskDescriptor.xml said, kept with the
// descriptor's identity and a digest of its bytes in a file the caller
// names, so that a mount of an unchanged image need not load libxml2
// (doc/ploop-format.md §9).
//
// A memo is a hint: one that does not parse, does not validate, or names
// an identity or digest the descriptor no longer has counts as none, and
// the XML is read instead.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/file_identity.h"
#include "base/status.h"
#include "ploop/disk_descriptor.h"

namespace ploop {

struct DescriptorMemo {
  vz::FileIdentity id;  // of the descriptor the memo stands for
  uint64_t digest = 0;  // DescriptorDigest of its bytes
  DiskDescriptor dd;
};

// FNV-1a (64 bits) of the descriptor's bytes: a memo stands only for the
// very bytes it was parsed from, whatever the file's identity says.
uint64_t DescriptorDigest(std::string_view text);

// The memo's text (doc/ploop-format.md §9).
std::string FormatDescriptorMemo(const DescriptorMemo& memo);
// Errors: kDataLoss naming what breaks the format; the descriptor's own
// validation errors (DiskDescriptor::Validate).
vz::Result<DescriptorMemo> ParseDescriptorMemo(std::string_view text);

// The descriptor at `path`: from the memo at `memo_path` while `path` has
// the identity and the bytes the memo names, else parsed from the XML,
// after which the memo is written afresh (a hint: its own errors are not
// reported). The file is read either way (a small read; the parse is what
// costs). Errors: ReadDiskDescriptor's, and stat's.
vz::Result<DiskDescriptor> ReadDiskDescriptorRemembered(
    const std::string& path, const std::string& memo_path);

}  // namespace ploop
