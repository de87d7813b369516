#include "ploop/lib/loop_device.h"

#include <fcntl.h>
#include <linux/loop.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/file_util.h"
#include "base/poll_for.h"
#include "base/strings.h"
#include "base/unique_fd.h"
#include "ploop/exit_codes.h"

namespace ploop {
namespace {

std::string SysBlockName(const std::string& device) {
  return vz::BaseName(device);
}

vz::Result<vz::UniqueFd> OpenLoop(int index, int flags) {
  std::string path = "/dev/loop" + std::to_string(index);
  vz::UniqueFd fd(::open(path.c_str(), flags | O_CLOEXEC));
  if (!fd && errno == ENOENT) {
    // No devtmpfs node yet (or a minimal /dev): make it.
    if (::mknod(path.c_str(), S_IFBLK | 0660,
                makedev(7, static_cast<unsigned>(index))) != 0 &&
        errno != EEXIST) {
      return vz::ErrnoError(errno, "create '" + path + "'")
          .WithExitCode(kSysExitMknod);
    }
    fd.reset(::open(path.c_str(), flags | O_CLOEXEC));
  }
  if (!fd)
    return vz::ErrnoError(errno, "open '" + path + "'")
        .WithExitCode(kSysExitDevice);
  return fd;
}

}  // namespace

vz::Result<AttachedLoop> AttachLoop(const std::string& file,
                                    const LoopAttach& o) {
  vz::UniqueFd backing(::open(file.c_str(), (o.read_only ? O_RDONLY : O_RDWR) |
                                                O_CLOEXEC |
                                                (o.direct_io ? O_DIRECT : 0)));
  if (!backing)
    return vz::ErrnoError(errno, "open '" + file + "'")
        .WithExitCode(kSysExitOpen);
  vz::UniqueFd ctl(::open("/dev/loop-control", O_RDWR | O_CLOEXEC));
  if (!ctl)
    return vz::ErrnoError(errno, "open '/dev/loop-control'")
        .WithExitCode(kSysExitDevice);
  for (int attempt = 0; attempt < 32; ++attempt) {
    int index = ::ioctl(ctl.get(), LOOP_CTL_GET_FREE);
    if (index < 0)
      return vz::ErrnoError(errno, "find a free loop device")
          .WithExitCode(kSysExitDevice);
    VZ_ASSIGN_OR_RETURN(vz::UniqueFd dev,
                        OpenLoop(index, o.read_only ? O_RDONLY : O_RDWR));
    loop_config cfg{};
    cfg.fd = static_cast<uint32_t>(backing.get());
    cfg.block_size = o.block_size;
    cfg.info.lo_flags = (o.read_only ? LO_FLAGS_READ_ONLY : 0) |
                        (o.direct_io ? LO_FLAGS_DIRECT_IO : 0) |
                        (o.autoclear ? LO_FLAGS_AUTOCLEAR : 0);
    std::strncpy(reinterpret_cast<char*>(cfg.info.lo_file_name), file.c_str(),
                 LO_NAME_SIZE - 1);
    if (::ioctl(dev.get(), LOOP_CONFIGURE, &cfg) == 0) {
      return AttachedLoop{"/dev/loop" + std::to_string(index), std::move(dev)};
    }
    if (errno != EBUSY) {
      return vz::ErrnoError(errno, "attach loop device to '" + file + "'")
          .WithExitCode(kSysExitDevIoc);
    }
    // Another process took this device between GET_FREE and CONFIGURE.
  }
  return vz::UnavailableError("no free loop device for '" + file + "'")
      .WithExitCode(kSysExitDevice);
}

std::string LoopBackingFile(const std::string& device) {
  auto f =
      vz::ReadFile("/sys/block/" + SysBlockName(device) + "/loop/backing_file");
  if (!f.has_value()) return "";
  return std::string(vz::Trim(*f));
}

vz::Status DetachLoop(const std::string& device) {
  vz::UniqueFd fd(::open(device.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    if (errno == ENOENT || errno == ENXIO) return vz::OkStatus();
    return vz::ErrnoError(errno, "open '" + device + "'")
        .WithExitCode(kSysExitDevice);
  }
  if (::ioctl(fd.get(), LOOP_CLR_FD, 0) != 0 && errno != ENXIO) {
    return vz::ErrnoError(errno, "detach '" + device + "'")
        .WithExitCode(kSysExitDevIoc);
  }
  return vz::OkStatus();
}

vz::Status RefreshLoopCapacity(const std::string& device) {
  vz::UniqueFd fd(::open(device.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd)
    return vz::ErrnoError(errno, "open '" + device + "'")
        .WithExitCode(kSysExitDevice);
  if (::ioctl(fd.get(), LOOP_SET_CAPACITY, 0) != 0) {
    return vz::ErrnoError(errno, "refresh the size of '" + device + "'")
        .WithExitCode(kSysExitDevIoc);
  }
  return vz::OkStatus();
}

bool WaitLoopFree(const std::string& device, int ms) {
  // An autoclear device is released as its last user closes it, mostly
  // within a millisecond of the unmount.
  auto free = vz::PollFor(
      std::chrono::milliseconds(ms),
      [&]() -> vz::Result<bool> { return LoopBackingFile(device).empty(); });
  return free.has_value() && *free;
}

}  // namespace ploop
