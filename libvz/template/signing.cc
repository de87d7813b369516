// Keys and manifest signatures (doc/templates.md §4).
#include "libvz/template/signing.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "base/file_util.h"
#include "base/reverter.h"
#include "base/unique_fd.h"
#include "libvz/template.h"
#include "libvz/template/crypto.h"

namespace vz {
namespace {

// Creates `path` with `data` and `mode`; never replaces an existing file:
// overwriting a signing key by mistake would be unrecoverable.
Status WriteNewFile(const std::string& path, std::string_view data,
                    mode_t mode) {
  UniqueFd fd(::open(path.c_str(),
                     O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
                     mode));
  if (!fd) return ErrnoError(errno, "create '" + path + "'");
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd.get(), data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoError(errno, "write '" + path + "'");
    off += static_cast<size_t>(n);
  }
  // The umask may have narrowed `mode`; a public key must stay readable.
  if (::fchmod(fd.get(), mode) != 0 || ::fsync(fd.get()) != 0) {
    return ErrnoError(errno, "sync '" + path + "'");
  }
  return FsyncDir(DirName(path));
}

}  // namespace

namespace tmpl {

std::string SignedMessage(std::string_view manifest_text) {
  return std::string(kSignatureDomain) + std::string(manifest_text);
}

}  // namespace tmpl

Result<SigningKey> GenerateSigningKey() {
  VZ_ASSIGN_OR_RETURN(auto key, tmpl::GenerateEd25519());
  return SigningKey{key.private_pem, key.public_pem,
                    tmpl::Fingerprint(key.raw_public)};
}

Status WriteSigningKey(const SigningKey& key, const std::string& private_path,
                       const std::string& public_path) {
  for (const auto* path : {&private_path, &public_path}) {
    if (PathExists(*path)) {
      return AlreadyExistsError("write key '" + *path +
                                "': refusing to replace an existing file");
    }
  }
  Reverter revert;
  VZ_RETURN_IF_ERROR(WriteNewFile(private_path, key.private_pem, 0600));
  revert.Add([&] { ::unlink(private_path.c_str()); });
  VZ_RETURN_IF_ERROR(WriteNewFile(public_path, key.public_pem, 0644));
  revert.Commit();
  return OkStatus();
}

Result<std::string> PublicKeyFingerprint(std::string_view public_pem) {
  VZ_ASSIGN_OR_RETURN(auto key, tmpl::ParsePublicPem(public_pem));
  return tmpl::Fingerprint(key.raw_public);
}

Result<std::string> PublicKeyOf(std::string_view private_pem) {
  VZ_ASSIGN_OR_RETURN(auto key, tmpl::ParsePrivatePem(private_pem));
  return key.public_pem;
}

Result<std::string> SignManifest(std::string_view manifest_text,
                                 std::string_view private_pem) {
  VZ_ASSIGN_OR_RETURN(auto key, tmpl::ParsePrivatePem(private_pem));
  VZ_ASSIGN_OR_RETURN(
      std::string sig,
      tmpl::SignEd25519(private_pem, tmpl::SignedMessage(manifest_text)));
  return FormatTemplateSignature(
      {tmpl::Fingerprint(key.raw_public), std::move(sig)});
}

}  // namespace vz
