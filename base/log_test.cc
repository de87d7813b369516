#include "base/log.h"

#include <gtest/gtest.h>

#include "base/file_util.h"
#include "base/testing/temp_dir.h"

namespace vz {
namespace {

class CaptureSink : public LogSink {
 public:
  explicit CaptureSink(std::vector<std::string>* out) : out_(out) {}
  void Write(LogLevel level, std::string_view m) override {
    out_->push_back(std::string(LogLevelName(level)) + ":" + std::string(m));
  }

 private:
  std::vector<std::string>* out_;
};

TEST(LogTest, LevelsFilter) {
  std::vector<std::string> lines;
  SetLogSink(std::make_unique<CaptureSink>(&lines));
  SetLogLevel(LogLevel::kInfo);
  VZ_LOG(kDebug) << "hidden";
  VZ_LOG(kInfo) << "shown " << 42;
  VZ_LOG(kError) << "bad";
  SetLogSink(nullptr);
  EXPECT_EQ(lines, (std::vector<std::string>{"info:shown 42", "error:bad"}));
}

TEST(LogTest, FileLineFormat) {
  EXPECT_EQ(
      FormatLogLine("vzctl", 7, LogLevel::kWarning, "hi", 1795722254123LL),
      "2026-11-26T19:44:14.123Z vzctl[7] warning: hi\n");
}

TEST(LogTest, FileSinkAppends) {
  testing::TempDir dir;
  std::string p = dir.Join("vzctl.log");
  {
    auto sink = FileLogSink::Open(p, "vzctl");
    ASSERT_TRUE(sink.has_value());
    (*sink)->Write(LogLevel::kInfo, "one");
    (*sink)->Write(LogLevel::kError, "two");
  }
  std::string text = *ReadFile(p);
  EXPECT_NE(text.find("vzctl["), std::string::npos);
  EXPECT_NE(text.find("info: one\n"), std::string::npos);
  EXPECT_NE(text.find("error: two\n"), std::string::npos);
}

TEST(LogTest, ParseLevel) {
  EXPECT_EQ(*ParseLogLevel("debug"), LogLevel::kDebug);
  EXPECT_EQ(*ParseLogLevel("3"), LogLevel::kError);
  EXPECT_FALSE(ParseLogLevel("loud").has_value());
}

}  // namespace
}  // namespace vz
