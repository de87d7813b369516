#include "libvz/ctid.h"

#include <gtest/gtest.h>

#include "base/file_util.h"
#include "base/testing/temp_dir.h"
#include "libvz/exit_codes.h"

namespace vz {
namespace {

TEST(CtidTest, ValidCtids) {
  for (const char* id : {"1", "101", "2147483647", "web", "web-1", "a_b", "A",
                         "0x", "abcdefghijklmnopqrstuvwxyz012345"}) {
    EXPECT_TRUE(ValidateCtid(id).ok()) << id;
    EXPECT_TRUE(ValidateContainerName(id).ok()) << id;
  }
}

TEST(CtidTest, InvalidCtids) {
  struct Case {
    const char* id;
    const char* why;
  } cases[] = {
      {"", "empty"},
      {"0", "0 is the host"},
      {"0101", "leading zero"},
      {"2147483648", "larger than 2147483647"},
      {"99999999999999999999", "larger than 2147483647"},
      {"-1", "must not start with '-'"},
      {"a.b", "expected [A-Za-z0-9_-]"},
      {"../x", "expected [A-Za-z0-9_-]"},
      {"a b", "expected [A-Za-z0-9_-]"},
      {"abcdefghijklmnopqrstuvwxyz0123456", "longer than 32 characters"},
  };
  for (const auto& c : cases) {
    Status s = ValidateCtid(c.id);
    EXPECT_EQ(s.message(),
              std::string("invalid CTID '") + c.id + "': " + c.why);
    EXPECT_EQ(s.exit_code(), kVzInvalidParameterValue);
    Status n = ValidateContainerName(c.id);
    EXPECT_FALSE(n.ok());
    EXPECT_EQ(n.exit_code(), kVzSetNameError);
  }
}

class IdentityTest : public ::testing::Test {
 protected:
  void Add(const std::string& ctid, const std::string& name) {
    std::string text = "VERSION=\"2\"\n";
    if (!name.empty()) text += "NAME=\"" + name + "\"\n";
    ASSERT_TRUE(WriteFileAtomic(dir_.Join(ctid + ".conf"), text).ok());
  }
  std::string conf() const { return dir_.path(); }
  testing::TempDir dir_;
};

TEST_F(IdentityTest, ListSkipsWhatIsNotAContainer) {
  Add("101", "web");
  Add("db", "");
  ASSERT_TRUE(WriteFileAtomic(dir_.Join("0.conf"), "X=1\n").ok());
  ASSERT_TRUE(WriteFileAtomic(dir_.Join("ve-basic.conf-sample"), "X\n").ok());
  ASSERT_TRUE(WriteFileAtomic(dir_.Join("a.b.conf"), "X\n").ok());
  auto all = ListContainers(conf());
  ASSERT_TRUE(all.has_value()) << all.error().message();
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].ctid, "101");
  EXPECT_EQ((*all)[0].name, "web");
  EXPECT_EQ((*all)[1].ctid, "db");
  EXPECT_EQ((*all)[1].name, "");
  EXPECT_TRUE(ListContainers(dir_.Join("absent"))->empty());
}

TEST_F(IdentityTest, ResolveByCtidOrName) {
  Add("101", "web");
  Add("102", "");
  EXPECT_EQ(*ResolveContainer(conf(), "101"), "101");
  EXPECT_EQ(*ResolveContainer(conf(), "web"), "101");
  EXPECT_EQ(*ResolveContainer(conf(), "102"), "102");
  auto r = ResolveContainer(conf(), "nope");
  EXPECT_EQ(r.error().code(), Code::kNotFound);
  EXPECT_EQ(r.error().message(), "container 'nope' not found");
  EXPECT_EQ(r.error().exit_code(), kVzNoVeConfig);
  EXPECT_EQ(ResolveContainer(conf(), "../etc").error().exit_code(),
            kVzInvalidParameterValue);
}

// One config that does not parse is listed with its problem, not an error
// for all: a host's boot, vzlist and name lookups go on with the others.
TEST_F(IdentityTest, AConfigThatDoesNotParseIsListedWithItsProblem) {
  Add("101", "web");
  ASSERT_TRUE(WriteFileAtomic(dir_.Join("102.conf"), "not a key\n").ok());
  Add("103", "db");
  auto all = ListContainers(conf());
  ASSERT_TRUE(all.has_value()) << all.error().message();
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[1].ctid, "102");
  EXPECT_NE((*all)[1].problem.message().find("102.conf"), std::string::npos);
  EXPECT_TRUE((*all)[0].problem.ok());
  EXPECT_EQ(*ResolveContainer(conf(), "db"), "103");
  auto r = ResolveContainer(conf(), "nope");
  EXPECT_EQ(r.error().exit_code(), kVzNoVeConfig);
  EXPECT_NE(r.error().message().find("cannot be read: 102"), std::string::npos)
      << r.error().message();
  // A new CTID or name must know every NAME: refused with the problem
  // (BrokenConfigStopsTheScan).
  EXPECT_EQ(CheckNewIdentity(conf(), "104", "cache").exit_code(),
            kVzInvalidConfig);
}

TEST_F(IdentityTest, NoCtidOrNameEqualsAnother) {
  Add("101", "web");
  EXPECT_TRUE(CheckNewIdentity(conf(), "102", "db").ok());
  EXPECT_TRUE(CheckNewIdentity(conf(), "102", std::nullopt).ok());
  EXPECT_TRUE(CheckNewIdentity(conf(), "db", "db").ok());

  Status taken = CheckNewIdentity(conf(), "101", std::nullopt);
  EXPECT_EQ(taken.code(), Code::kAlreadyExists);
  EXPECT_EQ(taken.exit_code(), kVzFsPrvtAreaExist);
  EXPECT_EQ(taken.message(), "container '101' already exists");

  Status ctid_is_name = CheckNewIdentity(conf(), "web", std::nullopt);
  EXPECT_EQ(ctid_is_name.exit_code(), kVzFsPrvtAreaExist);
  EXPECT_EQ(ctid_is_name.message(),
            "CTID 'web' is the name of container '101'");

  for (const char* name : {"web", "101"}) {
    Status s = CheckNewIdentity(conf(), "102", name);
    EXPECT_EQ(s.code(), Code::kAlreadyExists) << name;
    EXPECT_EQ(s.exit_code(), kVzSetNameError);
    EXPECT_EQ(s.message(), std::string("name '") + name +
                               "' is already used by container '101'");
  }
  EXPECT_EQ(CheckNewIdentity(conf(), "102", "bad name").exit_code(),
            kVzSetNameError);
}

TEST_F(IdentityTest, RenameChecks) {
  Add("101", "web");
  Add("102", "db");
  EXPECT_TRUE(CheckNameAvailable(conf(), "101", "web").ok());
  EXPECT_TRUE(CheckNameAvailable(conf(), "101", "101").ok());
  EXPECT_TRUE(CheckNameAvailable(conf(), "101", "www").ok());
  EXPECT_EQ(CheckNameAvailable(conf(), "101", "db").exit_code(),
            kVzSetNameError);
  EXPECT_EQ(CheckNameAvailable(conf(), "101", "102").exit_code(),
            kVzSetNameError);
}

TEST_F(IdentityTest, BrokenConfigStopsTheScan) {
  Add("101", "web");
  ASSERT_TRUE(WriteFileAtomic(dir_.Join("102.conf"), "NAME=\"x\n").ok());
  Status s = CheckNewIdentity(conf(), "103", "x");
  EXPECT_EQ(s.exit_code(), kVzInvalidConfig);
  EXPECT_NE(s.message().find("102.conf' line 1: unterminated double quote"),
            std::string::npos);
}

TEST(CtidTest, UuidsAreFreshVersion4) {
  auto a = NewContainerUuid();
  auto b = NewContainerUuid();
  ASSERT_TRUE(a.has_value() && b.has_value());
  EXPECT_NE(*a, *b);
  EXPECT_EQ(a->version(), 4);
}

}  // namespace
}  // namespace vz
