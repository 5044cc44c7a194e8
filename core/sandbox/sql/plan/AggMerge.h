// SPDX-License-Identifier: MIT
#pragma once

#include "sandbox/sql/RowEval.h"

namespace quarry::sandbox::sql::plan {

/// Whether two states of `agg`, one from a run of rows and one from the rows right after it,
/// can be combined into exactly the state one pass over all of them leaves (the same value,
/// bit for bit, and the same errors): true for COUNT, COUNTIF, SUM and AVG of INT64, NUMERIC
/// and INTERVAL, MIN, MAX, ANY_VALUE, ARRAY_AGG, ARRAY_CONCAT_AGG, STRING_AGG with a constant
/// separator, LOGICAL_AND/OR, BIT_AND/OR/XOR. Not for FLOAT64 sums (rounding depends on the
/// order), the statistics, APPROX_*, DISTINCT, ORDER BY, LIMIT or HAVING MAX|MIN.
bool mergeable(const Expr& agg);

/// Adds `later` (the state of the rows after those `into` saw) into `into`, for a mergeable
/// `agg`; `rows` is the evaluator whose add() filled both.
void mergeInto(AggState& into, AggState&& later, const Expr& agg, const RowEvaluator& rows);

} // namespace quarry::sandbox::sql::plan
