#include "vzctl/vztmpl/commands.h"

namespace vz::vztmpl {

const std::vector<cli::Command>& Commands() {
  static const std::vector<cli::Command> kCommands = {
      {"build", "build a template from a recipe in templates/recipes",
       "build RECIPE [--name NAME] [--size SIZE] [--version V]",
       "RECIPE          busybox, debian-12, or a recipe directory\n"
       "--name NAME     template name (default: the recipe's NAME)\n"
       "--size SIZE     image disk size (default: the recipe's SIZE)\n",
       RunBuild},
      {"import", "import an OpenVZ precreated cache (tar.gz/xz/zst)",
       "import FILE --name NAME [--os OS] [--arch ARCH] [--size SIZE]", "",
       RunImport},
      {"list", "list templates with signer and containers using them",
       "list [-H]", "-H   no header\n", RunList, false},
      {"info", "show a template's manifest", "info NAME", "", RunInfo, false},
      {"remove", "remove a template", "remove NAME [--force]",
       "--force   remove it even though containers were made from it\n",
       RunRemove},
      {"verify", "check a template fully: hashes, signature, trust",
       "verify NAME [--allow-unsigned]", "", RunVerify, false},
      {"sign", "sign a template's manifest", "sign NAME --key PRIVATE.pem", "",
       RunSign},
      {"key", "make a signing key pair",
       "key generate --out PREFIX   (writes PREFIX.key and PREFIX.pub)", "",
       RunKey},
      {"trust", "manage the per-prefix keyring",
       "trust add --prefix P KEY.pub | trust add --all KEY.pub | trust list "
       "| trust remove FINGERPRINT [--prefix P]",
       "", RunTrust},
      {"hostkeys", "the node's pool of pregenerated SSH host keys",
       "hostkeys refill [--count N] [--detached] | hostkeys count",
       "refill      make keys until N are ready (default 4), at idle\n"
       "            priority; a container's first mount starts one\n"
       "count       how many are ready\n"
       "--detached  a process group of its own (as a first mount starts it)\n",
       RunHostKeys},
  };
  return kCommands;
}

}  // namespace vz::vztmpl
