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
/// column into at most 10,000 buckets. Ingestion-time partitioning (no field) is kept in the
/// resource but prunes nothing yet.
void applyPartitioning(Table& t, bool validate);

} // namespace quarry::sandbox
