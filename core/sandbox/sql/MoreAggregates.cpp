// SPDX-License-Identifier: MIT
#include "sandbox/sql/MoreAggregates.h"

#include "sandbox/sql/SqlError.h"
#include "sandbox/sql/ValueOps.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
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
    case AggFn::ApproxTopSum: return "APPROX_TOP_SUM";
    default: return "APPROX_QUANTILES";
    }
}

/// The count argument of APPROX_TOP_COUNT / APPROX_QUANTILES: a literal or a parameter.
std::int64_t constantCount(const Expr& e) {
    const std::string n = nameOf(e.aggFn);
    const Expr& a = *e.args.back();
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

/// A weight as BigQuery prints it in its error: -1, -0.1, -inf, nan.
std::string weightText(const Value& w) {
    if (w.kind() == ValueKind::Int64) return std::to_string(w.asInt64());
    const double d = w.asDouble();
    if (d != d) return "nan";
    if (d == -HUGE_VAL) return "-inf";
    char buf[40];
    for (int precision = 1; precision <= 17; ++precision) { // the shortest that reads back
        std::snprintf(buf, sizeof buf, "%.*g", precision, d);
        if (std::strtod(buf, nullptr) == d) break;
    }
    return buf;
}

/// APPROX_TOP_SUM and APPROX_TOP_COUNT (weights of 1): each distinct value (held in order
/// first seen) with the sum of its non-NULL weights (NULL if it has none), greatest first, ties
/// in the order first seen.
Value topSums(AggState& s, const Expr& agg) {
    if (s.held.empty()) return {};
    const bool integral = agg.type.element().fields[1].second.kind == TypeKind::Int64;
    std::unordered_map<std::string, std::size_t> at;
    struct Entry {
        std::size_t first;
        bool any = false;
        std::int64_t isum = 0;
        double fsum = 0;
    };
    std::vector<Entry> sums;
    for (std::size_t i = 0; i < s.held.size(); ++i) {
        std::string key;
        appendKey(key, s.held[i][0]);
        const auto [it, fresh] = at.try_emplace(std::move(key), sums.size());
        if (fresh) sums.push_back({i});
        Entry& e = sums[it->second];
        const Value& w = s.held[i][1];
        if (w.isNull()) continue;
        if (integral && __builtin_add_overflow(e.isum, w.asInt64(), &e.isum))
            throw EvalError("int64 overflow: " + std::to_string(e.isum) + " + " + std::to_string(w.asInt64()));
        if (!integral) e.fsum += w.asDouble();
        e.any = true;
    }
    const auto greater = [&](const Entry& a, const Entry& b) {
        if (a.any != b.any) return a.any; // NULL sums last
        if (!a.any) return false;
        return integral ? a.isum > b.isum : a.fsum > b.fsum;
    };
    std::stable_sort(sums.begin(), sums.end(), greater);
    const std::size_t k = std::min(sums.size(), static_cast<std::size_t>(agg.value.asInt64()));
    Value out = Value::arrayOf(k);
    for (std::size_t i = 0; i < k; ++i) {
        Value row = Value::structOf(2);
        row[0] = s.held[sums[i].first][0];
        if (sums[i].any) row[1] = integral ? Value::int64(sums[i].isum) : Value::float64(sums[i].fsum);
        out[i] = std::move(row);
    }
    return out;
}

/// ORDER BY's order, NULLs first (APPROX_QUANTILES ... RESPECT NULLS).
bool before(const Value& a, const Value& b) {
    if (a.isNull() || b.isNull()) return a.isNull() && !b.isNull();
    return compareValues(a, b) < 0;
}

} // namespace

bool isMoreAggregate(AggFn fn) {
    return fn == AggFn::BitAnd || fn == AggFn::BitOr || fn == AggFn::BitXor || fn == AggFn::ApproxCountDistinct ||
           fn == AggFn::ApproxTopCount || fn == AggFn::ApproxTopSum || fn == AggFn::ApproxQuantiles;
}

void bindMoreAggregate(Expr& e) {
    const std::string n = nameOf(e.aggFn);
    const bool counted = e.aggFn == AggFn::ApproxTopCount || e.aggFn == AggFn::ApproxQuantiles;
    const std::size_t argc = e.aggFn == AggFn::ApproxTopSum ? 3 : counted ? 2 : 1;
    if (e.star || e.args.size() != argc)
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
        if (e.aggFn == AggFn::ApproxTopSum) {
            const SqlType& w = e.args[1]->type;
            if (!w.unknown && (w.array || (w.kind != TypeKind::Int64 && w.kind != TypeKind::Float64))) {
                if (!w.array && (w.kind == TypeKind::Numeric || w.kind == TypeKind::BigNumeric))
                    throw SqlError("APPROX_TOP_SUM over " + w.name() + " weights is not supported by the sandbox yet", e.args[1]->pos);
                throw SqlError("No matching signature for aggregate function APPROX_TOP_SUM for argument types: " + t.name() + ", " +
                                   w.name(),
                               e.pos);
            }
            row.fields[1] = {"sum", w.unknown ? SqlType::scalar(TypeKind::Int64) : w};
        }
        e.type = row.arrayOf();
    }
}

void addMoreAggregate(AggState& s, const Expr& agg, const Value& v, const Value* weight) {
    switch (agg.aggFn) {
    case AggFn::ApproxTopSum: {
        const Value w = weight ? *weight : Value();
        const bool negative = !w.isNull() && (w.kind() == ValueKind::Int64 ? w.asInt64() < 0 : !(w.asDouble() >= 0));
        if (negative)
            throw EvalError("APPROX_TOP_SUM does not support negative or NaN weights in the second argument; got " + weightText(w));
        s.held.push_back({v, w});
        return;
    }
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
        if (!v.isNull() && s.seen.insert(v, agg.collation)) ++s.count;
        return;
    case AggFn::ApproxQuantiles: {
        const bool respect = agg.aggMods && agg.aggMods->nulls == AggModifiers::Nulls::Respect;
        if (!v.isNull() || respect) s.list.push_back(v);
        return;
    }
    default: s.held.push_back({v, Value::int64(1)}); return; // APPROX_TOP_COUNT: a weight of 1 per row, NULL a value too
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
    default: return topSums(s, agg); // APPROX_TOP_SUM, APPROX_TOP_COUNT
    }
}

} // namespace quarry::sandbox::sql
