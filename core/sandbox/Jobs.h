// SPDX-License-Identifier: MIT
#pragma once

#include "sandbox/Faults.h"
#include "sandbox/Limits.h"
#include "sandbox/sql/MemoryBudget.h"
#include "sandbox/Sessions.h"
#include "sandbox/Store.h"
#include "sandbox/Statements.h"
#include "sandbox/sql/Script.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <memory>
#include <thread>

namespace quarry::sandbox {

/// One job and, once DONE, its result.
struct Job {
    std::string project, id, location;
    Json configuration;
    std::string state = "PENDING";
    std::int64_t creationTime = 0, startTime = 0, endTime = 0;
    Json errorResult;          ///< null unless failed
    std::uint64_t bytesProcessed = 0, bytesBilled = 0;
    bool cacheHit = false;
    std::string statementType = "SELECT";
    std::optional<std::int64_t> numDmlAffectedRows; ///< DML only
    Json dmlStats;                                  ///< insertedRowCount, updatedRowCount, deletedRowCount
    Json ddl; ///< ddlOperationPerformed and ddlTargetTable / ddlTargetDataset, for DDL
    Schema schema;
    std::shared_ptr<const std::vector<Value>> rows; ///< shared with the result cache
    Json queryPlan = Json::array(); ///< statistics.query.queryPlan of the run (empty from the cache)
    Json timeline = Json::array();
    std::atomic<bool> cancelRequested{false};
    std::size_t configurationBytes = 0; ///< the configuration as sent
    std::size_t resultBytes = 0;        ///< memory the result rows hold
    bool resultsDropped = false;        ///< past JobLimits: the rows are gone, the job's record stays
    std::string parentId;               ///< a script's statement: the script's job
    Json scriptStatistics;              ///< a script's statement: evaluationKind and stackFrames
    int numChildJobs = 0;               ///< a script: the statements it ran
    std::string sessionId;              ///< the session the job made or ran in
    std::filesystem::path upload;       ///< a load job's uploaded file (removed when the job ends)
    Json errors = Json::array();        ///< status.errors beyond errorResult (a load's bad rows)
    Json transferStats;                 ///< statistics.load or statistics.copy of a finished load or copy job
    std::string user;                   ///< who made it: the token's account, or the caller's (see JobManager::insert)
    /// Work of a running job, as statistics.query.timeline reports it: units done and still
    /// to do (-1: not known). Only a job slowed by --faults knows them before it ends.
    std::atomic<std::int64_t> unitsDone{-1}, unitsPending{-1};
    /// The bytes a running query was estimated to process once bound (-1: not yet), as
    /// statistics.query.estimatedBytesProcessed reports it while the job runs.
    std::atomic<std::int64_t> estimatedBytes{-1};
    /// jobCreationReason.code (under JobManager::mutex_): REQUESTED for jobs.insert and a
    /// jobs.query that asks for a job; with JOB_CREATION_OPTIONAL the reason one was needed
    /// (LONG_RUNNING, LARGE_RESULTS, OTHER), or empty once answered without one.
    std::string creationReason;
    bool optionalCreation = false; ///< jobs.query with jobCreationMode JOB_CREATION_OPTIONAL
    /// Answered without a job (short query mode): jobs.get, jobs.list and jobs.cancel do not
    /// know it; INFORMATION_SCHEMA.JOBS keeps it under its queryId (its id).
    bool withoutJob = false;
};

/// An ErrorProto: reason, message and (when given) location.
Json errorProto(const std::string& reason, const std::string& message, const std::string& location = {});
/// The bytes a query is billed for: rounded up to a MB, at least 10 MB (none for 0).
std::uint64_t billed(std::uint64_t bytes);

/// statistics.query.queryPlan and timeline of a job from the stages that ran.
void planJson(Job& job, const std::vector<sql::PlanStage>& plan);

/// Runs query jobs on a worker pool: PENDING -> RUNNING -> DONE, with cancel, long-polling,
/// a result cache keyed by query text and table versions, dry runs and byte caps.
class JobManager {
public:
    JobManager(Store& store, Faults& faults, int workers = 2, JobLimits limits = {});
    ~JobManager();

    /// jobs.insert by `user` (an email; empty: the sandbox's default user). A dry run is
    /// answered at once and not stored. A load job's data comes as `upload` (a file the job
    /// takes over and removes when it ends).
    Json insert(const std::string& project, const Json& body, const std::filesystem::path& upload = {},
                const std::string& user = {});
    Json get(const std::string& project, const std::string& jobId, const std::string& location) const;
    Json cancel(const std::string& project, const std::string& jobId, const std::string& location);
    /// jobs.list's filters: the caller's jobs only unless allUsers, states, creation times
    /// (ms since the epoch, inclusive), a script's statements; MINIMAL leaves out configuration.
    struct ListFilter {
        std::vector<std::string> states;
        std::string parentJobId;
        std::string user; ///< the caller
        bool allUsers = false;
        bool full = false;
        std::optional<std::int64_t> minCreationTime, maxCreationTime;
    };
    /// Top-level jobs (or a script's statements), newest first.
    Json list(const std::string& project, const ListFilter& filter) const;
    /// The user jobs are made by when the request names none (Server::Options::user).
    void setDefaultUser(std::string email) { defaultUser_ = std::move(email); }

    /// Waits until the job is DONE or `timeout` passes (the getQueryResults long poll).
    std::shared_ptr<Job> wait(const std::string& project, const std::string& jobId, const std::string& location,
                              std::chrono::milliseconds timeout) const;
    /// jobs.query by `user`: starts (or, for a repeated requestId, finds) the job, waits up to
    /// timeoutMs. Returns the job; a dry run returns a finished, unstored job.
    std::shared_ptr<Job> query(const std::string& project, const Json& request, const std::string& user = {});

    Json resource(const Job& j) const;
    /// A JOB_CREATION_OPTIONAL query that has finished: answered whole (`fits`: every row in
    /// the response) it needs no job; else a job is kept for the next pages (LARGE_RESULTS).
    /// A statement other than a query, or one in a session, always keeps its job (OTHER).
    /// Returns whether it was answered without a job.
    bool settleOptional(Job& job, bool fits);
    /// Every job of the project the sandbox keeps (children of scripts too), oldest first;
    /// with `user`, only that user's.
    std::vector<Json> history(const std::string& project, const std::string& user = {}) const;
    /// A finished job's rows (null for none). Throws notFound once JobLimits dropped them.
    std::shared_ptr<const std::vector<Value>> results(const Job& j) const;

    /// A query job's result as BigQuery keeps it, in an anonymous table its resource names
    /// (configuration.query.destinationTable: dataset kAnonymousDataset, table "anon_" + the
    /// job's id) that the Storage Read API, tables.get and tabledata.list read. nullopt for a
    /// name that is not such a table;
    /// throws ApiFailure notFound for one whose job or rows are gone.
    struct AnonymousTable {
        Schema schema;
        std::shared_ptr<const std::vector<Value>> rows;
        std::int64_t madeMs = 0; ///< when the job ended (the table's creationTime)
    };
    static constexpr const char* kAnonymousDataset = "_quarry_anonymous";
    std::optional<AnonymousTable> anonymousTable(const std::string& project, const std::string& dataset, const std::string& table) const;

private:
    std::shared_ptr<Job> find(const std::string& project, const std::string& jobId, const std::string& location = {}) const;
    std::shared_ptr<Job> create(const std::string& project, std::string jobId, const std::string& location,
                                Json configuration, const std::string& user);
    /// Under mutex_: a JOB_CREATION_OPTIONAL query answered unfinished (its id given out)
    /// stays a job, LONG_RUNNING.
    void keepUnfinished(Job& job);
    /// What --faults does to a query job's run: a rule for one of its labels, else `job`'s.
    Faults::Decision jobFault(const Job& job);
    /// Fault injection (--faults job:delay=...,job:503): waits out the job's delay, which a
    /// cancel interrupts, counting its work in units of 100 ms for the timeline; then throws
    /// the injected failure, if any.
    void waitOnFault(Job& job);
    void run(const std::shared_ptr<Job>& job);
    /// Load and copy jobs (JobsLoad.cpp).
    void runTransfer(Job& job);
    /// DML, DDL and scripts: runs the statements in order (a script's each as a child job);
    /// the job's rows are the last one's.
    void runStatements(Job& job, StatementRunner& runner, const sql::Script& script, bool dryRun,
                       const std::function<void(std::uint64_t)>& checkCap, const sql::MemoryBudget& budget);
    /// Records a statement a script ran as a finished child job of `parent`.
    void addChild(Job& parent, const struct ScriptEvent& ev, std::size_t resultBytes);
    void worker();
    void finish(Job& job, Json errorResult);
    /// Under mutex_: drops results and jobs past limits_, oldest first, never `keep`'s.
    void retain(const Job* keep);
    void dropResults(Job& job);

    Store& store_;
    Faults& faults_;
    mutable std::mutex mutex_;
    mutable std::condition_variable changed_;
    std::condition_variable queued_;
    std::map<std::string, std::shared_ptr<Job>> jobs_; ///< key: project + "/" + jobId
    std::vector<std::shared_ptr<Job>> order_;           ///< creation order, for jobs.list
    std::map<std::string, std::string> requestIds_;     ///< project/requestId -> jobId
    std::deque<std::shared_ptr<Job>> queue_;
    struct Cached {
        Schema schema;
        std::shared_ptr<const std::vector<Value>> rows;
    };
    std::map<std::string, Cached> cache_;
    JobLimits limits_;
    std::string defaultUser_ = "sandbox@quarry.local";
    bool stopping_ = false;
    std::int64_t lastChildCreation_ = 0; ///< under mutex_
    Sessions sessions_;
    std::vector<std::thread> workers_;
};

} // namespace quarry::sandbox
