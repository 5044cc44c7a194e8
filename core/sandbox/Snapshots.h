// SPDX-License-Identifier: MIT
#pragma once
// Table snapshots and clones (issue 20, time travel): CREATE SNAPSHOT TABLE, CREATE TABLE ...
// CLONE, and copy jobs of operationType SNAPSHOT, CLONE and RESTORE. Each is a table made from
// another as it was at one time (History.h reads that version). A snapshot is read-only
// (type SNAPSHOT, snapshotDefinition); a clone is a table like any other (cloneDefinition).
// The sandbox copies the rows; BigQuery shares its storage, which bills differently but
// reads the same.

#include "sandbox/Store.h"

namespace quarry::sandbox {

enum class CopyOf { Snapshot, Clone, Restore };

/// Makes p:d.id from `base` (a version of its table as of `ms`: Store::tableAsOf, or the
/// table itself), with its schema, rows, partitioning and clustering, plus `extra` (more of
/// the Table resource: description, ...). `replace`: an existing table of that name is
/// replaced (it must not be a snapshot). A view as `base` is ApiFailure invalid. Returns
/// what was copied: its rows and logical bytes.
struct Copied {
    std::size_t rows = 0;
    std::uint64_t bytes = 0;
};
Copied putCopyOf(Store& store, const Table& base, std::int64_t ms, CopyOf kind, const std::string& p, const std::string& d,
               const std::string& id, bool replace, Json extra);

/// "Table p:d.t is a table snapshot, ..." when `t` is a snapshot (caller may hold t.mutex):
/// nothing changes a snapshot's rows or schema.
void checkNotSnapshot(const Table& t);

/// A table id with a snapshot decorator ("t@1700000000000", "t@-3600000": ms since the epoch,
/// or before now when negative, as bq cp takes it): the id and the time (ms), or nullopt
/// when there is none. A decorator that is not a number is ApiFailure invalid.
std::pair<std::string, std::optional<std::int64_t>> splitSnapshotDecorator(const std::string& id, std::int64_t nowMs);

} // namespace quarry::sandbox
