// SPDX-License-Identifier: MIT
#pragma once

#include "sandbox/sql/Engine.h"
#include "sandbox/sql/RowEval.h"

#include <atomic>
#include <memory>
#include <optional>
#include <vector>

namespace quarry::sandbox::sql::plan {

/// A table's rows read from its row groups, and the arena they live in.
struct ReadRows {
    ValueArena arena;
    std::vector<Value> rows;
};

/// A bound SELECT as the plan executor takes it from the binder: what to read, the bound
/// expressions of each clause, and the evaluator for what runs row by row.
struct BoundSelect {
    /// The range variables of one FROM item: a table first, or an UNNEST; each after it an
    /// UNNEST of an expression over the items before it, or a table joined by a hash of
    /// equal keys or by a nested loop. No items: one row (SELECT without FROM).
    struct Source {
        const TableData* table = nullptr; ///< a table (scanned, or joined by a hash of its key)
        /// The table's columns the query reads, by index (empty: all): a table read in row
        /// groups decodes only these; the others are NULL in its rows.
        std::vector<bool> columns;
        /// A joined table read in row groups: its rows, read by the first run of the plan
        /// (a plan with subqueries in its expressions runs on one thread at a time).
        mutable std::shared_ptr<const ReadRows> groupRows;
        mutable const RowGroupSource* groupRowsFrom = nullptr;
        mutable std::uint64_t groupRowsVersion = 0;
        mutable std::vector<bool> groupRowsRead; ///< which groups they are (WHERE skips some)
        const Expr* unnest = nullptr; ///< or an UNNEST
        bool left = false;            ///< LEFT or FULL JOIN: an input row without a match stays
        bool right = false;           ///< RIGHT or FULL JOIN: a table row without a match stays
        const Expr* buildKey = nullptr; ///< a joined table: its side of ON's equality ...
        const Expr* probeKey = nullptr; ///< ... and the other side, over the items before
        const Expr* on = nullptr;       ///< ON, unless it is only that equality
        int slot = -1;
        int offsetSlot = -1;          ///< UNNEST ... WITH OFFSET: the element's offset
        std::string name;             ///< for the plan: FROM and the table's path, or UNNEST
    };
    std::vector<Source> sources;
    std::size_t width = 0; ///< range variables (slots) per row
    /// WHERE, split at its top-level ANDs and kept in written order. A part is checked right
    /// after the FROM item that binds the last range variable it reads (pushed[k]: after item
    /// k), unless it reads an enclosing query or a subquery, or a RIGHT or FULL JOIN follows;
    /// those are checked after the whole FROM clause (`where`).
    std::vector<std::vector<const Expr*>> pushed;
    std::vector<const Expr*> where;
    bool aggregating = false;
    std::vector<const Expr*> groupKeys, aggs;
    /// ROLLUP, CUBE, GROUPING SETS (or GROUPING() over a plain GROUP BY): which keys each set
    /// groups by. A group's keys are then its key values (NULL where its set lacks the key),
    /// one INT64 grouping bit per key (1: not grouped by it), and the set's index.
    std::vector<std::vector<bool>> groupingSets;
    const Expr* having = nullptr;
    std::vector<const Expr*> windows; ///< analytic calls, computed after grouping, by windowIndex
    const Expr* qualify = nullptr;
    std::vector<const Expr*> columns;
    struct Order {
        const Expr* expr = nullptr;
        int column = -1; ///< ORDER BY an output column (its value is the column's), or -1
        bool desc = false, nullsFirst = true;
        const Collation* collation = nullptr; ///< strings sort under it (null: code points)
    };
    std::vector<Order> order;
    bool distinct = false;
    std::optional<std::int64_t> limit, offset;
    /// OFFSET + LIMIT (both at most INT64's largest): the rows the output needs, without overflow.
    std::uint64_t rowsWanted() const { return static_cast<std::uint64_t>(offset.value_or(0)) + static_cast<std::uint64_t>(limit.value_or(0)); }
    const RowEvaluator* rows = nullptr;
    const Frame* outer = nullptr;
    const std::atomic<bool>* cancelled = nullptr;
    /// Fill QueryResult::plan (the query the user ran, not a subquery run once per row).
    bool reportPlan = true;
    /// Its expressions may be evaluated on several threads at once (no subqueries in them).
    bool splittable = false;
};

/// How a query's scan may be split over threads: into at most `threads` contiguous parts,
/// when its first table has at least `minRows` rows. Settings of the process (the sandbox's
/// --query-threads and --split-rows); tests set minRows to 1 to split every table.
struct SplitSettings {
    unsigned threads = 0; ///< 0: the machine's cores, at most 8
    std::size_t minRows = 32768;
};
void setSplitSettings(SplitSettings s);
SplitSettings splitSettings();

/// Runs the plan: a pipeline of operators over batches of rows (scan, UNNEST, filter), then
/// hash aggregation, then the output (top-N or sort, DISTINCT, OFFSET/LIMIT, projection).
/// Fills `out.rows` and `out.plan`; throws EvalError, PreparedQuery::Cancelled.
void execute(const BoundSelect& q, QueryResult& out);

} // namespace quarry::sandbox::sql::plan
