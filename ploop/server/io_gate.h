// IoGate: lets control operations (snapshot, grow, compact) run with no
// block I/O in flight.
//
// I/O paths call TryEnter() before starting a request and Exit() when it
// completed; TryEnter() fails while paused and the caller defers the
// request until Resume() (it is told through `on_resume`). Pause() blocks
// until every entered request has exited. Thread-safe.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <vector>

namespace ploop::server {

class IoGate {
 public:
  bool TryEnter() {
    std::lock_guard<std::mutex> l(mu_);
    if (paused_) return false;
    ++inflight_;
    return true;
  }
  // For synchronous paths: waits while paused, then enters.
  void EnterBlocking() {
    std::unique_lock<std::mutex> l(mu_);
    resumed_.wait(l, [&] { return !paused_; });
    ++inflight_;
  }
  void Exit() {
    std::lock_guard<std::mutex> l(mu_);
    if (--inflight_ == 0 && paused_) drained_.notify_all();
  }
  // Blocks new requests and waits for the ones in flight.
  void Pause() {
    std::unique_lock<std::mutex> l(mu_);
    paused_ = true;
    drained_.wait(l, [&] { return inflight_ == 0; });
  }
  void Resume() {
    std::vector<std::function<void()>> wake;
    {
      std::lock_guard<std::mutex> l(mu_);
      paused_ = false;
      wake = waiters_;
    }
    resumed_.notify_all();
    for (auto& w : wake) w();
  }
  // Called (from the control thread) on every Resume().
  void OnResume(std::function<void()> f) {
    std::lock_guard<std::mutex> l(mu_);
    waiters_.push_back(std::move(f));
  }
  // Drops every callback: their owners (the io_uring workers) are gone,
  // as when the server falls back to /dev/fuse.
  void ForgetResumeCallbacks() {
    std::lock_guard<std::mutex> l(mu_);
    waiters_.clear();
  }

 private:
  std::mutex mu_;
  std::condition_variable drained_;
  std::condition_variable resumed_;
  bool paused_ = false;                         // Guarded by mu_.
  int inflight_ = 0;                            // Guarded by mu_.
  std::vector<std::function<void()>> waiters_;  // Guarded by mu_.
};

}  // namespace ploop::server
