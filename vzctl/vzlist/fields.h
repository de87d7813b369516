// vzlist's fields (doc/vzlist.md): name, column header, and the value of a
// container's ContainerInfo, a number or text, or none ("-").
#pragma once

#include <cstdint>
#include <functional>
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

}  // namespace vz::vzlist
