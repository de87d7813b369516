#include "libvz/storage/identity.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <string_view>

#include "base/file_util.h"
#include "base/subprocess.h"
#include "base/unique_fd.h"
#include "base/uuid.h"

namespace vz::storage {
namespace {

constexpr std::array<std::string_view, 4> kKeyTypes = {"rsa", "ecdsa",
                                                       "ed25519", "dsa"};

// Whether `path` is missing or an empty regular file (a symlink is the
// container's own choice and is left alone).
Result<bool> IsEmptyOrMissing(const std::string& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return true;
    return ErrnoError(errno, "stat '" + path + "'");
  }
  if (!S_ISREG(st.st_mode)) return false;
  return st.st_size == 0;
}

bool HasHostKeys(const std::string& ssh_dir) {
  for (auto t : kKeyTypes) {
    if (PathExists(ssh_dir + "/ssh_host_" + std::string(t) + "_key")) {
      return true;
    }
  }
  return false;
}

Status WriteMachineId(const std::string& path) {
  VZ_ASSIGN_OR_RETURN(Uuid id, Uuid::Generate());
  std::string hex;
  for (char c : id.ToString()) {
    if (c != '-') hex.push_back(c);
  }
  UniqueFd fd(::open(path.c_str(),
                     O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
                     0444));
  if (!fd.valid()) return ErrnoError(errno, "open '" + path + "'");
  hex.push_back('\n');
  if (::write(fd.get(), hex.data(), hex.size()) !=
      static_cast<ssize_t>(hex.size())) {
    return ErrnoError(errno, "write '" + path + "'");
  }
  return OkStatus();
}

}  // namespace

Result<IdentityMade> MakeIdentityIfNew(const std::string& ve_root,
                                       const HostKeyPool* pool) {
  IdentityMade made;
  const std::string etc = ve_root + "/etc";
  if (PathExists(etc)) {
    const std::string mid = etc + "/machine-id";
    VZ_ASSIGN_OR_RETURN(bool empty, IsEmptyOrMissing(mid));
    if (empty) {
      VZ_RETURN_IF_ERROR(WriteMachineId(mid));
      made.any = true;
    }
  }
  const std::string ssh = etc + "/ssh";
  if (PathExists(ssh + "/sshd_config") && !HasHostKeys(ssh)) {
    // From the node's pool what it has; ssh-keygen makes the rest (and
    // only runs when something is left to make).
    bool all = pool != nullptr;
    if (pool) {
      for (std::string_view type : HostKeyPool::kTypes) {
        VZ_ASSIGN_OR_RETURN(bool taken, pool->Take(type, ssh));
        all = all && taken;
      }
    }
    if (!all) {
      VZ_RETURN_IF_ERROR(
          RunChecked({"ssh-keygen", "-q", "-A", "-f", ve_root}).status());
    }
    made.any = made.host_keys = true;
  }
  return made;
}

Status CleanIdentity(const std::string& rootfs) {
  const std::string ssh = rootfs + "/etc/ssh";
  for (auto t : kKeyTypes) {
    std::string key = ssh + "/ssh_host_" + std::string(t) + "_key";
    ::unlink(key.c_str());
    ::unlink((key + ".pub").c_str());
  }
  const std::string mid = rootfs + "/etc/machine-id";
  if (PathExists(mid)) {
    VZ_RETURN_IF_ERROR(WriteFileAtomic(mid, "", 0444));
  }
  for (const char* f :
       {"/var/lib/dbus/machine-id", "/var/lib/systemd/random-seed",
        "/var/lib/systemd/credential.secret"}) {
    std::string p = rootfs + f;
    if (::unlink(p.c_str()) != 0 && errno != ENOENT) {
      return ErrnoError(errno, "remove '" + p + "'");
    }
  }
  return OkStatus();
}

}  // namespace vz::storage
