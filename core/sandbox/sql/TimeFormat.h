// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

/// BigQuery's format elements (%Y, %m, %d, %H, %E6S, %b, %A, ...) for FORMAT_* and PARSE_*
/// of DATE, DATETIME, TIME and TIMESTAMP, over civil microseconds since 1970 (UTC for
/// timestamps). Unknown elements and text that does not match throw EvalError.
namespace quarry::sandbox::sql::timefmt {

/// Civil fields of microseconds since 1970-01-01T00:00:00.
struct Civil {
    int year = 1970;
    unsigned month = 1, day = 1;
    int hour = 0, minute = 0, second = 0;
    std::int64_t micros = 0; ///< within the second
};
Civil split(std::int64_t micros);
std::int64_t join(const Civil& c); ///< throws EvalError outside 0001..9999

/// Day of week, 0 = Sunday.
int weekday(std::int64_t days);
int dayOfYear(int year, unsigned month, unsigned day); ///< 1-based
/// ISO 8601 week number and its year.
void isoWeek(std::int64_t days, int& isoYear, int& week);

/// `micros` is the local wall-clock time; `offsetMicros` its zone's offset from UTC there
/// (what %z, %Z and %s show).
std::string format(std::string_view fmt, std::int64_t micros, std::int64_t offsetMicros = 0);
/// Parses `text` by `fmt`; fields not in the format are 1970-01-01 00:00:00. A %z or %Z offset
/// is returned in `offsetMicros` (0 when absent), to subtract for a TIMESTAMP; `zoned` (if
/// given) says whether the text named its offset (%z, %Z, %s).
std::int64_t parse(std::string_view fmt, std::string_view text, std::int64_t& offsetMicros, bool* zoned = nullptr);

} // namespace quarry::sandbox::sql::timefmt
