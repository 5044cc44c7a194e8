// SPDX-License-Identifier: MIT
#pragma once

#include "value/Schema.h"
#include "value/Value.h"

#include <cstdint>

namespace quarry::sandbox::sql {

/// Logical bytes of a value as BigQuery bills them: 8 for INT64, FLOAT64 and the date/time
/// types, 16 for NUMERIC and INTERVAL, 32 for BIGNUMERIC, 1 for BOOL, 2 + length for STRING
/// and BYTES, the text length for JSON and GEOGRAPHY, the sum of the parts for RECORD and
/// ARRAY, 0 for NULL.
std::uint64_t logicalBytes(const Value& v, const Field& f);
/// The same for a whole row laid out as `fields`.
std::uint64_t rowBytes(const Value& row, const std::vector<Field>& fields);

struct TableData;
/// Logical bytes of each column of a table, over all its rows. The caller holds the table's
/// lock (shared is enough); the sums are kept until the rows or schema change, so a query or
/// tables.get over a big table does not walk every value each time.
std::vector<std::uint64_t> columnBytes(const TableData& t);
/// Rows [from, end) were just appended to t.rows (under its exclusive lock) and its version
/// becomes `next`: the sums columnBytes keeps, when current, take in the new rows' bytes, so
/// the first query after a streaming insert does not walk every row again.
void noteAppendedBytes(const TableData& t, std::size_t from, std::uint64_t next);

} // namespace quarry::sandbox::sql
