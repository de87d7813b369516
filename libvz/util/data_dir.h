// Where vz's data lives (dist scripts, recipes, config samples):
// $VZ_DATA_DIR, else the source tree's templates/ until vz is installed.
#pragma once

#include <string>

namespace vz {

std::string DataDir();

}  // namespace vz
