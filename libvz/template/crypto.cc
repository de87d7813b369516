#include "libvz/template/crypto.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <vector>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/opensslv.h>
#include <openssl/pem.h>

#include "base/shared_library.h"
#include "base/unique_fd.h"

namespace vz::tmpl {
namespace {

// The soname loaded below must match the headers built against.
static_assert(OPENSSL_VERSION_MAJOR == 3, "libcrypto.so.3 is OpenSSL 3");

// The OpenSSL calls we make, named as in OpenSSL, resolved once per
// process: libcrypto is loaded on first use (base/shared_library.h), as only
// create, template and key commands need it.
struct CryptoApi {
  decltype(&::ERR_clear_error) ERR_clear_error;
  decltype(&::BIO_new) BIO_new;
  decltype(&::BIO_s_mem) BIO_s_mem;
  decltype(&::BIO_new_mem_buf) BIO_new_mem_buf;
  decltype(&::BIO_ctrl) BIO_ctrl;
  decltype(&::BIO_free) BIO_free;
  decltype(&::PEM_write_bio_PUBKEY) PEM_write_bio_PUBKEY;
  decltype(&::PEM_write_bio_PrivateKey) PEM_write_bio_PrivateKey;
  decltype(&::PEM_read_bio_PrivateKey) PEM_read_bio_PrivateKey;
  decltype(&::PEM_read_bio_PUBKEY) PEM_read_bio_PUBKEY;
  decltype(&::EVP_PKEY_get_raw_public_key) EVP_PKEY_get_raw_public_key;
  decltype(&::EVP_PKEY_get_id) EVP_PKEY_get_id;
  decltype(&::EVP_PKEY_Q_keygen) EVP_PKEY_Q_keygen;
  decltype(&::EVP_PKEY_free) EVP_PKEY_free;
  decltype(&::EVP_sha256) EVP_sha256;
  decltype(&::EVP_Digest) EVP_Digest;
  decltype(&::EVP_MD_CTX_new) EVP_MD_CTX_new;
  decltype(&::EVP_MD_CTX_free) EVP_MD_CTX_free;
  decltype(&::EVP_DigestInit_ex) EVP_DigestInit_ex;
  decltype(&::EVP_DigestUpdate) EVP_DigestUpdate;
  decltype(&::EVP_DigestFinal_ex) EVP_DigestFinal_ex;
  decltype(&::EVP_DigestSignInit) EVP_DigestSignInit;
  decltype(&::EVP_DigestSign) EVP_DigestSign;
  decltype(&::EVP_DigestVerifyInit) EVP_DigestVerifyInit;
  decltype(&::EVP_DigestVerify) EVP_DigestVerify;
};

Result<const CryptoApi*> LoadCrypto() {
  static const Result<CryptoApi> api = []() -> Result<CryptoApi> {
    VZ_ASSIGN_OR_RETURN(void* lib,
                        OpenSharedLibrary("libcrypto.so.3", "libssl3"));
    CryptoApi a;
    VZ_RETURN_IF_ERROR(
        ResolveSymbol(lib, "ERR_clear_error", &a.ERR_clear_error));
    VZ_RETURN_IF_ERROR(ResolveSymbol(lib, "BIO_new", &a.BIO_new));
    VZ_RETURN_IF_ERROR(ResolveSymbol(lib, "BIO_s_mem", &a.BIO_s_mem));
    VZ_RETURN_IF_ERROR(
        ResolveSymbol(lib, "BIO_new_mem_buf", &a.BIO_new_mem_buf));
    VZ_RETURN_IF_ERROR(ResolveSymbol(lib, "BIO_ctrl", &a.BIO_ctrl));
    VZ_RETURN_IF_ERROR(ResolveSymbol(lib, "BIO_free", &a.BIO_free));
    VZ_RETURN_IF_ERROR(
        ResolveSymbol(lib, "PEM_write_bio_PUBKEY", &a.PEM_write_bio_PUBKEY));
    VZ_RETURN_IF_ERROR(ResolveSymbol(lib, "PEM_write_bio_PrivateKey",
                                     &a.PEM_write_bio_PrivateKey));
    VZ_RETURN_IF_ERROR(ResolveSymbol(lib, "PEM_read_bio_PrivateKey",
                                     &a.PEM_read_bio_PrivateKey));
    VZ_RETURN_IF_ERROR(
        ResolveSymbol(lib, "PEM_read_bio_PUBKEY", &a.PEM_read_bio_PUBKEY));
    VZ_RETURN_IF_ERROR(ResolveSymbol(lib, "EVP_PKEY_get_raw_public_key",
                                     &a.EVP_PKEY_get_raw_public_key));
    VZ_RETURN_IF_ERROR(
        ResolveSymbol(lib, "EVP_PKEY_get_id", &a.EVP_PKEY_get_id));
    VZ_RETURN_IF_ERROR(
        ResolveSymbol(lib, "EVP_PKEY_Q_keygen", &a.EVP_PKEY_Q_keygen));
    VZ_RETURN_IF_ERROR(ResolveSymbol(lib, "EVP_PKEY_free", &a.EVP_PKEY_free));
    VZ_RETURN_IF_ERROR(ResolveSymbol(lib, "EVP_sha256", &a.EVP_sha256));
    VZ_RETURN_IF_ERROR(ResolveSymbol(lib, "EVP_Digest", &a.EVP_Digest));
    VZ_RETURN_IF_ERROR(ResolveSymbol(lib, "EVP_MD_CTX_new", &a.EVP_MD_CTX_new));
    VZ_RETURN_IF_ERROR(
        ResolveSymbol(lib, "EVP_MD_CTX_free", &a.EVP_MD_CTX_free));
    VZ_RETURN_IF_ERROR(
        ResolveSymbol(lib, "EVP_DigestInit_ex", &a.EVP_DigestInit_ex));
    VZ_RETURN_IF_ERROR(
        ResolveSymbol(lib, "EVP_DigestUpdate", &a.EVP_DigestUpdate));
    VZ_RETURN_IF_ERROR(
        ResolveSymbol(lib, "EVP_DigestFinal_ex", &a.EVP_DigestFinal_ex));
    VZ_RETURN_IF_ERROR(
        ResolveSymbol(lib, "EVP_DigestSignInit", &a.EVP_DigestSignInit));
    VZ_RETURN_IF_ERROR(ResolveSymbol(lib, "EVP_DigestSign", &a.EVP_DigestSign));
    VZ_RETURN_IF_ERROR(
        ResolveSymbol(lib, "EVP_DigestVerifyInit", &a.EVP_DigestVerifyInit));
    VZ_RETURN_IF_ERROR(
        ResolveSymbol(lib, "EVP_DigestVerify", &a.EVP_DigestVerify));
    return a;
  }();
  if (!api.has_value()) return api.error();
  return &*api;
}

// For code that runs only after LoadCrypto() succeeded (deleters, helpers).
const CryptoApi& Ssl() { return **LoadCrypto(); }

struct Free {
  void operator()(EVP_PKEY* p) const { Ssl().EVP_PKEY_free(p); }
  void operator()(EVP_MD_CTX* p) const { Ssl().EVP_MD_CTX_free(p); }
  void operator()(BIO* p) const { Ssl().BIO_free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, Free>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, Free>;
using BioPtr = std::unique_ptr<BIO, Free>;

// OpenSSL keeps a per-thread error queue; empty it so a later, unrelated
// failure does not report our stale errors.
Status OpenSslError(std::string what) {
  Ssl().ERR_clear_error();
  return InternalError(std::move(what) + ": openssl failed");
}

// Never prompt on a terminal for a passphrase: encrypted keys are refused.
int NoPassphrase(char*, int, int, void*) { return 0; }

Result<std::string> BioText(BIO* bio) {
  char* data = nullptr;
  // BIO_get_mem_data(), a macro over Ssl().BIO_ctrl().
  long n = Ssl().BIO_ctrl(bio, BIO_CTRL_INFO, 0, &data);
  if (n < 0) return OpenSslError("read memory bio");
  return std::string(data, static_cast<size_t>(n));
}

Result<Ed25519Key> Describe(EVP_PKEY* pkey, bool with_private) {
  Ed25519Key key;
  unsigned char raw[32];
  size_t len = sizeof raw;
  if (Ssl().EVP_PKEY_get_raw_public_key(pkey, raw, &len) != 1 || len != 32) {
    return OpenSslError("read public key");
  }
  key.raw_public.assign(reinterpret_cast<char*>(raw), len);
  BioPtr pub(Ssl().BIO_new(Ssl().BIO_s_mem()));
  if (!pub || Ssl().PEM_write_bio_PUBKEY(pub.get(), pkey) != 1) {
    return OpenSslError("write public key");
  }
  VZ_ASSIGN_OR_RETURN(key.public_pem, BioText(pub.get()));
  if (with_private) {
    BioPtr priv(Ssl().BIO_new(Ssl().BIO_s_mem()));
    if (!priv ||
        Ssl().PEM_write_bio_PrivateKey(priv.get(), pkey, nullptr, nullptr, 0,
                                       nullptr, nullptr) != 1) {
      return OpenSslError("write private key");
    }
    VZ_ASSIGN_OR_RETURN(key.private_pem, BioText(priv.get()));
  }
  return key;
}

Result<PkeyPtr> ReadPem(std::string_view pem, bool private_key) {
  VZ_RETURN_IF_ERROR(LoadCrypto().status());
  const char* what = private_key ? "private" : "public";
  if (pem.size() > (64 << 10)) {
    return InvalidArgumentError(std::string("not an Ed25519 ") + what +
                                " key: too large");
  }
  BioPtr bio(Ssl().BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return OpenSslError("read key");
  PkeyPtr pkey(private_key ? Ssl().PEM_read_bio_PrivateKey(
                                 bio.get(), nullptr, NoPassphrase, nullptr)
                           : Ssl().PEM_read_bio_PUBKEY(bio.get(), nullptr,
                                                       NoPassphrase, nullptr));
  Ssl().ERR_clear_error();
  if (!pkey || Ssl().EVP_PKEY_get_id(pkey.get()) != EVP_PKEY_ED25519) {
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

Result<std::string> Sha256Hex(std::string_view data) {
  VZ_RETURN_IF_ERROR(LoadCrypto().status());
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (Ssl().EVP_Digest(data.data(), data.size(), md, &len, Ssl().EVP_sha256(),
                       nullptr) != 1) {
    return OpenSslError("hash");
  }
  return HexEncode(std::string_view(reinterpret_cast<char*>(md), len));
}

Result<FileDigest> Sha256File(const std::string& path) {
  VZ_RETURN_IF_ERROR(LoadCrypto().status());
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd) return ErrnoError(errno, "open '" + path + "'");
  ::posix_fadvise(fd.get(), 0, 0, POSIX_FADV_SEQUENTIAL);
  MdCtxPtr ctx(Ssl().EVP_MD_CTX_new());
  if (!ctx ||
      Ssl().EVP_DigestInit_ex(ctx.get(), Ssl().EVP_sha256(), nullptr) != 1) {
    return OpenSslError("hash '" + path + "'");
  }
  std::vector<char> buf(1 << 20);
  FileDigest digest;
  for (;;) {
    ssize_t n = ::read(fd.get(), buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoError(errno, "read '" + path + "'");
    if (n == 0) break;
    if (Ssl().EVP_DigestUpdate(ctx.get(), buf.data(), static_cast<size_t>(n)) !=
        1) {
      return OpenSslError("hash '" + path + "'");
    }
    digest.size += static_cast<uint64_t>(n);
  }
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (Ssl().EVP_DigestFinal_ex(ctx.get(), md, &len) != 1) {
    return OpenSslError("hash '" + path + "'");
  }
  digest.sha256 = HexEncode(std::string_view(reinterpret_cast<char*>(md), len));
  return digest;
}

Result<Ed25519Key> GenerateEd25519() {
  VZ_RETURN_IF_ERROR(LoadCrypto().status());
  PkeyPtr pkey(Ssl().EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
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
  MdCtxPtr ctx(Ssl().EVP_MD_CTX_new());
  unsigned char sig[64];
  size_t len = sizeof sig;
  if (!ctx ||
      Ssl().EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr,
                               pkey.get()) != 1 ||
      Ssl().EVP_DigestSign(
          ctx.get(), sig, &len,
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
  MdCtxPtr ctx(Ssl().EVP_MD_CTX_new());
  if (!ctx || Ssl().EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr,
                                         pkey.get()) != 1) {
    return OpenSslError("verify");
  }
  int rc = Ssl().EVP_DigestVerify(
      ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
      signature.size(), reinterpret_cast<const unsigned char*>(message.data()),
      message.size());
  Ssl().ERR_clear_error();
  return rc == 1;
}

}  // namespace vz::tmpl
