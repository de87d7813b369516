// UringWorker: serves FUSE over io_uring (kernels >= 6.14) and runs the
// backing I/O on the same ring.
//
// The kernel keeps one FUSE queue per possible CPU and routes a request to
// the queue of the CPU that issued it; every queue must have entries
// registered before the kernel switches to io_uring. A worker owns one
// ring and the entries of some queues. Each entry is a header buffer and a
// payload buffer of max_write bytes (page-aligned, so WRITE data goes to
// the O_DIRECT delta without a copy and READs land in place).
//
// Per request: a FUSE CQE arrives -> the worker plans the I/O -> read or
// write SQEs go to the delta files -> their CQEs arrive -> the reply is
// committed with COMMIT_AND_FETCH, which also re-arms the entry. Nothing
// blocks except cluster allocation, zeroing and BAT writes (rare).
//
// One thread per worker; Run() returns when the FUSE connection ends or
// Stop() is called.
#pragma once

#include <liburing.h>

#include <atomic>
#include <cstdint>
#include <deque>
#include <vector>

#include "base/status.h"
#include "base/unique_fd.h"
#include "ploop/server/fuse_fs.h"

namespace ploop::server {

struct UringConfig {
  std::vector<uint16_t> queues;  // qids this worker registers entries for
  int depth = 32;                // entries per queue
  uint32_t payload = 1 << 20;    // bytes per entry (>= max_write)
  int cpu = -1;                  // pin to this CPU, -1: no pinning
  // A write the host filesystem has no space for (ENOSPC, EDQUOT) is held
  // and retried every second for this long before it fails (dm-thin's
  // queue_if_no_space with its no_space_timeout): an admin who frees space
  // in time costs the container a stall, not I/O errors, a read-only
  // filesystem and lost writes. 0: fail at once.
  uint64_t nospace_wait_ns = uint64_t{60} * 1000000000;
};

class UringWorker {
 public:
  UringWorker(int fuse_fd, BlockEngine* engine, FuseFs* fs, UringConfig config);
  ~UringWorker();

  // Creates the ring and registers every entry. Errors: the kernel's.
  vz::Status Setup();
  void Run();
  // Makes Run() return soon (from any thread).
  void Stop();
  // Gives back the payload memory of idle entries (after a burst of I/O).
  void set_idle_release_ms(int ms) { idle_release_ms_ = ms; }

 private:
  struct Entry;
  io_uring_sqe* Sqe();
  void Arm(uint32_t i, uint32_t cmd);
  void Commit(uint32_t i, int result);
  void OnFuse(uint32_t i, int res);
  void Start(uint32_t i);
  // Through the engine's gate into StartBlock, or deferred while a
  // snapshot has it paused.
  void EnterAndStart(uint32_t i);
  void StartBlock(uint32_t i);
  // Stopping, or the FUSE connection gone: no request is started any more.
  bool Closing() const { return stop_ || connection_closed_; }
  void OnIo(uint32_t i, uint32_t op, int res);
  void Finish(uint32_t i);
  void ArmWake();
  void ArmTimer(uint64_t ns, uint32_t kind);
  void OnResume();
  void ReleaseIdleMemory();
  // Finish's turn for a write that found no space on the host: parks it
  // for a retry and says true, or says false once it has waited long
  // enough (the write then fails).
  bool HoldForSpace(uint32_t i);
  void RetryHeld();

  int fuse_fd_;
  BlockEngine* engine_;
  FuseFs* fs_;
  UringConfig cfg_;
  io_uring ring_{};
  bool ring_ok_ = false;
  std::vector<Entry> entries_;
  uint8_t* payloads_ = nullptr;
  size_t payloads_len_ = 0;
  vz::UniqueFd wake_fd_;
  uint64_t wake_buf_ = 0;
  std::atomic<bool> stop_{false};
  std::deque<uint32_t> deferred_;   // waiting for the gate to reopen
  std::deque<uint32_t> throttled_;  // waiting for I/O limit tokens
  std::deque<uint32_t> held_;       // writes waiting for host space
  bool throttle_timer_armed_ = false;
  bool nospace_timer_armed_ = false;
  int in_hand_ = 0;  // requests received and not yet answered
  bool idle_timer_armed_ = false;
  bool release_due_ = false;  // the idle timer fired: release after the batch
  __kernel_timespec throttle_ts_{};
  __kernel_timespec idle_ts_{};
  __kernel_timespec nospace_ts_{};
  int idle_release_ms_ = 2000;
  uint64_t last_request_ns_ = 0;
  bool memory_released_ = true;
  bool connection_closed_ = false;
};

}  // namespace ploop::server
