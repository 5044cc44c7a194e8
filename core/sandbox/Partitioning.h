// SPDX-License-Identifier: MIT
#pragma once

#include "sandbox/Store.h"

namespace quarry::sandbox {

/// Sets `t.partitioning` from its resource (timePartitioning {type, field} and
/// requirePartitionFilter, at the top level or, as older clients send it, inside
/// timePartitioning). With `validate`, a field that is not a top-level DATE, DATETIME or
/// TIMESTAMP column, or a unit it cannot have, is ApiFailure invalid with BigQuery's message;
/// without, such a table is simply not partitioned (a folder written before this check).
/// rangePartitioning {field, range {start, end, interval}} partitions a top-level INT64
/// column into at most 10,000 buckets. Ingestion-time partitioning (timePartitioning without
/// a field) partitions by a hidden field each stored row carries (TableData::storedSchema).
void applyPartitioning(Table& t, bool validate);

/// The partition time of a row written at `whenMs` into a table partitioned by ingestion
/// time `p`: the start (UTC) of the hour, day, month or year it was written in.
Value partitionTimeAt(const sql::TableData::Partitioning& p, std::int64_t whenMs);

/// Lays rows out as `t` stores them (caller holds t.mutex): a row of an ingestion-time
/// partitioned table that has only the schema's columns gets the partition time of `whenMs`;
/// a row with more (one copied from such a table into another) loses the extra.
void fitStoredRow(const Table& t, Value& row, std::int64_t whenMs);

/// How `t` is partitioned and clustered, as Table resource fields (timePartitioning,
/// rangePartitioning, clustering, requirePartitionFilter): what a table made in its place
/// (a copy, a replacing load) keeps. Caller holds t.mutex.
Json partitionSpec(const Table& t);

/// A table id with a partition decorator ("events$20240101"): the table's id and the
/// decorator (empty when there is none). A `$` with nothing after it is ApiFailure invalid.
/// A snapshot decorator after the partition stays with the id ("t$20240101@<ms>": "t@<ms>").
std::pair<std::string, std::string> splitDecorator(const std::string& id);
/// Where the partition a decorator names starts (ms since the epoch, UTC): a decorator of the
/// unit of a table partitioned by time (YYYYMMDD, YYYYMMDDHH, YYYYMM, YYYY; caller holds
/// t.mutex). Otherwise ApiFailure invalid saying what to write.
std::int64_t partitionOfDecorator(const Table& t, const std::string& decorator);
/// The same for streaming into it: only a table partitioned by ingestion time, within 31 days
/// before and 16 days after `nowMs`, as BigQuery allows; otherwise BigQuery's words.
std::int64_t decoratedPartitionMs(const Table& t, const std::string& decorator, std::int64_t nowMs);
/// Whether a stored row of `t` (partitioned by time) is in the partition starting at `startMs`.
bool inPartition(const Table& t, const Value& row, std::int64_t startMs);
void fitStoredRows(const Table& t, std::vector<Value>& rows, std::int64_t whenMs);

} // namespace quarry::sandbox
