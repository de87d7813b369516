#include "ploop/lib/control_proto.h"

#include <gtest/gtest.h>

namespace ploop {
namespace {

TEST(ControlProtoTest, RoundTripWithEscapes) {
  ControlMessage m{"snapshot", {}};
  m.Set("name", "line1\nline2 \\ back");
  m.Set("empty", "");
  std::string wire = EncodeControl(m);
  EXPECT_EQ(wire, "snapshot\nname=line1\\nline2 \\\\ back\nempty=\n");
  auto back = DecodeControl(wire);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->head, "snapshot");
  EXPECT_EQ(*back->Get("name"), "line1\nline2 \\ back");
  EXPECT_EQ(*back->Get("empty"), "");
  EXPECT_FALSE(back->Get("missing").has_value());
}

TEST(ControlProtoTest, Numbers) {
  ControlMessage m{"x", {{"n", "42"}, {"bad", "4x"}}};
  EXPECT_EQ(**m.GetUint("n"), 42u);
  EXPECT_FALSE(m.GetUint("bad").has_value());
  EXPECT_FALSE(m.GetUint("none", true).has_value());
  EXPECT_FALSE(m.GetUint("none")->has_value());
}

TEST(ControlProtoTest, MalformedInput) {
  std::vector<std::string> cases = {"",
                                    "\n",
                                    "cmd",
                                    "cmd\nnoequals\n",
                                    "cmd\n=value\n",
                                    std::string(kMaxControlMessage + 1, 'x')};
  for (const std::string& bad : cases) {
    auto r = DecodeControl(bad);
    ASSERT_FALSE(r.has_value()) << bad.substr(0, 20);
    EXPECT_EQ(r.error().exit_code(), 13);
  }
}

TEST(ControlProtoTest, ErrorsTravel) {
  vz::Status s =
      vz::InvalidArgumentError("limit out of range").WithExitCode(38);
  auto back = DecodeControl(EncodeControl(ErrorResponse(s)));
  vz::Status t = StatusFromResponse(*back);
  EXPECT_EQ(t.code(), vz::Code::kInvalidArgument);
  EXPECT_EQ(t.message(), "limit out of range");
  EXPECT_EQ(t.exit_code(), 38);
  EXPECT_TRUE(StatusFromResponse(ControlMessage{"ok", {}}).ok());
  EXPECT_FALSE(StatusFromResponse(ControlMessage{"weird", {}}).ok());
}

}  // namespace
}  // namespace ploop
