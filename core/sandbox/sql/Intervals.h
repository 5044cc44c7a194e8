// SPDX-License-Identifier: MIT
#pragma once

#include "sandbox/sql/Ast.h"
#include "sandbox/sql/ValueOps.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace quarry::sandbox::sql {

/// INTERVAL as a value: months, days and nanoseconds, each signed, kept as BigQuery's
/// canonical text 'Y-M D H:M:S[.F]'. Parts past BigQuery's range (10,000 years of months,
/// 3,660,000 days, 87,840,000 hours) are an error.

/// The canonical text of an interval; EvalError when a part is out of range.
Value intervalValue(const IntervalParts& p);
/// An INTERVAL value's parts (it was made canonical, so this does not fail).
IntervalParts partsOf(const Value& interval);
/// INTERVAL n part (YEAR, QUARTER, MONTH, WEEK, DAY, HOUR, MINUTE, SECOND, MILLISECOND,
/// MICROSECOND), n an INT64 or a STRING ('6.789' SECOND).
Value intervalOfPart(const Value& n, std::string_view part);
/// INTERVAL 'text' FROM TO ('1-2' YEAR TO MONTH, '10 20:20:20' DAY TO SECOND).
Value intervalOfRange(std::string_view text, std::string_view from, std::string_view to);
/// Whether `INTERVAL ... from TO to` names a range BigQuery has.
bool validIntervalRange(std::string_view from, std::string_view to);

/// The type of `l op r` when an INTERVAL is in it (or TIMESTAMP - TIMESTAMP and the like);
/// nullopt when it is not an interval operation.
std::optional<SqlType> intervalOperationType(const std::string& op, const SqlType& l, const SqlType& r);
/// Evaluates such an operation (no NULL operands): date/time +- interval (months and days
/// in civil time, a TIMESTAMP's in the query's time zone), interval +- interval, interval *
/// INT64, interval / INT64, and the difference of two dates or times as an interval.
Value intervalOperation(const std::string& op, const Value& a, const Value& b, const SqlType& result);
Value negateInterval(const Value& v);
/// EXTRACT(part FROM interval).
std::int64_t extractFromInterval(std::string_view part, const Value& interval);
/// JUSTIFY_DAYS, JUSTIFY_HOURS, JUSTIFY_INTERVAL.
Value justifyInterval(std::string_view fn, const Value& interval);

} // namespace quarry::sandbox::sql
