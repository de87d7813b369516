#include "libvz/runtime/seccomp_policy.h"

#include <gtest/gtest.h>

#include "libvz/runtime/security.h"

namespace vz::runtime::internal {
namespace {

bool Same(const sock_filter& a, const sock_filter& b) {
  return a.code == b.code && a.jt == b.jt && a.jf == b.jf && a.k == b.k;
}

// The program built in is what libseccomp compiles from the policy now:
// the build regenerates it whenever seccomp_policy.cc changes.
TEST(SeccompProgramTest, BuiltInIsWhatLibseccompCompiles) {
  auto compiled = CompileSeccompFilter();
  ASSERT_TRUE(compiled.has_value()) << compiled.error().message();
  auto built_in = SeccompProgram();
  ASSERT_EQ(built_in.size(), compiled->size());
  for (size_t i = 0; i < built_in.size(); ++i) {
    EXPECT_TRUE(Same(built_in[i], (*compiled)[i])) << "instruction " << i;
  }
}

// It checks the ABI first (x86_64, x86 and x32 each get their rules) and
// ends by allowing: a deny-list, not an allow-list.
TEST(SeccompProgramTest, ChecksTheAbiAndAllowsByDefault) {
  auto p = SeccompProgram();
  ASSERT_GT(p.size(), 10u);
  // BPF_LD | BPF_W | BPF_ABS of seccomp_data.arch (offset 4).
  EXPECT_EQ(p[0].code, BPF_LD | BPF_W | BPF_ABS);
  EXPECT_EQ(p[0].k, 4u);
  size_t allows = 0;
  for (const auto& f : p) {
    if (f.code == (BPF_RET | BPF_K) && f.k == 0x7fff0000u) ++allows;
  }
  EXPECT_GE(allows, 1u);
}

}  // namespace
}  // namespace vz::runtime::internal
