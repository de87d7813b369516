// Where vz's data lives (dist scripts, recipes, config samples).
//
// In order: $VZ_DATA_DIR; PREFIX/share/vz when the running program is an
// installed PREFIX/sbin/<program> (`cmake --install`, any prefix, so a
// staged or relocated install finds its own data); else the compiled-in
// default, the source tree's templates/, for programs run from the build
// tree.
#pragma once

#include <string>

namespace vz {

std::string DataDir();

// The installed data directory for a program at `exe`: DIR/../share/vz if
// that holds recipes/, else "". Split out for tests.
std::string InstalledDataDir(const std::string& exe);

}  // namespace vz
