// SPDX-License-Identifier: MIT
#pragma once
// A row group's column statistics (format 4, Segment.h): per top-level column, its NULL count,
// its least and greatest other value and the memory its values take once read, kept in the group's uncompressed head so that
// SegmentFile learns them without decompressing anything, and a scan skips the groups its
// WHERE cannot match (plan/GroupSkip.h).

#include "sandbox/sql/TableData.h"

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace quarry::sandbox {

/// The heap a value takes once read (ColumnStats::memory): each block its malloc header and
/// contents, a STRUCT's or ARRAY's items 16 bytes each, text over 13 bytes its bytes.
std::uint64_t valueMemory(const Value& v);
/// valueMemory's parts: a container's own block (not its items'), and a value that is not a container.
std::uint64_t containerMemory(const Value& v);
std::uint64_t leafMemory(const Value& v);

/// Longest STRING or BYTES kept as a bound: a column with a longer least or greatest value
/// keeps only its NULL count (heads stay small).
inline constexpr std::size_t kStatsTextBytes = 64;

/// One column's statistics while its values are added.
class StatsWriter {
public:
    void add(const Value& v);
    /// The same, with valueMemory(v) measured already.
    void add(const Value& v, std::uint64_t memory);
    /// `rows`: the group's rows (those not added hold NULL in this column).
    sql::ColumnStats finish(std::uint64_t rows) const;

private:
    std::uint64_t values_ = 0; ///< not NULL
    std::uint64_t memory_ = 0;
    ValueKind kind_ = ValueKind::Null;
    bool none_ = false; ///< values of more than one kind, or of a kind without bounds
    Value min_, max_;
};

/// Appends a list of statistics to a head.
void appendStats(std::string& out, std::span<const sql::ColumnStats> stats);
/// Reads what appendStats wrote, all of `bytes`; throws std::runtime_error when it is damaged.
std::vector<sql::ColumnStats> parseStats(std::string_view bytes);

} // namespace quarry::sandbox
