#include "ploop/server/control_server.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/log.h"
#include "ploop/exit_codes.h"

namespace ploop::server {

ControlServer::~ControlServer() { Stop(); }

vz::Status ControlServer::Start(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) {
    return vz::InvalidArgumentError("control socket path '" + path +
                                    "' is too long");
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  listen_.reset(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
  if (!listen_) return vz::ErrnoError(errno, "create control socket");
  ::unlink(path.c_str());
  mode_t old = ::umask(077);
  int rc =
      ::bind(listen_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  ::umask(old);
  if (rc != 0) return vz::ErrnoError(errno, "bind '" + path + "'");
  if (::listen(listen_.get(), 8) != 0)
    return vz::ErrnoError(errno, "listen on '" + path + "'");
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) return vz::ErrnoError(errno, "pipe");
  stop_pipe_[0].reset(p[0]);
  stop_pipe_[1].reset(p[1]);
  path_ = path;
  thread_ = std::thread([this] { Loop(); });
  return vz::OkStatus();
}

void ControlServer::Stop() {
  if (stop_pipe_[1]) {
    char c = 1;
    (void)!::write(stop_pipe_[1].get(), &c, 1);
  }
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id())
    thread_.join();
  if (!path_.empty()) ::unlink(path_.c_str());
  path_.clear();
}

void ControlServer::Loop() {
  for (;;) {
    pollfd fds[2] = {{listen_.get(), POLLIN, 0},
                     {stop_pipe_[0].get(), POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[1].revents) return;
    vz::UniqueFd c(::accept4(listen_.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (!c) continue;
    ucred cred{};
    socklen_t len = sizeof cred;
    if (::getsockopt(c.get(), SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 ||
        (cred.uid != 0 && cred.uid != ::geteuid())) {
      continue;  // only root (or our own user) may control the server
    }
    Serve(c.get());
  }
}

void ControlServer::Serve(int fd) {
  std::string buf(kMaxControlMessage + 1, '\0');
  for (;;) {
    pollfd fds[2] = {{fd, POLLIN, 0}, {stop_pipe_[0].get(), POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[1].revents) return;
    ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
    if (n <= 0) return;
    ControlMessage resp;
    auto req =
        DecodeControl(std::string_view(buf.data(), static_cast<size_t>(n)));
    resp = req.has_value() ? Dispatch(*req) : ErrorResponse(req.error());
    std::string out = EncodeControl(resp);
    if (::send(fd, out.data(), out.size(), MSG_NOSIGNAL) < 0) return;
  }
}

ControlMessage ControlServer::Dispatch(const ControlMessage& req) {
  auto it = handlers_.find(req.head);
  if (it == handlers_.end()) {
    return ErrorResponse(
        vz::UnimplementedError("unknown control command '" + req.head + "'")
            .WithExitCode(kSysExitProtocol));
  }
  VZ_LOG(kInfo) << "control: " << req.head;
  auto r = it->second(req);
  if (!r.has_value()) {
    VZ_LOG(kWarning) << "control: " << req.head << ": " << r.error().message();
    return ErrorResponse(r.error());
  }
  r->head = "ok";
  return *r;
}

}  // namespace ploop::server
