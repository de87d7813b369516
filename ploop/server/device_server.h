// DeviceServer: serves one mounted ploop image (DESIGN.md §3).
//
// Opens the image (direct I/O, locked for its lifetime), mounts a FUSE
// filesystem exposing it as two files (`image`, `part`), serves block I/O
// over FUSE-over-io_uring where the kernel has it (else /dev/fuse threads),
// and answers the control socket. It ends when the FUSE connection ends:
// after Shutdown() once nothing (the loop device) holds its files any more,
// or when the FUSE mount is torn down; then it closes the image cleanly.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "base/unique_fd.h"
#include "ploop/image.h"
#include "ploop/server/block_engine.h"
#include "ploop/server/classic_transport.h"
#include "ploop/server/control_server.h"
#include "ploop/server/fuse_fs.h"
#include "ploop/server/uring_worker.h"

namespace ploop::server {

enum class UringMode { kAuto, kOn, kOff };

struct ServerOptions {
  std::string descriptor;
  std::string descriptor_memo;  // empty: the XML at every start
  std::string fuse_dir;
  std::string control_path;
  bool read_only = false;
  UringMode uring = UringMode::kAuto;
  uint32_t max_io = 1 << 20;  // bytes per FUSE request (max_write)
  int depth = 0;              // ring entries per queue; 0: automatic
  int classic_threads = 0;    // 0: automatic
  // How long a write waits for space on a full host filesystem before it
  // fails (UringConfig::nospace_wait_ns); the /dev/fuse fallback fails it
  // at once.
  uint32_t nospace_wait_s = 60;
};

class DeviceServer {
 public:
  ~DeviceServer();
  // Everything up to "ready": image open, FUSE mounted, transports and
  // control socket running. Errors name the step that failed.
  static vz::Result<std::unique_ptr<DeviceServer>> Start(
      const ServerOptions& options);
  // Blocks until the FUSE connection ends, then closes the image cleanly.
  vz::Status Wait();
  // Detaches the FUSE mount; the server ends once its files are closed.
  void Shutdown();
  bool uring_active() const { return !workers_.empty(); }

 private:
  DeviceServer() = default;
  // Mounts the FUSE file system and starts the transports: Start's steps
  // that overlap with the in-use flag's write.
  vz::Status MountAndServe();
  vz::Status MountFuse();
  vz::Status StartTransports();
  void RegisterControl();
  void RegisterStorageControl();

  ServerOptions opt_;
  std::unique_ptr<Image> image_;
  std::unique_ptr<BlockEngine> engine_;
  std::unique_ptr<FuseFs> fs_;
  vz::UniqueFd fuse_fd_;
  std::unique_ptr<ClassicTransport> classic_;
  std::vector<std::unique_ptr<UringWorker>> workers_;
  std::vector<std::thread> worker_threads_;
  ControlServer control_;
  uint64_t started_ns_ = 0;
};

}  // namespace ploop::server
