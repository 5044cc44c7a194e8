// SPDX-License-Identifier: MIT
#include "sandbox/sql/MoreAggregates.h"

#include "sandbox/sql/SqlError.h"
#include "sandbox/sql/ValueOps.h"

#include <algorithm>
#include <unordered_map>

namespace quarry::sandbox::sql {

namespace {

const char* nameOf(AggFn fn) {
    switch (fn) {
    case AggFn::BitAnd: return "BIT_AND";
    case AggFn::BitOr: return "BIT_OR";
    case AggFn::BitXor: return "BIT_XOR";
    case AggFn::ApproxCountDistinct: return "APPROX_COUNT_DISTINCT";
    case AggFn::ApproxTopCount: return "APPROX_TOP_COUNT";
    default: return "APPROX_QUANTILES";
    }
}

/// The count argument of APPROX_TOP_COUNT / APPROX_QUANTILES: a literal or a parameter.
std::int64_t constantCount(const Expr& e) {
    const std::string n = nameOf(e.aggFn);
    const Expr& a = *e.args[1];
    if (a.kind != Expr::Kind::Literal && a.kind != Expr::Kind::Param)
        throw SqlError("The second argument to " + n + " must be a literal or query parameter", a.pos);
    if (!a.type.unknown && (a.type.array || a.type.kind != TypeKind::Int64))
        throw SqlError("No matching signature for aggregate function " + n + " for argument types: " + e.args[0]->type.name() + ", " +
                           a.type.name(),
                       e.pos);
    if (a.value.isNull()) throw SqlError("The second argument to " + n + " function must not be NULL", a.pos);
    const std::int64_t count = a.value.asInt64();
    if (count <= 0) throw SqlError("The second argument to " + n + " function must be positive", a.pos);
    if (count > 100000) throw SqlError("The second argument to " + n + " function cannot be greater than 100000", a.pos);
    return count;
}

/// ORDER BY's order, NULLs first (APPROX_QUANTILES ... RESPECT NULLS).
bool before(const Value& a, const Value& b) {
    if (a.isNull() || b.isNull()) return a.isNull() && !b.isNull();
    return compareValues(a, b) < 0;
}

} // namespace

bool isMoreAggregate(AggFn fn) {
    return fn == AggFn::BitAnd || fn == AggFn::BitOr || fn == AggFn::BitXor || fn == AggFn::ApproxCountDistinct ||
           fn == AggFn::ApproxTopCount || fn == AggFn::ApproxQuantiles;
}

void bindMoreAggregate(Expr& e) {
    const std::string n = nameOf(e.aggFn);
    const bool counted = e.aggFn == AggFn::ApproxTopCount || e.aggFn == AggFn::ApproxQuantiles;
    if (e.star || e.args.size() != (counted ? 2u : 1u))
        throw SqlError("Number of arguments does not match for aggregate function " + n, e.pos);
    const SqlType& t = e.args[0]->type;
    if (e.aggFn == AggFn::BitAnd || e.aggFn == AggFn::BitOr || e.aggFn == AggFn::BitXor) {
        if (!t.unknown && (t.array || t.kind != TypeKind::Int64))
            throw SqlError("No matching signature for aggregate function " + n + " for argument types: " + t.name(), e.pos);
        e.type = SqlType::scalar(TypeKind::Int64);
        return;
    }
    if (e.distinct && e.aggFn != AggFn::ApproxCountDistinct) throw SqlError("Aggregate function " + n + " does not support DISTINCT", e.pos);
    // Counting needs groupable values (STRUCTs are); quantiles need orderable ones (they are not).
    const bool ungroupable = t.kind == TypeKind::Geography || t.kind == TypeKind::Json;
    const bool unorderable = ungroupable || t.kind == TypeKind::Struct;
    if (!t.unknown && (t.array || (e.aggFn == AggFn::ApproxQuantiles ? unorderable : ungroupable)))
        throw SqlError("No matching signature for aggregate function " + n + " for argument types: " + t.name(), e.pos);
    // Equal INTERVALs can be spelled differently (1 month, 30 days); which spelling BigQuery
    // reports for a count or a quantile is its own choice, so the sandbox does not guess.
    if (!t.unknown && t.kind == TypeKind::Interval && e.aggFn != AggFn::ApproxCountDistinct)
        throw SqlError(n + " over INTERVAL values is not supported by the sandbox yet", e.pos);
    const SqlType element = t.unknown ? SqlType::scalar(TypeKind::Int64) : t;
    if (e.aggFn == AggFn::ApproxCountDistinct) {
        e.type = SqlType::scalar(TypeKind::Int64);
    } else if (e.aggFn == AggFn::ApproxQuantiles) {
        e.value = Value::int64(constantCount(e));
        e.type = element.arrayOf();
    } else {
        e.value = Value::int64(constantCount(e));
        SqlType row = SqlType::scalar(TypeKind::Struct);
        row.fields = {{"value", element}, {"count", SqlType::scalar(TypeKind::Int64)}};
        e.type = row.arrayOf();
    }
}

void addMoreAggregate(AggState& s, const Expr& agg, const Value& v) {
    switch (agg.aggFn) {
    case AggFn::BitAnd:
    case AggFn::BitOr:
    case AggFn::BitXor: {
        if (v.isNull()) return;
        const std::int64_t x = v.asInt64();
        if (!s.any) s.isum = x;
        else if (agg.aggFn == AggFn::BitAnd) s.isum &= x;
        else if (agg.aggFn == AggFn::BitOr) s.isum |= x;
        else s.isum ^= x;
        s.any = true;
        return;
    }
    case AggFn::ApproxCountDistinct:
        if (!v.isNull() && s.seen.insert(v)) ++s.count;
        return;
    case AggFn::ApproxQuantiles: {
        const bool respect = agg.aggMods && agg.aggMods->nulls == AggModifiers::Nulls::Respect;
        if (!v.isNull() || respect) s.list.push_back(v);
        return;
    }
    default: s.list.push_back(v); return; // APPROX_TOP_COUNT counts NULL as a value
    }
}

Value finishMoreAggregate(AggState& s, const Expr& agg) {
    switch (agg.aggFn) {
    case AggFn::BitAnd:
    case AggFn::BitOr:
    case AggFn::BitXor: return s.any ? Value::int64(s.isum) : Value();
    case AggFn::ApproxCountDistinct: return Value::int64(s.count);
    case AggFn::ApproxQuantiles: {
        if (s.list.empty()) return {};
        std::stable_sort(s.list.begin(), s.list.end(), before);
        const auto n = static_cast<std::size_t>(agg.value.asInt64()), last = s.list.size() - 1;
        Value out = Value::arrayOf(n + 1);
        for (std::size_t i = 0; i <= n; ++i) out[i] = s.list[i * last / n]; // the lower of the two nearest ranks
        return out;
    }
    default: { // APPROX_TOP_COUNT: the most frequent values, ties in the order first seen
        if (s.list.empty()) return {};
        std::unordered_map<std::string, std::size_t> at;
        std::vector<std::pair<std::size_t, std::int64_t>> counts; // first index, count
        for (std::size_t i = 0; i < s.list.size(); ++i) {
            std::string key;
            appendKey(key, s.list[i]);
            const auto [it, fresh] = at.try_emplace(std::move(key), counts.size());
            if (fresh) counts.push_back({i, 0});
            ++counts[it->second].second;
        }
        std::stable_sort(counts.begin(), counts.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
        const std::size_t k = std::min(counts.size(), static_cast<std::size_t>(agg.value.asInt64()));
        Value out = Value::arrayOf(k);
        for (std::size_t i = 0; i < k; ++i) {
            Value row = Value::structOf(2);
            row[0] = s.list[counts[i].first];
            row[1] = Value::int64(counts[i].second);
            out[i] = std::move(row);
        }
        return out;
    }
    }
}

} // namespace quarry::sandbox::sql
