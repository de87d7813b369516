// BuildTemplate / ImportTemplate: a root filesystem made in a scratch
// directory, turned into a sealed template image (doc/templates.md §8).
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <ctime>

#include "base/file_util.h"
#include "base/reverter.h"
#include "base/strings.h"
#include "base/subprocess.h"
#include "libvz/exit_codes.h"
#include "libvz/lock.h"
#include "libvz/storage/identity.h"
#include "libvz/template/build_internal.h"
#include "libvz/template_build.h"
#include "libvz/util/rfc3339.h"
#include "ploop/fs.h"
#include "ploop/image.h"
#include "ploop/mount.h"
#include "ploop/ops.h"

namespace vz {
namespace {

constexpr char kImage[] = "root.hds";

void Progress(const ProgressFn& fn, std::string_view line) {
  if (fn) fn(line);
}

std::string DefaultVersion(std::chrono::system_clock::time_point t) {
  return util::FormatUtc(t, "%Y%m%d.%H%M%S");
}

// A scratch directory in the store (so the finished files rename into
// place on the same filesystem), removed with everything in it.
struct Scratch {
  std::string dir, rootfs, image, mnt;
};

Result<Scratch> MakeScratch(const TemplateStore& store, std::string_view name) {
  Scratch s;
  s.dir = store.dir() + "/.build-" + std::string(name) + "." +
          std::to_string(::getpid());
  s.rootfs = s.dir + "/rootfs";
  s.image = s.dir + "/image";
  s.mnt = s.dir + "/mnt";
  VZ_RETURN_IF_ERROR(MakeDirs(store.dir(), 0755));
  if (PathExists(s.dir)) VZ_RETURN_IF_ERROR(RemoveTree(s.dir));
  VZ_RETURN_IF_ERROR(MakeDirs(s.dir, 0700));
  VZ_RETURN_IF_ERROR(MakeDirs(s.rootfs, 0755));
  VZ_RETURN_IF_ERROR(MakeDirs(s.mnt, 0700));
  return s;
}

Result<std::vector<TemplatePackage>> ListPackages(const std::string& rootfs) {
  std::vector<TemplatePackage> out;
  const std::string admin = rootfs + "/var/lib/dpkg";
  if (!PathExists(admin + "/status")) return out;
  VZ_ASSIGN_OR_RETURN(auto r,
                      RunChecked({"dpkg-query", "--admindir=" + admin, "-W",
                                  "-f=${Package} ${Version}\\n"}));
  for (const auto& line : Split(r.out, '\n')) {
    auto sp = line.find(' ');
    if (sp == std::string::npos || sp == 0 || sp + 1 == line.size()) continue;
    out.push_back({line.substr(0, sp), line.substr(sp + 1)});
  }
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  out.erase(std::unique(
                out.begin(), out.end(),
                [](const auto& a, const auto& b) { return a.name == b.name; }),
            out.end());
  return out;
}

// Copies `rootfs` into a fresh image of `size` bytes at `s.image`, then
// trims it so the image holds only what the files need.
Status MakeImage(const NodeConfig& node, const Scratch& s, uint64_t size,
                 const ProgressFn& progress) {
  Progress(progress,
           "making a " + std::to_string(size >> 20) + " MiB image with ext4");
  ploop::CreateParams cp;
  cp.size_bytes = size;
  VZ_RETURN_IF_ERROR(ploop::CreateImage(s.image, cp));
  const std::string dd = s.image + "/" + ploop::kDescriptorName;
  VZ_RETURN_IF_ERROR(ploop::CreateFilesystem(node.root(), dd, {}));
  ploop::MountOptions mo;
  mo.mount_point = s.mnt;
  VZ_ASSIGN_OR_RETURN(auto m, ploop::Mount(node.root(), dd, mo));
  Reverter undo;
  undo.Add([&] { (void)ploop::Umount(node.root(), dd); });
  Progress(progress, "copying the root filesystem into the image");
  VZ_RETURN_IF_ERROR(
      RunChecked({"cp", "-a", "--", s.rootfs + "/.", s.mnt + "/"}).status());
  // lost+found is mkfs's; the copy must not have replaced it.
  Progress(progress, "trimming the image");
  VZ_RETURN_IF_ERROR(ploop::CompactImage(node.root(), dd).status());
  undo.Commit();
  return ploop::Umount(node.root(), dd);
}

// Renames the new image files over the template's (containers keep the old
// inodes) and writes the manifest.
Result<TemplateManifest> Install(const TemplateStore& store,
                                 std::string_view name, const Scratch& s,
                                 TemplateInfo info) {
  const std::string target = store.DirOf(name);
  VZ_RETURN_IF_ERROR(MakeDirs(target, 0755));
  for (const std::string f : {kImage, ploop::kDescriptorName}) {
    const std::string from = s.image + "/" + f;
    if (::chmod(from.c_str(), 0444) != 0) {
      return ErrnoError(errno, "chmod '" + from + "'");
    }
    const std::string to = target + "/" + f;
    if (::rename(from.c_str(), to.c_str()) != 0) {
      return ErrnoError(errno, "install '" + to + "'");
    }
  }
  VZ_RETURN_IF_ERROR(FsyncDir(target));
  info.files = {ploop::kDescriptorName, kImage};
  return store.WriteManifest(name, info);
}

Status WithDiskFull(Status s) {
  if (!s.ok() && s.sys_errno() == ENOSPC) {
    return std::move(s).WithExitCode(kVzFsNoDiskSpace);
  }
  return s;
}

}  // namespace

namespace template_build {

Result<TemplateManifest> MakeTemplate(const NodeConfig& node,
                                      const TemplateSource& src) {
  VZ_RETURN_IF_ERROR(ValidateTemplateName(src.name));
  TemplateStore store = TemplateStore::ForNode(node);
  VZ_ASSIGN_OR_RETURN(ContainerLock lock, ContainerLock::AcquireTemplate(
                                              node.lock_dir(), src.name));
  VZ_ASSIGN_OR_RETURN(Scratch s, MakeScratch(store, src.name));
  Reverter cleanup;  // always: the scratch directory goes
  cleanup.Add([&] { (void)RemoveTree(s.dir); });
  const auto created = std::chrono::system_clock::now();
  Status filled = src.fill(s.rootfs);
  if (!filled.ok()) return WithDiskFull(std::move(filled));
  Progress(src.progress, "removing machine identity");
  VZ_RETURN_IF_ERROR(storage::CleanIdentity(s.rootfs));
  VZ_ASSIGN_OR_RETURN(auto packages, ListPackages(s.rootfs));
  Status made = MakeImage(node, s, src.size, src.progress);
  if (!made.ok()) return WithDiskFull(std::move(made));
  TemplateInfo info;
  info.version = src.version.empty() ? DefaultVersion(created) : src.version;
  info.os = src.os;
  info.arch = src.arch;
  info.virtual_size = src.size;
  info.created = std::chrono::floor<std::chrono::seconds>(created);
  info.packages = std::move(packages);
  Progress(src.progress, "hashing and sealing");
  return Install(store, src.name, s, std::move(info));
}

}  // namespace template_build
}  // namespace vz
