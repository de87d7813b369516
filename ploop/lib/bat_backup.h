// Backups of a delta's header and BAT, for the in-place v1<->v2 conversion
// (doc/ploop-format.md §1.4). Before a conversion touches anything, every
// delta's BAT region (clusters 0..F-1, header included) is copied to
// `<delta>.idx` and synced; then the deltas are flagged
// (CIF_FmtVersionConvert), converted, unflagged, and the backups removed.
// A flag found later means the conversion was interrupted: the backups
// (taken before any flag was set) restore every delta to the old version.
// Data clusters never move during a conversion, so an old BAT is always
// valid for them.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "ploop/disk_descriptor.h"
#include "ploop/lib/delta.h"

namespace ploop {

// "<delta>.idx".
std::string BatBackupPath(const std::string& delta_path);

// Copies the BAT region of `delta` to its backup file, durably.
vz::Status WriteBatBackup(const Delta& delta);

// Writes the backup of `delta_path` back over the start of the delta (its
// header carries no conversion flag) and syncs. The backup stays.
// Errors: kDataLoss (SYSEXIT_PLOOPFMT) when the backup is missing or does
// not fit the file; I/O errors.
vz::Status RestoreBatBackup(const std::string& delta_path);

// True when the expanded delta at `path` carries CIF_FmtVersionConvert (its
// header is read without further checks). False for unreadable headers.
bool HasConversionFlag(const std::string& path);

// Undoes an interrupted conversion of the image in `dir`: if any expanded
// delta is flagged, every delta with a backup is restored from it, then the
// backups are removed. Returns the files restored (empty: nothing to do).
// Errors: kDataLoss naming a flagged delta without a backup; I/O errors.
vz::Result<std::vector<std::string>> RestoreInterruptedConversion(
    const std::string& dir, const DiskDescriptor& dd);

}  // namespace ploop
