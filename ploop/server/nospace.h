// Writes held while the image's host filesystem is full (dm-thin's
// queue_if_no_space with its no_space_timeout): both transports hold a
// write that failed with ENOSPC or EDQUOT from the host and try it again
// every kNospaceRetryNs, for up to the server's --nospace-wait, so that an
// admin who frees space in time costs the container a stall, not I/O
// errors, a read-only filesystem and lost writes. These are the episode's
// log lines, shared so that ploop.log reads the same for either transport.
#pragma once

#include <cerrno>
#include <cstdint>

namespace ploop::server {

inline constexpr uint64_t kNospaceRetryNs = 1000000000;

// An error the host filesystem gives when it has no space for a write.
inline bool IsNoSpace(int rc) { return rc == -ENOSPC || rc == -EDQUOT; }

// "its writes wait for space, up to ... s each": at most every 10 s
// across the server. `err` is the positive errno.
void SayWritesWait(int err, uint64_t wait_ns, uint64_t now_ns);
// "writes fail": a held write waited `held_ns` in vain (rate as above).
void SayWritesFail(int err, uint64_t held_ns, uint64_t now_ns);
// "space again on the host": once per episode that SayWritesWait logged,
// when a held write (held for `held_ns`) goes through.
void SaySpaceAgain(uint64_t held_ns);

}  // namespace ploop::server
