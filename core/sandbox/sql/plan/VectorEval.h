// SPDX-License-Identifier: MIT
#pragma once

#include "sandbox/sql/ColumnCache.h"
#include "sandbox/sql/RowEval.h"

#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

namespace quarry::sandbox::sql::plan {

inline constexpr std::size_t kBatchRows = 2048;

/// Up to kBatchRows rows of the FROM clause: each row is `width` pointers, one per range
/// variable (slot), into the tables' rows or their arrays (never copies). Null: a NULL row
/// (the missing side of a LEFT JOIN UNNEST).
struct Batch {
    std::size_t width = 0, size = 0;
    std::vector<const Value*> slots;
    /// Rows with analytic values: row i's are at windows[i * windowStride], by windowIndex.
    const Value* windows = nullptr;
    std::size_t windowStride = 0;
    const Value* const* row(std::size_t i) const { return slots.data() + i * width; }
    void clear() {
        size = 0;
        slots.clear();
    }
};

/// Values that rows point into for the whole query (computed arrays, keys, offsets): kept in
/// chunks that never move, and nothing is allocated until the first one.
class StableValues {
public:
    const Value* push(Value v) {
        if (chunks_.empty() || used_ == kChunk) {
            chunks_.push_back(std::make_unique<Value[]>(kChunk));
            used_ = 0;
        }
        Value* at = &chunks_.back()[used_++];
        *at = std::move(v);
        return at;
    }
    std::size_t size() const { return chunks_.empty() ? 0 : (chunks_.size() - 1) * kChunk + used_; }
    const Value& operator[](std::size_t i) const { return chunks_[i / kChunk][i % kChunk]; }

private:
    static constexpr std::size_t kChunk = 256;
    std::vector<std::unique_ptr<Value[]>> chunks_;
    std::size_t used_ = 0;
};

/// The batch rows an operation applies to, in order.
using Selection = std::vector<std::uint32_t>;

/// An expression's values over a batch, by batch row (set for the selected rows only): a
/// pointer into the input where the value is read as it is (a column, a field, a literal),
/// or into `own` where it was computed. A null pointer is NULL.
struct Vec {
    std::vector<const Value*> at;
    std::vector<Value> own;
};

/// A NULL that lives for the process (inline: the batch loops call it per row).
inline const Value& nullValue() {
    static const Value null;
    return null;
}
/// A bound path (a range variable and fields below it) read in place for one row; null if
/// it is NULL. Paths of an enclosing query read its row from `outer`.
const Value* readPath(const Expr& e, const Value* const* row, const Frame* outer);
inline const Value& valueAt(const Vec& v, std::size_t i) { return v.at[i] ? *v.at[i] : nullValue(); }

/// Evaluates bound expressions a batch at a time: columns and fields are read in place,
/// comparisons, AND/OR/NOT, LIKE, IS NULL, CAST and the functions with an evaluator of their
/// own (FunctionCatalog) run as loops over the batch; anything else is handed to the row
/// evaluator one row at a time. Results, errors and NULL handling
/// are the row evaluator's: AND and OR evaluate their right side only for the rows the
/// left side does not decide, as it does.
class VectorEval {
public:
    VectorEval(const RowEvaluator& rows, const Frame* outer) : rows_(rows), outer_(outer) {}
    /// The stored tables whose rows the range variables point into, by slot (null: none, or
    /// not such a table): a column or field of one is read from its ColumnCache, when it has
    /// one, instead of row by row. One evaluator serves one thread.
    void readColumnsOf(std::vector<const TableData*> bySlot, std::uint64_t run) {
        tables_ = std::move(bySlot);
        run_ = run;
    }
    void eval(const Expr& e, const Batch& b, const Selection& sel, Vec& out) const;
    /// Narrows `sel` to the rows where `e` is TRUE, for the forms it computes directly
    /// (x LIKE constant, x compared with a constant, x [NOT] BETWEEN constants); false, and
    /// `sel` untouched, otherwise.
    bool narrow(const Expr& e, const Batch& b, Selection& sel) const;

private:
    bool narrowBetween(const Expr& e, const Batch& b, Selection& sel) const;
    void rowByRow(const Expr& e, const Batch& b, const Selection& sel, Vec& out) const;
    void direct(const Expr& e, const Batch& b, const Selection& sel, Vec& out) const;
    void binary(const Expr& e, const Batch& b, const Selection& sel, Vec& out) const;
    void logical(const Expr& e, const Batch& b, const Selection& sel, Vec& out) const;
    /// The cached column a path reads, or null (kept for the query: the cache may drop it).
    const CachedColumn* columnFor(const Expr& e) const;
    const RowEvaluator& rows_;
    const Frame* outer_;
    std::vector<const TableData*> tables_;
    std::uint64_t run_ = 0;
    mutable std::unordered_map<const Expr*, std::shared_ptr<const CachedColumn>> columns_;
};

} // namespace quarry::sandbox::sql::plan
