#include <sys/stat.h>

#include <gtest/gtest.h>

#include "base/file_util.h"
#include "base/testing/temp_dir.h"
#include "libvz/exit_codes.h"
#include "libvz/template.h"

namespace vz {
namespace {

class KeyringTest : public ::testing::Test {
 protected:
  SigningKey NewKey() { return *GenerateSigningKey(); }
  testing::TempDir dir_;
  Keyring ring_{dir_.Join("etc/vz/keys")};
};

TEST_F(KeyringTest, AddFilesKeysPerPrefix) {
  SigningKey a = NewKey(), b = NewKey();
  auto added = ring_.Add("debian-", a.public_pem);
  ASSERT_TRUE(added.has_value()) << added.error().message();
  EXPECT_EQ(added->fingerprint, a.fingerprint);
  EXPECT_EQ(added->path,
            ring_.dir() + "/prefix.d/debian-/" + a.fingerprint + ".pub");
  ASSERT_TRUE(ring_.Add("", b.public_pem).has_value());
  ASSERT_TRUE(ring_.Add("alpine-", a.public_pem).has_value());
  // Adding again is a no-op.
  ASSERT_TRUE(ring_.Add("debian-", a.public_pem).has_value());

  auto all = ring_.List();
  ASSERT_TRUE(all.has_value()) << all.error().message();
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].prefix, "");
  EXPECT_EQ((*all)[0].path, ring_.dir() + "/root.d/" + b.fingerprint + ".pub");
  EXPECT_EQ((*all)[1].prefix, "alpine-");
  EXPECT_EQ((*all)[2].prefix, "debian-");

  auto debian = *ring_.KeysFor("debian-12-x86_64");
  ASSERT_EQ(debian.size(), 2u);  // root.d and debian-
  auto other = *ring_.KeysFor("centos-7");
  ASSERT_EQ(other.size(), 1u);
  EXPECT_EQ(other[0].fingerprint, b.fingerprint);
}

TEST_F(KeyringTest, RefusesBadPrefixesAndKeys) {
  SigningKey a = NewKey();
  for (const char* bad : {"../x", "Debian", "-x", "a/b", ".x"}) {
    auto r = ring_.Add(bad, a.public_pem);
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.error().exit_code(), kVzInvalidParameterValue);
  }
  auto priv = ring_.Add("x-", a.private_pem);
  EXPECT_FALSE(priv.has_value());
  EXPECT_EQ(priv.error().exit_code(), kVzInvalidParameterValue);
  EXPECT_FALSE(ring_.Add("x-", "junk").has_value());
  EXPECT_TRUE(ring_.List()->empty());
}

TEST_F(KeyringTest, RemoveByFingerprintOrAbbreviation) {
  SigningKey a = NewKey(), b = NewKey();
  ASSERT_TRUE(ring_.Add("debian-", a.public_pem).has_value());
  ASSERT_TRUE(ring_.Add("alpine-", a.public_pem).has_value());
  ASSERT_TRUE(ring_.Add("debian-", b.public_pem).has_value());

  std::string alpine = "alpine-";
  auto one = ring_.Remove(a.fingerprint.substr(0, 12), &alpine);
  ASSERT_TRUE(one.has_value()) << one.error().message();
  ASSERT_EQ(one->size(), 1u);
  EXPECT_FALSE(PathExists(ring_.dir() + "/prefix.d/alpine-"));

  auto everywhere = ring_.Remove(a.fingerprint);
  ASSERT_TRUE(everywhere.has_value());
  EXPECT_EQ(everywhere->size(), 1u);
  ASSERT_EQ(ring_.List()->size(), 1u);

  auto missing = ring_.Remove(a.fingerprint);
  EXPECT_EQ(missing.error().code(), Code::kNotFound);
  EXPECT_FALSE(ring_.Remove("abc").has_value());  // too short
  EXPECT_FALSE(ring_.Remove("xyzxyzxyz").has_value());
}

TEST_F(KeyringTest, ATamperedKeyFileIsAnError) {
  SigningKey a = NewKey(), b = NewKey();
  auto added = *ring_.Add("debian-", a.public_pem);
  ASSERT_TRUE(WriteFileAtomic(added.path, b.public_pem).ok());
  auto all = ring_.List();
  ASSERT_FALSE(all.has_value());
  EXPECT_NE(all.error().message().find("is not the key's fingerprint"),
            std::string::npos);
}

TEST(SigningKeyTest, WriteKeyPairWithModesNeverOverwriting) {
  testing::TempDir dir;
  SigningKey key = *GenerateSigningKey();
  std::string priv = dir.Join("vendor.key"), pub = dir.Join("vendor.pub");
  ASSERT_TRUE(WriteSigningKey(key, priv, pub).ok());
  struct stat st;
  ASSERT_EQ(::stat(priv.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat(pub.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
  EXPECT_EQ(*PublicKeyOf(*ReadFile(priv)), *ReadFile(pub));
  EXPECT_EQ(*PublicKeyFingerprint(*ReadFile(pub)), key.fingerprint);

  SigningKey other = *GenerateSigningKey();
  Status again = WriteSigningKey(other, priv, dir.Join("new.pub"));
  EXPECT_EQ(again.code(), Code::kAlreadyExists);
  EXPECT_EQ(*ReadFile(priv), key.private_pem);
  EXPECT_FALSE(PathExists(dir.Join("new.pub")));
}

}  // namespace
}  // namespace vz
