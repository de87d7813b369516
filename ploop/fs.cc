#include "ploop/fs.h"

#include <sys/stat.h>

#include "base/log.h"
#include "base/reverter.h"
#include "base/subprocess.h"
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
                                   "nodiscard,lazy_itable_init=1"};
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
