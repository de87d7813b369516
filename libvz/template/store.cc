// TemplateStore: writing and signing manifests, listing templates
// (doc/templates.md §1, §3, §4). Verification is in verify.cc.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "base/file_util.h"
#include "libvz/exit_codes.h"
#include "libvz/node_config.h"
#include "libvz/template.h"
#include "libvz/template/crypto.h"
#include "libvz/template/seal.h"
#include "libvz/template/store_internal.h"

namespace vz {

namespace tmpl {

Status TemplateNotFound(std::string_view name) {
  return NotFoundError("template '" + std::string(name) + "' not found")
      .WithExitCode(kVzPkgSetNotFound);
}

Result<std::string> ExistingDir(const TemplateStore& store,
                                std::string_view name) {
  VZ_RETURN_IF_ERROR(ValidateTemplateName(name));
  std::string dir = store.DirOf(name);
  struct stat st;
  if (::lstat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return TemplateNotFound(name);
  }
  return dir;
}

Result<std::string> ReadManifestText(const std::string& dir) {
  auto text = ReadFile(JoinPath(dir, "manifest"), 1 << 20);
  if (text) return text;
  if (text.error().code() == Code::kNotFound) {
    return DataLossError("no manifest").WithExitCode(kVzFsBadTmpl);
  }
  if (text.error().code() == Code::kResourceExhausted) {
    return DataLossError("manifest larger than 1048576 bytes")
        .WithExitCode(kVzFsBadTmpl);
  }
  return std::move(text).error();
}

}  // namespace tmpl

TemplateStore TemplateStore::ForNode(const NodeConfig& node) {
  return TemplateStore(node.template_dir(), node.keys_dir());
}

std::string TemplateStore::DirOf(std::string_view name) const {
  return JoinPath(dir_, name);
}

Result<std::vector<std::string>> TemplateStore::List() const {
  std::vector<std::string> names;
  if (!PathExists(dir_)) return names;
  VZ_ASSIGN_OR_RETURN(auto entries, ListDir(dir_));
  for (auto& entry : entries) {
    if (ValidateTemplateName(entry).ok() &&
        PathExists(JoinPath(DirOf(entry), "manifest"))) {
      names.push_back(std::move(entry));
    }
  }
  return names;
}

Result<TemplateManifest> TemplateStore::WriteManifest(
    std::string_view name, const TemplateInfo& info) const {
  VZ_ASSIGN_OR_RETURN(std::string dir, tmpl::ExistingDir(*this, name));
  TemplateManifest m{std::string(name),
                     info.version,
                     info.os,
                     info.arch,
                     std::chrono::floor<std::chrono::seconds>(info.created),
                     info.virtual_size,
                     {},
                     info.packages};
  std::sort(m.packages.begin(), m.packages.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  std::vector<std::string> files = info.files;
  std::sort(files.begin(), files.end());
  tmpl::Seal seal;
  for (const auto& file : files) {
    // The file must not change while it is hashed, or the seal would vouch
    // for bytes nobody hashed.
    auto before = tmpl::StatFile(dir, file);
    if (!before) {
      return std::move(before).error().WithContext("write manifest of '" +
                                                   std::string(name) + "'");
    }
    VZ_ASSIGN_OR_RETURN(auto digest, tmpl::Sha256File(JoinPath(dir, file)));
    VZ_ASSIGN_OR_RETURN(auto after, tmpl::StatFile(dir, file));
    if (after != *before || digest.size != after.size) {
      return AbortedError("write manifest of '" + std::string(name) +
                          "': file '" + file + "' changed while being hashed");
    }
    m.files.push_back({file, digest.size, digest.sha256});
    seal.files.push_back(after);
  }
  VZ_ASSIGN_OR_RETURN(std::string text, FormatTemplateManifest(m));
  // A signature of the previous manifest would now fail: remove it.
  std::string sig = JoinPath(dir, "manifest.sig");
  if (::unlink(sig.c_str()) != 0 && errno != ENOENT) {
    return ErrnoError(errno, "remove '" + sig + "'");
  }
  VZ_RETURN_IF_ERROR(WriteFileAtomic(JoinPath(dir, "manifest"), text, 0444));
  VZ_ASSIGN_OR_RETURN(seal.manifest_sha256, tmpl::Sha256Hex(text));
  VZ_RETURN_IF_ERROR(tmpl::WriteSeal(JoinPath(dir, "seal"), seal));
  return m;
}

Status TemplateStore::Sign(std::string_view name,
                           std::string_view private_pem) const {
  std::string context = "sign template '" + std::string(name) + "'";
  auto dir = tmpl::ExistingDir(*this, name);
  if (!dir) return std::move(dir).error();
  auto text = tmpl::ReadManifestText(*dir);
  if (!text) return std::move(text).error().WithContext(context);
  auto manifest = ParseTemplateManifest(*text);
  if (!manifest) return std::move(manifest).error().WithContext(context);
  if (manifest->name != name) {
    return DataLossError(context + ": manifest names '" + manifest->name + "'")
        .WithExitCode(kVzFsBadTmpl);
  }
  auto sig = SignManifest(*text, private_pem);
  if (!sig) return std::move(sig).error().WithContext(context);
  return WriteFileAtomic(JoinPath(*dir, "manifest.sig"), *sig, 0444);
}

}  // namespace vz
