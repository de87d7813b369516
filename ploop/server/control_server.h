// ControlServer: the device server's control socket (doc/ploop-control.md).
//
// A unix SOCK_SEQPACKET socket, mode 0600, root only (SO_PEERCRED is
// checked). One thread accepts and serves connections one at a time:
// control operations are rare and must not run concurrently anyway.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <thread>

#include "base/status.h"
#include "base/unique_fd.h"
#include "ploop/lib/control_proto.h"

namespace ploop::server {

using ControlHandler =
    std::function<vz::Result<ControlMessage>(const ControlMessage&)>;

class ControlServer {
 public:
  ~ControlServer();
  void Handle(const std::string& command, ControlHandler handler) {
    handlers_[command] = std::move(handler);
  }
  // Binds `path` (replacing a stale socket file) and starts serving.
  vz::Status Start(const std::string& path);
  void Stop();

 private:
  void Loop();
  void Serve(int fd);
  ControlMessage Dispatch(const ControlMessage& req);

  std::map<std::string, ControlHandler> handlers_;
  vz::UniqueFd listen_;
  vz::UniqueFd stop_pipe_[2];
  std::string path_;
  std::thread thread_;
};

}  // namespace ploop::server
