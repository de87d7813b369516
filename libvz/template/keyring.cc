// The per-prefix keyring (doc/templates.md §5), rkt's layout:
// <dir>/prefix.d/<prefix>/<fingerprint>.pub and <dir>/root.d/<fp>.pub.
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <set>
#include <tuple>

#include "base/file_util.h"
#include "base/strings.h"
#include "libvz/exit_codes.h"
#include "libvz/template.h"
#include "libvz/template/crypto.h"

namespace vz {
namespace {

constexpr std::string_view kPubSuffix = ".pub";

// A prefix follows the template name alphabet; "" trusts every template.
Status ValidatePrefix(std::string_view prefix) {
  if (prefix.empty()) return OkStatus();
  bool ok = prefix.size() <= kMaxTemplateNameLength;
  char first = prefix.front();
  ok = ok && ((first >= 'a' && first <= 'z') || (first >= '0' && first <= '9'));
  for (char c : prefix) {
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
                c == '_' || c == '-');
  }
  if (ok) return OkStatus();
  return InvalidArgumentError("invalid trust prefix '" + std::string(prefix) +
                              "': expected [a-z0-9][a-z0-9._-]*")
      .WithExitCode(kVzInvalidParameterValue);
}

std::string KeyDir(const std::string& dir, std::string_view prefix) {
  return prefix.empty() ? JoinPath(dir, "root.d")
                        : JoinPath(JoinPath(dir, "prefix.d"), prefix);
}

// The keys filed in one directory (a prefix's or root.d).
Status ListKeyDir(const std::string& key_dir, const std::string& prefix,
                  std::vector<TrustedKey>* out) {
  if (!PathExists(key_dir)) return OkStatus();
  VZ_ASSIGN_OR_RETURN(auto names, ListDir(key_dir));
  for (const auto& name : names) {
    if (name.size() <= kPubSuffix.size() ||
        name.compare(name.size() - kPubSuffix.size(), kPubSuffix.size(),
                     kPubSuffix) != 0) {
      continue;
    }
    std::string path = JoinPath(key_dir, name);
    VZ_ASSIGN_OR_RETURN(std::string pem, ReadFile(path, 64 << 10));
    auto key = tmpl::ParsePublicPem(pem);
    if (!key)
      return std::move(key).error().WithContext("read key '" + path + "'");
    std::string fp = tmpl::Fingerprint(key->raw_public);
    // A file whose name is not its key's fingerprint was not written by us.
    if (name != fp + std::string(kPubSuffix)) {
      return DataLossError("read key '" + path +
                           "': the file name is not the key's fingerprint '" +
                           fp + "'");
    }
    out->push_back({prefix, fp, path, key->public_pem});
  }
  return OkStatus();
}

}  // namespace

Result<TrustedKey> Keyring::Add(std::string_view prefix,
                                std::string_view public_pem) {
  VZ_RETURN_IF_ERROR(ValidatePrefix(prefix));
  auto key = tmpl::ParsePublicPem(public_pem);
  if (!key) {
    return std::move(key).error().WithExitCode(kVzInvalidParameterValue);
  }
  std::string fp = tmpl::Fingerprint(key->raw_public);
  std::string key_dir = KeyDir(dir_, prefix);
  std::string path = JoinPath(key_dir, fp + std::string(kPubSuffix));
  TrustedKey trusted{std::string(prefix), fp, path, key->public_pem};
  if (PathExists(path)) return trusted;
  VZ_RETURN_IF_ERROR(MakeDirs(key_dir, 0755));
  VZ_RETURN_IF_ERROR(WriteFileAtomic(path, key->public_pem, 0644));
  return trusted;
}

Result<std::vector<TrustedKey>> Keyring::List() const {
  std::vector<TrustedKey> keys;
  VZ_RETURN_IF_ERROR(ListKeyDir(KeyDir(dir_, ""), "", &keys));
  std::string prefixes = JoinPath(dir_, "prefix.d");
  if (PathExists(prefixes)) {
    VZ_ASSIGN_OR_RETURN(auto names, ListDir(prefixes));
    for (const auto& prefix : names) {
      // An empty or odd directory name here is not a prefix of ours.
      if (prefix.empty() || !ValidatePrefix(prefix).ok()) continue;
      VZ_RETURN_IF_ERROR(ListKeyDir(KeyDir(dir_, prefix), prefix, &keys));
    }
  }
  std::sort(keys.begin(), keys.end(), [](const auto& a, const auto& b) {
    return std::tie(a.prefix, a.fingerprint) <
           std::tie(b.prefix, b.fingerprint);
  });
  return keys;
}

Result<std::vector<TrustedKey>> Keyring::KeysFor(std::string_view name) const {
  VZ_ASSIGN_OR_RETURN(auto all, List());
  std::vector<TrustedKey> out;
  for (auto& key : all) {
    if (name.substr(0, key.prefix.size()) == key.prefix) {
      out.push_back(std::move(key));
    }
  }
  return out;
}

Result<std::vector<TrustedKey>> Keyring::Remove(std::string_view fingerprint,
                                                const std::string* prefix) {
  std::string fp = ToLower(fingerprint);
  if (fp.size() < 8 || fp.size() > 64 || !tmpl::IsLowerHex(fp, fp.size())) {
    return InvalidArgumentError("invalid key fingerprint '" +
                                std::string(fingerprint) +
                                "': expected 8 to 64 hex characters")
        .WithExitCode(kVzInvalidParameterValue);
  }
  if (prefix) VZ_RETURN_IF_ERROR(ValidatePrefix(*prefix));
  VZ_ASSIGN_OR_RETURN(auto all, List());
  std::vector<TrustedKey> matches;
  std::set<std::string> distinct;
  for (auto& key : all) {
    if (key.fingerprint.rfind(fp, 0) != 0) continue;
    if (prefix && key.prefix != *prefix) continue;
    distinct.insert(key.fingerprint);
    matches.push_back(std::move(key));
  }
  if (matches.empty()) {
    return NotFoundError("no trusted key '" + fp + "'" +
                         (prefix ? " for prefix '" + *prefix + "'" : ""))
        .WithExitCode(kVzInvalidParameterValue);
  }
  if (distinct.size() > 1) {
    return InvalidArgumentError("key fingerprint '" + fp +
                                "' is ambiguous: give more of it")
        .WithExitCode(kVzInvalidParameterValue);
  }
  for (const auto& key : matches) {
    if (::unlink(key.path.c_str()) != 0 && errno != ENOENT) {
      return ErrnoError(errno, "remove key '" + key.path + "'");
    }
    // The prefix's directory goes when its last key does; a failure (not
    // empty) is fine.
    if (!key.prefix.empty()) ::rmdir(DirName(key.path).c_str());
  }
  return matches;
}

}  // namespace vz
