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
      {"snapshot", "freeze the top delta as a snapshot, add a new top",
       "snapshot [-u UUID] [--name NAME] [--description TEXT] "
       "DiskDescriptor.xml",
       "  -u UUID            the snapshot's GUID (default: a new one)\n"
       "  --name NAME        a label kept in the descriptor\n"
       "  --description TEXT a longer label\n"
       "Prints the snapshot's GUID.\n",
       RunSnapshot},
      {"snapshot-list", "list the snapshots of an image",
       "snapshot-list [-H] [-o FIELD,...] [-u UUID] DiskDescriptor.xml",
       "  -H           no header line\n"
       "  -o FIELDS    columns: uuid, parent_uuid, current, fname, name\n"
       "               (default parent_uuid,current,uuid,fname)\n"
       "  -u UUID      only UUID and its ancestors down to the base\n"
       "The current column marks the top delta with '*'.\n",
       RunSnapshotList},
      {"snapshot-switch", "revert to a snapshot (the top's data is dropped)",
       "snapshot-switch -u UUID DiskDescriptor.xml",
       "  -u UUID  the snapshot to put a new empty top delta on\n"
       "Offline only. The current top delta and its data are removed.\n",
       RunSnapshotSwitch},
      {"snapshot-delete", "delete a snapshot",
       "snapshot-delete -u UUID DiskDescriptor.xml",
       "  -u UUID  the snapshot: a leaf is removed, a snapshot with one "
       "child\n"
       "           is merged with it; the top and snapshots with several\n"
       "           children are refused\n",
       RunSnapshotDelete},
      {"snapshot-merge", "merge a delta into its parent",
       "snapshot-merge [-u UUID | -A] DiskDescriptor.xml",
       "  -u UUID  the child to merge into its parent (default: the top);\n"
       "           the merged delta keeps the child's GUID\n"
       "  -A       merge the whole current chain into the base delta\n",
       RunSnapshotMerge},
      {"grow", "grow the virtual disk of an unmounted image",
       "grow -s SIZE DiskDescriptor.xml",
       "  -s SIZE  the new size: sectors, or with a K/M/G/T suffix; rounded\n"
       "           up to a cluster. The filesystem inside is not touched.\n"
       "A mounted image is grown with 'ploop resize'.\n",
       RunGrow},
      {"resize",
       "resize the disk and the filesystem in it (online grow, offline shrink)",
       "resize -s SIZE DiskDescriptor.xml",
       "  -s SIZE  the new size: sectors, or with a K/M/G/T suffix.\n"
       "A mounted image grows online: image, partition, filesystem. An "
       "unmounted\n"
       "image grows or shrinks offline (shrink: e2fsck, resize2fs, partition, "
       "image).\n",
       RunResize},
      {"compact", "give back clusters the filesystem no longer uses",
       "compact DiskDescriptor.xml",
       "Trims the filesystem, releases top-delta clusters discarded whole and "
       "not\n"
       "shadowing a lower delta, moves the file's tail into the holes, "
       "truncates it.\n"
       "An unmounted image is mounted privately for it.\n",
       RunCompact},
      {"check", "check an image or a delta, and repair it with -r",
       "check [-f] [-r] [-d] [-R -b BLOCKSIZE] DiskDescriptor.xml|DELTA",
       "  -r, --repair      fix what can be fixed (without it nothing is\n"
       "                    written)\n"
       "  -d, --drop-inuse  only clear a left-over in-use flag\n"
       "  -f, --force       accepted for compatibility: every check is full\n"
       "  -R, --raw         DELTA is raw (only holes are checked)\n"
       "  -b BLOCKSIZE      cluster size of a raw DELTA, in sectors\n"
       "Exit 0 when no problem remains, 11 (SYSEXIT_PLOOPFMT) otherwise.\n",
       RunCheck},
      {"info", "show an image's size, format and deltas",
       "info [-s] DiskDescriptor.xml",
       "  -s  only size (sectors), blocksize (sectors) and format version\n",
       RunInfo},
      {"convert", "convert an image's format or format version",
       "convert {-f raw|ploop1 | -v 1|2} DiskDescriptor.xml",
       "  -f FORMAT   raw or ploop1 (single-delta images only)\n"
       "  -v VERSION  ploop1 format version of every delta, 1 or 2\n"
       "Offline only. An interrupted -v conversion is undone by "
       "'ploop check -r'.\n",
       RunConvert},
      {"restore-descriptor", "rebuild DiskDescriptor.xml from a base delta",
       "restore-descriptor [-f raw|ploop1] [-b BLOCKSIZE] DIR BASE_DELTA",
       "  -f FORMAT     the delta's format (default: ploop1 if its header "
       "says so)\n"
       "  -b BLOCKSIZE  cluster size in sectors (required for raw)\n"
       "  DIR           the image directory; BASE_DELTA must be in it\n",
       RunRestoreDescriptor},
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
