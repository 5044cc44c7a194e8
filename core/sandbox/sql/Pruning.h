// SPDX-License-Identifier: MIT
#pragma once

#include "sandbox/sql/TableData.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace quarry::sandbox::sql {

/// One partition of a table as INFORMATION_SCHEMA.PARTITIONS lists it: the id BigQuery writes
/// (20240131 by day, 2024013114 by hour, 202401 by month, 2024 by year, __NULL__ for rows
/// whose partitioning value is NULL; none for a table that is not partitioned), its rows and
/// its logical bytes.
struct PartitionSummary {
    std::optional<std::string> id;
    std::uint64_t rows = 0;
    std::uint64_t logicalBytes = 0;
};
/// In partition order; one entry (without an id) for a table that is not partitioned. The
/// caller holds `t.mutex` (shared).
std::vector<PartitionSummary> partitionSummaries(const TableData& t);

/// Where the time partition holding `v` (a value of the partitioning column) starts, in
/// microseconds since the epoch, UTC (a DATETIME read as UTC): BigQuery's "partition time",
/// from which a partition's expiration counts. nullopt for NULL, for a value of another
/// kind, and for integer-range partitioning.
std::optional<std::int64_t> partitionStartMicros(const Value& v, const TableData::Partitioning& p);

/// The size of a clustered table's storage blocks, in logical bytes (default 64 MB, the size
/// from which BigQuery says clustering pays; quarry-sandbox --cluster-block-mb).
void setClusterBlockBytes(std::uint64_t bytes);

} // namespace quarry::sandbox::sql
