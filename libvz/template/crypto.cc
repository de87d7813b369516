#include "libvz/template/crypto.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <vector>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "base/unique_fd.h"

namespace vz::tmpl {
namespace {

struct Free {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
  void operator()(BIO* p) const { BIO_free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, Free>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, Free>;
using BioPtr = std::unique_ptr<BIO, Free>;

// OpenSSL keeps a per-thread error queue; empty it so a later, unrelated
// failure does not report our stale errors.
Status OpenSslError(std::string what) {
  ERR_clear_error();
  return InternalError(std::move(what) + ": openssl failed");
}

// Never prompt on a terminal for a passphrase: encrypted keys are refused.
int NoPassphrase(char*, int, int, void*) { return 0; }

Result<std::string> BioText(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  if (n < 0) return OpenSslError("read memory bio");
  return std::string(data, static_cast<size_t>(n));
}

Result<Ed25519Key> Describe(EVP_PKEY* pkey, bool with_private) {
  Ed25519Key key;
  unsigned char raw[32];
  size_t len = sizeof raw;
  if (EVP_PKEY_get_raw_public_key(pkey, raw, &len) != 1 || len != 32) {
    return OpenSslError("read public key");
  }
  key.raw_public.assign(reinterpret_cast<char*>(raw), len);
  BioPtr pub(BIO_new(BIO_s_mem()));
  if (!pub || PEM_write_bio_PUBKEY(pub.get(), pkey) != 1) {
    return OpenSslError("write public key");
  }
  VZ_ASSIGN_OR_RETURN(key.public_pem, BioText(pub.get()));
  if (with_private) {
    BioPtr priv(BIO_new(BIO_s_mem()));
    if (!priv || PEM_write_bio_PrivateKey(priv.get(), pkey, nullptr, nullptr, 0,
                                          nullptr, nullptr) != 1) {
      return OpenSslError("write private key");
    }
    VZ_ASSIGN_OR_RETURN(key.private_pem, BioText(priv.get()));
  }
  return key;
}

Result<PkeyPtr> ReadPem(std::string_view pem, bool private_key) {
  const char* what = private_key ? "private" : "public";
  if (pem.size() > (64 << 10)) {
    return InvalidArgumentError(std::string("not an Ed25519 ") + what +
                                " key: too large");
  }
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return OpenSslError("read key");
  PkeyPtr pkey(
      private_key
          ? PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassphrase, nullptr)
          : PEM_read_bio_PUBKEY(bio.get(), nullptr, NoPassphrase, nullptr));
  ERR_clear_error();
  if (!pkey || EVP_PKEY_get_id(pkey.get()) != EVP_PKEY_ED25519) {
    return InvalidArgumentError(std::string("not an Ed25519 ") + what +
                                " key in PEM form");
  }
  return pkey;
}

}  // namespace

std::string HexEncode(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

bool IsLowerHex(std::string_view s, size_t length) {
  if (s.size() != length) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

Result<std::string> HexDecode(std::string_view hex) {
  if (!IsLowerHex(hex, hex.size()) || hex.size() % 2 != 0) {
    return InvalidArgumentError("expected lowercase hex");
  }
  auto nibble = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
  std::string out;
  for (size_t i = 0; i < hex.size(); i += 2) {
    out.push_back(static_cast<char>(nibble(hex[i]) << 4 | nibble(hex[i + 1])));
  }
  return out;
}

std::string Sha256Hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  // EVP_Digest only fails on allocation failure, which aborts elsewhere too.
  if (EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr) !=
      1) {
    ERR_clear_error();
    return "";
  }
  return HexEncode(std::string_view(reinterpret_cast<char*>(md), len));
}

Result<FileDigest> Sha256File(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd) return ErrnoError(errno, "open '" + path + "'");
  ::posix_fadvise(fd.get(), 0, 0, POSIX_FADV_SEQUENTIAL);
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) {
    return OpenSslError("hash '" + path + "'");
  }
  std::vector<char> buf(1 << 20);
  FileDigest digest;
  for (;;) {
    ssize_t n = ::read(fd.get(), buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoError(errno, "read '" + path + "'");
    if (n == 0) break;
    if (EVP_DigestUpdate(ctx.get(), buf.data(), static_cast<size_t>(n)) != 1) {
      return OpenSslError("hash '" + path + "'");
    }
    digest.size += static_cast<uint64_t>(n);
  }
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx.get(), md, &len) != 1) {
    return OpenSslError("hash '" + path + "'");
  }
  digest.sha256 = HexEncode(std::string_view(reinterpret_cast<char*>(md), len));
  return digest;
}

Result<Ed25519Key> GenerateEd25519() {
  PkeyPtr pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  if (!pkey) return OpenSslError("generate ed25519 key");
  return Describe(pkey.get(), true);
}

Result<Ed25519Key> ParsePublicPem(std::string_view pem) {
  VZ_ASSIGN_OR_RETURN(PkeyPtr pkey, ReadPem(pem, false));
  return Describe(pkey.get(), false);
}

Result<Ed25519Key> ParsePrivatePem(std::string_view pem) {
  VZ_ASSIGN_OR_RETURN(PkeyPtr pkey, ReadPem(pem, true));
  return Describe(pkey.get(), true);
}

Result<std::string> SignEd25519(std::string_view private_pem,
                                std::string_view message) {
  VZ_ASSIGN_OR_RETURN(PkeyPtr pkey, ReadPem(private_pem, true));
  MdCtxPtr ctx(EVP_MD_CTX_new());
  unsigned char sig[64];
  size_t len = sizeof sig;
  if (!ctx ||
      EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, pkey.get()) !=
          1 ||
      EVP_DigestSign(ctx.get(), sig, &len,
                     reinterpret_cast<const unsigned char*>(message.data()),
                     message.size()) != 1 ||
      len != sizeof sig) {
    return OpenSslError("sign");
  }
  return std::string(reinterpret_cast<char*>(sig), len);
}

Result<bool> VerifyEd25519(std::string_view public_pem,
                           std::string_view message,
                           std::string_view signature) {
  VZ_ASSIGN_OR_RETURN(PkeyPtr pkey, ReadPem(public_pem, false));
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr,
                                   pkey.get()) != 1) {
    return OpenSslError("verify");
  }
  int rc = EVP_DigestVerify(
      ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
      signature.size(), reinterpret_cast<const unsigned char*>(message.data()),
      message.size());
  ERR_clear_error();
  return rc == 1;
}

}  // namespace vz::tmpl
