// FuseFs: the tiny filesystem the device server exports: a root directory
// holding `image` (the whole virtual disk) and `part` (its filesystem
// partition). It answers every request except the block I/O ones (READ,
// WRITE, FSYNC, FALLOCATE), which the transports hand to the BlockEngine.
//
// Attributes are never cached by the kernel (attr_valid 0), so a resize is
// seen at the next stat(2). Files are root-only; both are opened with
// FOPEN_DIRECT_IO, so the FUSE layer keeps no page cache of its own.
// Thread-safe (stateless apart from the engine).
#pragma once

#include <cstdint>

#include "ploop/server/block_engine.h"
#include "ploop/server/fuse_kernel.h"

namespace ploop::server {

// The size of the opcode's own header: over /dev/fuse it comes first in the
// argument bytes, over io_uring it travels apart (in op_in).
uint32_t OpHeaderSize(uint32_t opcode);

// Returned by Handle() for requests the kernel expects no reply to.
inline constexpr int kNoReply = -100000;

class FuseFs {
 public:
  explicit FuseFs(BlockEngine* engine);

  // Handles `in`: `op` is the opcode's own header (fuse_open_in, ...),
  // `rest` the arguments after it (a LOOKUP's name). Writes the reply
  // payload (after fuse_out_header) to `out` (at least 4 KiB). Returns the
  // payload length, -errno, or kNoReply.
  int Handle(const fuse_in_header& in, const uint8_t* op, const uint8_t* rest,
             uint32_t rest_len, uint8_t* out, uint32_t out_cap);

  // Fills the INIT reply from the kernel's INIT request. `uring` asks for
  // FUSE-over-io_uring when the kernel offers it; `*uring_granted` tells.
  uint32_t Init(const fuse_init_in& in, uint32_t max_write, bool uring,
                fuse_init_out* out, bool* uring_granted);

 private:
  void Attr(uint64_t ino, fuse_attr* a) const;
  int Lookup(uint64_t parent, const char* name, uint32_t len, uint8_t* out);
  int ReadDir(const fuse_read_in& in, uint8_t* out, uint32_t cap);

  BlockEngine* engine_;
  uint64_t start_time_;
};

}  // namespace ploop::server
