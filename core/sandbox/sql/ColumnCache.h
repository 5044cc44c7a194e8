// SPDX-License-Identifier: MIT
#pragma once

#include "value/Value.h"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

namespace quarry::sandbox::sql {

struct TableData;

/// One column of a stored table's rows held in memory, copied out in row order: the value
/// a path (a top-level column, or a field below one) reads in each row, 16 bytes a row in one
/// array, long text in arenas. A table's rows are each a STRUCT with its own heap block
/// (and one per long string), scattered over the heap by the order they came in, so reading
/// a column row by row waits on memory at every row; this reads it as one run of memory.
struct CachedColumn {
    /// Long text, an arena per thread that read the column (declared first: the values
    /// borrow from them).
    std::vector<std::unique_ptr<ValueArena>> arenas;
    std::vector<Value> values;
    const Value* base = nullptr; ///< the table's rows.data() the values were read from
    std::uint64_t bytes = 0;
    mutable std::atomic<std::uint64_t> lastUsed{0};

    /// The value for the table row `row` points at (null: NULL), or `miss` when `row` is not
    /// one of the rows this was read from.
    const Value* at(const Value* row, const Value* miss) const {
        const auto d = reinterpret_cast<std::uintptr_t>(row) - reinterpret_cast<std::uintptr_t>(base);
        if (d >= values.size() * sizeof(Value) || d % sizeof(Value) != 0) return miss;
        const Value& v = values[d / sizeof(Value)];
        return v.isNull() ? nullptr : &v;
    }
};

/// Per process: how much the cached columns of all tables may hold, and how many rows a
/// table needs before its columns are cached (the sandbox's --column-cache-mb; tests set
/// minRows to 1 so that every stored table's columns are). limitBytes 0: none are.
struct ColumnCacheSettings {
    std::size_t limitBytes = std::size_t{512} << 20;
    std::size_t minRows = 32768;
    /// Read a changed table's columns only once a second run asks (see ColumnCache); tests
    /// turn it off so that every query reads them.
    bool waitForSecondRun = true;
};
void setColumnCacheSettings(ColumnCacheSettings s);
ColumnCacheSettings columnCacheSettings();
/// Bytes all cached columns hold now.
std::uint64_t columnCacheBytes();

/// The columns cached for one table (TableData::columnCache), valid for one version of its
/// rows: any change to them (a new version, schema version, row count or rows array) drops
/// them all on the next read. Past the limit, the columns used least recently are dropped;
/// a query that holds one keeps it until it ends.
///
/// A column is read when a query first asks for it, and that query waits for it (about the
/// time of one more scan of it). When the table's last version was read by fewer than two
/// queries (a table streamed into while it is queried), a new version's columns are read only
/// once a second query asks at that version, so the queries between changes do not each pay
/// for columns nobody reads again.
class ColumnCache {
public:
    ColumnCache() = default;
    ColumnCache(const ColumnCache&) = delete;
    ColumnCache& operator=(const ColumnCache&) = delete;
    ~ColumnCache();

    /// Drops every cached column (a table whose rows are let go).
    void clear();

private:
    friend std::shared_ptr<const CachedColumn> cachedColumn(const TableData& t, const std::vector<int>& path, std::uint64_t run);
    friend void evictColumns(std::uint64_t over, const CachedColumn* keep);
    std::shared_ptr<const CachedColumn> get(const TableData& t, const std::vector<int>& path, std::uint64_t run);
    void dropLocked();

    mutable std::mutex m_;
    std::uint64_t version_ = 0, schemaVersion_ = 0;
    const Value* data_ = nullptr;
    std::size_t size_ = 0;
    std::map<std::vector<int>, std::shared_ptr<const CachedColumn>> columns_; ///< null: not cached (not scalar)
    std::uint64_t bytes_ = 0;
    bool enrolled_ = false;
    std::uint64_t lastRun_ = 0; ///< the query run that asked last ...
    unsigned runs_ = 0;         ///< ... and how many runs asked at this version
    bool built_ = false;        ///< a column was read at this version
    bool wary_ = false;         ///< the last version's columns served fewer than two runs
};

/// The column `path` (fieldPath: indices from the row STRUCT down) of the stored table `t`'s
/// rows held in memory, read on first use; null when it is not cached: `t` is not a table of
/// the catalog (TableData::cacheColumns), has fewer rows than minRows, reads in row groups, holds
/// STRUCT, ARRAY or RANGE values there, or the limit would be passed. The caller holds
/// t.mutex (shared at least) for as long as it reads the column. `run`: which run of a plan
/// asks (newRun()), the same for all of its threads.
std::shared_ptr<const CachedColumn> cachedColumn(const TableData& t, const std::vector<int>& path, std::uint64_t run);
std::uint64_t newRun();

} // namespace quarry::sandbox::sql
