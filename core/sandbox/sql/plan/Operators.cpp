// SPDX-License-Identifier: MIT
#include "sandbox/sql/plan/Operators.h"

#include "sandbox/sql/plan/AggMerge.h"
#include "sandbox/sql/plan/GroupSkip.h"
#include "sandbox/sql/plan/Join.h"

#include "sandbox/sql/plan/KeyHash.h"
#include "sandbox/sql/CollationRules.h"
#include "sandbox/sql/MemoryBudget.h"

#include <algorithm>
#include <numeric>

namespace quarry::sandbox::sql::plan {

// ---- FROM ----

void appendRow(Batch& b, const Value* const* row, int slot, const Value* here) {
    b.slots.insert(b.slots.end(), row, row + b.width);
    b.slots[b.size * b.width + static_cast<std::size_t>(slot)] = here;
    ++b.size;
}

void checkCancel(const BoundSelect& q) {
    if (q.cancelled && q.cancelled->load()) throw PreparedQuery::Cancelled{};
}

bool TableScan::next(Batch& out) {
    Timed t(stats);
    out.clear();
    out.width = q_.width;
    std::size_t n = 0;
    if (groups_) {
        while (!current_ || inGroup_ >= current_->size()) {
            if (nextRow_ >= std::min(end_, groups_->groups())) return false;
            checkCancel(q_);
            if (skip_ && skip_->skips(*groups_, nextRow_)) { // WHERE passes none of its rows
                ++nextRow_;
                continue;
            }
            if (keep_) { // held to the end: the query's memory
                keptArenas_.push_back(std::make_unique<ValueArena>());
                kept_.push_back(groups_->read(nextRow_++, s_.columns, keptArenas_.back().get()));
                current_ = &kept_.back(); // the vectors' blocks stay put as kept_ grows
            } else {
                // One group at a time is the table's reading, not the query's holding, as a
                // table read whole is (allocated and freed under the pause alike).
                const MemoryBudgetPause pause;
                group_ = {}; // the previous group is done with: its arena's blocks serve the next
                if (arena_) arena_->reset();
                else arena_ = std::make_unique<ValueArena>();
                group_ = groups_->read(nextRow_++, s_.columns, arena_.get());
                current_ = &group_;
            }
            inGroup_ = 0;
        }
        n = std::min(kBatchRows, current_->size() - inGroup_);
        out.slots.assign(n * q_.width, nullptr);
        for (std::size_t i = 0; i < n; ++i) out.slots[i * q_.width + static_cast<std::size_t>(s_.slot)] = &(*current_)[inGroup_ + i];
        inGroup_ += n;
    } else {
        const auto& rows = s_.table->rows;
        const std::size_t end = std::min(end_, rows.size());
        n = nextRow_ < end ? std::min(kBatchRows, end - nextRow_) : 0;
        out.slots.assign(n * q_.width, nullptr);
        for (std::size_t i = 0; i < n; ++i) out.slots[i * q_.width + static_cast<std::size_t>(s_.slot)] = &rows[nextRow_ + i];
        nextRow_ += n;
    }
    out.size = n;
    tableRows += n;
    stats.out += n;
    return n > 0;
}

TableScan::~TableScan() {
    const MemoryBudgetPause pause; // freed as it was allocated
    group_ = {};
    arena_.reset();
}

bool OneRow::next(Batch& out) {
    out.clear();
    out.width = width_;
    if (done_) return false;
    done_ = true;
    out.slots.assign(width_, nullptr);
    out.size = 1;
    stats.out = 1;
    return true;
}

std::unique_ptr<RowOperator> buildFrom(const BoundSelect& q, const VectorEval& ev, std::vector<RowOperator*>& all, const ScanInput& in,
                                       RowRange range) {
    std::unique_ptr<RowOperator> op;
    std::size_t i = 0;
    if (!q.sources.empty() && q.sources[0].table) {
        op = std::make_unique<TableScan>(q, q.sources[0], range.begin, range.end, in);
        i = 1;
    } else {
        op = std::make_unique<OneRow>(q.width);
    }
    all.push_back(op.get());
    auto filterAfter = [&](std::size_t k) {
        if (k >= q.pushed.size() || q.pushed[k].empty()) return;
        op = std::make_unique<FilterRows>(q.pushed[k], ev, std::move(op));
        all.push_back(op.get());
    };
    if (i == 1) filterAfter(0);
    for (; i < q.sources.size(); ++i) {
        op = std::make_unique<Join>(q, q.sources[i], q.sources[i].table ? &in.rowsOf(q, i) : nullptr, ev, std::move(op),
                                    i < in.hashes.size() ? in.hashes[i].get() : nullptr);
        all.push_back(op.get());
        filterAfter(i);
    }
    return op;
}

// ---- WHERE ----

void Filter::apply(const Batch& b, Selection& sel) {
    Timed t(stats);
    stats.in += sel.size();
    for (const Expr* part : parts_) {
        if (sel.empty()) break;
        if (ev_.narrow(*part, b, sel)) continue;
        ev_.eval(*part, b, sel, v_);
        std::size_t kept = 0;
        for (const auto i : sel)
            if (isTrue(valueAt(v_, i))) sel[kept++] = i;
        sel.resize(kept);
    }
    stats.out += sel.size();
}

bool FilterRows::next(Batch& out) {
    Timed t(stats);
    filter_.stats.timed = stats.timed; // its time is this operator's
    while (input_->next(in_)) {
        sel_.resize(in_.size);
        std::iota(sel_.begin(), sel_.end(), std::uint32_t{0});
        filter_.apply(in_, sel_);
        if (sel_.empty()) continue;
        out.clear();
        out.width = in_.width;
        for (const auto i : sel_) out.slots.insert(out.slots.end(), in_.row(i), in_.row(i) + in_.width);
        out.size = sel_.size();
        stats.out += out.size;
        return true;
    }
    return false;
}

// ---- GROUP BY ----

namespace {

/// What add() does for the commonest aggregates of one value, inline (a call per row and
/// aggregate was a tenth of a scan's time): COUNT, COUNTIF, and SUM or AVG of INT64 values.
/// False for anything else, which add() takes.
inline bool addPlain(AggState& s, const Expr& agg, const Value& v) {
    if (agg.distinct || agg.aggMods) return false;
    switch (agg.aggFn) {
    case AggFn::Count:
        if (!v.isNull()) ++s.count;
        return true;
    case AggFn::CountIf:
        if (isTrue(v)) ++s.count;
        return true;
    case AggFn::Sum:
    case AggFn::Avg:
        if (v.isNull()) return true;
        if (v.kind() != ValueKind::Int64 || (agg.aggFn == AggFn::Sum && agg.type.kind != TypeKind::Int64)) return false;
        s.any = true;
        ++s.count;
        s.wide += v.asInt64();
        return true;
    default:
        return false;
    }
}

/// An aggregate addPlain takes whatever its argument's value (and that add() could not fail
/// for): COUNT(*), COUNT, COUNTIF, and SUM or AVG of an INT64 argument, with no modifiers.
bool plainAggregate(const Expr& agg) {
    if (agg.aggMods) return false;
    if (agg.star) return true;
    if (agg.distinct || agg.args.size() != 1) return false;
    const SqlType& t = agg.args[0]->type;
    switch (agg.aggFn) {
    case AggFn::Count: case AggFn::CountIf: return true;
    case AggFn::Sum: case AggFn::Avg: return t.kind == TypeKind::Int64 && !t.array && (agg.aggFn == AggFn::Avg || agg.type.kind == TypeKind::Int64);
    default: return false;
    }
}

} // namespace

HashAggregate::HashAggregate(const BoundSelect& q, const VectorEval& ev)
    : q_(q), ev_(ev), keyVecs_(q.groupKeys.size()), argVecs_(q.aggs.size()), sepVecs_(q.aggs.size()), havingVecs_(q.aggs.size()), whereVecs_(q.aggs.size()), orderVecs_(q.aggs.size()) {
    table_.assign(1024, 0);
    for (const Expr* k : q.groupKeys) keyCollations_.push_back(collationOfType(k->type));
    for (std::size_t s = 0; s < q.groupingSets.size(); ++s) setIndex_.push_back(Value::int64(static_cast<std::int64_t>(s)));
    if (q.groupKeys.empty() && q.groupingSets.empty()) groups_.push_back({{}, std::vector<AggState>(q.aggs.size()), 0});
    allPlain_ = q.groupKeys.empty() && q.groupingSets.empty() && std::all_of(q.aggs.begin(), q.aggs.end(), [](const Expr* a) { return plainAggregate(*a); });
    // A grouping set without keys has its one row even over no input rows.
    for (std::size_t s = 0; s < q.groupingSets.size(); ++s)
        if (std::none_of(q.groupingSets[s].begin(), q.groupingSets[s].end(), [](bool b) { return b; })) {
            std::vector<const Value*> keys;
            groupKeysOf(s, false, 0, keys);
            findOrAdd(keys, hashOf(keys));
        }
}

namespace {
const Value kGrouped = Value::int64(0), kNotGrouped = Value::int64(1);

/// An aggregate that holds its inputs to sort or cut them when its group is done.
bool held(const Expr& agg) { return agg.aggMods && agg.aggMods->holdsInputs(); }
} // namespace

void HashAggregate::groupKeysOf(std::size_t set, bool row, std::size_t i, std::vector<const Value*>& keys) {
    const std::size_t n = q_.groupKeys.size();
    const auto& bits = q_.groupingSets[set];
    keys.assign(2 * n + 1, nullptr);
    for (std::size_t k = 0; k < n; ++k) {
        keys[k] = bits[k] && row ? keyVecs_[k].at[i] : nullptr;
        keys[n + k] = bits[k] ? &kGrouped : &kNotGrouped;
    }
    keys[2 * n] = &setIndex_[set];
}

std::size_t HashAggregate::hashOf(const std::vector<const Value*>& keys) const {
    std::size_t hash = 0x84222325;
    for (std::size_t i = 0; i < keys.size(); ++i) {
        const Collation* c = i < keyCollations_.size() ? keyCollations_[i] : nullptr;
        const Value& key = keys[i] ? *keys[i] : nullValue();
        hash = (hash ^ (c ? keyHash(key, c) : hashKey(key))) * 0x100000001b3ULL;
    }
    return hash;
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
            for (std::size_t k = 0; k < keys.size() && same; ++k) {
                const Value& key = keys[k] ? *keys[k] : nullValue();
                const Collation* c = k < keyCollations_.size() ? keyCollations_[k] : nullptr;
                same = c ? keyEqual(group.keys[k], key, c) : sameKey(group.keys[k], key);
            }
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

void HashAggregate::absorb(HashAggregate& later) {
    stats.in += later.stats.in;
    stats.time = std::max(stats.time, later.stats.time); // the parts ran side by side
    const bool oneGroup = q_.groupKeys.empty() && q_.groupingSets.empty(); // groups_[0], not in table_
    std::vector<const Value*> keys;
    for (Group& from : later.groups_) {
        std::size_t at = 0;
        if (!oneGroup) {
            keys.clear();
            for (const Value& k : from.keys) keys.push_back(&k);
            const std::size_t before = groups_.size();
            at = findOrAdd(keys, from.hash);
            if (at == before) { // a group only the later rows have
                groups_[at].states = std::move(from.states);
                continue;
            }
        }
        for (std::size_t a = 0; a < q_.aggs.size(); ++a) mergeInto(groups_[at].states[a], std::move(from.states[a]), *q_.aggs[a], *q_.rows);
    }
    later.groups_.clear();
    stats.out = groups_.size();
}

void HashAggregate::consume(const Batch& b, const Selection& sel) {
    Timed t(stats);
    stats.in += sel.size();
    for (std::size_t k = 0; k < q_.groupKeys.size(); ++k) ev_.eval(*q_.groupKeys[k], b, sel, keyVecs_[k]);
    std::vector<bool> hasSep(q_.aggs.size(), false);
    for (std::size_t a = 0; a < q_.aggs.size(); ++a) {
        const Expr& agg = *q_.aggs[a];
        if (agg.aggMods && agg.aggMods->having) ev_.eval(*agg.aggMods->having, b, sel, havingVecs_[a]);
        if (agg.aggMods && agg.aggMods->where) ev_.eval(*agg.aggMods->where, b, sel, whereVecs_[a]);
        if (agg.star || agg.args.empty()) continue;
        if (held(agg)) {
            orderVecs_[a].resize(agg.aggMods->order.size());
            for (std::size_t k = 0; k < agg.aggMods->order.size(); ++k) ev_.eval(*agg.aggMods->order[k].expr, b, sel, orderVecs_[a][k]);
        }
        ev_.eval(*agg.args[0], b, sel, argVecs_[a]);
        const bool pair = agg.aggFn == AggFn::StringAgg || agg.aggFn == AggFn::CovarPop || agg.aggFn == AggFn::CovarSamp ||
                          agg.aggFn == AggFn::Corr || agg.aggFn == AggFn::ApproxTopSum;
        if (pair && agg.args.size() > 1) {
            ev_.eval(*agg.args[1], b, sel, sepVecs_[a]);
            hasSep[a] = true;
        }
    }
    if (allPlain_) { // one group, and no add can fail: an aggregate at a time over the batch
        auto& states = groups_[0].states;
        for (std::size_t a = 0; a < q_.aggs.size(); ++a) {
            const Expr& agg = *q_.aggs[a];
            AggState& st = states[a];
            if (agg.star) {
                st.count += static_cast<std::int64_t>(sel.size());
                continue;
            }
            for (const auto i : sel)
                if (const Value& v = valueAt(argVecs_[a], i); !addPlain(st, agg, v)) q_.rows->add(st, agg, v, nullptr);
        }
        return;
    }
    std::vector<const Value*> keys(q_.groupKeys.size());
    const std::size_t sets = std::max<std::size_t>(q_.groupingSets.size(), 1);
    // One key, no grouping sets or collation, and values read in place (not computed into
    // this batch's own memory, which the next batch reuses): by address where seen before.
    Memo* memo = !memo_.empty() && keys.size() == 1 && q_.groupingSets.empty() && !keyCollations_[0] && keyVecs_[0].own.empty()
                     ? memo_.data() : nullptr;
    for (const auto i : sel) {
        for (std::size_t set = 0; set < sets; ++set) { // a row counts once in each grouping set
            std::size_t g = 0;
            if (!q_.groupingSets.empty()) {
                groupKeysOf(set, true, i, keys);
                g = findOrAdd(keys, hashOf(keys));
            } else if (memo) {
                const Value* key = keyVecs_[0].at[i];
                Memo& m = memo[(reinterpret_cast<std::uintptr_t>(key) / sizeof(Value)) % kMemo];
                if (key && m.key == key) {
                    g = m.group;
                } else {
                    keys[0] = key;
                    g = findOrAdd(keys, hashOf(keys));
                    if (key) m = {key, g};
                }
            } else if (!keys.empty()) {
                for (std::size_t k = 0; k < keys.size(); ++k) keys[k] = keyVecs_[k].at[i];
                g = findOrAdd(keys, hashOf(keys));
            }
            auto& states = groups_[g].states;
            for (std::size_t a = 0; a < q_.aggs.size(); ++a) {
                const Expr& agg = *q_.aggs[a];
                if (agg.star && !agg.aggMods) { // COUNT(*): what add() does for it
                    ++states[a].count;
                    continue;
                }
                const bool noArg = agg.star || agg.args.empty();
                if (agg.aggMods && agg.aggMods->where && !isTrue(valueAt(whereVecs_[a], i))) continue; // another pivot value's row
                const Value& v = noArg ? nullValue() : valueAt(argVecs_[a], i);
                if (agg.aggMods && agg.aggMods->having && !admitHaving(states[a], valueAt(havingVecs_[a], i), agg.aggMods->havingMax))
                    continue; // HAVING MAX|MIN: not a row with the best value (so far)
                if (held(agg) && !noArg) { // ORDER BY / LIMIT: sorted and added when the group is done
                    auto& h = states[a].held.emplace_back();
                    h.push_back(v);
                    h.push_back(hasSep[a] ? valueAt(sepVecs_[a], i) : Value());
                    for (const auto& k : orderVecs_[a]) h.push_back(valueAt(k, i));
                    continue;
                }
                if (!hasSep[a] && addPlain(states[a], agg, v)) continue;
                q_.rows->add(states[a], agg, v, hasSep[a] ? &valueAt(sepVecs_[a], i) : nullptr);
            }
        }
    }
    stats.out = groups_.size();
}

} // namespace quarry::sandbox::sql::plan
