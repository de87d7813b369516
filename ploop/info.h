// What an image is made of (`ploop info`): the disk's size, cluster size
// and format version, and for each delta of the current chain its file,
// GUID, type, how much it maps and how much of that hides data of a delta
// below it (space a merge would give back).
//
// Thread-safety: the path wrapper reads without a lock (a mounted image's
// top may change meanwhile: the numbers are a snapshot, never a write).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "base/uuid.h"
#include "ploop/disk_descriptor.h"
#include "ploop/image.h"

namespace ploop {

struct DeltaInfo {
  std::string file;  // path
  vz::Uuid guid;
  DeltaType type = DeltaType::kCompressed;
  std::optional<int> version;  // 1 or 2; none for raw deltas
  uint64_t virtual_bytes = 0;  // the size this delta describes
  uint64_t mapped_clusters = 0;
  uint64_t allocated_bytes = 0;  // mapped clusters x cluster size
  uint64_t file_bytes = 0;
  uint64_t shadowing_clusters = 0;  // mapped here and in a delta below
  uint64_t free_clusters = 0;       // leaked (check -r / compact reclaim)
  bool shared = false;
  bool in_use = false;
};

struct ImageInfo {
  uint64_t virtual_bytes = 0;
  uint64_t cluster_bytes = 0;
  std::optional<int> version;     // of the top delta; none when it is raw
  size_t snapshots = 0;           // Shot entries besides the top
  std::vector<DeltaInfo> deltas;  // the current chain, base first
};

// From an open image's stack.
vz::Result<ImageInfo> GetImageInfo(Image& image);
// Reads the descriptor and opens the chain read-only, without locking.
// Errors: as Image::Open.
vz::Result<ImageInfo> GetImageInfo(const std::string& descriptor_path);

}  // namespace ploop
