// SPDX-License-Identifier: MIT
#pragma once

#include "bigquery/BigQueryClient.h"

#include <chrono>
#include <functional>
#include <optional>

namespace quarry {

/// One query to run (or estimate).
struct QueryRequest {
    std::string sql;
    std::string project;
    std::string location;       ///< empty: the default dataset's, else the server's default
    std::string defaultDataset; ///< "dataset" or "project.dataset"
    std::optional<bool> legacySql; ///< unset: "#legacySQL"/"#standardSQL" first line, else GoogleSQL
    std::optional<std::int64_t> maximumBytesBilled;
    bool useQueryCache = true;
    /// Run in this BigQuery session (connectionProperties session_id), or, when empty and
    /// createSession is set, start one (QueryOutcome::sessionId names it).
    std::string sessionId;
    bool createSession = false;
    std::string jobId; ///< empty: a fresh client-generated id (safe to retry)
    std::chrono::milliseconds pollTimeout{10'000};
    /// Called with each job's reference just before jobs.insert sends it (so that a caller
    /// interrupted meanwhile can still cancel it); the location may be empty then.
    std::function<void(const JobRef&)> onSubmit;
    /// Short query mode: jobs.query with jobCreationMode JOB_CREATION_OPTIONAL, so a query
    /// answered whole needs no job (QueryOutcome::queryId, ::rows). Not with a session or a
    /// caller-chosen jobId; a job BigQuery makes anyway (QueryOutcome::jobCreationReason) is
    /// followed as usual.
    bool jobCreationOptional = false;
};

struct StateChange {
    std::string state; ///< PENDING, RUNNING, DONE
    std::chrono::system_clock::time_point at;
};

struct QueryOutcome {
    JobRef job;
    Json jobResource;            ///< the final jobs.get answer
    std::optional<ApiError> error; ///< set when the job failed (errorResult) or was cancelled
    std::vector<Json> warnings;  ///< status.errors of a job that succeeded
    std::vector<StateChange> states;
    Schema schema;
    std::int64_t totalRows = 0;
    std::uint64_t bytesProcessed = 0, bytesBilled = 0;
    std::uint64_t slotMs = 0;
    bool cacheHit = false;
    std::string sessionId; ///< the session the job ran in (statistics.sessionInfo)
    int reruns = 0; ///< times the query was re-submitted after a job-level backend error
    /// Short query mode: answered without a job (job.jobId empty), the query's id and every
    /// row; with a job, why BigQuery made one (LONG_RUNNING, LARGE_RESULTS, OTHER).
    std::string queryId;
    std::optional<RowPage> rows;
    std::string jobCreationReason;
    bool ok() const { return !error; }
};

struct DryRunResult {
    Schema schema;
    std::uint64_t bytesProcessed = 0;
    double estimatedCostUsd = 0;
};

struct CancelOutcome {
    bool stopped = false;      ///< the job ended because of the cancel
    bool alreadyDone = false;  ///< it had finished before the cancel took effect
    Json jobResource;
};

/// Runs BigQuery query jobs the way the official clients do: jobs.insert with a client job
/// id, getQueryResults long polls (maxResults=0, no client sleeps), jobs.get to confirm the
/// final state; errorResult is failure, errors alone are warnings; jobBackendError,
/// jobInternalError and jobRateLimitExceeded re-run the query under a new id. Thread-safe.
class QueryRunner {
public:
    /// `pricePerTiB`: on-demand price for cost estimates (BigQuery's list price by default).
    explicit QueryRunner(BigQueryClient& client, double pricePerTiB = 6.25);

    QueryOutcome run(const QueryRequest& r, const std::function<void(const StateChange&)>& onState = {},
                     const CancelToken* cancel = nullptr);
    /// Waits for a job that is already running (after a restart) and reports it like run().
    QueryOutcome attach(const JobRef& job, const std::function<void(const StateChange&)>& onState = {},
                        const CancelToken* cancel = nullptr, std::chrono::milliseconds pollTimeout = std::chrono::seconds(10));
    DryRunResult dryRun(const QueryRequest& r, const CancelToken* cancel = nullptr);
    /// jobs.cancel, then waits until the job reports DONE.
    CancelOutcome cancel(const JobRef& job, const CancelToken* cancel = nullptr);
    /// Jobs of the project that are still running (to re-attach after a restart).
    std::vector<JobRef> runningJobs(const std::string& project, const CancelToken* cancel = nullptr);

    double costUsd(std::uint64_t bytes) const;
    static std::string newJobId();
    /// Whether the text is legacy SQL: explicit choice, else its "#legacySQL" first line.
    /// The dialect a "#legacySQL" (true) or "#standardSQL" (false) first line asks for, if any.
    static std::optional<bool> prefixDialect(const std::string& sql);
    static bool isLegacy(const std::string& sql, std::optional<bool> choice);

private:
    Json jobConfig(const QueryRequest& r, bool dryRun) const;
    std::string locationFor(const QueryRequest& r, const CancelToken* cancel);
    void finish(QueryOutcome& out, const CancelToken* cancel);
    QueryOutcome runOptional(const QueryRequest& r, const std::string& location,
                             const std::function<void(const StateChange&)>& onState, const CancelToken* cancel);
    QueryOutcome follow(const JobRef& job, const std::string& initialState,
                        const std::function<void(const StateChange&)>& onState, const CancelToken* cancel,
                        std::chrono::milliseconds pollTimeout);

    BigQueryClient& client_;
    double pricePerTiB_;
};

} // namespace quarry
