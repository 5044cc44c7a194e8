// SPDX-License-Identifier: MIT
#include "sandbox/sql/DateFunctions.h"

#include "sandbox/sql/FunctionHelpers.h"
#include "sandbox/sql/Functions.h"
#include "sandbox/sql/TimeFormat.h"
#include "sandbox/sql/TimeZone.h"
#include "sandbox/sql/Intervals.h"
#include "value/Civil.h"

#include <algorithm>
#include <array>

namespace quarry::sandbox::sql {
namespace {

using K = TypeKind;
using namespace fn;
namespace tf = timefmt;

constexpr std::int64_t kDay = civil::kMicrosPerDay;

using civil::floorDiv;

bool is(const SqlType& t, K k) { return t.unknown || (!t.array && t.kind == k); }

/// The part named by an argument that is a part keyword (EXTRACT's first argument, the last
/// of _DIFF/_TRUNC/LAST_DAY, INTERVAL's unit): the parser makes it a STRING literal.
std::string partOf(const Expr& e) {
    if (e.kind != Expr::Kind::Literal || e.value.kind() != ValueKind::String) return {};
    return std::string(e.value.asText());
}

const std::array<std::string_view, 6> kSubDay{"MICROSECOND", "MILLISECOND", "SECOND", "MINUTE", "HOUR", "DAY"};
std::int64_t subDayMicros(std::string_view part) {
    if (part == "MICROSECOND") return 1;
    if (part == "MILLISECOND") return 1000;
    if (part == "SECOND") return 1'000'000;
    if (part == "MINUTE") return 60'000'000;
    if (part == "HOUR") return 3'600'000'000LL;
    if (part == "DAY") return kDay;
    return 0;
}

[[noreturn]] void badPart(const Expr& call, const std::string& part, std::string_view what) {
    throw SqlError("A valid date part name is required for " + call.op + (part.empty() ? std::string() : " but got " + part) +
                       "; it accepts " + std::string(what),
                   call.pos);
}


std::int64_t checked(std::int64_t micros) {
    if (micros < civil::kMinMicros || micros > civil::kMaxMicros)
        throw EvalError("The result is outside the DATE/TIMESTAMP range (years 1 to 9999)");
    return micros;
}

/// micros + n parts (DATE works in micros of its midnight).
std::int64_t addPart(std::int64_t micros, std::int64_t n, const std::string& part) {
    if (part == "WEEK") {
        std::int64_t days = 0;
        if (__builtin_mul_overflow(n, 7, &days)) throw EvalError("The result is outside the DATE/TIMESTAMP range (years 1 to 9999)");
        return addPart(micros, days, "DAY");
    }
    if (part == "MONTH" || part == "QUARTER" || part == "YEAR") {
        // Any count past 120,000 months leaves years 1..9999; checked before multiplying.
        if (n > 200'000 || n < -200'000) throw EvalError("The result is outside the DATE/TIMESTAMP range (years 1 to 9999)");
        return addMonths(micros, n * (part == "MONTH" ? 1 : part == "QUARTER" ? 3 : 12));
    }
    std::int64_t step = subDayMicros(part), delta = 0;
    if (__builtin_mul_overflow(n, step, &delta)) throw EvalError("The result is outside the DATE/TIMESTAMP range (years 1 to 9999)");
    std::int64_t out = 0;
    if (__builtin_add_overflow(micros, delta, &out)) throw EvalError("The result is outside the DATE/TIMESTAMP range (years 1 to 9999)");
    return checked(out);
}

/// The start of the part containing micros.
std::int64_t truncPart(std::int64_t micros, const std::string& part) {
    if (const std::int64_t unit = subDayMicros(part)) return floorDiv(micros, unit) * unit;
    const std::int64_t days = floorDiv(micros, kDay);
    if (part == "WEEK") return (days - tf::weekday(days)) * kDay;
    if (part == "ISOWEEK") return (days - (tf::weekday(days) + 6) % 7) * kDay;
    tf::Civil c = tf::split(micros);
    c.hour = c.minute = c.second = 0;
    c.micros = 0;
    c.day = 1;
    if (part == "QUARTER") c.month = (c.month - 1) / 3 * 3 + 1;
    else if (part == "YEAR") c.month = 1;
    else if (part == "ISOYEAR") {
        int iy, iw;
        tf::isoWeek(days, iy, iw);
        const std::int64_t jan4 = civil::daysFromCivil(iy, 1, 4);
        return checked((jan4 - (tf::weekday(jan4) + 6) % 7) * kDay);
    }
    return tf::join(c);
}

/// A constant time zone argument is checked when the query is bound, so the error has its place.
void checkZoneArgument(const Expr& call, std::size_t i) {
    if (call.args.size() <= i) return;
    const Expr& z = *call.args[i];
    if (z.kind != Expr::Kind::Literal || z.value.kind() != ValueKind::String) return;
    if (!TimeZone::find(z.value.asText())) throw SqlError("Invalid time zone: " + std::string(z.value.asText()), z.pos);
}

/// The zone argument `i` of a call, or the query's default zone when there is none.
const TimeZone& zoneOf(const std::vector<Value>& a, std::size_t i) {
    return i < a.size() ? TimeZone::named(a[i].asText()) : TimeZone::current();
}

std::int64_t microsOf(const Value& v) { return v.kind() == ValueKind::Date ? v.asInt64() * kDay : v.asInt64(); }

/// A value's wall-clock time: a TIMESTAMP's in `zone`, a DATE's or DATETIME's as it is.
std::int64_t civilOf(const Value& v, const TimeZone& zone) {
    return v.kind() == ValueKind::Timestamp ? zone.toLocal(v.asInt64()) : microsOf(v);
}

Value ofKind(ValueKind k, std::int64_t micros) {
    switch (k) {
    case ValueKind::Date: return Value::date(static_cast<std::int32_t>(floorDiv(micros, kDay)));
    case ValueKind::DateTime: return Value::dateTime(micros);
    case ValueKind::Time: return Value::time(((micros % kDay) + kDay) % kDay);
    default: return Value::timestamp(micros);
    }
}

std::int64_t extract(const std::string& part, std::int64_t micros) {
    const tf::Civil c = tf::split(micros);
    const std::int64_t days = floorDiv(micros, kDay);
    if (part == "YEAR") return c.year;
    if (part == "MONTH") return c.month;
    if (part == "DAY") return c.day;
    if (part == "QUARTER") return (c.month - 1) / 3 + 1;
    if (part == "DAYOFWEEK") return tf::weekday(days) + 1;
    if (part == "DAYOFYEAR") return tf::dayOfYear(c.year, c.month, c.day);
    if (part == "WEEK") return (tf::dayOfYear(c.year, c.month, c.day) - 1 + 7 - tf::weekday(days)) / 7;
    if (part == "ISOWEEK" || part == "ISOYEAR") {
        int iy, iw;
        tf::isoWeek(days, iy, iw);
        return part == "ISOWEEK" ? iw : iy;
    }
    if (part == "HOUR") return c.hour;
    if (part == "MINUTE") return c.minute;
    if (part == "SECOND") return c.second;
    if (part == "MILLISECOND") return c.micros / 1000;
    if (part == "MICROSECOND") return c.micros;
    return 0;
}

bool dateLike(const SqlType& t) { return is(t, K::Date) || is(t, K::DateTime) || is(t, K::Timestamp); }

} // namespace

/// Months from civil fields, with the day clamped to the new month's length (Jan 31 + 1 month
/// is Feb 28 or 29), as BigQuery does.
std::int64_t addMonths(std::int64_t micros, std::int64_t months) {
    tf::Civil c = tf::split(micros);
    const std::int64_t total = static_cast<std::int64_t>(c.year) * 12 + (c.month - 1) + months;
    if (total < 12 || total >= 10000 * 12) throw EvalError("The result is outside the DATE/TIMESTAMP range (years 1 to 9999)");
    c.year = static_cast<int>(total / 12);
    c.month = static_cast<unsigned>(total % 12 + 1);
    static constexpr unsigned kLen[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const bool leap = (c.year % 4 == 0 && c.year % 100 != 0) || c.year % 400 == 0;
    const unsigned len = c.month == 2 && leap ? 29 : kLen[c.month - 1];
    c.day = std::min(c.day, len);
    return tf::join(c);
}

bool takesInterval(const std::string& n) {
    return n == "DATE_ADD" || n == "DATE_SUB" || n == "DATETIME_ADD" || n == "DATETIME_SUB" || n == "TIMESTAMP_ADD" ||
           n == "TIMESTAMP_SUB" || n == "TIME_ADD" || n == "TIME_SUB" || n == "GENERATE_DATE_ARRAY" || n == "GENERATE_TIMESTAMP_ARRAY";
}

std::optional<SqlType> bindDateFunction(const Expr& c, const std::vector<SqlType>& a) {
    const auto& n = c.op;
    if (n == "TIMESTAMP_TRUNC" || n == "FORMAT_TIMESTAMP" || n == "PARSE_TIMESTAMP" || n == "EXTRACT") checkZoneArgument(c, 2);
    if (n == "DATE" || n == "DATETIME" || n == "TIMESTAMP") checkZoneArgument(c, 1);
    const auto argc = a.size();
    auto need = [&](std::size_t lo, std::size_t hi) {
        if (argc < lo || argc > hi) noSignature(c, a);
    };
    if (n == "INTERVAL") {
        need(2, 2);
        if (!isInt(a[0])) throw SqlError("INTERVAL needs an INT64 count, not " + a[0].name(), c.args[0]->pos);
        const std::string part = partOf(*c.args[1]);
        static const std::array<std::string_view, 10> ok{"MICROSECOND", "MILLISECOND", "SECOND", "MINUTE", "HOUR", "DAY", "WEEK", "MONTH", "QUARTER", "YEAR"};
        if (std::find(ok.begin(), ok.end(), part) == ok.end()) throw SqlError("Unknown INTERVAL part " + part, c.args[1]->pos);
        return S(K::Int64);
    }
    if (n == "JUSTIFY_DAYS" || n == "JUSTIFY_HOURS" || n == "JUSTIFY_INTERVAL") {
        need(1, 1);
        if (!is(a[0], K::Interval)) noSignature(c, a);
        return S(K::Interval);
    }
    if (n == "EXTRACT" && argc == 2 && !a[1].unknown && is(a[1], K::Interval)) {
        static const std::array<std::string_view, 8> ok{"YEAR", "MONTH", "DAY", "HOUR", "MINUTE", "SECOND", "MILLISECOND", "MICROSECOND"};
        const std::string part = partOf(*c.args[0]);
        if (std::find(ok.begin(), ok.end(), part) == ok.end())
            throw SqlError("EXTRACT from INTERVAL does not support the " + part + " date part", c.args[0]->pos);
        return S(K::Int64);
    }
    if (n == "EXTRACT") {
        need(2, 3);
        const std::string part = partOf(*c.args[0]);
        const SqlType& t = a[1];
        if (argc == 3 && (!is(t, K::Timestamp) || !isString(a[2]))) noSignature(c, a); // ... AT TIME ZONE z
        if (part == "DATE") {
            if (!is(t, K::Timestamp) && !is(t, K::DateTime)) noSignature(c, a);
            return S(K::Date);
        }
        if (part == "TIME") {
            if (!is(t, K::Timestamp) && !is(t, K::DateTime)) noSignature(c, a);
            return S(K::Time);
        }
        if (part == "DATETIME") {
            if (!is(t, K::Timestamp)) noSignature(c, a);
            return S(K::DateTime);
        }
        static const std::array<std::string_view, 9> dateParts{"YEAR", "MONTH", "DAY", "QUARTER", "DAYOFWEEK", "DAYOFYEAR", "WEEK", "ISOWEEK", "ISOYEAR"};
        static const std::array<std::string_view, 5> timeParts{"HOUR", "MINUTE", "SECOND", "MILLISECOND", "MICROSECOND"};
        const bool dp = std::find(dateParts.begin(), dateParts.end(), part) != dateParts.end();
        const bool tp = std::find(timeParts.begin(), timeParts.end(), part) != timeParts.end();
        if (!dp && !tp) throw SqlError("A valid date part name is required but found " + part, c.args[0]->pos);
        if (is(t, K::Date) && !t.unknown && tp) throw SqlError("EXTRACT from DATE does not support the " + part + " date part", c.args[0]->pos);
        if (is(t, K::Time) && !t.unknown && dp) throw SqlError("EXTRACT from TIME does not support the " + part + " date part", c.args[0]->pos);
        if (!dateLike(t) && !is(t, K::Time)) noSignature(c, a);
        return S(K::Int64);
    }
    if (n == "GENERATE_TIMESTAMP_ARRAY") { // (start, end, INTERVAL n part), part MICROSECOND to DAY
        need(3, 3);
        if (!is(a[0], K::Timestamp) || !is(a[1], K::Timestamp)) noSignature(c, a);
        if (c.args[2]->kind != Expr::Kind::Call || c.args[2]->op != "INTERVAL")
            throw SqlError("GENERATE_TIMESTAMP_ARRAY needs an INTERVAL step, as in INTERVAL 1 HOUR", c.args[2]->pos);
        const std::string part = partOf(*c.args[2]->args[1]);
        if (std::find(kSubDay.begin(), kSubDay.end(), part) == kSubDay.end())
            throw SqlError("GENERATE_TIMESTAMP_ARRAY does not support the " + part + " date part", c.args[2]->pos);
        return S(K::Timestamp).arrayOf();
    }
    if (takesInterval(n) && n != "GENERATE_DATE_ARRAY") {
        need(2, 2);
        const K kind = n.starts_with("DATE_") ? K::Date : n.starts_with("DATETIME") ? K::DateTime : n.starts_with("TIME_") ? K::Time : K::Timestamp;
        if (!is(a[0], kind)) noSignature(c, a);
        if (c.args[1]->kind != Expr::Kind::Call || c.args[1]->op != "INTERVAL")
            throw SqlError(n + " needs an INTERVAL as its second argument, as in " + n + "(x, INTERVAL 1 DAY)", c.args[1]->pos);
        const std::string part = partOf(*c.args[1]->args[1]);
        const bool subDay = std::find(kSubDay.begin(), kSubDay.end(), part) != kSubDay.end() && part != "DAY";
        if ((kind == K::Date && subDay) || (kind == K::Timestamp && !subDay && part != "DAY") || (kind == K::Time && !subDay))
            throw SqlError(n + " does not support the " + part + " date part", c.args[1]->pos);
        return S(kind);
    }
    if (n == "GENERATE_DATE_ARRAY") {
        need(2, 3);
        if (!is(a[0], K::Date) || !is(a[1], K::Date)) noSignature(c, a);
        if (argc == 3) {
            if (c.args[2]->kind != Expr::Kind::Call || c.args[2]->op != "INTERVAL")
                throw SqlError("GENERATE_DATE_ARRAY needs an INTERVAL step, as in INTERVAL 1 DAY", c.args[2]->pos);
            const std::string part = partOf(*c.args[2]->args[1]);
            if (part != "DAY" && part != "WEEK" && part != "MONTH" && part != "QUARTER" && part != "YEAR")
                throw SqlError("GENERATE_DATE_ARRAY does not support the " + part + " date part", c.args[2]->pos);
        }
        return S(K::Date).arrayOf();
    }
    if (n == "DATE_DIFF" || n == "TIMESTAMP_DIFF" || n == "DATETIME_DIFF") {
        need(3, 3);
        const K kind = n == "DATE_DIFF" ? K::Date : n == "DATETIME_DIFF" ? K::DateTime : K::Timestamp;
        if (!is(a[0], kind) || !is(a[1], kind)) noSignature(c, a);
        const std::string part = partOf(*c.args[2]);
        const bool datePart = part == "DAY" || part == "WEEK" || part == "MONTH" || part == "QUARTER" || part == "YEAR";
        const bool subDay = std::find(kSubDay.begin(), kSubDay.end(), part) != kSubDay.end();
        const bool ok = kind == K::Date ? datePart : kind == K::Timestamp ? subDay : datePart || subDay;
        if (!ok)
            badPart(c, part, kind == K::Date ? "DAY, WEEK, MONTH, QUARTER, YEAR" : kind == K::Timestamp ? "MICROSECOND ... DAY" : "MICROSECOND ... YEAR");
        return S(K::Int64);
    }
    if (n == "DATE_TRUNC" || n == "DATETIME_TRUNC" || n == "TIMESTAMP_TRUNC") {
        need(2, n == "TIMESTAMP_TRUNC" ? 3 : 2);
        const K kind = n == "DATE_TRUNC" ? K::Date : n == "DATETIME_TRUNC" ? K::DateTime : K::Timestamp;
        if (!is(a[0], kind) || (argc == 3 && !isString(a[2]))) noSignature(c, a);
        const std::string part = partOf(*c.args[1]);
        static const std::array<std::string_view, 6> dateParts{"DAY", "WEEK", "ISOWEEK", "MONTH", "QUARTER", "YEAR"};
        const bool ok = std::find(dateParts.begin(), dateParts.end(), part) != dateParts.end() || part == "ISOYEAR" ||
                        (kind != K::Date && std::find(kSubDay.begin(), kSubDay.end(), part) != kSubDay.end());
        if (!ok) badPart(c, part, kind == K::Date ? "DAY, WEEK, ISOWEEK, MONTH, QUARTER, YEAR, ISOYEAR" : "MICROSECOND ... YEAR");
        return S(kind);
    }
    if (n == "LAST_DAY") {
        need(1, 2);
        if (!is(a[0], K::Date) && !is(a[0], K::DateTime)) noSignature(c, a);
        const std::string part = argc == 2 ? partOf(*c.args[1]) : "MONTH";
        if (part != "MONTH" && part != "WEEK" && part != "QUARTER" && part != "YEAR") badPart(c, part, "WEEK, MONTH, QUARTER, YEAR");
        return S(K::Date);
    }
    if (n == "FORMAT_DATE" || n == "FORMAT_DATETIME" || n == "FORMAT_TIMESTAMP" || n == "FORMAT_TIME") {
        need(2, n == "FORMAT_TIMESTAMP" ? 3 : 2);
        const K kind = n == "FORMAT_DATE" ? K::Date : n == "FORMAT_DATETIME" ? K::DateTime : n == "FORMAT_TIME" ? K::Time : K::Timestamp;
        if (!isString(a[0]) || !(is(a[1], kind) || (kind == K::DateTime && is(a[1], K::Date))) || (argc == 3 && !isString(a[2])))
            noSignature(c, a);
        return S(K::String);
    }
    if (n == "PARSE_DATE" || n == "PARSE_DATETIME" || n == "PARSE_TIMESTAMP" || n == "PARSE_TIME") {
        need(2, n == "PARSE_TIMESTAMP" ? 3 : 2);
        if (!isString(a[0]) || !isString(a[1]) || (argc == 3 && !isString(a[2]))) noSignature(c, a);
        return S(n == "PARSE_DATE" ? K::Date : n == "PARSE_DATETIME" ? K::DateTime : n == "PARSE_TIME" ? K::Time : K::Timestamp);
    }
    if (n == "UNIX_DATE") {
        need(1, 1);
        if (!is(a[0], K::Date)) noSignature(c, a);
        return S(K::Int64);
    }
    if (n == "UNIX_SECONDS" || n == "UNIX_MILLIS" || n == "UNIX_MICROS") {
        need(1, 1);
        if (!is(a[0], K::Timestamp)) noSignature(c, a);
        return S(K::Int64);
    }
    if (n == "DATE_FROM_UNIX_DATE") {
        need(1, 1);
        if (!isInt(a[0])) noSignature(c, a);
        return S(K::Date);
    }
    if (n == "TIMESTAMP_SECONDS" || n == "TIMESTAMP_MILLIS" || n == "TIMESTAMP_MICROS") {
        need(1, 1);
        if (!isInt(a[0])) noSignature(c, a);
        return S(K::Timestamp);
    }
    if (n == "DATE") {
        need(1, 3);
        if (argc == 3) {
            if (!isInt(a[0]) || !isInt(a[1]) || !isInt(a[2])) noSignature(c, a);
        } else if (argc == 2) {
            if (!is(a[0], K::Timestamp) || !isString(a[1])) noSignature(c, a);
        } else if (!is(a[0], K::Timestamp) && !is(a[0], K::DateTime) && !is(a[0], K::Date)) {
            noSignature(c, a);
        }
        return S(K::Date);
    }
    if (n == "DATETIME") {
        need(1, 6);
        if (argc == 6) {
            for (const auto& t : a)
                if (!isInt(t)) noSignature(c, a);
        } else if (argc == 2) {
            if (!(is(a[0], K::Date) && is(a[1], K::Time)) && !(is(a[0], K::Timestamp) && isString(a[1]))) noSignature(c, a);
        } else if (argc != 1 || (!is(a[0], K::Date) && !is(a[0], K::Timestamp) && !is(a[0], K::DateTime))) {
            noSignature(c, a);
        }
        return S(K::DateTime);
    }
    if (n == "TIMESTAMP") {
        need(1, 2);
        if (!isString(a[0]) && !is(a[0], K::Date) && !is(a[0], K::DateTime) && !is(a[0], K::Timestamp)) noSignature(c, a);
        if (argc == 2 && !isString(a[1])) noSignature(c, a);
        return S(K::Timestamp);
    }
    return std::nullopt;
}

std::optional<Value> callDateFunction(const Expr& c, std::vector<Value>& a) {
    const auto& n = c.op;
    const bool anyNull = std::any_of(a.begin(), a.end(), [](const Value& v) { return v.isNull(); });
    if (n == "INTERVAL") return a[0];
    if (n == "$INTERVAL") {
        if (a[0].isNull()) return Value();
        if (a.size() == 3) return intervalOfRange(a[0].asText(), partOf(*c.args[1]), partOf(*c.args[2]));
        return intervalOfPart(a[0], partOf(*c.args[1]));
    }
    if (n == "JUSTIFY_DAYS" || n == "JUSTIFY_HOURS" || n == "JUSTIFY_INTERVAL") return anyNull ? Value() : justifyInterval(n, a[0]);
    if (n == "EXTRACT") {
        if (a[1].isNull() || (a.size() > 2 && a[2].isNull())) return Value();
        const std::string part = partOf(*c.args[0]);
        if (a[1].kind() == ValueKind::Interval) return Value::int64(extractFromInterval(part, a[1]));
        const std::int64_t micros = civilOf(a[1], zoneOf(a, 2)); // EXTRACT(... AT TIME ZONE z)
        if (part == "DATE") return Value::date(static_cast<std::int32_t>(floorDiv(micros, kDay)));
        if (part == "TIME") return Value::time(micros - floorDiv(micros, kDay) * kDay);
        if (part == "DATETIME") return Value::dateTime(micros);
        return Value::int64(extract(part, micros));
    }
    if (n == "GENERATE_TIMESTAMP_ARRAY") {
        if (anyNull) return Value();
        std::int64_t step = 0;
        if (__builtin_mul_overflow(a[2].asInt64(), subDayMicros(partOf(*c.args[2]->args[1])), &step))
            throw EvalError("GENERATE_TIMESTAMP_ARRAY step overflows");
        if (step == 0) throw EvalError("Sequence step cannot be 0.");
        const std::int64_t start = a[0].asInt64(), end = a[1].asInt64();
        std::vector<std::int64_t> out;
        for (std::int64_t t = start; step > 0 ? t <= end : t >= end;) {
            if (out.size() >= 1'000'000) throw EvalError("GENERATE_TIMESTAMP_ARRAY would make more than 1,000,000 elements");
            out.push_back(t);
            if (__builtin_add_overflow(t, step, &t)) break;
        }
        Value arr = Value::arrayOf(out.size());
        for (std::size_t i = 0; i < out.size(); ++i) arr[i] = Value::timestamp(out[i]);
        return arr;
    }
    if (takesInterval(n) && n != "GENERATE_DATE_ARRAY") {
        if (anyNull) return Value();
        const std::string part = partOf(*c.args[1]->args[1]);
        std::int64_t count = a[1].asInt64();
        if (n.ends_with("_SUB")) {
            if (count == INT64_MIN) throw EvalError("int64 overflow in " + n);
            count = -count;
        }
        if (a[0].kind() == ValueKind::Time) {
            const std::int64_t unit = subDayMicros(part);
            const std::int64_t d = (count % (kDay / unit)) * unit;
            return Value::time(((a[0].asInt64() + d) % kDay + kDay) % kDay);
        }
        return ofKind(a[0].kind(), addPart(microsOf(a[0]), count, part));
    }
    if (n == "GENERATE_DATE_ARRAY") {
        if (anyNull) return Value();
        std::int64_t step = 1;
        std::string part = "DAY";
        if (a.size() == 3) {
            step = a[2].asInt64();
            part = partOf(*c.args[2]->args[1]);
        }
        if (step == 0) throw EvalError("Sequence step cannot be 0.");
        std::vector<std::int32_t> days;
        const std::int64_t end = a[1].asInt64();
        for (std::int64_t k = 0;; ++k) {
            if (days.size() > 1'000'000) throw EvalError("GENERATE_DATE_ARRAY would make more than 1,000,000 elements");
            std::int64_t d, count;
            if (__builtin_mul_overflow(k, step, &count)) break;
            try {
                d = floorDiv(addPart(a[0].asInt64() * kDay, count, part), kDay);
            } catch (const EvalError&) {
                break; // past year 9999: the sequence ends
            }
            if (step > 0 ? d > end : d < end) break;
            days.push_back(static_cast<std::int32_t>(d));
        }
        Value out = Value::arrayOf(days.size());
        for (std::size_t i = 0; i < days.size(); ++i) out[i] = Value::date(days[i]);
        return out;
    }
    if (n == "DATE_DIFF" || n == "TIMESTAMP_DIFF" || n == "DATETIME_DIFF") {
        if (anyNull) return Value();
        const std::string part = partOf(*c.args[2]);
        const std::int64_t x = microsOf(a[0]), y = microsOf(a[1]);
        // Below a day: whole parts elapsed, toward zero. From DAY up (DATE_DIFF, DATETIME_DIFF):
        // the part's boundaries crossed.
        if (n == "TIMESTAMP_DIFF" || (n == "DATETIME_DIFF" && part != "DAY" && std::find(kSubDay.begin(), kSubDay.end(), part) != kSubDay.end()))
            return Value::int64((x - y) / subDayMicros(part));
        const std::int64_t dx = floorDiv(x, kDay), dy = floorDiv(y, kDay);
        if (part == "DAY") return Value::int64(dx - dy);
        if (part == "WEEK") return Value::int64(floorDiv(dx + 4, 7) - floorDiv(dy + 4, 7)); // Sundays crossed
        const tf::Civil cx = tf::split(x), cy = tf::split(y);
        const std::int64_t months = (static_cast<std::int64_t>(cx.year) * 12 + cx.month) - (static_cast<std::int64_t>(cy.year) * 12 + cy.month);
        if (part == "MONTH") return Value::int64(months);
        if (part == "QUARTER")
            return Value::int64((static_cast<std::int64_t>(cx.year) * 4 + (cx.month - 1) / 3) - (static_cast<std::int64_t>(cy.year) * 4 + (cy.month - 1) / 3));
        return Value::int64(cx.year - cy.year);
    }
    if (n == "DATE_TRUNC" || n == "DATETIME_TRUNC" || n == "TIMESTAMP_TRUNC") {
        if (a[0].isNull() || (a.size() == 3 && a[2].isNull())) return Value();
        if (a[0].kind() == ValueKind::Timestamp) { // truncated in its zone's wall-clock time
            const TimeZone& zone = zoneOf(a, 2);
            return Value::timestamp(checked(zone.toUtc(truncPart(zone.toLocal(a[0].asInt64()), partOf(*c.args[1])))));
        }
        return ofKind(a[0].kind(), truncPart(microsOf(a[0]), partOf(*c.args[1])));
    }
    if (n == "LAST_DAY") {
        if (a[0].isNull()) return Value();
        const std::string part = a.size() == 2 ? partOf(*c.args[1]) : "MONTH";
        const std::int64_t start = truncPart(microsOf(a[0]), part);
        const std::int64_t next = part == "WEEK" ? start + 7 * kDay : addPart(start, 1, part);
        return Value::date(static_cast<std::int32_t>(floorDiv(next, kDay) - 1));
    }
    if (n == "FORMAT_DATE" || n == "FORMAT_DATETIME" || n == "FORMAT_TIME" || n == "FORMAT_TIMESTAMP") {
        if (anyNull) return Value();
        if (a[1].kind() == ValueKind::Timestamp) {
            const TimeZone& zone = zoneOf(a, 2);
            const std::int64_t offset = zone.offsetAt(a[1].asInt64());
            return Value::string(tf::format(a[0].asText(), a[1].asInt64() + offset, offset));
        }
        return Value::string(tf::format(a[0].asText(), microsOf(a[1])));
    }
    if (n == "PARSE_DATE" || n == "PARSE_DATETIME" || n == "PARSE_TIME" || n == "PARSE_TIMESTAMP") {
        if (anyNull) return Value();
        std::int64_t offset = 0;
        bool zoned = false;
        const std::int64_t micros = tf::parse(a[0].asText(), a[1].asText(), offset, &zoned);
        if (n == "PARSE_TIMESTAMP") return Value::timestamp(checked(zoned ? micros - offset : zoneOf(a, 2).toUtc(micros)));
        if (n == "PARSE_DATE") return Value::date(static_cast<std::int32_t>(floorDiv(micros, kDay)));
        if (n == "PARSE_TIME") return Value::time(micros - floorDiv(micros, kDay) * kDay);
        return Value::dateTime(micros);
    }
    if (anyNull) {
        if (n == "UNIX_DATE" || n == "UNIX_SECONDS" || n == "UNIX_MILLIS" || n == "UNIX_MICROS" || n == "DATE_FROM_UNIX_DATE" ||
            n == "TIMESTAMP_SECONDS" || n == "TIMESTAMP_MILLIS" || n == "TIMESTAMP_MICROS" || n == "DATE" || n == "DATETIME" || n == "TIMESTAMP")
            return Value();
        return std::nullopt;
    }
    if (n == "UNIX_DATE") return Value::int64(a[0].asInt64());
    if (n == "UNIX_SECONDS") return Value::int64(floorDiv(a[0].asInt64(), 1'000'000));
    if (n == "UNIX_MILLIS") return Value::int64(floorDiv(a[0].asInt64(), 1000));
    if (n == "UNIX_MICROS") return Value::int64(a[0].asInt64());
    if (n == "DATE_FROM_UNIX_DATE") {
        const std::int64_t d = a[0].asInt64();
        if (d < civil::kMinMicros / kDay || d > civil::kMaxMicros / kDay) throw EvalError("DATE_FROM_UNIX_DATE: the date is outside years 1 to 9999");
        return Value::date(static_cast<std::int32_t>(d));
    }
    if (n == "TIMESTAMP_SECONDS" || n == "TIMESTAMP_MILLIS" || n == "TIMESTAMP_MICROS") {
        const std::int64_t unit = n == "TIMESTAMP_SECONDS" ? 1'000'000 : n == "TIMESTAMP_MILLIS" ? 1000 : 1;
        std::int64_t us = 0;
        if (__builtin_mul_overflow(a[0].asInt64(), unit, &us)) throw EvalError(n + ": the timestamp is outside years 1 to 9999");
        return Value::timestamp(checked(us));
    }
    if (n == "DATE") {
        if (a.size() == 3) {
            const std::int64_t y = a[0].asInt64(), m = a[1].asInt64(), d = a[2].asInt64();
            const std::string what = "Invalid date: DATE(" + std::to_string(y) + ", " + std::to_string(m) + ", " + std::to_string(d) + ")";
            if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1 || d > 31) throw EvalError(what);
            const std::int32_t days = civil::daysFromCivil(static_cast<int>(y), static_cast<unsigned>(m), static_cast<unsigned>(d));
            int yy;
            unsigned mm, dd;
            civil::civilFromDays(days, yy, mm, dd);
            if (static_cast<std::int64_t>(dd) != d) throw EvalError(what); // February 30th and the like
            return Value::date(days);
        }
        return Value::date(static_cast<std::int32_t>(floorDiv(civilOf(a[0], zoneOf(a, 1)), kDay)));
    }
    if (n == "DATETIME") {
        if (a.size() == 6) {
            tf::Civil cv;
            const std::int64_t y = a[0].asInt64(), mo = a[1].asInt64(), d = a[2].asInt64(), h = a[3].asInt64(), mi = a[4].asInt64(), s = a[5].asInt64();
            if (y < 1 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 59)
                throw EvalError("Invalid DATETIME value");
            cv.year = static_cast<int>(y);
            cv.month = static_cast<unsigned>(mo);
            cv.day = static_cast<unsigned>(d);
            cv.hour = static_cast<int>(h);
            cv.minute = static_cast<int>(mi);
            cv.second = static_cast<int>(s);
            const std::int64_t us = tf::join(cv);
            if (tf::split(us).day != cv.day) throw EvalError("Invalid DATETIME value");
            return Value::dateTime(us);
        }
        if (a.size() == 2 && a[1].kind() == ValueKind::Time) return Value::dateTime(microsOf(a[0]) + a[1].asInt64());
        return Value::dateTime(civilOf(a[0], zoneOf(a, 1)));
    }
    if (n == "TIMESTAMP") {
        const TimeZone& zone = zoneOf(a, 1);
        if (a[0].kind() == ValueKind::String) {
            const auto t = parseTimestampIn(a[0].asText(), zone);
            if (!t) throw EvalError("Invalid timestamp: '" + std::string(a[0].asText()) + "'");
            return Value::timestamp(*t);
        }
        if (a[0].kind() == ValueKind::Timestamp) return a[0];
        return Value::timestamp(checked(zone.toUtc(microsOf(a[0]))));
    }
    return std::nullopt;
}

} // namespace quarry::sandbox::sql
