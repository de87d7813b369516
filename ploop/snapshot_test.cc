#include "ploop/snapshot.h"

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "base/file_util.h"
#include "base/subprocess.h"
#include "base/testing/golden.h"
#include "base/testing/temp_dir.h"
#include "ploop/exit_codes.h"
#include "ploop/lib/delta.h"
#include "ploop/lib/merge.h"
#include "ploop/lib/stack.h"
#include "ploop/resize.h"
#include "ploop/testing/test_image.h"

namespace ploop {
namespace {

using testing::Padded;
using testing::Put;
using testing::ReadDisk;
constexpr uint64_t kCb = testing::kSmallClusterBytes;
constexpr uint64_t kSize = 64 * kCb;

class SnapshotTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(CreateImage(dir_.path(), testing::SmallImage(kSize)).ok());
    dd_path_ = dir_.Join(kDescriptorName);
  }
  std::unique_ptr<Image> Open() {
    auto img = Image::Open(dd_path_, {});
    EXPECT_TRUE(img.has_value()) << img.error().message();
    return img.has_value() ? std::move(img).value() : nullptr;
  }
  DiskDescriptor Descriptor() { return *ReadDiskDescriptor(dd_path_); }
  vz::Uuid Snap(Image& img, const std::string& name = "") {
    SnapshotParams p;
    p.name = name;
    auto g = CreateSnapshot(img, p);
    EXPECT_TRUE(g.has_value()) << g.error().message();
    return g.value_or(vz::Uuid());
  }
  std::string File(const vz::Uuid& g) {
    auto dd = Descriptor();
    return dd.FindImage(g) ? dir_.Join(dd.FindImage(g)->file) : "";
  }
  size_t Files() { return vz::ListDir(dir_.path())->size(); }

  vz::testing::TempDir dir_;
  std::string dd_path_;
  std::string model_;
};

TEST_F(SnapshotTest, CreatePushesAnEmptyTop) {
  auto img = Open();
  Put(*img, model_, 0, 3 * kCb, 1);
  SnapshotParams p;
  p.name = "before upgrade";
  p.description = "a <label> & more";
  auto snap = CreateSnapshot(*img, p);
  ASSERT_TRUE(snap.has_value()) << snap.error().message();
  // The stack: the old top closed cleanly, the new one on top and in use.
  ASSERT_EQ(img->stack().depth(), 2u);
  EXPECT_EQ(img->stack().delta(0).header().in_use, 0u);
  EXPECT_EQ(img->stack().top().header().in_use, kInUseMagic);
  EXPECT_EQ(img->stack().top().parent_id(), img->stack().delta(0).id());
  Put(*img, model_, kCb, 2 * kCb, 2);
  ASSERT_TRUE(img->Close().ok());
  img.reset();

  auto dd = Descriptor();
  ASSERT_EQ(dd.images.size(), 2u);
  EXPECT_EQ(dd.FindImage(*snap)->file, "root.hds");
  const auto* top = dd.FindImage(TopDeltaGuid());
  ASSERT_TRUE(top);
  EXPECT_EQ(top->file.rfind("root.hds.{", 0), 0u) << top->file;
  EXPECT_EQ(dd.FindShot(TopDeltaGuid())->parent, *snap);
  EXPECT_EQ(dd.FindShot(*snap)->name, "before upgrade");
  EXPECT_EQ(dd.FindShot(*snap)->description, "a <label> & more");
  EXPECT_TRUE(testing::SameDisk(Padded(model_, kSize), ReadDisk(dd_path_)));
}

TEST_F(SnapshotTest, GuidsAreChecked) {
  auto img = Open();
  vz::Uuid g = *vz::Uuid::Generate();
  SnapshotParams p;
  p.guid = g;
  ASSERT_TRUE(CreateSnapshot(*img, p).has_value());
  auto again = CreateSnapshot(*img, p);
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(ExitCodeFor(again.error()), kSysExitParam);
  p.guid = TopDeltaGuid();
  EXPECT_EQ(ExitCodeFor(CreateSnapshot(*img, p).error()), kSysExitParam);
}

TEST_F(SnapshotTest, WrapperRefusesALockedImage) {
  auto img = Open();
  auto r = CreateSnapshot(dd_path_, {});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(ExitCodeFor(r.error()), kSysExitFlock);
  img.reset();
  EXPECT_TRUE(CreateSnapshot(dir_.path(), {}).has_value());
  EXPECT_EQ(Descriptor().images.size(), 2u);
}

TEST_F(SnapshotTest, ListAllAndAChain) {
  auto img = Open();
  vz::Uuid s1 = Snap(*img, "one");
  vz::Uuid s2 = Snap(*img, "two");
  img.reset();
  auto all = ListSnapshots(dd_path_);
  ASSERT_TRUE(all.has_value());
  ASSERT_EQ(all->size(), 3u);
  auto chain = *ListSnapshots(dd_path_, s2);
  ASSERT_EQ(chain.size(), 2u);
  EXPECT_EQ(chain[0].guid, s2);
  EXPECT_EQ(chain[0].name, "two");
  EXPECT_EQ(chain[0].parent, s1);
  EXPECT_FALSE(chain[0].current);
  EXPECT_EQ(chain[1].guid, s1);
  EXPECT_EQ(chain[1].file, dir_.Join("root.hds"));
  auto top = *ListSnapshots(dd_path_, TopDeltaGuid());
  EXPECT_TRUE(top[0].current);
  auto bad = ListSnapshots(dd_path_, *vz::Uuid::Generate());
  EXPECT_EQ(ExitCodeFor(bad.error()), kSysExitNoSnap);
}

TEST_F(SnapshotTest, MergeTheTopIntoItsParent) {
  auto img = Open();
  Put(*img, model_, 0, 4 * kCb, 1);
  std::string base_id = img->stack().top().id();
  vz::Uuid s1 = Snap(*img);
  std::string snap_file = File(TopDeltaGuid());
  Put(*img, model_, 2 * kCb, 5 * kCb, 2);  // overlaps and extends
  std::string top_id = img->stack().top().id();
  auto r = MergeSnapshot(*img);
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_TRUE(r->notes.empty());
  // The image stays usable: the base is now the writable top.
  ASSERT_EQ(img->stack().depth(), 1u);
  EXPECT_TRUE(img->stack().top().writable());
  EXPECT_EQ(img->stack().top().id(), top_id);
  EXPECT_NE(top_id, base_id);
  Put(*img, model_, 40 * kCb, 100, 3);
  EXPECT_TRUE(testing::SameDisk(Padded(model_, kSize), ReadDisk(*img)));
  ASSERT_TRUE(img->Close().ok());
  img.reset();

  auto dd = Descriptor();
  ASSERT_EQ(dd.images.size(), 1u);
  EXPECT_EQ(dd.images[0].file, "root.hds");
  EXPECT_EQ(dd.images[0].guid, TopDeltaGuid());
  EXPECT_FALSE(dd.FindShot(s1));
  EXPECT_FALSE(vz::PathExists(snap_file));
  EXPECT_TRUE(testing::SameDisk(Padded(model_, kSize), ReadDisk(dd_path_)));
}

TEST_F(SnapshotTest, MergeAMiddleSnapshotKeepsItsGuid) {
  auto img = Open();
  Put(*img, model_, 0, 2 * kCb, 1);
  vz::Uuid s1 = Snap(*img, "s1");
  Put(*img, model_, kCb, 2 * kCb, 2);
  vz::Uuid s2 = Snap(*img, "s2");
  Put(*img, model_, 3 * kCb, kCb, 3);
  std::string s2_file = File(s2);
  auto r = MergeSnapshot(*img, s2);
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_TRUE(testing::SameDisk(Padded(model_, kSize), ReadDisk(*img)));
  img.reset();
  auto dd = Descriptor();
  EXPECT_EQ(dd.images.size(), 2u);
  EXPECT_FALSE(dd.FindShot(s1));
  ASSERT_TRUE(dd.FindShot(s2));
  EXPECT_EQ(dd.FindShot(s2)->name, "s2");
  EXPECT_TRUE(dd.FindShot(s2)->parent.is_nil());
  EXPECT_EQ(dd.FindImage(s2)->file, "root.hds");
  EXPECT_EQ(dd.FindShot(TopDeltaGuid())->parent, s2);
  EXPECT_FALSE(vz::PathExists(s2_file));
  EXPECT_TRUE(testing::SameDisk(Padded(model_, kSize), ReadDisk(dd_path_)));
}

TEST_F(SnapshotTest, MergeAllLeavesOneDelta) {
  auto img = Open();
  for (uint8_t i = 1; i <= 4; ++i) {
    Put(*img, model_, i * kCb, 3 * kCb + i * 100, i);
    Snap(*img);
  }
  Put(*img, model_, 0, kCb / 2, 9);
  ASSERT_EQ(img->stack().depth(), 5u);
  auto r = MergeAllSnapshots(*img);
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(img->stack().depth(), 1u);
  EXPECT_TRUE(testing::SameDisk(Padded(model_, kSize), ReadDisk(*img)));
  img.reset();
  EXPECT_EQ(Descriptor().images.size(), 1u);
  EXPECT_EQ(Files(), 2u);  // DiskDescriptor.xml and root.hds
  EXPECT_TRUE(testing::SameDisk(Padded(model_, kSize), ReadDisk(dd_path_)));
  auto none = MergeAllSnapshots(dd_path_);
  ASSERT_TRUE(none.has_value());
  EXPECT_EQ(none->notes.size(), 1u);
}

// A raw base: snapshots go on top of it as ploop1 deltas, and a merge
// writes into the raw file (grown first when the disk grew meanwhile).
TEST(SnapshotRawTest, MergeIntoARawBase) {
  vz::testing::TempDir dir;
  CreateParams p = testing::SmallImage(kSize);
  p.format = ImageFormat::kRaw;
  ASSERT_TRUE(CreateImage(dir.path(), p).ok());
  std::string model;
  auto img = *Image::Open(dir.path(), {});
  Put(*img, model, 0, 3 * kCb, 1);
  ASSERT_TRUE(CreateSnapshot(*img, {}).has_value());
  EXPECT_EQ(img->stack().top().kind(), DeltaKind::kExpanded);
  Put(*img, model, kCb, kCb + 10, 2);
  ASSERT_TRUE(GrowImage(*img, 2 * kSize).has_value());
  Put(*img, model, 2 * kSize - kCb, kCb, 3);  // past the raw file's end
  auto r = MergeAllSnapshots(*img);
  ASSERT_TRUE(r.has_value()) << r.error().message();
  ASSERT_EQ(img->stack().depth(), 1u);
  EXPECT_EQ(img->stack().top().kind(), DeltaKind::kRaw);
  EXPECT_EQ(testing::FileSize(dir.Join("root.hds")), 2 * kSize);
  EXPECT_TRUE(testing::SameDisk(Padded(model, 2 * kSize), ReadDisk(*img)));
  img.reset();
  auto dd = *ReadDiskDescriptor(dir.Join(kDescriptorName));
  EXPECT_EQ(dd.images[0].type, DeltaType::kPlain);
  EXPECT_TRUE(testing::SameDisk(Padded(model, 2 * kSize),
                                ReadDisk(dir.Join(kDescriptorName))));
}

TEST_F(SnapshotTest, MergeRefusals) {
  auto img = Open();
  auto base = MergeSnapshot(*img);
  ASSERT_FALSE(base.has_value());
  EXPECT_EQ(ExitCodeFor(base.error()), kSysExitParam);
  EXPECT_NE(base.error().message().find("base"), std::string::npos);
  auto unknown = MergeSnapshot(*img, *vz::Uuid::Generate());
  EXPECT_EQ(ExitCodeFor(unknown.error()), kSysExitNoSnap);
}

TEST_F(SnapshotTest, SwitchBranchesTheTree) {
  auto img = Open();
  Put(*img, model_, 0, 2 * kCb, 1);
  std::string at_s1 = Padded(model_, kSize);
  vz::Uuid s1 = Snap(*img, "s1");
  Put(*img, model_, kCb, 2 * kCb, 2);
  std::string at_s2 = Padded(model_, kSize);
  vz::Uuid s2 = Snap(*img, "s2");
  Put(*img, model_, 5 * kCb, kCb, 3);
  std::string dropped = File(TopDeltaGuid());

  ASSERT_TRUE(SwitchSnapshot(*img, s1).ok());
  EXPECT_TRUE(testing::SameDisk(at_s1, ReadDisk(*img)));
  EXPECT_FALSE(vz::PathExists(dropped));
  EXPECT_EQ(img->stack().depth(), 2u);
  auto dd = img->descriptor();
  EXPECT_EQ(dd.Children(s1).size(), 2u);  // s2 and the new top
  EXPECT_EQ(dd.FindShot(TopDeltaGuid())->parent, s1);

  // A snapshot with two children can be neither deleted nor merged into.
  auto del = DeleteSnapshot(*img, s1);
  EXPECT_EQ(ExitCodeFor(del.error()), kSysExitParam);
  auto merge = MergeSnapshot(*img);
  EXPECT_EQ(ExitCodeFor(merge.error()), kSysExitParam);
  EXPECT_NE(merge.error().message().find("2 children"), std::string::npos);

  ASSERT_TRUE(SwitchSnapshot(*img, s2).ok());
  EXPECT_TRUE(testing::SameDisk(at_s2, ReadDisk(*img)));
  EXPECT_EQ(SwitchSnapshot(*img, TopDeltaGuid()).exit_code(), kSysExitParam);
  EXPECT_EQ(SwitchSnapshot(*img, *vz::Uuid::Generate()).exit_code(),
            kSysExitNoSnap);
  img.reset();
  EXPECT_TRUE(testing::SameDisk(at_s2, ReadDisk(dd_path_)));
}

TEST_F(SnapshotTest, DeleteALeafOrIntoTheChild) {
  auto img = Open();
  Put(*img, model_, 0, 2 * kCb, 1);
  vz::Uuid s1 = Snap(*img);
  Put(*img, model_, kCb, kCb, 2);
  vz::Uuid s2 = Snap(*img);
  std::string at_s2 = Padded(model_, kSize);
  Put(*img, model_, 2 * kCb, kCb, 3);
  std::string expected = Padded(model_, kSize);

  EXPECT_EQ(ExitCodeFor(DeleteSnapshot(*img, TopDeltaGuid()).error()),
            kSysExitParam);
  EXPECT_EQ(ExitCodeFor(DeleteSnapshot(*img, *vz::Uuid::Generate()).error()),
            kSysExitNoSnap);
  // s1 has one child (s2): s2 merges into s1's file, which keeps s2's GUID.
  std::string s2_file = File(s2);
  auto r = DeleteSnapshot(*img, s1);
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_TRUE(testing::SameDisk(expected, ReadDisk(*img)));
  auto dd = img->descriptor();
  EXPECT_FALSE(dd.FindShot(s1));
  EXPECT_EQ(dd.FindImage(s2)->file, "root.hds");
  EXPECT_FALSE(vz::PathExists(s2_file));

  // A leaf off the chain (after a switch) is simply removed.
  vz::Uuid s3 = Snap(*img);
  ASSERT_TRUE(SwitchSnapshot(*img, s2).ok());
  EXPECT_TRUE(testing::SameDisk(at_s2, ReadDisk(*img)));
  std::string s3_file = File(s3);
  ASSERT_TRUE(DeleteSnapshot(*img, s3).has_value());
  EXPECT_FALSE(vz::PathExists(s3_file));
  EXPECT_FALSE(img->descriptor().FindShot(s3));
  img.reset();
  EXPECT_TRUE(testing::SameDisk(at_s2, ReadDisk(dd_path_)));
}

TEST_F(SnapshotTest, MergeIntoASharedBaseCopiesItUp) {
  vz::testing::TempDir store;
  std::string tmpl = store.Join("template.hds");
  auto img = Open();
  Put(*img, model_, 0, 3 * kCb, 1);
  Snap(*img);
  img.reset();
  // Hard-link the base as a template would be, and mark it shared.
  ASSERT_EQ(::link(dir_.Join("root.hds").c_str(), tmpl.c_str()), 0);
  ASSERT_TRUE(Delta::MarkShared(tmpl).ok());
  std::string before = *vz::ReadFile(tmpl);
  img = Open();
  Put(*img, model_, kCb, 4 * kCb, 2);
  auto r = MergeSnapshot(*img);
  ASSERT_TRUE(r.has_value()) << r.error().message();
  ASSERT_EQ(r->notes.size(), 1u);
  EXPECT_NE(r->notes[0].find("copied shared delta"), std::string::npos);
  EXPECT_TRUE(testing::SameDisk(Padded(model_, kSize), ReadDisk(*img)));
  img.reset();
  EXPECT_EQ(*vz::ReadFile(tmpl), before);  // the template is untouched
  struct stat st;
  ASSERT_EQ(::stat(dir_.Join("root.hds").c_str(), &st), 0);
  EXPECT_EQ(st.st_nlink, 1u);
  EXPECT_FALSE(*Delta::IsShared(dir_.Join("root.hds")));
  EXPECT_TRUE(testing::SameDisk(Padded(model_, kSize), ReadDisk(dd_path_)));
}

// PushTopDelta's copy-up of the filesystem's first cluster, on 16 KiB
// clusters so that the 4 KiB it rewrites take the rest from below.
class PushTopDeltaTest : public ::testing::Test {
 protected:
  static constexpr uint64_t kCluster = 16384;
  void Make(uint64_t size) {
    CreateParams p = testing::SmallImage(size);
    p.cluster_sectors = kCluster / 512;
    ASSERT_TRUE(CreateImage(dir_.path(), p).ok());
    dd_path_ = dir_.Join(kDescriptorName);
  }
  void Write(uint64_t offset, const std::string& data) {
    auto img = Image::Open(dd_path_, {});
    ASSERT_TRUE(img.has_value()) << img.error().message();
    ASSERT_TRUE((*img)->Write(offset, data.data(), data.size()).ok());
    if (model_.size() < offset + data.size()) {
      model_.resize(offset + data.size(), '\0');
    }
    model_.replace(offset, data.size(), data);
  }
  // The clusters the new top maps, after a push with `copy_up`.
  std::vector<uint32_t> PushAndListTop(bool copy_up) {
    SnapshotParams p;
    p.copy_up_fs_start = copy_up;
    auto g = PushTopDelta(dd_path_, p);
    EXPECT_TRUE(g.has_value()) << g.error().message();
    OpenParams ro;
    ro.read_only = true;
    auto img = Image::Open(dd_path_, ro);
    EXPECT_TRUE(img.has_value()) << img.error().message();
    std::vector<uint32_t> mapped;
    if (!img.has_value()) return mapped;
    DeltaStack& stack = (*img)->stack();
    EXPECT_EQ(stack.depth(), 2u);
    for (uint32_t c = 0; c < stack.clusters(); ++c) {
      if (stack.top().Lookup(c) != kUnmapped) mapped.push_back(c);
    }
    EXPECT_TRUE(testing::SameDisk(Padded(model_, stack.virtual_bytes()),
                                  ReadDisk(**img)));
    return mapped;
  }

  vz::testing::TempDir dir_;
  std::string dd_path_;
  std::string model_;
};

TEST_F(PushTopDeltaTest, CopiesUpTheClusterOfTheFilesystemsStart) {
  Make(64 * kCluster);
  Write(0, testing::Pattern(0, 2 * kCluster, 1));
  EXPECT_EQ(PushAndListTop(true), std::vector<uint32_t>{0});
}

TEST_F(PushTopDeltaTest, APlainPushCopiesNothing) {
  Make(64 * kCluster);
  Write(0, testing::Pattern(0, 2 * kCluster, 1));
  EXPECT_EQ(PushAndListTop(false), std::vector<uint32_t>{});
}

TEST_F(PushTopDeltaTest, ADiskOfZerosCopiesNothing) {
  Make(64 * kCluster);
  EXPECT_EQ(PushAndListTop(true), std::vector<uint32_t>{});
}

TEST_F(PushTopDeltaTest, FollowsTheGptToTheFilesystem) {
  // A disk with a GPT whose partition 1 starts at 1 MiB, as `ploop init`
  // makes it; the "superblock" there.
  const uint64_t size = 4 << 20;
  Make(size);
  std::string raw = dir_.Join("raw");
  ASSERT_TRUE(vz::WriteFileAtomic(raw, std::string(size, '\0')).ok());
  vz::SubprocessOptions o;
  o.stdin_data =
      "label: gpt\nstart=2048, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4\n";
  auto r = vz::RunSubprocess({"sfdisk", "--quiet", raw}, o);
  if (!r.has_value()) GTEST_SKIP() << "sfdisk not installed";
  ASSERT_EQ(r->exit_code, 0) << r->err;
  Write(0, *vz::ReadFile(raw, size));
  Write(1 << 20, testing::Pattern(1 << 20, 4096, 7));
  auto mapped = PushAndListTop(true);
  EXPECT_EQ(mapped, std::vector<uint32_t>{(1 << 20) / kCluster});
}

TEST_F(SnapshotTest, MergeIntoATemplateImageIsRefused) {
  auto img = Open();
  Snap(*img);
  ASSERT_TRUE(Delta::MarkShared(dir_.Join("root.hds")).ok());
  auto r = MergeSnapshot(*img);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message().find("root.hds"), std::string::npos);
  EXPECT_EQ(ExitCodeFor(r.error()), kSysExitParam);
}

// The descriptor snapshots write, pinned (file GUIDs are random: each
// `.{...}` of a File element is replaced by its order of appearance).
TEST_F(SnapshotTest, DescriptorAfterSnapshotsIsGolden) {
  {
    auto img = Open();
    SnapshotParams p;
    p.guid = *vz::Uuid::Parse("{11111111-2222-4333-8444-555555555555}");
    p.name = "first";
    p.description = "before <upgrade> & co";
    ASSERT_TRUE(CreateSnapshot(*img, p).has_value());
    p.guid = *vz::Uuid::Parse("{66666666-7777-4888-9999-aaaaaaaaaaaa}");
    p.name = "second";
    p.description = "";
    ASSERT_TRUE(CreateSnapshot(*img, p).has_value());
    ASSERT_TRUE(SwitchSnapshot(*img, *p.guid).ok());
  }
  std::string xml = *vz::ReadFile(dd_path_);
  int n = 0;
  for (size_t at = 0; (at = xml.find("root.hds.{", at)) != std::string::npos;) {
    size_t end = xml.find('}', at);
    std::string name = "{file-" + std::to_string(++n) + "}";
    xml.replace(at + 9, end - at - 8, name);
    at += 9 + name.size();
  }
  vz::testing::ExpectGolden("ploop/descriptors/after-snapshots.out.xml", xml);
}

// The states a crash can leave a merge in open and read the same.
TEST_F(SnapshotTest, InterruptedMergeStatesOpen) {
  auto img = Open();
  Put(*img, model_, 0, 4 * kCb, 1);
  Snap(*img);
  Put(*img, model_, 2 * kCb, 4 * kCb, 2);
  ASSERT_TRUE(img->Close().ok());
  img.reset();
  std::string expected = Padded(model_, kSize);
  auto dd = Descriptor();
  // Crash after the data was merged, before the descriptor changed: the
  // base holds the merged data, has no identity and is flagged in use.
  DeltaOpenOptions rw;
  rw.writable = true;
  auto base = *Delta::Open(dir_.Join("root.hds"), DeltaKind::kExpanded, rw);
  auto top = *Delta::Open(File(TopDeltaGuid()), DeltaKind::kExpanded, {});
  std::string parent_id = base->parent_id();
  ASSERT_TRUE(base->SetIds("", parent_id).ok());
  ASSERT_TRUE(base->MarkInUse().ok());
  ASSERT_TRUE(MergeDeltas(*base, {top.get()}, kSize).has_value());
  EXPECT_TRUE(testing::SameDisk(expected, ReadDisk(dd_path_)));
  // Crash after the descriptor changed, before the identity was set.
  ASSERT_TRUE(base->MarkClean().ok());
  dd.images.erase(dd.images.begin() + 1);
  dd.shots.erase(dd.shots.begin() + 1);
  dd.images[0].guid = dd.shots[0].guid = TopDeltaGuid();
  ASSERT_TRUE(WriteDiskDescriptor(dd_path_, dd).ok());
  EXPECT_TRUE(testing::SameDisk(expected, ReadDisk(dd_path_)));
  EXPECT_TRUE(Open());
}

}  // namespace
}  // namespace ploop
