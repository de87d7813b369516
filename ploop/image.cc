#include "ploop/image.h"

#include <sys/stat.h>
#include <unistd.h>

#include "base/file_util.h"
#include "base/log.h"
#include "base/reverter.h"
#include "ploop/descriptor_memo.h"
#include "ploop/exit_codes.h"
#include "ploop/lib/delta.h"
#include "ploop/lib/stack.h"

namespace ploop {
namespace {

vz::Status Param(const std::string& why) {
  return vz::InvalidArgumentError(why).WithExitCode(kSysExitParam);
}

vz::Status Mismatch(const std::string& why) {
  return vz::InvalidArgumentError(why).WithExitCode(kSysExitDiskDescr);
}

// Deltas made by vz carry their identity in xattrs (doc/ploop-format.md §6
// names the files; this catches wrong or swapped ones): a base has no
// parent id; every other delta names the id of the delta below it.
vz::Status CheckIdentity(const std::vector<std::unique_ptr<Delta>>& below,
                         const Delta& d) {
  std::string id = d.id(), pid = d.parent_id();
  if (id.empty()) return vz::OkStatus();  // not made by vz: nothing to check
  if (below.empty()) {
    if (pid.empty()) return vz::OkStatus();
    return Mismatch("delta '" + d.path() +
                    "' is a snapshot delta but is listed as the base: wrong or "
                    "swapped delta files");
  }
  std::string below_id = below.back()->id();
  if (below_id.empty() || pid == below_id) return vz::OkStatus();
  return Mismatch("delta '" + d.path() + "' was not made on top of '" +
                  below.back()->path() + "': wrong or swapped delta files");
}

}  // namespace

std::string DescriptorPathFor(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
    return vz::JoinPath(path, kDescriptorName);
  return path;
}

vz::Status CreateImage(const std::string& dir, const CreateParams& p) {
  if (p.version != 1 && p.version != 2)
    return Param("invalid format version " + std::to_string(p.version));
  if (p.size_bytes == 0) return Param("image size must be greater than 0");
  if (p.base_name.empty() || p.base_name.find('/') != std::string::npos) {
    return Param("invalid delta name '" + p.base_name + "'");
  }
  VZ_RETURN_IF_ERROR(vz::MakeDirs(dir).WithDefaultExitCode(kSysExitMkdir));
  std::string dd_path = vz::JoinPath(dir, kDescriptorName);
  if (vz::PathExists(dd_path)) {
    return vz::AlreadyExistsError("image '" + dd_path + "' already exists")
        .WithExitCode(kSysExitCreat);
  }
  vz::Reverter undo;
  std::string delta_path = vz::JoinPath(dir, p.base_name);
  Version v = p.version == 1 ? Version::kV1 : Version::kV2;
  std::unique_ptr<Delta> delta;
  if (p.format == ImageFormat::kRaw) {
    uint64_t cb = uint64_t{p.cluster_sectors} * kSectorSize;
    VZ_ASSIGN_OR_RETURN(
        delta, Delta::CreateRaw(delta_path, (p.size_bytes + cb - 1) / cb * cb,
                                p.cluster_sectors));
  } else {
    VZ_ASSIGN_OR_RETURN(delta, Delta::CreateExpanded(delta_path, p.size_bytes,
                                                     p.cluster_sectors, v));
  }
  undo.Add([delta_path] { ::unlink(delta_path.c_str()); });
  VZ_ASSIGN_OR_RETURN(vz::Uuid id, vz::Uuid::Generate());
  VZ_RETURN_IF_ERROR(delta->SetIds(id.ToString(), ""));

  DiskDescriptor dd;
  dd.disk_size_sectors = delta->virtual_bytes() / kSectorSize;
  Chs chs = ComputeChs(dd.disk_size_sectors);
  dd.cylinders = chs.cylinders;
  dd.heads = chs.heads;
  dd.sectors = chs.sectors;
  dd.blocksize = p.cluster_sectors;
  // A fresh image is a single delta, which is the top.
  dd.images.push_back({TopDeltaGuid(),
                       p.format == ImageFormat::kRaw ? DeltaType::kPlain
                                                     : DeltaType::kCompressed,
                       p.base_name});
  dd.shots.push_back({TopDeltaGuid(), vz::Uuid(), false, "", ""});
  dd.top_guid = TopDeltaGuid();
  VZ_RETURN_IF_ERROR(WriteDiskDescriptor(dd_path, dd));
  undo.Commit();
  return vz::OkStatus();
}

Image::~Image() {
  if (stack_ && !closed_ && !read_only_) {
    vz::Status s = Close();
    if (!s.ok())
      VZ_LOG(kWarning) << "close image '" << descriptor_path_
                       << "': " << s.message();
  }
}

uint64_t Image::size() const { return stack_->virtual_bytes(); }
uint64_t Image::cluster_bytes() const { return stack_->cluster_bytes(); }

vz::Result<std::unique_ptr<Image>> Image::Open(const std::string& path,
                                               const OpenParams& p) {
  std::unique_ptr<Image> img(new Image());
  img->descriptor_path_ = DescriptorPathFor(path);
  img->dir_ = vz::DirName(img->descriptor_path_);
  img->read_only_ = p.read_only;
  auto mode = p.read_only ? vz::FileLock::Mode::kShared
                          : vz::FileLock::Mode::kExclusive;
  auto lock = vz::FileLock::Acquire(img->descriptor_path_, mode,
                                    p.wait_for_lock, /*create=*/false);
  if (!lock.has_value()) {
    vz::Status s = std::move(lock).error();
    if (s.code() == vz::Code::kUnavailable) {
      return vz::UnavailableError("image '" + img->descriptor_path_ +
                                  "' is in use by another process (mounted?)")
          .WithExitCode(kSysExitFlock);
    }
    return std::move(s).WithDefaultExitCode(kSysExitOpen);
  }
  img->lock_ = std::move(*lock);
  img->params_ = p;
  img->params_.defer_in_use = false;  // for later reloads: only this open
  VZ_ASSIGN_OR_RETURN(img->dd_,
                      p.descriptor_memo.empty()
                          ? ReadDiskDescriptor(img->descriptor_path_)
                          : ReadDiskDescriptorRemembered(img->descriptor_path_,
                                                         p.descriptor_memo));
  VZ_RETURN_IF_ERROR(img->OpenStack(/*mark_in_use=*/!p.defer_in_use));
  return img;
}

vz::Status Image::MarkInUse() {
  if (read_only_) return vz::OkStatus();
  return stack_->top().MarkInUse();
}

vz::Status Image::OpenStack(bool mark_in_use) {
  VZ_ASSIGN_OR_RETURN(auto chain, dd_.Chain());
  std::vector<std::unique_ptr<Delta>> deltas;
  for (size_t i = 0; i < chain.size(); ++i) {
    bool is_top = i + 1 == chain.size();
    DeltaOpenOptions o;
    o.writable = is_top && !params_.read_only;
    // Only the top goes around the page cache: lower deltas are read-only
    // and most often a template's base shared by many containers, whose
    // cached pages then serve all of them (and every later start).
    o.direct_io = params_.direct_io && is_top;
    o.allow_in_use = params_.allow_in_use || !o.writable;
    o.raw_cluster_sectors = dd_.blocksize;
    std::string file = DeltaPath(chain[i]->file);
    auto kind = chain[i]->type == DeltaType::kPlain ? DeltaKind::kRaw
                                                    : DeltaKind::kExpanded;
    VZ_ASSIGN_OR_RETURN(auto d, Delta::Open(file, kind, o));
    if (d->cluster_sectors() != dd_.blocksize) {
      return Mismatch("delta '" + file + "' has cluster size " +
                      std::to_string(d->cluster_sectors()) +
                      " sectors, the descriptor says " +
                      std::to_string(dd_.blocksize));
    }
    VZ_RETURN_IF_ERROR(CheckIdentity(deltas, *d));
    deltas.push_back(std::move(d));
  }
  uint64_t size = dd_.disk_size_sectors * kSectorSize;
  const Delta& top = *deltas.back();
  if (top.virtual_bytes() < size) {
    return Mismatch("top delta '" + top.path() + "' is " +
                    std::to_string(top.virtual_bytes()) +
                    " bytes, the descriptor says " + std::to_string(size));
  }
  VZ_ASSIGN_OR_RETURN(stack_, DeltaStack::Make(std::move(deltas), size));
  if (!params_.read_only && mark_in_use) {
    VZ_RETURN_IF_ERROR(stack_->top().MarkInUse());
  }
  closed_ = false;
  return vz::OkStatus();
}

vz::Status Image::ReloadStack() {
  if (stack_ && !read_only_ && !closed_) {
    VZ_RETURN_IF_ERROR(stack_->top().MarkClean());
  }
  closed_ = true;
  stack_.reset();
  return OpenStack();
}

std::string Image::DeltaPath(const std::string& file) const {
  return vz::JoinPath(dir_, file);
}

vz::Status Image::Read(uint64_t offset, void* buf, size_t len) {
  return stack_->Read(offset, buf, len);
}

vz::Status Image::Write(uint64_t offset, const void* buf, size_t len) {
  if (read_only_ || closed_)
    return vz::PermissionDeniedError("image '" + descriptor_path_ +
                                     "' is read-only");
  return stack_->Write(offset, buf, len);
}

vz::Status Image::Flush() { return stack_->Flush(); }

vz::Status Image::Close() {
  if (!stack_ || closed_ || read_only_) {
    closed_ = true;
    return vz::OkStatus();
  }
  closed_ = true;
  return stack_->top().MarkClean();
}

vz::Status Image::SaveDescriptor() {
  VZ_RETURN_IF_ERROR(dd_.Validate());
  if (read_only_) {
    return vz::FailedPreconditionError("image '" + descriptor_path_ +
                                       "' is open read-only");
  }
  return lock_.ReplaceFile(descriptor_path_, FormatDiskDescriptor(dd_), 0644)
      .WithDefaultExitCode(kSysExitDiskDescr);
}

}  // namespace ploop
