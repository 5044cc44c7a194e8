// SPDX-License-Identifier: MIT
#pragma once

#include "sandbox/sql/plan/Executor.h"
#include "sandbox/sql/plan/VectorEval.h"

#include <chrono>
#include <deque>
#include <memory>
#include <string>
#include <vector>

namespace quarry::sandbox::sql::plan {

/// What an operator did, for the query plan: records in and out and its own time.
struct OperatorStats {
    std::uint64_t in = 0, out = 0;
    std::chrono::steady_clock::duration time{};
};

/// Measures the time spent inside one operator call.
class Timed {
public:
    explicit Timed(OperatorStats& s) : s_(s), start_(std::chrono::steady_clock::now()) {}
    ~Timed() { s_.time += std::chrono::steady_clock::now() - start_; }
    Timed(const Timed&) = delete;
    Timed& operator=(const Timed&) = delete;

private:
    OperatorStats& s_;
    std::chrono::steady_clock::time_point start_;
};

/// An operator of the FROM pipeline: hands out batches of rows, pulling from its input.
class RowOperator {
public:
    virtual ~RowOperator() = default;
    /// Fills `out` with the next rows (about kBatchRows); false when there are none left.
    virtual bool next(Batch& out) = 0;
    OperatorStats stats;
    std::uint64_t tableRows = 0; ///< rows it read from a table (what the plan reports as read)
};

/// The first FROM item: a table's rows, by pointer.
class TableScan final : public RowOperator {
public:
    TableScan(const BoundSelect& q, const BoundSelect::Source& s) : q_(q), s_(s) {}
    bool next(Batch& out) override;

private:
    const BoundSelect& q_;
    const BoundSelect::Source& s_;
    std::size_t nextRow_ = 0;
};

/// [LEFT] JOIN UNNEST(path): each input row once per element of its array.
class UnnestJoin final : public RowOperator {
public:
    UnnestJoin(const BoundSelect& q, const BoundSelect::Source& s, std::unique_ptr<RowOperator> input)
        : q_(q), s_(s), input_(std::move(input)) {}
    bool next(Batch& out) override;

private:
    const BoundSelect& q_;
    const BoundSelect::Source& s_;
    std::unique_ptr<RowOperator> input_;
    Batch in_;
    std::size_t row_ = 0, element_ = 0;
};

/// [LEFT] JOIN table ON key = key [AND ...]: the table's rows hashed by their key once, each
/// input row's key looked up; the rest of ON is checked on the pairs found.
class HashJoin final : public RowOperator {
public:
    HashJoin(const BoundSelect& q, const BoundSelect::Source& s, const VectorEval& ev, std::unique_ptr<RowOperator> input)
        : q_(q), s_(s), ev_(ev), input_(std::move(input)) {}
    bool next(Batch& out) override;

private:
    void build();
    /// Pairs of rows from in_ (from row_ on) with their matches, about a batch of them.
    /// Each staged row's input row (a running number) and whether it is the NULL row of an
    /// input row without a match.
    void probe(Batch& staged, std::vector<std::uint64_t>& from, std::vector<char>& unmatched);
    void append(Batch& b, const Value* const* row, const Value* here) const;
    const BoundSelect& q_;
    const BoundSelect::Source& s_;
    const VectorEval& ev_;
    std::unique_ptr<RowOperator> input_;
    bool built_ = false;
    struct Entry {
        std::size_t hash;
        std::uint32_t row, next; ///< next: entry index + 1 in the same bucket, 0 at the end
    };
    std::vector<Entry> entries_;
    std::vector<const Value*> keys_;  ///< by entry: the row's key
    std::deque<Value> computedKeys_;  ///< keys that are not a column of the row
    std::vector<std::uint32_t> buckets_; ///< entry index + 1
    Batch in_;
    Vec probeKeys_, on_;
    std::size_t row_ = 0;
    std::uint64_t inputRow_ = 0;
};

/// The FROM clause as a chain of the operators above.
std::unique_ptr<RowOperator> buildFrom(const BoundSelect& q, const VectorEval& ev, std::vector<const RowOperator*>& all);

/// WHERE: narrows a batch's selection to the rows where the predicate is TRUE.
class Filter {
public:
    Filter(const Expr& predicate, const VectorEval& ev) : pred_(predicate), ev_(ev) {}
    void apply(const Batch& b, Selection& sel);
    OperatorStats stats;

private:
    const Expr& pred_;
    const VectorEval& ev_;
    Vec v_;
};

/// GROUP BY: groups rows by typed keys in an open-addressing hash table and feeds each
/// group's aggregates; without keys, one group (which exists even for no rows).
class HashAggregate {
public:
    HashAggregate(const BoundSelect& q, const VectorEval& ev);
    void consume(const Batch& b, const Selection& sel);
    struct Group {
        std::vector<Value> keys;
        std::vector<AggState> states;
        std::size_t hash = 0;
    };
    std::deque<Group>& groups() { return groups_; }
    OperatorStats stats;

private:
    std::size_t findOrAdd(const std::vector<const Value*>& keys, std::size_t hash);
    void grow();
    const BoundSelect& q_;
    const VectorEval& ev_;
    std::deque<Group> groups_;
    std::vector<std::uint32_t> table_; ///< group index + 1; 0 is empty
    std::vector<Vec> keyVecs_, argVecs_, sepVecs_;
};

} // namespace quarry::sandbox::sql::plan
