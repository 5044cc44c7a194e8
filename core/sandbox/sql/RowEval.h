// SPDX-License-Identifier: MIT
#pragma once

#include "sandbox/sql/Ast.h"
#include "sandbox/sql/ValueOps.h"
#include "sandbox/sql/plan/KeyHash.h"

#include <string>
#include <vector>

namespace quarry::sandbox::sql {

/// What a bound expression is evaluated against: the current row's range variables (by
/// slot), or, after grouping, its group's aggregates and keys; analytic values; the
/// enclosing query's row for a correlated subquery.
struct Frame {
    const Value* const* vars = nullptr;
    const std::vector<Value>* aggs = nullptr;
    const std::vector<Value>* keys = nullptr;
    const Value* windows = nullptr; ///< this row's analytic function values, by windowIndex
    const Frame* outer = nullptr;   ///< the enclosing query's row, for a correlated subquery
};

/// One aggregate's running state.
struct AggState {
    std::int64_t count = 0;
    bool any = false;
    Value best;
    long double fsum = 0; ///< wider than a double: 1.7e308 + 1.7e307 - 1.7e308 stays finite
    bool nonFinite = false; ///< an input was NaN or infinite (then so may the result be)
    /// INT64 inputs of SUM and AVG, summed exactly (an out-of-range SUM is an error when the
    /// group is done).
    Num128 wide = 0;
    /// NUMERIC sums in two parts, whole units and the scaled remainder, so that adding values
    /// near NUMERIC's limit cannot overflow 128 bits (the total is checked at the end).
    Num128 nunits = 0, nsum = 0;
    /// INTERVAL sums: months in nunits, nanoseconds in nsum, days here.
    Num128 idays = 0;
    std::int64_t isum = 0; ///< BIT_AND, BIT_OR, BIT_XOR
    /// STDDEV, VAR, COVAR, CORR: running means and sums of squared (co)deviations, updated as
    /// Welford's method does (no cancellation of large sums); x is the first argument.
    long double meanX = 0, meanY = 0, m2X = 0, m2Y = 0, coMoment = 0;
    /// NUMERIC inputs count from the first one seen (exactly), so that values differing
    /// only in their 30th digit still differ as long doubles.
    bool haveOriginX = false, haveOriginY = false;
    Num128 originX = 0, originY = 0;
    bool logical = true;
    std::vector<Value> list;
    std::string text;
    DistinctSet seen; ///< DISTINCT inputs
    /// An aggregate with ORDER BY or LIMIT holds its inputs until it finishes: each is the
    /// value, the separator (STRING_AGG) or NULL, then the ORDER BY keys. APPROX_TOP_SUM and
    /// APPROX_TOP_COUNT hold value and weight.
    std::vector<std::vector<Value>> held;
    /// HAVING MAX|MIN: the greatest (least) value seen so far; the state holds only the rows
    /// that have it. A NaN is greatest and least and equals no row, so then none are kept.
    Value havingBest;
    bool havingAny = false, havingNaN = false;
};

/// HAVING MAX|MIN over one more row whose having value is `h`: whether the row's value is
/// to be added; a new best first empties the state.
inline bool admitHaving(AggState& s, const Value& h, bool max) {
    if (h.isNull() || s.havingNaN) return false;
    const bool nan = h.kind() == ValueKind::Float64 && h.asDouble() != h.asDouble();
    int c = 1;
    if (!nan && s.havingAny) {
        c = compareValues(h, s.havingBest);
        if (!max) c = -c;
    }
    if (c < 0) return false;
    if (c > 0) {
        AggState fresh;
        fresh.havingAny = true;
        fresh.havingNaN = nan;
        fresh.havingBest = h;
        s = std::move(fresh);
    }
    return !nan;
}

/// The row-at-a-time evaluator of a bound query, which the plan executor calls for what it
/// does not evaluate over a whole batch itself (and for aggregates).
class RowEvaluator {
public:
    virtual ~RowEvaluator() = default;
    virtual Value eval(const Expr& e, const Frame& f) const = 0;
    /// Adds one value to an aggregate; `sep` is STRING_AGG's separator.
    virtual void add(AggState& s, const Expr& agg, const Value& v, const Value* sep) const = 0;
    virtual Value finish(AggState& s, const Expr& agg) const = 0;
};

} // namespace quarry::sandbox::sql
