// SPDX-License-Identifier: MIT
#pragma once

#include "sandbox/sql/plan/Executor.h"
#include "sandbox/sql/plan/VectorEval.h"

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace quarry::sandbox::sql::plan {

/// What an operator did, for the query plan: records in and out and its own time (timed only
/// for a plan that is reported: a subquery run once per row is not).
struct OperatorStats {
    std::uint64_t in = 0, out = 0;
    std::chrono::steady_clock::duration time{};
    bool timed = true;
};

/// Measures the time spent inside one operator call.
class Timed {
public:
    explicit Timed(OperatorStats& s) : s_(s) {
        if (s_.timed) start_ = std::chrono::steady_clock::now();
    }
    ~Timed() {
        if (s_.timed) s_.time += std::chrono::steady_clock::now() - start_;
    }
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

struct SharedHashBuild;
class GroupSkip;

/// Where the FROM clause reads its tables' rows. A table read in row groups (a large stored
/// table, TableData::groupsToRead) is scanned a group at a time when it comes first, and read
/// once per query into `joined` when it is joined.
struct ScanInput {
    const RowGroupSource* groups = nullptr; ///< the first table's groups, or null: its rows
    /// Keep every group read until the query ends: rows waiting for analytic values point into them.
    bool keepGroups = false;
    /// The first table's groups WHERE rules out by their statistics (null: none).
    const GroupSkip* skip = nullptr;
    /// Per FROM item: the rows a joined table is read from (null: its `rows`).
    std::vector<const std::vector<Value>*> joined;
    /// Per FROM item: the hash table the parts of a split scan share (null: each its own).
    std::vector<std::shared_ptr<SharedHashBuild>> hashes;
    /// The rows of item `i`'s table.
    const std::vector<Value>& rowsOf(const BoundSelect& q, std::size_t i) const {
        return i < joined.size() && joined[i] ? *joined[i] : q.sources[i].table->rows;
    }
};

/// The first FROM item: a table's rows [begin, end), by pointer; or, read in row groups,
/// its groups [begin, end), each decoded (its used columns only) when the scan reaches it and
/// let go when it moves on. Rows handed out stay valid until the next call (later operators
/// finish a batch before they ask for the next), or to the end with `keepGroups`.
class TableScan final : public RowOperator {
public:
    TableScan(const BoundSelect& q, const BoundSelect::Source& s, std::size_t begin, std::size_t end, const ScanInput& in)
        : q_(q), s_(s), nextRow_(begin), end_(end), groups_(in.groups), keep_(in.keepGroups), skip_(in.skip) {}
    ~TableScan() override;
    TableScan(const TableScan&) = delete;
    TableScan& operator=(const TableScan&) = delete;
    bool next(Batch& out) override;

private:
    const BoundSelect& q_;
    const BoundSelect::Source& s_;
    std::size_t nextRow_, end_;
    const RowGroupSource* groups_;
    bool keep_;
    const GroupSkip* skip_;
    std::vector<Value> group_;              ///< the group being scanned ...
    std::unique_ptr<ValueArena> arena_;     ///< ... whose rows live here (reset for each group)
    std::vector<std::vector<Value>> kept_;  ///< with keep_: every group read ...
    std::vector<std::unique_ptr<ValueArena>> keptArenas_; ///< ... and where their rows live
    const std::vector<Value>* current_ = nullptr;
    std::size_t inGroup_ = 0;
};

/// No FROM, or a FROM that starts with UNNEST: one row, every range variable NULL.
class OneRow final : public RowOperator {
public:
    explicit OneRow(std::size_t width) : width_(width) {}
    bool next(Batch& out) override;

private:
    std::size_t width_;
    bool done_ = false;
};

/// Adds a row to `b`: `row`'s range variables, with `slot` set to `here`.
void appendRow(Batch& b, const Value* const* row, int slot, const Value* here);
/// Throws PreparedQuery::Cancelled once the query's job is cancelled.
void checkCancel(const BoundSelect& q);

/// Rows [begin, end) of a table (its row groups, when read in groups).
struct RowRange {
    std::size_t begin = 0, end = static_cast<std::size_t>(-1);
};

/// The FROM clause: a scan of its first table's rows in `range` (or one row), then a Join
/// per item after it.
std::unique_ptr<RowOperator> buildFrom(const BoundSelect& q, const VectorEval& ev, std::vector<RowOperator*>& all, const ScanInput& in,
                                       RowRange range = {});

/// WHERE: narrows a batch's selection to the rows where every part is TRUE, each part
/// evaluated only for the rows the ones before it kept (AND's order).
class Filter {
public:
    Filter(std::vector<const Expr*> parts, const VectorEval& ev) : parts_(std::move(parts)), ev_(ev) {}
    void apply(const Batch& b, Selection& sel);
    OperatorStats stats;

private:
    std::vector<const Expr*> parts_;
    const VectorEval& ev_;
    Vec v_;
};

/// A Filter inside the FROM pipeline (WHERE parts pushed below later joins): hands on only
/// the rows that pass.
class FilterRows final : public RowOperator {
public:
    FilterRows(std::vector<const Expr*> parts, const VectorEval& ev, std::unique_ptr<RowOperator> input)
        : filter_(std::move(parts), ev), input_(std::move(input)) {}
    bool next(Batch& out) override;

private:
    Filter filter_;
    std::unique_ptr<RowOperator> input_;
    Batch in_;
    Selection sel_;
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
    std::vector<Group>& groups() { return groups_; }
    /// The values rows point to stay where they are, unchanged, until the query ends (not a
    /// table read a row group at a time into reused memory): a single key read in place is
    /// then remembered by its address.
    void inputStays() { memo_.assign(kMemo, {}); }
    /// Takes in the groups of `later`, which consumed the rows right after this one's (a
    /// part of a split scan): its new groups follow in their order, the others' states are
    /// merged (every aggregate must be mergeable()).
    void absorb(HashAggregate& later);
    OperatorStats stats;

private:
    std::size_t findOrAdd(const std::vector<const Value*>& keys, std::size_t hash);
    std::size_t hashOf(const std::vector<const Value*>& keys) const;
    std::vector<const Collation*> keyCollations_; ///< per key: the collation it groups under (or null)
    /// A row's keys in grouping set `set`: values (NULL off the set, or for no row), bits, index.
    void groupKeysOf(std::size_t set, bool row, std::size_t i, std::vector<const Value*>& keys);
    std::vector<Value> setIndex_; ///< each grouping set's index as a key value
    void grow();
    const BoundSelect& q_;
    const VectorEval& ev_;
    std::vector<Group> groups_;
    std::vector<std::uint32_t> table_; ///< group index + 1; 0 is empty
    std::vector<Vec> keyVecs_, argVecs_, sepVecs_, havingVecs_, whereVecs_;
    std::vector<std::vector<Vec>> orderVecs_; ///< per aggregate, its ORDER BY keys over the batch
    /// inputStays(): the group of a key by the address of its value (a key read from a
    /// joined lookup table repeats the same few addresses), direct-mapped; empty: not used.
    struct Memo {
        const Value* key = nullptr;
        std::size_t group = 0;
    };
    static constexpr std::size_t kMemo = 4096;
    std::vector<Memo> memo_;
    /// One group, and every aggregate one addPlain takes: consumed an aggregate at a time.
    bool allPlain_ = false;
};

} // namespace quarry::sandbox::sql::plan
