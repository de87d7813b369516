// BlockEngine: the device server's view of one open image as the two files
// it exposes, `image` (the whole virtual disk) and `part` (the filesystem
// partition found in its GPT, or the whole disk).
//
// Request paths turn reads and in-place writes into IoOps (fd, offset,
// buffer) that the transport runs, synchronously or through io_uring.
// Everything slower (allocating a cluster, zeroing, flushing) the engine
// does itself, synchronously. Thread-safe for I/O; control operations run
// under gate().Pause().
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "base/status.h"
#include "ploop/image.h"
#include "ploop/lib/stack.h"
#include "ploop/server/discard_map.h"
#include "ploop/server/io_gate.h"
#include "ploop/server/limiter.h"
#include "ploop/server/stats.h"

namespace ploop::server {

inline constexpr uint64_t kRootIno = 1;
inline constexpr uint64_t kImageIno = 2;
inline constexpr uint64_t kPartIno = 3;

struct IoOp {
  int fd;
  uint64_t offset;
  uint8_t* buf;
  uint32_t len;
  bool write;
};

class BlockEngine {
 public:
  // `image` is open (read-write unless read_only) with direct I/O.
  explicit BlockEngine(Image* image);

  Image& image() { return *image_; }
  bool read_only() const { return image_->read_only(); }

  // Re-reads the GPT (after sfdisk changed it, or a resize).
  vz::Status RescanPartition();
  uint64_t FileSize(uint64_t ino) const;
  // The disk offset of [off, off+len) of file `ino`, or -EINVAL / -ENOSPC
  // when the range is outside the file.
  int ToDisk(uint64_t ino, uint64_t off, uint64_t len,
             uint64_t* disk_off) const;

  // Zero-fills the parts of [disk_off, +len) no delta maps, appends an op
  // for each mapped part. Returns 0 or -errno.
  int PlanRead(uint64_t disk_off, uint8_t* buf, uint32_t len,
               std::vector<IoOp>* ops);
  // Writes clusters that need allocating itself; appends in-place ops for
  // the rest. Returns 0 or -errno.
  int PlanWrite(uint64_t disk_off, const uint8_t* buf, uint32_t len,
                std::vector<IoOp>* ops);
  // Makes [disk_off, +len) read as zeros (REQ_OP_WRITE_ZEROES); allocates
  // nothing where no delta maps a cluster. 0 or -errno.
  int ZeroRange(uint64_t disk_off, uint64_t len);

  // The deltas are open with O_DIRECT: I/O must start, end and sit in
  // memory on kDirectAlign boundaries. The loop device always complies;
  // tools on the `image` file (sfdisk) may not. Such requests go through
  // these synchronous bounce-buffer paths (a write is a read-modify-write
  // of the blocks it touches, serialised with other unaligned writes).
  static constexpr uint64_t kDirectAlign = 4096;
  static bool Aligned(uint64_t off, uint64_t len, const void* buf) {
    return off % kDirectAlign == 0 && len % kDirectAlign == 0 &&
           reinterpret_cast<uintptr_t>(buf) % kDirectAlign == 0;
  }
  int UnalignedRead(uint64_t disk_off, uint8_t* buf, uint32_t len);
  int UnalignedWrite(uint64_t disk_off, const uint8_t* buf, uint32_t len);
  // A discard: remembered for compact, nothing is written.
  void Discard(uint64_t disk_off, uint64_t len);
  // data -> fdatasync -> BAT -> fdatasync. 0 or -errno.
  int Flush();
  // True when a Flush() must also write BAT entries.
  bool MetadataDirty();
  int top_fd() { return image_->stack().top().fd(); }

  Stats& stats() { return stats_; }
  IoLimiter& limiter() { return limiter_; }
  IoGate& gate() { return gate_; }
  DiscardMap& discards() { return *discards_; }

  // vz I/O priority 0 (lowest) .. 7 (highest), default 4; as an ioprio
  // value for io_uring SQEs and ioprio_set (best-effort class, level 7-p).
  void set_priority(int p) { priority_ = p; }
  int priority() const { return priority_; }
  uint16_t kernel_ioprio() const;

 private:
  int ReadAround(uint64_t off, uint32_t len, struct Bounce* b);

  Image* image_;
  std::atomic<uint64_t> part_offset_{0};
  std::atomic<uint64_t> part_size_{0};
  Stats stats_;
  IoLimiter limiter_;
  IoGate gate_;
  std::unique_ptr<DiscardMap> discards_;
  std::atomic<int> priority_{4};
  std::mutex unaligned_mu_;  // serialises read-modify-write of blocks
  std::once_flag zero_once_;
  uint8_t* zeros_ = nullptr;  // one aligned cluster of zeros, made lazily
};

}  // namespace ploop::server
