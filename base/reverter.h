// Reverter: undo as you go.
//
// Register an undo step after each step of a multi-step mutation; call
// Commit() once the whole change succeeded. If the Reverter is destroyed (or
// Revert() is called) before Commit(), the registered steps run in reverse
// order. Undo steps must not fail in ways the caller can act on; they log.
//
// Not thread-safe; one Reverter belongs to one operation.
#pragma once

#include <functional>
#include <utility>
#include <vector>

namespace vz {

class Reverter {
 public:
  Reverter() = default;
  Reverter(const Reverter&) = delete;
  Reverter& operator=(const Reverter&) = delete;
  ~Reverter() { Revert(); }

  void Add(std::function<void()> undo) { undo_.push_back(std::move(undo)); }
  // Disarms all undo steps: the change stands.
  void Commit() { undo_.clear(); }
  // Runs the undo steps now, newest first, and disarms them.
  void Revert() {
    while (!undo_.empty()) {
      auto f = std::move(undo_.back());
      undo_.pop_back();
      f();
    }
  }

 private:
  std::vector<std::function<void()>> undo_;
};

}  // namespace vz
