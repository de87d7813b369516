// Monitor's side of the boot set (doc/storage.md §8).
#include <unistd.h>

#include "base/log.h"
#include "libvz/monitor/monitor.h"

namespace vz::monitor {
namespace {

constexpr auto kRecordFor = std::chrono::seconds(10);
constexpr int kPrefetchThreads = 4;

}  // namespace

void Monitor::StartBootSet(const std::string& rootfs) {
  auto priv = ve_->VePrivate(node_);
  if (!priv.has_value()) return;
  boot_set_path_ = storage::BootSetPath(*priv);
  boot_rootfs_ = rootfs;
  auto set = storage::LoadBootSet(boot_set_path_);
  if (set.has_value() && set->has_value() && !(*set)->empty()) {
    boot_set_ = std::move(**set);
    return;
  }
  if (!set.has_value()) {
    VZ_LOG(kWarning) << "container '" << ve_->ctid()
                     << "': boot set not used: " << set.error().message();
  }
  auto rec = storage::BootSetRecorder::Start(rootfs);
  if (!rec.has_value()) {
    VZ_LOG(kInfo) << "container '" << ve_->ctid()
                  << "': no boot set recorded: " << rec.error().message();
    return;
  }
  recorder_ = std::move(*rec);
  record_until_ = std::chrono::steady_clock::now() + kRecordFor;
}

void Monitor::StartPrefetch() {
  if (!boot_set_) return;
  const storage::BootSet set = std::move(*boot_set_);
  boot_set_.reset();
  // Charged to the container as if it had read the files itself; nothing
  // is read when the child cannot join (pids.max reached).
  auto call = ForkedCall::Start([&] {
    VZ_RETURN_IF_ERROR(cg_->AttachSelf());
    storage::PrefetchStats stats =
        storage::PrefetchBootSet(boot_rootfs_, set, kPrefetchThreads);
    if (storage::BootSetStale(stats)) ::unlink(boot_set_path_.c_str());
    return OkStatus();
  });
  if (call.has_value()) prefetch_ = std::move(*call);
}

void Monitor::EndRecording() {
  if (!recorder_) return;
  storage::BootSet set = recorder_->Finish();
  recorder_.reset();
  if (set.empty()) return;
  if (Status s = storage::SaveBootSet(boot_set_path_, set); !s.ok()) {
    VZ_LOG(kWarning) << "container '" << ve_->ctid()
                     << "': boot set: " << s.message();
  }
}

void Monitor::ReapPrefetch(bool wait) {
  if (!prefetch_ || (!wait && !prefetch_->Done())) return;
  // A child killed with the container (a fast stop) has no result: the
  // read-ahead is a hint, nothing to report.
  (void)prefetch_->Wait();
  prefetch_.reset();
}

}  // namespace vz::monitor
