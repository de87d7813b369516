#include "ploop/server/control_server.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "base/log.h"
#include "ploop/exit_codes.h"
#include "ploop/server/request.h"

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

std::vector<ControlServer::Client>::iterator ControlServer::IdlestClient(
    std::vector<Client>& clients) {
  return std::min_element(
      clients.begin(), clients.end(),
      [](const Client& a, const Client& b) { return a.last_ns < b.last_ns; });
}

void ControlServer::Loop() {
  std::vector<Client> clients;
  std::vector<pollfd> fds;
  for (;;) {
    fds.clear();
    fds.push_back({listen_.get(), POLLIN, 0});
    fds.push_back({stop_pipe_[0].get(), POLLIN, 0});
    for (const Client& c : clients) fds.push_back({c.fd.get(), POLLIN, 0});
    if (::poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[1].revents) return;
    // From the back, so that erasing keeps the indexes still to come.
    for (size_t i = clients.size(); i-- > 0;) {
      if (!fds[i + 2].revents) continue;
      if (ServeOne(clients[i].fd.get())) {
        clients[i].last_ns = NowNs();
      } else {
        clients.erase(clients.begin() + static_cast<std::ptrdiff_t>(i));
      }
    }
    if (fds[0].revents) Accept(clients);
  }
}

void ControlServer::Accept(std::vector<Client>& clients) {
  vz::UniqueFd c(::accept4(listen_.get(), nullptr, nullptr, SOCK_CLOEXEC));
  if (!c && (errno == EMFILE || errno == ENFILE)) {
    // The connection stays queued and the socket readable: make room (or
    // wait a little) rather than spin on it.
    VZ_LOG(kWarning) << "control: accept: " << std::strerror(errno);
    if (clients.empty()) {
      ::usleep(100000);
    } else {
      clients.erase(IdlestClient(clients));
    }
    return;
  }
  if (!c) return;
  ucred cred{};
  socklen_t len = sizeof cred;
  if (::getsockopt(c.get(), SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 ||
      (cred.uid != 0 && cred.uid != ::geteuid())) {
    return;  // only root (or our own user) may control the server
  }
  if (clients.size() >= kMaxClients) {
    VZ_LOG(kWarning) << "control: " << kMaxClients
                     << " connections open; closing the one idle longest";
    clients.erase(IdlestClient(clients));
  }
  clients.push_back({std::move(c), NowNs()});
}

bool ControlServer::ServeOne(int fd) {
  recv_buf_.resize(kMaxControlMessage + 1);
  ssize_t n = ::recv(fd, recv_buf_.data(), recv_buf_.size(), MSG_DONTWAIT);
  if (n < 0) return errno == EAGAIN || errno == EINTR;
  if (n == 0) return false;  // the client closed its end
  auto req =
      DecodeControl(std::string_view(recv_buf_.data(), static_cast<size_t>(n)));
  ControlMessage resp =
      req.has_value() ? Dispatch(*req) : ErrorResponse(req.error());
  std::string out = EncodeControl(resp);
  // Never wait for a client to read: one that does not is dropped.
  return ::send(fd, out.data(), out.size(), MSG_NOSIGNAL | MSG_DONTWAIT) ==
         static_cast<ssize_t>(out.size());
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
