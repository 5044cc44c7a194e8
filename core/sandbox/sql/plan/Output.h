// SPDX-License-Identifier: MIT
#pragma once

#include "sandbox/sql/plan/Operators.h"

#include <vector>

namespace quarry::sandbox::sql::plan {

/// The end of the plan: analytic functions and QUALIFY, projection, DISTINCT, ORDER BY (a top-N heap when there is a LIMIT),
/// OFFSET and LIMIT, into the result's rows.
class Output {
public:
    /// `rowsMove`: the rows batches point into are let go as the scan moves on (a table read
    /// in row groups), so rows kept for later (top-N candidates) keep copies.
    Output(const BoundSelect& q, const VectorEval& ev, std::vector<Value>& result, bool rowsMove = false);
    /// Rows of the FROM pipeline (a query without GROUP BY). False when no more are needed
    /// (a LIMIT without ORDER BY or DISTINCT is full).
    bool consume(const Batch& b, const Selection& sel);
    /// The groups of an aggregating query: HAVING, then the same as rows.
    void consumeGroups(std::vector<HashAggregate::Group>& groups, OperatorStats& aggStats);
    void finish();
    /// Whether the rows of a split scan can go to an Output per part, whose rows absorb()
    /// then joins (ORDER BY, DISTINCT; not analytic functions, nor rows that stream out).
    static bool splittable(const BoundSelect& q) { return q.windows.empty() && (q.distinct || !q.order.empty()); }
    /// Takes in the rows `later` kept (an Output of the same query that consumed the rows
    /// right after this one's): as if this one had consumed them.
    void absorb(Output& later);
    OperatorStats stats;
    std::uint64_t written() const { return result_.size(); }

private:
    struct Row {
        std::vector<Value> cols, keys;
    };
    struct Candidate {
        std::vector<const Value*> row;
        std::vector<Value> owned; ///< with rowsMove: what `row` points to (moves keep its block)
        std::vector<Value> keys;
        std::uint64_t seq = 0;
    };
    bool before(const Candidate& a, const Candidate& b) const;
    void projectInto(const Batch& b, const Selection& sel);
    /// One collected row (a group's, or a windowed one's), evaluated row by row from its frame.
    void collectRow(const Frame& f);
    void offerTopN(const Batch& b, const Selection& sel);
    void finishTopN();
    void finishRows();
    /// Collected rows with neither ORDER BY nor DISTINCT go to the result as they come.
    bool direct() const;
    /// Counts one more finished row; whether it is inside OFFSET and LIMIT.
    bool admit();
    void finishWindows();
    enum class Mode { Stream, TopN, Collect, Windowed } mode_;
    bool rowsMove_ = false;
    const BoundSelect& q_;
    const VectorEval& ev_;
    std::vector<Value>& result_;
    std::size_t wanted_ = 0;     ///< OFFSET + LIMIT, when there is a LIMIT
    std::uint64_t streamed_ = 0; ///< rows seen by Stream (or a direct Collect), the OFFSET ones included
    std::uint64_t seq_ = 0;
    std::vector<Candidate> heap_; ///< TopN: the best `wanted_` rows so far, the worst on top
    std::vector<Row> rows_;       ///< Collect
    /// Windowed: rows wait for their analytic values; each keeps its range variables (rows of
    /// the FROM clause stay put while the query runs) or its group's aggregates and keys.
    std::vector<const Value*> waiting_;
    std::size_t waitingRows_ = 0;
    struct GroupRow {
        std::vector<Value> aggs, keys;
    };
    std::vector<GroupRow> waitingGroups_;
    std::vector<Vec> colVecs_, keyVecs_;
    Selection narrowed_; ///< offerTopN: the rows whose first key can still enter
};

} // namespace quarry::sandbox::sql::plan
