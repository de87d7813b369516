#include "base/shared_library.h"

#include <unistd.h>

#include <gtest/gtest.h>

namespace vz {
namespace {

TEST(SharedLibrary, ResolvesFromALoadedLibrary) {
  auto lib = OpenSharedLibrary("libc.so.6", "libc6");
  ASSERT_TRUE(lib.has_value()) << lib.error().message();
  decltype(&::getpid) fn = nullptr;
  ASSERT_TRUE(ResolveSymbol(*lib, "getpid", &fn).ok());
  EXPECT_EQ(fn(), ::getpid());
}

TEST(SharedLibrary, MissingLibraryNamesItAndThePackage) {
  auto lib = OpenSharedLibrary("libvz-no-such.so.9", "vz-nothing");
  ASSERT_FALSE(lib.has_value());
  EXPECT_EQ(lib.error().code(), Code::kFailedPrecondition);
  EXPECT_NE(lib.error().message().find("libvz-no-such.so.9"),
            std::string::npos);
  EXPECT_NE(lib.error().message().find("vz-nothing"), std::string::npos);
}

TEST(SharedLibrary, MissingSymbolIsNamed) {
  auto lib = OpenSharedLibrary("libc.so.6", "libc6");
  ASSERT_TRUE(lib.has_value());
  void (*fn)() = nullptr;
  Status s = ResolveSymbol(*lib, "vz_no_such_symbol", &fn);
  EXPECT_EQ(s.code(), Code::kFailedPrecondition);
  EXPECT_NE(s.message().find("vz_no_such_symbol"), std::string::npos);
  EXPECT_EQ(fn, nullptr);
}

}  // namespace
}  // namespace vz
