// SPDX-License-Identifier: MIT
#pragma once

#include <stdexcept>
#include <string>

namespace quarry::sandbox {

/// An error the sandbox answers with BigQuery's envelope. The HTTP status and the canonical
/// status name follow from the reason as in BigQuery's error table.
class ApiFailure : public std::runtime_error {
public:
    ApiFailure(std::string reason, const std::string& message, std::string location = {})
        : std::runtime_error(message), reason_(std::move(reason)), location_(std::move(location)) {}
    const std::string& reason() const { return reason_; }
    const std::string& location() const { return location_; }
    int httpStatus() const { return statusFor(reason_); }

    static int statusFor(const std::string& reason);
    static const char* canonicalStatus(int http);

private:
    std::string reason_, location_;
};

inline int ApiFailure::statusFor(const std::string& r) {
    if (r == "notFound") return 404;
    if (r == "duplicate") return 409;
    if (r == "accessDenied" || r == "billingNotEnabled" || r == "blocked" || r == "quotaExceeded" ||
        r == "rateLimitExceeded" || r == "responseTooLarge")
        return 403;
    if (r == "backendError" || r == "internalError") return 500;
    if (r == "notImplemented") return 501;
    if (r == "stopped") return 499;
    if (r == "authError") return 401;
    if (r == "payloadTooLarge") return 413;
    return 400;
}

inline const char* ApiFailure::canonicalStatus(int http) {
    switch (http) {
    case 400: return "INVALID_ARGUMENT";
    case 401: return "UNAUTHENTICATED";
    case 403: return "PERMISSION_DENIED";
    case 404: return "NOT_FOUND";
    case 409: return "ALREADY_EXISTS";
    case 413: return "INVALID_ARGUMENT";
    case 429: return "RESOURCE_EXHAUSTED";
    case 499: return "CANCELLED";
    case 501: return "UNIMPLEMENTED";
    case 503: return "UNAVAILABLE";
    default: return http >= 500 ? "INTERNAL" : "FAILED_PRECONDITION";
    }
}

} // namespace quarry::sandbox
