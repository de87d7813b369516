#include "libvz/template/crypto.h"

#include <gtest/gtest.h>

#include "base/file_util.h"
#include "base/testing/golden.h"
#include "base/testing/temp_dir.h"

namespace vz::tmpl {
namespace {

std::string Data(const std::string& name) {
  return *ReadFile(testing::TestDataPath("libvz/template/" + name));
}

TEST(CryptoTest, Hex) {
  EXPECT_EQ(HexEncode(std::string("\x00\x9f\xff", 3)), "009fff");
  EXPECT_EQ(*HexDecode("009fff"), std::string("\x00\x9f\xff", 3));
  EXPECT_FALSE(HexDecode("0").has_value());
  EXPECT_FALSE(HexDecode("AB").has_value());
  EXPECT_FALSE(HexDecode("zz").has_value());
  EXPECT_TRUE(IsLowerHex("00ff", 4));
  EXPECT_FALSE(IsLowerHex("00FF", 4));
  EXPECT_FALSE(IsLowerHex("00f", 4));
}

TEST(CryptoTest, Sha256KnownAnswers) {
  EXPECT_EQ(Sha256Hex("").value_or("?"),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc").value_or("?"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

// A file larger than the 1 MiB chunk, with a tail that is not a whole
// chunk, hashes as its bytes do in memory.
TEST(CryptoTest, FileHashStreams) {
  testing::TempDir dir;
  std::string data((5u << 20) + 12345, '\0');
  for (uint32_t i = 0; i < data.size(); ++i) {
    data[i] = static_cast<char>((i * 7919u) >> 3);
  }
  ASSERT_TRUE(WriteFileAtomic(dir.Join("img"), data).ok());
  auto digest = Sha256File(dir.Join("img"));
  ASSERT_TRUE(digest.has_value());
  EXPECT_EQ(digest->sha256, Sha256Hex(data).value_or("?"));
  EXPECT_EQ(digest->size, data.size());
  EXPECT_EQ(Sha256File(dir.Join("absent")).error().code(), Code::kNotFound);
}

TEST(CryptoTest, FileHashDoesNotFollowSymlinks) {
  testing::TempDir dir;
  ASSERT_TRUE(WriteFileAtomic(dir.Join("real"), "x").ok());
  ASSERT_EQ(::symlink(dir.Join("real").c_str(), dir.Join("link").c_str()), 0);
  EXPECT_FALSE(Sha256File(dir.Join("link")).has_value());
}

// RFC 8032 §7.1, test 1: our Ed25519 is the standard one.
TEST(CryptoTest, Ed25519Rfc8032Vector) {
  std::string priv = Data("rfc8032-test1.key");
  auto key = ParsePrivatePem(priv);
  ASSERT_TRUE(key.has_value()) << key.error().message();
  EXPECT_EQ(HexEncode(key->raw_public),
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  EXPECT_EQ(key->public_pem, Data("rfc8032-test1.pub"));
  auto sig = SignEd25519(priv, "");
  ASSERT_TRUE(sig.has_value());
  EXPECT_EQ(
      HexEncode(*sig),
      "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb"
      "8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
  EXPECT_TRUE(*VerifyEd25519(key->public_pem, "", *sig));
  EXPECT_FALSE(*VerifyEd25519(key->public_pem, "x", *sig));
}

TEST(CryptoTest, GeneratedKeysSignAndVerify) {
  auto a = GenerateEd25519();
  auto b = GenerateEd25519();
  ASSERT_TRUE(a.has_value() && b.has_value());
  EXPECT_NE(a->raw_public, b->raw_public);
  EXPECT_EQ(a->private_pem.rfind("-----BEGIN PRIVATE KEY-----", 0), 0u);
  EXPECT_EQ(a->public_pem.rfind("-----BEGIN PUBLIC KEY-----", 0), 0u);
  auto sig = *SignEd25519(a->private_pem, "message");
  EXPECT_TRUE(*VerifyEd25519(a->public_pem, "message", sig));
  EXPECT_FALSE(*VerifyEd25519(b->public_pem, "message", sig));
  std::string flipped = sig;
  flipped[10] ^= 1;
  EXPECT_FALSE(*VerifyEd25519(a->public_pem, "message", flipped));
  EXPECT_FALSE(*VerifyEd25519(a->public_pem, "message", sig.substr(0, 63)));
  EXPECT_EQ(ParsePublicPem(a->public_pem)->raw_public, a->raw_public);
  EXPECT_EQ(ParsePrivatePem(a->private_pem)->raw_public, a->raw_public);
}

TEST(CryptoTest, RefusesOtherKeys) {
  EXPECT_FALSE(ParsePublicPem(Data("p256.pub")).has_value());
  EXPECT_FALSE(ParsePublicPem("garbage").has_value());
  EXPECT_FALSE(ParsePublicPem("").has_value());
  // A private key where a public one is expected, and the reverse.
  EXPECT_FALSE(ParsePublicPem(Data("rfc8032-test1.key")).has_value());
  EXPECT_FALSE(ParsePrivatePem(Data("rfc8032-test1.pub")).has_value());
  EXPECT_EQ(ParsePublicPem(Data("p256.pub")).error().message(),
            "not an Ed25519 public key in PEM form");
}

}  // namespace
}  // namespace vz::tmpl
