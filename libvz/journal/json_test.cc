#include "libvz/journal/json.h"

#include <gtest/gtest.h>

namespace vz::journal {
namespace {

TEST(JsonTest, EscapesWhatMustBeEscaped) {
  EXPECT_EQ(JsonString(""), "\"\"");
  EXPECT_EQ(JsonString("plain"), "\"plain\"");
  EXPECT_EQ(JsonString("a\"b\\c/d"), "\"a\\\"b\\\\c/d\"");
  EXPECT_EQ(JsonString("\n\r\t\b\f"), "\"\\n\\r\\t\\b\\f\"");
  EXPECT_EQ(JsonString(std::string("\0\x01\x1f\x7f", 4)),
            "\"\\u0000\\u0001\\u001f\\u007f\"");
  EXPECT_EQ(JsonString("\u2028\u2029"), "\"\\u2028\\u2029\"");
  EXPECT_EQ(JsonString("ünïcödé 😀"), "\"ünïcödé 😀\"");
}

TEST(JsonTest, InvalidUtf8BecomesReplacementCharacters) {
  EXPECT_EQ(JsonString("\xff"), "\"\\ufffd\"");
  EXPECT_EQ(JsonString("a\xc3"), "\"a\\ufffd\"");           // truncated
  EXPECT_EQ(JsonString("\xc0\xaf"), "\"\\ufffd\\ufffd\"");  // overlong '/'
  EXPECT_EQ(JsonString("\xed\xa0\x80"),
            "\"\\ufffd\\ufffd\\ufffd\"");  // an encoded surrogate
  EXPECT_EQ(JsonString("\xf4\x90\x80\x80"),
            "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");  // past U+10FFFF
}

// Whatever bytes go in, the output is one line that reads back, and valid
// UTF-8 input reads back unchanged.
TEST(JsonTest, HostileStringsRoundTrip) {
  std::string every_byte;
  for (int c = 0; c < 256; ++c) every_byte.push_back(static_cast<char>(c));
  for (const std::string& s :
       {std::string("\"},\"event\":\"destroy"), std::string("x\ny\r\n"),
        std::string("\\u0000"), std::string("</script>"), every_byte,
        std::string("\xf0\x9f\x98"), std::string(5000, '\\')}) {
    std::string encoded = JsonString(s);
    EXPECT_EQ(encoded.find('\n'), std::string::npos);
    auto obj = ParseFlatObject("{\"k\":" + encoded + "}");
    ASSERT_TRUE(obj.has_value()) << obj.error().message();
    std::string back = std::get<std::string>(obj->at("k"));
    bool valid = true;
    for (size_t i = 0; i < s.size();) {
      size_t n = Utf8SequenceLength(s, i);
      if (n == 0) {
        valid = false;
        break;
      }
      i += n;
    }
    if (valid) {
      EXPECT_EQ(back, s);
    }
  }
}

TEST(JsonTest, ParsesTheSubset) {
  auto obj = ParseFlatObject(
      " { \"a\" : \"x\\u00e9\\ud83d\\ude00\\/\" , \"n\":0,\"m\":"
      "18446744073709551615 }\n");
  ASSERT_TRUE(obj.has_value()) << obj.error().message();
  EXPECT_EQ(std::get<std::string>(obj->at("a")), "xé😀/");
  EXPECT_EQ(std::get<uint64_t>(obj->at("n")), 0u);
  EXPECT_EQ(std::get<uint64_t>(obj->at("m")), UINT64_MAX);
  EXPECT_TRUE(ParseFlatObject("{}")->empty());
}

TEST(JsonTest, RefusesEverythingElse) {
  for (const char* bad : {
           "",
           "[]",
           "{",
           "{\"a\":1",
           "{\"a\":1,}",
           "{\"a\":{}}",
           "{\"a\":[1]}",
           "{\"a\":true}",
           "{\"a\":null}",
           "{\"a\":-1}",
           "{\"a\":1.5}",
           "{\"a\":1e3}",
           "{\"a\":01}",
           "{\"a\":18446744073709551616}",
           "{\"a\":\"x\"}x",
           "{\"a\":\"x\",\"a\":\"y\"}",
           "{a:1}",
           "{\"a\":\"\x01\"}",
           "{\"a\":\"\n\"}",
           "{\"a\":\"\xff\"}",
           "{\"a\":\"\\x\"}",
           "{\"a\":\"\\ud800\"}",
           "{\"a\":\"\\udc00\"}",
           "{\"a\":\"\\ud800\\u0041\"}",
           "{\"a\":\"\\u12\"}",
           "{\"a\":\"unterminated}",
       }) {
    EXPECT_FALSE(ParseFlatObject(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace vz::journal
