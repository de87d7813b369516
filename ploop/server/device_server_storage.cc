// Control commands that change a mounted image's storage: online snapshot,
// snapshot delete and merge, grow, compact (doc/ploop-control.md). Each
// runs with block I/O paused (IoGate) and the requests in flight drained,
// so the stack the I/O paths see changes between two requests.
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "base/log.h"
#include "ploop/exit_codes.h"
#include "ploop/lib/relocate.h"
#include "ploop/resize.h"
#include "ploop/server/device_server.h"
#include "ploop/snapshot.h"

namespace ploop::server {
namespace {

// Freezes the filesystem mounted at a path for as long as it lives, so a
// snapshot captures it consistent and flushed (the journal committed).
class Freeze {
 public:
  static vz::Result<std::unique_ptr<Freeze>> At(
      const std::string& mount_point) {
    std::unique_ptr<Freeze> f(new Freeze());
    if (mount_point.empty()) return f;
    f->fd_.reset(
        ::open(mount_point.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!f->fd_) return vz::ErrnoError(errno, "open '" + mount_point + "'");
    if (::ioctl(f->fd_.get(), FIFREEZE, 0) != 0) {
      int e = errno;
      f->fd_.reset();
      return vz::ErrnoError(e, "freeze '" + mount_point + "'");
    }
    return f;
  }
  ~Freeze() {
    if (fd_ && ::ioctl(fd_.get(), FITHAW, 0) != 0) {
      VZ_LOG(kError) << "thaw failed: " << std::strerror(errno);
    }
  }

 private:
  Freeze() = default;
  vz::UniqueFd fd_;
};

// Pauses block I/O for its lifetime.
class Paused {
 public:
  explicit Paused(IoGate& g) : g_(g) { g_.Pause(); }
  ~Paused() { g_.Resume(); }

 private:
  IoGate& g_;
};

vz::Result<std::optional<vz::Uuid>> OptionalGuid(const ControlMessage& req,
                                                 const char* key) {
  auto v = req.Get(key);
  if (!v || v->empty()) return std::optional<vz::Uuid>();
  auto u = vz::Uuid::Parse(*v);
  if (!u.has_value()) return std::move(u).error().WithExitCode(kSysExitParam);
  return std::optional<vz::Uuid>(*u);
}

ControlMessage Notes(const std::vector<std::string>& notes) {
  ControlMessage m;
  for (const auto& n : notes) m.Set("note", n);
  return m;
}

}  // namespace

void DeviceServer::RegisterStorageControl() {
  control_.Handle(
      "snapshot",
      [this](const ControlMessage& req) -> vz::Result<ControlMessage> {
        SnapshotParams p;
        VZ_ASSIGN_OR_RETURN(p.guid, OptionalGuid(req, "guid"));
        p.name = req.Get("name").value_or("");
        p.description = req.Get("description").value_or("");
        auto start = std::chrono::steady_clock::now();
        VZ_ASSIGN_OR_RETURN(auto freeze,
                            Freeze::At(req.Get("freeze").value_or("")));
        vz::Uuid guid;
        {
          Paused paused(engine_->gate());
          VZ_ASSIGN_OR_RETURN(guid, CreateSnapshot(*image_, p));
          engine_->discards()
              .Reset();  // they were about the old top's clusters
        }
        freeze.reset();
        auto ms = std::chrono::duration_cast<std::chrono::microseconds>(
                      std::chrono::steady_clock::now() - start)
                      .count();
        ControlMessage m;
        m.Set("guid", guid.ToBraced());
        m.Set("duration_us", std::to_string(ms));
        return m;
      });
  control_.Handle(
      "snapshot-delete",
      [this](const ControlMessage& req) -> vz::Result<ControlMessage> {
        VZ_ASSIGN_OR_RETURN(auto guid, OptionalGuid(req, "guid"));
        if (!guid)
          return vz::InvalidArgumentError("missing snapshot GUID")
              .WithExitCode(kSysExitParam);
        Paused paused(engine_->gate());
        VZ_ASSIGN_OR_RETURN(auto report, DeleteSnapshot(*image_, *guid));
        engine_->discards().Reset();
        return Notes(report.notes);
      });
  control_.Handle(
      "snapshot-merge",
      [this](const ControlMessage& req) -> vz::Result<ControlMessage> {
        VZ_ASSIGN_OR_RETURN(auto guid, OptionalGuid(req, "guid"));
        bool all = req.Get("all").value_or("0") == "1";
        Paused paused(engine_->gate());
        SnapshotReport report;
        if (all) {
          VZ_ASSIGN_OR_RETURN(report, MergeAllSnapshots(*image_));
        } else {
          VZ_ASSIGN_OR_RETURN(report, MergeSnapshot(*image_, guid));
        }
        engine_->discards().Reset();
        return Notes(report.notes);
      });
  control_.Handle(
      "resize",
      [this](const ControlMessage& req) -> vz::Result<ControlMessage> {
        VZ_ASSIGN_OR_RETURN(auto size, req.GetUint("size", true));
        if (*size < image_->size()) {
          return vz::FailedPreconditionError(
                     "a mounted image can only grow (ext4 shrinks offline)")
              .WithExitCode(kSysExitParam);
        }
        ResizeReport r;
        {
          Paused paused(engine_->gate());
          VZ_ASSIGN_OR_RETURN(r, GrowImage(*image_, *size));
        }
        VZ_RETURN_IF_ERROR(engine_->RescanPartition());
        ControlMessage m;
        m.Set("size", std::to_string(r.new_bytes));
        m.Set("relocated_clusters", std::to_string(r.relocated_clusters));
        m.Set("part_size", std::to_string(engine_->FileSize(kPartIno)));
        return m;
      });
  control_.Handle("compact",
                  [this](const ControlMessage&) -> vz::Result<ControlMessage> {
                    DeltaStack& s = image_->stack();
                    Delta& top = s.top();
                    uint64_t released = 0, kept = 0;
                    Paused paused(engine_->gate());
                    // A cluster discarded whole can go, unless a lower delta
                    // maps it: then it shadows the template's data, and
                    // dropping it would bring that data back.
                    int below = static_cast<int>(s.depth()) - 2;
                    for (uint32_t c : engine_->discards().FullyDiscarded()) {
                      if (top.Lookup(c) == kUnmapped) continue;
                      if (below >= 0 && s.Locate(c, below).level >= 0) {
                        ++kept;
                        continue;
                      }
                      top.Map(c, kUnmapped);
                      ++released;
                    }
                    size_t partial = engine_->discards().PartlyDiscardedCount();
                    engine_->discards().Reset();
                    VZ_RETURN_IF_ERROR(top.Sync());
                    VZ_ASSIGN_OR_RETURN(CompactResult r, CompactDelta(top));
                    ControlMessage m;
                    m.Set("reclaimed_bytes", std::to_string(r.reclaimed_bytes));
                    m.Set("released_clusters", std::to_string(released));
                    m.Set("moved_clusters", std::to_string(r.moved_clusters));
                    m.Set("kept_shadowing_clusters", std::to_string(kept));
                    m.Set("partly_discarded_clusters", std::to_string(partial));
                    return m;
                  });
}

}  // namespace ploop::server
