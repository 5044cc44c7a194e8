// SPDX-License-Identifier: MIT
// INTERVAL's canonical text and Arrow's month_day_nano (ArrowFormat.h).
#include "storageapi/ArrowFormat.h"

#include <charconv>

namespace quarry::storageapi::arrow::fb {

namespace {

constexpr std::int64_t kNanosPerSecond = 1'000'000'000;

bool number(std::string_view& s, std::int64_t& out) {
    const auto r = std::from_chars(s.data(), s.data() + s.size(), out);
    if (r.ec != std::errc() || out < 0) return false;
    s.remove_prefix(static_cast<std::size_t>(r.ptr - s.data()));
    return true;
}
bool sign(std::string_view& s) {
    if (s.empty() || s.front() != '-') return false;
    s.remove_prefix(1);
    return true;
}
bool expect(std::string_view& s, char c) {
    if (s.empty() || s.front() != c) return false;
    s.remove_prefix(1);
    return true;
}

} // namespace

std::optional<MonthDayNano> parseInterval(std::string_view s) {
    std::int64_t y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
    const bool negMonths = sign(s);
    if (!number(s, y) || !expect(s, '-') || !number(s, mo) || !expect(s, ' ')) return std::nullopt;
    const bool negDays = sign(s);
    if (!number(s, d) || !expect(s, ' ')) return std::nullopt;
    const bool negTime = sign(s);
    if (!number(s, h) || !expect(s, ':') || !number(s, mi) || !expect(s, ':') || !number(s, sec)) return std::nullopt;
    std::int64_t frac = 0;
    if (expect(s, '.')) {
        if (s.empty() || s.size() > 9) return std::nullopt;
        std::int64_t scale = 1;
        for (std::size_t i = s.size(); i < 9; ++i) scale *= 10;
        const auto digits = s.size();
        if (!number(s, frac) || digits == 0) return std::nullopt;
        frac *= scale;
    }
    if (!s.empty() || y > 10000 || mo > 11 || d > 3660000 || mi > 59 || sec > 59) return std::nullopt;
    std::int64_t nanos = 0;
    if (__builtin_mul_overflow((h * 60 + mi) * 60 + sec, kNanosPerSecond, &nanos) || __builtin_add_overflow(nanos, frac, &nanos))
        return std::nullopt; // hours past what int64 nanoseconds hold (BigQuery allows 87,840,000)
    MonthDayNano v;
    v.months = static_cast<std::int32_t>((y * 12 + mo) * (negMonths ? -1 : 1));
    v.days = static_cast<std::int32_t>(d * (negDays ? -1 : 1));
    v.nanos = negTime ? -nanos : nanos;
    return v;
}

std::string intervalText(const MonthDayNano& v) {
    const std::int64_t am = v.months < 0 ? -static_cast<std::int64_t>(v.months) : v.months;
    const unsigned long long an = v.nanos < 0 ? 0ull - static_cast<unsigned long long>(v.nanos) : static_cast<unsigned long long>(v.nanos);
    const unsigned long long perSecond = kNanosPerSecond;
    std::string out = (v.months < 0 ? "-" : "") + std::to_string(am / 12) + "-" + std::to_string(am % 12) + " " + std::to_string(v.days) +
                      " " + (v.nanos < 0 ? "-" : "") + std::to_string(an / (3600 * perSecond)) + ":" +
                      std::to_string(an / (60 * perSecond) % 60) + ":" + std::to_string(an / perSecond % 60);
    if (const auto frac = an % perSecond) {
        std::string f = std::to_string(frac);
        f = std::string(9 - f.size(), '0') + f;
        while (f.back() == '0') f.pop_back();
        out += "." + f;
    }
    return out;
}

} // namespace quarry::storageapi::arrow::fb
