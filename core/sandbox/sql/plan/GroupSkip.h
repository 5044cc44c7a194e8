// SPDX-License-Identifier: MIT
#pragma once
// Row groups a scan need not read: each group's head says, per column, how many rows are NULL
// and its least and greatest other value (RowGroupSource::statsOf). A WHERE part of the forms
// partition pruning reads (`col op constant` for =, <, <=, >, >=, `col BETWEEN c1 AND c2`,
// `col IN (c, ...)`), or `col IS [NOT] NULL`, over a top-level column of a FROM table rules a
// group of it out when no value in the group's range can pass it: the first table's scan
// skips the group, a joined table's reading leaves it out. The rows a query returns do not
// change: WHERE would have dropped every row a skipped group took part in. Only constants of the
// column's own kind (INT64, BOOL, STRING, BYTES, DATE, TIME, DATETIME, TIMESTAMP) compared
// without a collation count: anything else skips nothing.

#include "sandbox/sql/plan/Executor.h"

#include <optional>
#include <vector>

namespace quarry::sandbox::sql::plan {

class GroupSkip {
public:
    /// The tests q's WHERE makes of the table of FROM item `item` (none when it is not a
    /// table; IS NULL only for the first, and only when no RIGHT or FULL JOIN follows it).
    static GroupSkip of(const BoundSelect& q, std::size_t item);
    bool empty() const { return tests_.empty(); }
    /// Whether no row of group g can pass WHERE, by the group's statistics.
    bool skips(const RowGroupSource& src, std::size_t g) const;

private:
    struct Test {
        std::size_t column = 0;
        enum class Kind { Range, Points, IsNull, NotNull } kind = Kind::Range;
        std::optional<Value> lo, hi; ///< Range: bounds (either may be open) ...
        bool loStrict = false, hiStrict = false; ///< ... excluded (> and <) or not
        std::vector<Value> points;   ///< Points: the values IN lists
    };
    static bool rulesOut(const Test& t, const ColumnStats& s, std::uint64_t rows);
    std::vector<Test> tests_;
};

/// Whether q (aggregates only: COUNT(*), and COUNT, MIN and MAX of a top-level column without
/// DISTINCT, modifiers or a collation; no WHERE, GROUP BY or join) can be answered from the
/// statistics of `src`, its only table, without reading a row; with `states` (one per
/// aggregate), it is: each group adds its row count, its non-NULL count, or its least and
/// greatest value. False (and `states` untouched) when a group lacks what an aggregate needs.
bool aggregatesFromStats(const BoundSelect& q, const RowGroupSource& src, std::vector<AggState>* states);

} // namespace quarry::sandbox::sql::plan
