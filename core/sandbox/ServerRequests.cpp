// SPDX-License-Identifier: MIT
#include "sandbox/ServerRequests.h"

#include "sandbox/ApiFailure.h"
#include "value/FvCodec.h"
#include "value/Text.h"

#include <httplib.h>
#include <limits>

namespace quarry::sandbox::requests {
namespace {

constexpr std::size_t kMaxPageBytes = 10 * 1024 * 1024;

} // namespace

void sendJson(httplib::Response& res, int status, const Json& body) {
    res.status = status;
    res.set_content(body.dump(), "application/json; charset=UTF-8");
}

void sendError(httplib::Response& res, const std::string& reason, const std::string& message, const std::string& location) {
    const int status = ApiFailure::statusFor(reason);
    Json err = {{"message", message}, {"domain", "global"}, {"reason", reason}};
    if (!location.empty()) {
        err["location"] = location;
        err["locationType"] = location == "query" ? "other" : "parameter";
    }
    sendJson(res, status,
             {{"error", {{"code", status}, {"message", message}, {"errors", Json::array({err})},
                         {"status", ApiFailure::canonicalStatus(status)}}}});
}

std::optional<int> intParam(const httplib::Request& req, const char* name) {
    if (!req.has_param(name)) return std::nullopt;
    const auto v = req.get_param_value(name);
    try {
        std::size_t used = 0;
        const long long n = std::stoll(v, &used);
        if (used != v.size() || n < 0 || n > INT32_MAX) throw std::invalid_argument("");
        return static_cast<int>(n);
    } catch (...) {
        throw ApiFailure("invalid", "Invalid value for " + std::string(name) + ": \"" + v + "\"", name);
    }
}

/// A parameter of ms since the epoch (jobs.list's minCreationTime, maxCreationTime).
std::optional<std::int64_t> msParam(const httplib::Request& req, const char* name) {
    if (!req.has_param(name)) return std::nullopt;
    const auto v = req.get_param_value(name);
    try {
        std::size_t used = 0;
        const long long n = std::stoll(v, &used);
        if (used != v.size() || n < 0) throw std::invalid_argument("");
        return n;
    } catch (...) {
        throw ApiFailure("invalid", "Invalid value for " + std::string(name) + ": \"" + v + "\" (milliseconds since the epoch)", name);
    }
}

bool boolParam(const httplib::Request& req, const char* name) {
    return req.has_param(name) && text::lower(req.get_param_value(name)) == "true";
}

std::size_t indexParam(const httplib::Request& req, const char* name, const char* label) {
    const auto t = req.get_param_value(name);
    try {
        std::size_t used = 0;
        const auto n = std::stoull(t, &used);
        if (used == t.size()) return n;
    } catch (...) {
    }
    throw ApiFailure("invalid", std::string("Invalid ") + label + ": " + t, name);
}

/// Where a page starts: pageToken (our tokens are row offsets) wins over startIndex.
std::size_t startFrom(const httplib::Request& req) {
    if (req.has_param("pageToken")) return indexParam(req, "pageToken", "page token");
    if (req.has_param("startIndex")) return indexParam(req, "startIndex", "startIndex");
    return 0;
}

TimestampEncoding tsEncoding(const httplib::Request& req) {
    if (req.has_param("formatOptions.timestampOutputFormat")) {
        const auto f = req.get_param_value("formatOptions.timestampOutputFormat");
        if (f == "INT64") return TimestampEncoding::Int64Micros;
        if (f == "ISO8601_STRING") return TimestampEncoding::Iso8601;
    }
    if (req.has_param("formatOptions.useInt64Timestamp") && req.get_param_value("formatOptions.useInt64Timestamp") == "true")
        return TimestampEncoding::Int64Micros;
    return TimestampEncoding::FloatSeconds;
}

/// Appends "rows":[...] for rows[start..] (at most maxRows, at most ~10 MB) and returns the
/// index after the last row written.
std::size_t appendRowsPage(std::string& out, const std::vector<Value>& rows, std::size_t start, std::optional<int> maxRows,
                           const Schema& full, const Schema* projected, TimestampEncoding ts) {
    const FvEncoder enc(ts);
    const Schema& shape = projected ? *projected : full;
    std::size_t i = start;
    const std::size_t limit = maxRows ? std::min(rows.size(), start + static_cast<std::size_t>(*maxRows)) : rows.size();
    if (i >= limit) return i;
    out += ",\"rows\":[";
    const auto begin = out.size();
    for (; i < limit; ++i) {
        if (i > start) out.push_back(',');
        if (projected) enc.appendRow(out, projectRow(rows[i], full, *projected), shape.fields);
        else enc.appendRow(out, rows[i], shape.fields);
        if (out.size() - begin > kMaxPageBytes) {
            ++i;
            break;
        }
    }
    out += "]";
    return i;
}

/// The rows of `groups` a page from row `start` may list (at most `want`): the groups from
/// the one holding `start` until they hold that many. Returns the index of the first row read.
std::size_t readPageGroups(const sql::RowGroupSource& groups, std::size_t start, std::size_t want, std::vector<Value>& out) {
    std::size_t g = 0, at = 0;
    while (g < groups.groups() && at + groups.rowsIn(g) <= start) at += static_cast<std::size_t>(groups.rowsIn(g++));
    const std::size_t first = at;
    for (; g < groups.groups() && at < start + std::max<std::size_t>(want, 1); ++g) {
        auto part = groups.read(g, {});
        at += part.size();
        std::move(part.begin(), part.end(), std::back_inserter(out));
    }
    return first;
}

std::optional<Schema> selectedFieldsOf(const httplib::Request& req, const Schema& schema) {
    if (!req.has_param("selectedFields") || req.get_param_value("selectedFields").empty()) return std::nullopt;
    std::vector<std::string> sel;
    const std::string s = req.get_param_value("selectedFields");
    std::size_t pos = 0;
    while (pos <= s.size()) {
        const auto c = s.find(',', pos);
        auto part = s.substr(pos, c == std::string::npos ? std::string::npos : c - pos);
        while (!part.empty() && part.front() == ' ') part.erase(0, 1);
        if (!part.empty()) sel.push_back(part);
        if (c == std::string::npos) break;
        pos = c + 1;
    }
    try {
        return projectSchema(schema, sel);
    } catch (const SchemaError& e) {
        throw ApiFailure("invalid", e.what(), "selectedFields");
    }
}

} // namespace quarry::sandbox::requests
