// SPDX-License-Identifier: MIT
#pragma once

#include "value/Value.h"

#include <cmath>
#include <optional>
#include <string>

namespace quarry::sandbox::sql {

/// NUMERIC as an integer scaled by 10^9 (38 digits fit in 128 bits).
__extension__ typedef __int128 Num128;
inline constexpr std::int64_t kNumericScale = 1'000'000'000;
/// 10^29, exactly: NUMERIC's integer part stays below it. (The double 1e29 is not 10^29.)
inline constexpr Num128 kTen29 = static_cast<Num128>(10'000'000'000'000'000LL) * 10'000'000'000'000LL;
std::optional<Num128> parseNumeric(std::string_view text);
std::string formatNumeric(Num128 v);
/// An INTERVAL's months, days and nanoseconds, each signed as written.
struct IntervalParts {
    long long months = 0, days = 0;
    Num128 nanos = 0;
};
/// An INTERVAL as BigQuery reads it: 'Y-M', 'H:M:S', 'Y-M D', 'D H:M:S', 'Y-M D H:M:S[.F]' with
/// signed parts (the canonical text is the last), or ISO 8601 'P1Y2M3DT4H5M6.5S'; nullopt for
/// anything else or past BigQuery's range (10,000 years).
std::optional<IntervalParts> parseInterval(std::string_view text);
/// An INTERVAL's canonical text as nanoseconds, a month counted as 30 days and a day as 24
/// hours (how BigQuery orders and groups intervals); nullopt if it is not that text.
std::optional<Num128> intervalNanos(std::string_view canonical);
/// The value as a double (INT64, FLOAT64, NUMERIC, BIGNUMERIC).
double toDouble(const Value& v);

/// Orders two decimal texts ([-]digits[.digits]) exactly, whatever their length.
int compareDecimalText(std::string_view a, std::string_view b);
/// Orders two non-NULL values of comparable kinds: <0, 0, >0. INT64, FLOAT64 and NUMERIC
/// compare by value; NaN sorts first, as in BigQuery.
int compareValues(const Value& a, const Value& b);
/// A string that is equal for values that GROUP BY and DISTINCT treat as equal.
void appendKey(std::string& out, const Value& v);

class Collation;
/// The same under a collation (may be null): STRING values, alone or in an ARRAY, compare and
/// group as the collation says ('und:ci': "a" = "A").
int compareValues(const Value& a, const Value& b, const Collation* c);
void appendKey(std::string& out, const Value& v, const Collation* c);

/// Evaluates a BOOL for WHERE/HAVING: NULL and FALSE are both "no".
inline bool isTrue(const Value& v) { return v.kind() == ValueKind::Bool && v.asBool(); }
/// A FLOAT64 NaN (which MIN, MAX, ARRAY_MIN and ARRAY_MAX return whenever they meet one).
inline bool isNaN(const Value& v) { return v.kind() == ValueKind::Float64 && std::isnan(v.asDouble()); }

} // namespace quarry::sandbox::sql
