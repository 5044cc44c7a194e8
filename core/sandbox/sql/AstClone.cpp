// SPDX-License-Identifier: MIT
#include "sandbox/sql/AstClone.h"

namespace quarry::sandbox::sql {

namespace {

std::shared_ptr<WindowSpec> cloneWindow(const WindowSpec& from, bool deep);
ExprPtr copy(const Expr& e, bool deep);
ExprPtr copyOrNull(const ExprPtr& e, bool deep) { return e ? copy(*e, deep) : nullptr; }

OrderItem copyOrder(const OrderItem& o, bool deep) {
    OrderItem c;
    c.expr = copy(*o.expr, deep);
    c.desc = o.desc;
    c.nullsFirst = o.nullsFirst;
    c.hasCollate = o.hasCollate;
    c.collate = o.collate;
    c.collateParam = copyOrNull(o.collateParam, deep);
    c.collatePos = o.collatePos;
    return c;
}

ExprPtr copy(const Expr& e, bool deep) {
    auto c = std::make_unique<Expr>();
    c->kind = e.kind;
    c->pos = e.pos;
    c->op = e.op;
    c->path = e.path;
    c->names = e.names;
    c->value = e.value;
    c->castType = e.castType;
    c->type = e.type;
    c->typed = e.typed;
    c->distinct = e.distinct;
    c->star = e.star;
    c->negated = e.negated;
    c->safe = e.safe;
    c->hasOperand = e.hasOperand;
    c->hasElse = e.hasElse;
    c->inUnnest = e.inUnnest;
    c->paramIndex = e.paramIndex;
    // Shared unless deep: the engine binds a Select once, so clones in one query share it.
    c->subquery = deep && e.subquery ? std::make_shared<Select>(cloneSelect(*e.subquery)) : e.subquery;
    for (const auto& a : e.args) c->args.push_back(copy(*a, deep));
    if (e.window) c->window = cloneWindow(*e.window, deep);
    if (e.aggMods) {
        const AggModifiers& m = *e.aggMods;
        auto mods = std::make_shared<AggModifiers>();
        mods->nulls = m.nulls;
        mods->having = copyOrNull(m.having, deep);
        mods->havingMax = m.havingMax;
        for (const auto& o : m.order) mods->order.push_back(copyOrder(o, deep));
        mods->limit = m.limit;
        mods->where = copyOrNull(m.where, deep);
        mods->pos = m.pos;
        c->aggMods = std::move(mods);
    }
    return c;
}

std::shared_ptr<WindowSpec> cloneWindow(const WindowSpec& from, bool deep) {
    auto w = std::make_shared<WindowSpec>();
    w->pos = from.pos;
    w->base = from.base;
    for (const auto& p : from.partitionBy) w->partitionBy.push_back(copy(*p, deep));
    for (const auto& o : from.orderBy) w->orderBy.push_back(copyOrder(o, deep));
    w->hasFrame = from.hasFrame;
    w->rows = from.rows;
    for (auto [a, b] : {std::pair{&from.start, &w->start}, std::pair{&from.end, &w->end}}) {
        b->kind = a->kind;
        b->pos = a->pos;
        b->offset = copyOrNull(a->offset, deep);
    }
    return w;
}

} // namespace

ExprPtr cloneExpr(const Expr& e) { return copy(e, false); }
ExprPtr cloneExprDeep(const Expr& e) { return copy(e, true); }
OrderItem cloneOrder(const OrderItem& o) { return copyOrder(o, false); }

Select cloneSelect(const Select& s) {
    Select c;
    for (const auto& b : s.setBranches) c.setBranches.push_back(std::make_shared<Select>(cloneSelect(*b)));
    c.setOps = s.setOps;
    c.setColumns = s.setColumns;
    for (const auto& [name, q] : s.with) c.with.emplace_back(name, std::make_shared<Select>(cloneSelect(*q)));
    c.distinct = s.distinct;
    for (const auto& it : s.items) {
        SelectItem i;
        i.expr = copyOrNull(it.expr, true);
        i.alias = it.alias;
        i.star = it.star;
        i.except = it.except;
        for (const auto& [x, name] : it.replace) i.replace.emplace_back(copy(*x, true), name);
        i.exceptLenient = it.exceptLenient;
        i.pos = it.pos;
        c.items.push_back(std::move(i));
    }
    for (const auto& f : s.from) {
        FromItem g;
        g.kind = f.kind;
        g.join = f.join;
        g.on = copyOrNull(f.on, true);
        g.usingColumns = f.usingColumns;
        g.tablePath = f.tablePath;
        if (f.subquery) g.subquery = std::make_shared<Select>(cloneSelect(*f.subquery));
        g.unnest = copyOrNull(f.unnest, true);
        g.alias = f.alias;
        g.withOffset = f.withOffset;
        g.offsetAlias = f.offsetAlias;
        g.flatten = f.flatten;
        g.systemTime = copyOrNull(f.systemTime, true);
        g.pos = f.pos;
        c.from.push_back(std::move(g));
    }
    c.where = copyOrNull(s.where, true);
    for (const auto& g : s.groupBy) c.groupBy.push_back(copy(*g, true));
    c.groupingSets = s.groupingSets;
    c.groupByAll = s.groupByAll;
    c.having = copyOrNull(s.having, true);
    c.qualify = copyOrNull(s.qualify, true);
    for (const auto& [name, w] : s.namedWindows) c.namedWindows.emplace_back(name, cloneWindow(*w, true));
    for (const auto& o : s.orderBy) c.orderBy.push_back(copyOrder(o, true));
    c.limit = s.limit;
    c.offset = s.offset;
    c.limitParam = copyOrNull(s.limitParam, true);
    c.offsetParam = copyOrNull(s.offsetParam, true);
    c.pos = s.pos;
    return c;
}

} // namespace quarry::sandbox::sql
