// The remembered disk size (doc/storage.md §3).
#include "libvz/storage/disk_size.h"

#include <vector>

#include "base/file_util.h"
#include "base/size.h"
#include "base/strings.h"
#include "ploop/descriptor_memo.h"

namespace vz::storage {
namespace {

constexpr std::string_view kHeader = "vz-disk-size 1";

}  // namespace

std::string DiskSizePath(const std::string& private_dir) {
  return private_dir + "/disk-size";
}

std::string DescriptorMemoPath(const std::string& private_dir) {
  return private_dir + "/disk-descriptor.memo";
}

std::string FormatDiskSize(const DiskSizeRecord& r) {
  const FileIdentity& d = r.descriptor;
  return std::string(kHeader) + "\n" + std::to_string(d.dev) + " " +
         std::to_string(d.ino) + " " + std::to_string(d.ctime_sec) + " " +
         std::to_string(d.ctime_nsec) + " " + std::to_string(d.size) + " " +
         std::to_string(r.disk_bytes) + "\n";
}

Result<DiskSizeRecord> ParseDiskSize(std::string_view text) {
  std::vector<std::string> lines = Split(text, '\n');
  if (lines.size() != 3 || !lines[2].empty() || lines[0] != kHeader) {
    return DataLossError("disk-size: not '" + std::string(kHeader) +
                         "' and one line");
  }
  std::vector<std::string> f = Split(lines[1], ' ');
  std::vector<uint64_t> n;
  for (const std::string& w : f) {
    auto v = ParseUint(w);
    if (!v.has_value()) return DataLossError("disk-size: '" + w + "'");
    n.push_back(*v);
  }
  if (n.size() != 6 || n[3] >= 1000000000 || n[5] == 0 ||
      n[2] > uint64_t{INT64_MAX}) {
    return DataLossError("disk-size: not six fields in range");
  }
  return DiskSizeRecord{.descriptor = {.dev = n[0],
                                       .ino = n[1],
                                       .ctime_sec = static_cast<int64_t>(n[2]),
                                       .ctime_nsec = static_cast<int64_t>(n[3]),
                                       .size = n[4]},
                        .disk_bytes = n[5]};
}

std::optional<uint64_t> RememberedDiskSize(const std::string& path,
                                           const FileIdentity& descriptor) {
  auto text = ReadFile(path, 256);
  if (!text.has_value()) return std::nullopt;
  auto r = ParseDiskSize(*text);
  if (!r.has_value() || r->descriptor != descriptor) return std::nullopt;
  return r->disk_bytes;
}

Status RememberDiskSize(const std::string& path, const DiskSizeRecord& r) {
  return WriteRuntimeFile(path, FormatDiskSize(r), 0644);
}

void RememberWrittenDescriptor(const std::string& private_dir,
                               const std::string& descriptor,
                               uint64_t disk_bytes) {
  auto id = IdentityOf(descriptor);
  if (!id.has_value()) return;
  (void)RememberDiskSize(DiskSizePath(private_dir),
                         {.descriptor = *id, .disk_bytes = disk_bytes});
  // Parses the XML (the writer has libxml2 loaded already) and writes the
  // memo, which stands only for the bytes it parsed (their digest).
  (void)ploop::ReadDiskDescriptorRemembered(descriptor,
                                            DescriptorMemoPath(private_dir));
}

}  // namespace vz::storage
