// Synchronous handling of the block requests (READ, WRITE, FSYNC,
// FALLOCATE), shared by the /dev/fuse transport and by the io_uring one for
// the requests it does not run asynchronously.
#pragma once

#include <cstdint>

#include "ploop/server/block_engine.h"
#include "ploop/server/fuse_kernel.h"

namespace ploop::server {

// True for the opcodes the BlockEngine serves.
bool IsBlockOp(uint32_t opcode);

// Runs a READ: fills `out` (aligned, >= size) and returns the byte count,
// or -errno.
int SyncRead(BlockEngine& e, const fuse_in_header& in, const fuse_read_in& r,
             uint8_t* out);
// Runs a WRITE of `data` (aligned); fills fuse_write_out in `out`.
int SyncWrite(BlockEngine& e, const fuse_in_header& in, const fuse_write_in& w,
              const uint8_t* data, uint8_t* out);
// FSYNC: 0 or -errno.
int SyncFlush(BlockEngine& e);
// FALLOCATE: discard (punch hole) is remembered, zero-range zeroes, a plain
// allocation inside the file is a no-op. 0 or -errno.
int Fallocate(BlockEngine& e, const fuse_in_header& in,
              const fuse_fallocate_in& f);

// Sleeps this thread until the limiter admits `bytes`.
void ThrottleSync(BlockEngine& e, uint64_t bytes);

uint64_t NowNs();

}  // namespace ploop::server
