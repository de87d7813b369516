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

}  // namespace ploop
