// SPDX-License-Identifier: MIT
#pragma once

#include "Common.h"
#include "Output.h"

#include <optional>

namespace quarry::cli {

struct QueryArgs {
    std::string sql; ///< "-" reads standard input
    bool legacy = false, dryRun = false;
    std::optional<std::int64_t> maxBytes;
    std::optional<std::int64_t> maxRows;
    std::string jobId, location, dataset;
    double pricePerTiB = 6.25;
    bool noHistory = false;
    bool createSession = false; ///< --create-session
    std::string sessionId;      ///< --session-id
    std::string output; ///< write every row to this file (format from --format or its extension)
    bool formatGiven = false; ///< --format was on the command line
    std::string jobCreation = "optional"; ///< --job-creation: optional (short query mode) or required
    std::string api = "auto"; ///< --api: how -o reads the rows: auto, rest (getQueryResults) or read (Storage Read API)
};

/// quarry-cli query: runs (or estimates) a query, prints rows, records the run in the history.
/// An SQL error prints the offending line with a caret under the column. Returns the exit code.
int cmdQuery(const Globals& g, Format f, const QueryArgs& a);
int cmdCancel(const Globals& g, const std::string& jobId, const std::string& location);
/// One job (jobs JOB, show -j JOB): its reference, state, error, times, bytes and query.
int cmdJob(const Globals& g, Format f, const std::string& job);
int cmdHistory(Format f, int last);

/// The line of `sql` at 1-based `line`, and a caret under 1-based `column`.
std::string caretLines(const std::string& sql, int line, int column);

} // namespace quarry::cli
