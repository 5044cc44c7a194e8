// SPDX-License-Identifier: MIT
// Binding clauses: literals coerced, aggregates, GROUP BY and grouping sets, aliases, WITH, and the whole query (bindAll).
#include "sandbox/sql/EngineImpl.h"

namespace quarry::sandbox::sql {

void PreparedQuery::Impl::coerceTimeLiterals(Expr& e, std::vector<SqlType>& types) {
    static const std::map<std::string, std::pair<TypeKind, std::size_t>> kTakes = {
        {"GENERATE_DATE_ARRAY", {TypeKind::Date, 2}}, {"GENERATE_TIMESTAMP_ARRAY", {TypeKind::Timestamp, 2}}, {"DATE_DIFF", {TypeKind::Date, 2}}, {"DATE_TRUNC", {TypeKind::Date, 1}},
        {"DATE_ADD", {TypeKind::Date, 1}}, {"DATE_SUB", {TypeKind::Date, 1}}, {"LAST_DAY", {TypeKind::Date, 1}},
        {"TIMESTAMP_TRUNC", {TypeKind::Timestamp, 1}}, {"TIMESTAMP_DIFF", {TypeKind::Timestamp, 2}},
        {"TIMESTAMP_ADD", {TypeKind::Timestamp, 1}}, {"TIMESTAMP_SUB", {TypeKind::Timestamp, 1}},
        {"DATETIME_TRUNC", {TypeKind::DateTime, 1}}, {"DATETIME_DIFF", {TypeKind::DateTime, 2}},
        {"DATETIME_ADD", {TypeKind::DateTime, 1}}, {"DATETIME_SUB", {TypeKind::DateTime, 1}}};
    const auto it = kTakes.find(e.op);
    if (it == kTakes.end()) return;
    const SqlType to = SqlType::scalar(it->second.first);
    for (std::size_t i = 0; i < it->second.second && i < e.args.size(); ++i)
        if (coerceStringLiteral(*e.args[i], to)) types[i] = to; // else the signature error follows
}

bool PreparedQuery::Impl::coerceStringLiteral(Expr& a, const SqlType& to) {
    if (a.kind != Expr::Kind::Literal || a.value.kind() != ValueKind::String) return false;
    try {
        a.value = castValue(a.value, to, false);
        a.type = to;
        return true;
    } catch (const EvalError&) {
        return false;
    }
}

void PreparedQuery::Impl::typeEmptyArrays(Expr& e, std::vector<SqlType>& types) {
    auto emptyLiteral = [](const Expr& a) { return a.kind == Expr::Kind::ArrayCtor && a.args.empty() && !a.typed; };
    const SqlType* model = nullptr;
    for (std::size_t i = 0; i < e.args.size() && !model; ++i)
        if (types[i].array && !emptyLiteral(*e.args[i])) model = &types[i];
    if (!model) return;
    const SqlType t = *model;
    for (std::size_t i = 0; i < e.args.size(); ++i)
        if (emptyLiteral(*e.args[i])) e.args[i]->type = types[i] = t;
}

void PreparedQuery::Impl::bindOrderItem(OrderItem& o, const BindCtx& bc) {
    bind(*o.expr, bc);
    if (o.collateParam) bind(*o.collateParam, bc);
    o.collation = orderCollation(o, o.collateParam.get());
}

void PreparedQuery::Impl::collateCall(Expr& e) {
    std::vector<SqlType> types;
    std::vector<const SqlType*> refs;
    for (const auto& a : e.args) types.push_back(a->type);
    for (const auto& t : types) refs.push_back(&t);
    propagateCollation(e.type, types, e.pos, "function " + e.op);
    e.collation = comparisonCollation(refs, e.pos, "function " + e.op);
}

AggFn PreparedQuery::Impl::aggFnOf(const std::string& n) {
    static const std::map<std::string, AggFn> byName = {
        {"COUNT", AggFn::Count}, {"COUNTIF", AggFn::CountIf}, {"SUM", AggFn::Sum}, {"AVG", AggFn::Avg},
        {"MIN", AggFn::Min}, {"MAX", AggFn::Max}, {"ANY_VALUE", AggFn::AnyValue}, {"ARRAY_AGG", AggFn::ArrayAgg},
        {"ARRAY_CONCAT_AGG", AggFn::ArrayConcatAgg}, {"BIT_AND", AggFn::BitAnd}, {"BIT_OR", AggFn::BitOr},
        {"BIT_XOR", AggFn::BitXor}, {"APPROX_COUNT_DISTINCT", AggFn::ApproxCountDistinct},
        {"APPROX_TOP_COUNT", AggFn::ApproxTopCount}, {"APPROX_TOP_SUM", AggFn::ApproxTopSum},
        {"APPROX_QUANTILES", AggFn::ApproxQuantiles},
        {"STRING_AGG", AggFn::StringAgg}, {"LOGICAL_AND", AggFn::LogicalAnd}, {"LOGICAL_OR", AggFn::LogicalOr},
        {"STDDEV_POP", AggFn::StddevPop}, {"STDDEV_SAMP", AggFn::StddevSamp}, {"STDDEV", AggFn::StddevSamp},
        {"VAR_POP", AggFn::VarPop}, {"VAR_SAMP", AggFn::VarSamp}, {"VARIANCE", AggFn::VarSamp},
        {"COVAR_POP", AggFn::CovarPop}, {"COVAR_SAMP", AggFn::CovarSamp}, {"CORR", AggFn::Corr}};
    const auto it = byName.find(n);
    return it == byName.end() ? AggFn::None : it->second;
}

void PreparedQuery::Impl::bindAggModifiers(Expr& e, const BindCtx& inner) {
    auto& m = *e.aggMods;
    const bool ordered = e.aggFn == AggFn::ArrayAgg || e.aggFn == AggFn::ArrayConcatAgg || e.aggFn == AggFn::StringAgg;
    if (m.nulls != AggModifiers::Nulls::Default && e.aggFn != AggFn::ArrayAgg && e.aggFn != AggFn::ApproxQuantiles)
        err("IGNORE NULLS and RESPECT NULLS are not allowed in aggregate function " + e.op, m.pos);
    if ((!m.order.empty() || m.limit) && !ordered)
        err("ORDER BY and LIMIT are not allowed in aggregate function " + e.op, m.pos);
    if (m.limit && *m.limit < 0) err("LIMIT in an aggregate function must not be negative", m.pos);
    if (m.where) bind(*m.where, inner); // PIVOT: the rows of one pivot value
    if (m.having) {
        bind(*m.having, inner);
        const auto& t = m.having->type;
        if (t.array || t.kind == TypeKind::Struct || t.kind == TypeKind::Geography || t.kind == TypeKind::Json)
            err("HAVING " + std::string(m.havingMax ? "MAX" : "MIN") + " does not support expressions of type " + t.name(), m.having->pos);
    }
    for (auto& o : m.order) {
        bindOrderItem(o, inner);
        const auto& t = o.expr->type;
        if (t.array || t.kind == TypeKind::Struct || t.kind == TypeKind::Geography || t.kind == TypeKind::Json)
            err("ORDER BY does not support expressions of type " + t.name(), o.expr->pos);
        // ARRAY_AGG(DISTINCT x ORDER BY k): k must be x, or the order of a value's copies is unclear.
        if (e.distinct && !sameExpr(*o.expr, *e.args[0]))
            err("An aggregate function that has both DISTINCT and ORDER BY arguments can only ORDER BY expressions that are arguments to the function",
                o.expr->pos);
    }
}

void PreparedQuery::Impl::bindAggregate(Expr& e) {
    const auto& n = e.op;
    e.aggFn = aggFnOf(n);
    auto argType = [&](std::size_t i) { return e.args.size() > i ? e.args[i]->type : SqlType::null(); };
    auto needArgs = [&](std::size_t lo, std::size_t hi) {
        if (e.star && n != "COUNT") err("Function " + n + " does not accept *", e.pos);
        if (!e.star && (e.args.size() < lo || e.args.size() > hi))
            err("Number of arguments does not match for aggregate function " + n, e.pos);
    };
    const SqlType t = argType(0);
    if (isMoreAggregate(e.aggFn)) {
        bindMoreAggregate(e);
        return;
    }
    if (n == "COUNT") {
        needArgs(1, 1);
        e.type = SqlType::scalar(TypeKind::Int64);
    } else if (n == "COUNTIF") {
        needArgs(1, 1);
        if (!t.unknown && (t.array || t.kind != TypeKind::Bool)) err("No matching signature for aggregate function COUNTIF for argument types: " + t.name(), e.pos);
        e.type = SqlType::scalar(TypeKind::Int64);
    } else if (n == "SUM" || n == "AVG") {
        needArgs(1, 1);
        if (!t.unknown && !t.isNumeric() && !(!t.array && t.kind == TypeKind::Interval))
            err("No matching signature for aggregate function " + n + " for argument types: " + t.name(), e.pos);
        if (t.unknown) e.type = SqlType::scalar(n == "SUM" ? TypeKind::Int64 : TypeKind::Float64);
        else if (n == "AVG" && t.kind == TypeKind::Int64) e.type = SqlType::scalar(TypeKind::Float64);
        else e.type = t;
    } else if (n == "MIN" || n == "MAX" || n == "ANY_VALUE") {
        needArgs(1, 1);
        if (n != "ANY_VALUE" && (t.array || t.kind == TypeKind::Struct) && !t.unknown)
            err("No matching signature for aggregate function " + n + " for argument types: " + t.name(), e.pos);
        e.type = t.unknown ? SqlType::scalar(TypeKind::Int64) : t;
    } else if (n == "ARRAY_AGG") {
        needArgs(1, 1);
        if (t.array) err("ARRAY_AGG cannot be used on argument of type " + t.name() + " because nested arrays are not supported", e.pos);
        e.type = (t.unknown ? SqlType::scalar(TypeKind::Int64) : t).arrayOf();
    } else if (n == "ARRAY_CONCAT_AGG") {
        needArgs(1, 1);
        if (!t.unknown && !t.array) err("No matching signature for aggregate function ARRAY_CONCAT_AGG for argument types: " + t.name(), e.pos);
        if (e.distinct) err("Aggregate function ARRAY_CONCAT_AGG does not support DISTINCT", e.pos);
        e.type = t.unknown ? SqlType::scalar(TypeKind::Int64).arrayOf() : t;
    } else if (n == "STRING_AGG") {
        needArgs(1, 2);
        if (!t.unknown && (t.array || (t.kind != TypeKind::String && t.kind != TypeKind::Bytes)))
            err("No matching signature for aggregate function STRING_AGG for argument types: " + t.name(), e.pos);
        e.type = t.unknown ? SqlType::scalar(TypeKind::String) : t;
    } else if (n == "LOGICAL_AND" || n == "LOGICAL_OR") {
        needArgs(1, 1);
        e.type = SqlType::scalar(TypeKind::Bool);
    } else if (e.aggFn == AggFn::CovarPop || e.aggFn == AggFn::CovarSamp || e.aggFn == AggFn::Corr) {
        needArgs(2, 2);
        const SqlType u = argType(1);
        if ((!t.unknown && !t.isNumeric()) || (!u.unknown && !u.isNumeric()))
            err("No matching signature for aggregate function " + n + " for argument types: " + t.name() + ", " + u.name(), e.pos);
        if (e.distinct) err("Aggregate function " + n + " does not support DISTINCT", e.pos);
        e.type = SqlType::scalar(TypeKind::Float64);
    } else if (e.aggFn != AggFn::None) { // STDDEV_POP, STDDEV_SAMP, VAR_POP, VAR_SAMP and their aliases
        needArgs(1, 1);
        if (!t.unknown && !t.isNumeric()) err("No matching signature for aggregate function " + n + " for argument types: " + t.name(), e.pos);
        e.type = SqlType::scalar(TypeKind::Float64);
    }
}

void PreparedQuery::Impl::dedupeGroupKeys() {
    std::vector<std::size_t> keyOf;
    std::vector<ExprPtr> unique;
    for (auto& k : groupKeys) {
        std::size_t u = 0;
        while (u < unique.size() && !sameExpr(*unique[u], *k)) ++u;
        if (u == unique.size()) unique.push_back(std::move(k));
        keyOf.push_back(u);
    }
    groupKeys = std::move(unique);
    // GoogleSQL's reference groups these sets by code point even where the key has a
    // collation, unlike GROUP BY: rather than guess which answer is BigQuery's, refuse.
    if (!sel.groupingSets.empty())
        for (const auto& k : groupKeys)
            if (collationOfType(k->type))
                err("GROUPING SETS, ROLLUP and CUBE over a key with a collation are not supported by the sandbox yet", k->pos);
    for (const auto& set : sel.groupingSets) {
        auto& bits = groupingSets.emplace_back(groupKeys.size(), false);
        for (const auto i : set) bits[keyOf[i]] = true;
    }
}

void PreparedQuery::Impl::bindGrouping(Expr& e, const BindCtx& bc) {
    if (bc.aggContext) err("Aggregate function GROUPING not allowed in " + std::string(bc.aggContext), e.pos);
    if (e.args.size() != 1 || e.distinct || e.star)
        err("No matching signature for aggregate function GROUPING; it takes one grouping key", e.pos);
    BindCtx inner = bc;
    inner.inAgg = true;
    bind(*e.args[0], inner);
    for (std::size_t k = 0; k < groupKeys.size(); ++k)
        if (sameExpr(*e.args[0], *groupKeys[k])) {
            e.groupIndex = static_cast<int>(groupKeys.size() + k);
            e.type = SqlType::scalar(TypeKind::Int64);
            usesGrouping = true;
            return;
        }
    err("GROUPING must have an argument that exists within the group-by expression list", e.args[0]->pos);
}

bool PreparedQuery::Impl::readsOnlyKeyColumns(const Expr& e) const {
    if (e.isAggregate) return true;
    if (e.kind == Expr::Kind::Path || e.kind == Expr::Kind::Field) {
        for (const auto& k : groupKeys)
            if (sameExpr(e, *k)) return true;
        if (e.kind == Expr::Kind::Path) return e.outerDepth > 0;
    }
    if (e.subquery || e.window) return false;
    for (const auto& a : e.args)
        if (!readsOnlyKeyColumns(*a)) return false;
    return true;
}

void PreparedQuery::Impl::markGrouped(Expr& e, const char* clause) {
    if (e.isAggregate || e.groupIndex >= 0) return;
    // With grouping sets, an expression over grouped columns is computed from them, as
    // BigQuery does: in ROLLUP(a, a + 1), a + 1 is NULL exactly where a is.
    // A SELECT item named by position or alias in GROUP BY is that key itself.
    if (!groupingSets.empty() && e.kind != Expr::Kind::Path && e.kind != Expr::Kind::Field && !e.args.empty() &&
        !keyItems.count(&e) && readsOnlyKeyColumns(e)) {
        for (auto& a : e.args) markGrouped(*a, clause);
        return;
    }
    if (e.subquery && exprSubs.count(e.subquery.get()) && exprSubs.at(e.subquery.get())->correlated)
        err(std::string("A correlated subquery in the ") + clause + " of a grouped query is not supported by the sandbox yet", e.pos);
    for (std::size_t k = 0; k < groupKeys.size(); ++k)
        if (sameExpr(e, *groupKeys[k])) {
            e.groupIndex = static_cast<int>(k);
            return;
        }
    if (e.kind == Expr::Kind::Path)
        err(std::string(clause) + " expression references column " + e.path.back() +
                " which is neither grouped nor aggregated",
            e.pos);
    for (auto& a : e.args) markGrouped(*a, clause);
    if (e.window) {
        for (auto& p : e.window->partitionBy) markGrouped(*p, clause);
        for (auto& o : e.window->orderBy) markGrouped(*o.expr, clause);
    }
}

void PreparedQuery::Impl::substituteAliases(ExprPtr& e, const BindCtx& bc) {
    if (e->kind == Expr::Kind::Path && e->path.size() == 1) {
        bool isColumn = true;
        try {
            auto probe = cloneExpr(*e);
            BindCtx quiet = bc;
            resolvePath(*probe, quiet);
        } catch (const SqlError&) {
            isColumn = false;
        }
        if (!isColumn)
            for (const auto& c : columns)
                if (iequals(c.name, e->path[0])) {
                    const Pos pos = e->pos;
                    e = cloneExpr(*c.expr);
                    e->pos = pos;
                    return;
                }
        return;
    }
    for (auto& a : e->args) substituteAliases(a, bc);
}

std::shared_ptr<PreparedQuery::Impl::Sub> PreparedQuery::Impl::makeSub(Select&& query, const std::string& name, bool ofSet) {
    auto sub = std::make_shared<Sub>();
    sub->impl = std::make_unique<Impl>();
    sub->impl->setBranch = ofSet;
    sub->impl->ctx = ctx;
    sub->impl->ctes = ctes;
    sub->impl->sel = std::move(query);
    sub->impl->bindAll();
    sub->table = std::make_shared<TableData>();
    sub->table->id = name;
    sub->table->schema = sub->impl->schema;
    return sub;
}

std::shared_ptr<PreparedQuery::Impl::Sub> PreparedQuery::Impl::cteNamed(const std::vector<std::string>& path) const {
    if (path.size() != 1) return nullptr;
    for (auto it = ctes.rbegin(); it != ctes.rend(); ++it)
        if (iequals(it->first, path[0])) return it->second;
    return nullptr;
}

void PreparedQuery::Impl::bindAll() {
    bindLimitParams();
    for (auto& [name, query] : sel.with) ctes.emplace_back(name, makeSub(std::move(*query), name));
    if (!sel.setBranches.empty()) {
        bindSetOperation();
        return;
    }
    if (!sel.from.empty()) bindFrom();
    BindCtx input;
    input.visible = vars.size();
    if (sel.where) {
        BindCtx w = input;
        w.aggContext = "WHERE clause";
        bind(*sel.where, w);
        const auto& t = sel.where->type;
        if (!t.unknown && (t.array || t.kind != TypeKind::Bool))
            err("WHERE clause should return type BOOL, but returns " + t.name(), sel.where->pos);
    }
    findPartitionRanges();
    aggregating = !sel.groupBy.empty() || !sel.groupingSets.empty() || sel.groupByAll;
    for (const auto& it : sel.items)
        if (it.expr && containsAggregate(*it.expr)) aggregating = true;
    if (sel.having && containsAggregate(*sel.having)) aggregating = true;
    for (const auto& o : sel.orderBy)
        if (containsAggregate(*o.expr)) aggregating = true;

    // GROUP BY keys: ordinals and select-list aliases refer to select items.
    for (auto& g : sel.groupBy) {
        ExprPtr key;
        if (g->kind == Expr::Kind::Literal && g->value.kind() == ValueKind::Int64) {
            const auto n = g->value.asInt64();
            if (n < 1 || n > static_cast<std::int64_t>(sel.items.size()) || !sel.items[static_cast<std::size_t>(n - 1)].expr ||
                sel.items[static_cast<std::size_t>(n - 1)].star)
                err("GROUP BY is out of SELECT column number range: " + std::to_string(n), g->pos);
            key = cloneExpr(*sel.items[static_cast<std::size_t>(n - 1)].expr);
            keyItems.insert(sel.items[static_cast<std::size_t>(n - 1)].expr.get());
        } else if (g->kind == Expr::Kind::Path && g->path.size() == 1) {
            for (const auto& it : sel.items)
                if (!it.alias.empty() && iequals(it.alias, g->path[0]) && it.expr) {
                    bool isColumn = false;
                    try {
                        auto probe = cloneExpr(*g);
                        bind(*probe, input);
                        isColumn = true;
                    } catch (const SqlError&) {
                    }
                    if (!isColumn) {
                        key = cloneExpr(*it.expr);
                        keyItems.insert(it.expr.get());
                    }
                    break;
                }
        }
        if (!key) key = cloneExpr(*g);
        BindCtx gb = input;
        gb.aggContext = "GROUP BY clause";
        bind(*key, gb);
        if (key->type.array) err("Grouping by expressions of type ARRAY is not allowed", key->pos);
        groupKeys.push_back(std::move(key));
    }
    dedupeGroupKeys();

    if (sel.groupByAll) inferGroupKeys(input);

    // SELECT list
    std::vector<std::pair<ExprPtr, std::string>> expanded;
    int anonymous = 0;
    for (auto& it : sel.items) {
        if (it.star) {
            const auto start = expanded.size();
            expandStar(it, expanded);
            exceptAndReplace(it, expanded, start);
            continue;
        }
        std::string name = it.alias;
        if (name.empty()) {
            if (it.expr->kind == Expr::Kind::Path) name = it.expr->path.back();
            else if (it.expr->kind == Expr::Kind::Field) name = it.expr->op;
        }
        expanded.emplace_back(std::move(it.expr), name);
    }
    for (auto& [expr, name] : expanded) {
        {
            struct Sink { // this column's reads are recorded apart (column pruning of bytes)
                Impl& q;
                ~Sink() { q.useSink = nullptr; }
            } sink{*this}; // back to the variables' own sets once the column is bound (or fails)
            useSink = &itemUses.emplace_back();
            bind(*expr, input);
        }
        if (aggregating) markGrouped(*expr, "SELECT list");
        // A pseudo-column is selected only under an alias, as in BigQuery (its own name is
        // reserved for the partition time).
        if (const Expr* pseudo = expr->kind == Expr::Kind::Cast && !expr->args.empty() ? expr->args[0].get() : expr.get();
            pseudo->kind == Expr::Kind::Path && pseudo->slot >= 0 && pseudo->fieldPath.size() == 1 && pseudo->outerDepth == 0 &&
            (iequals(name, TableData::kPartitionTime) || iequals(name, "_PARTITIONDATE")))
            err("Select " + name + " under an alias (" + name + " AS pt): its name is reserved for the partition time", expr->pos);
        const bool unnamed = name.empty();
        if (unnamed) name = "f" + std::to_string(anonymous++) + "_";
        columns.push_back({name, expr.get(), unnamed});
        owned.push_back(std::move(expr));
    }
    std::set<std::string> seenNames;
    for (const auto& c : columns)
        if (!setBranch && !seenNames.insert(lower(c.name)).second)
            err("Duplicate column names in the result are not supported. Found duplicate(s): " + c.name, sel.pos);

    if (sel.having) {
        if (!aggregating) err("HAVING clause requires GROUP BY or aggregation to be present", sel.having->pos);
        substituteAliases(sel.having, input);
        BindCtx h = input;
        h.windowContext = "HAVING clause";
        bind(*sel.having, h);
        markGrouped(*sel.having, "HAVING clause");
    }
    if (sel.qualify) {
        substituteAliases(sel.qualify, input);
        bind(*sel.qualify, input);
        if (aggregating) markGrouped(*sel.qualify, "QUALIFY clause");
        const auto& t = sel.qualify->type;
        if (!t.unknown && (t.array || t.kind != TypeKind::Bool))
            err("QUALIFY clause should return type BOOL, but returns " + t.name(), sel.qualify->pos);
        if (windows.empty())
            err("The QUALIFY clause needs an analytic function (OVER) in the SELECT list or in QUALIFY itself", sel.qualify->pos);
    }
    for (auto& o : sel.orderBy) {
        Order ord;
        ord.desc = o.desc;
        ord.nullsFirst = o.nullsFirst.value_or(!o.desc);
        if (o.expr->kind == Expr::Kind::Literal && o.expr->value.kind() == ValueKind::Int64) {
            const auto n = o.expr->value.asInt64();
            if (n < 1 || n > static_cast<std::int64_t>(columns.size()))
                err("ORDER BY is out of SELECT column number range: " + std::to_string(n), o.expr->pos);
            ord.column = static_cast<int>(n - 1);
            orderColumns.insert(ord.column);
        } else if (o.expr->kind == Expr::Kind::Path && o.expr->path.size() == 1) {
            for (std::size_t c = 0; c < columns.size(); ++c)
                if (iequals(columns[c].name, o.expr->path[0])) ord.column = static_cast<int>(c);
            if (ord.column >= 0) orderColumns.insert(ord.column);
        }
        if (ord.column < 0) {
            substituteAliases(o.expr, input);
            bind(*o.expr, input);
            if (aggregating) markGrouped(*o.expr, "ORDER BY clause");
            if (o.expr->type.array) err("ORDER BY does not support expressions of type " + o.expr->type.name(), o.expr->pos);
            ord.expr = o.expr.get();
        } else {
            o.expr->type = columns[static_cast<std::size_t>(ord.column)].expr->type;
        }
        if (o.collateParam) bind(*o.collateParam, input);
        ord.collation = orderCollation(o, o.collateParam.get());
        order.push_back(ord);
    }
    for (const auto& c : columns) {
        schema.fields.push_back(c.expr->type.toField(c.name));
        columnTypes.push_back(c.expr->type);
    }
}

} // namespace quarry::sandbox::sql
