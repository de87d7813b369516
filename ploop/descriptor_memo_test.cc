#include "ploop/descriptor_memo.h"

#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "base/file_util.h"
#include "base/testing/golden.h"
#include "base/testing/temp_dir.h"
#include "base/unique_fd.h"

namespace ploop {
namespace {

vz::Uuid G(const char* text) { return *vz::Uuid::Parse(text); }

// Every field set, and text that needs escaping: spaces, '%', a newline,
// non-ASCII, an empty description.
DescriptorMemo Example() {
  DescriptorMemo m;
  m.id = {.dev = 2049,
          .ino = 1310723,
          .ctime_sec = 1796600000,
          .ctime_nsec = 123456789,
          .size = 1179};
  m.digest = 0x0123456789abcdef;
  DiskDescriptor& dd = m.dd;
  dd.disk_size_sectors = 20971520;
  dd.cylinders = 40960;
  dd.heads = 16;
  dd.sectors = 32;
  dd.max_delta_size = 123456;
  dd.preallocated = true;
  const vz::Uuid base = G("9a1c3e52-0d6b-4a57-9c3f-2b7d1e0f4a11");
  dd.images = {
      {.guid = base, .type = DeltaType::kCompressed, .file = "root.hds"},
      {.guid = TopDeltaGuid(),
       .type = DeltaType::kCompressed,
       .file = "root.hds.{5fbaabe3-6958-40ff-92a7-860e329aab41}"}};
  dd.top_guid = TopDeltaGuid();
  dd.shots = {{.guid = base,
               .name = "before the upgrade 100%",
               .description = "line one\nzwei \xc3\xa4"},
              {.guid = TopDeltaGuid(), .parent = base, .temporary = true}};
  return m;
}

TEST(DescriptorMemoTest, FormatIsPinnedAndRoundTrips) {
  const std::string text = FormatDescriptorMemo(Example());
  vz::testing::ExpectGolden("ploop/descriptor_memo.golden", text);
  auto back = ParseDescriptorMemo(text);
  ASSERT_TRUE(back.has_value()) << back.error().message();
  EXPECT_EQ(back->id, Example().id);
  EXPECT_EQ(back->digest, Example().digest);
  // The descriptor it stands for is the one it was made from, field for
  // field (the XML form holds every field).
  EXPECT_EQ(FormatDiskDescriptor(back->dd), FormatDiskDescriptor(Example().dd));
  EXPECT_EQ(FormatDescriptorMemo(*back), text);
}

TEST(DescriptorMemoTest, BrokenMemosAreNotTrusted) {
  const std::string good = FormatDescriptorMemo(Example());
  auto replace = [&](const std::string& from, const std::string& to) {
    std::string t = good;
    size_t at = t.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return t.replace(at, from.size(), to);
  };
  for (const std::string& text : {
           std::string(),
           replace("memo 1", "memo 2"),
           good.substr(0, good.size() - 1),             // "end" cut short
           good.substr(0, good.find("end\n")),          // no "end"
           good + "image x\n",                          // after "end"
           replace("id 2049", "id -2049"),              // not a number
           replace("id 2049 ", "id 2049  "),            // an empty field
           replace(" 123456789 ", " 1000000000 "),      // nsec out of range
           replace(" 1 123456\n", " 2 123456\n"),       // a flag not 0 or 1
           replace("compressed", "zstd"),               // unknown type
           replace("100%25", "100%2"),                  // bad escape
           replace("100%25", "100%zz"),                 // bad escape
           replace(":before", "before"),                // text without ':'
           replace("top 5fbaabe3", "top {5fbaabe3"),    // braces
           replace("root :", "rooted :"),               // a line out of place
           replace(":Virtuozzo_disk_image", ":Other"),  // not a root name
           replace(" 0123456789abcdef", " 0123456789ABCDEF"),  // upper case
           replace(" 0123456789abcdef", " 123456789abcdef"),   // 15 digits
           replace(":root.hds\n", ":root\t.hds\n"),  // a byte not escaped
       }) {
    EXPECT_FALSE(ParseDescriptorMemo(text).has_value()) << text;
  }
}

TEST(DescriptorMemoTest, TheDescriptorMustValidate) {
  DescriptorMemo m = Example();
  m.dd.top_guid = G("11111111-2222-4333-8444-555555555555");  // no such shot
  auto r = ParseDescriptorMemo(FormatDescriptorMemo(m));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), vz::Code::kInvalidArgument);
}

// Rewrites `path` in place (same inode) with `text`.
void RewriteInPlace(const std::string& path, const std::string& text) {
  vz::UniqueFd fd(::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC));
  ASSERT_TRUE(fd.valid());
  ASSERT_EQ(::write(fd.get(), text.data(), text.size()),
            static_cast<ssize_t>(text.size()));
}

class RememberedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dd_path_ = dir_.path() + "/DiskDescriptor.xml";
    memo_path_ = dir_.path() + "/memo";
    ASSERT_TRUE(WriteDiskDescriptor(dd_path_, Example().dd).ok());
  }
  uint64_t Read() {
    auto dd = ReadDiskDescriptorRemembered(dd_path_, memo_path_);
    EXPECT_TRUE(dd.has_value()) << dd.error().message();
    return dd.has_value() ? dd->disk_size_sectors : 0;
  }
  vz::testing::TempDir dir_;
  std::string dd_path_, memo_path_;
};

TEST_F(RememberedTest, TheMemoStandsForTheDescriptorUntilItChanges) {
  EXPECT_EQ(Read(), 20971520u);  // from the XML, and remembered
  auto memo = vz::ReadFile(memo_path_);
  ASSERT_TRUE(memo.has_value());
  // A memo that says otherwise under the same identity is believed: the
  // XML was not read again.
  std::string edited = *memo;
  edited.replace(edited.find("disk 20971520"), 13, "disk 41943040");
  ASSERT_TRUE(vz::WriteFileAtomic(memo_path_, edited, 0600).ok());
  EXPECT_EQ(Read(), 41943040u);
  // The descriptor rewritten (a new inode): the XML again, a new memo.
  DiskDescriptor bigger = Example().dd;
  bigger.disk_size_sectors = 62914560;
  ASSERT_TRUE(WriteDiskDescriptor(dd_path_, bigger).ok());
  EXPECT_EQ(Read(), 62914560u);
  auto again = vz::ReadFile(memo_path_);
  ASSERT_TRUE(again.has_value());
  EXPECT_NE(again->find("disk 62914560"), std::string::npos);
}

TEST_F(RememberedTest, AnInPlaceWriteOrOtherBytesAreNotTheMemos) {
  EXPECT_EQ(Read(), 20971520u);
  // The same inode rewritten in place with other bytes of the same size
  // (a new ctime): the XML again.
  auto xml = vz::ReadFile(dd_path_);
  ASSERT_TRUE(xml.has_value());
  std::string other = *xml;
  other.replace(other.find("20971520"), 8, "41943040");
  RewriteInPlace(dd_path_, other);
  EXPECT_EQ(Read(), 41943040u);
  // A memo with the descriptor's identity but another digest: the XML.
  auto memo = vz::ReadFile(memo_path_);
  ASSERT_TRUE(memo.has_value());
  std::string edited = *memo;
  const size_t id_end = edited.find('\n', edited.find("\nid ") + 1);
  edited.replace(id_end - 16, 16, "0000000000000000");
  edited.replace(edited.find("disk 41943040"), 13, "disk 62914560");
  ASSERT_TRUE(vz::WriteFileAtomic(memo_path_, edited, 0600).ok());
  EXPECT_EQ(Read(), 41943040u);
}

TEST_F(RememberedTest, ABrokenMemoIsReadAsNoneAndReplaced) {
  ASSERT_TRUE(
      vz::WriteFileAtomic(memo_path_, "ploop-descriptor-memo 1\nid", 0600)
          .ok());
  EXPECT_EQ(Read(), 20971520u);
  auto memo = vz::ReadFile(memo_path_);
  ASSERT_TRUE(memo.has_value());
  EXPECT_TRUE(ParseDescriptorMemo(*memo).has_value());
}

TEST_F(RememberedTest, ABadDescriptorIsAnErrorAndNoMemo) {
  ASSERT_TRUE(vz::WriteFileAtomic(dd_path_, "<not xml", 0644).ok());
  auto dd = ReadDiskDescriptorRemembered(dd_path_, memo_path_);
  ASSERT_FALSE(dd.has_value());
  EXPECT_FALSE(vz::PathExists(memo_path_));
}

}  // namespace
}  // namespace ploop
