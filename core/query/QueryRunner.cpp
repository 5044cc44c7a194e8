// SPDX-License-Identifier: MIT
#include "query/QueryRunner.h"

#include <algorithm>
#include <cctype>

namespace quarry {
namespace {

std::string lowerTrimmedStart(const std::string& s) {
    std::string out;
    std::size_t i = 0;
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    for (; i < s.size() && out.size() < 16; ++i) out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(s[i]))));
    return out;
}

std::string str(const Json& j, const char* key) {
    const auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::uint64_t u64(const Json& j, const char* key) {
    const auto s = str(j, key);
    return s.empty() ? 0 : std::stoull(s);
}

bool jobLevelRetry(const std::string& reason) {
    return reason == "jobBackendError" || reason == "jobInternalError" || reason == "jobRateLimitExceeded";
}

} // namespace

QueryRunner::QueryRunner(BigQueryClient& client, double pricePerTiB) : client_(client), pricePerTiB_(pricePerTiB) {}

std::string QueryRunner::newJobId() { return BigQueryClient::newJobId(); }

std::optional<bool> QueryRunner::prefixDialect(const std::string& sql) {
    const std::string start = lowerTrimmedStart(sql);
    if (start.rfind("#legacysql", 0) == 0) return true;
    if (start.rfind("#standardsql", 0) == 0) return false;
    return std::nullopt;
}

bool QueryRunner::isLegacy(const std::string& sql, std::optional<bool> choice) {
    if (choice) return *choice;
    return prefixDialect(sql).value_or(false);
}

double QueryRunner::costUsd(std::uint64_t bytes) const {
    return static_cast<double>(bytes) / static_cast<double>(1ULL << 40) * pricePerTiB_;
}

Json QueryRunner::jobConfig(const QueryRequest& r, bool dryRun) const {
    Json q = {{"query", r.sql}, {"useLegacySql", isLegacy(r.sql, r.legacySql)}, {"useQueryCache", r.useQueryCache}};
    if (!r.defaultDataset.empty()) {
        const auto dot = r.defaultDataset.find_last_of(".:");
        q["defaultDataset"] = dot == std::string::npos
                                  ? Json{{"projectId", r.project}, {"datasetId", r.defaultDataset}}
                                  : Json{{"projectId", r.defaultDataset.substr(0, dot)}, {"datasetId", r.defaultDataset.substr(dot + 1)}};
    }
    if (r.maximumBytesBilled) q["maximumBytesBilled"] = std::to_string(*r.maximumBytesBilled);
    // A BigQuery session: start one, or run in one (its variables and temporary tables).
    if (!r.sessionId.empty()) q["connectionProperties"] = Json::array({{{"key", "session_id"}, {"value", r.sessionId}}});
    else if (r.createSession && !dryRun) q["createSession"] = true;
    Json config = {{"query", q}};
    if (dryRun) config["dryRun"] = true;
    return config;
}

std::string QueryRunner::locationFor(const QueryRequest& r, const CancelToken* cancel) {
    if (!r.location.empty() || r.defaultDataset.empty()) return r.location;
    const auto dot = r.defaultDataset.find_last_of(".:");
    const std::string project = dot == std::string::npos ? r.project : r.defaultDataset.substr(0, dot);
    const std::string dataset = dot == std::string::npos ? r.defaultDataset : r.defaultDataset.substr(dot + 1);
    try {
        return str(client_.getDataset(project, dataset, cancel), "location");
    } catch (const ApiError&) {
        return {}; // the query itself will report the missing dataset
    }
}

DryRunResult QueryRunner::dryRun(const QueryRequest& r, const CancelToken* cancel) {
    Json job = {{"configuration", jobConfig(r, true)}};
    if (const auto loc = locationFor(r, cancel); !loc.empty()) job["jobReference"] = {{"location", loc}};
    const auto resp = client_.insertJob(r.project, job, cancel);
    // (BigQuery answers an invalid dry run with an HTTP error; a failed job is handled the same.)
    if (const auto& st = resp.value("status", Json::object()); st.contains("errorResult") && st["errorResult"].is_object())
        throw ApiError::fromErrorProto(st["errorResult"].dump(), 400);
    const auto& q = resp.value("statistics", Json::object()).value("query", Json::object());
    DryRunResult d;
    d.bytesProcessed = u64(q, "totalBytesProcessed");
    if (q.contains("schema")) d.schema = Schema::fromJson(q["schema"]);
    d.estimatedCostUsd = costUsd(d.bytesProcessed);
    return d;
}

void QueryRunner::finish(QueryOutcome& out, const CancelToken* cancel) {
    out.jobResource = client_.getJob(out.job, cancel);
    const auto& status = out.jobResource.value("status", Json::object());
    if (status.contains("errorResult") && status["errorResult"].is_object()) {
        out.error = ApiError::fromErrorProto(status["errorResult"].dump(), status["errorResult"].value("reason", "") == "stopped" ? 499 : 400);
    } else if (status.contains("errors") && status["errors"].is_array()) {
        for (const auto& w : status["errors"]) out.warnings.push_back(w);
    }
    const auto& stats = out.jobResource.value("statistics", Json::object());
    const auto& q = stats.value("query", Json::object());
    out.bytesProcessed = u64(q, "totalBytesProcessed");
    out.bytesBilled = u64(q, "totalBytesBilled");
    out.slotMs = u64(q, "totalSlotMs");
    out.cacheHit = q.value("cacheHit", false);
    out.sessionId = stats.value("sessionInfo", Json::object()).value("sessionId", std::string());
}

QueryOutcome QueryRunner::attach(const JobRef& job, const std::function<void(const StateChange&)>& onState,
                                 const CancelToken* cancel, std::chrono::milliseconds pollTimeout) {
    return follow(job, str(client_.getJob(job, cancel).value("status", Json::object()), "state"), onState, cancel,
                  pollTimeout);
}

QueryOutcome QueryRunner::follow(const JobRef& job, const std::string& initialState,
                                 const std::function<void(const StateChange&)>& onState, const CancelToken* cancel,
                                 std::chrono::milliseconds pollTimeout) {
    QueryOutcome out;
    out.job = job;
    auto note = [&](const std::string& state) {
        if (state.empty() || (!out.states.empty() && out.states.back().state == state)) return;
        out.states.push_back({state, std::chrono::system_clock::now()});
        if (onState) onState(out.states.back());
    };
    note(initialState);
    QueryResultsOptions poll;
    poll.maxResults = 0;
    poll.timeoutMs = static_cast<int>(pollTimeout.count());
    while (true) {
        if (cancel && cancel->isCancelled()) throw TransportError(TransportError::Kind::Cancelled, "query cancelled");
        try {
            const auto page = client_.getQueryResults(job, poll, cancel);
            if (page.jobComplete) {
                out.schema = page.schema;
                out.totalRows = page.totalRows.value_or(0);
                break;
            }
        } catch (const ApiError& e) {
            // A failed job answers getQueryResults with an HTTP error: jobs.get says which.
            if (e.httpStatus() == 404 && e.reason() == "notFound") throw;
            break;
        }
        note(str(client_.getJob(job, cancel).value("status", Json::object()), "state"));
    }
    note("DONE");
    finish(out, cancel);
    return out;
}

QueryOutcome QueryRunner::runOptional(const QueryRequest& r, const std::string& location,
                                      const std::function<void(const StateChange&)>& onState, const CancelToken* cancel) {
    Json body = jobConfig(r, false)["query"];
    body["jobCreationMode"] = "JOB_CREATION_OPTIONAL";
    body["requestId"] = newJobId(); // a retry of this request is answered as the first was
    body["timeoutMs"] = static_cast<int>(r.pollTimeout.count());
    if (!location.empty()) body["location"] = location;
    QueryOutcome out;
    out.job = JobRef{r.project, {}, location};
    out.states.push_back({"RUNNING", std::chrono::system_clock::now()});
    if (onState) onState(out.states.back());
    RowPage page;
    try {
        page = client_.query(r.project, body, cancel);
    } catch (const ApiError& e) {
        out.error = e; // the query's own error: no job either way
        return out;
    } catch (const TransportError&) {
        // Interrupted: if BigQuery made a job meanwhile (the same requestId finds it), the
        // caller hears of it through onSubmit (and cancels it as any other); else it is
        // cancelled here.
        if (cancel && cancel->isCancelled()) {
            try {
                Json again = body;
                again["timeoutMs"] = 0;
                again["maxResults"] = 0;
                JobRef job = jobRefOf(client_.query(r.project, again).meta);
                job.projectId = r.project;
                if (!job.jobId.empty() && r.onSubmit) r.onSubmit(job);
                else if (!job.jobId.empty()) client_.cancelJob(job);
            } catch (const std::exception&) {
            }
        }
        throw;
    }
    const std::string reason = page.meta.value("jobCreationReason", Json::object()).value("code", std::string());
    if (JobRef job = jobRefOf(page.meta); !job.jobId.empty()) {
        job.projectId = r.project;
        if (r.onSubmit) r.onSubmit(job);
        QueryOutcome followed = follow(job, page.jobComplete ? "DONE" : "RUNNING", onState, cancel, r.pollTimeout);
        followed.states.insert(followed.states.begin(), out.states.front());
        followed.jobCreationReason = reason;
        return followed;
    }
    out.queryId = str(page.meta, "queryId");
    out.schema = page.schema;
    out.totalRows = page.totalRows.value_or(static_cast<std::int64_t>(page.rows.size()));
    out.bytesProcessed = u64(page.meta, "totalBytesProcessed");
    out.bytesBilled = u64(page.meta, "totalBytesBilled");
    out.slotMs = u64(page.meta, "totalSlotMs");
    out.cacheHit = page.meta.value("cacheHit", false);
    // What the job's statistics would have said, for those who show times.
    Json stats = Json::object();
    for (const char* k : {"creationTime", "startTime", "endTime"})
        if (page.meta.contains(k)) stats[k] = page.meta[k];
    out.jobResource = {{"statistics", stats}, {"queryId", out.queryId}};
    if (page.meta.contains("errors") && page.meta["errors"].is_array())
        for (const auto& w : page.meta["errors"]) out.warnings.push_back(w);
    out.rows = std::move(page);
    out.states.push_back({"DONE", std::chrono::system_clock::now()});
    if (onState) onState(out.states.back());
    return out;
}

QueryOutcome QueryRunner::run(const QueryRequest& r, const std::function<void(const StateChange&)>& onState,
                              const CancelToken* cancel) {
    const std::string location = locationFor(r, cancel);
    if (r.jobCreationOptional && r.sessionId.empty() && !r.createSession && r.jobId.empty())
        return runOptional(r, location, onState, cancel);
    const bool ownId = r.jobId.empty();
    int reruns = 0;
    while (true) {
        const std::string id = ownId ? newJobId() : r.jobId;
        Json job = {{"jobReference", {{"projectId", r.project}, {"jobId", id}}}, {"configuration", jobConfig(r, false)}};
        if (!location.empty()) job["jobReference"]["location"] = location;
        if (r.onSubmit) r.onSubmit(JobRef{r.project, id, location});
        const auto inserted = client_.insertJob(r.project, job, cancel);
        JobRef ref{r.project, id, str(inserted.value("jobReference", Json::object()), "location")};
        if (r.onSubmit && ref.location != location) r.onSubmit(ref);
        auto out = follow(ref, str(inserted.value("status", Json::object()), "state"), onState, cancel, r.pollTimeout);
        out.reruns = reruns;
        if (out.error && jobLevelRetry(out.error->reason()) && ownId && reruns < 3) {
            ++reruns;
            continue;
        }
        return out;
    }
}

CancelOutcome QueryRunner::cancel(const JobRef& job, const CancelToken* cancel) {
    CancelOutcome out;
    const auto before = client_.getJob(job, cancel);
    if (str(before.value("status", Json::object()), "state") == "DONE") {
        out.alreadyDone = true;
        out.jobResource = before;
        return out;
    }
    client_.cancelJob(job, cancel);
    QueryResultsOptions poll;
    poll.maxResults = 0;
    poll.timeoutMs = 10'000;
    while (true) {
        out.jobResource = client_.getJob(job, cancel);
        if (str(out.jobResource.value("status", Json::object()), "state") == "DONE") break;
        try {
            client_.getQueryResults(job, poll, cancel);
        } catch (const ApiError&) {
            // stopped jobs answer with an error: the next jobs.get shows DONE
        }
    }
    const auto& status = out.jobResource.value("status", Json::object());
    out.stopped = status.contains("errorResult") && status["errorResult"].value("reason", "") == "stopped";
    out.alreadyDone = !out.stopped;
    return out;
}

std::vector<JobRef> QueryRunner::runningJobs(const std::string& project, const CancelToken* cancel) {
    std::vector<JobRef> out;
    std::string token;
    do {
        const auto page = client_.listJobs(project, token, {"running", "pending"}, {}, cancel);
        for (const auto& j : page.value("jobs", Json::array())) out.push_back(jobRefOf(j));
        token = str(page, "nextPageToken");
    } while (!token.empty());
    return out;
}

} // namespace quarry
