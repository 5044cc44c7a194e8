// SPDX-License-Identifier: MIT
#include "sandbox/sql/ArrayFunctions.h"

#include "sandbox/sql/FunctionHelpers.h"
#include "sandbox/sql/ValueOps.h"
#include "sandbox/sql/plan/KeyHash.h"

namespace quarry::sandbox::sql {

using K = TypeKind;
using namespace fn;

std::optional<SqlType> bindArrayFunction(const Expr& c, const std::vector<SqlType>& a) {
    const auto& n = c.op;
    if (n != "ARRAY_IS_DISTINCT" && n != "ARRAY_FIRST" && n != "ARRAY_LAST" && n != "ARRAY_MIN" && n != "ARRAY_MAX") return std::nullopt;
    if (a.size() != 1 || (!a[0].unknown && !a[0].array)) noSignature(c, a);
    const SqlType el = a[0].element();
    if (n == "ARRAY_IS_DISTINCT") {
        if (!a[0].unknown && (el.kind == K::Json || el.kind == K::Geography)) noSignature(c, a);
        return S(K::Bool);
    }
    // ARRAY_MIN and ARRAY_MAX order the elements: not STRUCTs, JSON or GEOGRAPHY.
    if ((n == "ARRAY_MIN" || n == "ARRAY_MAX") && !a[0].unknown &&
        (el.kind == K::Struct || el.kind == K::Json || el.kind == K::Geography || el.kind == K::Range))
        noSignature(c, a);
    return a[0].unknown ? S(K::Int64) : el;
}

Value arrayMinMax(const Expr& c, const Args& a) {
    // The smallest (largest) element that is not NULL, as MIN (MAX) over the elements: NULL
    // when there is none, NaN when there is one, the first of equal elements.
    const bool min = c.op == "ARRAY_MIN";
    const Value* best = nullptr;
    for (const auto& v : a[0].items()) {
        if (v.isNull()) continue;
        if (isNaN(v)) return v;
        const int cmp = best ? compareValues(v, *best, c.collation) : 0;
        if (!best || (min ? cmp < 0 : cmp > 0)) best = &v;
    }
    return best ? *best : Value();
}

std::optional<Value> callArrayFunction(const Expr& c, std::vector<Value>& a) {
    const auto& n = c.op;
    if (n != "ARRAY_IS_DISTINCT" && n != "ARRAY_FIRST" && n != "ARRAY_LAST") return std::nullopt;
    const Value& arr = a[0];
    if (arr.isNull()) return Value();
    if (n == "ARRAY_IS_DISTINCT") { // equal as GROUP BY sees it: two NULLs are not distinct
        DistinctSet seen;
        for (const auto& v : arr.items())
            if (!seen.insert(v, c.collation)) return Value::boolean(false);
        return Value::boolean(true);
    }
    if (arr.size() == 0)
        throw EvalError(n + (n == "ARRAY_FIRST" ? " cannot get the first element of an empty array" : " cannot get the last element of an empty array"));
    return n == "ARRAY_FIRST" ? arr[0] : arr[arr.size() - 1];
}

} // namespace quarry::sandbox::sql
