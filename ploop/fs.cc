#include "ploop/fs.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "base/log.h"
#include "base/reverter.h"
#include "base/subprocess.h"
#include "base/unique_fd.h"
#include "ploop/control_client.h"
#include "ploop/exit_codes.h"
#include "ploop/lib/loop_device.h"
#include "ploop/mount.h"

namespace ploop {
namespace {

// ploop's layout: a GPT with one Linux filesystem partition from 1 MiB to
// the last whole MiB before the backup GPT (doc/ploop-format.md §5).
constexpr char kGptScript[] =
    "label: gpt\n"
    "start=2048, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4\n";

vz::Status Partition(const MountInfo& m) {
  vz::SubprocessOptions o;
  o.stdin_data = kGptScript;
  o.timeout = std::chrono::seconds(60);
  auto r =
      vz::RunChecked({"sfdisk", "--quiet", "--no-reread", "--no-tell-kernel",
                      "--wipe", "always", m.fuse_dir + "/image"},
                     o);
  if (!r.has_value())
    return std::move(r)
        .error()
        .WithExitCode(kSysExitChangeGpt)
        .WithContext("partition");
  VZ_ASSIGN_OR_RETURN(auto c, ControlClient::Connect(m.control));
  VZ_RETURN_IF_ERROR(c->Call(ControlMessage{"rescan", {}}).status());
  // The loop device was sized for the whole disk; the kernel sees the new
  // size of `part` once its attributes are read again.
  struct stat st;
  ::stat((m.fuse_dir + "/part").c_str(), &st);
  return RefreshLoopCapacity(m.device);
}

vz::Status MakeFs(const MountInfo& m, const FilesystemOptions& fo) {
  if (fo.type != "ext4") {
    return vz::InvalidArgumentError("unsupported filesystem '" + fo.type + "'")
        .WithExitCode(kSysExitParam);
  }
  std::vector<std::string> argv = {"mkfs.ext4",
                                   "-q",
                                   "-F",
                                   "-b",
                                   "4096",
                                   "-O",
                                   "metadata_csum_seed",
                                   "-E",
                                   "nodiscard,lazy_itable_init=0"};
  if (!fo.label.empty()) argv.insert(argv.end(), {"-L", fo.label});
  if (fo.inodes) argv.insert(argv.end(), {"-N", std::to_string(fo.inodes)});
  argv.push_back(m.device);
  vz::SubprocessOptions o;
  o.timeout = std::chrono::minutes(30);
  auto r = vz::RunChecked(argv, o);
  if (!r.has_value())
    return std::move(r)
        .error()
        .WithExitCode(kSysExitMkfs)
        .WithContext("make filesystem");
  return vz::OkStatus();
}

}  // namespace

vz::Result<uint64_t> Ext4Bytes(const std::string& device) {
  vz::UniqueFd fd(::open(device.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return vz::ErrnoError(errno, "open '" + device + "'");
  // Layout: ext4 superblock at byte 1024: s_blocks_count_lo at 0x04,
  // s_log_block_size at 0x18, s_magic (0xEF53) at 0x38, s_feature_incompat
  // at 0x60 (64bit = 0x80), s_blocks_count_hi at 0x150.
  uint8_t sb[1024];
  if (::pread(fd.get(), sb, sizeof sb, 1024) !=
      static_cast<ssize_t>(sizeof sb)) {
    return vz::ErrnoError(errno ? errno : EIO,
                          "read the superblock of '" + device + "'");
  }
  auto u32 = [&](size_t o) {
    return uint32_t{sb[o]} | uint32_t{sb[o + 1]} << 8 |
           uint32_t{sb[o + 2]} << 16 | uint32_t{sb[o + 3]} << 24;
  };
  if ((u32(0x38) & 0xffff) != 0xEF53) return uint64_t{0};
  uint64_t blocks = u32(0x04);
  if (u32(0x60) & 0x80) blocks |= uint64_t{u32(0x150)} << 32;
  uint32_t log = u32(0x18);
  if (log > 6) return uint64_t{0};
  return blocks * (uint64_t{1024} << log);
}

vz::Result<bool> GrowFilesystemToDevice(const std::string& device) {
  VZ_ASSIGN_OR_RETURN(uint64_t fs, Ext4Bytes(device));
  vz::UniqueFd fd(::open(device.c_str(), O_RDONLY | O_CLOEXEC));
  uint64_t dev = 0;
  if (!fd || ::ioctl(fd.get(), BLKGETSIZE64, &dev) != 0) {
    return vz::ErrnoError(errno, "size of '" + device + "'");
  }
  if (fs == 0 || fs + (1 << 20) > dev) return false;
  auto fsck = vz::RunSubprocess({"e2fsck", "-f", "-p", device});
  if (!fsck.has_value())
    return std::move(fsck).error().WithExitCode(kSysExitFsck);
  if (fsck->exit_code > 1) {
    return vz::FailedPreconditionError(
               "'e2fsck' found problems it cannot fix on '" + device + "'")
        .WithExitCode(kSysExitFsck);
  }
  auto r = vz::RunChecked({"resize2fs", device});
  if (!r.has_value())
    return std::move(r).error().WithExitCode(kSysExitResizeFs);
  return true;
}

vz::Status CreateFilesystem(const vz::NodeRoot& node,
                            const std::string& descriptor,
                            const FilesystemOptions& options) {
  VZ_ASSIGN_OR_RETURN(MountInfo m, Mount(node, descriptor, {}));
  vz::Status s = Partition(m);
  if (s.ok()) s = MakeFs(m, options);
  vz::Status u = Umount(node, m.descriptor);
  if (!s.ok()) return s;
  return u;
}

}  // namespace ploop
