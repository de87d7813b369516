// DiskDescriptor.xml: the image's table of contents (doc/ploop-format.md §3).
//
// DiskDescriptor mirrors the XML; ParseDiskDescriptor reads it (hardened:
// no DTDs, no entities, at most 1 MiB and 64 levels), Validate checks that
// it describes one consistent snapshot tree, FormatDiskDescriptor writes it
// back in a stable form (golden files pin it).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "base/uuid.h"

namespace ploop {

// {5fbaabe3-6958-40ff-92a7-860e329aab41}: the GUID of the top delta.
vz::Uuid TopDeltaGuid();

inline constexpr char kDescriptorName[] = "DiskDescriptor.xml";
inline constexpr size_t kMaxDescriptorBytes = 1 << 20;

enum class DeltaType { kCompressed, kPlain };  // expanded ploop1, raw

struct DiskDescriptor {
  struct Image {
    vz::Uuid guid;
    DeltaType type = DeltaType::kCompressed;
    std::string file;  // a name in the descriptor's directory
  };
  struct Shot {
    vz::Uuid guid;
    vz::Uuid parent;  // nil for the base
    bool temporary = false;
    std::string name;         // ours: snapshot label
    std::string description;  // ours
  };

  // Parallels_disk_image when read from an old file; written as Virtuozzo.
  std::string root_name = "Virtuozzo_disk_image";
  uint64_t disk_size_sectors = 0;
  uint32_t cylinders = 0, heads = 0, sectors = 0;
  std::optional<uint64_t> max_delta_size;
  uint32_t blocksize = 2048;  // cluster size in sectors
  bool preallocated = false;
  std::vector<Image> images;  // every delta of the tree
  vz::Uuid top_guid;
  std::vector<Shot> shots;

  const Image* FindImage(const vz::Uuid& guid) const;
  Image* FindImage(const vz::Uuid& guid);
  const Shot* FindShot(const vz::Uuid& guid) const;
  Shot* FindShot(const vz::Uuid& guid);
  // GUIDs of the shots whose parent is `guid`.
  std::vector<vz::Uuid> Children(const vz::Uuid& guid) const;
  // The current stack, base first: from the base to the top delta.
  vz::Result<std::vector<const Image*>> Chain() const;

  // Errors: kInvalidArgument (SYSEXIT_DISKDESCR) naming the inconsistency:
  // bad block size or disk size, duplicate GUIDs or files, file names that
  // are not plain names, a raw delta above another, a missing Shot or
  // Image, an unknown parent, a cycle, an unknown TopGUID.
  vz::Status Validate() const;
};

// Errors: kInvalidArgument (SYSEXIT_DISKDESCR): malformed or hostile XML,
// missing or invalid elements, then Validate()'s errors.
vz::Result<DiskDescriptor> ParseDiskDescriptor(std::string_view xml);
std::string FormatDiskDescriptor(const DiskDescriptor& dd);

// File helpers: read (size-limited) + parse; format + atomic replace.
vz::Result<DiskDescriptor> ReadDiskDescriptor(const std::string& path);
// ReadDiskDescriptor's two halves, for a caller that looks at the bytes
// (ploop/descriptor_memo.h): the file's text (at most 1 MiB), and its
// parse with errors naming `path`.
vz::Result<std::string> ReadDescriptorText(const std::string& path);
vz::Result<DiskDescriptor> ParseDiskDescriptorAt(const std::string& path,
                                                 std::string_view text);
vz::Status WriteDiskDescriptor(const std::string& path,
                               const DiskDescriptor& dd);

}  // namespace ploop
