#include "ploop/server/discard_map.h"

namespace ploop::server {
namespace {

bool AllSet(const std::vector<uint64_t>& words, uint64_t nbits) {
  for (uint64_t i = 0; i < nbits; ++i) {
    if (!(words[i / 64] >> (i % 64) & 1)) return false;
  }
  return true;
}

}  // namespace

void DiscardMap::Discard(uint64_t offset, uint64_t len) {
  uint64_t first = (offset + kBlock - 1) / kBlock,
           end = (offset + len) / kBlock;
  if (first >= end) return;
  const uint64_t per = blocks_per_cluster();
  std::lock_guard<std::mutex> l(mu_);
  for (uint64_t b = first; b < end; ++b) {
    uint32_t c = static_cast<uint32_t>(b / per);
    auto& words = bits_[c];
    if (words.empty()) words.assign((per + 63) / 64, 0);
    uint64_t i = b % per;
    words[i / 64] |= uint64_t{1} << (i % 64);
  }
  tracked_ = bits_.size();
}

void DiscardMap::Clear(uint64_t offset, uint64_t len) {
  uint64_t first = offset / kBlock, end = (offset + len + kBlock - 1) / kBlock;
  const uint64_t per = blocks_per_cluster();
  std::lock_guard<std::mutex> l(mu_);
  for (uint64_t b = first; b < end; ++b) {
    auto it = bits_.find(static_cast<uint32_t>(b / per));
    if (it == bits_.end()) {
      b = (b / per + 1) * per - 1;  // skip the rest of an untracked cluster
      continue;
    }
    uint64_t i = b % per;
    it->second[i / 64] &= ~(uint64_t{1} << (i % 64));
  }
}

std::vector<uint32_t> DiscardMap::FullyDiscarded() const {
  std::lock_guard<std::mutex> l(mu_);
  std::vector<uint32_t> out;
  for (const auto& [c, words] : bits_) {
    if (AllSet(words, blocks_per_cluster())) out.push_back(c);
  }
  return out;
}

size_t DiscardMap::PartlyDiscardedCount() const {
  std::lock_guard<std::mutex> l(mu_);
  size_t n = 0;
  for (const auto& [c, words] : bits_) {
    bool any = false;
    for (uint64_t w : words) any |= w != 0;
    if (any && !AllSet(words, blocks_per_cluster())) ++n;
  }
  return n;
}

void DiscardMap::Forget(uint32_t cluster) {
  std::lock_guard<std::mutex> l(mu_);
  bits_.erase(cluster);
  tracked_ = bits_.size();
}

void DiscardMap::Reset() {
  std::lock_guard<std::mutex> l(mu_);
  bits_.clear();
  tracked_ = 0;
}

}  // namespace ploop::server
