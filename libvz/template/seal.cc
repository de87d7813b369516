#include "libvz/template/seal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "base/file_util.h"
#include "base/size.h"
#include "base/strings.h"
#include "base/unique_fd.h"
#include "libvz/exit_codes.h"
#include "libvz/template/crypto.h"

namespace vz::tmpl {
namespace {

constexpr std::string_view kHeader = "vz-template-seal 1";

int64_t Nanos(const struct timespec& ts) {
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

std::string FormatNanos(int64_t ns) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%lld.%09lld",
                static_cast<long long>(ns / 1000000000),
                static_cast<long long>(ns % 1000000000));
  return buf;
}

Result<int64_t> ParseNanos(std::string_view text) {
  auto dot = text.find('.');
  if (dot == std::string_view::npos || text.size() - dot - 1 != 9) {
    return InvalidArgumentError("bad time '" + std::string(text) + "'");
  }
  VZ_ASSIGN_OR_RETURN(uint64_t secs, ParseUint(text.substr(0, dot)));
  VZ_ASSIGN_OR_RETURN(uint64_t nanos, ParseUint(text.substr(dot + 1)));
  if (secs > (1ull << 40)) return InvalidArgumentError("time too large");
  return static_cast<int64_t>(secs) * 1000000000 + static_cast<int64_t>(nanos);
}

// "key=value" -> value, for the expected key.
Result<std::string> Field(std::string_view word, std::string_view key) {
  if (word.size() <= key.size() || word.substr(0, key.size()) != key ||
      word[key.size()] != '=') {
    return InvalidArgumentError("expected '" + std::string(key) + "='");
  }
  return std::string(word.substr(key.size() + 1));
}

}  // namespace

std::string FormatSeal(const Seal& seal) {
  std::string out = std::string(kHeader) + "\n";
  out += "manifest sha256:" + seal.manifest_sha256 + "\n";
  for (const auto& f : seal.files) {
    out += "file " + f.name + " ino=" + std::to_string(f.ino) +
           " size=" + std::to_string(f.size) +
           " mtime=" + FormatNanos(f.mtime_ns) +
           " ctime=" + FormatNanos(f.ctime_ns) + "\n";
  }
  return out;
}

Result<Seal> ParseSeal(std::string_view text) {
  auto lines = SplitNonEmpty(text, '\n');
  if (lines.size() < 3 || lines[0] != kHeader) {
    return InvalidArgumentError("not a seal");
  }
  Seal seal;
  if (lines[1].rfind("manifest sha256:", 0) != 0 ||
      !IsLowerHex(lines[1].substr(16), 64)) {
    return InvalidArgumentError("bad manifest line");
  }
  seal.manifest_sha256 = lines[1].substr(16);
  for (size_t i = 2; i < lines.size(); ++i) {
    auto w = Split(lines[i], ' ');
    if (w.size() != 6 || w[0] != "file") {
      return InvalidArgumentError("bad file line");
    }
    FileState f;
    f.name = w[1];
    VZ_ASSIGN_OR_RETURN(std::string ino, Field(w[2], "ino"));
    VZ_ASSIGN_OR_RETURN(std::string size, Field(w[3], "size"));
    VZ_ASSIGN_OR_RETURN(std::string mtime, Field(w[4], "mtime"));
    VZ_ASSIGN_OR_RETURN(std::string ctime, Field(w[5], "ctime"));
    VZ_ASSIGN_OR_RETURN(uint64_t ino_value, ParseUint(ino));
    f.ino = static_cast<ino_t>(ino_value);
    VZ_ASSIGN_OR_RETURN(f.size, ParseUint(size));
    VZ_ASSIGN_OR_RETURN(f.mtime_ns, ParseNanos(mtime));
    VZ_ASSIGN_OR_RETURN(f.ctime_ns, ParseNanos(ctime));
    seal.files.push_back(std::move(f));
  }
  return seal;
}

Result<FileState> StatFile(const std::string& dir, const std::string& name) {
  std::string path = JoinPath(dir, name);
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) {
    return ErrnoError(errno, "stat '" + path + "'");
  }
  if (!S_ISREG(st.st_mode)) {
    return DataLossError("file '" + name + "': not a regular file")
        .WithExitCode(kVzFsBadTmpl);
  }
  return FileState{name, st.st_ino, static_cast<uint64_t>(st.st_size),
                   Nanos(st.st_mtim), Nanos(st.st_ctim)};
}

Result<Seal> ReadSeal(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd) return ErrnoError(errno, "open '" + path + "'");
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return ErrnoError(errno, "stat seal");
  if (!S_ISREG(st.st_mode) || st.st_uid != ::geteuid() ||
      (st.st_mode & 077) != 0) {
    return PermissionDeniedError("seal '" + path + "' is not private to us");
  }
  VZ_ASSIGN_OR_RETURN(std::string text, ReadFile(path, 64 << 10));
  return ParseSeal(text);
}

Status WriteSeal(const std::string& path, const Seal& seal) {
  return WriteFileAtomic(path, FormatSeal(seal), 0600);
}

}  // namespace vz::tmpl
