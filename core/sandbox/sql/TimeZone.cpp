// SPDX-License-Identifier: MIT
#include "sandbox/sql/TimeZone.h"

#include "sandbox/sql/SqlError.h"
#include "value/Civil.h"

#include <unicode/basictz.h>
#include <unicode/timezone.h>
#include <unicode/unistr.h>

#include <map>
#include <mutex>

namespace quarry::sandbox::sql {

struct TimeZone::Rules {
    std::unique_ptr<icu::BasicTimeZone> tz;
};

namespace {

constexpr std::int64_t kMicrosPerMinute = 60'000'000;
thread_local const TimeZone* tlCurrent = nullptr;

/// "+05:30", "-8", "+0530", "UTC+3", "UTC": the offset in micros, or nullopt.
std::optional<std::int64_t> fixedOffset(std::string_view s) {
    if (s == "UTC" || s == "Z" || s == "z" || s == "Etc/UTC" || s == "GMT") return 0;
    if (s.starts_with("UTC")) s.remove_prefix(3);
    if (s.size() < 2 || (s[0] != '+' && s[0] != '-')) return std::nullopt;
    const bool negative = s[0] == '-';
    s.remove_prefix(1);
    auto digit = [](char c) { return c >= '0' && c <= '9'; };
    std::size_t i = 0;
    int hours = 0, minutes = 0;
    while (i < s.size() && i < 2 && digit(s[i])) hours = hours * 10 + (s[i++] - '0');
    if (i == 0) return std::nullopt;
    if (i < s.size()) {
        if (s[i] == ':') ++i;
        if (s.size() - i != 2 || !digit(s[i]) || !digit(s[i + 1])) return std::nullopt;
        minutes = (s[i] - '0') * 10 + (s[i + 1] - '0');
    }
    if (hours > 14 || minutes > 59) return std::nullopt;
    return (negative ? -1 : 1) * (hours * 60LL + minutes) * kMicrosPerMinute;
}

} // namespace

TimeZone::TimeZone(std::string name, std::int64_t fixedOffset, std::unique_ptr<Rules> rules)
    : name_(std::move(name)), fixed_(fixedOffset), rules_(std::move(rules)) {}
TimeZone::~TimeZone() = default;

const TimeZone& TimeZone::utc() {
    static const TimeZone* zone = find("UTC");
    return *zone;
}

const TimeZone* TimeZone::find(std::string_view name) {
    static std::mutex mu;
    static std::map<std::string, std::unique_ptr<TimeZone>, std::less<>> cache;
    std::lock_guard lock(mu);
    if (const auto it = cache.find(name); it != cache.end()) return it->second.get();
    std::unique_ptr<TimeZone> made;
    if (const auto off = fixedOffset(name)) {
        made.reset(new TimeZone(std::string(name), *off, nullptr));
    } else {
        if (name.empty() || name.size() > 64 || name.find('/') == std::string_view::npos) return nullptr; // IANA names are Area/Place
        std::unique_ptr<icu::TimeZone> tz(icu::TimeZone::createTimeZone(
            icu::UnicodeString::fromUTF8(icu::StringPiece(name.data(), static_cast<std::int32_t>(name.size())))));
        icu::UnicodeString id;
        if (!tz || tz->getID(id) == icu::UnicodeString(UCAL_UNKNOWN_ZONE_ID)) return nullptr;
        auto* basic = dynamic_cast<icu::BasicTimeZone*>(tz.get());
        if (!basic) return nullptr;
        tz.release();
        auto rules = std::make_unique<Rules>();
        rules->tz.reset(basic);
        made.reset(new TimeZone(std::string(name), 0, std::move(rules)));
    }
    return cache.emplace(std::string(name), std::move(made)).first->second.get();
}

const TimeZone& TimeZone::named(std::string_view name) {
    if (const TimeZone* z = find(name)) return *z;
    throw EvalError("Invalid time zone: " + std::string(name));
}

std::int64_t TimeZone::offsetAt(std::int64_t utcMicros) const {
    if (!rules_) return fixed_;
    std::int32_t raw = 0, dst = 0;
    UErrorCode st = U_ZERO_ERROR;
    rules_->tz->getOffset(static_cast<UDate>(civil::floorDiv(utcMicros, 1000)), false, raw, dst, st);
    if (U_FAILURE(st)) return 0;
    return (static_cast<std::int64_t>(raw) + dst) * 1000;
}

std::int64_t TimeZone::toUtc(std::int64_t localMicros) const {
    if (!rules_) return localMicros - fixed_;
    std::int32_t raw = 0, dst = 0;
    UErrorCode st = U_ZERO_ERROR;
    rules_->tz->getOffsetFromLocal(static_cast<UDate>(civil::floorDiv(localMicros, 1000)), UCAL_TZ_LOCAL_FORMER, UCAL_TZ_LOCAL_FORMER,
                                   raw, dst, st);
    if (U_FAILURE(st)) return localMicros;
    return localMicros - (static_cast<std::int64_t>(raw) + dst) * 1000;
}

const TimeZone& TimeZone::current() { return tlCurrent ? *tlCurrent : utc(); }
bool TimeZone::currentIsSet() { return tlCurrent != nullptr; }

ZoneScope::ZoneScope(const TimeZone* zone) : previous_(tlCurrent) { tlCurrent = zone; }
ZoneScope::~ZoneScope() { tlCurrent = previous_; }

std::optional<std::int64_t> parseTimestampIn(std::string_view text, const TimeZone& zone) {
    auto inRange = [](std::int64_t v) -> std::optional<std::int64_t> {
        if (v < civil::kMinMicros || v > civil::kMaxMicros) return std::nullopt;
        return v;
    };
    if (const auto local = civil::parseDateTime(text)) return inRange(zone.toUtc(*local));
    if (const auto t = civil::parseTimestampText(text)) return t;
    // '2020-01-01 12:00:00 America/Los_Angeles', '2020-01-01 12:00:00+05:30' and the like.
    std::size_t cut = text.find_last_of(' ');
    if (cut == std::string_view::npos || cut < 8) {
        cut = text.find_first_of("+-", 11);
        if (cut == std::string_view::npos) return std::nullopt;
    }
    const auto local = civil::parseDateTime(text.substr(0, cut));
    std::string_view name = text.substr(cut);
    while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
    const TimeZone* z = TimeZone::find(name);
    if (!local || !z) return std::nullopt;
    return inRange(z->toUtc(*local));
}

} // namespace quarry::sandbox::sql
