// SPDX-License-Identifier: MIT
#pragma once

#include "sandbox/sql/TableData.h"
#include "sandbox/sql/Ast.h"

#include <functional>
#include <memory>
#include <string_view>

namespace quarry::sandbox::sql {

using TableLookup = std::function<std::shared_ptr<TableData>(const std::vector<std::string>& path, Pos pos)>;

/// Legacy SQL, as the GoogleSQL query that gives the same flattened result:
/// - `[project:dataset.table]` and `[dataset.table]` references; comma-separated tables of one
///   schema are UNION ALL;
/// - repeated fields are flattened in the output (flattenResults): each one read becomes a
///   LEFT JOIN UNNEST, so a record whose array is empty still gives one row, with NULLs;
///   nested fields are named with `_` (`citiesLived.place` -> `citiesLived_place`), and a
///   RECORD read whole gives a column per leaf;
/// - FLATTEN(table, field) unnests that field whether it is read or not;
/// - `AGG(x) WITHIN RECORD` and `AGG(x) WITHIN node` aggregate over the record's (or the
///   node's) own repeated values;
/// - reading two independently repeated fields is BigQuery's error, "Cannot output multiple
///   independently repeated fields at the same time" in the output, "Cannot query the cross
///   product of repeated fields" elsewhere.
/// Throws SqlError with the [line:col] of what it cannot translate.
Select translateLegacy(std::string_view sql, const TableLookup& lookup);

/// Whether a query is legacy SQL, as BigQuery decides: useLegacySql (true when absent), unless
/// the text starts with a `#standardSQL` or `#legacySQL` line.
bool isLegacySql(std::string_view text, bool useLegacySql);

} // namespace quarry::sandbox::sql
