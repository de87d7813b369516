// The FUSE kernel protocol as the device server speaks it.
//
// <linux/fuse.h> from Debian 12 (protocol 7.38) lacks the FUSE-over-io_uring
// definitions that kernels >= 6.14 offer (protocol 7.42); they are declared
// here as the kernel's uapi header defines them.
#pragma once

#include <linux/fuse.h>

#include <cstdint>

#ifndef FUSE_OVER_IO_URING
#define FUSE_OVER_IO_URING (1ULL << 41)
#endif
#ifndef FOPEN_PARALLEL_DIRECT_WRITES
#define FOPEN_PARALLEL_DIRECT_WRITES (1 << 6)
#endif

namespace ploop::server {

// The protocol minor version we implement.
inline constexpr uint32_t kFuseMinor = 42;

// Layout: struct fuse_uring_ent_in_out (uapi fuse.h, 7.42).
struct UringEntInOut {
  uint64_t flags;
  uint64_t commit_id;
  uint32_t payload_sz;
  uint32_t padding;
  uint64_t reserved;
};

// Layout: struct fuse_uring_req_header: the per-entry header buffer.
struct UringReqHeader {
  char in_out[128];  // fuse_in_header, or fuse_out_header on commit
  char op_in[128];   // the opcode's own header (fuse_read_in, ...)
  UringEntInOut ent;
};

// Layout: struct fuse_uring_cmd_req, in the SQE's 80-byte command area.
struct UringCmdReq {
  uint64_t flags;
  uint64_t commit_id;
  uint16_t qid;
  uint8_t padding[6];
};

enum UringCmd : uint32_t { kUringCmdRegister = 1, kUringCmdCommitAndFetch = 2 };

static_assert(sizeof(UringEntInOut) == 32);
static_assert(sizeof(UringReqHeader) == 288);
static_assert(sizeof(UringCmdReq) == 24);

}  // namespace ploop::server
