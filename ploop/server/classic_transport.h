// ClassicTransport: serves FUSE over read(2)/writev(2) on /dev/fuse.
//
// The first reader answers INIT (and decides, with the kernel, whether
// FUSE-over-io_uring takes over). Before the io_uring queues are ready,
// and on kernels without it, these threads serve every request
// synchronously; afterwards one of them remains for the few messages the
// kernel still sends through /dev/fuse (FORGET, INTERRUPT). Each thread
// reads its own cloned descriptor (FUSE_DEV_IOC_CLONE), so the kernel
// wakes exactly one.
//
// A write the host filesystem has no space for is held in its thread and
// tried again every second, outside the engine's gate, for up to
// `nospace_wait_ns` (ploop/server/nospace.h), as the io_uring workers hold
// theirs; it fails at once when the connection ends. Unlike those, a held
// write keeps its thread: with every thread holding one, reads wait too.
#pragma once

#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "base/status.h"
#include "base/unique_fd.h"
#include "ploop/server/fuse_fs.h"

namespace ploop::server {

class ClassicTransport {
 public:
  ClassicTransport(int fuse_fd, BlockEngine* engine, FuseFs* fs,
                   uint32_t max_write, bool want_uring,
                   uint64_t nospace_wait_ns);
  ~ClassicTransport();

  vz::Status Start(int threads);
  // Waits for INIT; true if the kernel granted FUSE-over-io_uring.
  // Errors: kUnavailable when the connection closed first.
  vz::Result<bool> WaitInit();
  void Join();

 private:
  void Loop(int fd);
  void Reply(int fd, uint64_t unique, int result, const uint8_t* payload);
  // SyncWrite, held while the host has no space (see above), for the
  // thread reading `fd`. Called inside the gate; returns inside it.
  int HeldWrite(int fd, const fuse_in_header& in, const fuse_write_in& w,
                const uint8_t* data, uint8_t* out);

  int fuse_fd_;
  BlockEngine* engine_;
  FuseFs* fs_;
  uint32_t max_write_;
  bool want_uring_;
  uint64_t nospace_wait_ns_;
  std::vector<vz::UniqueFd> clones_;
  std::vector<std::thread> threads_;

  std::mutex mu_;
  std::condition_variable init_cv_;
  bool init_done_ = false;      // Guarded by mu_.
  bool closed_ = false;         // Guarded by mu_.
  bool uring_granted_ = false;  // Guarded by mu_.
};

}  // namespace ploop::server
