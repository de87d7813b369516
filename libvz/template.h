// OS templates (doc/templates.md): a read-only ploop base image, a manifest
// that names it and pins its bytes (sha256), a detached Ed25519 signature
// of the manifest checked against a per-prefix keyring (rkt style), and a
// root-only seal that spares re-hashing an unchanged image.
//
// Errors name the template and the reason; integrity and trust failures
// carry exit 47 (VZ_FS_BAD_TMPL), a missing template 91
// (VZ_PKGSET_NOT_FOUND). Cryptography is OpenSSL 3 (EVP).
//
// Thread-safety: values and free functions; TemplateStore and Keyring are
// cheap handles on directories and may be used from several threads, but
// changing one template (write, sign, relink) needs the template's lock
// (ContainerLock::AcquireTemplate).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace vz {

class NodeConfig;

inline constexpr size_t kMaxTemplateNameLength = 64;

// [a-z0-9][a-z0-9._-]*, at most 64 characters ("debian-12-x86_64").
// Errors: kInvalidArgument, exit 21, naming the value.
Status ValidateTemplateName(std::string_view name);

// An OSTEMPLATE value without OpenVZ's leading '.' (EZ template marker),
// validated. Errors: as ValidateTemplateName.
Result<std::string> NormalizeOsTemplate(std::string_view value);

// ---------------------------------------------------------------------------
// Manifest (doc/templates.md §3).

struct TemplateFile {
  std::string name;    // "root.hds"
  uint64_t size = 0;   // bytes
  std::string sha256;  // 64 lowercase hex
  friend bool operator==(const TemplateFile&, const TemplateFile&) = default;
};

struct TemplatePackage {
  std::string name;
  std::string version;
  friend bool operator==(const TemplatePackage&,
                         const TemplatePackage&) = default;
};

struct TemplateManifest {
  static constexpr int kFormat = 1;
  std::string name;
  std::string version;
  std::string os;
  std::string arch;
  std::chrono::system_clock::time_point created;  // whole seconds
  uint64_t virtual_size = 0;
  std::vector<TemplateFile> files;        // sorted by name, at least one
  std::vector<TemplatePackage> packages;  // sorted by name, may be empty
  friend bool operator==(const TemplateManifest&,
                         const TemplateManifest&) = default;
};

// Parses the canonical text. Errors: kInvalidArgument, exit 47,
// "manifest line N: <why>".
Result<TemplateManifest> ParseTemplateManifest(std::string_view text);
// The canonical text. Errors: kInvalidArgument (exit 21) when a field
// breaks the format's rules (so a bad manifest is never written).
Result<std::string> FormatTemplateManifest(const TemplateManifest& manifest);

// ---------------------------------------------------------------------------
// Keys and signatures (doc/templates.md §4).

struct SigningKey {
  std::string private_pem;  // PKCS#8
  std::string public_pem;   // SubjectPublicKeyInfo
  std::string fingerprint;  // sha256 of the raw public key, 64 hex
};

// A fresh Ed25519 key pair. Errors: kInternal if OpenSSL fails.
Result<SigningKey> GenerateSigningKey();
// Writes the private key (0600) and the public key (0644); refuses to
// replace either (kAlreadyExists). Errors: I/O errors.
Status WriteSigningKey(const SigningKey& key, const std::string& private_path,
                       const std::string& public_path);
// The fingerprint of an Ed25519 public key (PEM). Errors: kInvalidArgument
// when it is not one.
Result<std::string> PublicKeyFingerprint(std::string_view public_pem);
// The public key (PEM) of a private key (PEM). Errors: kInvalidArgument.
Result<std::string> PublicKeyOf(std::string_view private_pem);

// The contents of manifest.sig for `manifest_text`, signed with the
// Ed25519 private key `private_pem`. Errors: kInvalidArgument for a key
// that is not an Ed25519 private key.
Result<std::string> SignManifest(std::string_view manifest_text,
                                 std::string_view private_pem);

struct TemplateSignature {
  std::string fingerprint;  // of the signing key
  std::string signature;    // 64 bytes, raw
};
// Errors: kInvalidArgument, exit 47, "manifest.sig line N: <why>".
Result<TemplateSignature> ParseTemplateSignature(std::string_view text);
std::string FormatTemplateSignature(const TemplateSignature& sig);

// ---------------------------------------------------------------------------
// Trust (doc/templates.md §5).

struct TrustedKey {
  std::string prefix;  // "" = every template (root.d)
  std::string fingerprint;
  std::string path;  // the .pub file
  std::string public_pem;
};

// The keyring under <root>/etc/vz/keys (NodeConfig::keys_dir()).
class Keyring {
 public:
  explicit Keyring(std::string dir) : dir_(std::move(dir)) {}
  const std::string& dir() const { return dir_; }

  // Trusts `public_pem` for names starting with `prefix` ("" = all).
  // Adding it again is a no-op. Errors: kInvalidArgument for a bad prefix
  // or a key that is not an Ed25519 public key (exit 21); I/O errors.
  Result<TrustedKey> Add(std::string_view prefix, std::string_view public_pem);
  // Every trusted key, sorted by prefix, then fingerprint. Errors: a key
  // file that does not parse; I/O errors.
  Result<std::vector<TrustedKey>> List() const;
  // Keys trusted for template `name` (their prefix starts the name).
  Result<std::vector<TrustedKey>> KeysFor(std::string_view name) const;
  // Removes the key `fingerprint` (full, or a unique abbreviation of 8+ hex
  // characters) from `prefix`, or from every prefix when `prefix` is null.
  // Returns what was removed. Errors: kNotFound (exit 21) when nothing
  // matches; kInvalidArgument for an ambiguous abbreviation.
  Result<std::vector<TrustedKey>> Remove(std::string_view fingerprint,
                                         const std::string* prefix = nullptr);

 private:
  std::string dir_;
};

// ---------------------------------------------------------------------------
// The template store: writing, signing, verifying (doc/templates.md §6-7).

// Who may use a template, as Verify found it.
struct TemplateVerification {
  struct FileState {
    std::string name;
    ino_t ino = 0;
    uint64_t size = 0;
    int64_t mtime_ns = 0;
    int64_t ctime_ns = 0;
    friend bool operator==(const FileState&, const FileState&) = default;
  };

  std::string name;
  TemplateManifest manifest;
  std::string manifest_sha256;
  // Signed by a key trusted for this name, or let through by
  // --allow-unsigned: then unsigned_reason says why it is not trusted, and
  // the CLI must say so loudly.
  bool unsigned_allowed = false;
  std::string unsigned_reason;
  std::string signer;          // fingerprint, when trusted
  std::string trusted_prefix;  // the prefix the signer is trusted for
  bool rehashed = false;       // false when the seal spared the hashing
  bool sealed = false;         // a seal now matches the files
  std::vector<FileState> files;
};

struct VerifyOptions {
  // Let an unsigned template, or one signed by a key not trusted for its
  // name, through (local builds). Never excuses a failing signature by a
  // trusted key or a file that does not match.
  bool allow_unsigned = false;
  // Hash every file even when the seal matches (vztmpl verify).
  bool full = false;
};

// What WriteManifest needs besides the files' hashes.
struct TemplateInfo {
  std::string version;
  std::string os;
  std::string arch;
  uint64_t virtual_size = 0;
  std::chrono::system_clock::time_point created;  // rounded to seconds
  std::vector<std::string> files;                 // in the template's directory
  std::vector<TemplatePackage> packages;
};

class TemplateStore {
 public:
  TemplateStore(std::string template_dir, std::string keys_dir)
      : dir_(std::move(template_dir)), keyring_(std::move(keys_dir)) {}
  static TemplateStore ForNode(const NodeConfig& node);

  const std::string& dir() const { return dir_; }
  const Keyring& keyring() const { return keyring_; }
  Keyring& keyring() { return keyring_; }
  // <template_dir>/<name>; `name` must be valid.
  std::string DirOf(std::string_view name) const;

  // Names of the directories that hold a manifest, sorted.
  Result<std::vector<std::string>> List() const;

  // Hashes info.files in the template's directory and writes `manifest`
  // (0444), replacing any manifest.sig (now stale) and sealing the files
  // (their state before and after hashing must agree). Errors: invalid
  // name or fields (21); kNotFound (91) for a missing directory; a missing
  // or non-regular file (47); I/O errors.
  Result<TemplateManifest> WriteManifest(std::string_view name,
                                         const TemplateInfo& info) const;

  // Signs the template's manifest with `private_pem`, writing manifest.sig
  // (0444). Errors: as Verify for a missing template or manifest; a bad key.
  Status Sign(std::string_view name, std::string_view private_pem) const;

  // Checks template `name` (doc/templates.md §7): manifest, signature and
  // trust, files against the seal or, failing that, their hashes; renews
  // the seal after a full pass. Errors (context "verify template 'NAME'"):
  // kNotFound, exit 91, when absent; kFailedPrecondition (untrusted) or
  // kDataLoss (changed), exit 47, with the reason.
  Result<TemplateVerification> Verify(std::string_view name,
                                      const VerifyOptions& options = {}) const;

  // After the caller hard-linked or unlinked the verified image (which
  // changes its ctime), records the new ctimes in the seal. Accepts only a
  // ctime change: inode, size and mtime must be those `verified` saw.
  // Errors: kDataLoss (exit 47) when anything else changed; I/O errors.
  Status RecordLinkChange(const TemplateVerification& verified) const;

 private:
  std::string dir_;
  Keyring keyring_;
};

}  // namespace vz
