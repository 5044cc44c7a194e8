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
    // Sign-in (see core/auth): --key FILE, or --adc, or ADC by default when talking to Google.
    std::string keyFile;
    bool adc = false;
    std::string keyEmail, keyId, passphraseFile;
    std::string tokenMode = "auto"; ///< auto, exchange or self-signed
};

/// A usage problem found after parsing (exit code 2).
struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// The credentials the globals select: --key, --adc, ADC for Google's endpoint, else none.
/// Warnings (a key file others can read) go to stderr.
auth::Credentials credentialsFor(const Globals& g, const Endpoint& endpoint);
BigQueryClient::Options clientOptions(const Globals& g, auth::Credentials* used = nullptr);
BigQueryClient makeClient(const Globals& g);
/// The first line of a file holding a passphrase (never a command-line argument).
std::string readPassphraseFile(const std::string& path);
/// The client's project, or UsageError.
std::string requireProject(const BigQueryClient& c);
std::string str(const Json& j, const char* key);
/// "4.0 KB", "10.0 MB", ... (text::formatBytes: binary units, the same text the app shows).
std::string humanBytes(std::uint64_t n);

} // namespace quarry::cli
