// SPDX-License-Identifier: MIT
#pragma once

#include "sandbox/sql/RowEval.h"

#include <cstdint>
#include <vector>

namespace quarry::sandbox::sql::plan {

inline constexpr std::size_t kBatchRows = 2048;

/// Up to kBatchRows rows of the FROM clause: each row is `width` pointers, one per range
/// variable (slot), into the tables' rows or their arrays (never copies). Null: a NULL row
/// (the missing side of a LEFT JOIN UNNEST).
struct Batch {
    std::size_t width = 0, size = 0;
    std::vector<const Value*> slots;
    const Value* const* row(std::size_t i) const { return slots.data() + i * width; }
    void clear() {
        size = 0;
        slots.clear();
    }
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

const Value& nullValue();
/// A bound path (a range variable and fields below it) read in place for one row; null if
/// it is NULL. Paths of an enclosing query read its row from `outer`.
const Value* readPath(const Expr& e, const Value* const* row, const Frame* outer);
inline const Value& valueAt(const Vec& v, std::size_t i) { return v.at[i] ? *v.at[i] : nullValue(); }

/// Evaluates bound expressions a batch at a time: columns and fields are read in place,
/// comparisons, AND/OR/NOT, LIKE, IS NULL and CAST run as loops over the batch; anything
/// else is handed to the row evaluator one row at a time. Results, errors and NULL handling
/// are the row evaluator's: AND and OR evaluate their right side only for the rows the
/// left side does not decide, as it does.
class VectorEval {
public:
    VectorEval(const RowEvaluator& rows, const Frame* outer) : rows_(rows), outer_(outer) {}
    void eval(const Expr& e, const Batch& b, const Selection& sel, Vec& out) const;

private:
    void rowByRow(const Expr& e, const Batch& b, const Selection& sel, Vec& out) const;
    void binary(const Expr& e, const Batch& b, const Selection& sel, Vec& out) const;
    void logical(const Expr& e, const Batch& b, const Selection& sel, Vec& out) const;
    const RowEvaluator& rows_;
    const Frame* outer_;
};

} // namespace quarry::sandbox::sql::plan
