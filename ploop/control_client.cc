#include "ploop/control_client.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cerrno>
#include <cstring>

#include "ploop/exit_codes.h"

namespace ploop {

vz::Result<std::unique_ptr<ControlClient>> ControlClient::Connect(
    const std::string& path, int timeout_ms) {
  std::unique_ptr<ControlClient> c(new ControlClient());
  c->timeout_ms_ = timeout_ms;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) {
    return vz::InvalidArgumentError("control socket path '" + path +
                                    "' is too long");
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  c->fd_.reset(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
  if (!c->fd_) return vz::ErrnoError(errno, "create socket");
  if (::connect(c->fd_.get(), reinterpret_cast<sockaddr*>(&addr),
                sizeof addr) != 0) {
    return vz::UnavailableError("no device server answers at '" + path +
                                "': " + std::strerror(errno))
        .WithExitCode(kSysExitProtocol);
  }
  ControlMessage hello{"hello", {}};
  hello.Set("version", std::to_string(kControlVersion));
  VZ_ASSIGN_OR_RETURN(ControlMessage r, c->Call(hello));
  VZ_ASSIGN_OR_RETURN(auto max, r.GetUint("max_version"));
  VZ_ASSIGN_OR_RETURN(auto min, r.GetUint("min_version"));
  int server_max = max ? static_cast<int>(*max) : 1,
      server_min = min ? static_cast<int>(*min) : 1;
  int v = std::min(kControlVersion, server_max);
  if (v < std::max(kControlMinVersion, server_min)) {
    return vz::FailedPreconditionError(
               "device server speaks control protocol " +
               std::to_string(server_min) + "-" + std::to_string(server_max) +
               ", this ploop " + std::to_string(kControlMinVersion) + "-" +
               std::to_string(kControlVersion))
        .WithExitCode(kSysExitProtocol);
  }
  c->version_ = v;
  return c;
}

vz::Result<ControlMessage> ControlClient::Call(const ControlMessage& request) {
  std::string out = EncodeControl(request);
  if (out.size() > kMaxControlMessage) {
    return vz::InvalidArgumentError("control request too large")
        .WithExitCode(kSysExitProtocol);
  }
  if (::send(fd_.get(), out.data(), out.size(), MSG_NOSIGNAL) < 0) {
    return vz::ErrnoError(errno, "send to device server")
        .WithExitCode(kSysExitProtocol);
  }
  pollfd p{fd_.get(), POLLIN, 0};
  int n = ::poll(&p, 1, timeout_ms_);
  if (n == 0) {
    return vz::DeadlineExceededError("device server did not answer '" +
                                     request.head + "'")
        .WithExitCode(kSysExitProtocol);
  }
  std::string buf(kMaxControlMessage + 1, '\0');
  ssize_t got = ::recv(fd_.get(), buf.data(), buf.size(), 0);
  if (got <= 0) {
    return vz::UnavailableError("device server closed the connection")
        .WithExitCode(kSysExitProtocol);
  }
  VZ_ASSIGN_OR_RETURN(
      ControlMessage r,
      DecodeControl(std::string_view(buf.data(), static_cast<size_t>(got))));
  VZ_RETURN_IF_ERROR(StatusFromResponse(r));
  return r;
}

}  // namespace ploop
