// vzctl: create, run and manage containers (doc/vzctl.md). See `vzctl help`.
#include "vzctl/common/cli.h"
#include "vzctl/vzctl/commands.h"

int main(int argc, char** argv) {
  return vz::cli::RunMain("vzctl", vz::vzctl::Commands(), argc, argv);
}
