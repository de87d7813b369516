#include "libvz/node_config.h"

#include <gtest/gtest.h>

#include "base/file_util.h"
#include "base/testing/golden.h"
#include "base/testing/temp_dir.h"
#include "libvz/exit_codes.h"

namespace vz {
namespace {

class NodeConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = *NodeRoot::Make(dir_.path());
    ASSERT_TRUE(MakeDirs(dir_.Join("etc/vz")).ok());
  }
  Result<NodeConfig> LoadText(const std::string& text) {
    EXPECT_TRUE(WriteFileAtomic(dir_.Join("etc/vz/vz.conf"), text).ok());
    return NodeConfig::Load(root_);
  }
  testing::TempDir dir_;
  NodeRoot root_;
};

TEST_F(NodeConfigTest, DefaultsWhenKeysAreMissing) {
  auto c = LoadText("# nothing set\n");
  ASSERT_TRUE(c.has_value()) << c.error().message();
  EXPECT_EQ(c->ve_root_pattern(), "/vz/root/$VEID");
  EXPECT_EQ(c->VeRootFor("101"), dir_.path() + "/vz/root/101");
  EXPECT_EQ(c->VePrivateFor("101"), dir_.path() + "/vz/private/101");
  EXPECT_EQ(c->template_dir(), dir_.path() + "/vz/template");
  EXPECT_EQ(c->lock_dir(), dir_.path() + "/vz/lock");
  EXPECT_EQ(c->conf_dir(), dir_.path() + "/etc/vz/conf");
  EXPECT_EQ(c->keys_dir(), dir_.path() + "/etc/vz/keys");
  EXPECT_EQ(c->events_log(), dir_.path() + "/var/log/vz/events.log");
  EXPECT_EQ(c->log_file(), dir_.path() + "/var/log/vzctl.log");
  EXPECT_EQ(c->ConfigPathFor("101"), dir_.path() + "/etc/vz/conf/101.conf");
  EXPECT_EQ(c->SamplePathFor("basic"),
            dir_.path() + "/etc/vz/conf/ve-basic.conf-sample");
  EXPECT_TRUE(c->logging());
  EXPECT_EQ(c->log_level(), LogLevel::kInfo);
  EXPECT_EQ(c->default_sample(), "basic");
  EXPECT_EQ(c->default_ostemplate(), "debian-12-x86_64");
  EXPECT_EQ(c->root().prefix(), "vz");
  EXPECT_EQ(c->userns_id_base(), 1000000u);
  EXPECT_EQ(c->userns_id_count(), 655360000u);
}

// The vz.conf we ship states the defaults; loading it changes nothing.
TEST_F(NodeConfigTest, ShippedFileEqualsDefaults) {
  auto text = ReadFile(testing::SourceDir() + "/templates/vz.conf");
  ASSERT_TRUE(text.has_value());
  auto shipped = LoadText(*text);
  ASSERT_TRUE(shipped.has_value()) << shipped.error().message();
  NodeConfig d = NodeConfig::Defaults(root_);
  EXPECT_EQ(shipped->ve_root_pattern(), d.ve_root_pattern());
  EXPECT_EQ(shipped->ve_private_pattern(), d.ve_private_pattern());
  EXPECT_EQ(shipped->template_dir(), d.template_dir());
  EXPECT_EQ(shipped->lock_dir(), d.lock_dir());
  EXPECT_EQ(shipped->log_file(), d.log_file());
  EXPECT_EQ(shipped->logging(), d.logging());
  EXPECT_EQ(shipped->log_level(), d.log_level());
  EXPECT_EQ(shipped->default_sample(), d.default_sample());
  EXPECT_EQ(shipped->default_ostemplate(), d.default_ostemplate());
  EXPECT_EQ(shipped->root().prefix(), d.root().prefix());
  EXPECT_EQ(shipped->userns_id_base(), d.userns_id_base());
  EXPECT_EQ(shipped->userns_id_count(), d.userns_id_count());
}

TEST_F(NodeConfigTest, ValuesOverrideDefaults) {
  auto c = LoadText(
      "VE_ROOT=/srv/root/${VEID}/\nVE_PRIVATE=\"/srv/private/$VEID\"\n"
      "TEMPLATE=/srv/tmpl\nLOCKDIR=/run/vz\nNODE_PREFIX=t1\nLOGGING=no\n"
      "LOG_LEVEL=3\nCONFIGFILE=vswap-1g\nDEF_OSTEMPLATE=.busybox\n"
      "USERNS_ID_BASE=200000\nUSERNS_ID_COUNT=131072\n");
  ASSERT_TRUE(c.has_value()) << c.error().message();
  EXPECT_EQ(c->VeRootFor("web"), dir_.path() + "/srv/root/web");
  EXPECT_EQ(c->VePrivateFor("web"), dir_.path() + "/srv/private/web");
  EXPECT_EQ(c->template_dir(), dir_.path() + "/srv/tmpl");
  EXPECT_EQ(c->lock_dir(), dir_.path() + "/run/vz");
  EXPECT_EQ(c->root().prefix(), "t1");
  EXPECT_FALSE(c->logging());
  EXPECT_EQ(c->log_level(), LogLevel::kDebug);
  EXPECT_EQ(c->default_sample(), "vswap-1g");
  EXPECT_EQ(c->default_ostemplate(), "busybox");
  EXPECT_EQ(c->userns_id_base(), 200000u);
  EXPECT_EQ(c->userns_id_count(), 131072u);
}

TEST_F(NodeConfigTest, HostRootLeavesPathsAlone) {
  NodeConfig c = NodeConfig::Defaults(*NodeRoot::Make("/"));
  EXPECT_EQ(c.VePrivateFor("101"), "/vz/private/101");
  EXPECT_EQ(c.conf_dir(), "/etc/vz/conf");
}

TEST_F(NodeConfigTest, MissingFileIsNoConfig) {
  auto c = NodeConfig::Load(*NodeRoot::Make(dir_.Join("elsewhere")));
  EXPECT_EQ(c.error().code(), Code::kNotFound);
  EXPECT_EQ(c.error().exit_code(), kVzNoConfig);
}

TEST_F(NodeConfigTest, InvalidValuesNameKeyValueAndFile) {
  struct Case {
    const char* text;
    const char* message;
  } cases[] = {
      {"NODE_PREFIX=VZ!\n",
       "invalid NODE_PREFIX 'VZ!': expected 1 to 6 of [a-z0-9]"},
      {"NODE_PREFIX=toolong\n",
       "invalid NODE_PREFIX 'toolong': expected 1 to 6 of [a-z0-9]"},
      {"VE_ROOT=vz/root\n",
       "invalid VE_ROOT 'vz/root': expected an absolute path without '..'"},
      {"VE_PRIVATE=/vz/../../etc/$VEID\n",
       "invalid VE_PRIVATE '/vz/../../etc/$VEID': expected an absolute path "
       "without '..'"},
      {"LOGGING=maybe\n", "invalid LOGGING 'maybe': yes|no"},
      {"LOG_LEVEL=loud\n",
       "invalid LOG_LEVEL 'loud': expected 0..10 or a level name"},
      {"CONFIGFILE=../x\n",
       "invalid CONFIGFILE '../x': not a config sample name"},
      {"DEF_OSTEMPLATE=Debian/12\n",
       "invalid DEF_OSTEMPLATE 'Debian/12': not a template name"},
      {"USERNS_ID_BASE=1000\n",
       "invalid USERNS_ID_BASE '1000': below 65536, where the host's own users "
       "live"},
      {"USERNS_ID_COUNT=1000\n",
       "invalid USERNS_ID_COUNT '1000': expected a positive multiple of 65536"},
      {"USERNS_ID_BASE=4294901760\n",
       "invalid USERNS_ID_COUNT '655360000': the range passes 4294967295"},
      {"USERNS_ID_BASE=x\n", "invalid USERNS_ID_BASE 'x': expected a number"},
  };
  for (const auto& c : cases) {
    auto r = LoadText(c.text);
    ASSERT_FALSE(r.has_value()) << c.text;
    EXPECT_EQ(r.error().message(),
              "read '" + dir_.path() + "/etc/vz/vz.conf': " + c.message);
    EXPECT_EQ(r.error().exit_code(), kVzInvalidConfig);
  }
}

TEST(ExpandVeidTest, BothSpellingsEveryTime) {
  EXPECT_EQ(ExpandVeid("/vz/root/$VEID", "101"), "/vz/root/101");
  EXPECT_EQ(ExpandVeid("/a/${VEID}/b/$VEID/", "x"), "/a/x/b/x");
  EXPECT_EQ(ExpandVeid("/plain", "x"), "/plain");
  EXPECT_EQ(ExpandVeid("/", "x"), "/");
}

TEST(ValidateNodePathTest, StaysUnderTheRoot) {
  EXPECT_TRUE(ValidateNodePath("K", "/vz/private/$VEID").ok());
  EXPECT_FALSE(ValidateNodePath("K", "").ok());
  EXPECT_FALSE(ValidateNodePath("K", "rel").ok());
  EXPECT_FALSE(ValidateNodePath("K", "/a/../b").ok());
  EXPECT_FALSE(ValidateNodePath("K", "/a/./b").ok());
  EXPECT_FALSE(ValidateNodePath("K", "/..").ok());
}

}  // namespace
}  // namespace vz
