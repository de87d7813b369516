// ControlServer: the device server's control socket (doc/ploop-control.md).
//
// A unix SOCK_SEQPACKET socket, mode 0600, root only (SO_PEERCRED is
// checked). One thread serves every connection: requests run one at a
// time, as control operations must, but no connection holds up another
// between requests. A client that connects and says nothing, or stops
// reading its answers, would otherwise stall every later one, `vzctl stop`
// included, for as long as it lives (an idle connection held a `ploop
// stat` for 40 s). So the thread polls all connections and takes whole
// requests as they come; an answer that does not fit in the client's
// socket buffer drops that client; at kMaxClients open connections a new
// one replaces the one idle the longest.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "base/status.h"
#include "base/unique_fd.h"
#include "ploop/lib/control_proto.h"

namespace ploop::server {

using ControlHandler =
    std::function<vz::Result<ControlMessage>(const ControlMessage&)>;

class ControlServer {
 public:
  static constexpr size_t kMaxClients = 32;

  ~ControlServer();
  void Handle(const std::string& command, ControlHandler handler) {
    handlers_[command] = std::move(handler);
  }
  // Binds `path` (replacing a stale socket file) and starts serving.
  vz::Status Start(const std::string& path);
  void Stop();

 private:
  struct Client {
    vz::UniqueFd fd;
    uint64_t last_ns = 0;  // when it connected or was last answered
  };
  void Loop();
  // Accepts one connection into `clients` (root or our own user only).
  void Accept(std::vector<Client>& clients);
  static std::vector<Client>::iterator IdlestClient(
      std::vector<Client>& clients);
  // Answers the request waiting on `fd`; false when the client is gone or
  // is to be dropped.
  bool ServeOne(int fd);
  ControlMessage Dispatch(const ControlMessage& req);

  std::map<std::string, ControlHandler> handlers_;
  vz::UniqueFd listen_;
  vz::UniqueFd stop_pipe_[2];
  std::string path_;
  std::string recv_buf_;
  std::thread thread_;
};

}  // namespace ploop::server
