// SPDX-License-Identifier: MIT
#pragma once
// Row groups: a table's rows stored column by column, compressed (issue 20's checkpoint).
//
// A row group is one record of a table's segment file (`rows.qseg`, framed and checksummed as
// a RowLog). It holds up to kRowGroupRows rows, the schema they were written with, which log
// generation follows it, and insertIds (none since checkpoints keep the de-duplication window
// in a file of its own, TableFiles.h; older groups carry the window). Each top-level column is encoded on its own, its values walked in preorder (a
// STRUCT's or ARRAY's items after it) into five streams: kinds (a byte per value), integers
// (INT64, DATE, TIME, DATETIME, TIMESTAMP, BOOL: zig-zag varints of the difference from the
// column's previous integer), doubles (8 bytes), text (varint lengths, then the bytes) and
// item counts (varints). The whole group is compressed with zstd. Any value round-trips
// exactly (NaN payloads, -0.0, invalid text kinds included), whatever the schema says.
// Format 2 (written since issue 20's columnar reads) starts the body with a head: the rows,
// whether more groups follow, the next log, the schema and each column's logical bytes. The
// payload carries that head uncompressed too, so SegmentFile learns a table's groups and its
// billed bytes by reading a few hundred bytes of each; format 1 groups are still read.
// Format 3 compresses the body after the head in parts, each column on its own, so a scan
// that reads two columns decompresses two. Format 4 (written now) adds each column's
// statistics to the head (SegmentStats.h): a scan skips groups its WHERE cannot match.
// Formats 1 to 3 are still read.
// After the rows, when each run of them was committed (time travel, History.h): a trailer
// groups written before it do not have, and readers that predate it never look at.

#include "sandbox/sql/TableData.h"
#include "value/Schema.h"
#include "value/Value.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace quarry::sandbox {

/// Rows per row group written by a checkpoint or a rewrite.
inline constexpr std::size_t kRowGroupRows = 100'000;

/// An insertId kept for de-duplication: its 128-bit hash and when it was seen (ms).
struct SegmentId {
    std::int64_t when = 0;
    std::uint64_t a = 0, b = 0;
};

/// `rows` consecutive rows committed at `ms` (ms since the epoch).
struct CommitSpan {
    std::uint64_t rows = 0;
    std::int64_t ms = 0;
    bool operator==(const CommitSpan&) const = default;
};

struct RowGroup {
    Schema schema;             ///< as the rows were written (they may predate a column added)
    std::uint64_t nextLog = 0; ///< the log generation holding what came after these rows
    /// More groups of the same checkpoint follow: this one counts only once the last is there.
    bool more = false;
    std::vector<SegmentId> ids;
    std::vector<Value> rows;
    /// When the rows were committed, in order, covering all of them; empty in a group
    /// written before groups kept it.
    std::vector<CommitSpan> commits;
};

/// Encodes rows (STRUCTs laid out as `schema`) into one row group's payload.
std::string encodeRowGroup(std::span<const Value> rows, const Schema& schema, std::uint64_t nextLog, bool more,
                           std::span<const SegmentId> ids, std::span<const CommitSpan> commits = {});
/// Decodes a payload; throws std::runtime_error naming what is wrong when it is not one.
/// `wanted` (by the group's own column index; null: all): the columns to read; the others
/// are NULL in every row (a scan that reads two columns of seven builds two), and each row
/// ends at its last wanted column (no room is made for columns after it).
/// `arena`: the rows' blocks are made in it (Value::structIn), which must outlive them: one
/// allocation per 256 KB instead of one per row and per long string.
RowGroup decodeRowGroup(std::string_view payload, const std::vector<bool>* wanted = nullptr, ValueArena* arena = nullptr);

/// What a format 2 or 3 payload says of itself before its compressed body.
struct RowGroupHead {
    std::uint64_t rows = 0;
    bool more = false;
    std::uint64_t nextLog = 0;
    std::string schemaText; ///< the schema the rows were written with, as JSON
    std::vector<std::uint64_t> columnBytes; ///< per column of that schema: valueBytes summed
    /// Per column of that schema (format 4; empty before): NULLs and least and greatest value.
    std::vector<sql::ColumnStats> stats;
};
/// The head of a payload from its first bytes. nullopt with `needed` 0: a format 1 group
/// (decode it to learn the same); nullopt with `needed` > 0: read that many bytes and ask
/// again. Throws std::runtime_error for a damaged head or an unknown format.
std::optional<RowGroupHead> readRowGroupHead(std::string_view prefix, std::size_t& needed);

/// A block of at least `size` bytes for decoding or reading a group, from a few kept for
/// reuse (and given back to them when done): scans read one large group after another.
class ScratchBuffer {
public:
    explicit ScratchBuffer(std::size_t size);
    ~ScratchBuffer();
    ScratchBuffer(const ScratchBuffer&) = delete;
    ScratchBuffer& operator=(const ScratchBuffer&) = delete;
    char* data() { return block_.get(); }
    /// Frees the kept blocks (when the sandbox gives memory back).
    static void releaseAll();

private:
    std::unique_ptr<char[]> block_;
    std::size_t capacity_ = 0;
};

/// A value's logical bytes as BigQuery bills them, from its kind alone (sql::logicalBytes for
/// a value of its column's type): what a group's head sums per column.
std::uint64_t valueBytes(const Value& v);

/// The halves of the above: a payload is a format byte, the body's size and the body
/// compressed. A checkpoint builds the body while it holds the table and compresses it after;
/// the fuzzer feeds bodies to the decoder.
std::string encodeRowGroupBody(std::span<const Value> rows, const Schema& schema, std::uint64_t nextLog, bool more,
                               std::span<const SegmentId> ids, std::span<const CommitSpan> commits = {});
std::string packRowGroupBody(std::string_view body);

/// A row group's body built a few rows at a time, so that a checkpoint holds the table only
/// while it reads each slice of rows.
class RowGroupEncoder {
public:
    RowGroupEncoder();
    ~RowGroupEncoder();
    RowGroupEncoder(const RowGroupEncoder&) = delete;
    RowGroupEncoder& operator=(const RowGroupEncoder&) = delete;
    void add(std::span<const Value> rows);
    std::size_t rows() const { return rows_; }
    /// The body's size so far, about.
    std::size_t bytes() const;
    /// `commits` covers the rows added (or is empty: then none is written).
    std::string finish(const Schema& schema, std::uint64_t nextLog, bool more, std::span<const SegmentId> ids,
                       std::span<const CommitSpan> commits = {});

private:
    struct Columns;
    std::unique_ptr<Columns> c_;
    std::size_t rows_ = 0;
};
RowGroup decodeRowGroupBody(std::string_view body);

} // namespace quarry::sandbox
