// Reading the GPT that `ploop init -t ext4` puts inside a disk
// (doc/ploop-format.md §5): where the filesystem partition lives.
//
// Only partition 1 matters to us. A disk without a valid GPT (no signature,
// or a header whose CRC does not match) is one filesystem on the whole disk.
// Writing GPTs is left to sfdisk (util-linux).
#pragma once

#include <cstdint>
#include <functional>

#include "base/status.h"

namespace ploop {

struct Partition {
  uint64_t offset = 0;  // bytes from the start of the disk
  uint64_t size = 0;    // bytes
  bool from_gpt = false;
};

// Reads `len` bytes at `offset` of the disk.
using DiskReader =
    std::function<vz::Status(uint64_t offset, void* buf, size_t len)>;

// Partition 1 of the GPT on a disk of `disk_bytes`, or the whole disk when
// there is no valid GPT. Errors: only I/O errors of `read`; a GPT whose
// partition 1 lies outside the disk is kDataLoss.
vz::Result<Partition> FindFilesystemPartition(const DiskReader& read,
                                              uint64_t disk_bytes);

// CRC-32 (IEEE 802.3), as GPT uses it.
uint32_t Crc32(const void* data, size_t len, uint32_t crc = 0);

}  // namespace ploop
