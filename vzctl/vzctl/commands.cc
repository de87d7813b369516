#include "vzctl/vzctl/commands.h"

namespace vz::vzctl {

const std::vector<cli::Command>& Commands() {
  static const std::vector<cli::Command> kCommands = {
      {"create", "create a container from an OS template",
       "create CTID [--ostemplate NAME] [--config SAMPLE] [--diskspace "
       "SIZE] [--diskinodes N] [--hostname H] [--name NAME] [--tenant T] "
       "[--userns yes|no] [--allow-unsigned]",
       "--ostemplate NAME   template (default: DEF_OSTEMPLATE of vz.conf)\n"
       "--config SAMPLE     plan /etc/vz/conf/ve-SAMPLE.conf-sample\n"
       "--diskspace S[:H]   disk size; plain numbers are 1K blocks\n"
       "--diskinodes S[:H]  inode count (ext4: set by the disk size)\n"
       "--userns no         a privileged container\n"
       "--allow-unsigned    accept a template no trusted key signed\n",
       RunCreate},
      {"destroy", "remove a stopped container and its private area",
       "destroy CTID", "", RunDestroy},
      {"delete", "the same as destroy", "delete CTID", "", RunDestroy},
      {"mount", "mount a container's disk at VE_ROOT", "mount CTID", "",
       RunMount},
      {"umount", "unmount a container's disk", "umount CTID", "", RunUmount},
      {"status", "show whether a container exists, is mounted, runs",
       "status CTID", "", RunStatus, false},
      {"du", "disk usage: own bytes and bytes shared with the template",
       "du CTID", "", RunDu, false},
  };
  return kCommands;
}

}  // namespace vz::vzctl
