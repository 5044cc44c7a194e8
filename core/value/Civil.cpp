// SPDX-License-Identifier: MIT
#include "value/Civil.h"

#include <cstdio>

namespace quarry::civil {
namespace {

bool digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
    if (pos + n > s.size()) return false;
    int v = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const char c = s[pos + i];
        if (c < '0' || c > '9') return false;
        v = v * 10 + (c - '0');
    }
    out = v;
    return true;
}

bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned daysInMonth(int y, unsigned m) {
    static constexpr unsigned k[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap(y) ? 29 : k[m - 1];
}

// Parses a date at the start of s; returns characters consumed or 0.
std::size_t parseDatePart(std::string_view s, std::int32_t& days) {
    int y, m, d;
    std::size_t pos = 0;
    // Years 1..9999 written with 4 digits (BigQuery also accepts fewer; keep it strict but allow 1-4).
    std::size_t yl = 0;
    while (yl < s.size() && yl < 5 && s[yl] >= '0' && s[yl] <= '9') ++yl;
    if (yl < 1 || yl > 4 || !digits(s, 0, yl, y)) return 0;
    pos = yl;
    if (pos >= s.size() || s[pos] != '-') return 0;
    ++pos;
    std::size_t ml = (pos + 1 < s.size() && s[pos + 1] >= '0' && s[pos + 1] <= '9') ? 2 : 1;
    if (!digits(s, pos, ml, m)) return 0;
    pos += ml;
    if (pos >= s.size() || s[pos] != '-') return 0;
    ++pos;
    std::size_t dl = (pos + 1 < s.size() && s[pos + 1] >= '0' && s[pos + 1] <= '9') ? 2 : 1;
    if (!digits(s, pos, dl, d)) return 0;
    pos += dl;
    if (y < 1 || m < 1 || m > 12 || d < 1 || static_cast<unsigned>(d) > daysInMonth(y, m)) return 0;
    days = daysFromCivil(y, static_cast<unsigned>(m), static_cast<unsigned>(d));
    return pos;
}

std::size_t parseTimePart(std::string_view s, std::int64_t& micros) {
    int h, mi, se;
    std::size_t hl = (1 < s.size() && s[1] >= '0' && s[1] <= '9') ? 2 : 1;
    if (!digits(s, 0, hl, h)) return 0;
    std::size_t pos = hl;
    if (pos >= s.size() || s[pos] != ':' || !digits(s, pos + 1, 2, mi)) return 0;
    pos += 3;
    if (pos >= s.size() || s[pos] != ':' || !digits(s, pos + 1, 2, se)) return 0;
    pos += 3;
    if (h > 23 || mi > 59 || se > 59) return 0;
    std::int64_t frac = 0;
    if (pos < s.size() && s[pos] == '.') {
        ++pos;
        int n = 0;
        while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
            if (n < 6) frac = frac * 10 + (s[pos] - '0');
            else if (s[pos] != '0') return 0; // more precision than microseconds
            ++n;
            ++pos;
        }
        if (n == 0 || n > 12) return 0;
        for (int i = n; i < 6; ++i) frac *= 10;
    }
    micros = ((h * 60LL + mi) * 60LL + se) * kMicrosPerSecond + frac;
    return pos;
}

void two(std::string& out, unsigned v) {
    out.push_back(static_cast<char>('0' + v / 10));
    out.push_back(static_cast<char>('0' + v % 10));
}

void appendDate(std::string& out, std::int64_t days) {
    int y;
    unsigned m, d;
    civilFromDays(days, y, m, d);
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-", y);
    out += buf;
    two(out, m);
    out.push_back('-');
    two(out, d);
}

void appendTime(std::string& out, std::int64_t micros) {
    const auto secs = micros / kMicrosPerSecond;
    const auto frac = micros % kMicrosPerSecond;
    two(out, static_cast<unsigned>(secs / 3600));
    out.push_back(':');
    two(out, static_cast<unsigned>(secs / 60 % 60));
    out.push_back(':');
    two(out, static_cast<unsigned>(secs % 60));
    if (frac) {
        char buf[16];
        std::snprintf(buf, sizeof buf, ".%06lld", static_cast<long long>(frac));
        out += buf;
    }
}

} // namespace

std::int32_t daysFromCivil(int y, unsigned m, unsigned d) {
    y -= m <= 2;
    const int era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<int>(doe) - 719468;
}

void civilFromDays(std::int64_t z, int& y, unsigned& m, unsigned& d) {
    z += 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const std::int64_t yy = static_cast<std::int64_t>(yoe) + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    d = doy - (153 * mp + 2) / 5 + 1;
    m = mp < 10 ? mp + 3 : mp - 9;
    y = static_cast<int>(yy + (m <= 2));
}

std::optional<std::int32_t> parseDate(std::string_view s) {
    std::int32_t days;
    const auto n = parseDatePart(s, days);
    if (n == 0 || n != s.size()) return std::nullopt;
    return days;
}

std::optional<std::int64_t> parseTime(std::string_view s) {
    std::int64_t micros;
    const auto n = parseTimePart(s, micros);
    if (n == 0 || n != s.size()) return std::nullopt;
    return micros;
}

std::optional<std::int64_t> parseDateTime(std::string_view s) {
    std::int32_t days;
    auto n = parseDatePart(s, days);
    if (n == 0) return std::nullopt;
    std::int64_t micros = 0;
    if (n < s.size()) {
        if (s[n] != 'T' && s[n] != 't' && s[n] != ' ') return std::nullopt;
        const auto t = parseTimePart(s.substr(n + 1), micros);
        if (t == 0 || n + 1 + t != s.size()) return std::nullopt;
    }
    return days * kMicrosPerDay + micros;
}

std::optional<std::int64_t> parseTimestampText(std::string_view s) {
    std::int32_t days;
    auto n = parseDatePart(s, days);
    if (n == 0) return std::nullopt;
    std::int64_t micros = 0;
    if (n < s.size() && (s[n] == 'T' || s[n] == 't' || s[n] == ' ')) {
        const auto t = parseTimePart(s.substr(n + 1), micros);
        if (t == 0) return std::nullopt;
        n += 1 + t;
    }
    std::string_view zone = s.substr(n);
    while (!zone.empty() && zone.front() == ' ') zone.remove_prefix(1);
    std::int64_t offset = 0;
    if (zone.empty() || zone == "Z" || zone == "z" || zone == "UTC") {
        offset = 0;
    } else if (zone[0] == '+' || zone[0] == '-') {
        int hh = 0, mm = 0;
        const std::size_t hl = (zone.size() >= 3 && zone[2] >= '0' && zone[2] <= '9') ? 2 : 1;
        if (!digits(zone, 1, hl, hh)) return std::nullopt;
        std::size_t pos = 1 + hl;
        if (pos < zone.size()) {
            if (zone[pos] == ':') ++pos;
            if (!digits(zone, pos, 2, mm) || pos + 2 != zone.size()) return std::nullopt;
        }
        if (hh > 14 || mm > 59) return std::nullopt;
        offset = (hh * 60LL + mm) * 60LL * kMicrosPerSecond * (zone[0] == '-' ? -1 : 1);
    } else {
        return std::nullopt;
    }
    const std::int64_t v = days * kMicrosPerDay + micros - offset;
    if (v < kMinMicros || v > kMaxMicros) return std::nullopt;
    return v;
}

std::string formatDate(std::int32_t days) {
    std::string out;
    appendDate(out, days);
    return out;
}

std::string formatTime(std::int64_t micros) {
    std::string out;
    appendTime(out, micros);
    return out;
}

std::string formatDateTime(std::int64_t micros, char sep) {
    const auto days = floorDiv(micros, kMicrosPerDay);
    std::string out;
    appendDate(out, days);
    out.push_back(sep);
    appendTime(out, micros - days * kMicrosPerDay);
    return out;
}

std::string formatTimestampDisplay(std::int64_t micros) {
    return formatDateTime(micros, ' ') + " UTC";
}

std::string formatTimestampRfc3339(std::int64_t micros) {
    const auto days = floorDiv(micros, kMicrosPerDay);
    const auto tod = micros - days * kMicrosPerDay;
    std::string out;
    appendDate(out, days);
    out.push_back('T');
    appendTime(out, tod - tod % kMicrosPerSecond);
    char buf[16];
    std::snprintf(buf, sizeof buf, ".%06lldZ", static_cast<long long>(tod % kMicrosPerSecond));
    out += buf;
    return out;
}

} // namespace quarry::civil
