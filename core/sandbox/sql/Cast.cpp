// SPDX-License-Identifier: MIT
// CAST and SAFE_CAST: which casts BigQuery allows, and each conversion with BigQuery's
// errors; the text CAST(x AS STRING) gives.
#include "sandbox/sql/Functions.h"

#include "sandbox/sql/Intervals.h"
#include "sandbox/sql/TimeZone.h"
#include "sandbox/sql/ValueOps.h"
#include "value/Civil.h"
#include "value/Display.h"
#include "value/Numbers.h"
#include "value/RangeText.h"
#include "value/Text.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <string>

namespace quarry::sandbox::sql {

using K = TypeKind;

std::string castToString(const Value& v) {
    switch (v.kind()) {
    case ValueKind::Float64: {
        const double d = v.asDouble();
        if (std::isnan(d)) return "nan";
        if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.17g", d);
        // shortest representation that round-trips
        for (int prec = 1; prec <= 17; ++prec) {
            std::snprintf(buf, sizeof buf, "%.*g", prec, d);
            if (std::strtod(buf, nullptr) == d) break;
        }
        return buf;
    }
    case ValueKind::Timestamp: {
        // In the query's time zone, with its offset: 2014-12-01 00:00:00-08, +05:30 when it
        // is not whole hours. Fractions in as few groups of three digits as they need.
        const std::int64_t offset = TimeZone::current().offsetAt(v.asInt64());
        std::string t = civil::formatDateTime(v.asInt64() + offset, ' ');
        if (t.find('.') != std::string::npos && t.ends_with("000")) t.resize(t.size() - 3);
        const std::int64_t m = (offset < 0 ? -offset : offset) / 60'000'000;
        char zone[16];
        std::snprintf(zone, sizeof zone, "%c%02d", offset < 0 ? '-' : '+', static_cast<int>(m / 60));
        t += zone;
        if (m % 60) {
            std::snprintf(zone, sizeof zone, ":%02d", static_cast<int>(m % 60));
            t += zone;
        }
        return t;
    }
    case ValueKind::Bytes: return std::string(v.asText());
    default: {
        Field f;
        f.type = K::String;
        return displayText(v, f);
    }
    }
}

bool castable(const SqlType& from, const SqlType& to) {
    if (from.unknown || from == to) return true;
    if (to.kind == K::Range && !to.array) return !from.array && from.kind == K::String;
    if (from.kind == K::Range && !from.array) return false; // to STRING: its text form per element type is not checked yet
    if (from.array || to.array) return from.array && to.array && castable(from.element(), to.element());
    if (to.kind == K::Struct || from.kind == K::Struct) {
        if (from.kind != K::Struct || to.kind != K::Struct || from.fields.size() != to.fields.size()) return false;
        for (std::size_t i = 0; i < from.fields.size(); ++i)
            if (!castable(from.fields[i].second, to.fields[i].second)) return false;
        return true;
    }
    if (to.kind == K::String) return true;
    if (from.kind == K::String) return to.kind != K::Geography;
    if (from.isNumeric() && to.isNumeric()) return true;
    if (from.kind == K::Bool && to.kind == K::Int64) return true;
    if (from.kind == K::Int64 && to.kind == K::Bool) return true;
    if (from.kind == K::Bytes && to.kind == K::String) return true;
    if ((from.kind == K::Timestamp || from.kind == K::DateTime) && (to.kind == K::Date || to.kind == K::Time ||
                                                                     to.kind == K::DateTime || to.kind == K::Timestamp))
        return true;
    if (from.kind == K::Date && (to.kind == K::DateTime || to.kind == K::Timestamp)) return true;
    return false;
}

namespace {

/// An INTERVAL written as BigQuery reads it (see parseInterval) in its canonical text
/// 'Y-M D H:M:S[.F]'; nullopt if it is not one.
std::optional<std::string> intervalFromText(std::string_view t) {
    const auto parts = parseInterval(t);
    if (!parts) return std::nullopt;
    try {
        return std::string(intervalValue(*parts).asText());
    } catch (const EvalError&) {
        return std::nullopt; // past BigQuery's range
    }
}

/// A decimal in exponent notation ("-1.25e+3") written out plainly ("-1250"), digit by digit;
/// anything else is returned as it was (and fails later as an invalid number).
std::string expandExponent(const std::string& t) {
    const auto e = t.find_first_of("eE");
    std::string mant = t.substr(0, e);
    int exponent = 0;
    try {
        std::size_t used = 0;
        exponent = std::stoi(t.substr(e + 1), &used);
        if (used != t.size() - e - 1 || exponent > 400 || exponent < -400) return t;
    } catch (const std::exception&) {
        return t;
    }
    const bool negative = !mant.empty() && mant.front() == '-';
    if (!mant.empty() && (mant.front() == '-' || mant.front() == '+')) mant.erase(0, 1);
    const auto dot = mant.find('.');
    std::string digits = mant;
    int point = static_cast<int>(mant.size());
    if (dot != std::string::npos) {
        digits.erase(dot, 1);
        point = static_cast<int>(dot);
    }
    if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos) return t;
    point += exponent;
    std::string out;
    if (point <= 0) out = "0." + std::string(static_cast<std::size_t>(-point), '0') + digits;
    else if (static_cast<std::size_t>(point) >= digits.size()) out = digits + std::string(static_cast<std::size_t>(point) - digits.size(), '0');
    else out = digits.substr(0, static_cast<std::size_t>(point)) + "." + digits.substr(static_cast<std::size_t>(point));
    return negative ? "-" + out : out;
}

/// `d` (finite) as a plain decimal without an exponent, from its shortest round-trip digits.
std::string plainDecimal(double d) {
    char buf[64];
    const auto r = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
    return expandExponent(std::string(buf, r.ptr));
}

} // namespace

Value castValue(const Value& v, const SqlType& to, bool safe) {
    if (v.isNull()) return {};
    auto failed = [&](const std::string& what) -> Value {
        if (safe) return {};
        throw EvalError(what);
    };
    if (to.array) {
        Value out = Value::arrayOf(v.size());
        for (std::size_t i = 0; i < v.size(); ++i) {
            out[i] = castValue(v[i], to.element(), safe);
            if (out[i].isNull() && !v[i].isNull()) return {};
        }
        return out;
    }
    if (to.kind == K::Struct) {
        Value out = Value::structOf(to.fields.size());
        for (std::size_t i = 0; i < to.fields.size() && i < v.size(); ++i) out[i] = castValue(v[i], to.fields[i].second, safe);
        return out;
    }
    // A value cast to its own type is itself (ARRAY<BOOL>[true], CAST(b'a' AS BYTES)).
    const auto same = [&](ValueKind k) { return v.kind() == k; };
    if ((to.kind == K::Bool && same(ValueKind::Bool)) || (to.kind == K::Bytes && same(ValueKind::Bytes)) ||
        (to.kind == K::Date && same(ValueKind::Date)) || (to.kind == K::Time && same(ValueKind::Time)) ||
        (to.kind == K::DateTime && same(ValueKind::DateTime)) || (to.kind == K::Timestamp && same(ValueKind::Timestamp)) ||
        (to.kind == K::Json && same(ValueKind::Json)) || (to.kind == K::Geography && same(ValueKind::Geography)))
        return v;
    const std::string text = v.isText() ? std::string(v.asText()) : std::string();
    switch (to.kind) {
    case K::String:
        if (v.kind() == ValueKind::Bytes) {
            if (!text::isValidUtf8(v.asText())) return failed("Invalid UTF-8 in BYTES cast to STRING");
            return Value::string(v.asText());
        }
        return Value::string(castToString(v));
    case K::Bytes:
        if (v.kind() == ValueKind::String) return Value::bytes(v.asText());
        break;
    case K::Int64:
        switch (v.kind()) {
        case ValueKind::Int64: return v;
        case ValueKind::Bool: return Value::int64(v.asBool() ? 1 : 0);
        case ValueKind::Float64: {
            const double d = std::round(v.asDouble());
            if (!std::isfinite(d) || d >= 9.223372036854775807e18 || d < -9.223372036854775808e18)
                return failed("Illegal conversion of non-finite or out-of-range floating point number to an integer: " + castToString(v));
            return Value::int64(static_cast<std::int64_t>(d));
        }
        case ValueKind::Numeric:
        case ValueKind::BigNumeric: {
            const auto n = parseNumeric(v.asText());
            if (!n) return failed("Bad int64 value: " + text);
            Num128 q = *n / kNumericScale, r = *n % kNumericScale;
            if (r * 2 >= kNumericScale) ++q;
            else if (r * 2 <= -kNumericScale) --q;
            return Value::int64(static_cast<std::int64_t>(q));
        }
        case ValueKind::String: {
            std::string t = text;
            while (!t.empty() && t.front() == ' ') t.erase(0, 1);
            while (!t.empty() && t.back() == ' ') t.pop_back();
            if (auto i = numbers::parseInt64(t)) return Value::int64(*i);
            if (t.size() > 2 && (t.substr(0, 2) == "0x" || t.substr(0, 2) == "0X")) {
                try {
                    return Value::int64(static_cast<std::int64_t>(std::stoull(t.substr(2), nullptr, 16)));
                } catch (...) {
                }
            }
            return failed("Bad int64 value: " + text);
        }
        default: break;
        }
        break;
    case K::Float64:
        if (v.kind() == ValueKind::String) {
            if (auto d = numbers::parseDouble(text)) return Value::float64(*d);
            return failed("Bad double value: " + text);
        }
        if (v.kind() == ValueKind::Int64 || v.kind() == ValueKind::Float64 || v.kind() == ValueKind::Numeric ||
            v.kind() == ValueKind::BigNumeric)
            return Value::float64(toDouble(v));
        break;
    case K::Numeric:
    case K::BigNumeric: {
        const bool big = to.kind == K::BigNumeric;
        std::string t;
        if (v.kind() == ValueKind::Int64) t = std::to_string(v.asInt64());
        else if (v.kind() == ValueKind::Float64) {
            if (!std::isfinite(v.asDouble())) return failed("Illegal conversion of non-finite floating point number to numeric: " + castToString(v));
            // The shortest decimal that reads back as this double, as BigQuery converts
            // (9.9999999e28 is 99999999000000000000000000000, not its binary expansion).
            t = plainDecimal(v.asDouble());
        } else if (v.isText()) {
            t = text;
            if (t.find_first_of("eE") != std::string::npos) t = expandExponent(t); // 1.5e3 reads as 1500
        }
        // The sandbox's BIGNUMERIC keeps NUMERIC's 9 digits after the point: refuse to round
        // away what BigQuery would keep (up to 38), rather than answer wrongly.
        if (big) {
            const auto dot = t.find('.');
            if (dot != std::string::npos && t.find_first_of("eE") == std::string::npos &&
                t.find_first_not_of("0", dot + 10) != std::string::npos)
                return failed("BIGNUMERIC values with more than 9 digits after the decimal point are not supported by the sandbox yet: " + t);
        }
        const bool ok = big ? numbers::isBigNumeric(t) : numbers::isNumeric(t);
        if (!ok) {
            // Extra fraction digits round half away from zero, as BigQuery's do, when the value fits.
            const auto dot = t.find('.');
            const std::size_t cut = dot == std::string::npos ? t.size() : dot + 10;
            if (auto n = parseNumeric(t.substr(0, cut))) {
                if (cut < t.size() && t[cut] >= '5' && t[cut] <= '9') *n += t.starts_with('-') ? -1 : 1;
                return big ? Value::bigNumeric(formatNumeric(*n)) : Value::numeric(formatNumeric(*n));
            }
            return failed("Invalid " + std::string(big ? "BIGNUMERIC" : "NUMERIC") + " value: " + (t.empty() ? castToString(v) : t));
        }
        if (const auto n = parseNumeric(t)) return big ? Value::bigNumeric(formatNumeric(*n)) : Value::numeric(formatNumeric(*n));
        return big ? Value::bigNumeric(t) : Value::numeric(t);
    }
    case K::Interval:
        if (v.kind() == ValueKind::String) {
            if (const auto canonical = intervalFromText(text)) return Value::interval(*canonical);
            return failed("Invalid INTERVAL value: '" + text + "'");
        }
        if (v.kind() == ValueKind::Interval) return v;
        break;
    case K::Bool:
        if (v.kind() == ValueKind::Int64) return Value::boolean(v.asInt64() != 0);
        if (v.kind() == ValueKind::String) {
            std::string u = text;
            std::transform(u.begin(), u.end(), u.begin(), ::tolower);
            if (u == "true") return Value::boolean(true);
            if (u == "false") return Value::boolean(false);
            return failed("Bad bool value: " + text);
        }
        break;
    case K::Date:
        if (v.kind() == ValueKind::String) {
            if (auto d = civil::parseDate(text)) return Value::date(*d);
            return failed("Could not cast literal \"" + text + "\" to type DATE");
        }
        if (v.kind() == ValueKind::Timestamp || v.kind() == ValueKind::DateTime) {
            const auto us = v.kind() == ValueKind::Timestamp ? TimeZone::current().toLocal(v.asInt64()) : v.asInt64();
            return Value::date(static_cast<std::int32_t>((us >= 0 ? us : us - civil::kMicrosPerDay + 1) / civil::kMicrosPerDay));
        }
        break;
    case K::Time:
        if (v.kind() == ValueKind::String) {
            if (auto t = civil::parseTime(text)) return Value::time(*t);
            return failed("Could not cast literal \"" + text + "\" to type TIME");
        }
        if (v.kind() == ValueKind::Timestamp || v.kind() == ValueKind::DateTime) {
            auto r = (v.kind() == ValueKind::Timestamp ? TimeZone::current().toLocal(v.asInt64()) : v.asInt64()) % civil::kMicrosPerDay;
            if (r < 0) r += civil::kMicrosPerDay;
            return Value::time(r);
        }
        break;
    case K::DateTime:
        if (v.kind() == ValueKind::String) {
            if (auto t = civil::parseDateTime(text)) return Value::dateTime(*t);
            return failed("Could not cast literal \"" + text + "\" to type DATETIME");
        }
        if (v.kind() == ValueKind::Date) return Value::dateTime(v.asInt64() * civil::kMicrosPerDay);
        if (v.kind() == ValueKind::Timestamp) return Value::dateTime(TimeZone::current().toLocal(v.asInt64()));
        break;
    case K::Timestamp:
        if (v.kind() == ValueKind::String) {
            // Without a zone, the text is in the query's time zone (SET @@time_zone; UTC).
            if (auto t = parseTimestampIn(text, TimeZone::current())) return Value::timestamp(*t);
            return failed("Could not cast literal \"" + text + "\" to type TIMESTAMP");
        }
        if (v.kind() == ValueKind::Date) return Value::timestamp(TimeZone::current().toUtc(v.asInt64() * civil::kMicrosPerDay));
        if (v.kind() == ValueKind::DateTime) return Value::timestamp(TimeZone::current().toUtc(v.asInt64()));
        break;
    case K::Json:
        if (v.kind() == ValueKind::String) return Value::json(v.asText());
        break;
    case K::Range:
        if (v.kind() == ValueKind::String) {
            // '[start, end)', each side a value of the element type or UNBOUNDED (or NULL).
            const auto sides = rangetext::split(text);
            if (!sides) return failed("Invalid RANGE value: '" + text + "'");
            Value ends[2];
            const std::string_view parts[2] = {sides->first, sides->second};
            for (int i = 0; i < 2; ++i) {
                std::string side(parts[i]);
                std::transform(side.begin(), side.end(), side.begin(), ::toupper);
                if (side == "UNBOUNDED" || side == "NULL") continue;
                // A TIMESTAMP bound without a zone is in the query's time zone once the job
                // names one (SET @@time_zone); before that, refused rather than assumed UTC:
                // GoogleSQL's reference reads such bounds in its own default zone.
                const std::string_view after = parts[i].size() > 10 ? parts[i].substr(10) : std::string_view();
                if (to.rangeElement == K::Timestamp && !TimeZone::currentIsSet() && after.find_first_of("+-Z/") == std::string_view::npos &&
                    side.find("UTC") == std::string::npos)
                    throw EvalError("RANGE<TIMESTAMP> bounds without a time zone are not supported by the sandbox unless the job sets one "
                                    "(SET @@time_zone); write the zone, as in '2020-01-01 00:00:00+00'");
                ends[i] = castValue(Value::string(parts[i]), SqlType::scalar(to.rangeElement), safe);
                if (ends[i].isNull()) return {};
            }
            if (!ends[0].isNull() && !ends[1].isNull() && ends[0].asInt64() >= ends[1].asInt64())
                return failed("Range start element must be smaller than range end element: '" + text + "'");
            return Value::range(std::move(ends[0]), std::move(ends[1]));
        }
        if (v.kind() == ValueKind::Range) return v;
        break;
    case K::Geography:
        if (v.kind() == ValueKind::String) return Value::geography(v.asText());
        break;
    default: break;
    }
    return failed("Invalid cast");
}

} // namespace quarry::sandbox::sql
