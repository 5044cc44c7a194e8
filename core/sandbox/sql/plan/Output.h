// SPDX-License-Identifier: MIT
#pragma once

#include "sandbox/sql/Window.h"
#include "sandbox/sql/plan/Operators.h"

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace quarry::sandbox::sql::plan {

/// The end of the plan: analytic functions and QUALIFY, projection, DISTINCT, ORDER BY (a top-N heap when there is a LIMIT),
/// OFFSET and LIMIT, into the result's rows.
class Output {
public:
    /// `rowsMove`: the rows batches point into are let go as the scan moves on (a table read
    /// in row groups), so rows kept for later (top-N candidates) keep copies.
    Output(const BoundSelect& q, const VectorEval& ev, std::vector<Value>& result, bool rowsMove = false);
    /// Whether analytic functions over rows that move (a table read in row groups) need those
    /// rows kept to the end. They do not when every output reads either no analytic value (it
    /// is taken as its row comes) or nothing of the row but analytic values: then the
    /// functions' inputs and those outputs are all that is held (OutputWindows.cpp).
    static bool windowsNeedRows(const BoundSelect& q);
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
    /// `early`: the batch's outputs taken as the rows came (analytic functions over rows
    /// that moved on), row i's at early[i * their width], by EarlyWindows::column/key.
    void projectInto(const Batch& b, const Selection& sel, const Value* early = nullptr);
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
    using PartitionIds = std::unordered_map<std::string, std::uint32_t>; ///< PARTITION BY values' keys -> partition
    /// Analytic functions over rows that move on: each row's function inputs and the outputs
    /// that read no analytic value, taken as the row comes.
    struct EarlyWindows {
        std::vector<int> column, key; ///< per output column / ORDER BY key: index in a row's values, or -1
        std::size_t width = 0;        ///< values per row
        std::vector<Value> values;    ///< row i's at [i * width, (i + 1) * width)
        std::vector<WindowInput> in;  ///< per analytic function
        std::vector<PartitionIds> ids;
        std::size_t rows = 0;
    };
    /// Null when some output reads both the row and an analytic value.
    static std::unique_ptr<EarlyWindows> planEarly(const BoundSelect& q);
    void consumeEarly(const Batch& b, const Selection& sel);
    /// Points `out` at the batch's early outputs number `index`; false when index < 0.
    bool takeEarly(const Value* early, int index, const Batch& b, const Selection& sel, Vec& out) const;
    std::unique_ptr<EarlyWindows> early_; ///< Windowed, when its rows move and need not be kept
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
