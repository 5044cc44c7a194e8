// SPDX-License-Identifier: MIT
#include "sandbox/sql/ValueOps.h"

#include "value/Numbers.h"

#include <cmath>
#include <cstring>

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

int compareValues(const Value& a, const Value& b) {
    const auto ka = a.kind(), kb = b.kind();
    if (isNumberKind(ka) && isNumberKind(kb)) {
        if (ka == ValueKind::Int64 && kb == ValueKind::Int64) return cmp(a.asInt64(), b.asInt64());
        if (ka == ValueKind::Numeric && kb == ValueKind::Numeric) {
            const auto x = parseNumeric(a.asText()), y = parseNumeric(b.asText());
            if (x && y) return cmp(*x, *y);
        }
        const double x = toDouble(a), y = toDouble(b);
        if (std::isnan(x) || std::isnan(y)) return cmp(!std::isnan(x), !std::isnan(y));
        return cmp(x, y);
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
    case ValueKind::Json:
    case ValueKind::Interval: {
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
