// SPDX-License-Identifier: MIT
#include "value/Numbers.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

namespace quarry::numbers {
namespace {

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return (x | 0x20) == (y | 0x20);
           });
}

bool isDigit(char c) { return c >= '0' && c <= '9'; }

} // namespace

std::optional<std::int64_t> parseInt64(std::string_view s) {
    if (!s.empty() && s.front() == '+') {
        s.remove_prefix(1);
        if (!s.empty() && (s.front() == '-' || s.front() == '+')) return std::nullopt;
    }
    if (s.empty()) return std::nullopt;
    std::int64_t v = 0;
    const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
    return v;
}

std::optional<double> parseDouble(std::string_view s) {
    bool neg = false;
    std::string_view body = s;
    if (!body.empty() && (body.front() == '-' || body.front() == '+')) {
        neg = body.front() == '-';
        body.remove_prefix(1);
    }
    if (iequals(body, "nan")) return std::numeric_limits<double>::quiet_NaN();
    if (iequals(body, "infinity") || iequals(body, "inf"))
        return neg ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
    if (body.empty() || body.front() == '+' || body.front() == '-') return std::nullopt;
    if (!s.empty() && s.front() == '+') s.remove_prefix(1);
    double v = 0;
    const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
    return v;
}

namespace {

/// Java's Double.toString layout (what BigQuery's REST answers use) for the digits `mant`
/// (no leading or trailing zeros) times 10^exp, i.e. d.ddd x 10^exp: plain from 10^-3 to
/// 10^7, else d.dddEexp.
std::string javaLayout(bool negative, const std::string& mant, int exp) {
    std::string out = negative ? "-" : "";
    if (exp >= -3 && exp < 7) {
        if (exp >= 0) {
            const auto intDigits = static_cast<std::size_t>(exp) + 1;
            if (mant.size() <= intDigits) {
                out += mant;
                out.append(intDigits - mant.size(), '0');
                out += ".0";
            } else {
                out += mant.substr(0, intDigits);
                out.push_back('.');
                out += mant.substr(intDigits);
            }
        } else {
            out += "0.";
            out.append(static_cast<std::size_t>(-exp - 1), '0');
            out += mant;
        }
        return out;
    }
    out.push_back(mant[0]);
    out.push_back('.');
    out += mant.size() > 1 ? mant.substr(1) : std::string("0");
    out.push_back('E');
    out += std::to_string(exp);
    return out;
}

} // namespace

std::string formatDouble(double v) {
    if (std::isnan(v)) return "NaN";
    if (std::isinf(v)) return v < 0 ? "-Infinity" : "Infinity";
    if (v == 0) return std::signbit(v) ? "-0.0" : "0.0";
    // Shortest round-trip digits and exponent from to_chars in scientific form: d.dddde±x
    char buf[64];
    const auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
    std::string_view sci(buf, static_cast<std::size_t>(r.ptr - buf));
    const bool negative = sci.front() == '-';
    if (negative) sci.remove_prefix(1);
    const auto e = sci.find('e');
    std::string mant;
    for (char c : sci.substr(0, e))
        if (c != '.') mant.push_back(c);
    int exp = 0;
    std::from_chars(sci.data() + e + 1 + (sci[e + 1] == '+'), sci.data() + sci.size(), exp);
    return javaLayout(negative, mant, exp);
}

bool isDecimal(std::string_view s, int maxInt, int maxFrac) {
    if (!s.empty() && (s.front() == '-' || s.front() == '+')) s.remove_prefix(1);
    if (s.empty()) return false;
    int intDigits = 0, fracDigits = 0;
    bool seenDot = false, leading = true;
    for (char c : s) {
        if (c == '.') {
            if (seenDot) return false;
            seenDot = true;
        } else if (isDigit(c)) {
            if (seenDot) {
                ++fracDigits;
            } else if (!(leading && c == '0')) {
                leading = false;
                ++intDigits;
            }
        } else {
            return false;
        }
    }
    if (s == ".") return false;
    // Trailing zeros of the fraction do not count against the scale.
    if (seenDot) {
        auto frac = s.substr(s.find('.') + 1);
        while (!frac.empty() && frac.back() == '0') {
            frac.remove_suffix(1);
            --fracDigits;
        }
    }
    return intDigits <= maxInt && fracDigits <= maxFrac;
}

std::optional<std::int64_t> secondsTextToMicros(std::string_view s) {
    bool neg = false;
    if (!s.empty() && (s.front() == '-' || s.front() == '+')) {
        neg = s.front() == '-';
        s.remove_prefix(1);
    }
    // Collect significant digits and the decimal exponent: value = digits * 10^exp10.
    std::string digits;
    int exp10 = 0;
    bool seenDot = false, any = false;
    std::size_t i = 0;
    for (; i < s.size(); ++i) {
        const char c = s[i];
        if (isDigit(c)) {
            any = true;
            if (digits.empty() && c == '0') {
                if (seenDot) --exp10;
                continue;
            }
            if (digits.size() < 40) {
                digits.push_back(c);
                if (seenDot) --exp10;
            } else if (!seenDot) {
                ++exp10;
            }
        } else if (c == '.' && !seenDot) {
            seenDot = true;
        } else {
            break;
        }
    }
    if (!any) return std::nullopt;
    if (i < s.size()) {
        if (s[i] != 'e' && s[i] != 'E') return std::nullopt;
        int e = 0;
        std::string_view es = s.substr(i + 1);
        if (!es.empty() && es.front() == '+') es.remove_prefix(1);
        const auto [p, ec] = std::from_chars(es.data(), es.data() + es.size(), e);
        if (ec != std::errc() || p != es.data() + es.size() || e > 100 || e < -100) return std::nullopt;
        exp10 += e;
    }
    if (digits.empty()) return 0;
    // micros = digits * 10^(exp10 + 6), rounded half away from zero.
    int shift = exp10 + 6;
    if (shift > 0) {
        if (digits.size() + static_cast<std::size_t>(shift) > 19) return std::nullopt;
        digits.append(static_cast<std::size_t>(shift), '0');
        shift = 0;
    }
    bool roundUp = false;
    if (shift < 0) {
        const auto drop = static_cast<std::size_t>(-shift);
        if (drop > digits.size()) {
            digits.clear();
        } else {
            roundUp = digits[digits.size() - drop] >= '5';
            digits.resize(digits.size() - drop);
        }
    }
    if (digits.size() > 19) return std::nullopt;
    unsigned long long mag = 0;
    for (char c : digits) mag = mag * 10 + static_cast<unsigned>(c - '0');
    if (roundUp) ++mag;
    if (mag > static_cast<unsigned long long>(std::numeric_limits<std::int64_t>::max()))
        return std::nullopt;
    const auto v = static_cast<std::int64_t>(mag);
    return neg ? -v : v;
}

std::string microsToSecondsText(std::int64_t micros) {
    // Exact, from the integer (a double loses microseconds after the year 2255), in the
    // layout formatDouble gives the same value.
    if (micros == 0) return "0.0";
    const bool negative = micros < 0;
    const std::uint64_t magnitude = negative ? static_cast<std::uint64_t>(-(micros + 1)) + 1 : static_cast<std::uint64_t>(micros);
    std::string digits = std::to_string(magnitude);
    const int exp = static_cast<int>(digits.size()) - 1 - 6;
    while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
    return javaLayout(negative, digits, exp);
}

} // namespace quarry::numbers
