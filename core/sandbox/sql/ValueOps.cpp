// SPDX-License-Identifier: MIT
#include "sandbox/sql/ValueOps.h"

#include "sandbox/sql/Collation.h"

#include "value/Numbers.h"

#include <cmath>
#include <cstring>
#include <vector>

namespace quarry::sandbox::sql {

std::optional<Num128> parseNumeric(std::string_view s) {
    bool neg = false;
    if (!s.empty() && (s.front() == '-' || s.front() == '+')) {
        neg = s.front() == '-';
        s.remove_prefix(1);
    }
    if (s.empty()) return std::nullopt;
    Num128 intPart = 0;
    Num128 frac = 0;
    int fracDigits = 0;
    bool dot = false, any = false;
    for (char c : s) {
        if (c == '.') {
            if (dot) return std::nullopt;
            dot = true;
        } else if (c >= '0' && c <= '9') {
            any = true;
            if (dot) {
                if (fracDigits < 9) {
                    frac = frac * 10 + (c - '0');
                    ++fracDigits;
                } else if (c != '0') {
                    return std::nullopt;
                }
            } else {
                intPart = intPart * 10 + (c - '0');
                if (intPart >= kTen29) return std::nullopt;
            }
        } else {
            return std::nullopt;
        }
    }
    if (!any) return std::nullopt;
    for (int i = fracDigits; i < 9; ++i) frac *= 10;
    const Num128 v = intPart * kNumericScale + frac;
    return neg ? -v : v;
}

std::string formatNumeric(Num128 v) {
    const bool neg = v < 0;
    if (neg) v = -v;
    Num128 ip = v / kNumericScale;
    auto fp = static_cast<std::int64_t>(v % kNumericScale);
    std::string digits;
    do {
        digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(ip % 10)));
        ip /= 10;
    } while (ip > 0);
    std::string out = (neg ? "-" : "") + digits;
    if (fp) {
        char buf[16];
        std::snprintf(buf, sizeof buf, "%09lld", static_cast<long long>(fp));
        std::string f = buf;
        while (!f.empty() && f.back() == '0') f.pop_back();
        out += "." + f;
    }
    return out;
}

double toDouble(const Value& v) {
    switch (v.kind()) {
    case ValueKind::Int64: return static_cast<double>(v.asInt64());
    case ValueKind::Float64: return v.asDouble();
    case ValueKind::Numeric:
    case ValueKind::BigNumeric: return numbers::parseDouble(v.asText()).value_or(NAN);
    default: return NAN;
    }
}

namespace {

bool isNumberKind(ValueKind k) {
    return k == ValueKind::Int64 || k == ValueKind::Float64 || k == ValueKind::Numeric || k == ValueKind::BigNumeric;
}

template <typename T>
int cmp(T a, T b) {
    return a < b ? -1 : (b < a ? 1 : 0);
}

} // namespace

std::optional<IntervalParts> parseInterval(std::string_view t) {
    using I = Num128; // wide enough for 12-digit hours in nanoseconds
    I months = 0, days = 0, nanos = 0;
    auto digits = [](std::string_view d, I& out) {
        if (d.empty() || d.size() > 12 || d.find_first_not_of("0123456789") != std::string_view::npos) return false;
        out = static_cast<I>(std::stoll(std::string(d)));
        return true;
    };
    auto seconds = [&](std::string_view d, I& out) { // S[.F] as nanoseconds
        const auto dot = d.find('.');
        I whole = 0, frac = 0;
        if (!digits(d.substr(0, dot), whole)) return false;
        if (dot != std::string_view::npos) {
            const auto f = d.substr(dot + 1);
            if (f.empty() || f.size() > 9 || !digits(f, frac)) return false;
            for (std::size_t i = f.size(); i < 9; ++i) frac *= 10;
        }
        out = whole * 1'000'000'000 + frac;
        return true;
    };
    if (t.starts_with('P')) {
        std::string_view rest = t.substr(1);
        bool time = false, any = false;
        while (!rest.empty()) {
            if (rest.front() == 'T' && !time) {
                time = true;
                rest.remove_prefix(1);
                continue;
            }
            const bool negative = rest.front() == '-';
            if (negative) rest.remove_prefix(1);
            const auto unitAt = rest.find_first_of("YMWDHS");
            if (unitAt == std::string_view::npos) return std::nullopt;
            const char unit = rest[unitAt];
            const auto number = rest.substr(0, unitAt);
            rest.remove_prefix(unitAt + 1);
            I n = 0;
            if (unit == 'S' && time) {
                if (!seconds(number, n)) return std::nullopt;
            } else if (!digits(number, n)) {
                return std::nullopt;
            }
            if (negative) n = -n;
            any = true;
            if (!time && unit == 'Y') months += n * 12;
            else if (!time && unit == 'M') months += n;
            else if (!time && unit == 'W') days += n * 7;
            else if (!time && unit == 'D') days += n;
            else if (time && unit == 'H') nanos += n * 3'600'000'000'000;
            else if (time && unit == 'M') nanos += n * 60'000'000'000;
            else if (time && unit == 'S') nanos += n;
            else return std::nullopt;
        }
        if (!any) return std::nullopt;
    } else {
        std::vector<std::string_view> parts;
        for (std::size_t at = 0; at < t.size();) {
            const auto sp = t.find(' ', at);
            const auto end = sp == std::string_view::npos ? t.size() : sp;
            if (end > at) parts.push_back(t.substr(at, end - at));
            at = end + 1;
        }
        auto signedPart = [](std::string_view& p) {
            const bool negative = p.starts_with('-');
            if (negative || p.starts_with('+')) p.remove_prefix(1);
            return negative ? -1 : 1;
        };
        auto yearMonth = [&](std::string_view p) {
            const int sign = signedPart(p);
            const auto dash = p.find('-');
            I y = 0, m = 0;
            if (dash == std::string_view::npos || !digits(p.substr(0, dash), y) || !digits(p.substr(dash + 1), m)) return false;
            months = sign * (y * 12 + m);
            return true;
        };
        auto clock = [&](std::string_view p) {
            const int sign = signedPart(p);
            const auto c1 = p.find(':'), c2 = p.find(':', c1 + 1);
            I h = 0, mi = 0, sec = 0;
            if (c1 == std::string_view::npos || c2 == std::string_view::npos || !digits(p.substr(0, c1), h) ||
                !digits(p.substr(c1 + 1, c2 - c1 - 1), mi) || !seconds(p.substr(c2 + 1), sec))
                return false;
            nanos = sign * (h * 3'600'000'000'000 + mi * 60'000'000'000 + sec);
            return true;
        };
        auto day = [&](std::string_view p) {
            const int sign = signedPart(p);
            I d = 0;
            if (!digits(p, d)) return false;
            days = sign * d;
            return true;
        };
        const bool ok = parts.size() == 1   ? (parts[0].find(':') != std::string_view::npos ? clock(parts[0]) : yearMonth(parts[0]))
                        : parts.size() == 2 ? (parts[1].find(':') != std::string_view::npos ? day(parts[0]) && clock(parts[1])
                                                                                            : yearMonth(parts[0]) && day(parts[1]))
                        : parts.size() == 3 ? yearMonth(parts[0]) && day(parts[1]) && clock(parts[2])
                                            : false;
        if (!ok) return std::nullopt;
    }
    // BigQuery's range: 10,000 years, 3,660,000 days, 87,840,000 hours.
    constexpr I kMaxNanos = static_cast<I>(87'840'000) * 3'600'000'000'000;
    if (months > 120'000 || months < -120'000 || days > 3'660'000 || days < -3'660'000 || nanos > kMaxNanos || nanos < -kMaxNanos)
        return std::nullopt;
    return IntervalParts{static_cast<long long>(months), static_cast<long long>(days), nanos};
}

std::optional<Num128> intervalNanos(std::string_view t) {
    const auto p = parseInterval(t);
    if (!p) return std::nullopt;
    // Compared as BigQuery compares them: a month is 30 days, a day 24 hours.
    constexpr Num128 kDay = static_cast<Num128>(86'400) * 1'000'000'000;
    return (static_cast<Num128>(p->months) * 30 + p->days) * kDay + p->nanos;
}

int compareDecimalText(std::string_view a, std::string_view b) {
    struct Parts {
        bool negative = false;
        std::string_view whole, frac;
    };
    auto split = [](std::string_view t) {
        Parts p;
        if (!t.empty() && (t.front() == '-' || t.front() == '+')) {
            p.negative = t.front() == '-';
            t.remove_prefix(1);
        }
        const auto dot = t.find('.');
        p.whole = t.substr(0, dot);
        p.frac = dot == std::string_view::npos ? std::string_view() : t.substr(dot + 1);
        while (!p.whole.empty() && p.whole.front() == '0') p.whole.remove_prefix(1);
        while (!p.frac.empty() && p.frac.back() == '0') p.frac.remove_suffix(1);
        if (p.whole.empty() && p.frac.empty()) p.negative = false; // -0 is 0
        return p;
    };
    const Parts x = split(a), y = split(b);
    if (x.negative != y.negative) return x.negative ? -1 : 1;
    int c = 0; // of the magnitudes
    if (x.whole.size() != y.whole.size()) c = x.whole.size() < y.whole.size() ? -1 : 1;
    else if (const int w = x.whole.compare(y.whole)) c = w < 0 ? -1 : 1;
    else if (const int f = x.frac.compare(y.frac)) c = f < 0 ? -1 : 1;
    return x.negative ? -c : c;
}

int compareValues(const Value& a, const Value& b) {
    const auto ka = a.kind(), kb = b.kind();
    if (isNumberKind(ka) && isNumberKind(kb)) {
        if (ka == ValueKind::Int64 && kb == ValueKind::Int64) return cmp(a.asInt64(), b.asInt64());
        const bool decA = ka == ValueKind::Numeric || ka == ValueKind::BigNumeric || ka == ValueKind::Int64;
        const bool decB = kb == ValueKind::Numeric || kb == ValueKind::BigNumeric || kb == ValueKind::Int64;
        if (decA && decB) {
            const auto x = ka == ValueKind::Int64 ? std::optional<Num128>(static_cast<Num128>(a.asInt64()) * kNumericScale) : parseNumeric(a.asText());
            const auto y = kb == ValueKind::Int64 ? std::optional<Num128>(static_cast<Num128>(b.asInt64()) * kNumericScale) : parseNumeric(b.asText());
            if (x && y) return cmp(*x, *y);
            // BIGNUMERIC beyond NUMERIC's digits: compared as decimal text, exactly.
            return compareDecimalText(ka == ValueKind::Int64 ? std::to_string(a.asInt64()) : std::string(a.asText()),
                                      kb == ValueKind::Int64 ? std::to_string(b.asInt64()) : std::string(b.asText()));
        }
        const double x = toDouble(a), y = toDouble(b);
        if (std::isnan(x) || std::isnan(y)) return cmp(!std::isnan(x), !std::isnan(y));
        return cmp(x, y);
    }
    if (ka == ValueKind::Interval && kb == ValueKind::Interval) {
        const auto x = intervalNanos(a.asText()), y = intervalNanos(b.asText());
        if (x && y) return cmp(*x, *y);
    }
    if (a.isText() && b.isText()) return a.asText().compare(b.asText()) < 0 ? -1 : (a.asText() == b.asText() ? 0 : 1);
    if (ka == ValueKind::Range && kb == ValueKind::Range) {
        // By start, then end; an unbounded (NULL) start is before every date, an unbounded
        // end after every one.
        for (std::size_t i = 0; i < 2; ++i) {
            if (a[i].isNull() || b[i].isNull()) {
                if (a[i].isNull() == b[i].isNull()) continue;
                return (a[i].isNull() == (i == 0)) ? -1 : 1;
            }
            if (const int c = compareValues(a[i], b[i])) return c;
        }
        return 0;
    }
    if (ka == ValueKind::Struct || ka == ValueKind::Array) {
        const auto n = std::min(a.size(), b.size());
        for (std::size_t i = 0; i < n; ++i) {
            if (a[i].isNull() || b[i].isNull()) {
                if (a[i].isNull() != b[i].isNull()) return a[i].isNull() ? -1 : 1;
                continue;
            }
            if (const int c = compareValues(a[i], b[i])) return c;
        }
        return cmp(a.size(), b.size());
    }
    return cmp(a.asInt64(), b.asInt64());
}

void appendKey(std::string& out, const Value& v) {
    out.push_back(static_cast<char>('A' + static_cast<int>(v.kind())));
    switch (v.kind()) {
    case ValueKind::Null: break;
    case ValueKind::Float64: {
        double d = v.asDouble();
        if (std::isnan(d)) d = NAN;
        if (d == 0) d = 0; // -0 groups with 0
        char buf[8];
        std::memcpy(buf, &d, 8);
        out.append(buf, 8);
        break;
    }
    case ValueKind::Numeric:
    case ValueKind::BigNumeric:
        if (const auto n = parseNumeric(v.asText())) {
            out += formatNumeric(*n);
            break;
        }
        [[fallthrough]];
    case ValueKind::Interval:
        // Equal intervals group together however they are written (1 month and 30 days).
        if (v.kind() == ValueKind::Interval) {
            if (const auto n = intervalNanos(v.asText())) {
                out += formatNumeric(*n);
                break;
            }
        }
        [[fallthrough]];
    case ValueKind::String:
    case ValueKind::Bytes:
    case ValueKind::Geography:
    case ValueKind::Json: {
        const auto t = v.asText();
        out += std::to_string(t.size());
        out.push_back(':');
        out.append(t);
        break;
    }
    case ValueKind::Struct:
    case ValueKind::Array:
    case ValueKind::Range:
        out += std::to_string(v.size());
        out.push_back('(');
        for (const auto& c : v.items()) appendKey(out, c);
        out.push_back(')');
        break;
    default: {
        char buf[8];
        const auto i = v.asInt64();
        std::memcpy(buf, &i, 8);
        out.append(buf, 8);
    }
    }
}

int compareValues(const Value& a, const Value& b, const Collation* c) {
    if (!c) return compareValues(a, b);
    if (a.kind() == ValueKind::String && b.kind() == ValueKind::String) return c->compare(a.asText(), b.asText());
    if (a.kind() == ValueKind::Array && b.kind() == ValueKind::Array) {
        const auto n = std::min(a.size(), b.size());
        for (std::size_t i = 0; i < n; ++i) {
            if (a[i].isNull() || b[i].isNull()) {
                if (a[i].isNull() != b[i].isNull()) return a[i].isNull() ? -1 : 1;
                continue;
            }
            if (const int r = compareValues(a[i], b[i], c)) return r;
        }
        return cmp(a.size(), b.size());
    }
    return compareValues(a, b);
}

void appendKey(std::string& out, const Value& v, const Collation* c) {
    if (!c || (v.kind() != ValueKind::String && v.kind() != ValueKind::Array)) return appendKey(out, v);
    if (v.kind() == ValueKind::String) {
        const std::string key = c->sortKey(v.asText());
        out.push_back('c');
        out += std::to_string(key.size());
        out.push_back(':');
        out += key;
        return;
    }
    out.push_back('A' + static_cast<int>(ValueKind::Array));
    out += std::to_string(v.size());
    out.push_back('(');
    for (const auto& e : v.items()) appendKey(out, e, c);
    out.push_back(')');
}

} // namespace quarry::sandbox::sql
