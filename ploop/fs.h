// The filesystem inside an image: made at `ploop init -t ext4`, grown and
// shrunk with the image (`ploop resize`). Runs e2fsprogs (mkfs.ext4,
// resize2fs, e2fsck) and sfdisk (util-linux) on the device server's files;
// never reimplements them. Needs root.
#pragma once

#include <cstdint>
#include <string>

#include "base/node_root.h"
#include "base/status.h"

namespace ploop {

struct FilesystemOptions {
  std::string type = "ext4";
  std::string label;
  uint64_t inodes = 0;  // 0: mkfs's default ratio
};

// Partitions the (unmounted, empty) image like ploop does (GPT, one
// partition from 1 MiB) and makes the filesystem in it, with
// metadata_csum_seed so that a later UUID change rewrites nothing.
// Errors: SYSEXIT_CHANGE_GPT (sfdisk) or SYSEXIT_MKFS (mkfs) naming the
// tool's complaint; the image is left unmounted in any case.
vz::Status CreateFilesystem(const vz::NodeRoot& node,
                            const std::string& descriptor,
                            const FilesystemOptions& options);

// The size of the ext4 on `device` from its superblock, or 0 when the
// device holds no ext4. Errors: only I/O errors.
vz::Result<uint64_t> Ext4Bytes(const std::string& device);

// Grows the (unmounted) ext4 on `device` to the device's size when it is
// smaller by at least 1 MiB: e2fsck -f -p, then resize2fs. Finishes a grow
// that could not be done online. Returns whether it grew.
vz::Result<bool> GrowFilesystemToDevice(const std::string& device);

}  // namespace ploop
