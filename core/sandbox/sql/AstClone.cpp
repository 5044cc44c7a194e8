// SPDX-License-Identifier: MIT
#include "sandbox/sql/AstClone.h"

namespace quarry::sandbox::sql {

ExprPtr cloneExpr(const Expr& e) {
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
    c->subquery = e.subquery; // shared: the engine binds a Select once
    for (const auto& a : e.args) c->args.push_back(cloneExpr(*a));
    if (e.window) {
        auto w = std::make_shared<WindowSpec>();
        w->pos = e.window->pos;
        w->base = e.window->base;
        for (const auto& p : e.window->partitionBy) w->partitionBy.push_back(cloneExpr(*p));
        for (const auto& o : e.window->orderBy) w->orderBy.push_back(cloneOrder(o));
        w->hasFrame = e.window->hasFrame;
        w->rows = e.window->rows;
        for (auto [from, to] : {std::pair{&e.window->start, &w->start}, std::pair{&e.window->end, &w->end}}) {
            to->kind = from->kind;
            to->pos = from->pos;
            if (from->offset) to->offset = cloneExpr(*from->offset);
        }
        c->window = std::move(w);
    }
    if (e.aggMods) {
        const AggModifiers& m = *e.aggMods;
        auto mods = std::make_shared<AggModifiers>();
        mods->nulls = m.nulls;
        if (m.having) mods->having = cloneExpr(*m.having);
        mods->havingMax = m.havingMax;
        for (const auto& o : m.order) mods->order.push_back(cloneOrder(o));
        mods->limit = m.limit;
        if (m.where) mods->where = cloneExpr(*m.where);
        mods->pos = m.pos;
        c->aggMods = std::move(mods);
    }
    return c;
}

OrderItem cloneOrder(const OrderItem& o) {
    OrderItem c;
    c.expr = cloneExpr(*o.expr);
    c.desc = o.desc;
    c.nullsFirst = o.nullsFirst;
    c.hasCollate = o.hasCollate;
    c.collate = o.collate;
    if (o.collateParam) c.collateParam = cloneExpr(*o.collateParam);
    c.collatePos = o.collatePos;
    return c;
}

} // namespace quarry::sandbox::sql
