// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

/// Exact text <-> number conversions for BigQuery's wire forms.
namespace quarry::numbers {

/// Whole string must be a base-10 int64 ("-12", "+7"); no spaces, no overflow.
std::optional<std::int64_t> parseInt64(std::string_view s);
/// Decimal or scientific float; also NaN, Infinity, -Infinity, inf, nan (any case).
std::optional<double> parseDouble(std::string_view s);
/// Java's Double.toString, which is what BigQuery writes: "3.14", "1.0", "1.0E-5",
/// "1.6409952E9", "NaN", "Infinity", "-Infinity". Shortest text that round-trips.
std::string formatDouble(double v);

/// A plain decimal ("-123.4500", ".5", "7.") with at most the given digits on each side.
bool isDecimal(std::string_view s, int maxIntegerDigits, int maxFractionDigits);
inline bool isNumeric(std::string_view s) { return isDecimal(s, 29, 9); }
inline bool isBigNumeric(std::string_view s) { return isDecimal(s, 39, 38); }

/// Seconds since the epoch written as a decimal or scientific number ("1.6409952E9",
/// "-1.9954383398377106E10", "1640995200.123456"), converted exactly to microseconds
/// (rounded half away from zero). nullopt when it is not a number or out of range.
std::optional<std::int64_t> secondsTextToMicros(std::string_view s);
/// Microseconds as Java-style float seconds, the default wire form of TIMESTAMP.
std::string microsToSecondsText(std::int64_t micros);

} // namespace quarry::numbers
