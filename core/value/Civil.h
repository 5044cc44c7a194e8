// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

/// Calendar arithmetic and BigQuery's text forms of DATE, TIME, DATETIME and TIMESTAMP.
/// Valid years are 0001..9999, as in BigQuery.
namespace quarry::civil {

inline constexpr std::int64_t kMicrosPerSecond = 1'000'000;
inline constexpr std::int64_t kMicrosPerDay = 86'400LL * kMicrosPerSecond;
/// 0001-01-01T00:00:00 and 9999-12-31T23:59:59.999999 in microseconds since 1970.
inline constexpr std::int64_t kMinMicros = -62'135'596'800'000'000LL;
inline constexpr std::int64_t kMaxMicros = 253'402'300'799'999'999LL;

std::int32_t daysFromCivil(int y, unsigned m, unsigned d);
void civilFromDays(std::int64_t days, int& y, unsigned& m, unsigned& d);

/// "YYYY-MM-DD"
std::optional<std::int32_t> parseDate(std::string_view s);
/// "HH:MM:SS[.f{1,6}]"
std::optional<std::int64_t> parseTime(std::string_view s);
/// "YYYY-MM-DD[T| ]HH:MM:SS[.f]" (time part optional)
std::optional<std::int64_t> parseDateTime(std::string_view s);
/// RFC 3339 / BigQuery timestamp literal: date, optional time, optional zone
/// ("Z", "UTC", "+HH:MM", "+HH"). No zone means UTC.
std::optional<std::int64_t> parseTimestampText(std::string_view s);

std::string formatDate(std::int32_t days);
/// "HH:MM:SS" or "HH:MM:SS.ffffff" when there is a fraction.
std::string formatTime(std::int64_t micros);
/// "YYYY-MM-DDTHH:MM:SS[.ffffff]" (sep between date and time is configurable).
std::string formatDateTime(std::int64_t civilMicros, char sep = 'T');
/// "YYYY-MM-DD HH:MM:SS[.ffffff] UTC", as the BigQuery console shows timestamps.
std::string formatTimestampDisplay(std::int64_t unixMicros);
/// "YYYY-MM-DDTHH:MM:SS.ffffffZ" (RFC 3339 for insertAll rows).
std::string formatTimestampRfc3339(std::int64_t unixMicros);

/// Division rounding toward negative infinity (days before 1970 stay whole days).
inline constexpr std::int64_t floorDiv(std::int64_t a, std::int64_t b) {
    return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

} // namespace quarry::civil
