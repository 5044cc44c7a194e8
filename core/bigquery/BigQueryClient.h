// SPDX-License-Identifier: MIT
#pragma once

#include "auth/TokenSource.h"
#include "bigquery/ApiError.h"
#include "bigquery/Endpoint.h"
#include "bigquery/References.h"
#include "net/HttpClient.h"
#include "net/RetryPolicy.h"
#include "value/RowPage.h"

#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>

namespace quarry {

using Json = nlohmann::json;

/// The job a jobs.get or jobs.list resource (or a jobs.query answer) names: its jobReference.
inline JobRef jobRefOf(const Json& resource) {
    const Json ref = resource.value("jobReference", Json::object());
    auto text = [&](const char* k) { return ref.contains(k) && ref[k].is_string() ? ref[k].get<std::string>() : std::string(); };
    return {text("projectId"), text("jobId"), text("location")};
}

struct ListRowsOptions {
    std::optional<int> maxResults;
    std::string pageToken;
    std::optional<std::uint64_t> startIndex;
    std::vector<std::string> selectedFields; ///< "a", "e.d.f"
};

struct QueryResultsOptions {
    std::optional<int> timeoutMs;  ///< long-poll time; the server may answer jobComplete=false
    std::optional<int> maxResults; ///< 0 waits for completion without rows
    std::string pageToken;
    std::optional<std::uint64_t> startIndex;
};

struct ErrorProto {
    std::string reason, message, location;
};

/// tabledata.insertAll's answer: HTTP 200 with per-row errors (invalid / stopped).
struct InsertAllResult {
    struct RowError {
        int index = 0;
        std::vector<ErrorProto> errors;
    };
    std::vector<RowError> rowErrors;
    bool ok() const { return rowErrors.empty(); }
};

/// Typed calls of the BigQuery REST v2 API. Blocking and thread-safe; every call takes an
/// optional CancelToken. Non-2xx answers throw ApiError; a missing answer throws
/// TransportError. Retries follow RetryPolicy. `location` learned from job responses is
/// carried into later calls for the same job. TIMESTAMPs are always requested as int64
/// microseconds and `useLegacySql` is always sent.
class BigQueryClient {
public:
    struct Options {
        Endpoint endpoint;
        std::string projectId;
        /// Bearer tokens; none for the sandbox and emulators. A 401 answer invalidates the
        /// token and the call is sent once more with a fresh one.
        std::shared_ptr<auth::TokenSource> tokens;
        /// The Storage API's own tokens (auth::makeStorageTokenSource: self-signed JWTs name
        /// their service); null: `tokens` serve it too.
        std::shared_ptr<auth::TokenSource> storageTokens;
        /// A fixed bearer token (tests); used when `tokens` is unset.
        std::function<std::string()> accessToken;
        /// Sent as X-Goog-User-Project: the project billed for quota (user credentials).
        std::string quotaProject;
        /// The Storage API's endpoint named by hand (--storage-endpoint: a regional or private
        /// one, or a test server); empty: found from `endpoint` (storageApi()).
        StorageApiEndpoint storageEndpoint;
        RetryPolicy retry;
        HttpOptions http;
    };

    explicit BigQueryClient(Options options);
    const std::string& projectId() const { return options_.projectId; }
    const Endpoint& endpoint() const { return options_.endpoint; }
    /// The id of a Quarry sandbox's data folder (its X-Quarry-Data-Id, 32 hex digits) when the
    /// endpoint is a sandbox on this machine, else empty (Google, another emulator, an error).
    std::string sandboxDataId(const std::string& project, const CancelToken* c = nullptr);
    /// Where a Quarry sandbox on this machine serves the BigQuery Storage API (its
    /// X-Quarry-Storage-Api: "127.0.0.1:PORT" plain, "tls:127.0.0.1:PORT" with TLS), else empty.
    StorageApiEndpoint sandboxStorageApi(const std::string& project, const CancelToken* c = nullptr);
    /// Where this client's BigQuery Storage API (Write and Read) is: the endpoint named by hand,
    /// else Google's for Google's REST endpoint (StorageApiEndpoint::googleFor), else a sandbox
    /// on this machine's; empty when none is known (another emulator).
    StorageApiEndpoint storageApi(const std::string& project, const CancelToken* c = nullptr);
    /// The project billed for quota (Options::quotaProject), for the Storage API's calls too.
    const std::string& quotaProject() const { return options_.quotaProject; }
    /// The bearer token calls carry now (empty without sign-in), for another API of the same
    /// service (the Storage API's gRPC calls).
    std::string bearerToken(const CancelToken* c = nullptr);
    /// The bearer token for the Storage API's calls (Options::storageTokens, else bearerToken()).
    std::string storageBearerToken(const CancelToken* c = nullptr);

    // datasets
    Json listDatasets(const std::string& project, const std::string& pageToken = {},
                      std::optional<int> maxResults = {}, const CancelToken* c = nullptr);
    std::vector<Json> listAllDatasets(const std::string& project, const CancelToken* c = nullptr);
    Json getDataset(const std::string& project, const std::string& dataset, const CancelToken* c = nullptr);
    Json insertDataset(const std::string& project, const Json& dataset, const CancelToken* c = nullptr);
    Json patchDataset(const std::string& project, const std::string& dataset, const Json& patch,
                      const CancelToken* c = nullptr);
    void deleteDataset(const std::string& project, const std::string& dataset, bool deleteContents,
                       const CancelToken* c = nullptr);

    // tables
    Json listTables(const std::string& project, const std::string& dataset, const std::string& pageToken = {},
                    std::optional<int> maxResults = {}, const CancelToken* c = nullptr);
    std::vector<Json> listAllTables(const std::string& project, const std::string& dataset,
                                    const CancelToken* c = nullptr);
    Json getTable(const TableRef& t, const CancelToken* c = nullptr);
    Json insertTable(const std::string& project, const std::string& dataset, const Json& table,
                     const CancelToken* c = nullptr);
    Json patchTable(const TableRef& t, const Json& patch, const CancelToken* c = nullptr);
    void deleteTable(const TableRef& t, const CancelToken* c = nullptr);

    // tabledata
    /// One page of rows. Without `knownSchema` the table's schema is fetched first.
    RowPage listRows(const TableRef& t, const ListRowsOptions& o, const Schema* knownSchema = nullptr,
                     const CancelToken* c = nullptr);
    /// `body` is a complete TableDataInsertAllRequest JSON text. With insertIds in every row
    /// the request is idempotent and is retried like any other; `observer` hears each retry.
    InsertAllResult insertAll(const TableRef& t, const std::string& body, const CancelToken* c = nullptr,
                              const RetryObserver* observer = nullptr);

    // jobs
    /// jobs.insert. With a client-chosen jobId, a 409 on a retry means an earlier attempt went
    /// through: the job is fetched with jobs.get instead of failing.
    Json insertJob(const std::string& project, Json job, const CancelToken* c = nullptr);
    Json getJob(const JobRef& j, const CancelToken* c = nullptr);
    Json cancelJob(const JobRef& j, const CancelToken* c = nullptr);
    Json listJobs(const std::string& project, const std::string& pageToken = {},
                  const std::vector<std::string>& stateFilter = {}, std::optional<int> maxResults = {},
                  const CancelToken* c = nullptr);
    /// jobs.list with projection=full; allUsers lists every user's jobs (BigQuery needs
    /// bigquery.jobs.listAll on the project for it).
    struct JobListOptions {
        std::string pageToken;
        std::vector<std::string> stateFilter;
        std::optional<int> maxResults;
        bool allUsers = false;
    };
    Json listJobs(const std::string& project, const JobListOptions& o, const CancelToken* c = nullptr);
    RowPage getQueryResults(const JobRef& j, const QueryResultsOptions& o, const CancelToken* c = nullptr);
    /// jobs.query: the synchronous shortcut. The first page of rows comes back decoded.
    RowPage query(const std::string& project, Json request, const CancelToken* c = nullptr);

    // resumable media uploads (load jobs; BigQueryUploads.cpp)
    struct UploadState {
        bool complete = false;
        std::uint64_t received = 0; ///< bytes the server has acknowledged
        Json job;                   ///< the load job, once complete
    };
    /// Starts a resumable upload for a load job (`job` is the jobs.insert body); returns the
    /// session URI. The URI must be on the endpoint's host: credentials go nowhere else.
    std::string startUpload(const std::string& project, const Json& job, std::optional<std::uint64_t> size,
                            const CancelToken* c = nullptr);
    /// Sends bytes [first, first + data.size()) of the upload; `total` with the last chunk.
    /// A chunk sent again (after a lost answer) is harmless: the server skips what it has.
    UploadState putUpload(const std::string& sessionUri, std::string_view data, std::uint64_t first,
                          std::optional<std::uint64_t> total, const CancelToken* c = nullptr);
    /// How much of the upload the server has, or its job once complete. ApiError 404 when
    /// the session is gone (expired): nothing of it was loaded.
    UploadState uploadStatus(const std::string& sessionUri, std::optional<std::uint64_t> total, const CancelToken* c = nullptr);

    /// The location this client has seen for a job, or empty.
    std::string knownLocation(const std::string& jobId) const;

    /// A fresh client-chosen job id ("quarry_" and 26 random letters and digits).
    static std::string newJobId();

    /// A raw call: `path` is below /bigquery/v2 (e.g. "/projects/p/datasets").
    HttpResponse call(const std::string& method, const std::string& path, const std::string& query = {},
                      const std::string& body = {}, const CancelToken* c = nullptr, bool idempotent = true,
                      const RetryObserver* observer = nullptr);

private:
    /// A header of a loopback sandbox's answer to a cheap call, or empty (not loopback, no
    /// answer, no such header).
    std::string sandboxHeader(const std::string& project, const std::string& name, const CancelToken* c);
    /// One request with the sign-in header, retried per the policy (and once more with a fresh
    /// token after a 401); any status comes back.
    HttpResponse send(HttpRequest req, const CancelToken* c, bool idempotent, const RetryObserver* observer = nullptr);
    UploadState uploadAnswer(const HttpResponse& r);
    Json callJson(const std::string& method, const std::string& path, const std::string& query = {},
                  const Json* body = nullptr, const CancelToken* c = nullptr, bool idempotent = true);
    void remember(const Json& jobReference);
    std::string locationFor(const JobRef& j) const;

    Options options_;
    HttpClient http_;
    mutable std::mutex mutex_;
    std::map<std::string, std::string> jobLocations_;
};

} // namespace quarry
