// Monitor's side of the boot set (doc/storage.md §8).
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include "base/file_util.h"
#include "base/log.h"
#include "libvz/monitor/monitor.h"

namespace vz::monitor {
namespace {

constexpr auto kRecordFor = std::chrono::seconds(10);

}  // namespace

void Monitor::StartBootSet(const std::string& rootfs) {
  // On cgroup v2 the reader, inside the container's cgroup while its
  // systemd starts, would keep it from enabling controllers for its
  // services (no processes may stay where controllers are enabled below);
  // outside, it would charge the container's pages to the host.
  read_ahead_.clear();
  unread_set_.reset();
  if (cg_->layout() == cgroup::Layout::kV2) return;
  auto priv = ve_->VePrivate(node_);
  if (!priv.has_value()) return;
  boot_set_path_ = storage::BootSetPath(*priv);
  std::optional<storage::BootSet> set;
  if (auto loaded = storage::LoadBootSet(boot_set_path_); !loaded) {
    VZ_LOG(kWarning) << "container '" << ve_->ctid()
                     << "': boot set not used: " << loaded.error().message();
  } else if (*loaded && !(*loaded)->files.empty()) {
    set = std::move(**loaded);
  }
  if (set && !set->partial) {
    if (storage::WorthReadingAhead(*set)) {
      StartPrefetch(rootfs, std::move(*set));
    } else {
      // A small set is not worth a reader, whose cost is the start's; it
      // is only checked for staleness, once the start is done.
      unread_set_ = std::move(*set);
      unread_root_ = rootfs;
    }
    return;
  }
  // None, unreadable or partial: record. A partial set big enough is read
  // ahead too, the reader reporting what it read when there is a recording
  // to count it against (EndRecording).
  if (auto rec = storage::BootSetRecorder::Start(rootfs); rec.has_value()) {
    recorder_ = std::move(*rec);
    record_until_ = std::chrono::steady_clock::now() + kRecordFor;
  } else {
    VZ_LOG(kInfo) << "container '" << ve_->ctid()
                  << "': no boot set recorded: " << rec.error().message();
  }
  if (set && storage::WorthReadingAhead(*set)) {
    if (recorder_) read_ahead_ = set->files;
    StartPrefetch(rootfs, std::move(*set));
  }
  if (recorder_ && prefetch_) recorder_->IgnorePid(prefetch_->pid());
}

void Monitor::StartPrefetch(const std::string& rootfs, storage::BootSet set) {
  const bool will_record = recorder_.has_value();
  // A report an earlier start left (a killed monitor) must not be taken
  // for this one's, whatever becomes of this reader.
  DropReadAheadReport();
  // Charged to the container as if it had read the files itself; nothing
  // is read when the child cannot join (pids.max reached). Begun before
  // the init runs: its first files are the init's own libraries. It keeps
  // none of the monitor's files: the start's report pipe (whose reader
  // waits for EOF) and the container lock must not wait for it.
  auto call = ForkedCall::Start(
      [&] {
        VZ_RETURN_IF_ERROR(cg_->AttachSelf());
        // Which inodes it read ahead, for the recording (EndRecording).
        UniqueFd report;
        if (will_record) {
          report.reset(::open(ReadAheadReportPath().c_str(),
                              O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
        }
        storage::PrefetchStats stats = storage::PrefetchBootSet(
            rootfs, set.files, report ? report.get() : -1);
        // A set being recorded again is replaced anyway, maybe already.
        if (!will_record && storage::BootSetStale(stats)) {
          ::unlink(boot_set_path_.c_str());
        }
        return OkStatus();
      },
      ForkedCall::Files::kStdio);
  if (call.has_value()) prefetch_ = std::move(*call);
}

std::string Monitor::ReadAheadReportPath() const {
  return boot_set_path_ + ".ahead";
}

void Monitor::DropReadAheadReport() {
  if (!boot_set_path_.empty()) ::unlink(ReadAheadReportPath().c_str());
}

void Monitor::EndRecording(bool window_done) {
  if (!recorder_) return;
  storage::ReadAhead ahead;
  if (!read_ahead_.empty()) {
    // What the reader reported so far: it writes each file's line before
    // reading the file.
    const std::string report = ReadAheadReportPath();
    ahead = storage::ParseReadAhead(ReadFile(report, 1 << 20).value_or(""),
                                    read_ahead_);
    DropReadAheadReport();
  }
  storage::BootSet set{.files = recorder_->Finish(ahead),
                       .partial = !window_done};
  // A stop closes the fanotify group once the disk is unmounted (see
  // BootSetRecorder::Finish); the end of the window, at once.
  if (!window_done) ended_recorder_ = std::move(recorder_);
  recorder_.reset();
  read_ahead_.clear();
  if (set.files.empty()) return;
  if (Status s = storage::SaveBootSet(boot_set_path_, set); !s.ok()) {
    VZ_LOG(kWarning) << "container '" << ve_->ctid()
                     << "': boot set: " << s.message();
  }
}

void Monitor::CheckUnreadBootSet() {
  if (!unread_set_) return;
  const auto stats =
      storage::FindBootSetFiles(unread_root_, unread_set_->files);
  if (storage::BootSetStale(stats)) ::unlink(boot_set_path_.c_str());
  unread_set_.reset();
}

void Monitor::ReapPrefetch(bool stop) {
  if (!prefetch_) return;
  // A hint: not worth holding up a stop or an unmount for.
  if (stop) {
    prefetch_->Kill(SIGKILL);
  } else if (!prefetch_->Done()) {
    return;
  }
  (void)prefetch_->Wait();  // no result when killed: nothing to report
  prefetch_.reset();
}

}  // namespace vz::monitor
