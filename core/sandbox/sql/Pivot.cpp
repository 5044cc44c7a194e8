// SPDX-License-Identifier: MIT
#include "sandbox/sql/Pivot.h"

#include "sandbox/sql/AstClone.h"
#include "sandbox/sql/Functions.h"
#include "value/Text.h"

#include <algorithm>

namespace quarry::sandbox::sql {
namespace {

constexpr const char* kUnpivotVar = "$unpivot"; // cannot clash: not an identifier a query can write

ExprPtr node(Expr::Kind k, Pos p) {
    auto e = std::make_unique<Expr>();
    e->kind = k;
    e->pos = p;
    return e;
}

ExprPtr path(std::vector<std::string> parts, Pos p) {
    auto e = node(Expr::Kind::Path, p);
    e->path = std::move(parts);
    return e;
}

/// The range variable a FROM item's columns are read through: its alias, or a table's name.
std::string inputName(const FromItem& f) {
    if (!f.alias.empty()) return f.alias;
    if (!f.tablePath.empty()) return f.tablePath.back();
    return {};
}

/// The input columns an expression reads: `x` and `t.x` (t the input's name) name column x.
void readColumns(const Expr& e, const std::string& input, std::vector<std::string>& out) {
    if (e.kind == Expr::Kind::Path && !e.path.empty()) {
        const std::string& c = e.path.size() >= 2 && !input.empty() && text::iequals(e.path[0], input) ? e.path[1] : e.path[0];
        if (std::none_of(out.begin(), out.end(), [&](const std::string& o) { return text::iequals(o, c); })) out.push_back(c);
    }
    for (const auto& a : e.args) readColumns(*a, input, out);
    if (e.aggMods) {
        if (e.aggMods->having) readColumns(*e.aggMods->having, input, out);
        for (const auto& o : e.aggMods->order) readColumns(*o.expr, input, out);
    }
}

/// A pivot column's name part for a value without an alias: 100 -> 100 (_100 alone, as a
/// name cannot start with a digit), 'Q1' -> Q1, NULL -> NULL, TRUE -> true.
std::string valueName(const Expr& v, bool alone) {
    if (v.kind == Expr::Kind::Literal) {
        const Value& x = v.value;
        if (x.isNull()) return "NULL";
        if (x.kind() == ValueKind::Int64 && x.asInt64() >= 0) return (alone ? "_" : "") + std::to_string(x.asInt64());
        if (x.kind() == ValueKind::String && !x.asText().empty()) return std::string(x.asText());
        if (x.kind() == ValueKind::Bool) return x.asBool() ? "true" : "false";
    }
    throw SqlError("A PIVOT value other than a non-negative integer, string, boolean or NULL literal needs an alias "
                   "(value AS name) in the sandbox",
                   v.pos);
}

/// Replaces `e` by a column of the pre-projection that computes it once per input row (so
/// that SUM(RAND()) sees the same values for every pivot value).
void project(ExprPtr& e, Select& pre, int& next) {
    const std::string name = "$pivot" + std::to_string(next++);
    SelectItem item;
    item.pos = e->pos;
    item.alias = name;
    const Pos at = e->pos;
    item.expr = std::move(e);
    pre.items.push_back(std::move(item));
    e = path({name}, at);
}

FromItem wrap(Select inner, Pos pos) {
    FromItem out;
    out.pos = pos;
    out.subquery = std::make_shared<Select>(std::move(inner));
    return out;
}

} // namespace

FromItem rewritePivot(FromItem input, PivotSpec spec) {
    const std::string in = inputName(input);
    std::vector<std::string> read;
    for (const auto& a : spec.aggregates) {
        if (a.call->kind != Expr::Kind::Call || !isAggregateFunction(a.call->op) || a.call->window)
            throw SqlError("PIVOT expects aggregate function calls (SUM(x), COUNT(*), ...) before FOR", a.call->pos);
        readColumns(*a.call, in, read);
    }
    readColumns(*spec.forExpr, in, read);

    // The pre-projection: the input's columns, then each argument, ORDER BY key and HAVING
    // expression of the aggregates and the FOR expression, computed once per row.
    Select pre;
    pre.pos = spec.pos;
    SelectItem all;
    all.star = true;
    all.pos = spec.pos;
    pre.items.push_back(std::move(all));
    int next = 0;
    for (auto& a : spec.aggregates) {
        for (auto& arg : a.call->args) project(arg, pre, next);
        if (a.call->aggMods) {
            for (auto& o : a.call->aggMods->order) project(o.expr, pre, next);
            if (a.call->aggMods->having) project(a.call->aggMods->having, pre, next);
        }
    }
    project(spec.forExpr, pre, next);
    for (int k = 0; k < next; ++k) read.push_back("$pivot" + std::to_string(k));
    pre.from.push_back(std::move(input));

    Select inner;
    inner.pos = spec.pos;
    SelectItem rest; // the grouping columns: every input column the pivot does not read
    rest.star = true;
    rest.pos = spec.pos;
    rest.except = read;
    rest.exceptLenient = true;
    inner.items.push_back(std::move(rest));
    for (const auto& v : spec.values) {
        for (const auto& a : spec.aggregates) {
            const std::string name = v.alias.empty() ? valueName(*v.value, a.alias.empty()) : v.alias;
            SelectItem item;
            item.pos = a.call->pos;
            item.expr = cloneExpr(*a.call);
            if (!item.expr->aggMods) {
                item.expr->aggMods = std::make_shared<AggModifiers>();
                item.expr->aggMods->pos = a.call->pos;
            }
            auto match = node(Expr::Kind::IsNull, v.value->pos); // forExpr IS NOT DISTINCT FROM value
            match->op = "DISTINCT";
            match->negated = true;
            match->args.push_back(cloneExpr(*spec.forExpr));
            match->args.push_back(cloneExpr(*v.value));
            item.expr->aggMods->where = std::move(match);
            item.alias = a.alias.empty() ? name : a.alias + "_" + name;
            inner.items.push_back(std::move(item));
        }
    }
    inner.from.push_back(wrap(std::move(pre), spec.pos));
    inner.groupByAll = true;
    return wrap(std::move(inner), spec.pos);
}

FromItem rewriteUnpivot(FromItem input, UnpivotSpec spec) {
    const std::size_t width = spec.valueColumns.size();
    std::vector<std::string> unpivoted;
    auto array = node(Expr::Kind::ArrayCtor, spec.pos);
    for (auto& g : spec.groups) {
        if (g.columns.size() != width)
            throw SqlError("UNPIVOT's IN clause lists " + std::to_string(g.columns.size()) + " columns where " +
                               std::to_string(width) + " value columns were named",
                           g.columns.empty() ? spec.pos : g.columns[0]->pos);
        auto row = node(Expr::Kind::StructCtor, g.columns[0]->pos);
        std::string label;
        for (std::size_t k = 0; k < width; ++k) {
            if (g.columns[k]->kind != Expr::Kind::Path) throw SqlError("UNPIVOT's IN clause takes column names", g.columns[k]->pos);
            const std::string& name = g.columns[k]->path.back();
            label += (k ? "_" : "") + name;
            unpivoted.push_back(name);
            row->args.push_back(std::move(g.columns[k]));
            row->names.push_back(spec.valueColumns[k]);
        }
        if (!g.label) {
            g.label = node(Expr::Kind::Literal, row->pos);
            g.label->value = Value::string(label);
            g.label->type = SqlType::scalar(TypeKind::String);
        }
        row->args.push_back(std::move(g.label));
        row->names.push_back(spec.nameColumn);
        array->args.push_back(std::move(row));
    }
    Select inner;
    inner.pos = spec.pos;
    SelectItem rest; // every input column but the unpivoted ones
    rest.star = true;
    rest.pos = spec.pos;
    rest.except = unpivoted;
    rest.except.push_back(kUnpivotVar);
    rest.exceptLenient = true;
    inner.items.push_back(std::move(rest));
    SelectItem values;
    values.star = true;
    values.pos = spec.pos;
    values.expr = path({kUnpivotVar}, spec.pos);
    inner.items.push_back(std::move(values));
    inner.from.push_back(std::move(input));
    FromItem rows;
    rows.kind = FromItem::Kind::Unnest;
    rows.join = FromItem::Join::Cross;
    rows.pos = spec.pos;
    rows.unnest = std::move(array);
    rows.alias = kUnpivotVar;
    inner.from.push_back(std::move(rows));
    if (!spec.includeNulls) { // EXCLUDE NULLS: not a row whose values are all NULL
        ExprPtr allNull;
        for (const auto& v : spec.valueColumns) {
            auto isNull = node(Expr::Kind::IsNull, spec.pos);
            isNull->op = "NULL";
            isNull->args.push_back(path({kUnpivotVar, v}, spec.pos));
            if (!allNull) {
                allNull = std::move(isNull);
                continue;
            }
            auto both = node(Expr::Kind::Binary, spec.pos);
            both->op = "AND";
            both->args.push_back(std::move(allNull));
            both->args.push_back(std::move(isNull));
            allNull = std::move(both);
        }
        auto keep = node(Expr::Kind::Unary, spec.pos);
        keep->op = "NOT";
        keep->args.push_back(std::move(allNull));
        inner.where = std::move(keep);
    }
    return wrap(std::move(inner), spec.pos);
}

} // namespace quarry::sandbox::sql
