// Helpers shared by the image operations (snapshot, resize, convert, check):
// their error values, delta file names, descriptor geometry, opening the
// delta files a descriptor lists. Private to ploop/.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "base/status.h"
#include "base/uuid.h"
#include "ploop/disk_descriptor.h"
#include "ploop/image.h"
#include "ploop/lib/delta.h"

namespace ploop {

// kNotFound, SYSEXIT_NOSNAP: "snapshot '{...}' not found".
vz::Status NoSnapshot(const vz::Uuid& guid);
// kFailedPrecondition, SYSEXIT_PARAM: an operation the image's state forbids.
vz::Status Refused(const std::string& message);
// kFailedPrecondition unless `image` is open for writing.
vz::Status NeedWritable(const Image& image, const std::string& operation);

// The base delta (the Shot without a parent). Errors: kInvalidArgument
// (SYSEXIT_DISKDESCR) when the descriptor has none.
vz::Result<const DiskDescriptor::Image*> BaseImage(const DiskDescriptor& dd);

// `<base name>.{file-guid}` (doc/ploop-format.md §4). The base name is the
// base delta's file name without a `.{guid}` suffix of its own, so names
// do not grow after a convert renamed the base.
std::string NewDeltaFileName(const DiskDescriptor& dd,
                             const vz::Uuid& file_guid);

// Sets Disk_size (rounded up to a cluster) and the fake CHS geometry.
void SetDiskSize(DiskDescriptor& dd, uint64_t size_bytes);

// Opens the delta file of `image` (in directory `dir`).
vz::Result<std::unique_ptr<Delta>> OpenImageDelta(
    const std::string& dir, const DiskDescriptor& dd,
    const DiskDescriptor::Image& image, DeltaOpenOptions options);

// Creates an empty expanded delta at `path` for the top of a stack, durable,
// with a fresh identity whose parent is `parent_id`, and opens it writable
// as `how` says (direct I/O for the device server).
vz::Result<std::unique_ptr<Delta>> CreateTopDelta(
    const std::string& path, uint64_t size_bytes, uint32_t cluster_sectors,
    Version version, const std::string& parent_id, const OpenParams& how);

// unlink(2) + fsync of the directory; a missing file is fine.
vz::Status RemoveDeltaFile(const std::string& path);

// Opens the image at `descriptor_path` for writing, runs `fn(image)` and
// closes the image cleanly: the path-taking wrappers of the operations.
template <typename Fn>
auto WithOpenImage(const std::string& descriptor_path, Fn&& fn)
    -> decltype(fn(std::declval<Image&>())) {
  auto image = Image::Open(descriptor_path, {});
  if (!image.has_value()) return std::move(image).error();
  auto result = fn(**image);
  if (!result.ok()) return result;
  VZ_RETURN_IF_ERROR((*image)->Close());
  return result;
}

}  // namespace ploop
