// SPDX-License-Identifier: MIT
#include "sandbox/sql/ArrayFunctions.h"

#include "sandbox/sql/FunctionHelpers.h"
#include "sandbox/sql/plan/KeyHash.h"

namespace quarry::sandbox::sql {

using K = TypeKind;
using namespace fn;

std::optional<SqlType> bindArrayFunction(const Expr& c, const std::vector<SqlType>& a) {
    const auto& n = c.op;
    if (n != "ARRAY_IS_DISTINCT" && n != "ARRAY_FIRST" && n != "ARRAY_LAST") return std::nullopt;
    if (a.size() != 1 || (!a[0].unknown && !a[0].array)) noSignature(c, a);
    if (n == "ARRAY_IS_DISTINCT") {
        const SqlType el = a[0].element();
        if (!a[0].unknown && (el.kind == K::Json || el.kind == K::Geography)) noSignature(c, a);
        return S(K::Bool);
    }
    return a[0].unknown ? S(K::Int64) : a[0].element();
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
