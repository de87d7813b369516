#include "ploop/lib/bat_backup.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "base/file_util.h"
#include "base/unique_fd.h"
#include "ploop/exit_codes.h"
#include "ploop/lib/header.h"
#include "ploop/lib/ops_util.h"

namespace ploop {
namespace {

vz::Result<Header> ReadHeader(int fd, const std::string& path) {
  uint8_t raw[kHeaderSize] = {};
  ssize_t n = ::pread(fd, raw, sizeof raw, 0);
  if (n < 0)
    return vz::ErrnoError(errno, "read header of '" + path + "'")
        .WithExitCode(kSysExitRead);
  auto h = DecodeHeader(std::span<const uint8_t>(raw, static_cast<size_t>(n)));
  if (!h.has_value()) return std::move(h).error().WithContext("'" + path + "'");
  return h;
}

}  // namespace

std::string BatBackupPath(const std::string& delta_path) {
  return delta_path + ".idx";
}

vz::Status WriteBatBackup(const Delta& d) {
  uint64_t len = uint64_t{d.header().first_data_cluster()} * d.cluster_bytes();
  std::string data(len, '\0');
  VZ_RETURN_IF_ERROR(d.ReadAt(0, data.data(), len));
  return vz::WriteFileAtomic(BatBackupPath(d.path()), data, 0600)
      .WithDefaultExitCode(kSysExitWrite);
}

vz::Status RestoreBatBackup(const std::string& delta_path) {
  std::string backup = BatBackupPath(delta_path);
  auto data = vz::ReadFile(backup, size_t{1} << 31);
  if (!data.has_value()) {
    return vz::DataLossError("delta '" + delta_path +
                             "' was interrupted in a format conversion and "
                             "its BAT backup '" +
                             backup + "' is unreadable")
        .WithExitCode(kSysExitPloopFmt);
  }
  auto h = DecodeHeader(std::span<const uint8_t>(
      reinterpret_cast<const uint8_t*>(data->data()), data->size()));
  if (!h.has_value() ||
      data->size() != uint64_t{h->first_data_cluster()} * h->cluster_bytes()) {
    return vz::DataLossError("BAT backup '" + backup + "' is corrupt")
        .WithExitCode(kSysExitPloopFmt);
  }
  vz::UniqueFd fd(::open(delta_path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd)
    return vz::ErrnoError(errno, "open '" + delta_path + "'")
        .WithExitCode(kSysExitOpen);
  size_t off = 0;
  while (off < data->size()) {
    ssize_t n = ::pwrite(fd.get(), data->data() + off, data->size() - off,
                         static_cast<off_t>(off));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0)
      return vz::ErrnoError(n < 0 ? errno : EIO, "write '" + delta_path + "'")
          .WithExitCode(kSysExitWrite);
    off += static_cast<size_t>(n);
  }
  if (::fdatasync(fd.get()) != 0)
    return vz::ErrnoError(errno, "sync '" + delta_path + "'")
        .WithExitCode(kSysExitFsync);
  return vz::OkStatus();
}

bool HasConversionFlag(const std::string& path) {
  vz::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return false;
  auto h = ReadHeader(fd.get(), path);
  return h.has_value() && (h->flags & kFlagFmtVersionConvert);
}

vz::Result<std::vector<std::string>> RestoreInterruptedConversion(
    const std::string& dir, const DiskDescriptor& dd) {
  std::vector<std::string> expanded;
  bool flagged = false;
  for (const auto& i : dd.images) {
    if (i.type != DeltaType::kCompressed) continue;
    expanded.push_back(vz::JoinPath(dir, i.file));
    flagged = flagged || HasConversionFlag(expanded.back());
  }
  std::vector<std::string> restored;
  if (!flagged) return restored;
  for (const auto& path : expanded) {
    if (vz::PathExists(BatBackupPath(path))) {
      VZ_RETURN_IF_ERROR(RestoreBatBackup(path));
      restored.push_back(path);
    } else if (HasConversionFlag(path)) {
      return vz::DataLossError("delta '" + path +
                               "' was interrupted in a format conversion "
                               "and has no BAT backup")
          .WithExitCode(kSysExitPloopFmt);
    }
  }
  // Every delta is back at the old version: only now may backups go.
  for (const auto& path : restored) {
    VZ_RETURN_IF_ERROR(RemoveDeltaFile(BatBackupPath(path)));
  }
  return restored;
}

}  // namespace ploop
