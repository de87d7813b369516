#include "libvz/lock.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <thread>

#include "base/file_util.h"
#include "base/size.h"
#include "base/strings.h"
#include "libvz/ctid.h"
#include "libvz/exit_codes.h"
#include "libvz/template.h"

namespace vz {
namespace {

constexpr size_t kMaxCommand = 256;

// The command line of this process, one line, for the holder record.
std::string OwnCommandLine() {
  auto raw = ReadFile("/proc/self/cmdline", 4096);
  if (!raw) return "unknown";
  std::string out;
  for (char c : *raw) out.push_back(c == '\0' ? ' ' : c);
  return std::string(Trim(out));
}

// One printable line of at most kMaxCommand bytes.
std::string Sanitize(std::string_view command) {
  std::string out;
  for (char c : command.substr(0, kMaxCommand)) {
    out.push_back(static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? ' ' : c);
  }
  return out;
}

// Best effort: the record only improves a refused caller's message, so a
// failure to write it (a full disk) must not fail the operation.
void WriteHolder(int fd, std::string_view command) {
  std::string record = std::to_string(::getpid()) + "\n" +
                       Sanitize(command.empty() ? OwnCommandLine() : command) +
                       "\n";
  if (::ftruncate(fd, 0) != 0) return;
  ssize_t written = ::pwrite(fd, record.data(), record.size(), 0);
  (void)written;
}

Status Locked(std::string_view subject, const std::string& path) {
  std::string m = std::string(subject) + " locked by another operation";
  if (auto holder = ReadLockHolder(path)) {
    m += " (pid " + std::to_string(holder->pid) + ": " + holder->command + ")";
  }
  return UnavailableError(std::move(m))
      .WithErrno(EWOULDBLOCK)
      .WithExitCode(kVzLocked);
}

}  // namespace

ContainerLock& ContainerLock::operator=(ContainerLock&& other) {
  if (this != &other) {
    Release();
    fd_ = std::move(other.fd_);
    path_ = std::move(other.path_);
  }
  return *this;
}

void ContainerLock::Release() {
  if (!fd_.valid()) return;
  // Emptied while still held, so the next holder's record is never lost.
  // If this fails the record stays, and readers ignore it once we are gone.
  int rc = ::ftruncate(fd_.get(), 0);
  (void)rc;
  fd_.reset();
}

Result<ContainerLock> ContainerLock::Acquire(const std::string& lock_dir,
                                             std::string_view ctid,
                                             const LockOptions& options) {
  VZ_RETURN_IF_ERROR(ValidateCtid(ctid));
  return AcquirePath(lock_dir, std::string(ctid) + ".lck",
                     "container '" + std::string(ctid) + "' is", options);
}

Result<ContainerLock> ContainerLock::AcquireNames(const std::string& lock_dir,
                                                  const LockOptions& options) {
  return AcquirePath(lock_dir, ".names.lck", "container names are", options);
}

Result<ContainerLock> ContainerLock::AcquireTemplate(
    const std::string& lock_dir, std::string_view name,
    const LockOptions& options) {
  VZ_RETURN_IF_ERROR(ValidateTemplateName(name));
  return AcquirePath(lock_dir, ".tmpl." + std::string(name) + ".lck",
                     "template '" + std::string(name) + "' is", options);
}

Result<ContainerLock> ContainerLock::AcquirePath(const std::string& lock_dir,
                                                 const std::string& file,
                                                 std::string_view subject,
                                                 const LockOptions& options) {
  VZ_RETURN_IF_ERROR(MakeDirs(lock_dir, 0755));
  std::string path = JoinPath(lock_dir, file);
  // O_NOFOLLOW: a symlink planted in the lock directory must not make us
  // truncate another file.
  UniqueFd fd(
      ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!fd) return ErrnoError(errno, "open lock '" + path + "'");
  auto deadline = std::chrono::steady_clock::now() + options.wait;
  auto pause = std::chrono::milliseconds(5);
  while (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EINTR) continue;
    if (errno != EWOULDBLOCK) return ErrnoError(errno, "lock '" + path + "'");
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return Locked(subject, path);
    std::this_thread::sleep_for(
        std::min<std::chrono::steady_clock::duration>(pause, deadline - now));
    pause = std::min(pause * 2, std::chrono::milliseconds(100));
  }
  WriteHolder(fd.get(), options.command);
  return ContainerLock(std::move(fd), std::move(path));
}

std::optional<LockHolder> ReadLockHolder(const std::string& path) {
  auto text = ReadFile(path, 4096);
  if (!text) return std::nullopt;
  auto lines = Split(*text, '\n');
  // A complete record is "pid\ncommand\n": three pieces, the last empty.
  if (lines.size() != 3 || !lines[2].empty()) return std::nullopt;
  auto pid = ParseUint(lines[0]);
  if (!pid || *pid == 0 || *pid > 4194304) return std::nullopt;
  LockHolder holder{static_cast<pid_t>(*pid), lines[1]};
  if (::kill(holder.pid, 0) != 0 && errno == ESRCH) return std::nullopt;
  return holder;
}

}  // namespace vz
