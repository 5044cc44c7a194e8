// SPDX-License-Identifier: MIT
#pragma once

#include "sandbox/sql/Ast.h"

#include <optional>
#include <vector>

namespace quarry::sandbox::sql {

/// Date and time functions: EXTRACT, DATE/DATETIME/TIMESTAMP _ADD, _SUB, _TRUNC, DATE_DIFF,
/// TIMESTAMP_DIFF, FORMAT_* and PARSE_*, LAST_DAY, UNIX_*, TIMESTAMP_SECONDS/MILLIS/MICROS,
/// DATE_FROM_UNIX_DATE, DATE(...), DATETIME(...), TIMESTAMP(...), GENERATE_DATE_ARRAY.
/// Timestamps are read in a zone argument or the query's time zone. `INTERVAL n part`
/// (a Call named INTERVAL: count, part) is only an argument of the _ADD/_SUB functions and
/// GENERATE_DATE_ARRAY. nullopt: not one of these.
std::optional<SqlType> bindDateFunction(const Expr& call, const std::vector<SqlType>& args);
std::optional<Value> callDateFunction(const Expr& call, std::vector<Value>& args);
/// Functions whose arguments may be INTERVAL values.
bool takesInterval(const std::string& upperName);
/// Civil micros plus `months`, the day clamped to the new month's length (Jan 31 + 1 month is
/// Feb 28 or 29), as BigQuery does; EvalError outside years 1 to 9999.
std::int64_t addMonths(std::int64_t micros, std::int64_t months);

} // namespace quarry::sandbox::sql
