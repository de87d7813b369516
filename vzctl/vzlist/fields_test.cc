#include "vzctl/vzlist/fields.h"

#include <sstream>

#include <gtest/gtest.h>

namespace vz::vzlist {
namespace {

std::vector<const Field*> Pick(std::initializer_list<const char*> names) {
  std::vector<const Field*> out;
  for (const char* n : names) out.push_back(FindField(n));
  return out;
}

std::vector<ContainerInfo> Two() {
  ContainerInfo a;
  a.ctid = "101";
  a.status = "running";
  a.hostname = "web \"one\"";
  a.numproc = 12;
  a.ram_limit = 256ull << 20;
  a.uptime_s = 2 * 86400 + 3 * 3600 + 4 * 60;
  a.ips = {"10.0.0.2", "10.0.0.3"};
  ContainerInfo b;
  b.ctid = "102";
  b.status = "stopped";
  return {a, b};
}

TEST(VzlistFormatTest, TablePadsColumnsAndShowsMissingAsDash) {
  std::ostringstream out;
  PrintTable(out, Two(), Pick({"ctid", "numproc", "status", "ip", "uptime"}),
             true);
  EXPECT_EQ(out.str(),
            "CTID NPROC STATUS  IP_ADDR           UPTIME\n"
            "101  12    running 10.0.0.2 10.0.0.3 2d03:04\n"
            "102  -     stopped -                 -\n");
}

TEST(VzlistFormatTest, UnitsFollowOpenVz) {
  auto cts = Two();
  EXPECT_EQ(
      Show(*FindField("physpages.l"), FindField("physpages.l")->get(cts[0])),
      "65536");  // 4K pages
  EXPECT_EQ(Show(*FindField("ram.l"), FindField("ram.l")->get(cts[0])), "256M");
  EXPECT_EQ(FindField("nosuch"), nullptr);
  // OpenVZ's disk quota fields, soft and hard.
  for (const char* f :
       {"diskspace.s", "diskspace.h", "diskinodes.s", "diskinodes.h"}) {
    EXPECT_NE(FindField(f), nullptr) << f;
  }
}

TEST(VzlistFormatTest, JsonHasNumbersStringsAndNullsEscaped) {
  std::ostringstream out;
  PrintJson(out, Two(), Pick({"ctid", "numproc", "hostname"}));
  EXPECT_EQ(out.str(),
            "[\n"
            "  {\"ctid\": \"101\", \"numproc\": 12, \"hostname\": "
            "\"web \\\"one\\\"\"},\n"
            "  {\"ctid\": \"102\", \"numproc\": null, \"hostname\": null}\n"
            "]\n");
  std::ostringstream empty;
  PrintJson(empty, {}, Pick({"ctid"}));
  EXPECT_EQ(empty.str(), "[]\n");
}

}  // namespace
}  // namespace vz::vzlist
