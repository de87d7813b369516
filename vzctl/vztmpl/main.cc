// vztmpl: build, import, sign, trust, verify and list OS templates
// (doc/vztmpl.md). See `vztmpl help`.
#include "vzctl/common/cli.h"
#include "vzctl/vztmpl/commands.h"

int main(int argc, char** argv) {
  return vz::cli::RunMain("vztmpl", vz::vztmpl::Commands(), argc, argv);
}
