// Status and Result<T>: errors as values.
//
// A Status is OK or carries a canonical code (numbered as google.rpc.Code, so
// it crosses the gRPC boundary unchanged), a message, the errno that caused it
// when there was one, and optionally a stable exit code for CLIs that must
// return OpenVZ's finer codes (vzctl's and ploop's tables, doc/errors.md).
//
// Messages follow doc/errors.md: lowercase, no trailing period, names quoted,
// the operation first; context is prepended on the way up with WithContext().
//
// Result<T> holds a T or a non-OK Status. It is shaped like
// std::expected<T, Status> (has_value(), value(), error(), *, ->).
//
// Thread-safety: values; safe to copy between threads, not to mutate shared.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace vz {

// Canonical codes, numbered as google.rpc.Code / absl::StatusCode.
enum class Code : int {
  kOk = 0,
  kCancelled = 1,
  kUnknown = 2,
  kInvalidArgument = 3,
  kDeadlineExceeded = 4,
  kNotFound = 5,
  kAlreadyExists = 6,
  kPermissionDenied = 7,
  kResourceExhausted = 8,
  kFailedPrecondition = 9,
  kAborted = 10,
  kOutOfRange = 11,
  kUnimplemented = 12,
  kInternal = 13,
  kUnavailable = 14,
  kDataLoss = 15,
  kUnauthenticated = 16,
};

// "invalid-argument", "not-found", ...: stable names for logs and JSON.
std::string_view CodeName(Code code);

class [[nodiscard]] Status {
 public:
  // OK.
  Status() = default;
  Status(Code code, std::string message)
      : code_(code), message_(std::move(message)) {}

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  // The errno that caused this error, or 0.
  int sys_errno() const { return errno_; }
  // The stable exit code a CLI should return for this error, if one was set.
  std::optional<int> exit_code() const { return exit_code_; }

  Status& WithErrno(int err) & {
    errno_ = err;
    return *this;
  }
  Status&& WithErrno(int err) && { return std::move(WithErrno(err)); }
  Status& WithExitCode(int code) & {
    exit_code_ = code;
    return *this;
  }
  Status&& WithExitCode(int code) && { return std::move(WithExitCode(code)); }
  // Sets the exit code only when none is set yet: the innermost (most
  // specific) code wins as the error travels up.
  Status& WithDefaultExitCode(int code) & {
    if (!exit_code_) exit_code_ = code;
    return *this;
  }
  Status&& WithDefaultExitCode(int code) && {
    return std::move(WithDefaultExitCode(code));
  }
  // Prepends "context: " to the message. No-op on OK.
  Status& WithContext(std::string_view context) &;
  Status&& WithContext(std::string_view context) && {
    return std::move(WithContext(context));
  }

  // "message" for errors, "ok" for OK.
  std::string ToString() const;

  friend bool operator==(const Status& a, const Status& b) {
    return a.code_ == b.code_ && a.message_ == b.message_;
  }

 private:
  Code code_ = Code::kOk;
  std::string message_;
  int errno_ = 0;
  std::optional<int> exit_code_;
};

inline Status OkStatus() { return Status(); }
inline Status InvalidArgumentError(std::string m) {
  return {Code::kInvalidArgument, std::move(m)};
}
inline Status NotFoundError(std::string m) {
  return {Code::kNotFound, std::move(m)};
}
inline Status AlreadyExistsError(std::string m) {
  return {Code::kAlreadyExists, std::move(m)};
}
inline Status PermissionDeniedError(std::string m) {
  return {Code::kPermissionDenied, std::move(m)};
}
inline Status ResourceExhaustedError(std::string m) {
  return {Code::kResourceExhausted, std::move(m)};
}
inline Status FailedPreconditionError(std::string m) {
  return {Code::kFailedPrecondition, std::move(m)};
}
inline Status AbortedError(std::string m) {
  return {Code::kAborted, std::move(m)};
}
inline Status OutOfRangeError(std::string m) {
  return {Code::kOutOfRange, std::move(m)};
}
inline Status UnimplementedError(std::string m) {
  return {Code::kUnimplemented, std::move(m)};
}
inline Status InternalError(std::string m) {
  return {Code::kInternal, std::move(m)};
}
inline Status UnavailableError(std::string m) {
  return {Code::kUnavailable, std::move(m)};
}
inline Status DataLossError(std::string m) {
  return {Code::kDataLoss, std::move(m)};
}
inline Status DeadlineExceededError(std::string m) {
  return {Code::kDeadlineExceeded, std::move(m)};
}

// The one place errno values map to codes: ENOENT -> kNotFound, EEXIST ->
// kAlreadyExists, EACCES/EPERM -> kPermissionDenied, ENOSPC/EDQUOT/EMFILE ->
// kResourceExhausted, EBUSY/EAGAIN -> kUnavailable, EINVAL -> kInvalidArgument,
// ETIMEDOUT -> kDeadlineExceeded, EIO -> kDataLoss, others -> kInternal...
// The message is "what: strerror(err)" and the errno is kept.
Status ErrnoError(int err, std::string_view what);
Code CodeForErrno(int err);

template <typename T>
class [[nodiscard]] Result {
 public:
  using value_type = T;

  Result(T value) : v_(std::move(value)) {}        // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {  // NOLINT: implicit by design
    assert(!std::get<Status>(v_).ok() && "Result built from an OK Status");
  }

  bool has_value() const { return v_.index() == 0; }
  bool ok() const { return has_value(); }
  explicit operator bool() const { return has_value(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  // The error; an OK status when this holds a value.
  Status status() const { return has_value() ? Status() : std::get<1>(v_); }
  const Status& error() const& { return std::get<1>(v_); }
  Status&& error() && { return std::get<1>(std::move(v_)); }

  T value_or(T other) const& {
    return has_value() ? value() : std::move(other);
  }

 private:
  std::variant<T, Status> v_;
};

namespace internal {
inline Status AsStatus(Status s) { return s; }
template <typename T>
Status AsStatus(Result<T>&& r) {
  return std::move(r).status();
}
}  // namespace internal

}  // namespace vz

#define VZ_STATUS_CONCAT_INNER_(a, b) a##b
#define VZ_STATUS_CONCAT_(a, b) VZ_STATUS_CONCAT_INNER_(a, b)

// Returns the Status of `expr` (a Status or Result) from the enclosing
// function when it is not OK.
#define VZ_RETURN_IF_ERROR(expr)                                \
  do {                                                          \
    ::vz::Status vz_status_ = ::vz::internal::AsStatus((expr)); \
    if (!vz_status_.ok()) return vz_status_;                    \
  } while (0)

// Evaluates `rexpr` (a Result<T>); on error returns its Status, else moves
// the value into `lhs` (which may be a declaration: `auto x`).
#define VZ_ASSIGN_OR_RETURN(lhs, rexpr) \
  VZ_ASSIGN_OR_RETURN_IMPL_(VZ_STATUS_CONCAT_(vz_result_, __LINE__), lhs, rexpr)
#define VZ_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, rexpr)     \
  auto tmp = (rexpr);                                  \
  if (!tmp.has_value()) return std::move(tmp).error(); \
  lhs = std::move(tmp).value()
