#include "ploop/ops.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>

#include "base/file_util.h"
#include "base/log.h"
#include "base/strings.h"
#include "base/subprocess.h"
#include "ploop/control_client.h"
#include "ploop/exit_codes.h"
#include "ploop/image.h"
#include "ploop/lib/loop_device.h"
#include "ploop/mount.h"
#include "ploop/resize.h"

namespace ploop {
namespace {

constexpr uint64_t kMiB = 1 << 20;
constexpr char kLinuxFsType[] = "0FC63DAF-8483-4772-8E79-3D69D8477DE4";

vz::Result<std::optional<MountInfo>> Mounted(const vz::NodeRoot& node,
                                             const std::string& dd) {
  VZ_ASSIGN_OR_RETURN(auto m, FindMount(node, DescriptorPathFor(dd)));
  if (m && !m->alive) {
    return vz::UnavailableError("the device server of '" + m->descriptor +
                                "' is dead: run 'ploop umount' first")
        .WithExitCode(kSysExitDevice);
  }
  return m;
}

vz::Result<ControlMessage> Call(const MountInfo& m, const ControlMessage& req) {
  VZ_ASSIGN_OR_RETURN(auto c,
                      ControlClient::Connect(m.control, 24 * 3600 * 1000));
  return c->Call(req);
}

std::vector<std::string> NotesOf(const ControlMessage& m) {
  std::vector<std::string> out;
  for (const auto& [k, v] : m.fields) {
    if (k == "note") out.push_back(v);
  }
  return out;
}

vz::Status Tool(const std::vector<std::string>& argv, int exit_code,
                const std::string& stdin_data = "") {
  vz::SubprocessOptions o;
  o.stdin_data = stdin_data;
  o.timeout = std::chrono::hours(6);
  auto r = vz::RunChecked(argv, o);
  if (!r.has_value()) return std::move(r).error().WithExitCode(exit_code);
  return vz::OkStatus();
}

// e2fsck -f -p: 0 clean, 1 errors fixed; anything else needs a person.
vz::Status Fsck(const std::string& device) {
  auto r = vz::RunSubprocess({"e2fsck", "-f", "-p", device});
  if (!r.has_value()) return std::move(r).error().WithExitCode(kSysExitFsck);
  if (r->exit_code > 1) {
    return vz::FailedPreconditionError(
               "'e2fsck' found problems it cannot fix (" + r->Describe() +
               "): run 'e2fsck -f' on the image by hand")
        .WithExitCode(kSysExitFsck);
  }
  return vz::OkStatus();
}

bool HasGpt(const MountInfo& m) {
  struct stat image, part;
  if (::stat((m.fuse_dir + "/image").c_str(), &image) != 0) return false;
  if (::stat((m.fuse_dir + "/part").c_str(), &part) != 0) return false;
  return part.st_size != image.st_size;
}

// What sfdisk prints for `args`, when it looks like a GUID (for a disk
// whose GPT it cannot read, a DOS id or nothing): "" otherwise.
std::string GuidOf(const std::vector<std::string>& args) {
  auto r = vz::RunSubprocess(args);
  if (!r.has_value() || r->exit_code != 0) return "";
  std::string g(vz::Trim(r->out));
  return g.size() == 36 && g[8] == '-' && g[13] == '-' ? g : "";
}

// The disk's and partition 1's GUIDs, kept across a rewrite of the table;
// "" where sfdisk cannot read them (new ones are made then).
struct GptIds {
  std::string disk, part;
};
GptIds GptIdsOf(const std::string& image) {
  return {GuidOf({"sfdisk", "--disk-id", image}),
          GuidOf({"sfdisk", "--part-uuid", image, "1"})};
}

// Writes a whole GPT on `image` at its current size: protective MBR, both
// headers and entry arrays, partition 1 from 1 MiB, `part_bytes` long,
// with `ids`. Only the table's sectors are written. Not a relocation of
// the backup table: a shrink cuts the backup off with the disk's tail,
// and sfdisk then takes the disk for a DOS one (its protective MBR),
// relocates nothing, and writes partition 1 into the MBR; the server,
// which reads the primary GPT, kept the old partition size, and the
// filesystem never grew again. This also repairs disks an earlier shrink
// left that way.
vz::Status WriteGpt(const std::string& image, uint64_t part_bytes,
                    const GptIds& ids) {
  std::string script = "label: gpt\n";
  if (!ids.disk.empty()) script += "label-id: " + ids.disk + "\n";
  script +=
      "first-lba: 2048\nstart=2048, size=" + std::to_string(part_bytes / 512) +
      ", type=" + kLinuxFsType;
  if (!ids.part.empty()) script += ", uuid=" + ids.part;
  script += "\n";
  return Tool({"sfdisk", "--quiet", "--no-reread", "--no-tell-kernel", "--wipe",
               "never", image},
              kSysExitChangeGpt, script);
}

// Points partition 1 (and the backup GPT) at a disk of the current size:
// partition from 1 MiB to PartitionBytesFor(); then the server and the loop
// device learn the new size.
vz::Status FitPartition(const MountInfo& m, uint64_t part_bytes) {
  const std::string image = m.fuse_dir + "/image";
  VZ_RETURN_IF_ERROR(WriteGpt(image, part_bytes, GptIdsOf(image)));
  VZ_RETURN_IF_ERROR(Call(m, ControlMessage{"rescan", {}}).status());
  struct stat st;
  ::stat((m.fuse_dir + "/part").c_str(), &st);  // refreshes the cached size
  return RefreshLoopCapacity(m.device);
}

vz::Result<FsResize> GrowOnline(const MountInfo& m, uint64_t size) {
  FsResize r;
  r.online = true;
  VZ_ASSIGN_OR_RETURN(auto st, Call(m, ControlMessage{"status", {}}));
  r.old_bytes =
      std::strtoull(st.Get("size").value_or("0").c_str(), nullptr, 10);
  bool gpt = HasGpt(m);
  ControlMessage req{"resize", {}};
  req.Set("size", std::to_string(size));
  VZ_ASSIGN_OR_RETURN(auto grown, Call(m, req));
  r.new_bytes =
      std::strtoull(grown.Get("size").value_or("0").c_str(), nullptr, 10);
  if (gpt) {
    VZ_RETURN_IF_ERROR(FitPartition(m, PartitionBytesFor(r.new_bytes)));
  } else {
    struct stat s;
    ::stat((m.fuse_dir + "/part").c_str(), &s);
    VZ_RETURN_IF_ERROR(RefreshLoopCapacity(m.device));
  }
  if (m.mount_point.empty()) VZ_RETURN_IF_ERROR(Fsck(m.device));
  auto fs = vz::RunSubprocess({"resize2fs", m.device});
  if (!fs.has_value())
    return std::move(fs).error().WithExitCode(kSysExitResizeFs);
  if (fs->exit_code != 0 && !m.mount_point.empty() &&
      fs->err.find("Permission denied") != std::string::npos) {
    // ext4's online resize needs CAP_SYS_RESOURCE, which some hosts (VMs,
    // containers) do not give even to root.
    return vz::FailedPreconditionError(
               "the disk grew to " + std::to_string(r.new_bytes) +
               " bytes, but growing the mounted ext4 needs CAP_SYS_RESOURCE, "
               "which this host "
               "withholds: the filesystem grows at its next mount")
        .WithExitCode(kSysExitResizeFs);
  }
  if (fs->exit_code != 0) {
    return vz::InternalError("'resize2fs' " + fs->Describe() + ": " + fs->err)
        .WithExitCode(kSysExitResizeFs);
  }
  return r;
}

vz::Result<FsResize> ShrinkOffline(const vz::NodeRoot& node,
                                   const std::string& dd, uint64_t size,
                                   uint64_t old_size) {
  VZ_ASSIGN_OR_RETURN(MountInfo m, Mount(node, dd, {}));
  bool gpt = HasGpt(m);
  uint64_t fs_bytes = gpt ? PartitionBytesFor(size) : size / 4096 * 4096;
  vz::Status s = Fsck(m.device);
  if (s.ok())
    s = Tool({"resize2fs", m.device, std::to_string(fs_bytes / 1024) + "K"},
             kSysExitResizeFs);
  // Partition 1 first, inside the old disk, where the table is whole: a
  // crash before the end still leaves a table whose partition fits.
  const GptIds ids = gpt ? GptIdsOf(m.fuse_dir + "/image") : GptIds{};
  if (s.ok() && gpt) s = WriteGpt(m.fuse_dir + "/image", fs_bytes, ids);
  vz::Status u = Umount(node, m.descriptor);
  if (!s.ok()) return s;
  VZ_RETURN_IF_ERROR(u);
  VZ_ASSIGN_OR_RETURN(auto shrunk, ResizeImage(DescriptorPathFor(dd), size));
  if (gpt) {  // the table, backup included, for the disk's new end
    VZ_ASSIGN_OR_RETURN(MountInfo again, Mount(node, dd, {}));
    s = WriteGpt(again.fuse_dir + "/image", fs_bytes, ids);
    VZ_RETURN_IF_ERROR(Umount(node, again.descriptor));
    VZ_RETURN_IF_ERROR(s);
  }
  return FsResize{old_size, shrunk.new_bytes, false};
}

vz::Status Trim(const std::string& mount_point) {
  vz::UniqueFd fd(
      ::open(mount_point.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) return vz::ErrnoError(errno, "open '" + mount_point + "'");
  fstrim_range range{0, ULLONG_MAX, 0};
  if (::ioctl(fd.get(), FITRIM, &range) != 0) {
    return vz::ErrnoError(errno, "trim '" + mount_point + "'");
  }
  return vz::OkStatus();
}

vz::Result<CompactReport> CompactMounted(const MountInfo& m) {
  ControlMessage r;
  VZ_ASSIGN_OR_RETURN(r, Call(m, ControlMessage{"compact", {}}));
  auto num = [&](const char* k) {
    return std::strtoull(r.Get(k).value_or("0").c_str(), nullptr, 10);
  };
  CompactReport c;
  c.reclaimed_bytes = num("reclaimed_bytes");
  c.released_clusters = num("released_clusters");
  c.moved_clusters = num("moved_clusters");
  c.kept_shadowing_clusters = num("kept_shadowing_clusters");
  c.partly_discarded_clusters = num("partly_discarded_clusters");
  return c;
}

}  // namespace

uint64_t PartitionBytesFor(uint64_t disk_bytes) {
  uint64_t usable_end = disk_bytes - 34 * 512;  // backup entries + header
  uint64_t end = usable_end / kMiB * kMiB;
  return end > kMiB ? end - kMiB : 0;
}

vz::Result<OnlineSnapshot> SnapshotImage(const vz::NodeRoot& node,
                                         const std::string& dd,
                                         const SnapshotParams& p) {
  VZ_ASSIGN_OR_RETURN(auto m, Mounted(node, dd));
  if (!m) {
    VZ_ASSIGN_OR_RETURN(vz::Uuid g, CreateSnapshot(DescriptorPathFor(dd), p));
    return OnlineSnapshot{g, false, 0};
  }
  if (m->read_only) {
    return vz::FailedPreconditionError("image '" + m->descriptor +
                                       "' is mounted read-only")
        .WithExitCode(kSysExitParam);
  }
  ControlMessage req{"snapshot", {}};
  if (p.guid) req.Set("guid", p.guid->ToBraced());
  if (!p.name.empty()) req.Set("name", p.name);
  if (!p.description.empty()) req.Set("description", p.description);
  if (!m->mount_point.empty()) req.Set("freeze", m->mount_point);
  VZ_ASSIGN_OR_RETURN(auto r, Call(*m, req));
  VZ_ASSIGN_OR_RETURN(vz::Uuid g, vz::Uuid::Parse(r.Get("guid").value_or("")));
  return OnlineSnapshot{
      g, true,
      std::strtoull(r.Get("duration_us").value_or("0").c_str(), nullptr, 10)};
}

vz::Result<SnapshotReport> DeleteImageSnapshot(const vz::NodeRoot& node,
                                               const std::string& dd,
                                               const vz::Uuid& guid) {
  VZ_ASSIGN_OR_RETURN(auto m, Mounted(node, dd));
  if (!m) return DeleteSnapshot(DescriptorPathFor(dd), guid);
  ControlMessage req{"snapshot-delete", {}};
  req.Set("guid", guid.ToBraced());
  VZ_ASSIGN_OR_RETURN(auto r, Call(*m, req));
  return SnapshotReport{NotesOf(r)};
}

vz::Result<SnapshotReport> MergeImageSnapshot(
    const vz::NodeRoot& node, const std::string& dd,
    const std::optional<vz::Uuid>& guid, bool all) {
  VZ_ASSIGN_OR_RETURN(auto m, Mounted(node, dd));
  if (!m) {
    if (all) return MergeAllSnapshots(DescriptorPathFor(dd));
    return MergeSnapshot(DescriptorPathFor(dd), guid);
  }
  ControlMessage req{"snapshot-merge", {}};
  if (guid) req.Set("guid", guid->ToBraced());
  if (all) req.Set("all", "1");
  VZ_ASSIGN_OR_RETURN(auto r, Call(*m, req));
  return SnapshotReport{NotesOf(r)};
}

vz::Status SwitchImageSnapshot(const vz::NodeRoot& node, const std::string& dd,
                               const vz::Uuid& guid) {
  VZ_ASSIGN_OR_RETURN(auto m, FindMount(node, DescriptorPathFor(dd)));
  if (m) {
    return vz::FailedPreconditionError(
               "image '" + m->descriptor +
               "' is mounted: switching snapshots needs it unmounted")
        .WithExitCode(kSysExitEbusy);
  }
  return SwitchSnapshot(DescriptorPathFor(dd), guid);
}

vz::Result<FsResize> ResizeImageWithFs(const vz::NodeRoot& node,
                                       const std::string& dd, uint64_t size) {
  VZ_ASSIGN_OR_RETURN(auto m, Mounted(node, dd));
  if (m) {
    if (m->read_only) {
      return vz::FailedPreconditionError("image '" + m->descriptor +
                                         "' is mounted read-only")
          .WithExitCode(kSysExitParam);
    }
    return GrowOnline(*m, size);
  }
  uint64_t old_size = 0;
  {
    OpenParams ro;
    ro.read_only = true;
    VZ_ASSIGN_OR_RETURN(auto img, Image::Open(DescriptorPathFor(dd), ro));
    old_size = img->size();
  }
  if (size < old_size) return ShrinkOffline(node, dd, size, old_size);
  VZ_ASSIGN_OR_RETURN(MountInfo mi, Mount(node, dd, {}));
  auto r = GrowOnline(mi, size);
  vz::Status u = Umount(node, mi.descriptor);
  if (!r.has_value()) return r;
  VZ_RETURN_IF_ERROR(u);
  r->online = false;
  return r;
}

vz::Status SetIoLimits(const vz::NodeRoot& node, const std::string& dd,
                       const IoLimits& limits) {
  VZ_ASSIGN_OR_RETURN(auto m, Mounted(node, dd));
  if (!m) {
    return vz::NotFoundError("image '" + dd + "' is not mounted")
        .WithExitCode(kSysExitDevNotMounted);
  }
  if (limits.bytes_per_sec || limits.ops_per_sec) {
    ControlMessage req{"iolimit", {}};
    if (limits.bytes_per_sec) {
      req.Set("bytes_per_sec", std::to_string(*limits.bytes_per_sec));
    }
    if (limits.ops_per_sec) {
      req.Set("ops_per_sec", std::to_string(*limits.ops_per_sec));
    }
    VZ_RETURN_IF_ERROR(Call(*m, req).status());
  }
  if (limits.priority) {
    ControlMessage req{"ioprio", {}};
    req.Set("priority", std::to_string(*limits.priority));
    VZ_RETURN_IF_ERROR(Call(*m, req).status());
  }
  return vz::OkStatus();
}

vz::Result<CompactReport> CompactImage(const vz::NodeRoot& node,
                                       const std::string& dd) {
  VZ_ASSIGN_OR_RETURN(auto m, Mounted(node, dd));
  if (m && !m->mount_point.empty()) {
    VZ_RETURN_IF_ERROR(Trim(m->mount_point));
    return CompactMounted(*m);
  }
  if (m) {
    return vz::FailedPreconditionError(
               "image '" + m->descriptor +
               "' is attached without its filesystem mounted: mount it, "
               "or unmount it, to compact")
        .WithExitCode(kSysExitParam);
  }
  // Mount privately, trim, compact, unmount.
  MountOptions o;
  std::string dir =
      node.Path("/run/ploop/compact-" + std::to_string(::getpid()));
  o.mount_point = dir;
  VZ_ASSIGN_OR_RETURN(MountInfo mi, Mount(node, dd, o));
  vz::Status s = Trim(mi.mount_point);
  vz::Result<CompactReport> r =
      s.ok() ? CompactMounted(mi) : vz::Result<CompactReport>(s);
  vz::Status u = Umount(node, mi.descriptor);
  ::rmdir(dir.c_str());
  if (!r.has_value()) return r;
  VZ_RETURN_IF_ERROR(u);
  return r;
}

}  // namespace ploop
