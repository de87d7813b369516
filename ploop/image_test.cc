#include "ploop/image.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include <gtest/gtest.h>

#include "base/file_util.h"
#include "base/testing/temp_dir.h"
#include "ploop/lib/delta.h"
#include "ploop/lib/stack.h"
#include "ploop/snapshot.h"

namespace ploop {
namespace {

CreateParams Small(uint64_t size = 1 << 20) {
  CreateParams p;
  p.size_bytes = size;
  p.cluster_sectors = 8;
  return p;
}

TEST(ImageTest, CreateWriteCloseReopen) {
  vz::testing::TempDir dir;
  ASSERT_TRUE(CreateImage(dir.path(), Small()).ok());
  EXPECT_TRUE(vz::PathExists(dir.Join("root.hds")));
  auto dd = *ReadDiskDescriptor(dir.Join(kDescriptorName));
  EXPECT_EQ(dd.disk_size_sectors, 2048u);
  EXPECT_EQ(dd.blocksize, 8u);
  EXPECT_EQ(dd.top_guid, TopDeltaGuid());
  {
    auto img = *Image::Open(dir.path(), {});
    EXPECT_EQ(img->size(), 1u << 20);
    EXPECT_EQ(img->stack().top().header().in_use, kInUseMagic);
    std::string msg = "hello ploop";
    ASSERT_TRUE(img->Write(5000, msg.data(), msg.size()).ok());
    ASSERT_TRUE(img->Close().ok());
    EXPECT_EQ(img->stack().top().header().in_use, 0u);
  }
  OpenParams ro;
  ro.read_only = true;
  auto img = *Image::Open(dir.Join(kDescriptorName), ro);
  char buf[11];
  ASSERT_TRUE(img->Read(5000, buf, sizeof buf).ok());
  EXPECT_EQ(std::string(buf, sizeof buf), "hello ploop");
  EXPECT_EQ(img->Write(0, buf, 1).code(), vz::Code::kPermissionDenied);
}

TEST(ImageTest, DirectIo) {
  vz::testing::TempDir dir;
  ASSERT_TRUE(CreateImage(dir.path(), Small()).ok());
  OpenParams p;
  p.direct_io = true;
  auto img = Image::Open(dir.path(), p);
  ASSERT_TRUE(img.has_value()) << img.error().message();
  void* mem = nullptr;
  ASSERT_EQ(posix_memalign(&mem, 4096, 8192), 0);
  std::unique_ptr<char, decltype(&free)> buf(static_cast<char*>(mem), free);
  std::memset(buf.get(), 'd', 8192);
  ASSERT_TRUE((*img)->Write(4096, buf.get(), 8192).ok());
  ASSERT_TRUE((*img)->Flush().ok());
  std::memset(buf.get(), 0, 8192);
  ASSERT_TRUE((*img)->Read(4096, buf.get(), 8192).ok());
  EXPECT_EQ(std::string(buf.get(), 8192), std::string(8192, 'd'));
  ASSERT_TRUE((*img)->Close().ok());
}

// The top is the server's data path (written O_DIRECT, read through a
// second, cached descriptor); lower deltas, a shared template base most
// often, are read through the page cache.
TEST(ImageTest, DirectIoIsForTheTopOnly) {
  vz::testing::TempDir dir;
  ASSERT_TRUE(CreateImage(dir.path(), Small()).ok());
  {
    auto img = *Image::Open(dir.path(), {});
    ASSERT_TRUE(CreateSnapshot(*img, {}).has_value());
  }
  OpenParams p;
  p.direct_io = true;
  auto img = Image::Open(dir.path(), p);
  ASSERT_TRUE(img.has_value()) << img.error().message();
  const DeltaStack& stack = (*img)->stack();
  ASSERT_EQ(stack.depth(), 2u);
  EXPECT_EQ(::fcntl(stack.delta(0).fd(), F_GETFL) & O_DIRECT, 0);
  EXPECT_NE(::fcntl(stack.delta(1).fd(), F_GETFL) & O_DIRECT, 0);
  EXPECT_EQ(::fcntl(stack.delta(1).read_fd(), F_GETFL) & O_DIRECT, 0);
  EXPECT_EQ(stack.delta(0).read_fd(), stack.delta(0).fd());
}

TEST(ImageTest, CreateRefusesToOverwrite) {
  vz::testing::TempDir dir;
  ASSERT_TRUE(CreateImage(dir.path(), Small()).ok());
  auto s = CreateImage(dir.path(), Small());
  EXPECT_EQ(s.code(), vz::Code::kAlreadyExists);
  EXPECT_EQ(s.exit_code(), 1);
}

TEST(ImageTest, CreateBadParametersLeaveNothing) {
  vz::testing::TempDir dir;
  CreateParams p = Small();
  p.cluster_sectors = 3;
  EXPECT_FALSE(CreateImage(dir.path(), p).ok());
  EXPECT_TRUE(vz::ListDir(dir.path())->empty());
  p = Small(0);
  EXPECT_EQ(CreateImage(dir.path(), p).exit_code(), 38);
}

TEST(ImageTest, LockingExcludesASecondWriter) {
  vz::testing::TempDir dir;
  ASSERT_TRUE(CreateImage(dir.path(), Small()).ok());
  auto a = *Image::Open(dir.path(), {});
  auto b = Image::Open(dir.path(), {});
  ASSERT_FALSE(b.has_value());
  EXPECT_EQ(b.error().exit_code(), 18);
  EXPECT_NE(b.error().message().find("in use"), std::string::npos);
  OpenParams ro;
  ro.read_only = true;
  EXPECT_FALSE(Image::Open(dir.path(), ro).has_value());
}

// With defer_in_use the open leaves the flag to MarkInUse (the device
// server's, while it starts), and a reload marks as usual.
TEST(ImageTest, DeferredInUseIsSetByMarkInUse) {
  vz::testing::TempDir dir;
  ASSERT_TRUE(CreateImage(dir.path(), Small()).ok());
  OpenParams p;
  p.defer_in_use = true;
  auto img = Image::Open(dir.path(), p);
  ASSERT_TRUE(img.has_value()) << img.error().message();
  EXPECT_EQ((*img)->stack().top().header().in_use, 0u);
  EXPECT_FALSE((*img)->open_params().defer_in_use);
  ASSERT_TRUE((*img)->MarkInUse().ok());
  EXPECT_EQ((*img)->stack().top().header().in_use, kInUseMagic);
  ASSERT_TRUE((*img)->Close().ok());
  ASSERT_TRUE((*img)->ReloadStack().ok());
  EXPECT_EQ((*img)->stack().top().header().in_use, kInUseMagic);
}

TEST(ImageTest, CrashLeavesInUseFlagAndReleasesTheLock) {
  vz::testing::TempDir dir;
  ASSERT_TRUE(CreateImage(dir.path(), Small()).ok());
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    auto img = Image::Open(dir.path(), {});
    char b = 1;
    if (img.has_value()) (void)(*img)->Write(0, &b, 1);
    ::_exit(img.has_value() ? 0 : 1);  // dies without closing: a crash
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_EQ(WEXITSTATUS(status), 0);
  auto r = Image::Open(dir.path(), {});  // the lock died with the process
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().exit_code(), 37);
  OpenParams p;
  p.allow_in_use = true;
  EXPECT_TRUE(Image::Open(dir.path(), p).has_value());
}

TEST(ImageTest, MissingDelta) {
  vz::testing::TempDir dir;
  ASSERT_TRUE(CreateImage(dir.path(), Small()).ok());
  ASSERT_EQ(::unlink(dir.Join("root.hds").c_str()), 0);
  auto r = Image::Open(dir.path(), {});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), vz::Code::kNotFound);
  EXPECT_EQ(r.error().exit_code(), 4);
  EXPECT_NE(r.error().message().find("root.hds"), std::string::npos);
}

TEST(ImageTest, ClusterSizeMismatch) {
  vz::testing::TempDir dir;
  ASSERT_TRUE(CreateImage(dir.path(), Small()).ok());
  auto dd = *ReadDiskDescriptor(dir.Join(kDescriptorName));
  dd.blocksize = 16;
  ASSERT_TRUE(WriteDiskDescriptor(dir.Join(kDescriptorName), dd).ok());
  auto r = Image::Open(dir.path(), {});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().exit_code(), 39);
}

TEST(ImageTest, SwappedDeltasAreDetected) {
  vz::testing::TempDir dir;
  ASSERT_TRUE(CreateImage(dir.path(), Small()).ok());
  // Add a second delta on top by hand, as a snapshot would.
  auto base = *Delta::Open(dir.Join("root.hds"), DeltaKind::kExpanded, {});
  auto top = *Delta::CreateExpanded(dir.Join("root.hds.{x}"), 1 << 20, 8,
                                    Version::kV2);
  ASSERT_TRUE(top->SetIds("top-id", base->id()).ok());
  auto dd = *ReadDiskDescriptor(dir.Join(kDescriptorName));
  vz::Uuid snap = *vz::Uuid::Generate();
  dd.images[0].guid = snap;
  dd.shots[0].guid = snap;
  dd.images.push_back({TopDeltaGuid(), DeltaType::kCompressed, "root.hds.{x}"});
  dd.shots.push_back({TopDeltaGuid(), snap, false, "", ""});
  ASSERT_TRUE(WriteDiskDescriptor(dir.Join(kDescriptorName), dd).ok());
  ASSERT_TRUE(Image::Open(dir.path(), {}).has_value());
  // Swap the files' contents (by name).
  ASSERT_EQ(::rename(dir.Join("root.hds").c_str(), dir.Join("tmp").c_str()), 0);
  ASSERT_EQ(
      ::rename(dir.Join("root.hds.{x}").c_str(), dir.Join("root.hds").c_str()),
      0);
  ASSERT_EQ(::rename(dir.Join("tmp").c_str(), dir.Join("root.hds.{x}").c_str()),
            0);
  auto r = Image::Open(dir.path(), {});
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message().find("wrong or swapped"), std::string::npos)
      << r.error().message();
}

}  // namespace
}  // namespace ploop
