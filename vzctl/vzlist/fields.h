// vzlist's fields (doc/vzlist.md): name, column header, and the value of a
// container's ContainerInfo, a number or text, or none ("-").
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "libvz/ct_info.h"

namespace vz::vzlist {

using Value = std::variant<uint64_t, std::string>;

struct Field {
  const char* name;
  const char* header;
  std::function<std::optional<Value>(const ContainerInfo&)> get;
};

const std::vector<Field>& Fields();
const Field* FindField(const std::string& name);

// How the table and -o show a value; "-" for none.
std::string Show(const Field& f, const std::optional<Value>& v);

// The table: a header line unless `header` is false, columns padded to
// their widest cell, the last one unpadded.
void PrintTable(std::ostream& out, const std::vector<ContainerInfo>& cts,
                const std::vector<const Field*>& fields, bool header);
// A JSON array of objects, one per container, the fields in order:
// numbers as numbers, text as strings, a missing value as null.
void PrintJson(std::ostream& out, const std::vector<ContainerInfo>& cts,
               const std::vector<const Field*>& fields);

}  // namespace vz::vzlist
