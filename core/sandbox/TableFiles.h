// SPDX-License-Identifier: MIT
#pragma once
// A table's rows on disk: a segment file of compressed row groups and the logs after it.
//
//   <table>/rows.qseg       row groups (Segment.h), each a RowLog record; the checkpointed rows
//   <table>/rows.qrl        the log of generation 0 (also every table written before segments)
//   <table>/rows.<N>.qrl    the log of generation N
//   <table>/ids.<N>.qid     the insertIds of the de-duplication window when the groups naming N
//                           were written (written and renamed into place before them)
//
// Each row group names the log generation that follows it: at load, the groups are read,
// logs of older generations are removed (a checkpoint that stopped before removing them) and
// the others are replayed in order. A checkpoint starts the next log generation (under the
// table's exclusive lock, between statements), encodes the rows the segment file lacks
// (under a shared lock, a group at a time, so inserts go on meanwhile), appends the groups
// (fdatasync; all but the last say more follow, and load drops a batch whose last group is
// missing) and only then removes the old logs. A crash at any point leaves either the old
// groups and logs or the new ones. A rewrite (UPDATE, DELETE, MERGE, TRUNCATE) writes a whole
// new segment file and renames it over the old one.
//
// A log record is JSON (an insertAll body as it came, or rows written before binary records)
// or, first byte kBinaryRows, the rows of a statement as a row group's body (Segment.h): DML,
// loads, the Storage Write API. No JSON is written or parsed for them.

#include "sandbox/Store.h"

#include <filesystem>
#include <span>
#include <string>
#include <vector>

namespace quarry::sandbox {

class RowGroupEncoder;
struct SegmentId;

/// The first byte of a binary log record (a JSON record starts with '{').
inline constexpr char kBinaryRows = '\x01';
/// Rows in one binary log record at most; a statement with more spans several.
inline constexpr std::size_t kLogRecordRows = 50'000;
/// A binary log record: kBinaryRows, the commit time (ms, 8 bytes little-endian), the length
/// (4 bytes) and text of the writer's mark (empty, or "STREAM:END" for a Storage Write API
/// append: Table::streamEnds), then the body of a row group of the rows `enc` holds, laid out
/// as `stored` (`more`: the statement goes on in the next record), with the insertIds of its
/// rows.
std::string binaryRowsRecord(RowGroupEncoder& enc, const Schema& stored, std::int64_t when, bool more,
                             std::span<const SegmentId> ids, std::string_view mark = {});
/// Notes a writer's mark ("STREAM:END", or several joined by commas) in `t.streamEnds`; malformed marks are ignored.
void noteStreamMark(Table& t, std::string_view mark);

/// The log file of generation `gen` in a table's folder.
std::filesystem::path logFile(const std::filesystem::path& dir, std::uint64_t gen);

/// The generations of the logs in a table's folder, oldest first.
std::vector<std::uint64_t> logGenerations(const std::filesystem::path& dir);

/// Reads a table's rows, insertIds (those seen since `idsSince`, ms) and files from `dir` into
/// `t` (whose schema is set): row groups, then the logs after them. Notes what was cut (torn
/// tails, unfinished statements). Throws StorageError or std::runtime_error for damage, which
/// sets the table aside. `readOnly` (a past version, whose files are hard links): the files
/// are opened for reading only and nothing is cut, removed or made; what a crash left
/// unfinished is left out of `t` all the same, and `t.log` is null when there is no log.
void loadTableRows(Table& t, const std::filesystem::path& dir, std::int64_t idsSince, std::vector<std::string>& notes,
                   bool readOnly = false);

/// Test hook: the insertIds one record of an ids file carries (500,000 by default), so that a
/// test can spread a few ids over several records. Returns the previous value.
std::size_t setIdsPerGroupForTest(std::size_t n);

/// Folds `t`'s log into new row groups and removes the log. Returns false when there was
/// nothing to fold or the table was dropped. `dedupWindowMs`: which insertIds to keep.
bool checkpointTable(Table& t, const std::filesystem::path& dir, std::int64_t dedupWindowMs, std::int64_t nowMs);

/// Replaces every row of `t` on disk with `rows` (a new segment file renamed over the old,
/// a new empty log). The caller holds `t.checkpointMutex` and `t.mutex` exclusively, and
/// sets `t.rows` after it returns; on failure nothing on disk changed.
void rewriteTableRows(Table& t, const std::filesystem::path& dir, const std::vector<Value>& rows,
                      std::int64_t dedupWindowMs, std::int64_t nowMs);

} // namespace quarry::sandbox
