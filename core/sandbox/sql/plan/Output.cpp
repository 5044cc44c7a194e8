// SPDX-License-Identifier: MIT
#include "sandbox/sql/plan/Output.h"

#include "sandbox/sql/Functions.h"
#include "sandbox/sql/Window.h"
#include "sandbox/sql/plan/KeyHash.h"
#include "sandbox/sql/CollationRules.h"

#include <algorithm>
#include <iterator>
#include <numeric>
#include <span>
#include <unordered_map>
#include <unordered_set>

namespace quarry::sandbox::sql::plan {
namespace {

/// ORDER BY's comparison of two rows' keys: <0 when the first comes first, 0 on a tie.
template <class A, class B> int compareKeys(std::span<const BoundSelect::Order> order, A keyA, B keyB) {
    for (std::size_t i = 0; i < order.size(); ++i) {
        const Value &x = keyA(i), &y = keyB(i);
        if (x.isNull() || y.isNull()) {
            if (x.isNull() == y.isNull()) continue;
            return x.isNull() == order[i].nullsFirst ? -1 : 1;
        }
        // INT64 keys (the usual case) compared here; everything else by the general rule.
        const int c = x.kind() == ValueKind::Int64 && y.kind() == ValueKind::Int64 && !order[i].collation
                          ? (x.asInt64() < y.asInt64() ? -1 : x.asInt64() > y.asInt64())
                          : compareValues(x, y, order[i].collation);
        if (c) return order[i].desc ? -c : c;
    }
    return 0;
}

Value structOf(std::vector<Value>&& cols) {
    Value row = Value::structOf(cols.size());
    for (std::size_t c = 0; c < cols.size(); ++c) row[c] = std::move(cols[c]);
    return row;
}

} // namespace

Output::Output(const BoundSelect& q, const VectorEval& ev, std::vector<Value>& result, bool rowsMove)
    : q_(q), ev_(ev), result_(result), colVecs_(q.columns.size()), keyVecs_(q.order.size()) {
    rowsMove_ = rowsMove;
    if (q.limit) wanted_ = static_cast<std::size_t>(q.rowsWanted());
    if (!q.windows.empty()) {
        mode_ = Mode::Windowed;
        if (rowsMove && !q.aggregating) early_ = planEarly(q);
    } else if (q.aggregating || q.distinct || (q.order.empty() ? false : !q.limit)) mode_ = Mode::Collect;
    else if (!q.order.empty()) mode_ = Mode::TopN;
    else mode_ = Mode::Stream;
}

bool Output::before(const Candidate& a, const Candidate& b) const {
    const int c = compareKeys(q_.order, [&](std::size_t i) -> const Value& { return a.keys[i]; },
                              [&](std::size_t i) -> const Value& { return b.keys[i]; });
    return c != 0 ? c < 0 : a.seq < b.seq;
}

bool Output::consume(const Batch& b, const Selection& sel) {
    Timed t(stats);
    stats.in += sel.size();
    switch (mode_) {
    case Mode::TopN: offerTopN(b, sel); return true;
    case Mode::Collect: projectInto(b, sel); return true;
    case Mode::Windowed:
        if (early_) {
            consumeEarly(b, sel);
            return true;
        }
        for (const auto i : sel) waiting_.insert(waiting_.end(), b.row(i), b.row(i) + b.width);
        waitingRows_ += sel.size();
        return true;
    case Mode::Stream: break;
    }
    // Without ORDER BY the first OFFSET + LIMIT rows are the answer: stop reading after them.
    Selection take;
    for (const auto i : sel) {
        if (q_.limit && streamed_ >= wanted_) break;
        if (streamed_++ >= static_cast<std::uint64_t>(q_.offset.value_or(0))) take.push_back(i);
    }
    for (std::size_t c = 0; c < q_.columns.size(); ++c) ev_.eval(*q_.columns[c], b, take, colVecs_[c]);
    for (const auto i : take) {
        std::vector<Value> cols;
        cols.reserve(q_.columns.size());
        for (auto& v : colVecs_) cols.push_back(valueAt(v, i));
        result_.push_back(structOf(std::move(cols)));
    }
    return !(q_.limit && streamed_ >= wanted_);
}

bool Output::direct() const { return q_.order.empty() && !q_.distinct; }

bool Output::admit() {
    const std::uint64_t at = streamed_++;
    return at >= static_cast<std::uint64_t>(q_.offset.value_or(0)) && (!q_.limit || at < wanted_);
}

void Output::projectInto(const Batch& b, const Selection& sel, const Value* early) {
    for (std::size_t c = 0; c < q_.columns.size(); ++c)
        if (!early || !takeEarly(early, early_->column[c], b, sel, colVecs_[c])) ev_.eval(*q_.columns[c], b, sel, colVecs_[c]);
    if (direct()) { // nothing to sort or remove: straight into the result
        for (const auto i : sel) {
            if (!admit()) continue;
            Value row = Value::structOf(q_.columns.size());
            for (std::size_t c = 0; c < colVecs_.size(); ++c) row[c] = valueAt(colVecs_[c], i);
            result_.push_back(std::move(row));
        }
        return;
    }
    for (std::size_t k = 0; k < q_.order.size(); ++k)
        if (q_.order[k].column < 0 && (!early || !takeEarly(early, early_->key[k], b, sel, keyVecs_[k])))
            ev_.eval(*q_.order[k].expr, b, sel, keyVecs_[k]);
    for (const auto i : sel) {
        Row r;
        r.cols.reserve(q_.columns.size());
        for (auto& v : colVecs_) r.cols.push_back(valueAt(v, i));
        for (std::size_t k = 0; k < q_.order.size(); ++k) {
            const int c = q_.order[k].column;
            r.keys.push_back(c >= 0 ? r.cols[static_cast<std::size_t>(c)] : valueAt(keyVecs_[k], i));
        }
        rows_.push_back(std::move(r));
    }
}

void Output::offerTopN(const Batch& b, const Selection& sel) {
    if (wanted_ == 0) return;
    // Once the heap is full, a row whose first key is already worse than the worst kept one's
    // cannot enter (the worst kept only gets better): the other keys are read only for the
    // rows left, usually a few of the batch.
    const Selection* rows = &sel;
    ev_.eval(*q_.order[0].expr, b, sel, keyVecs_[0]);
    if (heap_.size() == wanted_ && q_.order.size() > 1) {
        const auto first = std::span<const BoundSelect::Order>(q_.order).first(1);
        const Value& worst = heap_.front().keys[0];
        narrowed_.clear();
        for (const auto i : sel)
            if (compareKeys(first, [&](std::size_t) -> const Value& { return valueAt(keyVecs_[0], i); },
                            [&](std::size_t) -> const Value& { return worst; }) <= 0)
                narrowed_.push_back(i);
        rows = &narrowed_;
    }
    for (std::size_t k = 1; k < q_.order.size(); ++k) ev_.eval(*q_.order[k].expr, b, *rows, keyVecs_[k]);
    auto worse = [this](const Candidate& x, const Candidate& y) { return before(x, y); }; // max-heap: worst on top
    // Every row is counted in input order, the ones left out too: ties go to the earlier.
    const std::uint64_t seqBase = seq_;
    seq_ += sel.size();
    std::size_t pos = 0;
    for (const auto i : *rows) {
        while (sel[pos] != i) ++pos;
        const std::uint64_t seq = seqBase + pos;
        if (heap_.size() == wanted_) {
            // Later rows lose ties (they come after in input order), so only a strictly
            // smaller key can enter.
            const Candidate& top = heap_.front();
            const int c = compareKeys(q_.order, [&](std::size_t k) -> const Value& { return valueAt(keyVecs_[k], i); },
                                      [&](std::size_t k) -> const Value& { return top.keys[k]; });
            if (c >= 0) continue;
            std::pop_heap(heap_.begin(), heap_.end(), worse);
            heap_.pop_back();
        }
        Candidate cand;
        cand.row.assign(b.row(i), b.row(i) + b.width);
        if (rowsMove_) {
            cand.owned.reserve(b.width); // never grows past: the pointers into it stay good
            for (auto& p : cand.row)
                if (p) p = &cand.owned.emplace_back(*p);
        }
        cand.keys.reserve(q_.order.size());
        for (auto& v : keyVecs_) cand.keys.push_back(valueAt(v, i));
        cand.seq = seq;
        heap_.push_back(std::move(cand));
        std::push_heap(heap_.begin(), heap_.end(), worse);
    }
}

void Output::absorb(Output& later) {
    stats.in += later.stats.in;
    stats.time = std::max(stats.time, later.stats.time); // the parts ran side by side
    if (mode_ == Mode::TopN) {
        auto worse = [this](const Candidate& x, const Candidate& y) { return before(x, y); };
        for (auto& cand : later.heap_) {
            cand.seq += seq_; // the later rows come after all of this one's
            if (heap_.size() == wanted_) {
                if (wanted_ == 0 || !before(cand, heap_.front())) continue;
                std::pop_heap(heap_.begin(), heap_.end(), worse);
                heap_.pop_back();
            }
            heap_.push_back(std::move(cand));
            std::push_heap(heap_.begin(), heap_.end(), worse);
        }
        seq_ += later.seq_;
    } else {
        rows_.insert(rows_.end(), std::make_move_iterator(later.rows_.begin()), std::make_move_iterator(later.rows_.end()));
    }
    later.heap_.clear();
    later.rows_.clear();
}

void Output::finishTopN() {
    std::sort_heap(heap_.begin(), heap_.end(), [this](const Candidate& x, const Candidate& y) { return before(x, y); });
    const std::size_t skip = static_cast<std::size_t>(q_.offset.value_or(0));
    if (heap_.size() <= skip) return;
    Batch winners;
    winners.width = q_.width;
    Selection all;
    for (std::size_t n = skip; n < heap_.size(); ++n) {
        winners.slots.insert(winners.slots.end(), heap_[n].row.begin(), heap_[n].row.end());
        all.push_back(static_cast<std::uint32_t>(winners.size++));
    }
    for (std::size_t c = 0; c < q_.columns.size(); ++c) ev_.eval(*q_.columns[c], winners, all, colVecs_[c]);
    for (const auto i : all) {
        const Candidate& cand = heap_[skip + i];
        std::vector<Value> cols;
        cols.reserve(q_.columns.size());
        for (std::size_t c = 0; c < q_.columns.size(); ++c) {
            // ORDER BY an output column: the value it was ordered by (RAND() is not re-drawn).
            const auto k = std::find_if(q_.order.begin(), q_.order.end(), [&](const auto& o) { return o.column == static_cast<int>(c); });
            cols.push_back(k != q_.order.end() ? cand.keys[static_cast<std::size_t>(k - q_.order.begin())] : valueAt(colVecs_[c], i));
        }
        result_.push_back(structOf(std::move(cols)));
    }
}

void Output::collectRow(const Frame& f) {
    if (direct()) {
        if (!admit()) return;
        Value row = Value::structOf(q_.columns.size());
        for (std::size_t c = 0; c < q_.columns.size(); ++c) row[c] = q_.rows->eval(*q_.columns[c], f);
        result_.push_back(std::move(row));
        return;
    }
    Row r;
    for (const Expr* c : q_.columns) r.cols.push_back(q_.rows->eval(*c, f));
    for (const auto& o : q_.order) r.keys.push_back(o.column >= 0 ? r.cols[static_cast<std::size_t>(o.column)] : q_.rows->eval(*o.expr, f));
    rows_.push_back(std::move(r));
}

void Output::consumeGroups(std::vector<HashAggregate::Group>& groups, OperatorStats& aggStats) {
    Timed t(aggStats);
    std::uint64_t kept = 0;
    for (auto& g : groups) {
        std::vector<Value> aggValues;
        aggValues.reserve(q_.aggs.size());
        for (std::size_t a = 0; a < q_.aggs.size(); ++a) aggValues.push_back(q_.rows->finish(g.states[a], *q_.aggs[a]));
        const Frame f{nullptr, &aggValues, &g.keys, nullptr, q_.outer};
        if (q_.having && !isTrue(q_.rows->eval(*q_.having, f))) continue;
        ++kept;
        if (mode_ == Mode::Windowed) {
            waitingGroups_.push_back({std::move(aggValues), std::move(g.keys)});
            continue;
        }
        collectRow(f);
    }
    aggStats.out = kept;
    stats.in += kept;
}

void Output::finishRows() {
    if (direct()) return; // the rows went to the result as they came
    if (q_.distinct) {
        std::vector<const Collation*> colls; // per column: the collation it is distinct under
        for (const Expr* c : q_.columns) colls.push_back(collationOfType(c->type));
        struct Hash {
            const std::vector<Row>* rows;
            const std::vector<const Collation*>* colls;
            std::size_t operator()(std::size_t i) const {
                std::size_t h = 0;
                const auto& cols = (*rows)[i].cols;
                for (std::size_t c = 0; c < cols.size(); ++c)
                    h = (h ^ keyHash(cols[c], c < colls->size() ? (*colls)[c] : nullptr)) * 0x100000001b3ULL;
                return h;
            }
        };
        struct Eq {
            const std::vector<Row>* rows;
            const std::vector<const Collation*>* colls;
            bool operator()(std::size_t a, std::size_t b) const {
                const auto &x = (*rows)[a].cols, &y = (*rows)[b].cols;
                for (std::size_t c = 0; c < x.size(); ++c)
                    if (!keyEqual(x[c], y[c], c < colls->size() ? (*colls)[c] : nullptr)) return false;
                return true;
            }
        };
        std::unordered_set<std::size_t, Hash, Eq> seen(16, Hash{&rows_, &colls}, Eq{&rows_, &colls});
        std::vector<Row> kept;
        for (std::size_t i = 0; i < rows_.size(); ++i)
            if (seen.insert(i).second) kept.push_back(rows_[i]);
        rows_ = std::move(kept);
    }
    std::vector<std::size_t> rank(rows_.size());
    std::iota(rank.begin(), rank.end(), std::size_t{0});
    const std::size_t start = static_cast<std::size_t>(q_.offset.value_or(0));
    const std::size_t end = q_.limit ? static_cast<std::size_t>(std::min<std::uint64_t>(rows_.size(), q_.rowsWanted())) : rows_.size();
    if (!q_.order.empty()) {
        auto first = [&](std::size_t a, std::size_t b) {
            const int c = compareKeys(q_.order, [&](std::size_t k) -> const Value& { return rows_[a].keys[k]; },
                                      [&](std::size_t k) -> const Value& { return rows_[b].keys[k]; });
            return c != 0 ? c < 0 : a < b;
        };
        if (end < rank.size() / 2) std::partial_sort(rank.begin(), rank.begin() + static_cast<std::ptrdiff_t>(end), rank.end(), first);
        else std::sort(rank.begin(), rank.end(), first);
    }
    for (std::size_t i = start; i < end; ++i) result_.push_back(structOf(std::move(rows_[rank[i]].cols)));
}

void Output::finish() {
    Timed t(stats);
    if (mode_ == Mode::TopN) finishTopN();
    else if (mode_ == Mode::Collect) finishRows();
    else if (mode_ == Mode::Windowed) finishWindows();
    stats.out = result_.size();
}

} // namespace quarry::sandbox::sql::plan
