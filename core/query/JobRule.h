// SPDX-License-Identifier: MIT
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace quarry {

/// A rule over a project's jobs, as an operations team writes it to cancel heavy queries:
///   type=QUERY priority=INTERACTIVE elapsed>=60m remaining>=5m
/// Conditions separated by spaces, all of which must hold:
/// - `type`, `priority`, `state`, `user` with `=` or `!=` (case-insensitive for the first three);
/// - `elapsed` (time since the job started running; 0 while pending), `remaining` (the
///   estimate below) and `slot` (slot time used so far) with `>=`, `>`, `<=`, `<` and a
///   duration: a number and ms, s, m or h ("90s", "1.5h").
///
/// The estimate of what is left comes from the job's own statistics, the last sample of
/// statistics.query.timeline: with C units completed and P pending after E ms of running and
/// S slot-ms, the job needs E × P / C more at the rate it has run so far, or, given the
/// project's committed `slots`, (S / C) × P / slots ("even with all committed slots"). A
/// job without a sample or without completed units has no estimate, and a `remaining`
/// condition never holds for it: a rule cancels only what it can show to be heavy.
class JobRule {
public:
    struct Error : std::runtime_error {
        Error(const std::string& what, int col) : std::runtime_error(what), column(col) {}
        int column; ///< 1-based, in the rule's text
    };
    /// Throws Error naming the column and what to write instead.
    static JobRule parse(const std::string& text);

    struct Decision {
        bool matches = false;
        std::string why;                     ///< each condition with the job's value, "; "-joined
        std::optional<std::int64_t> remainingMs; ///< the estimate, when there is one
    };
    /// `job`: a jobs.list item (projection=full) or a jobs.get resource; `nowMs` since the epoch.
    Decision evaluate(const nlohmann::json& job, std::int64_t nowMs, std::optional<double> slots = {}) const;
    const std::string& text() const { return text_; }

    /// The estimate alone (see the class comment); nullopt when the job gives none.
    static std::optional<std::int64_t> remainingMs(const nlohmann::json& job, std::optional<double> slots = {});
    /// What a job has processed: a finished job's totalBytesProcessed (`total` the same); for a
    /// running query, its statistics.query.estimatedBytesProcessed (`total`) times the share of
    /// the last timeline sample's units completed (`soFar`; `total` alone when it has none).
    /// nullopt when the job says neither.
    struct Bytes {
        std::optional<std::uint64_t> soFar;
        std::uint64_t total = 0;
        bool estimated = false; ///< from the estimate: the job is still running
    };
    static std::optional<Bytes> bytesProcessed(const nlohmann::json& job);
    /// "1.5 MB", "≈ 300 KB of 1.5 MB", "≤ 1.5 MB": bytesProcessed as a person reads it.
    static std::string bytesText(const Bytes& b);
    /// "1h02m", "3m05s", "12.3s", "450ms".
    static std::string durationText(std::int64_t ms);
    /// "90s", "60m", "1.5h", "500ms" in ms; nullopt when it is not a number and a unit.
    static std::optional<std::int64_t> parseDuration(const std::string& text);
    /// A job resource's type (QUERY, LOAD, COPY, EXTRACT) and priority (a query's, INTERACTIVE
    /// when it says none; empty for other jobs).
    static std::string jobType(const nlohmann::json& job);
    static std::string priority(const nlohmann::json& job);
    /// How long the job has run: from startTime to now (to endTime once DONE); 0 while pending.
    static std::int64_t elapsedMs(const nlohmann::json& job, std::int64_t nowMs);

private:
    struct Condition {
        std::string key, op, value; ///< value upper-cased for type, priority, state
        std::int64_t ms = 0;        ///< for durations
    };
    std::vector<Condition> conditions_;
    std::string text_;
};

} // namespace quarry
