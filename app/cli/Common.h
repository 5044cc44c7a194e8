// SPDX-License-Identifier: MIT
#pragma once

#include "bigquery/BigQueryClient.h"

#include <string>

namespace quarry::cli {

/// Options every subcommand shares.
struct Globals {
    std::string endpoint;
    std::string project;
    std::string format = "table";
    bool verbose = false;
    int maxRetries = 7;
};

/// A usage problem found after parsing (exit code 2).
struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

BigQueryClient makeClient(const Globals& g);
/// The client's project, or UsageError.
std::string requireProject(const BigQueryClient& c);
std::string str(const Json& j, const char* key);
/// "4.1 kB", "10 MB", ... (decimal units).
std::string humanBytes(std::uint64_t n);

} // namespace quarry::cli
