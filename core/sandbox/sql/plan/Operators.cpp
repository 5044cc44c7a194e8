// SPDX-License-Identifier: MIT
#include "sandbox/sql/plan/Operators.h"

#include "sandbox/sql/plan/KeyHash.h"

#include <algorithm>

namespace quarry::sandbox::sql::plan {

// ---- FROM ----

namespace {

/// Adds a row to `b`: `row`'s range variables, with `slot` set to `here`.
void appendRow(Batch& b, const Value* const* row, int slot, const Value* here) {
    b.slots.insert(b.slots.end(), row, row + b.width);
    b.slots[b.size * b.width + static_cast<std::size_t>(slot)] = here;
    ++b.size;
}

void checkCancel(const BoundSelect& q) {
    if (q.cancelled && q.cancelled->load()) throw PreparedQuery::Cancelled{};
}

} // namespace

bool TableScan::next(Batch& out) {
    Timed t(stats);
    out.clear();
    out.width = q_.width;
    const auto& rows = s_.table->rows;
    const std::size_t n = std::min(kBatchRows, rows.size() - nextRow_);
    out.slots.assign(n * q_.width, nullptr);
    for (std::size_t i = 0; i < n; ++i) out.slots[i * q_.width + static_cast<std::size_t>(s_.slot)] = &rows[nextRow_ + i];
    nextRow_ += n;
    out.size = n;
    tableRows += n;
    stats.out += n;
    return n > 0;
}

bool UnnestJoin::next(Batch& out) {
    Timed t(stats);
    out.clear();
    out.width = q_.width;
    while (out.size < kBatchRows) {
        if (row_ >= in_.size) {
            if (!input_->next(in_)) break;
            stats.in += in_.size;
            row_ = element_ = 0;
            continue;
        }
        const Value* const* r = in_.row(row_);
        const Value* arr = readPath(*s_.unnest, r, q_.outer);
        const std::size_t n = arr && arr->kind() == ValueKind::Array ? arr->size() : 0;
        if (n == 0) {
            if (s_.left) appendRow(out, r, s_.slot, nullptr); // LEFT JOIN UNNEST of nothing: the row stays
            ++row_;
            continue;
        }
        while (element_ < n && out.size < kBatchRows) appendRow(out, r, s_.slot, &(*arr)[element_++]);
        if (element_ >= n) {
            ++row_;
            element_ = 0;
        }
    }
    stats.out += out.size;
    return out.size > 0;
}

void HashJoin::build() {
    built_ = true;
    const auto& rows = s_.table->rows;
    tableRows += rows.size();
    Batch b;
    b.width = q_.width;
    Selection sel;
    Vec keys;
    entries_.reserve(rows.size());
    keys_.reserve(rows.size());
    for (std::size_t start = 0; start < rows.size(); start += kBatchRows) {
        checkCancel(q_);
        const std::size_t n = std::min(kBatchRows, rows.size() - start);
        b.size = n;
        b.slots.assign(n * q_.width, nullptr);
        sel.resize(n);
        for (std::size_t i = 0; i < n; ++i) {
            b.slots[i * q_.width + static_cast<std::size_t>(s_.slot)] = &rows[start + i];
            sel[i] = static_cast<std::uint32_t>(i);
        }
        ev_.eval(*s_.buildKey, b, sel, keys);
        for (std::size_t i = 0; i < n; ++i) {
            const Value* k = keys.at[i];
            if (!k || k->isNull()) continue; // = with NULL is never true
            if (!keys.own.empty()) {
                computedKeys_.push_back(*k);
                k = &computedKeys_.back();
            }
            entries_.push_back({keyHash(*k), static_cast<std::uint32_t>(start + i), 0});
            keys_.push_back(k);
        }
    }
    std::size_t size = 16;
    while (size < entries_.size() * 2) size *= 2;
    buckets_.assign(size, 0);
    // Linked from the last entry to the first, so each bucket lists its rows in table order.
    for (std::size_t e = entries_.size(); e-- > 0;) {
        auto& head = buckets_[entries_[e].hash & (size - 1)];
        entries_[e].next = head;
        head = static_cast<std::uint32_t>(e + 1);
    }
}

void HashJoin::append(Batch& b, const Value* const* row, const Value* here) const { appendRow(b, row, s_.slot, here); }

void HashJoin::probe(Batch& staged, std::vector<std::uint64_t>& from, std::vector<char>& unmatched) {
    staged.clear();
    staged.width = q_.width;
    from.clear();
    unmatched.clear();
    const auto& rows = s_.table->rows;
    const std::size_t mask = buckets_.size() - 1;
    while (staged.size < kBatchRows) {
        if (row_ >= in_.size) {
            if (!input_->next(in_)) break;
            stats.in += in_.size;
            row_ = 0;
            Selection all(in_.size);
            for (std::size_t i = 0; i < all.size(); ++i) all[i] = static_cast<std::uint32_t>(i);
            ev_.eval(*s_.probeKey, in_, all, probeKeys_);
            continue;
        }
        const Value* const* r = in_.row(row_);
        const Value* k = probeKeys_.at[row_];
        const std::size_t before = staged.size;
        if (k && !k->isNull()) {
            const std::size_t h = keyHash(*k);
            for (std::uint32_t e = buckets_[h & mask]; e != 0; e = entries_[e - 1].next) {
                const Entry& en = entries_[e - 1];
                if (en.hash != h || !keyEqual(*keys_[e - 1], *k)) continue;
                append(staged, r, &rows[en.row]);
                from.push_back(inputRow_);
                unmatched.push_back(0);
            }
        }
        if (staged.size == before && s_.left) {
            append(staged, r, nullptr);
            from.push_back(inputRow_);
            unmatched.push_back(1);
        }
        ++row_;
        ++inputRow_;
    }
}

bool HashJoin::next(Batch& out) {
    Timed t(stats);
    if (!built_) build();
    Batch staged;
    std::vector<std::uint64_t> from;
    std::vector<char> unmatched;
    while (true) {
        probe(staged, from, unmatched);
        if (staged.size == 0) return false;
        if (!s_.on) {
            out = std::move(staged);
            stats.out += out.size;
            return true;
        }
        // The rest of ON, on the pairs found; a LEFT input row none of whose pairs pass it
        // stays once, with NULL here.
        Selection pairs;
        for (std::size_t i = 0; i < staged.size; ++i)
            if (!unmatched[i]) pairs.push_back(static_cast<std::uint32_t>(i));
        ev_.eval(*s_.on, staged, pairs, on_);
        out.clear();
        out.width = q_.width;
        for (std::size_t i = 0; i < staged.size;) {
            std::size_t end = i;
            bool any = false;
            for (; end < staged.size && from[end] == from[i]; ++end) {
                if (unmatched[end] || isTrue(valueAt(on_, end))) {
                    out.slots.insert(out.slots.end(), staged.row(end), staged.row(end) + q_.width);
                    ++out.size;
                    any = true;
                }
            }
            if (!any && s_.left) append(out, staged.row(i), nullptr);
            i = end;
        }
        if (out.size > 0) {
            stats.out += out.size;
            return true;
        }
    }
}

std::unique_ptr<RowOperator> buildFrom(const BoundSelect& q, const VectorEval& ev, std::vector<const RowOperator*>& all) {
    std::unique_ptr<RowOperator> op = std::make_unique<TableScan>(q, q.sources[0]);
    all.push_back(op.get());
    for (std::size_t i = 1; i < q.sources.size(); ++i) {
        const auto& s = q.sources[i];
        if (s.unnest) op = std::make_unique<UnnestJoin>(q, s, std::move(op));
        else op = std::make_unique<HashJoin>(q, s, ev, std::move(op));
        all.push_back(op.get());
    }
    return op;
}

// ---- WHERE ----

void Filter::apply(const Batch& b, Selection& sel) {
    Timed t(stats);
    stats.in += sel.size();
    ev_.eval(pred_, b, sel, v_);
    std::size_t kept = 0;
    for (const auto i : sel)
        if (isTrue(valueAt(v_, i))) sel[kept++] = i;
    sel.resize(kept);
    stats.out += kept;
}

// ---- GROUP BY ----

HashAggregate::HashAggregate(const BoundSelect& q, const VectorEval& ev)
    : q_(q), ev_(ev), keyVecs_(q.groupKeys.size()), argVecs_(q.aggs.size()), sepVecs_(q.aggs.size()) {
    if (q.groupKeys.empty()) groups_.push_back({{}, std::vector<AggState>(q.aggs.size()), 0});
    table_.assign(1024, 0);
}

void HashAggregate::grow() {
    std::vector<std::uint32_t> bigger(table_.size() * 2, 0);
    const std::size_t mask = bigger.size() - 1;
    for (std::size_t g = 0; g < groups_.size(); ++g) {
        std::size_t at = groups_[g].hash & mask;
        while (bigger[at] != 0) at = (at + 1) & mask;
        bigger[at] = static_cast<std::uint32_t>(g + 1);
    }
    table_ = std::move(bigger);
}

std::size_t HashAggregate::findOrAdd(const std::vector<const Value*>& keys, std::size_t hash) {
    const std::size_t mask = table_.size() - 1;
    std::size_t at = hash & mask;
    while (const std::uint32_t g = table_[at]) {
        const Group& group = groups_[g - 1];
        if (group.hash == hash) {
            bool same = true;
            for (std::size_t k = 0; k < keys.size() && same; ++k)
                same = keyEqual(group.keys[k], keys[k] ? *keys[k] : nullValue());
            if (same) return g - 1;
        }
        at = (at + 1) & mask;
    }
    Group group;
    group.hash = hash;
    group.keys.reserve(keys.size());
    for (const Value* k : keys) group.keys.push_back(k ? *k : Value());
    group.states.resize(q_.aggs.size());
    groups_.push_back(std::move(group));
    table_[at] = static_cast<std::uint32_t>(groups_.size());
    if (groups_.size() * 2 > table_.size()) grow();
    return groups_.size() - 1;
}

void HashAggregate::consume(const Batch& b, const Selection& sel) {
    Timed t(stats);
    stats.in += sel.size();
    for (std::size_t k = 0; k < q_.groupKeys.size(); ++k) ev_.eval(*q_.groupKeys[k], b, sel, keyVecs_[k]);
    std::vector<bool> hasSep(q_.aggs.size(), false);
    for (std::size_t a = 0; a < q_.aggs.size(); ++a) {
        const Expr& agg = *q_.aggs[a];
        if (agg.star || agg.args.empty()) continue;
        ev_.eval(*agg.args[0], b, sel, argVecs_[a]);
        if (agg.op == "STRING_AGG" && agg.args.size() > 1) {
            ev_.eval(*agg.args[1], b, sel, sepVecs_[a]);
            hasSep[a] = true;
        }
    }
    std::vector<const Value*> keys(q_.groupKeys.size());
    for (const auto i : sel) {
        std::size_t g = 0;
        if (!keys.empty()) {
            std::size_t hash = 0x84222325;
            for (std::size_t k = 0; k < keys.size(); ++k) {
                keys[k] = keyVecs_[k].at[i];
                hash = (hash ^ keyHash(keys[k] ? *keys[k] : nullValue())) * 0x100000001b3ULL;
            }
            g = findOrAdd(keys, hash);
        }
        auto& states = groups_[g].states;
        for (std::size_t a = 0; a < q_.aggs.size(); ++a) {
            const Expr& agg = *q_.aggs[a];
            const bool noArg = agg.star || agg.args.empty();
            q_.rows->add(states[a], agg, noArg ? nullValue() : valueAt(argVecs_[a], i), hasSep[a] ? &valueAt(sepVecs_[a], i) : nullptr);
        }
    }
    stats.out = groups_.size();
}

} // namespace quarry::sandbox::sql::plan
