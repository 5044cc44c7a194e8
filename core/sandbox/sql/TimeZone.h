// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace quarry::sandbox::sql {

/// A time zone as GoogleSQL names them: "UTC", a fixed offset ("+05:30", "-8", "UTC+3"), or
/// an IANA name ("America/Los_Angeles"), whose rules (daylight saving, history) come from
/// ICU's copy of the tz database. Instances live for the process, one per name, immutable.
class TimeZone {
public:
    static const TimeZone& utc();
    /// The zone `name` names; throws EvalError "Invalid time zone: X" for none.
    static const TimeZone& named(std::string_view name);
    /// The same, nullptr for a name that is no zone.
    static const TimeZone* find(std::string_view name);

    const std::string& name() const { return name_; }
    /// What to add to a UTC instant (micros since the epoch) for its local wall-clock time.
    std::int64_t offsetAt(std::int64_t utcMicros) const;
    std::int64_t toLocal(std::int64_t utcMicros) const { return utcMicros + offsetAt(utcMicros); }
    /// The instant a local wall-clock time names. A time that is skipped (clocks forward) or
    /// repeated (clocks back) is read with the offset before the change, as BigQuery does.
    std::int64_t toUtc(std::int64_t localMicros) const;

    /// The zone a query reads times in when it names none: SET @@time_zone (or the job's
    /// time_zone connection property), else UTC. Set per query thread by ZoneScope.
    static const TimeZone& current();
    /// Whether the query named its default zone (SET @@time_zone, time_zone property) rather
    /// than running in UTC because nothing said otherwise.
    static bool currentIsSet();

    ~TimeZone();
    TimeZone(const TimeZone&) = delete;
    TimeZone& operator=(const TimeZone&) = delete;

private:
    struct Rules;
    TimeZone(std::string name, std::int64_t fixedOffset, std::unique_ptr<Rules> rules);
    std::string name_;
    std::int64_t fixed_ = 0;       ///< the offset of a fixed-offset zone
    std::unique_ptr<Rules> rules_; ///< ICU's rules for a named zone
};

/// Makes `zone` the current default zone of this thread for its lifetime (a query's prepare
/// and run; null: UTC, not set); the previous one comes back after.
class ZoneScope {
public:
    explicit ZoneScope(const TimeZone* zone);
    ~ZoneScope();
    ZoneScope(const ZoneScope&) = delete;
    ZoneScope& operator=(const ZoneScope&) = delete;

private:
    const TimeZone* previous_;
};

/// A TIMESTAMP's text ('2020-01-01 12:00:00', with an optional offset, 'Z', 'UTC' or zone
/// name after it) as an instant; without a zone the text is read in `zone`.
std::optional<std::int64_t> parseTimestampIn(std::string_view text, const TimeZone& zone);

} // namespace quarry::sandbox::sql
