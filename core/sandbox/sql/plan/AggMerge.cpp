// SPDX-License-Identifier: MIT
// Combining aggregate states of consecutive runs of rows (a scan split over threads). Each
// rule mirrors what the row evaluator's add() does with one more row, so the combined state
// is the one a single pass leaves: counts and exact sums add up, a run's best value or
// logical result is added as one more row, lists and texts are appended.
#include "sandbox/sql/plan/AggMerge.h"

#include <iterator>

namespace quarry::sandbox::sql::plan {
namespace {

bool exactSum(const Expr& agg) {
    switch (agg.type.kind) {
    case TypeKind::Int64:
    case TypeKind::Numeric:
    case TypeKind::BigNumeric:
    case TypeKind::Interval: return true;
    case TypeKind::Float64: // AVG of INT64 sums its inputs exactly (AggState::wide)
        return agg.aggFn == AggFn::Avg && !agg.args.empty() && agg.args[0]->type.kind == TypeKind::Int64;
    default: return false;
    }
}

/// STRING_AGG's separator, the same on every row: a constant that is not NULL, or none (",").
bool constantSeparator(const Expr& agg) {
    if (agg.args.size() < 2) return true;
    const Expr& sep = *agg.args[1];
    return sep.kind == Expr::Kind::Literal && !sep.value.isNull();
}

} // namespace

bool mergeable(const Expr& agg) {
    if (agg.aggMods && (agg.aggMods->holdsInputs() || agg.aggMods->having)) return false;
    if (agg.star) return true;
    // DISTINCT: merging two parts' sets costs what adding the later part's values to one set
    // did, so a split would gain nothing (until groups are partitioned by key hash).
    if (agg.distinct) return false;
    switch (agg.aggFn) {
    case AggFn::Count:
    case AggFn::CountIf:
    case AggFn::Min:
    case AggFn::Max:
    case AggFn::AnyValue:
    case AggFn::ArrayAgg:
    case AggFn::LogicalAnd:
    case AggFn::LogicalOr:
    case AggFn::BitAnd:
    case AggFn::BitOr:
    case AggFn::BitXor: return true;
    case AggFn::ArrayConcatAgg: return true;
    case AggFn::StringAgg: return constantSeparator(agg);
    case AggFn::Sum:
    case AggFn::Avg: return exactSum(agg);
    default: return false;
    }
}

void mergeInto(AggState& into, AggState&& later, const Expr& agg, const RowEvaluator& rows) {
    if (agg.star) {
        into.count += later.count;
        return;
    }
    switch (agg.aggFn) {
    case AggFn::Count:
    case AggFn::CountIf: into.count += later.count; return;
    case AggFn::Sum:
    case AggFn::Avg:
        into.any = into.any || later.any;
        into.count += later.count;
        into.wide += later.wide;
        into.nunits += later.nunits;
        into.nsum += later.nsum;
        into.idays += later.idays;
        into.fsum += later.fsum; // zero for the exact sums mergeable() admits
        into.nonFinite = into.nonFinite || later.nonFinite;
        return;
    case AggFn::ArrayConcatAgg:
        into.any = into.any || later.any;
        into.count += later.count;
        [[fallthrough]];
    case AggFn::ArrayAgg:
        into.list.insert(into.list.end(), std::make_move_iterator(later.list.begin()), std::make_move_iterator(later.list.end()));
        return;
    case AggFn::StringAgg:
        if (!later.any) return;
        if (into.any) into.text.append(agg.args.size() > 1 ? agg.args[1]->value.asText() : std::string_view(","));
        into.text.append(later.text);
        into.any = true;
        into.count += later.count;
        return;
    case AggFn::LogicalAnd:
    case AggFn::LogicalOr:
        if (later.any) rows.add(into, agg, Value::boolean(later.logical), nullptr);
        return;
    case AggFn::BitAnd:
    case AggFn::BitOr:
    case AggFn::BitXor:
        if (later.any) rows.add(into, agg, Value::int64(later.isum), nullptr);
        return;
    default: // MIN, MAX, ANY_VALUE: the later run's pick is one more row
        if (later.any) rows.add(into, agg, later.best, nullptr);
        return;
    }
}

} // namespace quarry::sandbox::sql::plan
