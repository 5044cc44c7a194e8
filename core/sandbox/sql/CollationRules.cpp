// SPDX-License-Identifier: MIT
#include "sandbox/sql/CollationRules.h"

namespace quarry::sandbox::sql {

const std::string& collationOf(const SqlType& t) {
    static const std::string none;
    return !t.unknown && t.kind == TypeKind::String ? t.collation : none;
}

std::string mergeCollation(const std::string& a, const std::string& b, Pos pos, std::string_view what) {
    if (a.empty() || a == b) return b.empty() ? a : b;
    if (b.empty()) return a;
    throw SqlError("Collation conflict: \"" + a + "\" vs. \"" + b + "\". Collation" +
                       (what.empty() ? std::string() : " for " + std::string(what)) + " is different on its arguments",
                   pos);
}

const Collation* collationNamed(const std::string& name, Pos pos) {
    try {
        return Collation::named(name);
    } catch (const CollationError& ex) {
        throw SqlError(ex.what(), pos);
    }
}

const Collation* collationOfType(const SqlType& t) {
    const std::string& name = collationOf(t);
    return name.empty() ? nullptr : effective(Collation::named(name));
}

const Collation* comparisonCollation(const std::vector<const SqlType*>& types, Pos pos, std::string_view what) {
    std::string merged;
    for (const SqlType* t : types) merged = mergeCollation(merged, collationOf(*t), pos, what);
    return effective(collationNamed(merged, pos));
}

void propagateCollation(SqlType& result, const std::vector<SqlType>& args, Pos pos, std::string_view fn) {
    if (result.unknown || result.kind != TypeKind::String || !result.collation.empty()) return;
    std::string merged;
    for (const auto& a : args) merged = mergeCollation(merged, collationOf(a), pos, fn);
    result.collation = merged;
}

bool searchesUnderCollation(const std::string& fn) {
    return fn == "REPLACE" || fn == "SPLIT" || fn == "STRPOS" || fn == "INSTR" || fn == "STARTS_WITH" || fn == "ENDS_WITH";
}

void bindCollateCall(Expr& e) {
    if (e.args.size() != 2) throw SqlError("Number of arguments does not match for function COLLATE. Supported signature: COLLATE(STRING, STRING)", e.pos);
    const Expr& spec = *e.args[1];
    if (spec.kind != Expr::Kind::Literal || spec.value.kind() != ValueKind::String)
        throw SqlError("The second argument of COLLATE() must be a string literal", e.pos);
    const SqlType& t = e.args[0]->type;
    if (!t.unknown && (t.array || t.kind != TypeKind::String))
        throw SqlError("No matching signature for function COLLATE for argument types: " + t.name() + ", STRING", e.pos);
    const std::string name(spec.value.asText());
    collationNamed(name, spec.pos);
    e.type = SqlType::scalar(TypeKind::String);
    e.type.collation = name;
}

const Collation* orderCollation(const OrderItem& o, const Expr* param) {
    if (!o.hasCollate) return effective(collationNamed(collationOf(o.expr->type), o.expr->pos));
    if (!o.expr->type.unknown && (o.expr->type.array || o.expr->type.kind != TypeKind::String))
        throw SqlError("COLLATE can only be applied to expressions of type STRING, but was applied to " + o.expr->type.name(),
                       o.collatePos);
    std::string name = o.collate;
    if (param) {
        if (param->value.isNull()) throw SqlError("COLLATE requires non-NULL collation name", o.collatePos);
        if (param->value.kind() != ValueKind::String)
            throw SqlError("COLLATE must be followed by a string literal or a string parameter", o.collatePos);
        name = std::string(param->value.asText());
    }
    return effective(collationNamed(name, o.collatePos));
}

} // namespace quarry::sandbox::sql
