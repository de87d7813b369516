#include "libvz/storage/private_area.h"

#include <fcntl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "base/file_util.h"
#include "base/unique_fd.h"
#include "libvz/storage/disk_size.h"
#include "ploop/disk_descriptor.h"
#include "ploop/snapshot.h"

namespace vz::storage {
namespace {

// The template's descriptor, cut down to its base delta (a template has
// exactly one delta; anything else is not a template we made).
Result<ploop::DiskDescriptor> BaseDescriptor(const std::string& template_dir) {
  VZ_ASSIGN_OR_RETURN(ploop::DiskDescriptor dd,
                      ploop::ReadDiskDescriptor(
                          JoinPath(template_dir, ploop::kDescriptorName)));
  VZ_ASSIGN_OR_RETURN(auto chain, dd.Chain());
  if (chain.size() != 1 || chain[0]->file != kBaseDelta) {
    return DataLossError("template '" + template_dir +
                         "' must be one delta named root.hds")
        .WithExitCode(47);
  }
  return dd;
}

}  // namespace

Status CopyDeltaFile(const std::string& from, const std::string& to) {
  UniqueFd in(::open(from.c_str(), O_RDONLY | O_CLOEXEC));
  if (!in.valid()) return ErrnoError(errno, "open '" + from + "'");
  struct stat st;
  if (::fstat(in.get(), &st) != 0) return ErrnoError(errno, "stat " + from);
  UniqueFd out(
      ::open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444));
  if (!out.valid()) return ErrnoError(errno, "create '" + to + "'");
  off_t left = st.st_size;
  // copy_file_range refuses some pairs of filesystems (EXDEV between
  // different types): sendfile copies between any two.
  bool use_sendfile = false;
  while (left > 0) {
    const size_t chunk = static_cast<size_t>(std::min<off_t>(left, 1 << 30));
    ssize_t n = use_sendfile ? ::sendfile(out.get(), in.get(), nullptr, chunk)
                             : ::copy_file_range(in.get(), nullptr, out.get(),
                                                 nullptr, chunk, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && !use_sendfile &&
        (errno == EXDEV || errno == EOPNOTSUPP || errno == EINVAL)) {
      use_sendfile = true;
      continue;
    }
    if (n <= 0) {
      return ErrnoError(n < 0 ? errno : EIO,
                        "copy '" + from + "' to '" + to + "'");
    }
    left -= n;
  }
  if (::fsync(out.get()) != 0) return ErrnoError(errno, "fsync " + to);
  return OkStatus();
}

Result<PrivateAreaReport> MakePrivateArea(const std::string& template_dir,
                                          const std::string& template_name,
                                          const std::string& private_dir) {
  PrivateAreaReport report;
  VZ_ASSIGN_OR_RETURN(ploop::DiskDescriptor dd, BaseDescriptor(template_dir));
  if (::mkdir(private_dir.c_str(), 0700) != 0) {
    return ErrnoError(errno, "create private area '" + private_dir + "'");
  }
  const std::string disk = JoinPath(private_dir, kDiskDir);
  if (::mkdir(disk.c_str(), 0700) != 0) {
    return ErrnoError(errno, "create '" + disk + "'");
  }
  const std::string from = JoinPath(template_dir, kBaseDelta);
  const std::string to = JoinPath(disk, kBaseDelta);
  if (::link(from.c_str(), to.c_str()) != 0) {
    if (errno != EXDEV) {
      return ErrnoError(errno, "link '" + from + "' to '" + to + "'");
    }
    VZ_RETURN_IF_ERROR(CopyDeltaFile(from, to));
    report.copied = true;
    report.notes.push_back("the template store and '" + private_dir +
                           "' are on different filesystems: copied the "
                           "template's image instead of linking it");
  }
  VZ_RETURN_IF_ERROR(
      ploop::WriteDiskDescriptor(JoinPath(disk, ploop::kDescriptorName), dd));
  ploop::SnapshotParams snap;
  snap.name = "template:" + template_name;
  // The first mount's superblock write then finds its cluster in place.
  snap.copy_up_fs_start = true;
  VZ_ASSIGN_OR_RETURN(
      auto guid,
      ploop::PushTopDelta(JoinPath(disk, ploop::kDescriptorName), snap));
  (void)guid;
  VZ_RETURN_IF_ERROR(FsyncDir(disk));
  // The first start need not read the descriptor (doc/storage.md §3).
  RememberWrittenDescriptor(private_dir, JoinPath(disk, ploop::kDescriptorName),
                            dd.disk_size_sectors * 512);
  return report;
}

}  // namespace vz::storage
