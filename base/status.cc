#include "base/status.h"

#include <cerrno>
#include <cstring>

namespace vz {

std::string_view CodeName(Code code) {
  switch (code) {
    case Code::kOk:
      return "ok";
    case Code::kCancelled:
      return "cancelled";
    case Code::kUnknown:
      return "unknown";
    case Code::kInvalidArgument:
      return "invalid-argument";
    case Code::kDeadlineExceeded:
      return "deadline-exceeded";
    case Code::kNotFound:
      return "not-found";
    case Code::kAlreadyExists:
      return "already-exists";
    case Code::kPermissionDenied:
      return "permission-denied";
    case Code::kResourceExhausted:
      return "resource-exhausted";
    case Code::kFailedPrecondition:
      return "failed-precondition";
    case Code::kAborted:
      return "aborted";
    case Code::kOutOfRange:
      return "out-of-range";
    case Code::kUnimplemented:
      return "unimplemented";
    case Code::kInternal:
      return "internal";
    case Code::kUnavailable:
      return "unavailable";
    case Code::kDataLoss:
      return "data-loss";
    case Code::kUnauthenticated:
      return "unauthenticated";
  }
  return "unknown";
}

Status& Status::WithContext(std::string_view context) & {
  if (!ok() && !context.empty()) {
    std::string m;
    m.reserve(context.size() + 2 + message_.size());
    m.append(context).append(": ").append(message_);
    message_ = std::move(m);
  }
  return *this;
}

std::string Status::ToString() const { return ok() ? "ok" : message_; }

Code CodeForErrno(int err) {
  switch (err) {
    case 0:
      return Code::kOk;
    case ENOENT:
    case ENXIO:
    case ESRCH:
    case ENODEV:
      return Code::kNotFound;
    case EEXIST:
      return Code::kAlreadyExists;
    case EACCES:
    case EPERM:
    case EROFS:
      return Code::kPermissionDenied;
    case ENOSPC:
    case EDQUOT:
    case EMFILE:
    case ENFILE:
    case ENOMEM:
    case EFBIG:
      return Code::kResourceExhausted;
    case EBUSY:
    case EAGAIN:
    case ENOTCONN:
    case ECONNREFUSED:
    case ECONNRESET:
    case EPIPE:
    case ENOTSUP:
      return Code::kUnavailable;
    case EINVAL:
    case ENAMETOOLONG:
    case ENOTDIR:
    case EISDIR:
    case ELOOP:
    case ERANGE:
      return Code::kInvalidArgument;
    case ETIMEDOUT:
      return Code::kDeadlineExceeded;
    case EIO:
    case EUCLEAN:
      return Code::kDataLoss;
    case ECANCELED:
    case EINTR:
      return Code::kCancelled;
    case ENOSYS:
      return Code::kUnimplemented;
    case ENOTEMPTY:
    case EXDEV:
      return Code::kFailedPrecondition;
    default:
      return Code::kInternal;
  }
}

Status ErrnoError(int err, std::string_view what) {
  std::string m(what);
  m.append(": ").append(std::strerror(err));
  Status s(CodeForErrno(err), std::move(m));
  if (s.ok()) s = Status(Code::kUnknown, std::string(what));
  return std::move(s).WithErrno(err);
}

}  // namespace vz
