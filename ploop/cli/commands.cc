// The table of subcommands. Each Run* lives in its own file.
#include "ploop/cli/commands.h"

namespace ploop::cli {

const std::vector<Command>& Commands() {
  static const std::vector<Command> kCommands = {
      {"init", "create an image (and a filesystem in it)",
       "init -s SIZE [-f ploop1|raw] [-v 1|2] [-t ext4|none] [-b BLOCKSIZE] "
       "DELTA",
       "  -s SIZE       virtual size: sectors, or with a K/M/G/T suffix\n"
       "  -f FORMAT     ploop1 (expanded, the default) or raw\n"
       "  -v VERSION    ploop1 format version, 1 or 2 (default 2)\n"
       "  -t FSTYPE     ext4 (default: GPT + ext4 inside) or none\n"
       "  -b BLOCKSIZE  cluster size in sectors (default 2048 = 1 MiB)\n"
       "  DELTA         the base delta to create; DiskDescriptor.xml goes "
       "beside it\n",
       RunInit},
      {"mount",
       "mount an image: start its device server, attach a loop device, mount "
       "the fs",
       "mount [-r] [-m DIR] [-o OPTIONS] [-t FSTYPE] DiskDescriptor.xml",
       "  -r            read-only\n"
       "  -m DIR        mount the filesystem on DIR (else only attach the "
       "device)\n"
       "  -o OPTIONS    filesystem mount options\n"
       "  -t FSTYPE     filesystem type (default ext4)\n"
       "  --uring MODE  device server transport: auto (default), on, off\n",
       RunMount},
      {"umount", "unmount an image and stop its device server",
       "umount {DiskDescriptor.xml | -m DIR | -d DEVICE}",
       "  -m DIR        the image mounted on DIR\n"
       "  -d DEVICE     the image attached to DEVICE\n",
       RunUmount},
      {"list", "list mounted images", "list [-a]",
       "  -a            also show the server pid and mode\n", RunList},
      {"stat",
       "show a mounted image's I/O statistics (ops, bytes, latency histogram)",
       "stat {DiskDescriptor.xml | MOUNT_POINT | DEVICE}",
       "  latency buckets: <kind>_lat_us_le_N = requests that took at most N "
       "us\n",
       RunStat},
      {"iolimit", "show or set a mounted image's I/O limits (token buckets)",
       "iolimit [--bytes RATE] [--bytes-burst SIZE] [--ops N] [--ops-burst N] "
       "TARGET",
       "  --bytes RATE       bytes per second (K/M/G suffixes), 0 = unlimited\n"
       "  --bytes-burst SIZE bytes that may pass at once (default: one "
       "second's worth)\n"
       "  --ops N            operations per second, 0 = unlimited\n"
       "  --ops-burst N      operations that may pass at once (default: one "
       "second's worth)\n",
       RunIolimit},
      {"ioprio", "show or set a mounted image's I/O priority",
       "ioprio [-p 0-7] TARGET",
       "  -p N          0 (lowest) to 7 (highest), default 4 (OpenVZ's "
       "--ioprio)\n",
       RunIoprio},
  };
  return kCommands;
}

const Command* FindCommand(const std::string& name) {
  for (const auto& c : Commands()) {
    if (name == c.name) return &c;
  }
  return nullptr;
}

}  // namespace ploop::cli
