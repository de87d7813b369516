// Fuzzes the DiskDescriptor.xml parser (hardened libxml2 use, strict
// numbers, tree validation) and checks the round trip: whatever parses
// formats to XML that parses back to the same text.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "ploop/disk_descriptor.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view xml(reinterpret_cast<const char*>(data), size);
  auto dd = ploop::ParseDiskDescriptor(xml);
  if (!dd.has_value()) return 0;
  (void)dd->Chain();
  std::string out = ploop::FormatDiskDescriptor(*dd);
  auto again = ploop::ParseDiskDescriptor(out);
  if (!again.has_value()) __builtin_trap();
  if (ploop::FormatDiskDescriptor(*again) != out) __builtin_trap();
  return 0;
}
