// SPDX-License-Identifier: MIT
#include "sandbox/sql/TimeFormat.h"

#include "sandbox/sql/SqlError.h"
#include "value/Civil.h"

#include <array>
#include <cctype>
#include <cstdio>

namespace quarry::sandbox::sql::timefmt {
namespace {

constexpr std::array<const char*, 12> kMonths{"January", "February", "March",     "April",   "May",      "June",
                                               "July",    "August",   "September", "October", "November", "December"};
constexpr std::array<const char*, 7> kDays{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"};

using civil::floorDiv;

std::string pad(std::int64_t v, int width, char fill = '0') {
    std::string s = std::to_string(v < 0 ? -v : v);
    while (static_cast<int>(s.size()) < width) s.insert(s.begin(), fill);
    return v < 0 ? "-" + s : s;
}

[[noreturn]] void unsupported(char c) {
    throw EvalError(std::string("The format element %") + c + " is not supported by the sandbox yet");
}

} // namespace

Civil split(std::int64_t micros) {
    Civil c;
    const std::int64_t days = floorDiv(micros, civil::kMicrosPerDay);
    std::int64_t rest = micros - days * civil::kMicrosPerDay;
    civil::civilFromDays(days, c.year, c.month, c.day);
    c.hour = static_cast<int>(rest / 3'600'000'000LL);
    rest %= 3'600'000'000LL;
    c.minute = static_cast<int>(rest / 60'000'000LL);
    rest %= 60'000'000LL;
    c.second = static_cast<int>(rest / 1'000'000LL);
    c.micros = rest % 1'000'000LL;
    return c;
}

std::int64_t join(const Civil& c) {
    if (c.year < 1 || c.year > 9999) throw EvalError("The result is outside the DATE/TIMESTAMP range (years 1 to 9999)");
    const std::int64_t days = civil::daysFromCivil(c.year, c.month, c.day);
    return days * civil::kMicrosPerDay + ((c.hour * 60LL + c.minute) * 60LL + c.second) * 1'000'000LL + c.micros;
}

int weekday(std::int64_t days) { return static_cast<int>(((days + 4) % 7 + 7) % 7); } // 1970-01-01 was a Thursday

int dayOfYear(int year, unsigned month, unsigned day) {
    return civil::daysFromCivil(year, month, day) - civil::daysFromCivil(year, 1, 1) + 1;
}

void isoWeek(std::int64_t days, int& isoYear, int& week) {
    const std::int64_t thursday = days - (weekday(days) + 6) % 7 + 3; // the Thursday of its Monday-based week
    int y;
    unsigned m, d;
    civil::civilFromDays(thursday, y, m, d);
    isoYear = y;
    week = (dayOfYear(y, m, d) - 1) / 7 + 1;
}

std::string format(std::string_view fmt, std::int64_t micros, std::int64_t offsetMicros) {
    const Civil c = split(micros);
    const std::int64_t days = floorDiv(micros, civil::kMicrosPerDay);
    const int yday = dayOfYear(c.year, c.month, c.day), wday = weekday(days);
    std::string out;
    for (std::size_t i = 0; i < fmt.size(); ++i) {
        if (fmt[i] != '%') {
            out += fmt[i];
            continue;
        }
        if (++i >= fmt.size()) throw EvalError("The format string ends with a lone %");
        const char e = fmt[i];
        switch (e) {
        case 'Y': out += pad(c.year, 4); break;
        case 'y': out += pad(c.year % 100, 2); break;
        case 'C': out += pad(c.year / 100, 2); break;
        case 'm': out += pad(c.month, 2); break;
        case 'd': out += pad(c.day, 2); break;
        case 'e': out += pad(c.day, 2, ' '); break;
        case 'j': out += pad(yday, 3); break;
        case 'H': out += pad(c.hour, 2); break;
        case 'k': out += pad(c.hour, 2, ' '); break;
        case 'I': out += pad(c.hour % 12 == 0 ? 12 : c.hour % 12, 2); break;
        case 'l': out += pad(c.hour % 12 == 0 ? 12 : c.hour % 12, 2, ' '); break;
        case 'M': out += pad(c.minute, 2); break;
        case 'S': out += pad(c.second, 2); break;
        case 'p': out += c.hour < 12 ? "AM" : "PM"; break;
        case 'P': out += c.hour < 12 ? "am" : "pm"; break;
        case 'F': out += pad(c.year, 4) + "-" + pad(c.month, 2) + "-" + pad(c.day, 2); break;
        case 'T': out += pad(c.hour, 2) + ":" + pad(c.minute, 2) + ":" + pad(c.second, 2); break;
        case 'R': out += pad(c.hour, 2) + ":" + pad(c.minute, 2); break;
        case 'D': out += pad(c.month, 2) + "/" + pad(c.day, 2) + "/" + pad(c.year % 100, 2); break;
        case 'b': case 'h': out += std::string(kMonths[c.month - 1]).substr(0, 3); break;
        case 'B': out += kMonths[c.month - 1]; break;
        case 'a': out += std::string(kDays[static_cast<std::size_t>(wday)]).substr(0, 3); break;
        case 'A': out += kDays[static_cast<std::size_t>(wday)]; break;
        case 'u': out += std::to_string(wday == 0 ? 7 : wday); break;
        case 'w': out += std::to_string(wday); break;
        case 'Q': out += std::to_string((c.month - 1) / 3 + 1); break;
        case 'U': out += pad((yday - 1 + 7 - wday) / 7, 2); break;
        case 'W': out += pad((yday - 1 + 7 - (wday + 6) % 7) / 7, 2); break;
        case 'V': case 'G': {
            int iy, iw;
            isoWeek(days, iy, iw);
            out += e == 'V' ? pad(iw, 2) : pad(iy, 4);
            break;
        }
        case 's': out += std::to_string(floorDiv(micros - offsetMicros, 1'000'000)); break;
        case 'Z': { // UTC, UTC-8, UTC+5:30
            const std::int64_t m = (offsetMicros < 0 ? -offsetMicros : offsetMicros) / 60'000'000;
            out += "UTC";
            if (m) out += (offsetMicros < 0 ? "-" : "+") + std::to_string(m / 60) + (m % 60 ? ":" + pad(static_cast<int>(m % 60), 2) : "");
            break;
        }
        case 'z': {
            const std::int64_t m = (offsetMicros < 0 ? -offsetMicros : offsetMicros) / 60'000'000;
            out += (offsetMicros < 0 ? "-" : "+") + pad(static_cast<int>(m / 60), 2) + pad(static_cast<int>(m % 60), 2);
            break;
        }
        case 'n': out += '\n'; break;
        case 't': out += '\t'; break;
        case '%': out += '%'; break;
        case 'E': {
            // %E#S: seconds with # fraction digits (0-6 here); %E*S: all six.
            if (i + 2 >= fmt.size() || fmt[i + 2] != 'S' || !(fmt[i + 1] == '*' || std::isdigit(static_cast<unsigned char>(fmt[i + 1]))))
                unsupported('E');
            const int digits = fmt[i + 1] == '*' ? 6 : fmt[i + 1] - '0';
            if (digits > 6) unsupported('E');
            out += pad(c.second, 2);
            if (digits > 0) out += "." + pad(c.micros, 6).substr(0, static_cast<std::size_t>(digits));
            i += 2;
            break;
        }
        default: unsupported(e);
        }
    }
    return out;
}

std::int64_t parse(std::string_view fmt, std::string_view text, std::int64_t& offsetMicros, bool* zoned) {
    Civil c;
    offsetMicros = 0;
    bool named = false;
    std::size_t t = 0;
    bool pm = false, hour12 = false;
    auto fail = [&]() -> std::int64_t {
        throw EvalError("Failed to parse input string \"" + std::string(text) + "\" with the format \"" + std::string(fmt) + "\"");
    };
    auto number = [&](int maxDigits, bool allowSign = false) -> std::int64_t {
        bool neg = false;
        if (allowSign && t < text.size() && (text[t] == '-' || text[t] == '+')) neg = text[t++] == '-';
        while (t < text.size() && text[t] == ' ') ++t;
        std::int64_t v = 0;
        int n = 0;
        while (t < text.size() && n < maxDigits && std::isdigit(static_cast<unsigned char>(text[t]))) {
            v = v * 10 + (text[t++] - '0');
            ++n;
        }
        if (n == 0) fail();
        return neg ? -v : v;
    };
    auto name = [&](const auto& names, bool abbreviated) -> int {
        for (std::size_t k = 0; k < names.size(); ++k) {
            const std::string full = names[k];
            for (const std::string& cand : {full, full.substr(0, 3)}) {
                if (!abbreviated && cand.size() == 3 && full.size() != 3) continue;
                if (text.size() - t < cand.size()) continue;
                bool eq = true;
                for (std::size_t j = 0; j < cand.size() && eq; ++j)
                    eq = std::tolower(static_cast<unsigned char>(text[t + j])) == std::tolower(static_cast<unsigned char>(cand[j]));
                if (eq) {
                    t += cand.size();
                    return static_cast<int>(k);
                }
            }
        }
        fail();
        return 0;
    };
    auto literal = [&](char ch) {
        if (t >= text.size() || text[t] != ch) fail();
        ++t;
    };
    for (std::size_t i = 0; i < fmt.size(); ++i) {
        const char f = fmt[i];
        if (std::isspace(static_cast<unsigned char>(f))) {
            while (t < text.size() && std::isspace(static_cast<unsigned char>(text[t]))) ++t;
            continue;
        }
        if (f != '%') {
            literal(f);
            continue;
        }
        if (++i >= fmt.size()) throw EvalError("The format string ends with a lone %");
        switch (const char e = fmt[i]) {
        case 'Y': c.year = static_cast<int>(number(4)); break;
        case 'y': {
            const auto y = number(2);
            c.year = static_cast<int>(y < 69 ? 2000 + y : 1900 + y);
            break;
        }
        case 'm': c.month = static_cast<unsigned>(number(2)); break;
        case 'd': case 'e': c.day = static_cast<unsigned>(number(2)); break;
        case 'H': c.hour = static_cast<int>(number(2)); break;
        case 'I':
            c.hour = static_cast<int>(number(2));
            hour12 = true;
            break;
        case 'M': c.minute = static_cast<int>(number(2)); break;
        case 'S': c.second = static_cast<int>(number(2)); break;
        case 'p': {
            const int k = name(std::array<const char*, 2>{"AM", "PM"}, false);
            pm = k == 1;
            hour12 = true;
            break;
        }
        case 'F':
            c.year = static_cast<int>(number(4));
            literal('-');
            c.month = static_cast<unsigned>(number(2));
            literal('-');
            c.day = static_cast<unsigned>(number(2));
            break;
        case 'T':
            c.hour = static_cast<int>(number(2));
            literal(':');
            c.minute = static_cast<int>(number(2));
            literal(':');
            c.second = static_cast<int>(number(2));
            break;
        case 'b': case 'h': case 'B': c.month = static_cast<unsigned>(name(kMonths, true) + 1); break;
        case 'a': case 'A': name(kDays, true); break;
        case 'j': {
            const auto yd = number(3);
            if (yd < 1 || yd > 366) fail();
            c.month = 1;
            c.day = static_cast<unsigned>(yd); // normalized below through days
            break;
        }
        case 's': {
            const auto secs = number(12, true);
            if (secs < civil::kMinMicros / 1'000'000 || secs > civil::kMaxMicros / 1'000'000) fail();
            const Civil s = split(secs * 1'000'000);
            c = s;
            named = true;
            break;
        }
        case 'Z':
            name(std::array<const char*, 1>{"UTC"}, false);
            named = true;
            break;
        case 'z': {
            named = true;
            if (t < text.size() && (text[t] == 'Z' || text[t] == 'z')) {
                ++t;
                break;
            }
            if (t >= text.size() || (text[t] != '+' && text[t] != '-')) fail();
            const bool neg = text[t++] == '-';
            const auto hh = number(2);
            if (t < text.size() && text[t] == ':') ++t;
            const auto mm = t < text.size() && std::isdigit(static_cast<unsigned char>(text[t])) ? number(2) : 0;
            if (hh > 14 || mm > 59) fail();
            offsetMicros = (neg ? -1 : 1) * (hh * 60 + mm) * 60'000'000LL;
            break;
        }
        case 'E': {
            if (i + 2 >= fmt.size() || fmt[i + 2] != 'S' || !(fmt[i + 1] == '*' || std::isdigit(static_cast<unsigned char>(fmt[i + 1]))))
                unsupported('E');
            c.second = static_cast<int>(number(2));
            if (t < text.size() && text[t] == '.') {
                ++t;
                std::int64_t frac = 0;
                int n = 0;
                while (t < text.size() && std::isdigit(static_cast<unsigned char>(text[t]))) {
                    if (n < 6) {
                        frac = frac * 10 + (text[t] - '0');
                        ++n;
                    }
                    ++t;
                }
                if (n == 0) fail();
                for (; n < 6; ++n) frac *= 10;
                c.micros = frac;
            }
            i += 2;
            break;
        }
        case '%': literal('%'); break;
        default: unsupported(e);
        }
    }
    if (t != text.size()) fail();
    if (hour12) {
        if (c.hour < 1 || c.hour > 12) fail();
        c.hour = c.hour % 12 + (pm ? 12 : 0);
    }
    if (c.year < 1 || c.year > 9999 || c.month < 1 || c.month > 12 || c.hour > 23 || c.minute > 59 || c.second > 59) fail();
    // The day is checked against its month, except for a day of year (%j) counted from January.
    const std::int64_t first = civil::daysFromCivil(c.year, c.month, 1);
    const std::int64_t days = first + static_cast<std::int64_t>(c.day) - 1;
    int y;
    unsigned m, d;
    civil::civilFromDays(days, y, m, d);
    if (c.day < 1 || (fmt.find("%j") == std::string_view::npos && (m != c.month || y != c.year))) fail();
    if (y != c.year) fail();
    c.month = m;
    c.day = d;
    if (zoned) *zoned = named;
    return join(c);
}

} // namespace quarry::sandbox::sql::timefmt
