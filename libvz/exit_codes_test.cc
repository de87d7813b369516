#include "libvz/exit_codes.h"

#include <cerrno>
#include <string>

#include <gtest/gtest.h>

#include "base/file_util.h"
#include "base/size.h"
#include "base/strings.h"
#include "base/testing/golden.h"

namespace vz {
namespace {

TEST(ExitCodesTest, ExplicitCodeWins) {
  EXPECT_EQ(ExitCodeFor(NotFoundError("x").WithExitCode(kVzPkgSetNotFound)),
            91);
  EXPECT_EQ(ExitCodeFor(OkStatus()), 0);
}

TEST(ExitCodesTest, DefaultMapping) {
  EXPECT_EQ(ExitCodeFor(InvalidArgumentError("x")), 21);
  EXPECT_EQ(ExitCodeFor(NotFoundError("x")), 3);
  EXPECT_EQ(ExitCodeFor(AlreadyExistsError("x")), 44);
  EXPECT_EQ(ExitCodeFor(FailedPreconditionError("x")), 3);
  EXPECT_EQ(ExitCodeFor(ResourceExhaustedError("x")), 46);
  EXPECT_EQ(ExitCodeFor(UnavailableError("x").WithErrno(EWOULDBLOCK)), 9);
  EXPECT_EQ(ExitCodeFor(UnavailableError("device busy").WithErrno(EBUSY)), 3);
  EXPECT_EQ(ExitCodeFor(InternalError("x")), 3);
  EXPECT_EQ(ExitCodeFor(DataLossError("x")), 3);
}

// doc/errors.md is the table people read; every row of its vzctl table must
// be a constant here with the same name, and every constant must be a row.
TEST(ExitCodesTest, MatchesDocErrorsTable) {
  auto doc = ReadFile(testing::SourceDir() + "/doc/errors.md");
  ASSERT_TRUE(doc.has_value());
  size_t start = doc->find("## Exit codes of `vzctl`");
  size_t end = doc->find("## Exit codes of `ploop`");
  ASSERT_NE(start, std::string::npos);
  ASSERT_NE(end, std::string::npos);
  int rows = 0;
  for (const auto& line : Split(doc->substr(start, end - start), '\n')) {
    auto cells = Split(line, '|');
    if (cells.size() < 4) continue;
    auto code = ParseUint(Trim(cells[1]));
    std::string name(Trim(cells[2]));
    if (!code.has_value() || name.empty()) continue;
    EXPECT_EQ(ExitCodeName(static_cast<int>(*code)), name) << line;
    ++rows;
  }
  int named = 0;
  for (int c = 1; c < 256; ++c) named += !ExitCodeName(c).empty();
  EXPECT_EQ(rows, named);
  EXPECT_GT(rows, 60);
}

}  // namespace
}  // namespace vz
