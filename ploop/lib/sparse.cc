#include "ploop/lib/sparse.h"

#include <fcntl.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <vector>

#include "ploop/exit_codes.h"

namespace ploop {
namespace {

constexpr uint32_t kExtents = 256;

// SEEK_HOLE candidates in [0, size).
vz::Result<std::vector<Hole>> SeekHoles(int fd, uint64_t size,
                                        const std::string& path) {
  std::vector<Hole> out;
  uint64_t off = 0;
  while (off < size) {
    off_t hole = ::lseek(fd, static_cast<off_t>(off), SEEK_HOLE);
    if (hole < 0)
      return vz::ErrnoError(errno, "seek in '" + path + "'")
          .WithExitCode(kSysExitRead);
    if (static_cast<uint64_t>(hole) >= size) break;
    off_t data = ::lseek(fd, hole, SEEK_DATA);
    uint64_t end = data < 0 ? size : static_cast<uint64_t>(data);
    if (data < 0 && errno != ENXIO)
      return vz::ErrnoError(errno, "seek in '" + path + "'")
          .WithExitCode(kSysExitRead);
    out.push_back({static_cast<uint64_t>(hole), end - hole});
    off = end;
  }
  return out;
}

// The parts of `h` no extent covers; kUnimplemented without FIEMAP.
vz::Result<std::vector<Hole>> Unallocated(int fd, const Hole& h,
                                          const std::string& path) {
  std::vector<uint8_t> buf(sizeof(struct fiemap) +
                           kExtents * sizeof(struct fiemap_extent));
  auto* fm = reinterpret_cast<struct fiemap*>(buf.data());
  std::vector<Hole> out;
  uint64_t pos = h.offset, end = h.offset + h.length;
  while (pos < end) {
    std::fill(buf.begin(), buf.end(), 0);
    fm->fm_start = pos;
    fm->fm_length = end - pos;
    fm->fm_extent_count = kExtents;
    if (::ioctl(fd, FS_IOC_FIEMAP, fm) != 0) {
      if (errno == EOPNOTSUPP || errno == ENOTTY)
        return vz::UnimplementedError("no FIEMAP");
      return vz::ErrnoError(errno, "map extents of '" + path + "'")
          .WithExitCode(kSysExitRead);
    }
    if (fm->fm_mapped_extents == 0) break;
    bool last = false;
    for (uint32_t i = 0; i < fm->fm_mapped_extents; ++i) {
      const auto& e = fm->fm_extents[i];
      uint64_t start = e.fe_logical, stop = e.fe_logical + e.fe_length;
      if (start > pos) out.push_back({pos, std::min(start, end) - pos});
      pos = std::max(pos, stop);
      last = last || (e.fe_flags & FIEMAP_EXTENT_LAST);
    }
    if (last) break;
  }
  if (pos < end) out.push_back({pos, end - pos});
  return out;
}

}  // namespace

vz::Result<std::vector<Hole>> FindHoles(int fd, const std::string& path) {
  struct stat st;
  if (::fstat(fd, &st) != 0)
    return vz::ErrnoError(errno, "stat '" + path + "'")
        .WithExitCode(kSysExitFstat);
  uint64_t size = static_cast<uint64_t>(st.st_size);
  VZ_ASSIGN_OR_RETURN(auto candidates, SeekHoles(fd, size, path));
  std::vector<Hole> out;
  for (const Hole& c : candidates) {
    auto real = Unallocated(fd, c, path);
    if (!real.has_value()) {
      if (real.error().code() != vz::Code::kUnimplemented) return real;
      // No FIEMAP: trust the block count.
      if (static_cast<uint64_t>(st.st_blocks) * 512 >= size) return out;
      return candidates;
    }
    out.insert(out.end(), real->begin(), real->end());
  }
  return out;
}

vz::Status FillHoles(int fd, const std::string& path,
                     const std::vector<Hole>& holes) {
  for (const Hole& h : holes) {
    if (::fallocate(fd, 0, static_cast<off_t>(h.offset),
                    static_cast<off_t>(h.length)) != 0) {
      return vz::ErrnoError(errno, "fill hole in '" + path + "'")
          .WithExitCode(kSysExitFallocate);
    }
  }
  if (!holes.empty() && ::fdatasync(fd) != 0)
    return vz::ErrnoError(errno, "sync '" + path + "'")
        .WithExitCode(kSysExitFsync);
  return vz::OkStatus();
}

}  // namespace ploop
