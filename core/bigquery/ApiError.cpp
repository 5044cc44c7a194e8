// SPDX-License-Identifier: MIT
#include "bigquery/ApiError.h"
#include "value/JsonParse.h"

#include "net/Redact.h"

#include <charconv>
#include <nlohmann/json.hpp>

namespace quarry {
namespace {

std::string compose(long http, const std::string& reason, const std::string& message) {
    std::string s = reason.empty() ? "HTTP " + std::to_string(http) : reason;
    if (!message.empty()) s += ": " + message;
    return s;
}

std::string statusText(long s) {
    switch (s) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 409: return "Conflict";
    case 413: return "Payload Too Large";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return {};
    }
}

std::string str(const nlohmann::json& o, const char* key) {
    const auto it = o.find(key);
    return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
}

} // namespace

bool parseSqlPosition(std::string_view m, int& line, int& column) {
    const auto at = m.rfind(" at [");
    if (at == std::string_view::npos) return false;
    auto rest = m.substr(at + 5);
    const auto colon = rest.find(':');
    const auto close = rest.find(']');
    if (colon == std::string_view::npos || close == std::string_view::npos || colon > close) return false;
    int l = 0, c = 0;
    auto r1 = std::from_chars(rest.data(), rest.data() + colon, l);
    auto r2 = std::from_chars(rest.data() + colon + 1, rest.data() + close, c);
    if (r1.ec != std::errc() || r2.ec != std::errc() || r1.ptr != rest.data() + colon ||
        r2.ptr != rest.data() + close || l < 1 || c < 1)
        return false;
    line = l;
    column = c;
    return true;
}

ApiError::ApiError(long httpStatus, std::string reason, std::string message, std::string location,
                   std::string status)
    : std::runtime_error(compose(httpStatus, reason, message)), httpStatus_(httpStatus),
      reason_(std::move(reason)), message_(std::move(message)), location_(std::move(location)),
      status_(std::move(status)) {
    parseSqlPosition(message_, line_, column_);
}

ApiError ApiError::fromResponse(const HttpResponse& r) {
    const auto j = parseJsonOrDiscard(r.body);
    if (j.is_object() && j.contains("error") && j["error"].is_object()) {
        const auto& e = j["error"];
        std::string reason, location;
        if (auto errs = e.find("errors"); errs != e.end() && errs->is_array() && !errs->empty() &&
                                          (*errs)[0].is_object()) {
            reason = str((*errs)[0], "reason");
            location = str((*errs)[0], "location");
        }
        std::string message = str(e, "message");
        std::string first;
        if (e.contains("errors") && e["errors"].is_array() && !e["errors"].empty() && e["errors"][0].is_object())
            first = str(e["errors"][0], "message");
        if (message.empty()) message = first;
        // 401s say what was wrong only in errors[0] ("Invalid Credentials", "Invalid JWT ...").
        else if (r.status == 401 && !first.empty() && message.find(first) == std::string::npos)
            message += " (" + first + ")";
        return ApiError(r.status, reason, redact::text(message), location, str(e, "status"));
    }
    // Not a Google error body: a proxy page, an empty body, or garbage. Say what came back.
    std::string snippet = r.body.substr(0, 200);
    for (auto& c : snippet)
        if (c == '\n' || c == '\r' || c == '\t') c = ' ';
    std::string message = "HTTP " + std::to_string(r.status);
    if (const auto t = statusText(r.status); !t.empty()) message += " " + t;
    message += snippet.empty() ? " with an empty body" : " with a non-JSON body: " + redact::text(snippet);
    return ApiError(r.status, {}, message);
}

ApiError ApiError::fromErrorProto(const std::string& json, long httpStatus) {
    const auto e = parseJsonOrDiscard(json);
    if (!e.is_object()) return ApiError(httpStatus, "invalid", "malformed error in response");
    return ApiError(httpStatus, str(e, "reason"), redact::text(str(e, "message")), str(e, "location"));
}

} // namespace quarry
