// SPDX-License-Identifier: MIT
#include "sandbox/sql/Intervals.h"

#include "sandbox/sql/DateFunctions.h"
#include "sandbox/sql/TimeZone.h"
#include "value/Civil.h"

#include <algorithm>
#include <array>

namespace quarry::sandbox::sql {
namespace {

using K = TypeKind;
constexpr Num128 kNanosPerMicro = 1000;
constexpr Num128 kNanosPerSecond = 1'000'000'000;
constexpr Num128 kNanosPerHour = 3600 * kNanosPerSecond;
constexpr Num128 kNanosPerDay = 24 * kNanosPerHour;
constexpr Num128 kMaxMonths = 10000 * 12, kMaxDays = 3'660'000, kMaxNanos = 87'840'000 * kNanosPerHour;

std::string digits(Num128 n) { return std::to_string(static_cast<long long>(n)); } // each part fits after division

Num128 abs128(Num128 n) { return n < 0 ? -n : n; }

bool is(const SqlType& t, K k) { return !t.unknown && !t.array && t.kind == k; }
bool isDateTimeKind(const SqlType& t) { return is(t, K::Date) || is(t, K::DateTime) || is(t, K::Timestamp); }

[[noreturn]] void outOfRange() { throw EvalError("Interval value is out of range (10,000 years, 3,660,000 days, 87,840,000 hours)"); }

/// [-]digits[.digits] as a count of 10^-9 units (the fraction only where `fraction` allows).
std::optional<Num128> decimal(std::string_view s, bool fraction) {
    bool negative = false;
    if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
        negative = s[0] == '-';
        s.remove_prefix(1);
    }
    const auto dot = s.find('.');
    const std::string_view whole = s.substr(0, dot);
    if (whole.empty() || whole.size() > 18 || whole.find_first_not_of("0123456789") != std::string_view::npos) return std::nullopt;
    Num128 v = static_cast<Num128>(std::stoll(std::string(whole))) * kNanosPerSecond;
    if (dot != std::string_view::npos) {
        const std::string_view f = s.substr(dot + 1);
        if (!fraction || f.empty() || f.size() > 9 || f.find_first_not_of("0123456789") != std::string_view::npos) return std::nullopt;
        Num128 frac = std::stoll(std::string(f));
        for (std::size_t i = f.size(); i < 9; ++i) frac *= 10;
        v += frac;
    }
    return negative ? -v : v;
}

int rank(std::string_view part) {
    static constexpr std::array<std::string_view, 6> kOrder{"YEAR", "MONTH", "DAY", "HOUR", "MINUTE", "SECOND"};
    for (std::size_t i = 0; i < kOrder.size(); ++i)
        if (part == kOrder[i]) return static_cast<int>(i);
    return -1;
}

/// Puts days and nanoseconds on one side of zero (a day is 24 hours), then months and days
/// (a month is 30 days), as JUSTIFY_* do.
void alignDaysNanos(IntervalParts& p) {
    if (p.days > 0 && p.nanos < 0) {
        --p.days;
        p.nanos += kNanosPerDay;
    } else if (p.days < 0 && p.nanos > 0) {
        ++p.days;
        p.nanos -= kNanosPerDay;
    }
}
void alignMonthsDays(IntervalParts& p) {
    if (p.months > 0 && p.days < 0) {
        --p.months;
        p.days += 30;
    } else if (p.months < 0 && p.days > 0) {
        ++p.months;
        p.days -= 30;
    }
}

/// A civil time (DATE's or DATETIME's micros, or a TIMESTAMP's wall clock) plus an interval.
std::int64_t addToCivil(std::int64_t micros, const IntervalParts& p) {
    std::int64_t out = p.months ? addMonths(micros, p.months) : micros;
    const Num128 total = static_cast<Num128>(out) + static_cast<Num128>(p.days) * civil::kMicrosPerDay + p.nanos / kNanosPerMicro;
    if (total < civil::kMinMicros || total > civil::kMaxMicros) throw EvalError("The result is outside the DATE/TIMESTAMP range (years 1 to 9999)");
    return static_cast<std::int64_t>(total);
}

} // namespace

Value intervalValue(const IntervalParts& p) {
    if (abs128(p.months) > kMaxMonths || abs128(p.days) > kMaxDays || abs128(p.nanos) > kMaxNanos) outOfRange();
    const Num128 am = abs128(p.months), an = abs128(p.nanos);
    std::string out = (p.months < 0 ? "-" : "") + digits(am / 12) + "-" + digits(am % 12) + " " + std::to_string(p.days) + " " +
                      (p.nanos < 0 ? "-" : "") + digits(an / kNanosPerHour) + ":" + digits(an / (60 * kNanosPerSecond) % 60) + ":" +
                      digits(an / kNanosPerSecond % 60);
    if (const Num128 frac = an % kNanosPerSecond) {
        std::string f = digits(frac);
        f = std::string(9 - f.size(), '0') + f;
        while (f.back() == '0') f.pop_back();
        out += "." + f;
    }
    return Value::interval(out);
}

IntervalParts partsOf(const Value& interval) {
    if (const auto p = parseInterval(interval.asText())) return *p;
    throw EvalError("Invalid INTERVAL value: " + std::string(interval.asText()));
}

Value intervalOfPart(const Value& n, std::string_view part) {
    Num128 count = 0, nanosCount = 0; // nanosCount: the count in 10^-9 units (a fraction of SECOND)
    if (n.kind() == ValueKind::String) {
        const auto d = decimal(n.asText(), part == "SECOND");
        if (!d) throw EvalError("Invalid INTERVAL value '" + std::string(n.asText()) + "' for " + std::string(part));
        nanosCount = *d;
        count = *d / kNanosPerSecond;
    } else {
        count = n.asInt64();
        nanosCount = count * kNanosPerSecond;
    }
    IntervalParts p;
    auto months = [&](Num128 m) {
        if (abs128(m) > kMaxMonths) outOfRange();
        p.months = static_cast<long long>(m);
    };
    auto days = [&](Num128 d) {
        if (abs128(d) > kMaxDays) outOfRange();
        p.days = static_cast<long long>(d);
    };
    if (part == "YEAR") months(count * 12);
    else if (part == "QUARTER") months(count * 3);
    else if (part == "MONTH") months(count);
    else if (part == "WEEK") days(count * 7);
    else if (part == "DAY") days(count);
    else if (part == "HOUR") p.nanos = count * kNanosPerHour;
    else if (part == "MINUTE") p.nanos = count * 60 * kNanosPerSecond;
    else if (part == "SECOND") p.nanos = nanosCount;
    else if (part == "MILLISECOND") p.nanos = count * 1'000'000;
    else if (part == "MICROSECOND") p.nanos = count * kNanosPerMicro;
    else throw EvalError("Unsupported INTERVAL part " + std::string(part));
    return intervalValue(p);
}

bool validIntervalRange(std::string_view from, std::string_view to) {
    const int f = rank(from), t = rank(to);
    return f >= 0 && t > f;
}

Value intervalOfRange(std::string_view text, std::string_view from, std::string_view to) {
    auto bad = [&]() -> Value {
        throw EvalError("Invalid INTERVAL value '" + std::string(text) + "' for " + std::string(from) + " TO " + std::string(to));
    };
    const int f = rank(from), t = rank(to);
    std::string_view s = text;
    auto take = [&](bool last) { // the next space-separated field (the rest when it is the last)
        const auto at = last ? std::string_view::npos : s.find(' ');
        const std::string_view field = s.substr(0, at);
        s = at == std::string_view::npos ? std::string_view() : s.substr(at + 1);
        return field;
    };
    auto integer = [&](std::string_view d) -> long long {
        const auto v = decimal(d, false);
        if (!v) bad();
        return static_cast<long long>(*v / kNanosPerSecond);
    };
    IntervalParts p;
    if (f == 0) { // [-]Y-M
        std::string_view ym = take(t == 1);
        const bool negative = !ym.empty() && ym[0] == '-';
        if (negative || (!ym.empty() && ym[0] == '+')) ym.remove_prefix(1);
        const auto dash = ym.find('-');
        if (dash == std::string_view::npos) bad();
        p.months = (integer(ym.substr(0, dash)) * 12 + integer(ym.substr(dash + 1))) * (negative ? -1 : 1);
    } else if (f == 1) {
        p.months = integer(take(t == 1));
    }
    if (f <= 2 && t >= 2) p.days = integer(take(t == 2));
    if (t >= 3) { // [-]H[:M[:S[.F]]], or [-]M:S[.F] from MINUTE
        std::string_view rest = s;
        std::string sign;
        if (!rest.empty() && (rest[0] == '-' || rest[0] == '+')) {
            sign = rest[0] == '-' ? "-" : "";
            rest.remove_prefix(1);
        }
        const std::string r(rest);
        std::string time;
        if (f <= 3 && t == 3) time = sign + r + ":0:0";
        else if (f <= 3 && t == 4) time = sign + r + ":0";
        else if (f <= 3) time = sign + r;
        else time = sign + "0:" + r;
        const auto parsed = parseInterval("0-0 0 " + time);
        if (!parsed || std::count(time.begin(), time.end(), ':') != 2) bad();
        p.nanos = parsed->nanos;
    } else if (!s.empty()) {
        bad();
    }
    return intervalValue(p);
}

std::optional<SqlType> intervalOperationType(const std::string& op, const SqlType& l, const SqlType& r) {
    const bool li = is(l, K::Interval), ri = is(r, K::Interval);
    const auto result = [](const SqlType& t) { return SqlType::scalar(is(t, K::Timestamp) ? K::Timestamp : K::DateTime); };
    if (op == "+" && li && isDateTimeKind(r)) return result(r);
    if ((op == "+" || op == "-") && ri && isDateTimeKind(l)) return result(l);
    if ((op == "+" || op == "-") && li && ri) return SqlType::scalar(K::Interval);
    if (op == "-" && !l.array && !r.array && l.kind == r.kind && (l.kind == K::Timestamp || l.kind == K::Date) && !l.unknown && !r.unknown)
        return SqlType::scalar(K::Interval);
    auto isInt = [](const SqlType& t) { return t.unknown || is(t, K::Int64); };
    if (op == "*" && ((li && isInt(r)) || (ri && isInt(l)))) return SqlType::scalar(K::Interval);
    if (op == "/" && li && isInt(r)) return SqlType::scalar(K::Interval);
    return std::nullopt;
}

Value intervalOperation(const std::string& op, const Value& a, const Value& b, const SqlType& result) {
    const bool ai = a.kind() == ValueKind::Interval, bi = b.kind() == ValueKind::Interval;
    if (ai && bi) {
        IntervalParts x = partsOf(a), y = partsOf(b);
        const int s = op == "-" ? -1 : 1;
        return intervalValue({x.months + s * y.months, x.days + s * y.days, x.nanos + s * y.nanos});
    }
    if (ai || bi) {
        const Value& iv = ai ? a : b;
        const Value& other = ai ? b : a;
        IntervalParts p = partsOf(iv);
        if (op == "*") {
            const Num128 n = other.asInt64();
            const Num128 m = p.months * n, d = p.days * n;
            if (abs128(m) > kMaxMonths || abs128(d) > kMaxDays) outOfRange();
            return intervalValue({static_cast<long long>(m), static_cast<long long>(d), p.nanos * n});
        }
        if (op == "/") { // remainders carry down: a month is 30 days, a day 24 hours
            const Num128 n = other.asInt64();
            if (n == 0) throw EvalError("division by zero: " + std::string(iv.asText()) + " / 0");
            const Num128 months = p.months / n, days = (p.months % n) * 30 + p.days;
            const Num128 nanos = (days % n) * kNanosPerDay + p.nanos;
            return intervalValue({static_cast<long long>(months), static_cast<long long>(days / n), nanos / n / kNanosPerMicro * kNanosPerMicro});
        }
        // date/time +- interval
        if (op == "-") p = {-p.months, -p.days, -p.nanos};
        if (other.kind() == ValueKind::Timestamp) {
            const TimeZone& zone = TimeZone::current();
            std::int64_t ts = other.asInt64();
            if (p.months || p.days) ts = zone.toUtc(addToCivil(zone.toLocal(ts), {p.months, p.days, 0}));
            const Num128 out = static_cast<Num128>(ts) + p.nanos / kNanosPerMicro;
            if (out < civil::kMinMicros || out > civil::kMaxMicros) throw EvalError("The result is outside the DATE/TIMESTAMP range (years 1 to 9999)");
            return Value::timestamp(static_cast<std::int64_t>(out));
        }
        const std::int64_t micros = other.kind() == ValueKind::Date ? other.asInt64() * civil::kMicrosPerDay : other.asInt64();
        (void)result;
        return Value::dateTime(addToCivil(micros, p));
    }
    // TIMESTAMP - TIMESTAMP: elapsed time; DATE - DATE: days
    if (a.kind() == ValueKind::Date) return intervalValue({0, a.asInt64() - b.asInt64(), 0});
    return intervalValue({0, 0, (static_cast<Num128>(a.asInt64()) - b.asInt64()) * kNanosPerMicro});
}

Value negateInterval(const Value& v) {
    const IntervalParts p = partsOf(v);
    return intervalValue({-p.months, -p.days, -p.nanos});
}

std::int64_t extractFromInterval(std::string_view part, const Value& interval) {
    const IntervalParts p = partsOf(interval);
    if (part == "YEAR") return p.months / 12;
    if (part == "MONTH") return p.months % 12;
    if (part == "DAY") return p.days;
    if (part == "HOUR") return static_cast<std::int64_t>(p.nanos / kNanosPerHour);
    if (part == "MINUTE") return static_cast<std::int64_t>(p.nanos / (60 * kNanosPerSecond) % 60);
    if (part == "SECOND") return static_cast<std::int64_t>(p.nanos / kNanosPerSecond % 60);
    if (part == "MILLISECOND") return static_cast<std::int64_t>(p.nanos / 1'000'000 % 1000);
    if (part == "MICROSECOND") return static_cast<std::int64_t>(p.nanos / kNanosPerMicro % 1'000'000);
    throw EvalError("EXTRACT from INTERVAL does not support the " + std::string(part) + " date part");
}

Value justifyInterval(std::string_view fn, const Value& interval) {
    IntervalParts p = partsOf(interval);
    const bool hours = fn != "JUSTIFY_DAYS", days = fn != "JUSTIFY_HOURS";
    if (hours) {
        p.days += static_cast<long long>(p.nanos / kNanosPerDay);
        p.nanos %= kNanosPerDay;
        alignDaysNanos(p);
    }
    if (days) {
        p.months += p.days / 30;
        p.days %= 30;
        alignMonthsDays(p);
        if (hours) alignDaysNanos(p);
    }
    return intervalValue(p);
}

} // namespace quarry::sandbox::sql
