#include "ploop/check.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "base/file_lock.h"
#include "base/file_util.h"
#include "base/unique_fd.h"
#include "ploop/exit_codes.h"
#include "ploop/image.h"
#include "ploop/lib/bat_backup.h"
#include "ploop/lib/bat_scan.h"
#include "ploop/lib/delta.h"
#include "ploop/lib/relocate.h"
#include "ploop/lib/sparse.h"

namespace ploop {
namespace {

std::string Count(uint64_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

// "1 BAT entry is invalid (first: entry 7)", "3 BAT entries are ...".
std::string Entries(const std::vector<uint32_t>& v, const char* one,
                    const char* many) {
  return Count(v.size(), "BAT entry", "BAT entries") + " " +
         (v.size() == 1 ? one : many) + " (first: entry " +
         std::to_string(v.front()) + ")";
}

// What one look at an expanded delta found, with what the repair needs.
struct Inspection {
  Header header;
  uint64_t file_bytes = 0;
  BatScan scan;
  std::vector<Hole> holes;
};

class DeltaCheck {
 public:
  DeltaCheck(const std::string& path, const CheckOptions& o, CheckReport& r)
      : path_(path), o_(o), r_(r) {}

  vz::Status RunExpanded(bool second_pass = false);
  vz::Status RunRaw();

 private:
  size_t Add(Problem p, std::string message) {
    r_.findings.push_back({path_, p, std::move(message), false});
    return r_.findings.size() - 1;
  }
  void Fixed(size_t from) {
    for (size_t i = from; i < r_.findings.size(); ++i)
      r_.findings[i].fixed = true;
  }
  vz::Result<bool> MayWrite(bool only_in_use);
  vz::Status Inspect(int fd, Inspection& in, bool* done);
  vz::Status Repair(const Inspection& in, size_t first);
  vz::Status DropInUse();
  void AddFindings(const Inspection& in);

  const std::string& path_;
  const CheckOptions& o_;
  CheckReport& r_;
};

vz::Result<bool> DeltaCheck::MayWrite(bool only_in_use) {
  if (!o_.repair && !(o_.drop_in_use && only_in_use)) return false;
  VZ_ASSIGN_OR_RETURN(bool shared, Delta::IsShared(path_));
  if (shared) {
    r_.notes.push_back("delta '" + path_ +
                       "' is shared (a template or hard-linked): not repaired");
    return false;
  }
  return true;
}

vz::Status DeltaCheck::Inspect(int fd, Inspection& in, bool* done) {
  *done = true;
  uint8_t raw[kHeaderSize] = {};
  ssize_t n = ::pread(fd, raw, sizeof raw, 0);
  if (n < 0)
    return vz::ErrnoError(errno, "read '" + path_ + "'")
        .WithExitCode(kSysExitRead);
  auto h = DecodeHeader(std::span<const uint8_t>(raw, static_cast<size_t>(n)));
  if (!h.has_value()) {
    Add(Problem::kBadHeader, h.error().message());
    return vz::OkStatus();
  }
  in.header = *h;
  off_t size = ::lseek(fd, 0, SEEK_END);
  if (size < 0)
    return vz::ErrnoError(errno, "stat '" + path_ + "'")
        .WithExitCode(kSysExitFstat);
  in.file_bytes = static_cast<uint64_t>(size);
  uint64_t region = uint64_t{h->first_data_cluster()} * h->cluster_bytes();
  if (in.file_bytes < region) {
    Add(Problem::kBadHeader, "file is shorter than its BAT");
    return vz::OkStatus();
  }
  std::vector<uint8_t> bat(region);
  for (uint64_t off = 0; off < region;) {
    ssize_t got =
        ::pread(fd, bat.data() + off, region - off, static_cast<off_t>(off));
    if (got <= 0)
      return vz::ErrnoError(got < 0 ? errno : EIO, "read '" + path_ + "'")
          .WithExitCode(kSysExitRead);
    off += static_cast<uint64_t>(got);
  }
  in.scan = ScanBat(*h, bat, in.file_bytes);
  VZ_ASSIGN_OR_RETURN(in.holes, FindHoles(fd, path_));
  *done = false;
  return vz::OkStatus();
}

vz::Status DeltaCheck::RunExpanded(bool second_pass) {
  vz::UniqueFd fd(::open(path_.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd)
    return vz::ErrnoError(errno, "open delta '" + path_ + "'")
        .WithExitCode(kSysExitOpen);
  Inspection in;
  bool done = false;
  size_t first = r_.findings.size();
  VZ_RETURN_IF_ERROR(Inspect(fd.get(), in, &done));
  if (done) return vz::OkStatus();
  fd.reset();
  const Header& h = in.header;
  if (h.flags & kFlagFmtVersionConvert) {
    size_t f =
        Add(Problem::kInterruptedConversion,
            "interrupted format version conversion (CIF_FmtVersionConvert)");
    VZ_ASSIGN_OR_RETURN(bool write, MayWrite(false));
    if (!write || second_pass) return vz::OkStatus();
    VZ_RETURN_IF_ERROR(RestoreBatBackup(path_));
    VZ_RETURN_IF_ERROR(vz::FsyncDir(vz::DirName(path_)));
    ::unlink(BatBackupPath(path_).c_str());
    Fixed(f);
    return RunExpanded(true);  // the BAT changed: look again
  }
  AddFindings(in);
  bool in_use = h.in_use == kInUseMagic;
  if (in_use) Add(Problem::kInUse, "in-use flag set: not closed cleanly");
  bool only_in_use = in_use && r_.findings.size() == first + 1;
  if (r_.findings.size() == first) return vz::OkStatus();
  VZ_ASSIGN_OR_RETURN(bool write, MayWrite(only_in_use));
  if (!write) return vz::OkStatus();
  if (!o_.repair) {
    VZ_RETURN_IF_ERROR(DropInUse());
    Fixed(first);
    return vz::OkStatus();
  }
  return Repair(in, first);
}

void DeltaCheck::AddFindings(const Inspection& in) {
  const Header& h = in.header;
  const BatScan& s = in.scan;
  if (!s.invalid.empty())
    Add(Problem::kInvalidEntry,
        Entries(s.invalid, "is invalid", "are invalid"));
  if (!s.past_eof.empty())
    Add(Problem::kEntryPastEof,
        Entries(s.past_eof, "points past the end of the file",
                "point past the end of the file"));
  if (!s.past_end_slots.empty())
    Add(Problem::kEntryPastEnd,
        Entries(s.past_end_slots, "is set past the end of the disk",
                "are set past the end of the disk"));
  if (!s.double_mapped.empty())
    Add(Problem::kDoubleMapped,
        Entries(s.double_mapped, "points at a cluster mapped twice",
                "point at clusters mapped twice"));
  if (uint64_t tail = in.file_bytes % h.cluster_bytes())
    Add(Problem::kPartialTail,
        "file ends " + std::to_string(tail) + " bytes into a cluster");
  if (!in.holes.empty()) {
    uint64_t bytes = 0;
    for (const Hole& hole : in.holes) bytes += hole.length;
    Add(Problem::kSparse, "file is sparse: " + Count(bytes, "byte", "bytes") +
                              " in " + Count(in.holes.size(), "hole", "holes"));
  }
  if (s.free)
    Add(Problem::kLeakedClusters, Count(s.free, "cluster is", "clusters are") +
                                      " not referenced (leaked)");
  if ((h.flags & kFlagEmpty) && s.mapped)
    Add(Problem::kEmptyFlag, "CIF_Empty is set but clusters are mapped");
}

vz::Status DeltaCheck::DropInUse() {
  DeltaOpenOptions o;
  o.writable = true;
  o.allow_in_use = true;
  VZ_ASSIGN_OR_RETURN(auto d, Delta::Open(path_, DeltaKind::kExpanded, o));
  Header h = d->header();
  h.in_use = 0;
  return d->WriteHeader(h);
}

vz::Status DeltaCheck::Repair(const Inspection& in, size_t first) {
  DeltaOpenOptions o;
  o.writable = true;
  o.allow_in_use = true;
  o.skip_bat_validation = true;
  VZ_ASSIGN_OR_RETURN(auto d, Delta::Open(path_, DeltaKind::kExpanded, o));
  const BatScan& s = in.scan;
  const uint64_t cb = d->cluster_bytes();
  // The tail first, so that copies below are appended after whole clusters.
  if (in.file_bytes % cb)
    VZ_RETURN_IF_ERROR(d->TruncateClusters(in.file_bytes / cb));
  for (uint32_t c : s.invalid) d->SetEntry(c, 0);
  for (uint32_t c : s.past_eof) d->SetEntry(c, 0);
  const uint8_t zeros[4] = {};
  for (uint32_t c : s.past_end_slots) {
    VZ_RETURN_IF_ERROR(d->WriteAt((uint64_t{c} + kMapOffset) * 4, zeros, 4));
  }
  std::string buf(cb, '\0');
  for (uint32_t c : s.double_mapped) {
    VZ_RETURN_IF_ERROR(d->ReadAt(d->Lookup(c), buf.data(), cb));
    VZ_ASSIGN_OR_RETURN(uint64_t off, d->AllocateCluster());
    VZ_RETURN_IF_ERROR(d->WriteAt(off, buf.data(), cb));
    d->Map(c, off);
  }
  VZ_RETURN_IF_ERROR(d->Sync());
  VZ_ASSIGN_OR_RETURN(auto holes, FindHoles(d->fd(), path_));
  VZ_RETURN_IF_ERROR(FillHoles(d->fd(), path_, holes));
  VZ_ASSIGN_OR_RETURN(CompactResult compact, CompactDelta(*d));
  if (compact.reclaimed_bytes) {
    r_.notes.push_back("delta '" + path_ + "': compaction reclaimed " +
                       Count(compact.reclaimed_bytes, "byte", "bytes"));
  }
  Header h = d->header();
  h.in_use = 0;
  if (h.flags & kFlagEmpty) {
    for (uint32_t c = 0; c < d->clusters(); ++c) {
      if (d->Lookup(c) != kUnmapped) {
        h.flags &= ~kFlagEmpty;
        break;
      }
    }
  }
  VZ_RETURN_IF_ERROR(d->WriteHeader(h));
  Fixed(first);
  return vz::OkStatus();
}

vz::Status DeltaCheck::RunRaw() {
  vz::UniqueFd fd(::open(path_.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd)
    return vz::ErrnoError(errno, "open delta '" + path_ + "'")
        .WithExitCode(kSysExitOpen);
  VZ_ASSIGN_OR_RETURN(auto holes, FindHoles(fd.get(), path_));
  if (holes.empty()) return vz::OkStatus();
  uint64_t bytes = 0;
  for (const Hole& h : holes) bytes += h.length;
  size_t f =
      Add(Problem::kSparse, "file is sparse: " + Count(bytes, "byte", "bytes") +
                                " in " + Count(holes.size(), "hole", "holes"));
  VZ_ASSIGN_OR_RETURN(bool write, MayWrite(false));
  if (!write) return vz::OkStatus();
  vz::UniqueFd rw(::open(path_.c_str(), O_RDWR | O_CLOEXEC));
  if (!rw)
    return vz::ErrnoError(errno, "open delta '" + path_ + "'")
        .WithExitCode(kSysExitOpen);
  VZ_RETURN_IF_ERROR(FillHoles(rw.get(), path_, holes));
  Fixed(f);
  return vz::OkStatus();
}

}  // namespace

const char* ProblemName(Problem p) {
  switch (p) {
    case Problem::kBadHeader:
      return "bad-header";
    case Problem::kInterruptedConversion:
      return "interrupted-conversion";
    case Problem::kInUse:
      return "in-use";
    case Problem::kInvalidEntry:
      return "invalid-entry";
    case Problem::kEntryPastEof:
      return "entry-past-eof";
    case Problem::kEntryPastEnd:
      return "entry-past-end";
    case Problem::kDoubleMapped:
      return "double-mapped";
    case Problem::kPartialTail:
      return "partial-tail";
    case Problem::kSparse:
      return "sparse";
    case Problem::kLeakedClusters:
      return "leaked-clusters";
    case Problem::kEmptyFlag:
      return "empty-flag";
  }
  return "unknown";
}

bool CheckReport::problems_remain() const {
  for (const auto& f : findings) {
    if (!f.fixed) return true;
  }
  return false;
}

vz::Result<CheckReport> CheckDelta(const std::string& path, bool raw,
                                   const CheckOptions& options) {
  CheckReport report;
  DeltaCheck check(path, options, report);
  VZ_RETURN_IF_ERROR(raw ? check.RunRaw() : check.RunExpanded());
  return report;
}

vz::Result<CheckReport> CheckImage(const std::string& dir,
                                   const DiskDescriptor& dd,
                                   const CheckOptions& options) {
  CheckReport report;
  if (options.repair) {
    VZ_ASSIGN_OR_RETURN(auto restored, RestoreInterruptedConversion(dir, dd));
    for (const auto& file : restored) {
      report.findings.push_back(
          {file, Problem::kInterruptedConversion,
           "interrupted format version conversion: restored from backup",
           true});
    }
  }
  for (const auto& image : dd.images) {
    std::string path = vz::JoinPath(dir, image.file);
    DeltaCheck check(path, options, report);
    VZ_RETURN_IF_ERROR(image.type == DeltaType::kPlain ? check.RunRaw()
                                                       : check.RunExpanded());
  }
  return report;
}

vz::Result<CheckReport> CheckImage(const std::string& path,
                                   const CheckOptions& options) {
  const std::string descriptor_path = DescriptorPathFor(path);
  bool write = options.repair || options.drop_in_use;
  auto lock = vz::FileLock::Acquire(
      descriptor_path,
      write ? vz::FileLock::Mode::kExclusive : vz::FileLock::Mode::kShared,
      /*wait=*/false, /*create=*/false);
  if (!lock.has_value()) {
    vz::Status s = std::move(lock).error();
    if (s.code() == vz::Code::kUnavailable) {
      return vz::UnavailableError("image '" + descriptor_path +
                                  "' is in use by another process (mounted?)")
          .WithExitCode(kSysExitFlock);
    }
    return std::move(s).WithDefaultExitCode(kSysExitOpen);
  }
  VZ_ASSIGN_OR_RETURN(DiskDescriptor dd, ReadDiskDescriptor(descriptor_path));
  return CheckImage(vz::DirName(descriptor_path), dd, options);
}

}  // namespace ploop
