// ControlClient: talks to a running device server over its control socket
// (doc/ploop-control.md). Connect() says hello and agrees on the protocol
// version. Not thread-safe; one request at a time.
#pragma once

#include <memory>
#include <string>

#include "base/status.h"
#include "base/unique_fd.h"
#include "ploop/lib/control_proto.h"

namespace ploop {

class ControlClient {
 public:
  // Errors: kUnavailable (SYSEXIT_PROTOCOL) when no server answers at
  // `socket_path`; kFailedPrecondition when no common version exists.
  static vz::Result<std::unique_ptr<ControlClient>> Connect(
      const std::string& socket_path, int timeout_ms = 60000);
  int version() const { return version_; }
  // Sends `request`; returns the "ok" response, or the server's error as a
  // Status (with its exit code).
  vz::Result<ControlMessage> Call(const ControlMessage& request);

 private:
  ControlClient() = default;
  vz::UniqueFd fd_;
  int version_ = 0;
  int timeout_ms_ = 60000;
};

}  // namespace ploop
