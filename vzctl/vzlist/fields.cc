#include "vzctl/vzlist/fields.h"

#include <algorithm>
#include <cstdio>
#include <ostream>

#include "base/size.h"
#include "base/strings.h"

namespace vz::vzlist {
namespace {

using O = std::optional<Value>;

O Num(std::optional<uint64_t> v) { return v ? O(*v) : O(); }
O Num32(std::optional<uint32_t> v) { return v ? O(uint64_t{*v}) : O(); }
O Text(const std::string& s) { return s.empty() ? O() : O(s); }
O Pages(std::optional<uint64_t> bytes) {
  return bytes ? O(*bytes / kPageSize) : O();
}
O Kb(std::optional<uint64_t> bytes) { return bytes ? O(*bytes / 1024) : O(); }
O Human(std::optional<uint64_t> bytes) {
  return bytes ? O(FormatHumanSize(*bytes)) : O();
}

std::string Uptime(uint64_t s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%llud%02llu:%02llu",
                static_cast<unsigned long long>(s / 86400),
                static_cast<unsigned long long>(s / 3600 % 24),
                static_cast<unsigned long long>(s / 60 % 60));
  return buf;
}

std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

}  // namespace

const std::vector<Field>& Fields() {
  using I = const ContainerInfo&;
  static const std::vector<Field> kFields = {
      {"ctid", "CTID", [](I i) { return O(i.ctid); }},
      {"uuid", "UUID", [](I i) { return Text(i.uuid); }},
      {"name", "NAME", [](I i) { return Text(i.name); }},
      {"hostname", "HOSTNAME", [](I i) { return Text(i.hostname); }},
      {"description", "DESCRIPTION", [](I i) { return Text(i.description); }},
      {"status", "STATUS", [](I i) { return O(i.status); }},
      {"ostemplate", "OSTEMPLATE", [](I i) { return Text(i.ostemplate); }},
      {"tenant", "TENANT", [](I i) { return O(i.tenant); }},
      {"ip", "IP_ADDR", [](I i) { return Text(Join(i.ips, " ")); }},
      {"numproc", "NPROC", [](I i) { return Num(i.numproc); }},
      {"numproc.l", "NPROC.L", [](I i) { return Num(i.numproc_limit); }},
      {"physpages", "PHYSPAGES", [](I i) { return Pages(i.ram_used); }},
      {"physpages.l", "PHYSPAGES.L", [](I i) { return Pages(i.ram_limit); }},
      {"swappages", "SWAPPAGES", [](I i) { return Pages(i.swap_used); }},
      {"swappages.l", "SWAPPAGES.L", [](I i) { return Pages(i.swap_limit); }},
      {"ram", "RAM", [](I i) { return Human(i.ram_used); }},
      {"ram.l", "RAM.L", [](I i) { return Human(i.ram_limit); }},
      {"swap", "SWAP", [](I i) { return Human(i.swap_used); }},
      {"swap.l", "SWAP.L", [](I i) { return Human(i.swap_limit); }},
      {"cpus", "CPUS", [](I i) { return Num32(i.cpus); }},
      {"cpulimit", "CPULIM", [](I i) { return Num32(i.cpulimit); }},
      {"cpuunits", "CPUUNI", [](I i) { return Num32(i.cpuunits); }},
      {"cpuused", "CPUUSED",
       [](I i) {
         return i.cpu_used_ns ? O(*i.cpu_used_ns / 1000000000) : O();
       }},
      {"diskspace", "DQBLOCKS", [](I i) { return Kb(i.disk_used); }},
      {"diskspace.s", "DQBLOCKS.S", [](I i) { return Kb(i.disk_soft); }},
      {"diskspace.h", "DQBLOCKS.H", [](I i) { return Kb(i.disk_hard); }},
      {"diskinodes", "DQINODES", [](I i) { return Num(i.inodes_used); }},
      // ext4 on ploop has one inode limit, its inode count: OpenVZ's
      // soft and hard are both that.
      {"diskinodes.s", "DQINODES.S", [](I i) { return Num(i.inodes_total); }},
      {"diskinodes.h", "DQINODES.H", [](I i) { return Num(i.inodes_total); }},
      {"iolimit", "IOLIMIT", [](I i) { return Num(i.iolimit); }},
      {"iopslimit", "IOPSLIMIT", [](I i) { return Num(i.iopslimit); }},
      {"ioprio", "IOPRIO", [](I i) { return Num(i.ioprio); }},
      {"laverage", "LAVERAGE",
       [](I i) { return i.laverage ? O(*i.laverage) : O(); }},
      {"uptime", "UPTIME",
       [](I i) { return i.uptime_s ? O(*i.uptime_s) : O(); }},
      {"onboot", "ONBOOT",
       [](I i) { return O(std::string(i.onboot ? "yes" : "no")); }},
      {"bootorder", "BOOTORDER", [](I i) { return Num(i.bootorder); }},
      {"traffic.in", "TRAFFIC.IN", [](I i) { return O(i.bytes_in); }},
      {"traffic.out", "TRAFFIC.OUT", [](I i) { return O(i.bytes_out); }},
      {"packets.in", "PACKETS.IN", [](I i) { return O(i.packets_in); }},
      {"packets.out", "PACKETS.OUT", [](I i) { return O(i.packets_out); }},
  };
  return kFields;
}

const Field* FindField(const std::string& name) {
  for (const auto& f : Fields()) {
    if (name == f.name) return &f;
  }
  return nullptr;
}

std::string Show(const Field& f, const std::optional<Value>& v) {
  if (!v) return "-";
  if (const auto* s = std::get_if<std::string>(&*v)) return *s;
  uint64_t n = std::get<uint64_t>(*v);
  if (std::string_view(f.name) == "uptime") return Uptime(n);
  return std::to_string(n);
}

void PrintJson(std::ostream& out, const std::vector<ContainerInfo>& cts,
               const std::vector<const Field*>& fields) {
  out << "[";
  for (size_t i = 0; i < cts.size(); ++i) {
    out << (i ? ",\n  {" : "\n  {");
    for (size_t j = 0; j < fields.size(); ++j) {
      auto v = fields[j]->get(cts[i]);
      out << (j ? ", " : "") << JsonString(fields[j]->name) << ": ";
      if (!v) {
        out << "null";
      } else if (const auto* s = std::get_if<std::string>(&*v)) {
        out << JsonString(*s);
      } else {
        out << std::get<uint64_t>(*v);
      }
    }
    out << "}";
  }
  out << (cts.empty() ? "]\n" : "\n]\n");
}

void PrintTable(std::ostream& out, const std::vector<ContainerInfo>& cts,
                const std::vector<const Field*>& fields, bool header) {
  std::vector<std::vector<std::string>> rows;
  if (header) {
    rows.emplace_back();
    for (const auto* f : fields) rows.back().push_back(f->header);
  }
  for (const auto& ct : cts) {
    rows.emplace_back();
    for (const auto* f : fields) rows.back().push_back(Show(*f, f->get(ct)));
  }
  std::vector<size_t> width(fields.size(), 0);
  for (const auto& r : rows) {
    for (size_t j = 0; j < r.size(); ++j)
      width[j] = std::max(width[j], r[j].size());
  }
  for (const auto& r : rows) {
    std::string line;
    for (size_t j = 0; j < r.size(); ++j) {
      std::string cell = r[j];
      if (j + 1 < r.size()) cell.resize(width[j], ' ');
      line += (j ? " " : "") + cell;
    }
    out << line << "\n";
  }
}

}  // namespace vz::vzlist
