// SPDX-License-Identifier: MIT
#include "query/JobRule.h"

#include "value/Text.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace quarry {
namespace {

using Json = nlohmann::json;

std::string upper(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
}

bool isText(const std::string& k) { return k == "type" || k == "priority" || k == "state" || k == "user"; }
bool isDuration(const std::string& k) { return k == "elapsed" || k == "remaining" || k == "slot"; }

/// A REST number field ("123" or 123); nullopt when absent or not a number.
std::optional<double> number(const Json& j, const char* key) {
    if (!j.is_object() || !j.contains(key)) return std::nullopt;
    const Json& v = j[key];
    if (v.is_number()) return v.get<double>();
    if (!v.is_string()) return std::nullopt;
    try {
        std::size_t used = 0;
        const double d = std::stod(v.get<std::string>(), &used);
        if (used != v.get_ref<const std::string&>().size()) return std::nullopt;
        return d;
    } catch (...) {
        return std::nullopt;
    }
}

std::string field(const Json& j, const char* key) {
    return j.is_object() && j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : std::string();
}


} // namespace

std::string JobRule::jobType(const Json& job) {
    const Json config = job.value("configuration", Json::object());
    if (const auto t = field(config, "jobType"); !t.empty()) return upper(t);
    for (const char* k : {"query", "load", "copy", "extract"})
        if (config.contains(k)) return upper(k);
    return {};
}

std::string JobRule::priority(const Json& job) {
    if (jobType(job) != "QUERY") return {};
    const std::string p = field(job.value("configuration", Json::object()).value("query", Json::object()), "priority");
    return p.empty() ? "INTERACTIVE" : upper(p);
}

std::int64_t JobRule::elapsedMs(const Json& job, std::int64_t now) {
    const Json stats = job.value("statistics", Json::object());
    const auto start = number(stats, "startTime");
    if (!start || *start <= 0) return 0;
    const std::string state = upper(field(job.value("status", Json::object()), "state"));
    const double end = state == "DONE" ? number(stats, "endTime").value_or(*start) : static_cast<double>(now);
    return std::max<std::int64_t>(0, static_cast<std::int64_t>(end - *start));
}

std::optional<std::int64_t> JobRule::parseDuration(const std::string& s) {
    std::size_t i = 0;
    while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.')) ++i;
    if (i == 0 || i == s.size()) return std::nullopt;
    double n = 0;
    try {
        std::size_t used = 0;
        n = std::stod(s.substr(0, i), &used);
        if (used != i) return std::nullopt;
    } catch (...) {
        return std::nullopt;
    }
    const std::string unit = s.substr(i);
    const double scale = unit == "ms" ? 1 : unit == "s" ? 1e3 : unit == "m" ? 6e4 : unit == "h" ? 3.6e6 : 0;
    if (scale == 0 || !std::isfinite(n * scale) || n * scale > 1e15) return std::nullopt;
    return static_cast<std::int64_t>(std::llround(n * scale));
}

namespace {

bool compare(std::int64_t a, const std::string& op, std::int64_t b) {
    return op == ">=" ? a >= b : op == ">" ? a > b : op == "<=" ? a <= b : a < b;
}

} // namespace

JobRule JobRule::parse(const std::string& ruleText) {
    JobRule r;
    r.text_ = ruleText;
    std::size_t i = 0;
    while (i < ruleText.size()) {
        if (std::isspace(static_cast<unsigned char>(ruleText[i]))) {
            ++i;
            continue;
        }
        const std::size_t start = i;
        while (i < ruleText.size() && !std::isspace(static_cast<unsigned char>(ruleText[i]))) ++i;
        const std::string word = ruleText.substr(start, i - start);
        const int col = static_cast<int>(start) + 1;
        const auto opAt = word.find_first_of("=!<>");
        if (opAt == std::string::npos || opAt == 0)
            throw Error("'" + word + "' is not a condition: write KEY=VALUE or KEY>=DURATION, e.g. type=QUERY elapsed>=60m", col);
        Condition c;
        c.key = word.substr(0, opAt);
        for (auto& ch : c.key) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        std::size_t valueAt = opAt + 1;
        if (valueAt < word.size() && word[valueAt] == '=') ++valueAt;
        c.op = word.substr(opAt, valueAt - opAt);
        c.value = word.substr(valueAt);
        const int valueCol = col + static_cast<int>(valueAt);
        if (!isText(c.key) && !isDuration(c.key))
            throw Error("unknown key '" + c.key + "': use type, priority, state, user, elapsed, remaining or slot", col);
        if (isText(c.key) && c.op != "=" && c.op != "!=")
            throw Error("'" + c.key + "' takes = or !=, not " + c.op, col + static_cast<int>(opAt));
        if (isDuration(c.key) && c.op != ">=" && c.op != ">" && c.op != "<=" && c.op != "<")
            throw Error("'" + c.key + "' takes >=, >, <= or <, not " + c.op, col + static_cast<int>(opAt));
        if (c.value.empty()) throw Error("'" + c.key + c.op + "' needs a value", valueCol);
        if (isDuration(c.key)) {
            const auto ms = parseDuration(c.value);
            if (!ms) throw Error("'" + c.value + "' is not a duration: write a number and ms, s, m or h (90s, 60m, 1.5h)", valueCol);
            c.ms = *ms;
        } else if (c.key != "user") {
            c.value = upper(c.value);
        }
        r.conditions_.push_back(std::move(c));
    }
    if (r.conditions_.empty()) throw Error("the rule is empty: write conditions such as type=QUERY elapsed>=60m", 1);
    return r;
}

std::optional<std::int64_t> JobRule::remainingMs(const Json& job, std::optional<double> slots) {
    const Json query = job.value("statistics", Json::object()).value("query", Json::object());
    const Json timeline = query.value("timeline", Json::array());
    if (!timeline.is_array() || timeline.empty()) return std::nullopt;
    const Json& last = timeline.back();
    const auto done = number(last, "completedUnits"), pending = number(last, "pendingUnits");
    if (!done || !pending || *done <= 0 || *pending < 0) return std::nullopt;
    double ms = 0;
    if (slots && *slots > 0) {
        const auto slotMs = number(last, "totalSlotMs");
        if (!slotMs) return std::nullopt;
        ms = *slotMs / *done * *pending / *slots;
    } else {
        const auto elapsed = number(last, "elapsedMs");
        if (!elapsed) return std::nullopt;
        ms = *elapsed * *pending / *done;
    }
    if (!std::isfinite(ms) || ms > 1e15) return std::nullopt;
    return static_cast<std::int64_t>(std::llround(ms));
}

std::optional<JobRule::Bytes> JobRule::bytesProcessed(const Json& job) {
    const Json stats = job.value("statistics", Json::object());
    if (const auto b = number(stats, "totalBytesProcessed"); b && *b >= 0) {
        Bytes out;
        out.total = static_cast<std::uint64_t>(*b);
        out.soFar = out.total;
        return out;
    }
    const Json query = stats.value("query", Json::object());
    const auto estimate = number(query, "estimatedBytesProcessed");
    if (!estimate || *estimate < 0) return std::nullopt;
    Bytes out;
    out.estimated = true;
    out.total = static_cast<std::uint64_t>(*estimate);
    const Json timeline = query.value("timeline", Json::array());
    if (timeline.is_array() && !timeline.empty()) {
        const auto done = number(timeline.back(), "completedUnits"), pending = number(timeline.back(), "pendingUnits");
        if (done && pending && *done >= 0 && *pending >= 0 && *done + *pending > 0)
            out.soFar = static_cast<std::uint64_t>(std::llround(*estimate * *done / (*done + *pending)));
    }
    return out;
}

std::string JobRule::bytesText(const Bytes& b) {
    if (!b.estimated) return text::formatBytes(b.total);
    if (b.soFar) return "\u2248 " + text::formatBytes(*b.soFar) + " of " + text::formatBytes(b.total);
    return "\u2264 " + text::formatBytes(b.total);
}

std::string JobRule::durationText(std::int64_t ms) {
    char buf[48];
    if (ms < 1000) std::snprintf(buf, sizeof buf, "%lldms", static_cast<long long>(ms));
    else if (ms < 60'000) std::snprintf(buf, sizeof buf, "%.1fs", static_cast<double>(ms) / 1000);
    else if (ms < 3'600'000) std::snprintf(buf, sizeof buf, "%lldm%02llds", static_cast<long long>(ms / 60'000), static_cast<long long>(ms / 1000 % 60));
    else std::snprintf(buf, sizeof buf, "%lldh%02lldm", static_cast<long long>(ms / 3'600'000), static_cast<long long>(ms / 60'000 % 60));
    return buf;
}

JobRule::Decision JobRule::evaluate(const Json& job, std::int64_t nowMs, std::optional<double> slots) const {
    Decision d;
    d.matches = true;
    d.remainingMs = remainingMs(job, slots);
    for (const auto& c : conditions_) {
        bool holds = false;
        std::string seen;
        if (isText(c.key)) {
            std::string v;
            if (c.key == "type") v = jobType(job);
            else if (c.key == "state") v = upper(field(job.value("status", Json::object()), "state"));
            else if (c.key == "user") v = field(job, "user_email");
            else v = priority(job);
            const bool equal = c.key == "user" ? v == c.value : upper(v) == c.value;
            holds = c.op == "=" ? equal : !equal;
            seen = c.key + "=" + (v.empty() ? "(none)" : v);
        } else {
            std::optional<std::int64_t> v;
            if (c.key == "elapsed") v = elapsedMs(job, nowMs);
            else if (c.key == "remaining") v = d.remainingMs;
            else if (const auto s = number(job.value("statistics", Json::object()), "totalSlotMs")) v = static_cast<std::int64_t>(*s);
            holds = v && compare(*v, c.op, c.ms);
            seen = c.key + "=" + (v ? durationText(*v) : std::string("unknown")) + (holds ? " " + c.op + " " : " not " + c.op + " ") + c.value;
        }
        if (!d.why.empty()) d.why += "; ";
        d.why += seen;
        d.matches = d.matches && holds;
    }
    return d;
}

} // namespace quarry
