// The disk size a container's DiskDescriptor.xml records, remembered in
// $VE_PRIVATE/disk-size with the descriptor's identity (doc/storage.md
// §3): a start compares it with DISKSPACE without loading libxml2.
//
// The file is a hint: one that does not parse, or names an identity the
// descriptor no longer has, counts as none.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/file_identity.h"
#include "base/status.h"

namespace vz::storage {

struct DiskSizeRecord {
  // The descriptor's identity: it is always replaced (a new inode), and an
  // in-place write changes its ctime.
  FileIdentity descriptor;
  uint64_t disk_bytes = 0;
  bool operator==(const DiskSizeRecord&) const = default;
};

// <private>/disk-size.
std::string DiskSizePath(const std::string& private_dir);
// <private>/disk-descriptor.memo: the memo of the whole descriptor that
// the device server reads (doc/ploop-format.md §9); the server and
// RememberWrittenDescriptor write it.
std::string DescriptorMemoPath(const std::string& private_dir);

// "vz-disk-size 1\n<dev> <ino> <ctime sec> <ctime nsec> <size> <bytes>\n".
std::string FormatDiskSize(const DiskSizeRecord& r);
// Errors: kDataLoss naming what breaks the format.
Result<DiskSizeRecord> ParseDiskSize(std::string_view text);

// The file at `path` when `descriptor` still has the identity it names;
// nullopt otherwise (missing, unreadable, broken or stale).
std::optional<uint64_t> RememberedDiskSize(const std::string& path,
                                           const FileIdentity& descriptor);
// Replaces the file atomically (rename, no fsync), mode 0644.
Status RememberDiskSize(const std::string& path, const DiskSizeRecord& r);

// Remembers the descriptor at `descriptor` as it is now, for a writer
// that just wrote it (create, a resize): `disk_bytes` in disk-size, and
// the whole of it in the device server's memo, so that the next start
// reads neither the XML nor (in its device server) loads libxml2. A hint:
// nothing is reported.
void RememberWrittenDescriptor(const std::string& private_dir,
                               const std::string& descriptor,
                               uint64_t disk_bytes);

}  // namespace vz::storage
