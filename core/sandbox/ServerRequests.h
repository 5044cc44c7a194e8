// SPDX-License-Identifier: MIT
#pragma once
// The pieces of the sandbox's HTTP handlers that read a request's parameters and write its
// answer: JSON bodies and BigQuery's error envelope, query parameters (maxResults, pageToken,
// startIndex, formatOptions), and pages of rows (tabledata.list, getQueryResults).

#include "sandbox/sql/TableData.h"
#include "value/FvCodec.h"
#include "value/Schema.h"

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace httplib {
struct Request;
struct Response;
} // namespace httplib

namespace quarry::sandbox::requests {

using Json = nlohmann::json;

void sendJson(httplib::Response& res, int status, const Json& body);
/// BigQuery's error envelope for `reason` (its HTTP status and canonical status).
void sendError(httplib::Response& res, const std::string& reason, const std::string& message, const std::string& location = {});

/// A parameter that must be a non-negative 32-bit integer (maxResults), or none; invalid
/// otherwise.
std::optional<int> intParam(const httplib::Request& req, const char* name);
/// A parameter of ms since the epoch (jobs.list's minCreationTime, maxCreationTime).
std::optional<std::int64_t> msParam(const httplib::Request& req, const char* name);
bool boolParam(const httplib::Request& req, const char* name);
/// A parameter that must be a row index; `label` names it in the error.
std::size_t indexParam(const httplib::Request& req, const char* name, const char* label);
/// Where a page starts: pageToken (our tokens are row offsets) wins over startIndex.
std::size_t startFrom(const httplib::Request& req);
/// How TIMESTAMP values are written (formatOptions).
TimestampEncoding tsEncoding(const httplib::Request& req);

/// Appends "rows":[...] for rows[start..] (at most maxRows, at most ~10 MB) and returns the
/// index after the last row written.
std::size_t appendRowsPage(std::string& out, const std::vector<Value>& rows, std::size_t start, std::optional<int> maxRows,
                           const Schema& full, const Schema* projected, TimestampEncoding ts);

/// tabledata.list's selectedFields ("a,rec.b") cut out of `schema`, or none when not given;
/// ApiFailure invalid for a field that does not exist.
std::optional<Schema> selectedFieldsOf(const httplib::Request& req, const Schema& schema);

/// Rows a page of a table read in row groups is taken from when maxResults does not say.
inline constexpr std::size_t kGroupPageRows = 100'000;

/// The rows of `groups` a page from row `start` may list (at most `want`): the groups from
/// the one holding `start` until they hold that many. Returns the index of the first row read.
std::size_t readPageGroups(const sql::RowGroupSource& groups, std::size_t start, std::size_t want, std::vector<Value>& out);

} // namespace quarry::sandbox::requests
