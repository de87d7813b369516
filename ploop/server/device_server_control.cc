// The control commands of a device server (doc/ploop-control.md).
#include <unistd.h>

#include "base/size.h"
#include "ploop/exit_codes.h"
#include "ploop/server/device_server.h"
#include "ploop/server/request.h"

namespace ploop::server {
namespace {

vz::Status BadArg(const std::string& why) {
  return vz::InvalidArgumentError(why).WithExitCode(kSysExitParam);
}

// iolimit bounds: up to 100 GiB/s and 10M ops/s; bursts up to 60 s worth.
constexpr uint64_t kMaxBytesPerSec = uint64_t{100} << 30;
constexpr uint64_t kMaxOpsPerSec = 10'000'000;

vz::Status CheckLimit(uint64_t rate, uint64_t burst, uint64_t max,
                      const char* what) {
  if (rate > max)
    return BadArg(std::string(what) + " limit " + std::to_string(rate) +
                  " is out of range");
  if (burst && rate && burst > rate * 60) {
    return BadArg(std::string(what) + " burst " + std::to_string(burst) +
                  " is more than 60 s at the limit");
  }
  if (burst && !rate)
    return BadArg(std::string(what) + " burst without a limit");
  return vz::OkStatus();
}

}  // namespace

void DeviceServer::RegisterControl() {
  RegisterStorageControl();
  control_.Handle(
      "hello", [](const ControlMessage& req) -> vz::Result<ControlMessage> {
        VZ_ASSIGN_OR_RETURN(auto v, req.GetUint("version"));
        if (v && *v < static_cast<uint64_t>(kControlMinVersion)) {
          return vz::FailedPreconditionError("control protocol version " +
                                             std::to_string(*v) +
                                             " is too old for this server")
              .WithExitCode(kSysExitProtocol);
        }
        ControlMessage m;
        m.Set("version", std::to_string(kControlVersion));
        m.Set("min_version", std::to_string(kControlMinVersion));
        m.Set("max_version", std::to_string(kControlVersion));
        m.Set("server", "vz-ploop-server");
        return m;
      });
  control_.Handle(
      "status", [this](const ControlMessage&) -> vz::Result<ControlMessage> {
        ControlMessage m;
        m.Set("pid", std::to_string(::getpid()));
        m.Set("descriptor", image_->descriptor_path());
        m.Set("read_only", image_->read_only() ? "1" : "0");
        m.Set("size", std::to_string(image_->size()));
        m.Set("part_size", std::to_string(engine_->FileSize(kPartIno)));
        m.Set("deltas", std::to_string(image_->stack().depth()));
        m.Set("transport", uring_active() ? "io_uring" : "dev-fuse");
        m.Set("uptime_s",
              std::to_string((NowNs() - started_ns_) / 1000000000ull));
        return m;
      });
  control_.Handle(
      "stat", [this](const ControlMessage&) -> vz::Result<ControlMessage> {
        ControlMessage m;
        std::string text = engine_->stats().Format();
        size_t pos = 0;
        while (pos < text.size()) {
          size_t nl = text.find('\n', pos), eq = text.find('=', pos);
          m.Set(text.substr(pos, eq - pos), text.substr(eq + 1, nl - eq - 1));
          pos = nl + 1;
        }
        return m;
      });
  control_.Handle(
      "iolimit",
      [this](const ControlMessage& req) -> vz::Result<ControlMessage> {
        Limits l = engine_->limiter().Get();
        bool change = false;
        auto take = [&](const char* key, uint64_t* field) -> vz::Status {
          VZ_ASSIGN_OR_RETURN(auto v, req.GetUint(key));
          if (v) {
            *field = *v;
            change = true;
          }
          return vz::OkStatus();
        };
        // A new rate without a burst gets the default burst (one second).
        if (req.Get("bytes_per_sec") && !req.Get("bytes_burst"))
          l.bytes_burst = 0;
        if (req.Get("ops_per_sec") && !req.Get("ops_burst")) l.ops_burst = 0;
        VZ_RETURN_IF_ERROR(take("bytes_per_sec", &l.bytes_per_sec));
        VZ_RETURN_IF_ERROR(take("bytes_burst", &l.bytes_burst));
        VZ_RETURN_IF_ERROR(take("ops_per_sec", &l.ops_per_sec));
        VZ_RETURN_IF_ERROR(take("ops_burst", &l.ops_burst));
        VZ_RETURN_IF_ERROR(CheckLimit(l.bytes_per_sec, l.bytes_burst,
                                      kMaxBytesPerSec, "bytes/s"));
        VZ_RETURN_IF_ERROR(
            CheckLimit(l.ops_per_sec, l.ops_burst, kMaxOpsPerSec, "ops/s"));
        if (change) engine_->limiter().Set(l);
        Limits now = engine_->limiter().Get();
        ControlMessage m;
        m.Set("bytes_per_sec", std::to_string(now.bytes_per_sec));
        m.Set("bytes_burst", std::to_string(now.bytes_burst));
        m.Set("ops_per_sec", std::to_string(now.ops_per_sec));
        m.Set("ops_burst", std::to_string(now.ops_burst));
        return m;
      });
  control_.Handle(
      "ioprio",
      [this](const ControlMessage& req) -> vz::Result<ControlMessage> {
        VZ_ASSIGN_OR_RETURN(auto p, req.GetUint("priority"));
        if (p) {
          if (*p > 7)
            return BadArg("I/O priority " + std::to_string(*p) +
                          " is out of range 0-7");
          engine_->set_priority(static_cast<int>(*p));
        }
        ControlMessage m;
        m.Set("priority", std::to_string(engine_->priority()));
        return m;
      });
  control_.Handle("flush",
                  [this](const ControlMessage&) -> vz::Result<ControlMessage> {
                    VZ_RETURN_IF_ERROR(image_->Flush());
                    return ControlMessage{};
                  });
  control_.Handle(
      "rescan", [this](const ControlMessage&) -> vz::Result<ControlMessage> {
        VZ_RETURN_IF_ERROR(engine_->RescanPartition());
        ControlMessage m;
        m.Set("part_size", std::to_string(engine_->FileSize(kPartIno)));
        return m;
      });
  control_.Handle("shutdown",
                  [this](const ControlMessage&) -> vz::Result<ControlMessage> {
                    Shutdown();
                    return ControlMessage{};
                  });
}

}  // namespace ploop::server
