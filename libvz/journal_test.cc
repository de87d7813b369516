#include "libvz/journal.h"

#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "base/file_util.h"
#include "base/strings.h"
#include "base/testing/golden.h"
#include "base/testing/temp_dir.h"
#include "libvz/exit_codes.h"

namespace vz {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using std::chrono::system_clock;

system_clock::time_point At(long long secs, int ms = 0) {
  return system_clock::time_point(seconds(secs)) + milliseconds(ms);
}

Event Sample(std::string ctid, std::string event, std::string reason) {
  return Event{At(1795895054, 123),
               std::move(ctid),
               std::move(event),
               std::move(reason),
               0,
               4242,
               "vzctl start 101"};
}

// The exact bytes of records, hostile fields included.
TEST(EventJournalTest, FormatGolden) {
  std::string out;
  out += FormatEventLine(Sample("101", "start", ""));
  out += FormatEventLine(Sample("web", "crash", "storage-lost"));
  out += FormatEventLine(Sample("", "template-import", "debian-12-x86_64"));
  Event evil = Sample("101", "stop", "a\"b\\c\nd\te\x01\xff\u2028");
  evil.command = "vzctl exec 101 '\"}\n{\"ctid\":\"102\"'";
  out += FormatEventLine(evil);
  testing::ExpectGolden("libvz/journal/events.jsonl", out);
  for (const auto& line : SplitNonEmpty(out, '\n')) {
    auto e = ParseEventLine(line);
    ASSERT_TRUE(e.has_value()) << e.error().message();
  }
}

TEST(EventJournalTest, RecordsRoundTrip) {
  Event e = Sample("101", "oom-kill", "killed \"postgres\"\n");
  e.uid = 1000;
  e.command = "vzctl ñ";
  std::string line = FormatEventLine(e);
  ASSERT_EQ(line.back(), '\n');
  line.pop_back();
  auto back = ParseEventLine(line);
  ASSERT_TRUE(back.has_value()) << back.error().message();
  EXPECT_EQ(*back, e);
}

TEST(EventJournalTest, LongFieldsAreCut) {
  Event e = Sample("101", "stop", std::string(5000, 'r'));
  e.command = std::string(5000, 'c');
  std::string line = FormatEventLine(e);
  line.pop_back();
  auto back = *ParseEventLine(line);
  EXPECT_EQ(back.reason.size(), 1024u);
  EXPECT_EQ(back.command.size(), 1024u);
}

TEST(EventJournalTest, BadRecords) {
  for (const char* bad : {
           "{}",
           "not json",
           "{\"time\":\"x\",\"ctid\":\"1\",\"event\":\"a\",\"reason\":\"\","
           "\"uid\":0,\"pid\":1,\"command\":\"\"}",
           "{\"time\":\"2026-11-28T19:44:14.123Z\",\"ctid\":\"1\",\"event\":"
           "\"Bad Name\",\"reason\":\"\",\"uid\":0,\"pid\":1,\"command\":\"\"}",
           "{\"time\":\"2026-11-28T19:44:14.123Z\",\"ctid\":1,\"event\":\"a\","
           "\"reason\":\"\",\"uid\":0,\"pid\":1,\"command\":\"\"}",
           "{\"time\":\"2026-11-28T19:44:14.123Z\",\"ctid\":\"1\",\"event\":"
           "\"a\",\"reason\":\"\",\"uid\":0,\"pid\":1,\"command\":\"\","
           "\"extra\":1}",
       }) {
    EXPECT_FALSE(ParseEventLine(bad).has_value()) << bad;
  }
}

TEST(EventJournalTest, AppendAndTailFromOffsets) {
  testing::TempDir dir;
  std::string path = dir.Join("var/log/vz/events.log");
  auto empty = ReadEvents(path, 0);
  ASSERT_TRUE(empty.has_value());
  EXPECT_TRUE(empty->events.empty());
  EXPECT_EQ(empty->next_offset, 0u);

  ASSERT_TRUE(AppendEvent(path, Sample("101", "create", "")).ok());
  ASSERT_TRUE(AppendEvent(path, Sample("101", "start", "")).ok());
  auto first = *ReadEvents(path, 0);
  ASSERT_EQ(first.events.size(), 2u);
  EXPECT_EQ(first.events[1].event, "start");
  EXPECT_EQ(first.skipped, 0u);

  ASSERT_TRUE(AppendEvent(path, Sample("101", "stop", "requested")).ok());
  auto next = *ReadEvents(path, first.next_offset);
  ASSERT_EQ(next.events.size(), 1u);
  EXPECT_EQ(next.events[0].reason, "requested");
  auto none = *ReadEvents(path, next.next_offset);
  EXPECT_TRUE(none.events.empty());
  EXPECT_EQ(none.next_offset, next.next_offset);

  struct stat st;
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u);
  EXPECT_FALSE(AppendEvent(path, Sample("101", "Not Valid", "")).ok());
}

TEST(EventJournalTest, TornLastLineWaitsThenIsSkipped) {
  testing::TempDir dir;
  std::string path = dir.Join("events.log");
  std::string good = FormatEventLine(Sample("101", "start", ""));
  // A writer died in the middle of its record.
  ASSERT_TRUE(WriteFileAtomic(path, good + good.substr(0, 40)).ok());
  auto first = *ReadEvents(path, 0);
  EXPECT_EQ(first.events.size(), 1u);
  EXPECT_EQ(first.next_offset, good.size());  // the fragment is not consumed

  // The next writer terminates the fragment before its own record.
  ASSERT_TRUE(AppendEvent(path, Sample("101", "stop", "")).ok());
  auto second = *ReadEvents(path, first.next_offset);
  ASSERT_EQ(second.events.size(), 1u);
  EXPECT_EQ(second.events[0].event, "stop");
  EXPECT_EQ(second.skipped, 1u);
}

TEST(EventJournalTest, GarbageAndOverlongLinesAreSkipped) {
  testing::TempDir dir;
  std::string path = dir.Join("events.log");
  std::string good = FormatEventLine(Sample("101", "start", ""));
  ASSERT_TRUE(WriteFileAtomic(
                  path, "garbage\n\n" + std::string(70000, 'x') + "\n" + good)
                  .ok());
  auto batch = *ReadEvents(path, 0);
  ASSERT_EQ(batch.events.size(), 1u);
  EXPECT_EQ(batch.skipped, 2u);
}

TEST(EventJournalTest, ReadsInBoundedBatches) {
  testing::TempDir dir;
  std::string path = dir.Join("events.log");
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(
        AppendEvent(path, Sample(std::to_string(i + 1), "start", "")).ok());
  }
  uint64_t offset = 0;
  size_t total = 0, calls = 0;
  for (;;) {
    auto batch = *ReadEvents(path, offset, 1000);
    if (batch.events.empty()) break;
    EXPECT_EQ(batch.events[0].ctid, std::to_string(total + 1));
    total += batch.events.size();
    offset = batch.next_offset;
    ++calls;
  }
  EXPECT_EQ(total, 100u);
  EXPECT_GT(calls, 5u);
}

TEST(EventJournalTest, TruncatedFileRewinds) {
  testing::TempDir dir;
  std::string path = dir.Join("events.log");
  ASSERT_TRUE(AppendEvent(path, Sample("101", "start", "")).ok());
  auto batch = *ReadEvents(path, 1u << 20);
  EXPECT_TRUE(batch.rewound);
  EXPECT_EQ(batch.events.size(), 1u);
}

// Writers in several processes at once never interleave within a record.
TEST(EventJournalTest, ConcurrentAppendersKeepRecordsWhole) {
  testing::TempDir dir;
  std::string path = dir.Join("events.log");
  constexpr int kProcs = 4, kEach = 200;
  std::vector<pid_t> kids;
  for (int p = 0; p < kProcs; ++p) {
    pid_t pid = ::fork();
    if (pid == 0) {
      for (int i = 0; i < kEach; ++i) {
        Event e = MakeEvent(std::to_string(p + 1), "start",
                            std::string(static_cast<size_t>(100 + i), 'r'));
        if (!AppendEvent(path, e).ok()) ::_exit(1);
      }
      ::_exit(0);
    }
    kids.push_back(pid);
  }
  for (pid_t pid : kids) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  auto batch = *ReadEvents(path, 0, 64 << 20);
  EXPECT_EQ(batch.events.size(), static_cast<size_t>(kProcs * kEach));
  EXPECT_EQ(batch.skipped, 0u);
}

TEST(EventJournalTest, MakeEventStampsWho) {
  auto before = system_clock::now();
  Event e = MakeEvent("101", "start", "");
  EXPECT_GE(e.time, before);
  EXPECT_EQ(e.uid, static_cast<uint64_t>(::getuid()));
  EXPECT_EQ(e.pid, static_cast<uint64_t>(::getpid()));
  EXPECT_NE(e.command.find("libvz_tests"), std::string::npos);
}

TEST(ActionLogTest, FormatGolden) {
  ActionRecord ok{
      At(1795895054, 123), "vzctl", 4242, 0, "101", "vzctl start 101", 0, "ok",
      milliseconds(87)};
  ActionRecord locked{At(1795895055, 5),
                      "vzctl",
                      4243,
                      0,
                      "101",
                      "vzctl stop 101",
                      kVzLocked,
                      "container '101' is locked by another operation (pid "
                      "4242: vzctl start 101)",
                      milliseconds(3)};
  ActionRecord hostile{At(1795895056),
                       "vz ctl",
                       1,
                       1000,
                       "bad id\nx",
                       "vzctl set \"x\"\n--name y",
                       kVzInvalidParameterValue,
                       "invalid CTID 'bad id\nx'",
                       milliseconds(0)};
  ActionRecord node{At(1795895057), "vztmpl",        7, 0, "", "vztmpl list", 0,
                    "ok",           milliseconds(12)};
  std::string out = FormatActionLine(ok) + FormatActionLine(locked) +
                    FormatActionLine(hostile) + FormatActionLine(node);
  testing::ExpectGolden("libvz/journal/action.log", out);
  EXPECT_EQ(SplitNonEmpty(out, '\n').size(), 4u);
}

TEST(ActionLogTest, AppendAndMake) {
  testing::TempDir dir;
  std::string path = dir.Join("var/log/vzctl.log");
  auto started = std::chrono::steady_clock::now();
  ActionRecord r = MakeActionRecord(
      "vzctl", "101", UnavailableError("locked").WithExitCode(kVzLocked),
      started);
  EXPECT_EQ(r.exit_code, kVzLocked);
  EXPECT_EQ(r.result, "locked");
  ASSERT_TRUE(AppendActionLog(path, r).ok());
  ASSERT_TRUE(AppendActionLog(
                  path, MakeActionRecord("vzctl", "101", OkStatus(), started))
                  .ok());
  auto lines = SplitNonEmpty(*ReadFile(path), '\n');
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(lines[0].find(" exit=9 "), std::string::npos);
  EXPECT_NE(lines[1].find(" exit=0 "), std::string::npos);
  EXPECT_NE(lines[1].find("result=\"ok\""), std::string::npos);
}

}  // namespace
}  // namespace vz
