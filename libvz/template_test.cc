// The template store end to end: write a manifest, sign, trust, verify,
// seal; and every way a template is refused (doc/templates.md §7).
#include "libvz/template.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "base/file_util.h"
#include "base/testing/temp_dir.h"
#include "libvz/exit_codes.h"

namespace vz {
namespace {

constexpr char kName[] = "debian-12-x86_64";

class TemplateStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    key_ = *GenerateSigningKey();
    dir_ = store_.DirOf(kName);
    MakeImage(kName);
    ASSERT_TRUE(store_.keyring().Add("debian-", key_.public_pem).has_value());
  }

  // A template directory with a small descriptor and a 3 MiB image,
  // manifest written and signed with key_.
  void MakeImage(const std::string& name) {
    std::string dir = store_.DirOf(name);
    ASSERT_TRUE(MakeDirs(dir).ok());
    ASSERT_TRUE(WriteFileAtomic(dir + "/DiskDescriptor.xml",
                                "<Virtuozzo_disk_image/>\n", 0444)
                    .ok());
    std::string image(3 << 20, '\0');
    for (size_t i = 0; i < image.size(); i += 4096) image[i] = 'x';
    ASSERT_TRUE(WriteFileAtomic(dir + "/root.hds", image, 0444).ok());
    TemplateInfo info;
    info.version = "1";
    info.os = "debian-12";
    info.arch = "x86_64";
    info.virtual_size = 10ull << 30;
    info.created = std::chrono::system_clock::now();
    info.files = {"root.hds", "DiskDescriptor.xml"};
    info.packages = {{"zlib1g", "1:1.2.13"}, {"apt", "2.6.1"}};
    auto m = store_.WriteManifest(name, info);
    ASSERT_TRUE(m.has_value()) << m.error().message();
    ASSERT_TRUE(store_.Sign(name, key_.private_pem).ok());
  }

  // Changes one byte of `file` in place, keeping its size.
  void FlipByte(const std::string& file, off_t at) {
    std::string path = dir_ + "/" + file;
    ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
    int fd = ::open(path.c_str(), O_RDWR);
    ASSERT_GE(fd, 0);
    char c;
    ASSERT_EQ(::pread(fd, &c, 1, at), 1);
    c ^= 1;
    ASSERT_EQ(::pwrite(fd, &c, 1, at), 1);
    ::close(fd);
  }

  Status Refusal(const VerifyOptions& options = {}) {
    auto v = store_.Verify(kName, options);
    return v ? OkStatus() : v.error();
  }

  testing::TempDir tmp_;
  TemplateStore store_{tmp_.Join("vz/template"), tmp_.Join("etc/vz/keys")};
  SigningKey key_;
  std::string dir_;
};

TEST_F(TemplateStoreTest, SignedAndTrustedVerifies) {
  auto v = store_.Verify(kName);
  ASSERT_TRUE(v.has_value()) << v.error().message();
  EXPECT_FALSE(v->unsigned_allowed);
  EXPECT_EQ(v->signer, key_.fingerprint);
  EXPECT_EQ(v->trusted_prefix, "debian-");
  EXPECT_EQ(v->manifest.name, kName);
  ASSERT_EQ(v->manifest.files.size(), 2u);
  EXPECT_EQ(v->manifest.files[0].name, "DiskDescriptor.xml");
  EXPECT_EQ(v->manifest.files[1].size, 3u << 20);
  EXPECT_EQ(v->manifest.packages[0].name, "apt");
  // WriteManifest sealed what it hashed: no hashing here.
  EXPECT_FALSE(v->rehashed);
  EXPECT_TRUE(v->sealed);
  EXPECT_EQ(*store_.List(), std::vector<std::string>{kName});

  struct stat st;
  ASSERT_EQ(::stat((dir_ + "/seal").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat((dir_ + "/manifest").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0444u);
}

TEST_F(TemplateStoreTest, FullVerifyHashesAnyway) {
  auto v = store_.Verify(kName, {.full = true});
  ASSERT_TRUE(v.has_value());
  EXPECT_TRUE(v->rehashed);
  EXPECT_TRUE(v->sealed);
}

TEST_F(TemplateStoreTest, Unknown) {
  auto v = store_.Verify("centos-7-x86_64");
  EXPECT_EQ(v.error().code(), Code::kNotFound);
  EXPECT_EQ(v.error().exit_code(), kVzPkgSetNotFound);
  EXPECT_EQ(v.error().message(), "template 'centos-7-x86_64' not found");
  EXPECT_EQ(store_.Verify("../etc").error().exit_code(),
            kVzInvalidParameterValue);
}

TEST_F(TemplateStoreTest, Unsigned) {
  ASSERT_EQ(::unlink((dir_ + "/manifest.sig").c_str()), 0);
  Status s = Refusal();
  EXPECT_EQ(s.message(),
            "verify template 'debian-12-x86_64': not signed (no manifest.sig)");
  EXPECT_EQ(s.exit_code(), kVzFsBadTmpl);
  EXPECT_EQ(ExitCodeFor(s), 47);

  auto allowed = store_.Verify(kName, {.allow_unsigned = true});
  ASSERT_TRUE(allowed.has_value());
  EXPECT_TRUE(allowed->unsigned_allowed);
  EXPECT_EQ(allowed->unsigned_reason, "not signed (no manifest.sig)");
  EXPECT_EQ(allowed->signer, "");
}

TEST_F(TemplateStoreTest, UnknownKey) {
  SigningKey stranger = *GenerateSigningKey();
  ASSERT_TRUE(store_.Sign(kName, stranger.private_pem).ok());
  EXPECT_EQ(Refusal().message(),
            "verify template 'debian-12-x86_64': signed by unknown key '" +
                stranger.fingerprint + "'");
  auto allowed = store_.Verify(kName, {.allow_unsigned = true});
  ASSERT_TRUE(allowed.has_value());
  EXPECT_TRUE(allowed->unsigned_allowed);
}

TEST_F(TemplateStoreTest, KeyTrustedForAnotherPrefixOnly) {
  SigningKey alpine = *GenerateSigningKey();
  ASSERT_TRUE(store_.keyring().Add("alpine-", alpine.public_pem).has_value());
  ASSERT_TRUE(store_.Sign(kName, alpine.private_pem).ok());
  EXPECT_EQ(Refusal().message(),
            "verify template 'debian-12-x86_64': signed by key '" +
                alpine.fingerprint + "', which is trusted only for 'alpine-'");
  // Trusting it for every template fixes that.
  ASSERT_TRUE(store_.keyring().Add("", alpine.public_pem).has_value());
  auto v = store_.Verify(kName);
  ASSERT_TRUE(v.has_value()) << v.error().message();
  EXPECT_EQ(v->trusted_prefix, "");
}

TEST_F(TemplateStoreTest, ManifestChangedByOneByte) {
  std::string path = dir_ + "/manifest";
  std::string text = *ReadFile(path);
  auto pos = text.find("version 1");
  ASSERT_NE(pos, std::string::npos);
  text[pos + 8] = '2';
  ASSERT_TRUE(WriteFileAtomic(path, text, 0444).ok());
  Status s = Refusal();
  EXPECT_EQ(s.message(),
            "verify template 'debian-12-x86_64': signature does not match the "
            "manifest");
  EXPECT_EQ(s.code(), Code::kDataLoss);
  EXPECT_EQ(s.exit_code(), kVzFsBadTmpl);
  // --allow-unsigned never excuses a failing signature by a trusted key.
  EXPECT_EQ(Refusal({.allow_unsigned = true}).message(), s.message());
}

TEST_F(TemplateStoreTest, ImageChangedByOneByte) {
  FlipByte("root.hds", 1 << 20);
  Status s = Refusal();
  EXPECT_EQ(s.code(), Code::kDataLoss);
  EXPECT_EQ(s.exit_code(), kVzFsBadTmpl);
  EXPECT_EQ(s.message().rfind("verify template 'debian-12-x86_64': file "
                              "'root.hds' does not match the manifest (sha256 ",
                              0),
            0u)
      << s.message();
  EXPECT_EQ(Refusal({.allow_unsigned = true}).message(), s.message());
}

// Restoring the mtime does not hide a change: ctime moves anyway.
TEST_F(TemplateStoreTest, ImageChangedWithMtimeRestored) {
  std::string path = dir_ + "/root.hds";
  struct stat before;
  ASSERT_EQ(::stat(path.c_str(), &before), 0);
  FlipByte("root.hds", 0);
  struct timespec times[2] = {before.st_atim, before.st_mtim};
  ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), times, 0), 0);
  EXPECT_EQ(Refusal().code(), Code::kDataLoss);
}

TEST_F(TemplateStoreTest, DescriptorChangedByOneByte) {
  FlipByte("DiskDescriptor.xml", 3);
  EXPECT_EQ(Refusal().message().rfind(
                "verify template 'debian-12-x86_64': file 'DiskDescriptor.xml' "
                "does not match",
                0),
            0u);
}

TEST_F(TemplateStoreTest, ImageOfAnotherSizeOrMissingOrASymlink) {
  std::string path = dir_ + "/root.hds";
  ASSERT_EQ(::truncate(path.c_str(), 4096), 0);
  EXPECT_EQ(Refusal().message(),
            "verify template 'debian-12-x86_64': file 'root.hds': expected "
            "3145728 bytes, found 4096");
  ASSERT_EQ(::unlink(path.c_str()), 0);
  EXPECT_EQ(Refusal().message(),
            "verify template 'debian-12-x86_64': file 'root.hds' is missing");
  ASSERT_EQ(::symlink("/dev/zero", path.c_str()), 0);
  EXPECT_EQ(Refusal().message(),
            "verify template 'debian-12-x86_64': file 'root.hds': not a "
            "regular file");
}

TEST_F(TemplateStoreTest, ManifestOfAnotherTemplate) {
  MakeImage("debian-11-x86_64");
  std::string other = store_.DirOf("debian-11-x86_64");
  for (const char* f : {"manifest", "manifest.sig"}) {
    ASSERT_TRUE(
        WriteFileAtomic(dir_ + "/" + f, *ReadFile(other + "/" + f), 0444).ok());
  }
  EXPECT_EQ(Refusal().message(),
            "verify template 'debian-12-x86_64': manifest names "
            "'debian-11-x86_64'");
}

TEST_F(TemplateStoreTest, MissingOrBrokenManifest) {
  std::string path = dir_ + "/manifest";
  ASSERT_TRUE(WriteFileAtomic(path, "vz-template-manifest 9\n", 0444).ok());
  EXPECT_EQ(Refusal().message(),
            "verify template 'debian-12-x86_64': manifest line 1: unsupported "
            "format version '9'");
  ASSERT_EQ(::unlink(path.c_str()), 0);
  EXPECT_EQ(Refusal().message(),
            "verify template 'debian-12-x86_64': no manifest");
  EXPECT_EQ(Refusal().exit_code(), kVzFsBadTmpl);
  EXPECT_TRUE(store_.List()->empty());
}

TEST_F(TemplateStoreTest, SealSparesHashingOnlyWhileItMatches) {
  std::string seal = dir_ + "/seal";
  EXPECT_FALSE(store_.Verify(kName)->rehashed);
  // A seal that others could have written is not trusted.
  ASSERT_EQ(::chmod(seal.c_str(), 0644), 0);
  auto v = store_.Verify(kName);
  EXPECT_TRUE(v->rehashed);
  // ... and was rewritten, private again.
  struct stat st;
  ASSERT_EQ(::stat(seal.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_FALSE(store_.Verify(kName)->rehashed);
  // Garbage or no seal: hash again.
  ASSERT_TRUE(WriteFileAtomic(seal, "junk", 0600).ok());
  EXPECT_TRUE(store_.Verify(kName)->rehashed);
  ASSERT_EQ(::unlink(seal.c_str()), 0);
  EXPECT_TRUE(store_.Verify(kName)->rehashed);
  EXPECT_FALSE(store_.Verify(kName)->rehashed);
}

// vzctl create: verify, hard-link the image, record the new ctime; the next
// create does not hash.
TEST_F(TemplateStoreTest, HardLinkThenRecordLinkChange) {
  auto v = store_.Verify(kName);
  ASSERT_TRUE(v.has_value());
  std::string priv = tmp_.Join("vz/private/101");
  ASSERT_TRUE(MakeDirs(priv).ok());
  ::usleep(10000);  // so ctime surely moves
  ASSERT_EQ(::link((dir_ + "/root.hds").c_str(), (priv + "/root.hds").c_str()),
            0);
  ASSERT_TRUE(store_.RecordLinkChange(*v).ok());
  auto again = store_.Verify(kName);
  ASSERT_TRUE(again.has_value());
  EXPECT_FALSE(again->rehashed);

  // Without the record, a link makes the next check hash (and pass).
  ASSERT_EQ(::link((dir_ + "/root.hds").c_str(), (priv + "/second").c_str()),
            0);
  auto hashed = store_.Verify(kName);
  ASSERT_TRUE(hashed.has_value());
  EXPECT_TRUE(hashed->rehashed);
}

TEST_F(TemplateStoreTest, RecordLinkChangeRefusesRealChanges) {
  auto v = store_.Verify(kName);
  ASSERT_TRUE(v.has_value());
  ::usleep(10000);
  FlipByte("root.hds", 7);  // moves mtime
  Status s = store_.RecordLinkChange(*v);
  EXPECT_EQ(s.code(), Code::kDataLoss);
  EXPECT_EQ(s.message(),
            "reseal template 'debian-12-x86_64': file 'root.hds' changed since "
            "it was verified");
  // The old seal no longer matches either, so the change is caught.
  EXPECT_EQ(Refusal().code(), Code::kDataLoss);
}

TEST_F(TemplateStoreTest, RewritingTheManifestDropsTheStaleSignature) {
  TemplateInfo info;
  info.version = "2";
  info.os = "debian-12";
  info.arch = "x86_64";
  info.files = {"root.hds", "DiskDescriptor.xml"};
  ASSERT_TRUE(store_.WriteManifest(kName, info).has_value());
  EXPECT_FALSE(PathExists(dir_ + "/manifest.sig"));
  EXPECT_EQ(Refusal().message(),
            "verify template 'debian-12-x86_64': not signed (no manifest.sig)");
}

TEST_F(TemplateStoreTest, WriteManifestNeedsRealFiles) {
  TemplateInfo info;
  info.version = "1";
  info.os = "debian-12";
  info.arch = "x86_64";
  info.files = {"absent.hds"};
  EXPECT_EQ(store_.WriteManifest(kName, info).error().code(), Code::kNotFound);
  EXPECT_EQ(store_.WriteManifest("nope", info).error().exit_code(),
            kVzPkgSetNotFound);
  info.files = {"manifest"};
  EXPECT_EQ(store_.WriteManifest(kName, info).error().code(),
            Code::kInvalidArgument);
}

TEST_F(TemplateStoreTest, SignNeedsAnEd25519PrivateKey) {
  EXPECT_FALSE(store_.Sign(kName, key_.public_pem).ok());
  EXPECT_FALSE(store_.Sign(kName, "junk").ok());
  EXPECT_EQ(store_.Sign("nope", key_.private_pem).exit_code(),
            kVzPkgSetNotFound);
}

}  // namespace
}  // namespace vz
