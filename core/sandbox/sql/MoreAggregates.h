// SPDX-License-Identifier: MIT
#pragma once

#include "sandbox/sql/Ast.h"
#include "sandbox/sql/RowEval.h"

namespace quarry::sandbox::sql {

/// BIT_AND, BIT_OR, BIT_XOR, APPROX_COUNT_DISTINCT, APPROX_TOP_COUNT, APPROX_TOP_SUM and
/// APPROX_QUANTILES.
/// The APPROX_ ones are computed exactly: an answer BigQuery's sketches may also give, and
/// the one they give on small inputs.
bool isMoreAggregate(AggFn fn);

/// Checks the call's arguments and sets its type; for APPROX_TOP_COUNT, APPROX_TOP_SUM and
/// APPROX_QUANTILES reads the constant count (the last argument) into `e.value`. SqlError as BigQuery words it.
void bindMoreAggregate(Expr& e);

/// `weight`: APPROX_TOP_SUM's second argument.
void addMoreAggregate(AggState& s, const Expr& agg, const Value& v, const Value* weight);
Value finishMoreAggregate(AggState& s, const Expr& agg);

} // namespace quarry::sandbox::sql
