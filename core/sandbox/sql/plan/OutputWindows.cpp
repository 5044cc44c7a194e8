// SPDX-License-Identifier: MIT
// Analytic functions at the end of the plan: their inputs over every row, computeWindow,
// then QUALIFY and the projection with their values.
#include "sandbox/sql/plan/Output.h"

#include "sandbox/sql/CollationRules.h"
#include "sandbox/sql/Functions.h"
#include "sandbox/sql/ValueOps.h"
#include "sandbox/sql/Window.h"

#include <numeric>
#include <string>
#include <unordered_map>

namespace quarry::sandbox::sql::plan {
namespace {

bool hasWindow(const Expr& e) {
    if (e.windowIndex >= 0) return true;
    for (const auto& a : e.args)
        if (a && hasWindow(*a)) return true;
    return false;
}

/// Whether `e` reads its row other than through analytic values (whose inputs are taken
/// separately). Subqueries count as reading it.
bool readsRow(const Expr& e) {
    if (e.windowIndex >= 0) return false;
    if (e.kind == Expr::Kind::Path) return e.outerDepth == 0;
    if (e.kind == Expr::Kind::Subquery || e.subquery) return true;
    for (const auto& a : e.args)
        if (a && readsRow(*a)) return true;
    return false;
}

/// An expression whose evaluation cannot fail: evaluating it before QUALIFY has filtered
/// its row changes nothing.
bool cannotFail(const Expr& e) {
    return e.kind == Expr::Kind::Path || e.kind == Expr::Kind::Literal || e.kind == Expr::Kind::Param;
}

/// Partition numbers (by the PARTITION BY values' appendKey, in order of first appearance),
/// ORDER BY values and arguments of analytic call `call` for the rows `sel` of `b`: the j-th
/// selected row is row first + j of `in`, which has room for it.
void fillWindowInput(const Expr& call, const VectorEval& ev, const Batch& b, const Selection& sel, std::size_t first,
                     WindowInput& in, std::unordered_map<std::string, std::uint32_t>& ids) {
    const auto& partitionBy = call.window->partitionBy;
    Vec v;
    if (!partitionBy.empty()) {
        std::vector<std::string> keys(sel.size());
        for (const auto& p : partitionBy) {
            ev.eval(*p, b, sel, v);
            const Collation* coll = collationOfType(p->type); // rows whose values collate equal are one partition
            for (std::size_t j = 0; j < sel.size(); ++j) appendKey(keys[j], valueAt(v, sel[j]), coll);
        }
        for (std::size_t j = 0; j < sel.size(); ++j)
            in.partition[first + j] = ids.try_emplace(std::move(keys[j]), static_cast<std::uint32_t>(ids.size())).first->second;
    }
    for (std::size_t k = 0; k < in.orderWidth; ++k) {
        ev.eval(*call.window->orderBy[k].expr, b, sel, v);
        for (std::size_t j = 0; j < sel.size(); ++j) in.order[(first + j) * in.orderWidth + k] = valueAt(v, sel[j]);
    }
    for (std::size_t k = 0; k < in.argWidth; ++k) {
        ev.eval(*call.args[k], b, sel, v);
        for (std::size_t j = 0; j < sel.size(); ++j) in.args[(first + j) * in.argWidth + k] = valueAt(v, sel[j]);
    }
}

WindowInput emptyInput(const Expr& call) {
    WindowInput in;
    in.orderWidth = call.window->orderBy.size();
    in.argWidth = call.args.size();
    return in;
}

} // namespace

std::unique_ptr<Output::EarlyWindows> Output::planEarly(const BoundSelect& q) {
    if (q.windows.empty() || q.aggregating) return nullptr;
    if (q.qualify && readsRow(*q.qualify)) return nullptr;
    auto e = std::make_unique<EarlyWindows>();
    // Before QUALIFY has filtered: only what cannot fail is taken early then.
    auto place = [&](const Expr& x, std::vector<int>& into) {
        if (!hasWindow(x)) {
            if (q.qualify && !cannotFail(x)) return false;
            into.push_back(static_cast<int>(e->width++));
            return true;
        }
        into.push_back(-1);
        return !readsRow(x);
    };
    for (const Expr* c : q.columns)
        if (!place(*c, e->column)) return nullptr;
    for (const auto& o : q.order) {
        if (o.column >= 0) e->key.push_back(-1); // an output column
        else if (!place(*o.expr, e->key)) return nullptr;
    }
    for (const Expr* w : q.windows) e->in.push_back(emptyInput(*w));
    e->ids.resize(q.windows.size());
    return e;
}

bool Output::windowsNeedRows(const BoundSelect& q) { return !planEarly(q); }

bool Output::takeEarly(const Value* early, int index, const Batch& b, const Selection& sel, Vec& out) const {
    if (index < 0) return false;
    out.at.assign(b.size, nullptr);
    for (const auto i : sel) out.at[i] = &early[i * early_->width + static_cast<std::size_t>(index)];
    return true;
}

void Output::consumeEarly(const Batch& b, const Selection& sel) {
    auto& e = *early_;
    const std::size_t first = e.rows, m = sel.size();
    e.rows += m;
    for (std::size_t w = 0; w < q_.windows.size(); ++w) {
        auto& in = e.in[w];
        in.partition.resize(e.rows, 0);
        in.order.resize(e.rows * in.orderWidth);
        in.args.resize(e.rows * in.argWidth);
        fillWindowInput(*q_.windows[w], ev_, b, sel, first, in, e.ids[w]);
    }
    if (e.width == 0) return;
    e.values.resize(e.rows * e.width);
    Vec v;
    auto take = [&](const Expr& x, int index) {
        if (index < 0) return;
        ev_.eval(x, b, sel, v);
        for (std::size_t j = 0; j < m; ++j) e.values[(first + j) * e.width + static_cast<std::size_t>(index)] = valueAt(v, sel[j]);
    };
    for (std::size_t c = 0; c < q_.columns.size(); ++c) take(*q_.columns[c], e.column[c]);
    for (std::size_t k = 0; k < q_.order.size(); ++k)
        if (q_.order[k].column < 0) take(*q_.order[k].expr, e.key[k]);
}

void Output::finishWindows() {
    const bool grouped = q_.aggregating;
    const std::size_t n = grouped ? waitingGroups_.size() : early_ ? early_->rows : waitingRows_, nw = q_.windows.size();
    // Rows of the FROM clause are evaluated a batch at a time (early: with no range
    // variables, since what is read of them was taken already); groups one by one.
    auto batches = [&](auto&& each) {
        Batch b;
        b.width = q_.width;
        Selection sel;
        for (std::size_t first = 0; first < n; first += kBatchRows) {
            checkCancel(q_);
            const std::size_t m = std::min(kBatchRows, n - first);
            b.size = m;
            if (early_) b.slots.assign(m * q_.width, nullptr);
            else
                b.slots.assign(waiting_.begin() + static_cast<std::ptrdiff_t>(first * q_.width),
                               waiting_.begin() + static_cast<std::ptrdiff_t>((first + m) * q_.width));
            sel.resize(m);
            std::iota(sel.begin(), sel.end(), std::uint32_t{0});
            each(b, sel, first);
        }
    };
    auto groupFrame = [&](std::size_t i, const Value* win) { return Frame{nullptr, &waitingGroups_[i].aggs, &waitingGroups_[i].keys, win, q_.outer}; };
    // Each analytic function over all rows, then the rows finished with their values.
    std::vector<Value> values(n * nw); // row i's values at [i * nw, (i + 1) * nw)
    for (std::size_t w = 0; w < nw; ++w) {
        const Expr& call = *q_.windows[w];
        const auto& partitionBy = call.window->partitionBy;
        WindowInput in = emptyInput(call);
        PartitionIds partitionIds;
        if (early_) { // taken as the rows came
            in = std::move(early_->in[w]);
            partitionIds = std::move(early_->ids[w]);
            in.partitions = n ? 1 : 0;
        } else if (grouped) {
            in.resize(n);
            std::vector<const Collation*> partColls; // rows whose PARTITION BY values collate equal are one partition
            for (const auto& p : partitionBy) partColls.push_back(collationOfType(p->type));
            std::string key;
            for (std::size_t i = 0; i < n; ++i) {
                if ((i & 4095) == 0) checkCancel(q_);
                const Frame f = groupFrame(i, nullptr);
                for (std::size_t k = 0; k < partitionBy.size(); ++k) appendKey(key, q_.rows->eval(*partitionBy[k], f), partColls[k]);
                if (!partitionBy.empty()) {
                    in.partition[i] = partitionIds.try_emplace(key, static_cast<std::uint32_t>(partitionIds.size())).first->second;
                    key.clear();
                }
                for (std::size_t k = 0; k < in.orderWidth; ++k) in.order[i * in.orderWidth + k] = q_.rows->eval(*call.window->orderBy[k].expr, f);
                for (std::size_t k = 0; k < in.argWidth; ++k) in.args[i * in.argWidth + k] = q_.rows->eval(*call.args[k], f);
            }
        } else {
            in.resize(n);
            batches([&](const Batch& b, const Selection& sel, std::size_t first) { fillWindowInput(call, ev_, b, sel, first, in, partitionIds); });
        }
        if (!partitionBy.empty()) in.partitions = static_cast<std::uint32_t>(partitionIds.size());
        partitionIds = {};
        struct Agg final : FrameAggregate {
            const RowEvaluator& q;
            const Expr& call;
            const WindowInput& rows;
            AggState state;
            Agg(const RowEvaluator& owner, const Expr& c, const WindowInput& r) : q(owner), call(c), rows(r) {}
            void reset() override { state = AggState{}; }
            void add(std::size_t r) override {
                const std::size_t width = rows.argWidth;
                q.add(state, call, call.star || width == 0 ? nullValue() : rows.argOf(r, 0), width > 1 ? &rows.argOf(r, 1) : nullptr);
            }
            Value value() override {
                const bool consumes = call.aggFn == AggFn::ArrayAgg || call.aggFn == AggFn::ArrayConcatAgg ||
                                      call.aggFn == AggFn::ApproxQuantiles || call.aggFn == AggFn::ApproxTopCount ||
                                      call.aggFn == AggFn::ApproxTopSum;
                if (!consumes) return q.finish(state, call);
                AggState copy = state; // finishing an ARRAY_AGG moves its list out
                return q.finish(copy, call);
            }
        } agg(*q_.rows, call, in);
        auto res = computeWindow(call, in, isAggregateFunction(call.op) ? &agg : nullptr);
        for (std::size_t i = 0; i < n; ++i) values[i * nw + w] = std::move(res[i]);
    }
    if (!grouped) {
        Vec keep;
        batches([&](Batch& b, Selection& sel, std::size_t first) {
            b.windows = values.data() + first * nw;
            b.windowStride = nw;
            if (q_.qualify) {
                ev_.eval(*q_.qualify, b, sel, keep);
                std::size_t kept = 0;
                for (const auto i : sel)
                    if (isTrue(valueAt(keep, i))) sel[kept++] = i;
                sel.resize(kept);
            }
            projectInto(b, sel, early_ && early_->width ? early_->values.data() + first * early_->width : nullptr);
        });
    } else {
        for (std::size_t i = 0; i < n; ++i) {
            const Frame f = groupFrame(i, values.data() + i * nw);
            if (q_.qualify && !isTrue(q_.rows->eval(*q_.qualify, f))) continue;
            collectRow(f);
        }
    }
    finishRows();
}

} // namespace quarry::sandbox::sql::plan
