// Where vz's data lives (dist scripts, recipes, config samples).
//
// In order: $VZ_DATA_DIR; PREFIX/share/vz when the running program is an
// installed PREFIX/sbin/<program> (`cmake --install`, any prefix, so a
// staged or relocated install finds its own data; the path from sbin to
// the data is the build's, from CMAKE_INSTALL_SBINDIR and DATADIR); else
// the compiled-in default, the source tree's templates/, for programs run
// from the build tree.
#pragma once

#include <string>

namespace vz {

std::string DataDir();

// The installed data directory for a program at `exe` (DIR/../share/vz
// with the default layout), if it holds recipes/, else "". Split out for
// tests.
std::string InstalledDataDir(const std::string& exe);

}  // namespace vz
