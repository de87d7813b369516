// OpenSSL 3 (EVP) behind small functions: SHA-256 of bytes and of files
// (streamed), Ed25519 keys, signatures and fingerprints, hex. Private to
// libvz; the public face is libvz/template.h. Thread-safe (OpenSSL 3 is).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace vz::tmpl {

// Lowercase hex of `bytes`.
std::string HexEncode(std::string_view bytes);
// Bytes of lowercase hex. Errors: kInvalidArgument for odd length or a
// character outside [0-9a-f].
Result<std::string> HexDecode(std::string_view hex);
bool IsLowerHex(std::string_view s, size_t length);

// Lowercase hex SHA-256 of `data`. Errors: kFailedPrecondition when
// libcrypto cannot be loaded.
Result<std::string> Sha256Hex(std::string_view data);

struct FileDigest {
  std::string sha256;  // lowercase hex
  uint64_t size = 0;   // bytes hashed
};
// Streams `path` (never following a symlink) through SHA-256 in 1 MiB
// chunks, so images of any size hash in constant memory. Errors: as
// open/read.
Result<FileDigest> Sha256File(const std::string& path);

struct Ed25519Key {
  std::string private_pem;  // PKCS#8
  std::string public_pem;   // SPKI
  std::string raw_public;   // 32 bytes
};
// Errors: kInternal when OpenSSL fails.
Result<Ed25519Key> GenerateEd25519();
// The 32 raw bytes of an Ed25519 public key in PEM, and its canonical PEM.
// Errors: kInvalidArgument when `pem` is not an Ed25519 public key.
Result<Ed25519Key> ParsePublicPem(std::string_view pem);
// As ParsePublicPem for a private key (the public half is filled in);
// encrypted keys are refused rather than prompting for a passphrase.
Result<Ed25519Key> ParsePrivatePem(std::string_view pem);

// SHA-256 of the raw public key, lowercase hex. Keys come from
// ParsePublicPem and friends, which loaded libcrypto already.
inline std::string Fingerprint(std::string_view raw_public) {
  return Sha256Hex(raw_public).value_or("");
}

// A 64-byte Ed25519 signature of `message`. Errors: as ParsePrivatePem.
Result<std::string> SignEd25519(std::string_view private_pem,
                                std::string_view message);
// Whether `signature` is `message` signed by `public_pem`. Errors: as
// ParsePublicPem.
Result<bool> VerifyEd25519(std::string_view public_pem,
                           std::string_view message,
                           std::string_view signature);

}  // namespace vz::tmpl
