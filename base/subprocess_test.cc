#include "base/subprocess.h"

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <fstream>

#include <gtest/gtest.h>

#include "base/file_util.h"
#include "base/testing/temp_dir.h"

namespace vz {
namespace {

using namespace std::chrono_literals;

TEST(SubprocessTest, CapturesOutputAndExitCode) {
  auto r = RunSubprocess({"sh", "-c", "echo out; echo err >&2; exit 3"});
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(r->exit_code, 3);
  EXPECT_EQ(r->out, "out\n");
  EXPECT_EQ(r->err, "err\n");
  EXPECT_FALSE(r->success());
  EXPECT_EQ(r->Describe(), "exited with code 3");
}

TEST(SubprocessTest, ArgvIsNotAShellString) {
  auto r = RunSubprocess({"echo", "a; rm -rf /", "$HOME"});
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->out, "a; rm -rf / $HOME\n");
}

TEST(SubprocessTest, StdinEnvAndCwd) {
  testing::TempDir dir;
  SubprocessOptions o;
  o.stdin_data = "hello";
  o.env = {"VZ_TEST_VAR=42"};
  o.cwd = dir.path();
  auto r = RunSubprocess({"sh", "-c", "cat; echo \" $VZ_TEST_VAR $(pwd)\""}, o);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->out, "hello 42 " + dir.path() + "\n");
}

TEST(SubprocessTest, LargeStdinToAnEarlyExitDoesNotKillUs) {
  SubprocessOptions o;
  o.stdin_data.assign(8 << 20, 'x');
  auto r = RunSubprocess({"true"}, o);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->exit_code, 0);
}

TEST(SubprocessTest, MissingProgram) {
  auto r = RunSubprocess({"vz-no-such-program-xyz"});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), Code::kNotFound);
  EXPECT_FALSE(RunSubprocess({}).has_value());
}

TEST(SubprocessTest, Signals) {
  auto r = RunSubprocess({"sh", "-c", "kill -TERM $$"});
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->term_signal, SIGTERM);
  EXPECT_EQ(r->Describe(), "killed by signal 15");
}

TEST(SubprocessTest, TimeoutKillsTheWholeGroupIncludingGrandchildren) {
  testing::TempDir dir;
  std::string pidfile = dir.Join("grandchild.pid");
  SubprocessOptions o;
  o.timeout = 300ms;
  auto start = std::chrono::steady_clock::now();
  // The grandchild sleeps in the background and records its pid.
  auto r = RunSubprocess(
      {"sh", "-c", "sleep 30 & echo $! > " + pidfile + "; wait"}, o);
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->timed_out);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
  auto pid_text = ReadFile(pidfile);
  ASSERT_TRUE(pid_text.has_value());
  pid_t grandchild = std::stoi(*pid_text);
  // It was SIGKILLed with its group. Its parent (sh) is dead too, so it is
  // either reaped or a zombie waiting for PID 1 (which here may never reap).
  auto dead = [&] {
    auto stat = ReadFile("/proc/" + std::to_string(grandchild) + "/stat");
    if (!stat.has_value()) return true;
    auto close = stat->rfind(')');
    return close != std::string::npos && stat->substr(close + 2, 1) == "Z";
  };
  for (int i = 0; i < 100 && !dead(); ++i) usleep(10000);
  EXPECT_TRUE(dead());
}

TEST(SubprocessTest, TimeoutDoesNotTouchOtherGroups) {
  // We are not in the child's group: we survive its timeout.
  SubprocessOptions o;
  o.timeout = 100ms;
  auto r = RunSubprocess({"sleep", "5"}, o);
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->timed_out);
}

TEST(SubprocessTest, RunCheckedNamesProgramAndLastStderrLine) {
  auto r =
      RunChecked({"sh", "-c", "echo first >&2; echo 'bad thing' >&2; exit 1"});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message(), "'sh' exited with code 1: bad thing");
  EXPECT_TRUE(RunChecked({"true"}).has_value());
}

TEST(SubprocessTest, LineCallback) {
  std::vector<std::string> lines;
  SubprocessOptions o;
  o.on_stdout_line = [&](std::string_view l) { lines.emplace_back(l); };
  auto r = RunSubprocess({"printf", "a\\nb\\nc"}, o);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(lines, (std::vector<std::string>{"a", "b", "c"}));
}

TEST(SubprocessTest, OutputIsCapped) {
  SubprocessOptions o;
  o.max_output = 1000;
  auto r = RunSubprocess({"head", "-c", "100000", "/dev/zero"}, o);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->out.size(), 1000u);
  EXPECT_EQ(r->exit_code, 0);
}

}  // namespace
}  // namespace vz
