// SPDX-License-Identifier: MIT
// Binding expressions: names and paths, user functions, calls and their types, subqueries, windows.
#include "sandbox/sql/EngineImpl.h"

namespace quarry::sandbox::sql {

void PreparedQuery::Impl::resolvePath(Expr& e, const BindCtx& bc) {
    const auto& p = e.path;
    std::size_t rest = 0;
    for (std::size_t v = 0; v < bc.visible; ++v) {
        if (!vars[v].name.empty() && iequals(vars[v].name, p[0])) {
            e.slot = static_cast<int>(v);
            rest = 1;
            break;
        }
    }
    SqlType t;
    if (e.slot >= 0) {
        t = vars[static_cast<std::size_t>(e.slot)].type;
    } else {
        int found = -1, idx = -1;
        for (std::size_t v = 0; v < bc.visible; ++v) {
            const auto& var = vars[v];
            if (!var.type.isStruct() || (!var.table && !var.name.empty())) continue;
            for (std::size_t k = 0; k < var.type.fields.size(); ++k) {
                if (!iequals(var.type.fields[k].first, p[0]) || var.hidden.count(static_cast<int>(k))) continue;
                if (found >= 0) err("Column name " + p[0] + " is ambiguous", e.pos);
                found = static_cast<int>(v);
                idx = static_cast<int>(k);
            }
        }
        if (found < 0 && p.size() == 1 && bindPartitionTime(e, p[0], -1, bc)) return;
        if (found < 0 && outerQuery) {
            BindCtx up;
            up.visible = outerVisible;
            outerQuery->resolvePath(e, up);
            if (e.kind == Expr::Kind::Cast) { // an outer table's _PARTITIONDATE
                ++e.args[0]->outerDepth;
                correlated = true;
                return;
            }
            if (e.kind != Expr::Kind::Path) return; // a script variable
            ++e.outerDepth;
            correlated = true;
            return;
        }
        if (found < 0 && readVariable(e)) return;
        if (found < 0) err("Unrecognized name: " + p[0], e.pos);
        e.slot = found;
        e.fieldPath.push_back(idx);
        t = vars[static_cast<std::size_t>(found)].type.fields[static_cast<std::size_t>(idx)].second;
        rest = 1;
    }
    if (rest == 1 && p.size() == 2 && e.fieldPath.empty() && bindPartitionTime(e, p[1], e.slot, bc)) return;
    for (std::size_t i = rest; i < p.size(); ++i) {
        if (!t.isStruct())
            err("Cannot access field " + p[i] + " on a value with type " + t.name(), e.pos);
        int idx = -1;
        for (std::size_t k = 0; k < t.fields.size(); ++k)
            if (iequals(t.fields[k].first, p[i])) {
                idx = static_cast<int>(k);
                break;
            }
        if (idx < 0) err("Field name " + p[i] + " does not exist in " + t.name(), e.pos);
        e.fieldPath.push_back(idx);
        SqlType next = t.fields[static_cast<std::size_t>(idx)].second;
        t = std::move(next);
    }
    e.type = t;
    auto& var = vars[static_cast<std::size_t>(e.slot)];
    if (var.table) {
        if (useSink) useSink->emplace_back(e.slot, e.fieldPath.empty() ? -1 : e.fieldPath[0]); // a select-list column's
        else if (e.fieldPath.empty()) var.usedWhole = true;
        else var.used.insert(e.fieldPath[0]);
    }
}

bool PreparedQuery::Impl::bindPartitionTime(Expr& e, const std::string& name, int slot, const BindCtx& bc) {
    const bool date = iequals(name, "_PARTITIONDATE");
    if (!date && !iequals(name, TableData::kPartitionTime)) return false;
    const auto has = [&](const Var& v) {
        return v.table && v.partitioning && v.partitioning->ingestion && (!date || v.partitioning->unit == TableData::Partitioning::Unit::Day);
    };
    if (slot < 0) {
        for (std::size_t v = 0; v < bc.visible; ++v) {
            if (!has(vars[v])) continue;
            if (slot >= 0) err("Column name " + name + " is ambiguous", e.pos);
            slot = static_cast<int>(v);
        }
    }
    if (slot < 0 || !has(vars[static_cast<std::size_t>(slot)])) return false;
    // Not a column the query is billed for: no use is recorded.
    e.slot = slot;
    e.fieldPath = {vars[static_cast<std::size_t>(slot)].partitioning->column};
    e.type = SqlType::scalar(TypeKind::Timestamp);
    if (!date) return true;
    auto time = std::make_unique<Expr>(std::move(e));
    Expr cast;
    cast.kind = Expr::Kind::Cast;
    cast.pos = time->pos;
    cast.castType = SqlType::scalar(TypeKind::Date);
    cast.type = cast.castType;
    cast.args.push_back(std::move(time));
    e = std::move(cast);
    return true;
}

bool PreparedQuery::Impl::readVariable(Expr& e) const {
    const auto it = ctx.variables.find(lower(e.path[0]));
    if (it == ctx.variables.end()) return false;
    auto v = std::make_unique<Expr>();
    v->kind = Expr::Kind::Literal;
    v->pos = e.pos;
    v->value = it->second.value;
    v->type = it->second.type;
    v = fieldsBelow(std::move(v), e);
    Expr replaced = std::move(*v);
    e = std::move(replaced);
    if (e.kind == Expr::Kind::Field) const_cast<Impl*>(this)->bind(e, BindCtx{});
    return true;
}

bool PreparedQuery::Impl::expandUserFunction(Expr& e, const BindCtx& bc) {
    std::vector<std::string> name = e.path.empty() ? std::vector<std::string>{e.op} : e.path;
    if (name.size() == 2) { // namespaced built-ins: NET.HOST, KEYS.NEW_KEYSET, AEAD.ENCRYPT, ...
        const std::string ns = text::upper(name[0]);
        for (const char* builtin : {"NET", "HLL_COUNT", "KEYS", "AEAD", "DETERMINISTIC_ENCRYPT", "DETERMINISTIC_DECRYPT", "KLL_QUANTILES", "S2"})
            if (ns == builtin) err("The function " + e.op + " is not supported by the sandbox yet", e.pos);
    }
    std::shared_ptr<const UdfDef> def = ctx.resolveFunction ? ctx.resolveFunction(name, e.pos) : nullptr;
    if (!def) {
        if (!e.path.empty()) err("Function not found: " + e.op, e.pos);
        return false;
    }
    struct Depth {
        Depth(Pos p) {
            if (udfDepth >= 32)
                throw SqlError("User-defined functions call each other more than 32 deep (a function may not call itself)", p);
            ++udfDepth;
        }
        ~Depth() { --udfDepth; }
    } depth(e.pos);
    expandUdfCall(e, *def);
    bind(e, bc);
    return true;
}

void PreparedQuery::Impl::bindUdfCoercion(Expr& e, const BindCtx& bc) {
    bind(*e.args[0], bc);
    Expr& a = *e.args[0];
    if (a.kind == Expr::Kind::Literal && a.value.kind() == ValueKind::String && !a.type.unknown) coerceStringLiteral(a, e.castType);
    if (!coercesTo(a.type, e.castType)) {
        if (e.op == "udf-arg")
            err("No matching signature for function " + e.path[0] + " for argument types: " + a.type.name() + " (argument " +
                    e.path[1] + "). Supported signature: " + e.path[2],
                a.pos);
        err("Function " + e.path[0] + " is declared to return " + e.castType.name() + " but its body gives " + a.type.name(), e.pos);
    }
    // The node stays a CAST even between equal types: the argument is bound in place, and
    // an aggregate or analytic call in it is known to the binder by its address.
    e.op.clear();
    e.path.clear();
    e.type = e.castType;
}

void PreparedQuery::Impl::bind(Expr& e, const BindCtx& bc) {
    using K = Expr::Kind;
    switch (e.kind) {
    case K::Literal:
        if (e.op == "int-min") err("Invalid integer literal: 9223372036854775808", e.pos);
        return;
    case K::Param: {
        const Param* p = nullptr;
        if (e.paramIndex >= 0) {
            if (static_cast<std::size_t>(e.paramIndex) < ctx.positionalParams.size())
                p = &ctx.positionalParams[static_cast<std::size_t>(e.paramIndex)];
            else err("Query has more positional parameters than were given", e.pos);
        } else if (e.op.starts_with("@@")) {
            const auto it = ctx.variables.find(lower(e.op));
            if (it == ctx.variables.end()) err("Unrecognized system variable " + e.op, e.pos);
            p = &it->second;
        } else {
            const auto it = ctx.namedParams.find(lower(e.op));
            if (it == ctx.namedParams.end()) err("Query parameter '" + e.op + "' not found", e.pos);
            p = &it->second;
        }
        e.type = p->type;
        e.value = p->value;
        return;
    }
    case K::Path: resolvePath(e, bc); return;
    case K::Unary: {
        bind(*e.args[0], bc);
        const auto& t = e.args[0]->type;
        if (e.op == "NOT") {
            if (!t.unknown && (t.array || t.kind != TypeKind::Bool))
                err("No matching signature for operator NOT for argument types: " + t.name(), e.pos);
            e.type = SqlType::scalar(TypeKind::Bool);
        } else {
            if (!t.unknown && !t.isNumeric() && !(e.op == "-" && !t.array && t.kind == TypeKind::Interval))
                err("No matching signature for operator " + e.op + " for argument types: " + t.name(), e.pos);
            e.type = t.unknown ? SqlType::scalar(TypeKind::Int64) : t;
        }
        return;
    }
    case K::Binary:
        bind(*e.args[0], bc);
        bind(*e.args[1], bc);
        if (e.op == "+" || e.op == "-" || e.op == "*" || e.op == "/")
            for (const auto& a : e.args)
                if (a->kind == K::Literal && a->value.isNull() && a->type.unknown)
                    err("Operands of " + e.op + " cannot be literal NULL", a->pos);
        e.type = binaryType(e.op, e.args[0]->type, e.args[1]->type, e.pos);
        if (e.op == "=" || e.op == "!=" || e.op == "<" || e.op == "<=" || e.op == ">" || e.op == ">=")
            e.collation = comparisonCollation({&e.args[0]->type, &e.args[1]->type}, e.pos, "operator " + e.op);
        else if (e.op == "||") propagateCollation(e.type, {e.args[0]->type, e.args[1]->type}, e.pos, "operator ||");
        return;
    case K::Call: {
        // The legacy translation rewrites every WITHIN it can; one left is in a place it
        // does not reach (a query over a subquery, say): an error, not a plain aggregate.
        if (!e.within.empty()) err("WITHIN " + e.within + " is not supported by the sandbox here (only over a table)", e.pos);
        if ((!e.path.empty() || ctx.resolveFunction) && expandUserFunction(e, bc)) return;
        e.fn = findFunction(e.op);
        if (e.fn && e.fn->stability != Stability::Immutable) nondeterministic = true;
        if (e.window) {
            bindWindow(e, bc);
            return;
        }
        if (e.fn && e.fn->kind == FunctionKind::Analytic) err("Analytic function " + e.op + " cannot be called without an OVER clause", e.pos);
        if (e.op == "GROUPING") {
            bindGrouping(e, bc);
            return;
        }
        if (e.fn && e.fn->kind == FunctionKind::Aggregate) {
            if (bc.aggContext) err("Aggregate function " + e.op + " not allowed in " + bc.aggContext, e.pos);
            if (bc.inAgg) err("Aggregations of aggregations are not allowed", e.pos);
            BindCtx inner = bc;
            inner.inAgg = true;
            for (auto& a : e.args) bind(*a, inner);
            bindAggregate(e);
            collateCall(e);
            if (e.aggMods) bindAggModifiers(e, inner);
            e.isAggregate = true;
            e.aggIndex = static_cast<int>(aggs.size());
            aggs.push_back(&e);
            return;
        }
        if (e.aggMods) err("IGNORE NULLS, ORDER BY and LIMIT belong to aggregate function calls; " + e.op + " is not one", e.aggMods->pos);
        if (e.star) err("Function " + e.op + " does not accept *", e.pos);
        if (e.op == "INTERVAL" && (!bc.intervalArg || e.args.size() == 3)) {
            bindIntervalValue(e, bc);
            return;
        }
        std::vector<SqlType> types;
        BindCtx argCtx = bc;
        argCtx.intervalArg = takesInterval(e.op);
        for (auto& a : e.args) {
            bind(*a, argCtx);
            types.push_back(a->type);
        }
        typeEmptyArrays(e, types);
        coerceTimeLiterals(e, types);
        if (e.op == "COLLATE") {
            bindCollateCall(e);
            return;
        }
        e.type = bindFunction(e, types);
        // Every function the evaluators know is in the catalog; one that is not would be
        // evaluated by name after all: say so instead.
        if (!e.fn) err("Function " + e.op + " is missing from the sandbox's function catalog (a sandbox defect)", e.pos);
        compileConstantPattern(e);
        collateCall(e);
        return;
    }
    case K::Cast: {
        if (e.op == "udf-arg" || e.op == "udf-return") {
            bindUdfCoercion(e, bc);
            return;
        }
        bind(*e.args[0], bc);
        if (!castable(e.args[0]->type, e.castType))
            err("Invalid cast from " + e.args[0]->type.name() + " to " + e.castType.name(), e.pos);
        // A FLOAT64 literal cast to NUMERIC or BIGNUMERIC is read from its digits as
        // written, as BigQuery does (9999999.999999999 is not the double's 9999999.9999999981).
        if (const Expr& a = *e.args[0]; a.kind == K::Literal && a.value.kind() == ValueKind::Float64 && a.path.size() == 1 &&
                                       !e.castType.array && (e.castType.kind == TypeKind::Numeric || e.castType.kind == TypeKind::BigNumeric)) {
            try {
                e.value = castValue(Value::string(a.path[0]), e.castType, e.safe);
            } catch (const EvalError& ex) {
                err(ex.what(), a.pos);
            }
            e.kind = K::Literal;
            e.type = e.castType;
            e.args.clear();
            return;
        }
        if (e.op == "literal") {
            try {
                e.value = castValue(e.args[0]->value, e.castType, false);
            } catch (const EvalError& ex) {
                if (std::string_view(ex.what()).find("not supported by the sandbox") != std::string_view::npos)
                    err(ex.what(), e.args[0]->pos);
                err("Invalid " + e.castType.name() + " literal: \"" + std::string(e.args[0]->value.asText()) + "\"",
                    e.args[0]->pos);
            }
            e.kind = K::Literal;
            e.args.clear();
        }
        e.type = e.castType;
        return;
    }
    case K::Case: {
        for (auto& a : e.args) bind(*a, bc);
        std::size_t i = 0;
        if (e.hasOperand) ++i;
        std::vector<SqlType> results;
        const std::size_t whenEnd = e.args.size() - (e.hasElse ? 1 : 0);
        for (; i + 1 < whenEnd; i += 2) {
            if (e.hasOperand) binaryType("=", e.args[0]->type, e.args[i]->type, e.args[i]->pos);
            else if (!e.args[i]->type.unknown && (e.args[i]->type.array || e.args[i]->type.kind != TypeKind::Bool))
                err("CASE WHEN condition must be BOOL, not " + e.args[i]->type.name(), e.args[i]->pos);
            results.push_back(e.args[i + 1]->type);
        }
        if (e.hasElse) results.push_back(e.args.back()->type);
        e.type = commonType(results, e.pos, "CASE");
        if (e.hasOperand) { // the operand and every WHEN value compare under one collation
            std::vector<const SqlType*> compared{&e.args[0]->type};
            for (std::size_t w = 1; w + 1 < whenEnd; w += 2) compared.push_back(&e.args[w]->type);
            e.collation = comparisonCollation(compared, e.pos, "CASE");
        }
        return;
    }
    case K::StructCtor: {
        SqlType t = SqlType::scalar(TypeKind::Struct);
        for (std::size_t i = 0; i < e.args.size(); ++i) {
            bind(*e.args[i], bc);
            std::string name = i < e.names.size() ? e.names[i] : std::string();
            if (name.empty() && e.args[i]->kind == K::Path && !e.typed) name = e.args[i]->path.back();
            t.fields.emplace_back(name, e.args[i]->type.unknown ? SqlType::scalar(TypeKind::Int64) : e.args[i]->type);
        }
        if (e.typed) {
            if (e.castType.fields.size() != e.args.size())
                err("STRUCT type has " + std::to_string(e.castType.fields.size()) + " fields but constructor call has " +
                        std::to_string(e.args.size()),
                    e.pos);
            for (std::size_t i = 0; i < e.args.size(); ++i)
                if (!castable(e.args[i]->type, e.castType.fields[i].second))
                    err("STRUCT field " + std::to_string(i + 1) + " has type " + e.args[i]->type.name() +
                            " which does not coerce to " + e.castType.fields[i].second.name(),
                        e.args[i]->pos);
            t = e.castType;
        }
        e.type = t;
        return;
    }
    case K::ArrayCtor: {
        std::vector<SqlType> types;
        for (auto& a : e.args) {
            bind(*a, bc);
            if (a->type.array) err("Cannot construct array with element type " + a->type.name() + " because nested arrays are not supported", a->pos);
            types.push_back(a->type);
        }
        // Literal coercion: beside a NUMERIC (or BIGNUMERIC) element, a FLOAT64 literal is
        // read as that type from its digits, as BigQuery types [NUMERIC '1', 1.5] NUMERIC.
        if (!e.typed)
            for (const TypeKind exact : {TypeKind::BigNumeric, TypeKind::Numeric}) {
                if (std::none_of(types.begin(), types.end(), [&](const SqlType& t) { return !t.unknown && !t.array && t.kind == exact; }))
                    continue;
                for (std::size_t i = 0; i < e.args.size(); ++i) {
                    Expr& a = *e.args[i];
                    if (a.kind != K::Literal || a.value.kind() != ValueKind::Float64 || a.path.size() != 1) continue;
                    try {
                        a.value = castValue(Value::string(a.path[0]), SqlType::scalar(exact), false);
                        a.type = types[i] = SqlType::scalar(exact);
                    } catch (const EvalError&) {
                    }
                }
                break;
            }
        SqlType el = e.typed ? e.castType : commonType(types, e.pos, "ARRAY");
        if (e.typed)
            for (std::size_t i = 0; i < types.size(); ++i) {
                if (types[i].unknown) continue;
                auto& a = *e.args[i];
                const bool timeLike = !el.array && (el.kind == TypeKind::Date || el.kind == TypeKind::DateTime ||
                                                    el.kind == TypeKind::Time || el.kind == TypeKind::Timestamp);
                // A STRING literal coerces to a date or time type: ARRAY<DATE>['2000-01-01'].
                if (timeLike && coerceStringLiteral(a, el)) {
                    types[i] = el;
                    continue;
                }
                if (!coercesTo(types[i], el)) err("Array element type " + types[i].name() + " does not coerce to " + el.name(), a.pos);
            }
        if (el.unknown) el = SqlType::scalar(TypeKind::Int64);
        e.type = el.arrayOf();
        return;
    }
    case K::Subscript: {
        bind(*e.args[0], bc);
        bind(*e.args[1], bc);
        if (!e.args[0]->type.array && !e.args[0]->type.unknown)
            err("Array element access is not supported for type " + e.args[0]->type.name(), e.pos);
        if (!e.args[1]->type.unknown && (e.args[1]->type.array || e.args[1]->type.kind != TypeKind::Int64))
            err("Array position in [] must be coercible to INT64 type, but has type " + e.args[1]->type.name(), e.args[1]->pos);
        e.type = e.args[0]->type.element();
        return;
    }
    case K::Field: {
        bind(*e.args[0], bc);
        const auto& t = e.args[0]->type;
        if (!t.isStruct()) err("Cannot access field " + e.op + " on a value with type " + t.name(), e.pos);
        for (std::size_t k = 0; k < t.fields.size(); ++k)
            if (iequals(t.fields[k].first, e.op)) {
                e.fieldPath = {static_cast<int>(k)};
                e.type = t.fields[k].second;
                return;
            }
        err("Field name " + e.op + " does not exist in " + t.name(), e.pos);
    }
    case K::In: {
        for (auto& a : e.args) bind(*a, bc);
        if (e.subquery) {
            const Impl& sub = bindSubquery(e, bc);
            if (sub.schema.fields.size() != 1) err("Subquery of type IN must have only one output column", e.subquery->pos);
            const SqlType column = SqlType::fromField(sub.schema.fields[0]);
            binaryType("=", e.args[0]->type, column, e.pos);
            e.collation = comparisonCollation({&e.args[0]->type, &column}, e.subquery->pos, "IN operator");
        } else if (e.inUnnest) {
            const auto& at = e.args[1]->type;
            if (!at.array && !at.unknown) err("Second argument of IN UNNEST must be an array but was " + at.name(), e.args[1]->pos);
            binaryType("=", e.args[0]->type, at.element(), e.pos);
            e.collation = comparisonCollation({&e.args[0]->type, &at}, e.args[1]->pos, "IN UNNEST");
        } else {
            std::vector<const SqlType*> all;
            for (std::size_t i = 1; i < e.args.size(); ++i) {
                binaryType("=", e.args[0]->type, e.args[i]->type, e.args[i]->pos);
                all.push_back(&e.args[i]->type);
            }
            all.push_back(&e.args[0]->type);
            e.collation = comparisonCollation(all, e.pos, "IN operator");
        }
        e.type = SqlType::scalar(TypeKind::Bool);
        return;
    }
    case K::Subquery: {
        const Impl& sub = bindSubquery(e, bc);
        if (e.op == "EXISTS") {
            e.type = SqlType::scalar(TypeKind::Bool);
            return;
        }
        if (sub.schema.fields.size() != 1)
            err((e.op == "ARRAY" ? std::string("ARRAY") : std::string("Scalar")) +
                    " subquery cannot have more than one column unless using SELECT AS STRUCT to build STRUCT values",
                e.subquery->pos);
        const SqlType t = SqlType::fromField(sub.schema.fields[0]);
        if (e.op == "ARRAY" && t.array) err("Cannot use array subquery with column of type " + t.name() + " because nested arrays are not supported", e.pos);
        e.type = e.op == "ARRAY" ? t.arrayOf() : t;
        return;
    }
    case K::Between:
        for (auto& a : e.args) bind(*a, bc);
        binaryType("<=", e.args[1]->type, e.args[0]->type, e.pos);
        binaryType("<=", e.args[0]->type, e.args[2]->type, e.pos);
        e.collation = comparisonCollation({&e.args[0]->type, &e.args[1]->type, &e.args[2]->type}, e.pos, "BETWEEN");
        e.type = SqlType::scalar(TypeKind::Bool);
        return;
    case K::Like: {
        for (auto& a : e.args) bind(*a, bc);
        const std::string name = e.op.empty() ? "LIKE" : "LIKE " + e.op;
        TypeKind kind = TypeKind::String;
        bool known = false;
        for (std::size_t i = 0; i < e.args.size(); ++i) {
            const bool emptyLiteral = e.args[i]->kind == K::ArrayCtor && e.args[i]->args.empty() && !e.args[i]->typed;
            if (i == 1 && e.inUnnest && emptyLiteral) continue; // [] takes the patterns' type
            const SqlType t = i == 1 && e.inUnnest ? e.args[1]->type.element() : e.args[i]->type;
            const bool arrayOk = i == 1 && e.inUnnest ? e.args[1]->type.array || e.args[1]->type.unknown : !t.array;
            const bool textual = t.unknown || (!t.array && (t.kind == TypeKind::String || t.kind == TypeKind::Bytes));
            if (!arrayOk || !textual || (known && !t.unknown && t.kind != kind))
                err("No matching signature for operator " + name + " for argument types: " + e.args[0]->type.name() + ", " +
                        e.args[i]->type.name(),
                    e.pos);
            if (!t.unknown && !known) {
                kind = t.kind;
                known = true;
            }
        }
        std::vector<const SqlType*> all;
        for (const auto& a : e.args) all.push_back(&a->type);
        e.collation = comparisonCollation(all, e.pos, name);
        e.type = SqlType::scalar(TypeKind::Bool);
        return;
    }
    case K::IsNull:
        bind(*e.args[0], bc);
        if (e.op == "DISTINCT") { // compared as GROUP BY compares, after coercion to one type
            bind(*e.args[1], bc);
            if (e.args[0]->type.array || e.args[1]->type.array)
                err("IS DISTINCT FROM does not support ARRAY arguments", e.pos);
            e.castType = commonType({e.args[0]->type, e.args[1]->type}, e.pos, "operator IS DISTINCT FROM");
            e.collation = comparisonCollation({&e.args[0]->type, &e.args[1]->type}, e.pos, "IS DISTINCT FROM");
            e.type = SqlType::scalar(TypeKind::Bool);
            return;
        }
        if (e.op != "NULL" && !e.args[0]->type.unknown && (e.args[0]->type.array || e.args[0]->type.kind != TypeKind::Bool))
            err("No matching signature for operator IS " + e.op + " for argument types: " + e.args[0]->type.name(), e.pos);
        e.type = SqlType::scalar(TypeKind::Bool);
        return;
    }
}

const PreparedQuery::Impl& PreparedQuery::Impl::bindSubquery(Expr& e, const BindCtx& bc) {
    auto& slot = exprSubs[e.subquery.get()];
    if (!slot) {
        if (bc.aggContext && std::string(bc.aggContext) == "a window frame") err("A subquery is not allowed in a window frame", e.pos);
        auto child = std::make_unique<Impl>();
        child->ctx = ctx;
        child->ctes = ctes;
        child->outerQuery = this;
        child->outerVisible = bc.visible;
        child->sel = std::move(*e.subquery);
        child->bindAll();
        slot = std::move(child);
    }
    return *slot;
}

void PreparedQuery::Impl::resolveNamedWindow(WindowSpec& w, int depth) {
    if (w.base.empty()) return;
    if (depth > 100) err("Named windows refer to each other in a cycle", w.pos);
    const auto it = std::find_if(sel.namedWindows.begin(), sel.namedWindows.end(),
                                 [&](const auto& n) { return iequals(n.first, w.base); });
    if (it == sel.namedWindows.end()) err("Unrecognized window alias " + w.base, w.pos);
    WindowSpec& named = *it->second;
    resolveNamedWindow(named, depth + 1);
    if (!w.partitionBy.empty()) err("If a window has a PARTITION BY, it cannot reference a named window", w.pos);
    if (!named.orderBy.empty() && !w.orderBy.empty()) err("If a window inherits an ORDER BY from its referenced window, it cannot have an inline ORDER BY", w.pos);
    if (named.hasFrame && (!w.orderBy.empty() || w.hasFrame))
        err("Named window " + w.base + " has a window frame: a window that references it cannot add to it", w.pos);
    for (const auto& p : named.partitionBy) w.partitionBy.push_back(cloneExpr(*p));
    if (w.orderBy.empty())
        for (const auto& o : named.orderBy) w.orderBy.push_back(cloneOrder(o));
    if (named.hasFrame) {
        w.hasFrame = true;
        w.rows = named.rows;
        for (auto [from, to] : {std::pair{&named.start, &w.start}, std::pair{&named.end, &w.end}}) {
            to->kind = from->kind;
            to->pos = from->pos;
            to->offset = from->offset ? cloneExpr(*from->offset) : nullptr;
        }
    }
    w.base.clear();
}

void PreparedQuery::Impl::bindWindow(Expr& e, const BindCtx& bc) {
    if (e.aggMods && (!e.aggMods->order.empty() || e.aggMods->limit || e.aggMods->having))
        err("HAVING MAX|MIN, ORDER BY and LIMIT are not allowed in an aggregate call with OVER", e.aggMods->pos);
    const bool navigates = e.op == "FIRST_VALUE" || e.op == "LAST_VALUE" || e.op == "NTH_VALUE" || e.op == "PERCENTILE_CONT" ||
                           e.op == "PERCENTILE_DISC";
    if (e.aggMods && e.op != "ARRAY_AGG" && !navigates)
        err("IGNORE NULLS and RESPECT NULLS are not allowed in analytic function " + e.op, e.aggMods->pos);
    resolveNamedWindow(*e.window);
    const char* where = bc.windowContext ? bc.windowContext : bc.aggContext;
    if (where) err("Analytic function not allowed in " + std::string(where), e.pos);
    if (bc.inAgg) err("Analytic function cannot be an argument of an aggregate function", e.pos);
    if (bc.inWindow) err("Analytic function cannot be an argument of another analytic function", e.pos);
    if (!isAnalyticOnlyFunction(e.op) && !isAggregateFunction(e.op))
        err("Function " + e.op + " is not an analytic function and cannot be used with OVER", e.pos);
    BindCtx inner = bc;
    inner.inWindow = true;
    for (auto& a : e.args) bind(*a, inner);
    for (auto& p : e.window->partitionBy) bind(*p, inner);
    for (auto& o : e.window->orderBy) bindOrderItem(o, inner);
    for (auto* b : {&e.window->start, &e.window->end})
        if (b->offset) {
            BindCtx constant;
            constant.aggContext = "a window frame";
            bind(*b->offset, constant);
        }
    SqlType aggType;
    if (isAggregateFunction(e.op)) {
        bindAggregate(e);
        aggType = e.type;
    }
    e.type = bindAnalytic(e, aggType);
    collateCall(e);
    e.windowIndex = static_cast<int>(windows.size());
    windows.push_back(&e);
}

void PreparedQuery::Impl::bindIntervalValue(Expr& e, const BindCtx& bc) {
    for (auto& a : e.args) bind(*a, bc);
    const SqlType& n = e.args[0]->type;
    const std::string part(e.args[1]->value.asText());
    static const std::set<std::string> parts{"YEAR", "QUARTER", "MONTH", "WEEK", "DAY", "HOUR", "MINUTE", "SECOND", "MILLISECOND", "MICROSECOND"};
    if (e.args.size() == 3) {
        const std::string to(e.args[2]->value.asText());
        if (!validIntervalRange(part, to)) err("Unsupported INTERVAL range " + part + " TO " + to, e.args[1]->pos);
        if (!n.unknown && (n.array || n.kind != TypeKind::String))
            err("INTERVAL ... " + part + " TO " + to + " needs a STRING, not " + n.name(), e.args[0]->pos);
    } else {
        if (!parts.count(part)) err("Unknown INTERVAL part " + part, e.args[1]->pos);
        if (!n.unknown && (n.array || (n.kind != TypeKind::Int64 && n.kind != TypeKind::String)))
            err("INTERVAL needs an INT64 count or a STRING, not " + n.name(), e.args[0]->pos);
    }
    e.op = "$INTERVAL";
    e.type = SqlType::scalar(TypeKind::Interval);
}

} // namespace quarry::sandbox::sql
