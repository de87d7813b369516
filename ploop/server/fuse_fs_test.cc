#include "ploop/server/fuse_fs.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <cstring>

#include <gtest/gtest.h>

#include "base/testing/temp_dir.h"

namespace ploop::server {
namespace {

class FuseFsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CreateParams p;
    p.size_bytes = 1 << 20;
    p.cluster_sectors = 8;
    ASSERT_TRUE(CreateImage(dir_.path(), p).ok());
    image_ = std::move(Image::Open(dir_.path(), {})).value();
    engine_ = std::make_unique<BlockEngine>(image_.get());
    fs_ = std::make_unique<FuseFs>(engine_.get());
  }
  int Call(uint32_t opcode, uint64_t node, const void* op,
           const void* rest = nullptr, uint32_t rest_len = 0) {
    fuse_in_header in{};
    in.opcode = opcode;
    in.nodeid = node;
    return fs_->Handle(in, static_cast<const uint8_t*>(op),
                       static_cast<const uint8_t*>(rest), rest_len, out_,
                       sizeof out_);
  }

  vz::testing::TempDir dir_;
  std::unique_ptr<Image> image_;
  std::unique_ptr<BlockEngine> engine_;
  std::unique_ptr<FuseFs> fs_;
  uint8_t out_[8192];
};

TEST_F(FuseFsTest, LookupAndAttributes) {
  const char name[] = "part";
  ASSERT_EQ(Call(FUSE_LOOKUP, kRootIno, nullptr, name, sizeof name),
            sizeof(fuse_entry_out));
  auto* e = reinterpret_cast<fuse_entry_out*>(out_);
  EXPECT_EQ(e->nodeid, kPartIno);
  EXPECT_EQ(e->attr.size, 1u << 20);
  EXPECT_EQ(e->attr_valid, 0u);  // sizes change on resize: never cached
  EXPECT_EQ(e->attr.mode, S_IFREG | 0600u);
  const char other[] = "nope";
  EXPECT_EQ(Call(FUSE_LOOKUP, kRootIno, nullptr, other, sizeof other), -ENOENT);
  fuse_getattr_in g{};
  ASSERT_GT(Call(FUSE_GETATTR, kRootIno, &g), 0);
  EXPECT_TRUE(S_ISDIR(reinterpret_cast<fuse_attr_out*>(out_)->attr.mode));
}

TEST_F(FuseFsTest, OpenIsDirectAndRefusesTruncation) {
  fuse_open_in o{};
  o.flags = O_RDWR;
  ASSERT_EQ(Call(FUSE_OPEN, kImageIno, &o), sizeof(fuse_open_out));
  EXPECT_TRUE(reinterpret_cast<fuse_open_out*>(out_)->open_flags &
              FOPEN_DIRECT_IO);
  o.flags = O_RDWR | O_TRUNC;
  EXPECT_EQ(Call(FUSE_OPEN, kImageIno, &o), -EPERM);
  EXPECT_EQ(Call(FUSE_OPEN, kRootIno, &o), -EISDIR);
}

TEST_F(FuseFsTest, SizeChangesOnlyThroughPloop) {
  fuse_setattr_in s{};
  s.valid = FATTR_SIZE;
  s.size = 12345;
  EXPECT_EQ(Call(FUSE_SETATTR, kImageIno, &s), -EPERM);
  s.size = 1 << 20;
  EXPECT_GT(Call(FUSE_SETATTR, kImageIno, &s), 0);
}

TEST_F(FuseFsTest, ReadDirListsBothFiles) {
  fuse_read_in r{};
  r.size = 4096;
  int n = Call(FUSE_READDIR, kRootIno, &r);
  ASSERT_GT(n, 0);
  std::string names;
  for (int off = 0; off < n;) {
    auto* d = reinterpret_cast<fuse_dirent*>(out_ + off);
    names += std::string(d->name, d->namelen) + " ";
    off += static_cast<int>(FUSE_DIRENT_ALIGN(FUSE_NAME_OFFSET + d->namelen));
  }
  EXPECT_EQ(names, ". .. image part ");
  r.offset = 4;
  EXPECT_EQ(Call(FUSE_READDIR, kRootIno, &r), 0);
}

TEST_F(FuseFsTest, InitNegotiatesIoUringOnlyWhenOffered) {
  fuse_init_in in{};
  in.major = 7;
  in.minor = 42;
  in.flags = FUSE_ASYNC_DIO | FUSE_INIT_EXT | FUSE_MAX_PAGES;
  in.flags2 = static_cast<uint32_t>(FUSE_OVER_IO_URING >> 32);
  fuse_init_out out{};
  bool granted = false;
  fs_->Init(in, 1 << 20, true, &out, &granted);
  EXPECT_TRUE(granted);
  EXPECT_EQ(out.max_write, 1u << 20);
  EXPECT_EQ(out.max_pages, 256);
  EXPECT_TRUE(out.flags & FUSE_ASYNC_DIO);
  in.flags2 = 0;
  fs_->Init(in, 1 << 20, true, &out, &granted);
  EXPECT_FALSE(granted);
}

TEST_F(FuseFsTest, MutationsAreRefused) {
  EXPECT_EQ(Call(FUSE_MKDIR, kRootIno, nullptr), -EPERM);
  EXPECT_EQ(Call(FUSE_UNLINK, kRootIno, nullptr), -EPERM);
  EXPECT_EQ(Call(FUSE_FORGET, kImageIno, nullptr), kNoReply);
  EXPECT_EQ(Call(9999, kImageIno, nullptr), -ENOSYS);
}

}  // namespace
}  // namespace ploop::server
