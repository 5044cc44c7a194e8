// SPDX-License-Identifier: MIT
#pragma once
// Time travel (issue 20): a table as it was at any time within its dataset's time-travel
// window (maxTimeTravelHours, 7 days by default), as FOR SYSTEM_TIME AS OF reads it.
//
// Rows carry when they were committed (Table::commits), kept in their log records ("t") and
// in each row group (Segment.h), and a table only ever appends between rewrites, so the
// current version as of a time is a prefix of its rows. A statement that rewrites a table
// (UPDATE, DELETE, MERGE, TRUNCATE, a partition replaced) or replaces it (CREATE OR REPLACE,
// WRITE_TRUNCATE) first keeps the version it ends, as hard links to that version's files:
//
//   <table>/history/<from>.<to>.<bytes>/rows.qseg, rows.N.qrl   the files as they were (TableFiles.h)
//   <table>/history/<from>.<to>.<bytes>/version.json           {"from", "to", "table": resource}
//
// A version is made as history/.new and renamed into place when whole, so listing versions
// reads folder names only; anything else there is unfinished and removed when the next
// version is kept. The version holds [from, to); reading it as of a time in that
// span takes the prefix of its rows committed by then. Versions whose `to` is past the window
// are removed when the table next keeps one, and the oldest too past --time-travel-mb or
// 1,000 versions. A dropped table's versions (the one its drop
// ended, and its past ones) move to <dataset>/.deleted/<table>/history/, where a copy job of
// `t@<ms>` finds them (bq cp restoring a dropped table); queries do not, as in BigQuery.

#include "sandbox/Segment.h"
#include "sandbox/Store.h"

#include <filesystem>
#include <vector>

namespace quarry::sandbox {

/// Records that `t`'s rows past its last commit were committed at `ms` (the caller holds
/// t.mutex exclusively and has just appended them).
void noteCommit(Table& t, std::int64_t ms);

/// Records the commit spans of `rows` rows just appended to `t` from row groups; a group
/// without them (written before groups kept them) counts as committed when `t` was made.
void addCommitSpans(Table& t, const std::vector<CommitSpan>& spans, std::size_t rows);

/// How many of `t`'s rows were committed at or before `ms`.
std::size_t rowsCommittedBy(const Table& t, std::int64_t ms);

/// The commit spans of rows [a, b) of `t`, for a row group.
std::vector<CommitSpan> commitSpans(const Table& t, std::size_t a, std::size_t b);

struct PastVersion {
    std::int64_t from = 0, to = 0;
    std::uint64_t bytes = 0; ///< what its files take
    std::filesystem::path dir;
};

/// The finished past versions of the table in `dir`, oldest first (folder names only).
std::vector<PastVersion> pastVersions(const std::filesystem::path& dir);
/// The Table resource a past version had (its version.json).
Json versionResource(const PastVersion& v);

/// When the current version of a table began: the end of its newest past version, or when
/// it was made.
std::int64_t currentVersionFrom(const Json& meta, const std::vector<PastVersion>& past);

} // namespace quarry::sandbox
