// SPDX-License-Identifier: MIT
#pragma once

#include "sandbox/sql/plan/Operators.h"

#include <memory>
#include <mutex>
#include <vector>

namespace quarry::sandbox::sql::plan {

/// The table's side of a hash join: each row with a non-NULL key, chained by bucket in
/// table order. Read only once built.
struct HashBuild {
    struct Entry {
        std::size_t hash;
        std::uint32_t row, next; ///< next: entry index + 1 in the same bucket, 0 at the end
    };
    std::vector<Entry> entries;
    std::vector<const Value*> keys; ///< by entry
    StableValues computedKeys;      ///< keys that are not a column of the row
    std::vector<std::uint32_t> buckets;
};

/// One table's hash table for every part of a split scan: the first part that needs it
/// builds it while the others wait, so a 10M-row table is hashed once, not once per core.
struct SharedHashBuild {
    std::mutex building;
    std::shared_ptr<const HashBuild> built;
};

/// One FROM item joined to the rows before it. The other side of each input row is a set of
/// candidates: the elements of its array (UNNEST, WITH OFFSET), the table's rows with an
/// equal key (a hash table built once from the table), or every row of the table (a nested
/// loop). ON, where more than the key, is checked on the pairs a batch at a time. LEFT keeps
/// an input row none of whose pairs passed, with NULL here; RIGHT keeps, after all input, the
/// table's rows that never matched, with NULL before; FULL does both. Rows keep the input's
/// order, each followed by its matches in the table's (or array's) order.
class Join final : public RowOperator {
public:
    /// `rows`: the joined table's rows (its own, or read from its row groups; null for UNNEST).
    /// `shared`: where the parts of a split scan share the hash table (null: its own).
    Join(const BoundSelect& q, const BoundSelect::Source& s, const std::vector<Value>* rows, const VectorEval& ev,
         std::unique_ptr<RowOperator> input, SharedHashBuild* shared = nullptr);
    bool next(Batch& out) override;

private:
    enum class Kind { Unnest, Hash, Loop };
    void build();
    std::shared_ptr<const HashBuild> buildHash() const;
    void startInput();                       ///< a new input batch: its keys or arrays
    void openRow();                          ///< the candidates of input row row_
    bool nextCandidate(const Value*& v, std::size_t& n);
    void stage();                            ///< pairs (and rows that end) up to a batch
    bool emitUnmatchedRight(Batch& out);
    const BoundSelect& q_;
    const BoundSelect::Source& s_;
    const std::vector<Value>* rows_;
    const VectorEval& ev_;
    std::unique_ptr<RowOperator> input_;
    Kind kind_;

    // the table's side of a hash join
    SharedHashBuild* shared_;
    std::shared_ptr<const HashBuild> hash_;
    bool built_ = false;

    // the input
    Batch in_;
    Vec probeKeys_, arrays_;
    std::vector<std::size_t> probeHashes_; ///< keyHash of each input row's probe key (when not NULL)
    StableValues kept_;    ///< computed arrays: rows further on point into them
    StableValues offsets_; ///< offsets_[n] is n, for WITH OFFSET
    std::size_t row_ = 0;
    bool inputDone_ = false;

    // the open input row's candidates
    bool rowOpen_ = false, rowHadCandidate_ = false;
    std::uint64_t rowId_ = 0, nextRowId_ = 0;
    const Value* array_ = nullptr;
    const Value* key_ = nullptr;
    std::size_t keyHash_ = 0, pos_ = 0, count_ = 0;
    std::uint32_t chain_ = 0;

    // a staged batch of pairs, and the input rows whose candidates ended within it
    Batch staged_;
    std::vector<std::uint64_t> from_; ///< with ON: each pair's input row
    std::vector<std::uint32_t> candidate_; ///< RIGHT/FULL: each pair's table row
    static constexpr std::uint32_t kNoCandidate = ~0U;
    struct Ended {
        std::size_t at;      ///< staged pairs before it
        std::uint64_t row;
        std::size_t slots;   ///< its range variables, at endedSlots_[slots]
    };
    std::vector<Ended> ended_;
    std::vector<const Value*> endedSlots_;
    Vec on_;
    std::uint64_t anyRow_ = ~0ULL; ///< the input row the last pairs belonged to ...
    bool anyPassed_ = false;       ///< ... and whether one of them passed ON
    std::vector<char> matched_;    ///< RIGHT/FULL: table rows that matched
    std::size_t rightPos_ = 0;
};

} // namespace quarry::sandbox::sql::plan
