#include "base/status.h"

#include <cerrno>

#include <gtest/gtest.h>

namespace vz {
namespace {

TEST(StatusTest, OkByDefault) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.code(), Code::kOk);
  EXPECT_EQ(s.ToString(), "ok");
  EXPECT_FALSE(s.exit_code().has_value());
}

TEST(StatusTest, CarriesCodeMessageErrnoAndExitCode) {
  Status s = NotFoundError("container '101' not found")
                 .WithErrno(ENOENT)
                 .WithExitCode(14);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), Code::kNotFound);
  EXPECT_EQ(s.message(), "container '101' not found");
  EXPECT_EQ(s.sys_errno(), ENOENT);
  EXPECT_EQ(s.exit_code(), 14);
}

TEST(StatusTest, InnermostExitCodeWins) {
  Status s = DataLossError("bad header").WithExitCode(11);
  s.WithDefaultExitCode(4);
  EXPECT_EQ(s.exit_code(), 11);
  Status t = DataLossError("bad header");
  t.WithDefaultExitCode(4);
  EXPECT_EQ(t.exit_code(), 4);
}

TEST(StatusTest, ContextIsPrepended) {
  Status s = ErrnoError(EBUSY, "mount '/vz/root/101'")
                 .WithContext("start container '101'");
  EXPECT_EQ(
      s.message(),
      "start container '101': mount '/vz/root/101': Device or resource busy");
  EXPECT_EQ(s.code(), Code::kUnavailable);
  EXPECT_EQ(s.sys_errno(), EBUSY);
  Status ok;
  ok.WithContext("x");
  EXPECT_EQ(ok.message(), "");
}

TEST(StatusTest, ErrnoMapping) {
  EXPECT_EQ(CodeForErrno(ENOENT), Code::kNotFound);
  EXPECT_EQ(CodeForErrno(EEXIST), Code::kAlreadyExists);
  EXPECT_EQ(CodeForErrno(EACCES), Code::kPermissionDenied);
  EXPECT_EQ(CodeForErrno(EPERM), Code::kPermissionDenied);
  EXPECT_EQ(CodeForErrno(ENOSPC), Code::kResourceExhausted);
  EXPECT_EQ(CodeForErrno(EBUSY), Code::kUnavailable);
  EXPECT_EQ(CodeForErrno(EIO), Code::kDataLoss);
  EXPECT_EQ(ErrnoError(0, "x").code(), Code::kUnknown);
}

TEST(StatusTest, CodeNames) {
  EXPECT_EQ(CodeName(Code::kFailedPrecondition), "failed-precondition");
  EXPECT_EQ(CodeName(Code::kDataLoss), "data-loss");
}

Result<int> Half(int x) {
  if (x % 2) return InvalidArgumentError("odd");
  return x / 2;
}

Result<int> Quarter(int x) {
  VZ_ASSIGN_OR_RETURN(int h, Half(x));
  VZ_ASSIGN_OR_RETURN(auto q, Half(h));
  return q;
}

Status CheckEven(int x) {
  VZ_RETURN_IF_ERROR(Half(x));
  return OkStatus();
}

TEST(ResultTest, ValueAndError) {
  Result<int> r = Half(8);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(*r, 4);
  EXPECT_TRUE(r.status().ok());
  Result<int> e = Half(3);
  ASSERT_FALSE(e.has_value());
  EXPECT_EQ(e.error().code(), Code::kInvalidArgument);
  EXPECT_EQ(e.value_or(-1), -1);
}

TEST(ResultTest, MacrosPropagate) {
  EXPECT_EQ(*Quarter(8), 2);
  EXPECT_EQ(Quarter(6).error().message(), "odd");
  EXPECT_TRUE(CheckEven(2).ok());
  EXPECT_EQ(CheckEven(1).code(), Code::kInvalidArgument);
}

TEST(ResultTest, MoveOnlyValues) {
  Result<std::unique_ptr<int>> r = std::make_unique<int>(5);
  std::unique_ptr<int> p = std::move(r).value();
  EXPECT_EQ(*p, 5);
}

}  // namespace
}  // namespace vz
