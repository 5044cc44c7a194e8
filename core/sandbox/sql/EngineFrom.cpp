// SPDX-License-Identifier: MIT
// Binding FROM: tables, views, subqueries, joins and their hash keys, SELECT *, set operations.
#include "sandbox/sql/EngineImpl.h"

namespace quarry::sandbox::sql {

void PreparedQuery::Impl::bindFrom() {
    const std::size_t firstVar = vars.size();
    for (auto& f : sel.from) {
        const std::size_t itemVar = vars.size();
        if (!f.flatten.empty()) err("FLATTEN is supported by the sandbox only over a table", f.pos);
        FromBinding fb;
        std::shared_ptr<Sub> sub;
        if (f.systemTime && (f.subquery || f.kind != FromItem::Kind::Table || cteNamed(f.tablePath)))
            err("FOR SYSTEM_TIME AS OF can only be applied to a table", f.systemTime->pos);
        if (f.subquery) sub = makeSub(std::move(*f.subquery), f.alias);
        else if (f.kind == FromItem::Kind::Table) sub = cteNamed(f.tablePath);
        if (sub) {
            fb.slot = addSubVar(sub, f.subquery ? f.alias : (f.alias.empty() ? f.tablePath.back() : f.alias));
        } else if (f.kind == FromItem::Kind::Table) {
            // alias.field (a repeated field of an earlier range variable) is an implicit UNNEST.
            bool implicit = false;
            for (const auto& v : vars)
                if (!v.name.empty() && iequals(v.name, f.tablePath[0]) && f.tablePath.size() > 1) implicit = true;
            // ... or of an enclosing query's (a correlated FROM p.children).
            for (const Impl* q = this; !implicit && q->outerQuery && f.tablePath.size() > 1; q = q->outerQuery)
                for (std::size_t k = 0; k < q->outerVisible; ++k)
                    if (!q->outerQuery->vars[k].name.empty() && iequals(q->outerQuery->vars[k].name, f.tablePath[0])) implicit = true;
            if (implicit && f.systemTime) err("FOR SYSTEM_TIME AS OF can only be applied to a table", f.systemTime->pos);
            if (implicit) {
                auto path = std::make_unique<Expr>();
                path->kind = Expr::Kind::Path;
                path->pos = f.pos;
                path->path = f.tablePath;
                f.unnest = std::move(path);
                f.kind = FromItem::Kind::Unnest;
                if (f.alias.empty()) f.alias = f.tablePath.back();
            } else if (auto table = f.systemTime ? tableAsOf(f) : ctx.resolveTable(f.tablePath, f.pos); table->isView()) {
                fb.slot = addSubVar(viewSub(*table, f), f.alias.empty() ? f.tablePath.back() : f.alias);
            } else {
                Var v;
                v.name = f.alias.empty() ? f.tablePath.back() : f.alias;
                {
                    std::shared_lock lock(table->mutex);
                    v.type = SqlType::fromFields(table->schema.fields);
                    v.partitioning = table->partitioning;
                    if (!table->clusterColumns.empty()) v.clusterColumn = table->clusterColumns.front();
                }
                v.table = table;
                fb.slot = static_cast<int>(vars.size());
                vars.push_back(std::move(v));
            }
        }
        if (f.kind == FromItem::Kind::Unnest) {
            BindCtx bc;
            bc.visible = vars.size();
            bc.aggContext = "UNNEST";
            bind(*f.unnest, bc);
            const auto& t = f.unnest->type;
            if (!t.array && !t.unknown) err("Values referenced in UNNEST must be arrays. UNNEST contains expression of type " + t.name(), f.unnest->pos);
            Var v;
            v.name = f.alias;
            v.type = t.unknown ? SqlType::scalar(TypeKind::Int64) : t.element();
            if (v.name.empty() && !v.type.isStruct()) {
                // No name to write, but SELECT * returns its values (a column f0_ in BigQuery).
                v.name = "$unnest" + std::to_string(vars.size());
                v.anonymous = true;
            }
            fb.slot = static_cast<int>(vars.size());
            vars.push_back(std::move(v));
        }
        if (f.withOffset) {
            Var o;
            o.name = f.offsetAlias;
            o.type = SqlType::scalar(TypeKind::Int64);
            o.offset = true;
            fb.offsetSlot = static_cast<int>(vars.size());
            vars.push_back(std::move(o));
        }
        // Two range variables of one FROM clause may not share a name, as in BigQuery.
        for (std::size_t i = itemVar; i < vars.size(); ++i)
            for (std::size_t j = firstVar; j < itemVar && !vars[i].anonymous && !vars[i].name.empty(); ++j)
                if (!vars[j].anonymous && iequals(vars[i].name, vars[j].name))
                    err("Duplicate table alias " + vars[i].name + " in the same FROM clause", f.pos);
        fromSlots.push_back(fb);
        bindJoin(f, fb);
        findHashKeys(f, fromSlots.back());
    }
}

namespace {

/// Whether a bound expression reads nothing of a row: no column, subquery or aggregate.
bool readsNoRow(const Expr& e) {
    if ((e.kind == Expr::Kind::Path && e.slot >= 0) || e.kind == Expr::Kind::Subquery || e.subquery || e.isAggregate ||
        e.window || e.outerDepth > 0)
        return false;
    return std::all_of(e.args.begin(), e.args.end(), [](const auto& a) { return !a || readsNoRow(*a); });
}

} // namespace

std::shared_ptr<TableData> PreparedQuery::Impl::tableAsOf(FromItem& f) {
    Expr& e = *f.systemTime;
    BindCtx bc;
    bc.aggContext = "FOR SYSTEM_TIME AS OF";
    bc.windowContext = "FOR SYSTEM_TIME AS OF";
    bind(e, bc);
    if (!readsNoRow(e)) err("FOR SYSTEM_TIME AS OF expects a constant expression of type TIMESTAMP", e.pos);
    Value at;
    try {
        at = eval(e, Frame{});
        if (e.type.kind == TypeKind::String && !e.type.array) at = castValue(at, SqlType::scalar(TypeKind::Timestamp), false);
        else if (e.type.kind != TypeKind::Timestamp || e.type.array)
            err("FOR SYSTEM_TIME AS OF expects an expression of type TIMESTAMP but got " + e.type.name(), e.pos);
    } catch (const SqlError&) {
        throw;
    } catch (const std::exception& x) {
        err(std::string("FOR SYSTEM_TIME AS OF: ") + x.what(), e.pos);
    }
    if (at.isNull()) err("FOR SYSTEM_TIME AS OF expects a TIMESTAMP but got NULL", e.pos);
    if (!ctx.resolveTableAsOf) err("FOR SYSTEM_TIME AS OF is not supported here", e.pos);
    nondeterministic = true; // the answer depends on the time read, never on the table's version alone
    const std::int64_t micros = at.asInt64();
    const std::int64_t ms = micros >= 0 ? micros / 1000 : -((-micros + 999) / 1000);
    return ctx.resolveTableAsOf(f.tablePath, ms, f.pos);
}

int PreparedQuery::Impl::addSubVar(const std::shared_ptr<Sub>& sub, std::string name) {
    if (std::find(subs.begin(), subs.end(), sub) == subs.end()) subs.push_back(sub);
    Var v;
    v.name = std::move(name);
    v.type = SqlType::fromFields(sub->table->schema.fields);
    v.table = sub->table;
    vars.push_back(std::move(v));
    return static_cast<int>(vars.size()) - 1;
}

std::shared_ptr<PreparedQuery::Impl::Sub> PreparedQuery::Impl::viewSub(const TableData& view, const FromItem& f) {
    thread_local int depth = 0;
    const std::string name = view.project + "." + view.dataset + "." + view.id;
    if (depth >= 16) err("View " + name + " nests views more than 16 deep (does it read itself?)", f.pos);
    ++depth;
    struct Leave {
        ~Leave() { --depth; }
    } leave;
    Select query;
    try {
        query = parseQuery(view.viewQuery());
    } catch (const SqlError& e) {
        err("View " + name + " has a query that is not valid: " + e.what(), f.pos);
    }
    return makeSub(std::move(query), f.alias.empty() ? f.tablePath.back() : f.alias);
}

void PreparedQuery::Impl::bindJoin(FromItem& f, const FromBinding& fb) {
    using J = FromItem::Join;
    if (f.join == J::Comma || f.join == J::Cross) {
        if (f.on || !f.usingColumns.empty()) err("CROSS JOIN cannot have an ON or USING clause", f.pos);
        return;
    }
    const bool rightOuter = f.join == J::Right || f.join == J::Full;
    if (f.kind == FromItem::Kind::Unnest && rightOuter)
        err(std::string(f.join == J::Right ? "RIGHT" : "FULL") + " JOIN with UNNEST is not supported", f.pos);
    if (f.kind == FromItem::Kind::Table && !f.on && f.usingColumns.empty())
        err("Syntax error: A JOIN of a table needs an ON or USING clause", f.pos);
    if (!f.usingColumns.empty()) {
        if (f.join == J::Full) err("FULL JOIN with USING is not supported by the sandbox yet; use ON", f.pos);
        auto& right = vars[static_cast<std::size_t>(fb.slot)];
        ExprPtr cond;
        for (const auto& col : f.usingColumns) {
            const auto fieldOf = [&](const Var& v) {
                for (std::size_t k = 0; k < v.type.fields.size(); ++k)
                    if (iequals(v.type.fields[k].first, col)) return static_cast<int>(k);
                return -1;
            };
            const int rk = right.table ? fieldOf(right) : -1;
            if (rk < 0) err("Column " + col + " in USING clause not found on right side of join", f.pos);
            int left = -1, lk = -1;
            for (int v = 0; v < fb.slot; ++v) {
                const auto& var = vars[static_cast<std::size_t>(v)];
                if (!var.table || var.name.empty()) continue;
                if (const int k = fieldOf(var); k >= 0) {
                    if (left >= 0) err("Column " + col + " in USING clause is ambiguous on the left side of join", f.pos);
                    left = v;
                    lk = k;
                }
            }
            if (left < 0) err("Column " + col + " in USING clause not found on left side of join", f.pos);
            // The merged column is the left one for INNER and LEFT joins, the right one for RIGHT.
            if (f.join == J::Right) vars[static_cast<std::size_t>(left)].hidden.insert(lk);
            else right.hidden.insert(rk);
            auto eq = std::make_unique<Expr>();
            eq->kind = Expr::Kind::Binary;
            eq->op = "=";
            eq->pos = f.pos;
            eq->args.push_back(pathTo({vars[static_cast<std::size_t>(left)].name, col}, f.pos));
            eq->args.push_back(pathTo({right.name, col}, f.pos));
            if (!cond) {
                cond = std::move(eq);
            } else {
                auto both = std::make_unique<Expr>();
                both->kind = Expr::Kind::Binary;
                both->op = "AND";
                both->pos = f.pos;
                both->args.push_back(std::move(cond));
                both->args.push_back(std::move(eq));
                cond = std::move(both);
            }
        }
        f.on = std::move(cond);
    }
    if (!f.on) return; // JOIN UNNEST without ON: every element joins
    BindCtx bc;
    bc.visible = vars.size();
    bc.aggContext = "JOIN ON clause";
    bind(*f.on, bc);
    const auto& t = f.on->type;
    if (!t.unknown && (t.array || t.kind != TypeKind::Bool))
        err("JOIN ON clause should return type BOOL, but returns " + t.name(), f.on->pos);
}

bool PreparedQuery::Impl::slotsOf(const Expr& e, std::set<int>& out) {
    if (e.subquery || e.window || e.outerDepth > 0) return false;
    if (e.kind == Expr::Kind::Path) out.insert(e.slot);
    for (const auto& a : e.args)
        if (!slotsOf(*a, out)) return false;
    return true;
}

void PreparedQuery::Impl::findHashKeys(const FromItem& f, FromBinding& fb) {
    using J = FromItem::Join;
    if (!f.on || f.kind != FromItem::Kind::Table || (f.join != J::Inner && f.join != J::Left && f.join != J::Right && f.join != J::Full)) return;
    std::vector<const Expr*> conjuncts{f.on.get()};
    for (std::size_t k = 0; k < conjuncts.size(); ++k) {
        const Expr* c = conjuncts[k];
        if (c->kind == Expr::Kind::Binary && c->op == "AND") {
            conjuncts.push_back(c->args[0].get());
            conjuncts.push_back(c->args[1].get());
            continue;
        }
        if (c->kind != Expr::Kind::Binary || c->op != "=") continue;
        const SqlType &a = c->args[0]->type, &b = c->args[1]->type;
        // Only kinds whose key text is equal exactly when = is true (no INT64 = FLOAT64,
        // no NaN, no STRUCT or ARRAY).
        if (a.unknown || b.unknown || a.array || b.array || !(a == b)) continue;
        switch (a.kind) {
        case TypeKind::Int64: case TypeKind::String: case TypeKind::Bytes: case TypeKind::Bool: case TypeKind::Date:
        case TypeKind::Time: case TypeKind::DateTime: case TypeKind::Timestamp: break;
        default: continue;
        }
        for (int side = 0; side < 2; ++side) {
            std::set<int> l, r;
            if (!slotsOf(*c->args[static_cast<std::size_t>(side)], l) || !slotsOf(*c->args[static_cast<std::size_t>(1 - side)], r)) break;
            const bool leftBefore = !l.empty() && *l.rbegin() < fb.slot;
            const bool rightHere = r.size() == 1 && *r.begin() == fb.slot;
            if (leftBefore && rightHere) {
                fb.probeKey = c->args[static_cast<std::size_t>(side)].get();
                fb.buildKey = c->args[static_cast<std::size_t>(1 - side)].get();
                return;
            }
        }
    }
}

ExprPtr PreparedQuery::Impl::pathTo(std::vector<std::string> path, Pos pos) {
    auto p = std::make_unique<Expr>();
    p->kind = Expr::Kind::Path;
    p->pos = pos;
    p->path = std::move(path);
    return p;
}

void PreparedQuery::Impl::expandStar(SelectItem& it, std::vector<std::pair<ExprPtr, std::string>>& out) {
    if (!it.expr) {
        if (vars.empty()) err("SELECT * must have a FROM clause", it.pos);
        for (std::size_t v = 0; v < vars.size(); ++v) {
            const auto& var = vars[v];
            if (var.table || (var.name.empty() && var.type.isStruct())) {
                for (std::size_t k = 0; k < var.type.fields.size(); ++k) {
                    if (var.hidden.count(static_cast<int>(k))) continue;
                    const auto& fname = var.type.fields[k].first;
                    auto p = std::make_unique<Expr>();
                    p->kind = Expr::Kind::Path;
                    p->pos = it.pos;
                    if (!var.name.empty()) p->path = {var.name, fname};
                    else p->path = {fname};
                    out.emplace_back(std::move(p), fname);
                }
            } else if (!var.name.empty()) {
                out.emplace_back(pathTo({var.name}, it.pos), var.anonymous ? std::string() : var.name);
            }
        }
        return;
    }
    if (it.expr->kind != Expr::Kind::Path) err("Dot-star is only supported on names and field paths in the sandbox", it.pos);
    auto probe = cloneExpr(*it.expr);
    BindCtx bc;
    bc.visible = vars.size();
    bind(*probe, bc);
    if (!probe->type.isStruct()) err("Dot-star is not supported for type " + probe->type.name(), it.pos);
    for (const auto& [fname, ftype] : probe->type.fields) {
        auto p = cloneExpr(*it.expr);
        p->path.push_back(fname);
        out.emplace_back(std::move(p), fname);
    }
}

void PreparedQuery::Impl::exceptAndReplace(SelectItem& it, std::vector<std::pair<ExprPtr, std::string>>& out, std::size_t start) {
    auto find = [&](const std::string& name) {
        for (std::size_t i = start; i < out.size(); ++i)
            if (iequals(out[i].second, name)) return static_cast<long>(i);
        return -1L;
    };
    for (const auto& name : it.except) {
        const long i = find(name);
        if (i < 0 && it.exceptLenient) continue;
        if (i < 0) err("Column " + name + " in SELECT * EXCEPT list does not exist", it.pos);
        out.erase(out.begin() + i);
    }
    if (!it.except.empty() && out.size() == start && !it.exceptLenient) err("SELECT * expands to zero columns after applying EXCEPT", it.pos);
    std::set<std::string> replaced;
    for (auto& [expr, name] : it.replace) {
        const long i = find(name);
        if (i < 0) err("Column " + name + " in SELECT * REPLACE list does not exist", expr->pos);
        if (!replaced.insert(lower(name)).second) err("Column " + name + " cannot be replaced twice in SELECT * REPLACE", expr->pos);
        out[static_cast<std::size_t>(i)].first = std::move(expr);
    }
}

void PreparedQuery::Impl::bindSetOperation() {
    std::vector<SetBranchShape> shapes;
    for (auto& b : sel.setBranches) {
        setBranches.push_back(makeSub(std::move(*b), "", true));
        const auto& impl = *setBranches.back()->impl;
        SetBranchShape& shape = shapes.emplace_back();
        shape.pos = impl.sel.pos;
        for (const auto& c : impl.columns) {
            shape.names.push_back(c.name);
            shape.types.push_back(c.expr->type);
            shape.anonymous.push_back(c.anonymous);
            const bool literal = c.expr->kind == Expr::Kind::Literal && !c.expr->value.isNull();
            shape.literal.push_back(literal ? &c.expr->value : nullptr);
        }
    }
    setPlan = planSetOperation(shapes, sel.setOps, sel.setColumns, sel.pos);
    for (std::size_t c = 0; c < setPlan.names.size(); ++c) {
        schema.fields.push_back(setPlan.types[c].toField(setPlan.names[c]));
        columnTypes.push_back(setPlan.types[c]);
    }
}

QueryResult PreparedQuery::Impl::runSetOperation() {
    QueryResult result;
    result.schema = schema;
    for (std::size_t b = 0; b < setBranches.size(); ++b) {
        auto r = setBranches[b]->impl->run();
        result.bytesProcessed += r.bytesProcessed;
        shapeSetRows(r.rows, setPlan, b);
        if (b == 0) result.rows = std::move(r.rows);
        else combineSetRows(result.rows, std::move(r.rows), sel.setOps[b - 1], setPlan.types);
    }
    return result;
}

bool PreparedQuery::Impl::hasSubquery(const Expr& e) {
    if (e.subquery) return true;
    for (const auto& a : e.args)
        if (hasSubquery(*a)) return true;
    return false;
}

bool PreparedQuery::Impl::readsFrom(const Expr& e) {
    if (e.kind == Expr::Kind::Path && e.outerDepth == 0) return true;
    for (const auto& a : e.args)
        if (readsFrom(*a)) return true;
    return false;
}

void PreparedQuery::Impl::inferGroupKeys(const BindCtx& input) {
    std::vector<const Expr*> items;
    std::vector<std::pair<ExprPtr, std::string>> starred; // what the stars give: each a key
    for (auto& it : sel.items) {
        if (!it.star) {
            items.push_back(it.expr.get());
            continue;
        }
        if (!it.replace.empty()) err("GROUP BY ALL with SELECT * REPLACE is not supported by the sandbox yet", it.pos);
        const auto start = starred.size();
        expandStar(it, starred);
        exceptAndReplace(it, starred, start);
    }
    for (const auto& s : starred) items.push_back(s.first.get());
    for (const Expr* item : items) {
        if (containsAggregate(*item) || containsWindow(*item)) continue;
        if (hasSubquery(*item)) err("GROUP BY ALL over a SELECT item with a subquery is not supported by the sandbox yet", item->pos);
        auto key = cloneExpr(*item);
        BindCtx gb = input;
        gb.aggContext = "GROUP BY clause";
        bind(*key, gb);
        if (!readsFrom(*key)) continue;
        if (key->type.array) err("Grouping by expressions of type ARRAY is not allowed", key->pos);
        groupKeys.push_back(std::move(key));
    }
    dedupeGroupKeys();
}

void PreparedQuery::Impl::bindLimitParams() {
    for (auto [param, value, what] : {std::tuple{&sel.limitParam, &sel.limit, "LIMIT"}, std::tuple{&sel.offsetParam, &sel.offset, "OFFSET"}}) {
        if (!*param) continue;
        bind(**param, BindCtx{});
        const SqlType& t = (*param)->type;
        if (!t.unknown && (t.array || t.kind != TypeKind::Int64))
            err(std::string(what) + " expects an integer literal or parameter, not " + t.name(), (*param)->pos);
        const Value& v = (*param)->value;
        if (v.isNull()) throw EvalError("Limit requires non-null count and offset");
        if (v.asInt64() < 0) throw EvalError("Limit requires non-negative count and offset");
        *value = v.asInt64();
    }
}

} // namespace quarry::sandbox::sql
