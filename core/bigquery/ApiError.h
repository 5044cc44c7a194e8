// SPDX-License-Identifier: MIT
#pragma once

#include "net/HttpClient.h"

#include <stdexcept>
#include <string>

namespace quarry {

/// An error answered by BigQuery (or by whatever stood in the way: a proxy's bare 502).
/// For SQL errors, `line` and `column` come from the message's trailing " at [l:c]".
class ApiError : public std::runtime_error {
public:
    ApiError(long httpStatus, std::string reason, std::string message, std::string location = {},
             std::string status = {});

    long httpStatus() const { return httpStatus_; }
    const std::string& reason() const { return reason_; }       ///< errors[0].reason, e.g. notFound
    const std::string& message() const { return message_; }     ///< error.message
    const std::string& location() const { return location_; }   ///< errors[0].location, e.g. query
    const std::string& status() const { return status_; }       ///< e.g. NOT_FOUND
    int line() const { return line_; }                          ///< 1-based, 0 if none
    int column() const { return column_; }                      ///< 1-based, 0 if none

    /// Builds the error from a non-2xx response (JSON error body or not). Never holds secrets.
    static ApiError fromResponse(const HttpResponse& r);
    /// From an ErrorProto object (a job's status.errorResult).
    static ApiError fromErrorProto(const std::string& json, long httpStatus = 400);

private:
    long httpStatus_;
    std::string reason_, message_, location_, status_;
    int line_ = 0, column_ = 0;
};

/// Parses a trailing " at [l:c]" (1-based). Returns false if there is none.
bool parseSqlPosition(std::string_view message, int& line, int& column);

} // namespace quarry
