#include "libvz/idmap.h"

#include <charconv>

#include "base/file_util.h"
#include "base/size.h"
#include "base/strings.h"
#include "libvz/exit_codes.h"
#include "libvz/lock.h"

namespace vz {

std::string IdRange::UidMap() const {
  return "0 " + std::to_string(uid) + " " + std::to_string(count) + "\n";
}
std::string IdRange::GidMap() const {
  return "0 " + std::to_string(gid) + " " + std::to_string(count) + "\n";
}

Result<bool> IsPrivileged(const VeConfig& config) {
  auto v = config.Get("USERNS");
  if (!v || *v == "yes") return false;
  if (*v == "no") return true;
  return InvalidArgumentError("invalid USERNS '" + *v + "': yes or no")
      .WithExitCode(kVzInvalidParameterValue);
}

namespace {

Result<std::optional<uint64_t>> ReadId(const ConfigFile& file,
                                       const std::string& key) {
  auto v = file.Get(key);
  if (!v) return std::optional<uint64_t>();
  uint64_t n = 0;
  auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (ec != std::errc() || p != v->data() + v->size() || n == 0 ||
      n > UINT32_MAX - NodeConfig::kIdsPerContainer) {
    return InvalidArgumentError("invalid " + key + " '" + *v + "' in '" +
                                file.origin() + "'")
        .WithExitCode(kVzInvalidParameterValue);
  }
  return std::optional<uint64_t>(n);
}

Result<std::optional<IdRange>> ReadFileRange(const ConfigFile& file) {
  VZ_ASSIGN_OR_RETURN(auto uid, ReadId(file, "LOCAL_UID"));
  VZ_ASSIGN_OR_RETURN(auto gid, ReadId(file, "LOCAL_GID"));
  if (!uid && !gid) return std::optional<IdRange>();
  if (!uid || !gid) {
    return InvalidArgumentError("'" + file.origin() +
                                "' sets only one of LOCAL_UID and LOCAL_GID")
        .WithExitCode(kVzInvalidParameterValue);
  }
  return std::optional<IdRange>(IdRange{.uid = *uid, .gid = *gid});
}

bool Overlaps(uint64_t a, uint64_t an, uint64_t b, uint64_t bn) {
  return a < b + bn && b < a + an;
}

}  // namespace

Result<std::optional<IdRange>> ReadIdRange(const VeConfig& config) {
  return ReadFileRange(config.file());
}

Result<IdRange> PickFreeRange(uint64_t base, uint64_t total, uint64_t count,
                              const std::vector<IdRange>& used) {
  for (uint64_t slot = base; slot + count <= base + total; slot += count) {
    bool free = true;
    for (const auto& r : used) {
      if (Overlaps(slot, count, r.uid, r.count) ||
          Overlaps(slot, count, r.gid, r.count)) {
        free = false;
        break;
      }
    }
    if (free) return IdRange{.uid = slot, .gid = slot, .count = count};
  }
  return ResourceExhaustedError(
             "no free ID range: all " + std::to_string(total / count) +
             " ranges of " + std::to_string(count) + " IDs from " +
             std::to_string(base) + " are taken (vz.conf USERNS_ID_COUNT)")
      .WithExitCode(kVzResourceError);
}

namespace {

// LOCAL_UID and LOCAL_GID of a config that does not parse as a whole (a
// typo on another line), read line by line: its range is still taken, and
// handing it to a second container would share the IDs of both. A value
// that is not a plain number counts as unknown: an error, nothing is
// allocated then.
Result<std::optional<IdRange>> LenientRange(const std::string& path) {
  VZ_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  std::optional<uint64_t> uid, gid;
  for (const auto& raw : SplitNonEmpty(text, '\n')) {
    const std::string line(Trim(raw));
    for (auto [key, out] : {std::pair{std::string_view("LOCAL_UID"), &uid},
                            std::pair{std::string_view("LOCAL_GID"), &gid}}) {
      if (!line.starts_with(std::string(key) + "=")) continue;
      std::string v = line.substr(key.size() + 1);
      if (v.size() >= 2 && v.front() == '"' && v.back() == '"') {
        v = v.substr(1, v.size() - 2);
      }
      auto n = ParseUint(v);
      if (!n.has_value()) {
        return InvalidArgumentError(
                   "'" + path + "' does not parse, and its " +
                   std::string(key) +
                   " cannot be read either: no ID range is handed out until "
                   "it is fixed")
            .WithExitCode(kVzInvalidConfig);
      }
      *out = *n;
    }
  }
  if (!uid && !gid) return std::optional<IdRange>();
  return std::optional<IdRange>(
      IdRange{.uid = uid.value_or(*gid), .gid = gid.value_or(*uid)});
}

}  // namespace

Result<std::vector<IdRange>> UsedIdRanges(const NodeConfig& node,
                                          const std::string& except_ctid) {
  std::vector<IdRange> used;
  auto names = ListDir(node.conf_dir());
  if (!names.has_value()) {
    if (names.error().code() == Code::kNotFound) return used;
    return names.error();
  }
  for (const auto& name : *names) {
    if (!name.ends_with(".conf") || name == except_ctid + ".conf") continue;
    const std::string path = JoinPath(node.conf_dir(), name);
    auto file = ConfigFile::Load(path);
    if (!file.has_value()) {
      VZ_ASSIGN_OR_RETURN(auto range, LenientRange(path));
      if (range) used.push_back(*range);
      continue;
    }
    auto range = ReadFileRange(*file);
    if (range.has_value() && *range) used.push_back(**range);
  }
  return used;
}

Result<std::optional<IdRange>> EnsureIdRange(const NodeConfig& node,
                                             VeConfig& config) {
  VZ_ASSIGN_OR_RETURN(bool privileged, IsPrivileged(config));
  if (privileged) return std::optional<IdRange>();
  VZ_ASSIGN_OR_RETURN(auto have, ReadIdRange(config));
  if (have) return have;
  VZ_ASSIGN_OR_RETURN(ContainerLock names,
                      ContainerLock::AcquireNames(
                          node.lock_dir(), {.wait = std::chrono::seconds(10)}));
  VZ_ASSIGN_OR_RETURN(auto used, UsedIdRanges(node, config.ctid()));
  VZ_ASSIGN_OR_RETURN(
      IdRange range,
      PickFreeRange(node.userns_id_base(), node.userns_id_count(),
                    NodeConfig::kIdsPerContainer, used));
  VZ_RETURN_IF_ERROR(config.Set("LOCAL_UID", std::to_string(range.uid)));
  VZ_RETURN_IF_ERROR(config.Set("LOCAL_GID", std::to_string(range.gid)));
  VZ_RETURN_IF_ERROR(config.Save(node));
  return std::optional<IdRange>(range);
}

}  // namespace vz
