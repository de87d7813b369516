// Copy-up: making a shared delta private before it is written.
//
// A delta with more than one hard link (a template's base linked into many
// private areas, DESIGN.md §4) is shared and never written
// (doc/ploop-format.md §6). An operation that must write into one (merge
// into it) first copies it to a temporary beside it, syncs the copy, and
// renames the copy over the image's name for it: the other links keep the
// original, this image gets a private file with the same contents and
// identity. A crash leaves either the old link or the new file, plus at
// worst a stray temporary.
#pragma once

#include <string>

#include "base/status.h"

namespace ploop {

// Makes `path` private. Returns true if it copied, false if `path` was not
// shared. Errors: kFailedPrecondition (SYSEXIT_PARAM) naming the file when
// it is shared only by the user.ploop.shared attribute (a template's own
// image: no other link would keep the original); I/O errors.
vz::Result<bool> CopyUpIfShared(const std::string& path);

}  // namespace ploop
