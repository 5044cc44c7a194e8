// SPDX-License-Identifier: MIT
#pragma once

#include "sandbox/sql/ColumnCache.h"
#include "value/Schema.h"
#include "value/Value.h"

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <vector>

namespace quarry::sandbox::sql {

/// The kinds a row group keeps least and greatest values for (ColumnStats), which compare as
/// compareValues orders them.
inline bool boundedKind(ValueKind k) {
    switch (k) {
    case ValueKind::Int64: case ValueKind::Bool: case ValueKind::String: case ValueKind::Bytes: case ValueKind::Date:
    case ValueKind::Time: case ValueKind::DateTime: case ValueKind::Timestamp:
        return true;
    default:
        return false;
    }
}

/// What a row group says of one top-level column: how many of its rows hold NULL there, and
/// the least and greatest of the others when they are known (all of one kind: INT64, BOOL,
/// STRING, BYTES, DATE, TIME, DATETIME or TIMESTAMP). A scan skips a group whose values
/// cannot pass its WHERE (plan/GroupSkip.h).
struct ColumnStats {
    std::uint64_t nulls = 0;
    std::optional<Value> min, max;
    /// The heap its values take once read as Values (their blocks with malloc's header, not
    /// their own 16-byte slots): what a table read whole would hold.
    std::uint64_t memory = 0;
    bool operator==(const ColumnStats&) const = default;
};

/// A table's rows kept on disk in row groups instead of in memory (a stored table larger than
/// the sandbox holds, SegmentFile.h): the engine reads them a group at a time, only the
/// columns it uses. Its rows never change: a table whose rows change is read into memory first.
class RowGroupSource {
public:
    virtual ~RowGroupSource() = default;
    virtual std::size_t groups() const = 0;
    virtual std::uint64_t rowCount() const = 0;
    virtual std::uint64_t rowsIn(std::size_t g) const = 0;
    /// Logical bytes per column of the table's schema, over every row.
    virtual std::vector<std::uint64_t> columnBytes() const = 0;
    /// Group g's rows laid out as the table's stored schema: the columns `wanted` marks (by
    /// index; a shorter vector leaves the rest out; an empty one: all) as stored, the others NULL;
    /// with `wanted`, a row ends at its last wanted column (the reader looks at no other). With
    /// `arena`, the rows may live in it (Value::structIn): keep it as long as them. May run on
    /// several threads at once. Throws std::runtime_error when the group is damaged.
    virtual std::vector<Value> read(std::size_t g, const std::vector<bool>& wanted, ValueArena* arena = nullptr) const = 0;
    /// The table version (TableData::version) these rows are.
    virtual std::uint64_t version() const = 0;
    /// Group g's statistics per column of the table's schema, or null when the group does
    /// not have them (written before groups kept them).
    virtual const std::vector<ColumnStats>* statsOf(std::size_t) const { return nullptr; }
};

/// A table as the query engine reads it: what it is called, its schema, its rows and their
/// version, and the lock readers hold. The engine's own temporary tables (WITH queries and
/// FROM subqueries) are just this; the store's tables extend it with their log and their
/// insertIds, and answer whether they are views. The SQL library knows tables only through
/// this and `QueryContext::resolveTable`.
struct TableData {
    TableData() = default;
    TableData(const TableData&) = delete;
    TableData& operator=(const TableData&) = delete;
    virtual ~TableData() = default;

    /// A logical view: a table that holds no rows, only a GoogleSQL query bound again each
    /// time a query reads it.
    virtual bool isView() const { return false; }
    /// The view's query text (empty for a table that is not a view).
    virtual std::string viewQuery() const { return {}; }

    /// Time-unit column partitioning (a table's timePartitioning with a field): the top-level
    /// column, its unit, and whether every query must filter on it. Bytes processed count only
    /// the partitions a query's WHERE can touch (Pruning.cpp).
    struct Partitioning {
        /// Range: integer-range partitioning of an INT64 column, buckets [start + k*interval,
        /// start + (k+1)*interval) up to `end`; values outside are __UNPARTITIONED__.
        enum class Unit { Hour, Day, Month, Year, Range };
        int column = -1;
        std::string columnName;
        TypeKind type = TypeKind::Date; ///< DATE, DATETIME or TIMESTAMP; INT64 for Range
        Unit unit = Unit::Day;
        std::int64_t start = 0, end = 0, interval = 1; ///< Range only
        bool requireFilter = false;
        /// timePartitioning.expirationMs: a partition's rows are deleted once its partition
        /// time (its start, UTC) plus this has passed (0: never). Not for Range.
        std::int64_t expirationMs = 0;
        /// Ingestion-time partitioning (timePartitioning without a field): each stored row
        /// carries its partition time (TIMESTAMP, the start of its unit, UTC) as a hidden field
        /// after the schema's columns, at `column` == schema.fields.size(). Queries read it as
        /// _PARTITIONTIME (and, for DAY, _PARTITIONDATE); SELECT * and the schema leave it out.
        bool ingestion = false;
        bool operator==(const Partitioning&) const = default;
    };
    /// The name of the hidden field of ingestion-time partitioning.
    static constexpr const char* kPartitionTime = "_PARTITIONTIME";
    /// The fields each stored row holds: the schema's, then the hidden partition time of an
    /// ingestion-time partitioned table. What the table's files are written and read with.
    Schema storedSchema() const {
        Schema s = schema;
        if (partitioning && partitioning->ingestion) {
            Field f;
            f.name = kPartitionTime;
            f.type = TypeKind::Timestamp;
            s.fields.push_back(std::move(f));
        }
        return s;
    }

    std::string project, dataset, id; ///< project empty: a temporary table of one query
    Schema schema;
    std::vector<Value> rows;   ///< STRUCT values laid out as `schema` (unless onDisk says otherwise)
    /// Set (under `mutex`, exclusive) when the rows are read from row groups: empty `rows`
    /// then, unless a test asked for groups of rows held in memory too.
    std::shared_ptr<const RowGroupSource> onDisk;
    /// The row groups the engine reads instead of `rows`, or null. Under `mutex`.
    const RowGroupSource* groupsToRead() const { return onDisk && onDisk->version() == version ? onDisk.get() : nullptr; }
    std::uint64_t version = 1; ///< bumps on every change: the result cache keys on it
    std::uint64_t schemaVersion = 0; ///< bumps when the schema changes in place
    mutable std::shared_mutex mutex;
    /// Logical bytes per column (see Bytes.h), computed once per version of the rows.
    mutable std::mutex bytesMutex;
    mutable std::uint64_t bytesVersion = 0, bytesSchemaVersion = 0;
    mutable std::vector<std::uint64_t> bytesByColumn;
    std::optional<Partitioning> partitioning; ///< set under `mutex` (exclusive)
    /// The table's clustering columns (top-level, in order; set with `partitioning`). A run
    /// (not a dry run) bills only the storage blocks a filter on the first can touch.
    std::vector<int> clusterColumns;
    /// Storage blocks of a clustered table (Pruning.cpp): per partition key (one key when not
    /// partitioned), rows in clustering order cut every `clusterBlockBytes`; each block's
    /// first clustering column's range and its logical bytes per column. Under bytesMutex.
    struct ClusterBlock {
        std::optional<Value> min, max; ///< none: only NULLs
        std::vector<std::uint64_t> bytes;
    };
    mutable std::map<std::int64_t, std::vector<ClusterBlock>> clusterBlocks;
    mutable std::uint64_t clusterBlocksVersion = 0, clusterBlocksSchemaVersion = 0, clusterBlocksSize = 0;
    mutable int clusterBlocksColumn = -1;
    mutable std::optional<Partitioning> clusterBlocksFor;
    /// Logical bytes per partition (by partitionKey; NULLs under INT64_MIN) and column, for a
    /// partitioned table, computed once per version of the rows (under bytesMutex).
    mutable std::map<std::int64_t, std::vector<std::uint64_t>> bytesByPartition;
    mutable std::uint64_t partitionBytesVersion = 0, partitionBytesSchemaVersion = 0;
    mutable std::optional<Partitioning> partitionBytesFor; ///< the partitioning bytesByPartition was computed for
    /// Columns of `rows` the engine copied out to read them faster (ColumnCache.h), for the
    /// version of the rows they were read from; only for a table that lives on between
    /// queries (the Store's catalog sets this), not one made for one query (a past version,
    /// INFORMATION_SCHEMA, a WITH query).
    bool cacheColumns = false;
    mutable ColumnCache columnCache;
};

} // namespace quarry::sandbox::sql
