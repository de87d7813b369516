#include "libvz/ctid.h"

#include <charconv>
#include <cstdint>

#include "base/file_util.h"
#include "libvz/config.h"
#include "libvz/exit_codes.h"

namespace vz {
namespace {

constexpr uint64_t kMaxNumericCtid = 2147483647;

bool IsIdChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '_' || c == '-';
}

// The reason `id` breaks the CTID/NAME rule, or "" when it follows it.
std::string IdProblem(std::string_view id) {
  if (id.empty()) return "empty";
  if (id.size() > kMaxCtidLength) return "longer than 32 characters";
  for (char c : id) {
    if (!IsIdChar(c)) return "expected [A-Za-z0-9_-]";
  }
  if (id.front() == '-') return "must not start with '-'";
  if (IsNumericCtid(id)) {
    if (id.size() > 1 && id.front() == '0') return "leading zero";
    uint64_t v = 0;
    auto [p, ec] = std::from_chars(id.data(), id.data() + id.size(), v);
    if (ec != std::errc() || v > kMaxNumericCtid)
      return "larger than 2147483647";
    if (v == 0) return "0 is the host";
  }
  return "";
}

Status TakenName(std::string_view name, const std::string& owner) {
  return AlreadyExistsError("name '" + std::string(name) +
                            "' is already used by container '" + owner + "'")
      .WithExitCode(kVzSetNameError);
}

}  // namespace

bool IsNumericCtid(std::string_view ctid) {
  if (ctid.empty()) return false;
  for (char c : ctid) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

Status ValidateCtid(std::string_view ctid) {
  std::string why = IdProblem(ctid);
  if (why.empty()) return OkStatus();
  return InvalidArgumentError("invalid CTID '" + std::string(ctid) +
                              "': " + why)
      .WithExitCode(kVzInvalidParameterValue);
}

Status ValidateContainerName(std::string_view name) {
  std::string why = IdProblem(name);
  if (why.empty()) return OkStatus();
  return InvalidArgumentError("invalid container name '" + std::string(name) +
                              "': " + why)
      .WithExitCode(kVzSetNameError);
}

Result<std::vector<ContainerIdentity>> ListContainers(
    const std::string& conf_dir) {
  std::vector<ContainerIdentity> out;
  if (!PathExists(conf_dir)) return out;
  VZ_ASSIGN_OR_RETURN(auto entries, ListDir(conf_dir));
  constexpr std::string_view kSuffix = ".conf";
  for (const auto& entry : entries) {
    if (entry.size() <= kSuffix.size() ||
        entry.compare(entry.size() - kSuffix.size(), kSuffix.size(), kSuffix) !=
            0) {
      continue;
    }
    std::string ctid = entry.substr(0, entry.size() - kSuffix.size());
    if (!IdProblem(ctid).empty()) continue;
    auto conf = ConfigFile::Load(JoinPath(conf_dir, entry));
    if (!conf.has_value()) {
      out.push_back({std::move(ctid), "", std::move(conf).error()});
      continue;
    }
    out.push_back({std::move(ctid), conf->GetOr("NAME", ""), OkStatus()});
  }
  return out;
}

Result<std::string> ResolveContainer(const std::string& conf_dir,
                                     std::string_view ctid_or_name) {
  VZ_RETURN_IF_ERROR(ValidateCtid(ctid_or_name));
  std::string id(ctid_or_name);
  if (PathExists(JoinPath(conf_dir, id + ".conf"))) return id;
  VZ_ASSIGN_OR_RETURN(auto all, ListContainers(conf_dir));
  std::string unreadable;
  for (const auto& c : all) {
    if (c.name == id) return c.ctid;
    if (!c.problem.ok())
      unreadable += (unreadable.empty() ? "" : ", ") + c.ctid;
  }
  return NotFoundError("container '" + id + "' not found" +
                       (unreadable.empty()
                            ? ""
                            : " (it may be the NAME in a config that cannot "
                              "be read: " +
                                  unreadable + ")"))
      .WithExitCode(kVzNoVeConfig);
}

namespace {

// Every container with its NAME, for a new CTID or NAME that must differ
// from all of them. Errors: a config that cannot be read (its NAME may be
// the one asked for), as ListContainers.
Result<std::vector<ContainerIdentity>> EveryNameKnown(
    const std::string& conf_dir) {
  VZ_ASSIGN_OR_RETURN(auto all, ListContainers(conf_dir));
  for (const auto& c : all) {
    if (!c.problem.ok()) return c.problem;
  }
  return all;
}

}  // namespace

Status CheckNewIdentity(const std::string& conf_dir, std::string_view ctid,
                        std::optional<std::string_view> name) {
  VZ_RETURN_IF_ERROR(ValidateCtid(ctid));
  if (name) VZ_RETURN_IF_ERROR(ValidateContainerName(*name));
  VZ_ASSIGN_OR_RETURN(auto all, EveryNameKnown(conf_dir));
  for (const auto& c : all) {
    if (c.ctid == ctid) {
      return AlreadyExistsError("container '" + c.ctid + "' already exists")
          .WithExitCode(kVzFsPrvtAreaExist);
    }
    if (c.name == ctid) {
      return AlreadyExistsError("CTID '" + std::string(ctid) +
                                "' is the name of container '" + c.ctid + "'")
          .WithExitCode(kVzFsPrvtAreaExist);
    }
  }
  if (!name) return OkStatus();
  if (*name != ctid) {
    for (const auto& c : all) {
      if (c.ctid == *name || c.name == *name) return TakenName(*name, c.ctid);
    }
  }
  return OkStatus();
}

Status CheckNameAvailable(const std::string& conf_dir, std::string_view ctid,
                          std::string_view name) {
  VZ_RETURN_IF_ERROR(ValidateContainerName(name));
  VZ_ASSIGN_OR_RETURN(auto all, EveryNameKnown(conf_dir));
  for (const auto& c : all) {
    if (c.ctid == ctid) continue;
    if (c.ctid == name || c.name == name) return TakenName(name, c.ctid);
  }
  return OkStatus();
}

}  // namespace vz
