// SPDX-License-Identifier: MIT
#include "sandbox/sql/plan/GroupSkip.h"

#include "sandbox/sql/ColumnTest.h"
#include "value/Text.h"

#include <algorithm>

namespace quarry::sandbox::sql::plan {
namespace {

bool usable(const std::optional<Value>& v) { return v && !v->isNull() && boundedKind(v->kind()); }

} // namespace

GroupSkip GroupSkip::of(const BoundSelect& q, std::size_t item) {
    GroupSkip skip;
    if (item >= q.sources.size() || !q.sources[item].table || q.sources[item].unnest) return skip;
    // A comparison is TRUE for no NULL, so an output row passing it holds a row of the table
    // that passes it, whatever the joins: a table row failing it adds nothing, and the rows
    // it would have matched come back NULL-extended or not at all, failing it too. IS NULL
    // holds for NULL-extended rows: only over the first table with no RIGHT or FULL JOIN.
    bool isNullToo = item == 0;
    for (const auto& s : q.sources)
        if (s.right) isNullToo = false;
    const int slot = q.sources[item].slot;
    std::vector<const Expr*> parts = q.where;
    for (const auto& pushed : q.pushed) parts.insert(parts.end(), pushed.begin(), pushed.end());
    const auto columnOf = [&](const Expr& e) -> int {
        if (e.kind != Expr::Kind::Path || e.outerDepth != 0 || e.slot != slot || e.fieldPath.size() != 1) return -1;
        return e.fieldPath[0] >= 0 ? slot : -1;
    };
    const auto constant = [&](const Expr& e) -> std::optional<Value> {
        if (!constantTree(e)) return std::nullopt;
        try {
            return q.rows->eval(e, Frame{});
        } catch (const std::exception&) { // an error the row-by-row WHERE will report
            return std::nullopt;
        }
    };
    for (const Expr* p : parts) {
        if (!p || p->collation) continue;
        Test t;
        if (p->kind == Expr::Kind::IsNull && text::iequals(p->op, "NULL") && p->args.size() == 1 && columnOf(*p->args[0]) >= 0) {
            if (!p->negated && !isNullToo) continue;
            t.column = static_cast<std::size_t>(p->args[0]->fieldPath[0]);
            t.kind = p->negated ? Test::Kind::NotNull : Test::Kind::IsNull;
            skip.tests_.push_back(std::move(t));
            continue;
        }
        const auto c = columnTest(*p, columnOf, constant);
        if (!c) continue;
        const Expr& column = c->op == "between" || c->op == "in" || columnOf(*p->args[0]) >= 0 ? *p->args[0] : *p->args[1];
        t.column = static_cast<std::size_t>(column.fieldPath[0]);
        if (!std::all_of(c->values.begin(), c->values.end(), usable)) continue;
        if (c->op == "in") {
            t.kind = Test::Kind::Points;
            for (const auto& v : c->values) t.points.push_back(*v);
        } else if (c->op == "between") {
            t.lo = c->values[0];
            t.hi = c->values[1];
        } else {
            if (c->op != ">" && c->op != ">=") t.hi = c->values[0];
            if (c->op != "<" && c->op != "<=") t.lo = c->values[0];
            t.loStrict = c->op == ">";
            t.hiStrict = c->op == "<";
        }
        skip.tests_.push_back(std::move(t));
    }
    return skip;
}

bool GroupSkip::rulesOut(const Test& t, const ColumnStats& s, std::uint64_t rows) {
    switch (t.kind) {
    case Test::Kind::IsNull: return s.nulls == 0;
    case Test::Kind::NotNull: return s.nulls >= rows;
    default: break;
    }
    if (s.nulls >= rows) return true; // only NULLs: no comparison is TRUE
    if (!s.min || !s.max) return false;
    const auto kind = s.min->kind();
    const auto outside = [&](const Value& v) {
        return v.kind() == kind && (compareValues(v, *s.min) < 0 || compareValues(v, *s.max) > 0);
    };
    if (t.kind == Test::Kind::Points) return std::all_of(t.points.begin(), t.points.end(), outside);
    if (t.lo && t.lo->kind() == kind) {
        const int c = compareValues(*t.lo, *s.max);
        if (c > 0 || (c == 0 && t.loStrict)) return true;
    }
    if (t.hi && t.hi->kind() == kind) {
        const int c = compareValues(*t.hi, *s.min);
        if (c < 0 || (c == 0 && t.hiStrict)) return true;
    }
    return false;
}

bool GroupSkip::skips(const RowGroupSource& src, std::size_t g) const {
    if (tests_.empty()) return false;
    const auto* stats = src.statsOf(g);
    if (!stats) return false;
    const auto rows = src.rowsIn(g);
    for (const auto& t : tests_)
        if (t.column < stats->size() && rulesOut(t, (*stats)[t.column], rows)) return true;
    return false;
}

bool aggregatesFromStats(const BoundSelect& q, const RowGroupSource& src, std::vector<AggState>* states) {
    if (!q.aggregating || !q.groupKeys.empty() || !q.groupingSets.empty() || !q.where.empty() || !q.windows.empty() ||
        q.sources.size() != 1 || !q.sources[0].table || q.sources[0].unnest)
        return false;
    for (const auto& parts : q.pushed)
        if (!parts.empty()) return false;
    const int slot = q.sources[0].slot;
    // Per aggregate: its column (-1: COUNT(*)).
    std::vector<int> columns;
    for (const Expr* a : q.aggs) {
        if (!a || a->distinct || a->aggMods || a->collation || a->window || !a->within.empty()) return false;
        if (a->star && a->aggFn == AggFn::Count) {
            columns.push_back(-1);
            continue;
        }
        if ((a->aggFn != AggFn::Count && a->aggFn != AggFn::Min && a->aggFn != AggFn::Max) || a->args.size() != 1 || !a->args[0])
            return false;
        const Expr& c = *a->args[0];
        if (c.kind != Expr::Kind::Path || c.outerDepth != 0 || c.slot != slot || c.fieldPath.size() != 1 || c.fieldPath[0] < 0) return false;
        columns.push_back(c.fieldPath[0]);
    }
    for (std::size_t g = 0; g < src.groups(); ++g) {
        const auto* stats = src.statsOf(g);
        if (!stats) return false;
        for (std::size_t i = 0; i < columns.size(); ++i) {
            if (columns[i] < 0 || q.aggs[i]->aggFn == AggFn::Count) {
                if (columns[i] >= 0 && static_cast<std::size_t>(columns[i]) >= stats->size()) return false;
                continue;
            }
            const auto c = static_cast<std::size_t>(columns[i]);
            if (c >= stats->size()) return false;
            const auto& s = (*stats)[c];
            if (s.nulls < src.rowsIn(g) && (!s.min || !s.max)) return false; // values without bounds
        }
    }
    if (!states) return true;
    for (std::size_t g = 0; g < src.groups(); ++g) {
        const auto& stats = *src.statsOf(g);
        const auto rows = src.rowsIn(g);
        for (std::size_t i = 0; i < columns.size(); ++i) {
            AggState& state = (*states)[i];
            if (columns[i] < 0) {
                state.count += static_cast<std::int64_t>(rows);
                continue;
            }
            const auto& s = stats[static_cast<std::size_t>(columns[i])];
            if (q.aggs[i]->aggFn == AggFn::Count) {
                state.count += static_cast<std::int64_t>(rows - std::min(rows, s.nulls));
            } else if (s.nulls < rows) { // MIN and MAX see the group's least and greatest
                q.rows->add(state, *q.aggs[i], *s.min, nullptr);
                q.rows->add(state, *q.aggs[i], *s.max, nullptr);
            }
        }
    }
    return true;
}

} // namespace quarry::sandbox::sql::plan
