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
      {"start", "start a container under its monitor",
       "start CTID [--wait] [--force] [--premounted]",
       "--wait        wait until the init booted (systemd: its READY=1, "
       "or running or degraded)\n"
       "--force       start even when DISABLED=\"yes\"\n"
       "--premounted  VE_ROOT already holds the root filesystem: do not "
       "mount storage (tests)\n",
       RunStart},
      {"stop", "shut a container down cleanly, then kill what is left",
       "stop CTID [--fast] [--timeout SECONDS] [--skip-umount]",
       "--fast        kill at once, no clean shutdown\n"
       "--timeout S   wait this long for the init (default STOP_TIMEOUT, "
       "120)\n"
       "--skip-umount leave the disk mounted at VE_ROOT\n",
       RunStop},
      {"restart", "stop and start a container",
       "restart CTID [--fast] [--timeout SECONDS] [--wait]", "", RunRestart},
      {"exec", "run a shell command inside; exit 8 when it fails",
       "exec CTID COMMAND... | -", "- reads the command from stdin\n", RunExec,
       false},
      {"exec2", "run a shell command inside; its exit code is vzctl's",
       "exec2 CTID COMMAND... | -", "", RunExec2, false},
      {"enter", "a root shell inside the container", "enter CTID", "", RunEnter,
       false},
      {"runscript", "run a host script inside the container",
       "runscript CTID SCRIPT", "", RunRunscript},
      {"console", "attach to the container's console (Esc . detaches)",
       "console CTID", "", RunConsole, false},
      {"suspend", "freeze every process of the container", "suspend CTID",
       "Suspend is freeze only: CRIU checkpointing fails on this kernel.\n",
       RunSuspend},
      {"resume", "thaw a suspended container", "resume CTID", "", RunResume},
      {"recover", "clean what a dead monitor or host crash left",
       "recover CTID | --all", "", RunRecover},
      {"du", "disk usage: own bytes and bytes shared with the template",
       "du CTID", "", RunDu, false},
      {"set", "change a container's parameters (live where possible)",
       "set CTID [--ram S] [--swap S] [--cpus N] [--cpulimit N[%]] "
       "[--cpuunits N] [--cpumask LIST|all] [--numproc N[:N]] [--diskspace "
       "S[:H]] [--iolimit N] [--iopslimit N] [--ioprio 0-7] [--onboot "
       "yes|no] [--bootorder N] [--autorestart no|on-failure] [--hostname "
       "H] [--name N] [--capability C:on|off] [--features F] [--devnodes D] "
       "[--applyconfig SAMPLE] [--bindmount_add SRC:DST[:ro]] "
       "[--bindmount_del DST|all] [--ipadd A[/M]] [--ipdel A|all] "
       "[--netif_add IF[,MAC,HOST_IF,HOST_MAC,BRIDGE]] [--netif_del IF|all] "
       "[--ifname IF [--ipadd A] [--ipdel A] [--gw A] [--gw6 A] [--dhcp "
       "yes|no] [--dhcp6 yes|no] [--mac M] [--host_ifname N] [--host_mac M] "
       "[--bridge B] [--mac_filter on|off]] [--nameserver A|inherit] "
       "[--searchdomain D] [--rate DEV:CLASS:KBIT] [--ratebound yes|no] "
       "[--userpasswd USER:PASS] [--save]",
       "--ram/--swap S       bytes with K/M/G, or pages with P\n"
       "--cpulimit N         percent of one CPU (0: none)\n"
       "--iolimit N          MB/s, or with a B/K/M/G suffix (0: none)\n"
       "--ifname IF          the options after it set interface IF\n"
       "--userpasswd U:P     set inside the running container, never saved\n"
       "--save               keep the change in the config\n",
       RunSet},
      {"snapshot", "snapshot the disk (online when mounted) and the config",
       "snapshot CTID [--id UUID] [--name N] [--description D] "
       "[--skip-config]",
       "Memory is not saved: CRIU does not work on this kernel.\n",
       RunSnapshot},
      {"snapshot-list", "list snapshots",
       "snapshot-list CTID [-H] [-o FIELD,...] [--id UUID]",
       "fields: parent_uuid current uuid date name description\n",
       RunSnapshotList, false},
      {"snapshot-switch", "go back to a snapshot (stopped container)",
       "snapshot-switch CTID --id UUID [--skip-config] [--skip-resume]",
       "Drops what was written since the snapshot; restores its config.\n",
       RunSnapshotSwitch},
      {"snapshot-delete", "delete a snapshot, merging it into its child",
       "snapshot-delete CTID --id UUID", "", RunSnapshotDelete},
      {"snapshot-mount", "mount a snapshot read-only",
       "snapshot-mount CTID --id UUID --target DIR", "", RunSnapshotMount},
      {"snapshot-umount", "unmount a mounted snapshot",
       "snapshot-umount CTID --id UUID", "", RunSnapshotUmount},
  };
  return kCommands;
}

}  // namespace vz::vzctl
