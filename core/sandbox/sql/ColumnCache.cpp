// SPDX-License-Identifier: MIT
#include "sandbox/sql/ColumnCache.h"

#include "sandbox/sql/MemoryBudget.h"
#include "sandbox/sql/TableData.h"

#include <algorithm>
#include <thread>

namespace quarry::sandbox::sql {
namespace {

std::atomic<std::size_t> gLimit{ColumnCacheSettings{}.limitBytes};
std::atomic<std::size_t> gMinRows{ColumnCacheSettings{}.minRows};
std::atomic<bool> gWary{ColumnCacheSettings{}.waitForSecondRun};
std::atomic<std::uint64_t> gBytes{0};
std::atomic<std::uint64_t> gTick{0};

/// Every table's cache, for dropping the columns used least recently across all of them.
/// Lock order: this, then a cache's own mutex (only ever tried, never waited for).
std::mutex& registryMutex() {
    static std::mutex m;
    return m;
}
std::vector<ColumnCache*>& registry() {
    static std::vector<ColumnCache*> r;
    return r;
}

void enroll(ColumnCache* c) {
    const std::lock_guard lock(registryMutex());
    registry().push_back(c);
}

/// Rows [begin, end) of `rows` into `out` at the same places, long text into `arena`: the
/// value readPath reaches by `path` in each. False when one is a STRUCT, ARRAY or RANGE.
bool readRange(const std::vector<Value>& rows, const std::vector<int>& path, std::size_t begin, std::size_t end,
               std::vector<Value>& out, ValueArena& arena) {
    // readPath's walk (a level that is not a STRUCT makes the value NULL), a level at a time
    // over a chunk of rows: the loads of one level are independent, so the CPU keeps many of
    // them in flight where a row at a time waits for each in turn.
    constexpr std::size_t kChunk = 4096;
    std::vector<const Value*> at(kChunk);
    for (std::size_t first = begin; first < end; first += kChunk) {
        const std::size_t n = std::min(kChunk, end - first);
        for (std::size_t j = 0; j < n; ++j) at[j] = &rows[first + j];
        for (const int idx : path)
            for (std::size_t j = 0; j < n; ++j) {
                const Value* v = at[j];
                at[j] = v && v->kind() == ValueKind::Struct ? &(*v)[static_cast<std::size_t>(idx)] : nullptr;
            }
        // Touch each value (and a byte of its text) in a loop that branches on none of them:
        // the misses overlap here instead of stalling the copy below one by one.
        std::uint8_t touched = 0;
        for (std::size_t j = 0; j < n; ++j)
            if (const Value* v = at[j]) touched ^= static_cast<std::uint8_t>(v->kind()) ^ v->heapByte();
        volatile std::uint8_t sink = touched;
        (void)sink;
        for (std::size_t j = 0; j < n; ++j) {
            const Value* v = at[j];
            if (!v || v->isNull()) continue;
            if (v->isContainer()) return false; // STRUCT, ARRAY, RANGE: read where they are
            out[first + j] = v->isText() ? Value::textIn(arena, v->kind(), v->asText()) : *v;
        }
    }
    return true;
}

/// The whole column, split over the machine's cores (at most 4) when the table is large:
/// the query that asked waits for it, and its other threads wait for the same column.
bool readColumn(const std::vector<Value>& rows, const std::vector<int>& path, CachedColumn& col) {
    col.values.resize(rows.size());
    col.base = rows.data();
    static const unsigned cores = std::min(4U, std::max(1U, std::thread::hardware_concurrency()));
    const std::size_t parts = rows.size() >= 65536 ? cores : 1;
    for (std::size_t i = 0; i < parts; ++i) col.arenas.push_back(std::make_unique<ValueArena>());
    std::vector<char> ok(parts, 1);
    {
        std::vector<std::jthread> helpers;
        for (std::size_t i = 1; i < parts; ++i)
            helpers.emplace_back([&, i] {
                const MemoryBudgetPause pause;
                ok[i] = readRange(rows, path, rows.size() * i / parts, rows.size() * (i + 1) / parts, col.values, *col.arenas[i]);
            });
        ok[0] = readRange(rows, path, 0, rows.size() / parts, col.values, *col.arenas[0]);
    } // joined here
    return std::all_of(ok.begin(), ok.end(), [](char c) { return c != 0; });
}

} // namespace

void setColumnCacheSettings(ColumnCacheSettings s) {
    gLimit = s.limitBytes;
    gMinRows = s.minRows;
    gWary = s.waitForSecondRun;
}

ColumnCacheSettings columnCacheSettings() { return {gLimit.load(), gMinRows.load(), gWary.load()}; }

std::uint64_t columnCacheBytes() { return gBytes.load(); }

ColumnCache::~ColumnCache() {
    if (enrolled_) {
        const std::lock_guard lock(registryMutex());
        auto& r = registry();
        r.erase(std::remove(r.begin(), r.end(), this), r.end());
    }
    gBytes -= bytes_;
}

void ColumnCache::clear() {
    const std::lock_guard lock(m_);
    dropLocked();
}

void ColumnCache::dropLocked() {
    gBytes -= bytes_;
    bytes_ = 0;
    columns_.clear();
}

/// Drops cached columns, least recently used first, until `over` bytes are freed, `keep` last
/// of all. Caches busy on another thread are passed over.
void evictColumns(std::uint64_t over, const CachedColumn* keep) {
    struct Entry {
        std::uint64_t used;
        ColumnCache* cache;
        std::vector<int> path;
        const CachedColumn* column;
    };
    const std::lock_guard lock(registryMutex());
    std::vector<Entry> all;
    for (ColumnCache* c : registry()) {
        const std::unique_lock l(c->m_, std::try_to_lock);
        if (!l.owns_lock()) continue;
        for (const auto& [path, col] : c->columns_)
            if (col) all.push_back({col.get() == keep ? UINT64_MAX : col->lastUsed.load(), c, path, col.get()});
    }
    std::sort(all.begin(), all.end(), [](const Entry& a, const Entry& b) { return a.used < b.used; });
    std::uint64_t freed = 0;
    for (const auto& e : all) {
        if (freed >= over) break;
        const std::unique_lock l(e.cache->m_, std::try_to_lock);
        if (!l.owns_lock()) continue;
        const auto it = e.cache->columns_.find(e.path);
        if (it == e.cache->columns_.end() || it->second.get() != e.column) continue;
        freed += e.column->bytes;
        e.cache->bytes_ -= e.column->bytes;
        gBytes -= e.column->bytes;
        e.cache->columns_.erase(it);
    }
}

std::shared_ptr<const CachedColumn> ColumnCache::get(const TableData& t, const std::vector<int>& path, std::uint64_t run) {
    std::shared_ptr<const CachedColumn> made;
    {
        const std::lock_guard lock(m_);
        if (!enrolled_) { // first use: a table never read this way costs the registry nothing
            enroll(this);
            enrolled_ = true;
        }
        const auto& rows = t.rows;
        if (version_ != t.version || schemaVersion_ != t.schemaVersion || data_ != rows.data() || size_ != rows.size()) {
            wary_ = version_ != 0 && (built_ ? runs_ < 2 : wary_);
            dropLocked();
            runs_ = 0;
            lastRun_ = 0;
            built_ = false;
            version_ = t.version;
            schemaVersion_ = t.schemaVersion;
            data_ = rows.data();
            size_ = rows.size();
        }
        if (run != lastRun_) {
            lastRun_ = run;
            ++runs_;
        }
        if (const auto it = columns_.find(path); it != columns_.end()) {
            if (it->second) it->second->lastUsed = ++gTick;
            return it->second;
        }
        if (wary_ && runs_ < 2 && gWary.load()) return nullptr; // read row by row until a second run asks
        const std::size_t limit = gLimit.load();
        if (rows.size() * sizeof(Value) > limit) { // could never be kept
            columns_.emplace(path, nullptr);
            return nullptr;
        }
        // The table's memory, not the query's: a query's budget does not pay for it.
        const MemoryBudgetPause pause;
        auto col = std::make_shared<CachedColumn>();
        if (!readColumn(rows, path, *col)) {
            columns_.emplace(path, nullptr);
            return nullptr;
        }
        col->bytes = rows.size() * sizeof(Value);
        for (const auto& a : col->arenas) col->bytes += a->bytes();
        if (col->bytes > limit) {
            columns_.emplace(path, nullptr);
            return col; // this query reads it; nobody keeps it
        }
        col->lastUsed = ++gTick;
        built_ = true;
        bytes_ += col->bytes;
        gBytes += col->bytes;
        made = col;
        columns_.emplace(path, std::move(col));
    }
    const std::uint64_t held = gBytes.load(), limit = gLimit.load();
    if (held > limit) evictColumns(held - limit, made.get());
    return made;
}

std::shared_ptr<const CachedColumn> cachedColumn(const TableData& t, const std::vector<int>& path, std::uint64_t run) {
    if (path.empty() || !t.cacheColumns || t.isView() || gLimit.load() == 0) return nullptr;
    if (t.rows.size() < std::max<std::size_t>(gMinRows.load(), 1)) return nullptr;
    return t.columnCache.get(t, path, run);
}

std::uint64_t newRun() {
    static std::atomic<std::uint64_t> runs{0};
    return ++runs;
}

} // namespace quarry::sandbox::sql
