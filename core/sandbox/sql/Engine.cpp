// SPDX-License-Identifier: MIT
// Running a bound query: subqueries, table versions, the plan handed to the executor; the PreparedQuery API.
#include "sandbox/sql/EngineImpl.h"

namespace quarry::sandbox::sql {

const QueryResult& PreparedQuery::Impl::runSubquery(const Expr& e, const Frame& f) const {
    Impl& sub = *exprSubs.at(e.subquery.get());
    if (!sub.correlated) {
        if (!sub.cached) sub.cached = sub.run(nullptr);
        return *sub.cached;
    }
    sub.cached = sub.run(&f);
    return *sub.cached;
}

void PreparedQuery::Impl::storedTables(std::vector<TableData*>& out) const {
    for (const auto& v : vars)
        if (v.table && !v.table->project.empty()) out.push_back(v.table.get());
    for (const auto& sub : subs) sub->impl->storedTables(out);
    for (const auto& b : setBranches) b->impl->storedTables(out);
    for (const auto& [select, sub] : exprSubs) sub->storedTables(out);
}

std::uint64_t PreparedQuery::Impl::materialize(const Uses& u) {
    std::uint64_t bytes = 0;
    passNeededColumns(u);
    for (auto& sub : subs) {
        auto r = sub->impl->run();
        std::unique_lock lock(sub->table->mutex);
        sub->table->rows = std::move(r.rows);
        bytes += r.bytesProcessed;
    }
    return bytes;
}

PreparedQuery::Impl::Uses PreparedQuery::Impl::uses() const {
    Uses u;
    u.columns.resize(vars.size());
    u.whole.resize(vars.size(), false);
    for (std::size_t i = 0; i < vars.size(); ++i) {
        u.columns[i] = vars[i].used;
        u.whole[i] = vars[i].usedWhole;
    }
    // Every column counts for the outermost query, a DISTINCT (its rows are all its columns)
    // and a set operation's input; otherwise only those the reader uses or ORDER BY names.
    const bool all = !neededColumns || sel.distinct || setBranch;
    for (std::size_t c = 0; c < itemUses.size(); ++c) {
        if (!all && !(c < neededColumns->size() && (*neededColumns)[c]) && !orderColumns.count(static_cast<int>(c))) continue;
        for (const auto& [slot, column] : itemUses[c]) {
            const auto s = static_cast<std::size_t>(slot);
            if (s >= vars.size()) continue;
            if (column < 0) u.whole[s] = true;
            else u.columns[s].insert(column);
        }
    }
    return u;
}

void PreparedQuery::Impl::passNeededColumns(const Uses& u) const {
    for (const auto& sub : subs) {
        std::vector<bool> needed(sub->table->schema.fields.size(), false);
        for (std::size_t i = 0; i < vars.size(); ++i) {
            if (vars[i].table != sub->table) continue;
            for (std::size_t c = 0; c < needed.size(); ++c)
                if (u.whole[i] || u.columns[i].count(static_cast<int>(c))) needed[c] = true;
        }
        sub->impl->neededColumns = std::move(needed);
    }
}

std::uint64_t PreparedQuery::Impl::estimateLocked() const {
    std::uint64_t total = 0;
    const Uses u = uses();
    passNeededColumns(u);
    for (const auto& b : setBranches) total += b->impl->estimateLocked();
    for (const auto& sub : subs) total += sub->impl->estimateLocked();
    // An expression's subquery reads its tables once for the query, however often it runs.
    for (const auto& [select, sub] : exprSubs) total += sub->estimateLocked();
    return total + bytesLocked(u, false);
}

std::uint64_t PreparedQuery::Impl::estimate() const {
    std::vector<TableData*> tables;
    storedTables(tables);
    std::sort(tables.begin(), tables.end());
    tables.erase(std::unique(tables.begin(), tables.end()), tables.end());
    std::vector<std::shared_lock<std::shared_mutex>> locks;
    for (auto* t : tables) locks.emplace_back(t->mutex);
    return estimateLocked();
}

void PreparedQuery::Impl::versions(std::vector<std::string>& out) const {
    for (const auto& b : setBranches) b->impl->versions(out);
    for (const auto& sub : subs) sub->impl->versions(out);
    for (const auto& v : vars) {
        if (!v.table || v.table->project.empty()) continue;
        std::shared_lock lock(v.table->mutex);
        out.push_back(v.table->project + ":" + v.table->dataset + "." + v.table->id + "@" + std::to_string(v.table->version) +
                      "/" + std::to_string(reinterpret_cast<std::uintptr_t>(v.table.get())));
    }
}

bool PreparedQuery::Impl::deterministic() const {
    if (nondeterministic) return false;
    for (const auto& sub : subs)
        if (!sub->impl->deterministic()) return false;
    for (const auto& b : setBranches)
        if (!b->impl->deterministic()) return false;
    for (const auto& [select, sub] : exprSubs)
        if (!sub->deterministic()) return false;
    return true;
}

QueryResult PreparedQuery::Impl::run(const Frame* outer) {
    // Subqueries first, each with its own locks; then hold every table this query (and the
    // subqueries in its expressions) reads for the duration, in a fixed order (no
    // lock-order inversions). A query running inside another's row holds no locks itself.
    outerFrame = outer;
    if (!setBranches.empty()) return runSetOperation();
    const Uses u = uses();
    const std::uint64_t subBytes = materialize(u);
    std::vector<TableData*> tables;
    if (runDepth == 0) {
        for (const auto& v : vars)
            if (v.table) tables.push_back(v.table.get());
        for (const auto& [select, sub] : exprSubs) sub->storedTables(tables); // they run inside this one's rows
        std::sort(tables.begin(), tables.end());
        tables.erase(std::unique(tables.begin(), tables.end()), tables.end());
    }
    std::vector<std::shared_lock<std::shared_mutex>> locks;
    for (auto* t : tables) locks.emplace_back(t->mutex);
    struct Depth {
        Depth() { ++runDepth; }
        ~Depth() { --runDepth; }
        Depth(const Depth&) = delete;
        Depth& operator=(const Depth&) = delete;
    } depth;

    QueryResult result;
    result.schema = schema;
    result.bytesProcessed = bytesLocked(u, true) + subBytes;
    for (const auto& [select, sub] : exprSubs) result.bytesProcessed += sub->estimateLocked(); // their tables are locked above
    // Bound once; a correlated subquery runs it again for each row of its outer query.
    if (!planned) planned = std::make_unique<plan::BoundSelect>(boundSelect());
    planned->outer = outer;
    planned->reportPlan = outer == nullptr && runDepth == 1;
    plan::execute(*planned, result);
    return result;
}

bool PreparedQuery::Impl::onIsTheKey(const FromItem& f, const FromBinding& fb) {
    const Expr& on = *f.on;
    return on.kind == Expr::Kind::Binary && on.op == "=" &&
           ((on.args[0].get() == fb.probeKey && on.args[1].get() == fb.buildKey) ||
            (on.args[0].get() == fb.buildKey && on.args[1].get() == fb.probeKey));
}

void PreparedQuery::Impl::pushDownWhere(plan::BoundSelect& q) const {
    const std::vector<const Expr*> parts = andParts(sel.where.get());
    std::vector<int> itemOf(vars.size(), -1);
    int lastRight = -1;
    for (std::size_t i = 0; i < fromSlots.size(); ++i) {
        itemOf[static_cast<std::size_t>(fromSlots[i].slot)] = static_cast<int>(i);
        if (fromSlots[i].offsetSlot >= 0) itemOf[static_cast<std::size_t>(fromSlots[i].offsetSlot)] = static_cast<int>(i);
        if (q.sources[i].right) lastRight = static_cast<int>(i);
    }
    const int end = static_cast<int>(q.sources.size()); // after the whole FROM clause
    q.pushed.assign(q.sources.size(), {});
    int floor = 0;
    for (const Expr* part : parts) {
        std::set<int> slots;
        int at = 0;
        if (!slotsOf(*part, slots)) at = end;
        for (const int s : slots) at = std::max(at, itemOf[static_cast<std::size_t>(s)]);
        // A RIGHT or FULL JOIN after it would bring rows back with its side NULL.
        if (at < lastRight || at >= end - 1) at = end;
        at = std::max(at, floor);
        floor = at;
        if (at == end) q.where.push_back(part);
        else q.pushed[static_cast<std::size_t>(at)].push_back(part);
    }
}

std::vector<bool> PreparedQuery::Impl::columnsRead(int slot) const {
    // A subquery's references to this row are noted here too: resolvePath marks the query
    // whose range variable a name is found in, however deep the subquery that names it.
    const Var& v = vars[static_cast<std::size_t>(slot)];
    if (v.usedWhole || !v.table) return {};
    std::vector<bool> read(v.table->schema.fields.size(), false);
    auto mark = [&](int c) {
        if (c >= 0 && static_cast<std::size_t>(c) < read.size()) read[static_cast<std::size_t>(c)] = true;
    };
    for (const int c : v.used) mark(c);
    for (const auto& uses : itemUses)
        for (const auto& [s, c] : uses) {
            if (s != slot) continue;
            if (c < 0) return {};
            mark(c);
        }
    return read;
}

plan::BoundSelect PreparedQuery::Impl::boundSelect() const {
    plan::BoundSelect q;
    for (std::size_t i = 0; i < sel.from.size(); ++i) {
        const auto& f = sel.from[i];
        plan::BoundSelect::Source src;
        src.slot = fromSlots[i].slot;
        src.offsetSlot = fromSlots[i].offsetSlot;
        using J = FromItem::Join;
        src.left = f.join == J::Left || f.join == J::Full;
        src.right = f.join == J::Right || f.join == J::Full;
        src.on = f.on.get();
        if (f.kind == FromItem::Kind::Table) {
            src.table = vars[static_cast<std::size_t>(src.slot)].table.get();
            src.columns = columnsRead(src.slot);
            src.name = "FROM " + planName(f);
            if (fromSlots[i].buildKey) {
                src.buildKey = fromSlots[i].buildKey;
                src.probeKey = fromSlots[i].probeKey;
                if (onIsTheKey(f, fromSlots[i])) src.on = nullptr;
            }
        } else {
            src.unnest = f.unnest.get();
            src.name = "UNNEST";
        }
        q.sources.push_back(std::move(src));
    }
    q.width = vars.size();
    pushDownWhere(q);
    q.aggregating = aggregating;
    for (const auto& g : groupKeys) q.groupKeys.push_back(g.get());
    q.groupingSets = groupingSets;
    if (q.groupingSets.empty() && usesGrouping) q.groupingSets.emplace_back(groupKeys.size(), true);
    q.aggs.assign(aggs.begin(), aggs.end());
    q.having = sel.having.get();
    q.windows.assign(windows.begin(), windows.end());
    q.qualify = sel.qualify.get();
    for (const auto& c : columns) q.columns.push_back(c.expr);
    for (const auto& o : order)
        q.order.push_back({o.column >= 0 ? columns[static_cast<std::size_t>(o.column)].expr : o.expr, o.column, o.desc, o.nullsFirst,
                           o.collation});
    q.distinct = sel.distinct;
    q.limit = sel.limit;
    q.offset = sel.offset;
    q.rows = this;
    q.cancelled = ctx.cancelled;
    q.splittable = exprSubs.empty(); // a subquery keeps per-row state (its outer row, its cached result)
    return q;
}

std::uint64_t PreparedQuery::Impl::bytesLocked(const Uses& u, bool executed) const {
    std::uint64_t total = 0;
    std::set<std::pair<const TableData*, int>> counted;
    for (const auto& v : vars) {
        if (!v.table || v.table->project.empty()) continue; // subquery results are not billed again
        const std::size_t i = static_cast<std::size_t>(&v - vars.data());
        if (executed && i < clusterRanges.size() && clusterRanges[i] && v.clusterColumn >= 0) { // only the blocks WHERE can touch
            const PartitionRange* partitions = i < partitionRanges.size() && partitionRanges[i] && v.partitioning ? &*partitionRanges[i] : nullptr;
            if (counted.insert({v.table.get(), -1}).second) total += clusteredBytes(v, partitions, *clusterRanges[i], u.columns[i], u.whole[i]);
            continue;
        }
        if (i < partitionRanges.size() && partitionRanges[i] && v.partitioning) { // only the partitions WHERE can touch
            if (counted.insert({v.table.get(), -1}).second) total += prunedBytes(v, *partitionRanges[i], u.columns[i], u.whole[i]);
            continue;
        }
        const auto bytes = columnBytes(*v.table);
        for (std::size_t c = 0; c < bytes.size(); ++c) {
            if (!u.whole[i] && !u.columns[i].count(static_cast<int>(c))) continue;
            if (!counted.insert({v.table.get(), static_cast<int>(c)}).second) continue;
            total += bytes[c];
        }
    }
    return total;
}

PreparedQuery::PreparedQuery() : d_(std::make_unique<Impl>()) {}
PreparedQuery::~PreparedQuery() = default;

std::unique_ptr<PreparedQuery> PreparedQuery::prepare(std::string_view sql, QueryContext ctx) {
    return prepare(parseQuery(sql), std::move(ctx));
}

namespace {
const TimeZone* zoneOf(const QueryContext& ctx) { return ctx.timeZone.empty() ? nullptr : &TimeZone::named(ctx.timeZone); }
} // namespace

std::unique_ptr<PreparedQuery> PreparedQuery::prepare(Select sel, QueryContext ctx) {
    std::unique_ptr<PreparedQuery> q(new PreparedQuery());
    ZoneScope zone(zoneOf(ctx)); // literals without a zone are read in it as they are bound
    q->d_->ctx = std::move(ctx);
    q->d_->sel = std::move(sel);
    q->d_->bindAll();
    return q;
}

const Schema& PreparedQuery::schema() const { return d_->schema; }

const std::vector<SqlType>& PreparedQuery::columnTypes() const { return d_->columnTypes; }

std::uint64_t PreparedQuery::estimateBytes() const { return d_->estimate(); }

bool PreparedQuery::deterministic() const { return d_->deterministic(); }

std::vector<std::string> PreparedQuery::tableVersions() const {
    std::vector<std::string> out;
    d_->versions(out);
    return out;
}

namespace {
thread_local const std::atomic<bool>* tlCancel = nullptr;
} // namespace

CancelScope::CancelScope(const std::atomic<bool>* flag) : previous_(tlCancel) { tlCancel = flag; }
CancelScope::~CancelScope() { tlCancel = previous_; }

void throwIfCancelled() {
    if (tlCancel && tlCancel->load()) throw PreparedQuery::Cancelled{};
}

namespace {

/// BigQuery refuses to write an array with a NULL element (a result row, a table's row).
void checkWritable(const Value& v, const Field& f) {
    if (v.isNull()) return;
    if (f.isRepeated()) {
        for (const auto& item : v.items()) {
            if (item.isNull()) throw EvalError("Array cannot have a null element; error in writing field " + f.name);
            if (f.isRecord())
                for (std::size_t i = 0; i < f.fields.size() && i < item.size(); ++i) checkWritable(item[i], f.fields[i]);
        }
    } else if (f.isRecord()) {
        for (std::size_t i = 0; i < f.fields.size() && i < v.size(); ++i) checkWritable(v[i], f.fields[i]);
    }
}

bool holdsArrays(const std::vector<Field>& fields) {
    return std::any_of(fields.begin(), fields.end(), [](const Field& f) { return f.isRepeated() || holdsArrays(f.fields); });
}

} // namespace

QueryResult PreparedQuery::run() {
    CancelScope scope(d_->ctx.cancelled);
    ZoneScope zone(zoneOf(d_->ctx));
    QueryResult r = d_->run();
    if (holdsArrays(r.schema.fields))
        for (const auto& row : r.rows)
            for (std::size_t i = 0; i < r.schema.fields.size() && i < row.size(); ++i) checkWritable(row[i], r.schema.fields[i]);
    return r;
}

} // namespace quarry::sandbox::sql
