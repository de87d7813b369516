#include "libvz/config/syntax.h"

#include <gtest/gtest.h>

namespace vz::config {
namespace {

TEST(SyntaxTest, LineKinds) {
  EXPECT_EQ(ParseLine("")->kind, LineParts::Kind::kBlank);
  EXPECT_EQ(ParseLine(" \t\r")->kind, LineParts::Kind::kBlank);
  EXPECT_EQ(ParseLine("  # x=1")->kind, LineParts::Kind::kComment);
  EXPECT_EQ(ParseLine("A=1")->kind, LineParts::Kind::kAssignment);
}

TEST(SyntaxTest, PartsOfAnAssignment) {
  auto p = *ParseLine("\texport  KEY=\"v a\"  # note\r");
  EXPECT_EQ(p.lead, "\texport  ");
  EXPECT_EQ(p.key, "KEY");
  EXPECT_EQ(p.value, "v a");
  EXPECT_EQ(p.style, QuoteStyle::kDouble);
  EXPECT_EQ(p.trail, "  # note\r");
  EXPECT_EQ(FormatAssignment(p), "\texport  KEY=\"v a\"  # note\r");
}

TEST(SyntaxTest, ExportIsAKeyWhenFollowedByEquals) {
  auto p = *ParseLine("export=1");
  EXPECT_EQ(p.key, "export");
  EXPECT_EQ(p.lead, "");
  EXPECT_FALSE(ParseLine("export A").has_value());
}

TEST(SyntaxTest, DoubleQuoteEscapes) {
  EXPECT_EQ(ParseLine(R"(A="\"\\\$\`")")->value, "\"\\$`");
  // A backslash before anything else stays, as in the shell.
  EXPECT_EQ(ParseLine(R"(A="\n\a")")->value, "\\n\\a");
  EXPECT_EQ(ParseLine(R"(A="$VEID ${VEID}")")->value, "$VEID ${VEID}");
  EXPECT_EQ(ParseLine(R"x(A="\$(x)")x")->value, "$(x)");
}

TEST(SyntaxTest, UnquotedAndSingle) {
  EXPECT_EQ(ParseLine("A=/vz/root/$VEID")->value, "/vz/root/$VEID");
  EXPECT_EQ(ParseLine("A=a#b")->value, "a#b");
  EXPECT_EQ(ParseLine("A=")->value, "");
  EXPECT_EQ(ParseLine("A='$(x) `y` \\'")->value, "$(x) `y` \\");
}

TEST(SyntaxTest, Reasons) {
  struct Case {
    const char* line;
    const char* why;
  } cases[] = {
      {"A", "expected KEY=value"},
      {"=1", "invalid key name ''"},
      {"A-B=1", "invalid key name 'A-B'"},
      {"A=\"x", "unterminated double quote"},
      {"A=\"x\\\"", "unterminated double quote"},
      {"A='x", "unterminated single quote"},
      {"A=\"x\" y", "unexpected text after value"},
      {"A=x&", "character '&' not allowed in an unquoted value"},
      {"A=x\\y", "character '\\' not allowed in an unquoted value"},
      {"A=\"`x`\"", "command substitution not allowed"},
      {"A=$(x)", "command substitution not allowed"},
      {"A=\"a$(x)\"", "command substitution not allowed"},
  };
  for (const auto& c : cases) {
    auto r = ParseLine(c.line);
    ASSERT_FALSE(r.has_value()) << c.line;
    EXPECT_EQ(r.error().message(), c.why) << c.line;
  }
}

TEST(SyntaxTest, EncodeEveryStyleRoundTrips) {
  for (std::string v : {"", "plain", "/vz/$VEID", "a b", "it's", "\"q\"",
                        "$(x)", "`x`", "\\", "x$"}) {
    for (QuoteStyle s :
         {QuoteStyle::kNone, QuoteStyle::kSingle, QuoteStyle::kDouble}) {
      if (!StyleCanCarry(s, v)) continue;
      LineParts p{LineParts::Kind::kAssignment, "", "K", v, s, ""};
      auto back = ParseLine(FormatAssignment(p));
      ASSERT_TRUE(back.has_value()) << v << ": " << back.error().message();
      EXPECT_EQ(back->value, v);
      EXPECT_EQ(back->style, s);
    }
  }
  EXPECT_FALSE(StyleCanCarry(QuoteStyle::kSingle, "it's"));
  EXPECT_FALSE(StyleCanCarry(QuoteStyle::kNone, "a b"));
  EXPECT_FALSE(StyleCanCarry(QuoteStyle::kDouble, "a\nb"));
  EXPECT_EQ(EncodeValue("$VEID $(x)", QuoteStyle::kDouble), "\"$VEID \\$(x)\"");
}

}  // namespace
}  // namespace vz::config
