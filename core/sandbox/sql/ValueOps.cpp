// SPDX-License-Identifier: MIT
#include "sandbox/sql/ValueOps.h"

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

std::optional<Num128> intervalNanos(std::string_view t) {
    // BigQuery's canonical text: [-]Y-M [-]D [-]H:M:S[.F], each part optional from the left.
    std::vector<std::string_view> parts;
    for (std::size_t at = 0; at <= t.size();) {
        const auto sp = t.find(' ', at);
        const auto end = sp == std::string_view::npos ? t.size() : sp;
        if (end > at) parts.push_back(t.substr(at, end - at));
        at = end + 1;
    }
    auto number = [](std::string_view s, Num128& out) {
        if (s.empty() || s.size() > 18) return false;
        out = 0;
        for (char c : s) {
            if (c < '0' || c > '9') return false;
            out = out * 10 + (c - '0');
        }
        return true;
    };
    Num128 months = 0, days = 0, nanos = 0;
    for (auto part : parts) {
        const bool negative = part.starts_with('-');
        if (negative) part.remove_prefix(1);
        Num128 x = 0;
        if (const auto dash = part.find('-'); dash != std::string_view::npos) {
            Num128 y = 0, m = 0;
            if (!number(part.substr(0, dash), y) || !number(part.substr(dash + 1), m)) return std::nullopt;
            months = negative ? -(y * 12 + m) : y * 12 + m;
        } else if (part.find(':') != std::string_view::npos) {
            Num128 h = 0, mi = 0, sec = 0, frac = 0;
            const auto c1 = part.find(':'), c2 = part.find(':', c1 + 1);
            if (c2 == std::string_view::npos) return std::nullopt;
            auto secText = part.substr(c2 + 1);
            std::string_view fracText;
            if (const auto dot = secText.find('.'); dot != std::string_view::npos) {
                fracText = secText.substr(dot + 1);
                secText = secText.substr(0, dot);
            }
            if (!number(part.substr(0, c1), h) || !number(part.substr(c1 + 1, c2 - c1 - 1), mi) || !number(secText, sec))
                return std::nullopt;
            if (fracText.size() > 9 || (!fracText.empty() && !number(fracText, frac))) return std::nullopt;
            for (std::size_t i = fracText.size(); i < 9; ++i) frac *= 10;
            x = ((h * 60 + mi) * 60 + sec) * 1'000'000'000 + frac;
            nanos = negative ? -x : x;
        } else {
            if (!number(part, x)) return std::nullopt;
            days = negative ? -x : x;
        }
    }
    // Compared as BigQuery compares them: a month is 30 days, a day 24 hours.
    constexpr Num128 kDay = static_cast<Num128>(86'400) * 1'000'000'000;
    return (months * 30 + days) * kDay + nanos;
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
    case ValueKind::String:
    case ValueKind::Bytes:
    case ValueKind::Geography:
    case ValueKind::Interval:
        // Equal intervals group together however they are written (1 month and 30 days).
        if (const auto n = intervalNanos(v.asText())) {
            out += formatNumeric(*n);
            break;
        }
        [[fallthrough]];
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

} // namespace quarry::sandbox::sql
