// SPDX-License-Identifier: MIT
#pragma once

#include "bigquery/BigQueryClient.h"
#include "net/CancelToken.h"

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>

namespace quarry::cli {

/// Options every subcommand shares.
struct Globals {
    std::string endpoint;
    std::string storageEndpoint; ///< --storage-endpoint HOST:PORT (TLS)
    std::string project;
    std::string format = "table";
    bool verbose = false;
    int maxRetries = 7;
    // Sign-in (see core/auth): --key FILE, or --adc, or ADC by default when talking to Google.
    std::string keyFile;
    bool adc = false;
    std::string keyEmail, keyId, passphraseFile;
    std::string tokenMode = "auto"; ///< auto, exchange or self-signed
    bool allowCredentialsToEndpoint = false; ///< send Google credentials to a non-Google endpoint
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
/// A schema as bq takes it: a JSON file ([{"name":...,"type":...}], {"fields":[...]} or a
/// table resource with "schema"), or inline "name:TYPE,name2:TYPE" (TYPE defaults to STRING).
/// UsageError says what is wrong and where.
Schema readSchemaArgument(const std::string& spec);
/// A new table's timePartitioning from --time_partitioning_field/_type/_expiration (seconds, as
/// bq takes it; null when none is given).
Json timePartitioningOf(const std::string& field, const std::string& type, std::int64_t expirationSeconds = 0);
/// A new table's rangePartitioning from --range_partitioning "field,start,end,interval" (null
/// when empty); UsageError when it is not four parts with integer bounds.
Json rangePartitioningOf(const std::string& spec);
/// A new table's clustering from --clustering_fields "a,b" (null when empty).
Json clusteringOf(const std::string& list);
/// The client's project, or UsageError.
std::string requireProject(const BigQueryClient& c);
std::string str(const Json& j, const char* key);
/// "4.0 KB", "10.0 MB", ... (text::formatBytes: binary units, the same text the app shows).
std::string humanBytes(std::uint64_t n);

/// A byte count as people write it: "1000000", "500MB", "1.5 GB", "2TiB" (KB, MB, GB, TB, PB
/// are powers of 1000; KiB, MiB, GiB, TiB, PiB powers of 1024). UsageError names `option`.
std::int64_t parseByteSize(const std::string& text, const std::string& option);

/// A job as the CLI and bq print it: "PROJECT:LOCATION.JOB_ID", "LOCATION.JOB_ID" or a bare
/// JOB_ID (project from `defaultProject`, location from `location` unless the text names one).
JobRef parseJobRef(const std::string& text, const std::string& defaultProject, const std::string& location);
/// "PROJECT:LOCATION.JOB_ID".
std::string jobRefText(const JobRef& j);

/// Turns SIGINT and SIGTERM into a cancel of `token` while it lives (the default handling is
/// put back after). interrupted() tells whether one came, signal() which.
class InterruptWatch {
public:
    explicit InterruptWatch(CancelToken& token);
    ~InterruptWatch();
    InterruptWatch(const InterruptWatch&) = delete;
    InterruptWatch& operator=(const InterruptWatch&) = delete;
    static bool interrupted();
    static int signal();

private:
    std::atomic<bool> done_{false};
    std::thread thread_;
};

} // namespace quarry::cli
