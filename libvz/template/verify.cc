// TemplateStore::Verify and RecordLinkChange (doc/templates.md §6, §7).
#include "base/file_util.h"
#include "base/strings.h"
#include "libvz/exit_codes.h"
#include "libvz/template.h"
#include "libvz/template/crypto.h"
#include "libvz/template/seal.h"
#include "libvz/template/signing.h"
#include "libvz/template/store_internal.h"

namespace vz {
namespace {

Status Changed(std::string why) {
  return DataLossError(std::move(why)).WithExitCode(kVzFsBadTmpl);
}

Status Untrusted(std::string why) {
  return FailedPreconditionError(std::move(why)).WithExitCode(kVzFsBadTmpl);
}

// Finds out who signed `text` and whether that key is trusted for `name`.
// Fills signer/trusted_prefix, or returns the reason it is not trusted as
// an Untrusted error; a signature that fails with a trusted key is
// Changed (never excused).
Status CheckSignature(const Keyring& keyring, const std::string& dir,
                      std::string_view name, std::string_view text,
                      TemplateVerification* v) {
  auto sig_text = ReadFile(JoinPath(dir, "manifest.sig"), 4096);
  if (!sig_text) {
    if (sig_text.error().code() == Code::kNotFound) {
      return Untrusted("not signed (no manifest.sig)");
    }
    return std::move(sig_text).error();
  }
  VZ_ASSIGN_OR_RETURN(auto sig, ParseTemplateSignature(*sig_text));
  VZ_ASSIGN_OR_RETURN(auto trusted, keyring.KeysFor(name));
  for (const auto& key : trusted) {
    if (key.fingerprint != sig.fingerprint) continue;
    VZ_ASSIGN_OR_RETURN(
        bool good,
        tmpl::VerifyEd25519(key.public_pem, tmpl::SignedMessage(text),
                            sig.signature));
    if (!good) return Changed("signature does not match the manifest");
    v->signer = key.fingerprint;
    v->trusted_prefix = key.prefix;
    return OkStatus();
  }
  VZ_ASSIGN_OR_RETURN(auto all, keyring.List());
  std::vector<std::string> elsewhere;
  for (const auto& key : all) {
    if (key.fingerprint == sig.fingerprint) {
      elsewhere.push_back("'" + key.prefix + "'");
    }
  }
  if (elsewhere.empty()) {
    return Untrusted("signed by unknown key '" + sig.fingerprint + "'");
  }
  return Untrusted("signed by key '" + sig.fingerprint +
                   "', which is trusted only for " + Join(elsewhere, ", "));
}

// Each file exists as a regular file of the listed size; returns its state.
Result<std::vector<tmpl::FileState>> StatFiles(const std::string& dir,
                                               const TemplateManifest& m) {
  std::vector<tmpl::FileState> states;
  for (const auto& f : m.files) {
    auto st = tmpl::StatFile(dir, f.name);
    if (!st) {
      if (st.error().code() == Code::kNotFound) {
        return Changed("file '" + f.name + "' is missing");
      }
      return std::move(st).error();
    }
    if (st->size != f.size) {
      return Changed("file '" + f.name + "': expected " +
                     std::to_string(f.size) + " bytes, found " +
                     std::to_string(st->size));
    }
    states.push_back(std::move(*st));
  }
  return states;
}

Status HashFiles(const std::string& dir, const TemplateManifest& m) {
  for (const auto& f : m.files) {
    VZ_ASSIGN_OR_RETURN(auto digest, tmpl::Sha256File(JoinPath(dir, f.name)));
    if (digest.sha256 != f.sha256 || digest.size != f.size) {
      return Changed("file '" + f.name +
                     "' does not match the manifest (sha256 " + digest.sha256 +
                     ", expected " + f.sha256 + ")");
    }
  }
  return OkStatus();
}

Result<TemplateVerification> VerifyIn(const TemplateStore& store,
                                      const std::string& dir,
                                      std::string_view name,
                                      const VerifyOptions& options) {
  TemplateVerification v;
  v.name = std::string(name);
  VZ_ASSIGN_OR_RETURN(std::string text, tmpl::ReadManifestText(dir));
  VZ_ASSIGN_OR_RETURN(v.manifest, ParseTemplateManifest(text));
  if (v.manifest.name != name) {
    return Changed("manifest names '" + v.manifest.name + "'");
  }
  VZ_ASSIGN_OR_RETURN(v.manifest_sha256, tmpl::Sha256Hex(text));
  Status trust = CheckSignature(store.keyring(), dir, name, text, &v);
  if (!trust.ok()) {
    if (trust.code() != Code::kFailedPrecondition || !options.allow_unsigned) {
      return trust;
    }
    v.unsigned_allowed = true;
    v.unsigned_reason = trust.message();
  }
  VZ_ASSIGN_OR_RETURN(v.files, StatFiles(dir, v.manifest));
  std::string seal_path = JoinPath(dir, "seal");
  if (!options.full) {
    auto seal = tmpl::ReadSeal(seal_path);
    if (seal && seal->manifest_sha256 == v.manifest_sha256 &&
        seal->files == v.files) {
      v.sealed = true;
      return v;
    }
  }
  VZ_RETURN_IF_ERROR(HashFiles(dir, v.manifest));
  v.rehashed = true;
  // Seal only what did not change while it was hashed.
  VZ_ASSIGN_OR_RETURN(auto after, StatFiles(dir, v.manifest));
  if (after != v.files) {
    return Changed("files changed while being verified");
  }
  // A store we cannot write (read-only media) still verifies; it just
  // hashes again next time, and `sealed` says so.
  v.sealed = tmpl::WriteSeal(seal_path, {v.manifest_sha256, v.files}).ok();
  return v;
}

}  // namespace

Result<TemplateVerification> TemplateStore::Verify(
    std::string_view name, const VerifyOptions& options) const {
  VZ_ASSIGN_OR_RETURN(std::string dir, tmpl::ExistingDir(*this, name));
  auto v = VerifyIn(*this, dir, name, options);
  if (!v) {
    return std::move(v).error().WithContext("verify template '" +
                                            std::string(name) + "'");
  }
  return v;
}

Status TemplateStore::RecordLinkChange(
    const TemplateVerification& verified) const {
  std::string context = "reseal template '" + verified.name + "'";
  auto dir = tmpl::ExistingDir(*this, verified.name);
  if (!dir) return std::move(dir).error();
  auto text = tmpl::ReadManifestText(*dir);
  if (!text) return std::move(text).error().WithContext(context);
  auto now = tmpl::Sha256Hex(*text);
  if (!now.has_value()) return std::move(now).error().WithContext(context);
  if (*now != verified.manifest_sha256) {
    return Changed(context + ": manifest changed since it was verified");
  }
  tmpl::Seal seal{verified.manifest_sha256, {}};
  for (const auto& was : verified.files) {
    auto now = tmpl::StatFile(*dir, was.name);
    if (!now) return std::move(now).error().WithContext(context);
    if (now->ino != was.ino || now->size != was.size ||
        now->mtime_ns != was.mtime_ns) {
      return Changed(context + ": file '" + was.name +
                     "' changed since it was verified");
    }
    seal.files.push_back(std::move(*now));
  }
  return tmpl::WriteSeal(JoinPath(*dir, "seal"), seal);
}

}  // namespace vz
