// Fuzzes what reads an untrusted delta file: the header decoder, Delta::Open
// (header, format extension and BAT validation) and check's BAT scan. The
// input is the whole file, served from a memfd through /proc/self/fd/N.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "ploop/check.h"
#include "ploop/lib/bat_scan.h"
#include "ploop/lib/delta.h"
#include "ploop/lib/header.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> bytes(data, size);
  auto h = ploop::DecodeHeader(bytes);
  if (h.has_value()) {
    uint64_t region = uint64_t{h->first_data_cluster()} * h->cluster_bytes();
    if (region <= size) (void)ploop::ScanBat(*h, bytes.first(region), size);
  }

  static const int fd = ::memfd_create("ploop-fuzz", MFD_CLOEXEC);
  if (fd < 0 || ::ftruncate(fd, 0) != 0) return 0;
  if (size && ::pwrite(fd, data, size, 0) != static_cast<ssize_t>(size))
    return 0;
  std::string path = "/proc/self/fd/" + std::to_string(fd);
  auto d = ploop::Delta::Open(path, ploop::DeltaKind::kExpanded, {});
  if (d.has_value()) {
    const ploop::Delta& delta = **d;
    for (uint32_t c = 0; c < delta.clusters() && c < 65536; ++c) {
      uint64_t off = delta.Lookup(c);
      // A validated BAT only points at whole clusters inside the file.
      if (off != ploop::kUnmapped && off + delta.cluster_bytes() > size)
        __builtin_trap();
    }
  }
  (void)ploop::CheckDelta(path, false, {});  // never writes without repair
  return 0;
}
