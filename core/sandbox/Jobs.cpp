// SPDX-License-Identifier: MIT
#include "sandbox/JsonFields.h"
#include "sandbox/Jobs.h"
#include "platform/System.h"
#include "sandbox/LoadJob.h"
#include "value/Text.h"
#include "sandbox/sql/Script.h"
#include "sandbox/sql/TimeZone.h"

#include "sandbox/Statements.h"
#include "sandbox/sql/Legacy.h"
#include "sandbox/sql/ScalarExtras.h"

#include "sandbox/sql/Engine.h"
#include "value/FvCodec.h"

#include <algorithm>
#include <random>

namespace quarry::sandbox {

Json errorProto(const std::string& reason, const std::string& message, const std::string& location) {
    Json e = {{"reason", reason}, {"message", message}};
    if (!location.empty()) e["location"] = location;
    return e;
}

std::uint64_t billed(std::uint64_t bytes) {
    if (bytes == 0) return 0;
    constexpr std::uint64_t mb = 1024 * 1024;
    return std::max<std::uint64_t>(10 * mb, (bytes + mb - 1) / mb * mb);
}

namespace {

using sql::Param;
using sql::SqlType;

std::string str(const Json& j, const char* key) {
    const auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string newJobId() {
    static std::mutex m;
    static std::mt19937_64 rng{std::random_device{}()};
    static constexpr char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    std::lock_guard g(m);
    std::string id = "job_";
    for (int i = 0; i < 24; ++i) id.push_back(alphabet[rng() % 36]);
    return id;
}

bool validJobId(const std::string& id) {
    return !id.empty() && id.size() <= 1024 &&
           std::all_of(id.begin(), id.end(), [](unsigned char c) { return std::isalnum(c) || c == '_' || c == '-'; });
}

SqlType paramType(const Json& t, const std::string& name) {
    const std::string type = str(t, "type");
    if (type == "ARRAY") return paramType(objectField(t, "arrayType"), name).arrayOf();
    if (type == "STRUCT") {
        SqlType s = SqlType::scalar(TypeKind::Struct);
        for (const auto& f : arrayField(t, "structTypes"))
            s.fields.emplace_back(str(f, "name"), paramType(objectField(f, "type"), name));
        return s;
    }
    const auto k = parseTypeName(type);
    if (!k || *k == TypeKind::Struct) throw ApiFailure("invalid", "Unknown type '" + type + "' for query parameter " + name, "queryParameters");
    return SqlType::scalar(*k);
}

Value paramValue(const Json& v, const SqlType& t, const std::string& name) {
    if (v.is_null()) return {};
    if (t.array) {
        const auto& arr = arrayField(v, "arrayValues");
        Value out = Value::arrayOf(arr.size());
        for (std::size_t i = 0; i < arr.size(); ++i) out[i] = paramValue(arr[i], t.element(), name);
        return out;
    }
    if (t.kind == TypeKind::Struct) {
        // No structValues at all is a NULL STRUCT (what the Node client sends for one); a
        // STRUCT whose fields are all NULL has structValues naming them.
        if (!v.is_object() || !v.contains("structValues")) return {};
        Value out = Value::structOf(t.fields.size());
        const auto sv = objectField(v, "structValues");
        for (std::size_t i = 0; i < t.fields.size(); ++i)
            if (sv.contains(t.fields[i].first)) out[i] = paramValue(sv[t.fields[i].first], t.fields[i].second, name);
        return out;
    }
    if (!v.contains("value") || v["value"].is_null()) return {};
    const std::string text = v["value"].is_string() ? v["value"].get<std::string>() : v["value"].dump();
    try {
        Field f = t.toField(name.empty() ? "p" : name);
        return FvDecoder(TimestampEncoding::Auto).decodeScalar(text, f);
    } catch (const DecodeError&) {
        throw ApiFailure("invalid", "Invalid value '" + text + "' for query parameter " + (name.empty() ? "?" : "@" + name) +
                                        " of type " + t.name(), "queryParameters");
    }
}

} // namespace

JobManager::JobManager(Store& store, Faults& faults, int workers, JobLimits limits)
    : store_(store), faults_(faults), limits_(limits) {
    for (int i = 0; i < std::max(1, workers); ++i) workers_.emplace_back([this] { worker(); });
}

JobManager::~JobManager() {
    {
        std::lock_guard g(mutex_);
        stopping_ = true;
        for (auto& [_, j] : jobs_) j->cancelRequested = true;
    }
    queued_.notify_all();
    for (auto& w : workers_) w.join();
}

std::shared_ptr<Job> JobManager::find(const std::string& p, const std::string& id, const std::string& location) const {
    std::lock_guard g(mutex_);
    const auto it = jobs_.find(p + "/" + id);
    // A job asked for in another location is not found there, as in BigQuery.
    if (it == jobs_.end() || it->second->withoutJob || (!location.empty() && text::lower(location) != text::lower(it->second->location)))
        throw ApiFailure("notFound", "Not found: Job " + p + ":" + (location.empty() ? std::string() : location + ".") + id);
    return it->second;
}

void JobManager::keepUnfinished(Job& job) {
    // Its id is about to be given out unfinished: from now on it is a job for good.
    if (job.optionalCreation && job.state != "DONE" && job.creationReason.empty()) job.creationReason = "LONG_RUNNING";
}

bool JobManager::settleOptional(Job& job, bool fits) {
    std::lock_guard g(mutex_);
    if (!job.optionalCreation || job.state != "DONE" || !job.creationReason.empty() || job.withoutJob) return job.withoutJob;
    if (job.statementType != "SELECT" || !job.sessionId.empty()) job.creationReason = "OTHER";
    else if (!fits && job.errorResult.is_null()) job.creationReason = "LARGE_RESULTS";
    else job.withoutJob = true;
    return job.withoutJob;
}

std::shared_ptr<Job> JobManager::create(const std::string& project, std::string jobId, const std::string& location,
                                        Json configuration, const std::string& user) {
    auto job = std::make_shared<Job>();
    job->project = project;
    job->id = std::move(jobId);
    job->configuration = std::move(configuration);
    job->user = user.empty() ? defaultUser_ : user;
    const Json q0 = objectField(job->configuration, "query");
    if (q0.contains("priority")) {
        const Json& pr = q0["priority"];
        if (!pr.is_string() || (pr != "INTERACTIVE" && pr != "BATCH"))
            throw ApiFailure("invalid", "Invalid value for priority: " + (pr.is_string() ? pr.get<std::string>() : pr.dump()) +
                                            ". Use INTERACTIVE or BATCH.", "configuration.query.priority");
    }
    if (!job->configuration.contains("jobType"))
        job->configuration["jobType"] = job->configuration.contains("load")   ? "LOAD"
                                        : job->configuration.contains("copy") ? "COPY"
                                                                              : "QUERY";
    const Json q = objectField(job->configuration, "query");
    std::size_t chars = 0;
    if (q.contains("query") && q["query"].is_string())
        for (const unsigned char ch : q["query"].get_ref<const std::string&>()) chars += (ch & 0xC0) != 0x80;
    if (chars > limits_.maxQueryChars)
        throw ApiFailure("invalid", "The query is too large. The maximum standard SQL query length is 1024.00K characters, "
                                    "including comments and white space characters.");
    job->configurationBytes = job->configuration.dump().size();
    job->creationTime = Store::nowMs();
    std::string loc = location;
    if (loc.empty()) {
        auto dd = objectField(objectField(job->configuration, "query"), "defaultDataset");
        for (const char* kind : {"load", "copy"})
            if (job->configuration.contains(kind)) dd = objectField(objectField(job->configuration, kind), "destinationTable");
        if (dd.contains("datasetId")) {
            try {
                loc = store_.datasetLocation(str(dd, "projectId").empty() ? project : str(dd, "projectId"), str(dd, "datasetId"));
            } catch (const ApiFailure&) {
            }
        }
    }
    job->location = loc.empty() ? "US" : loc;
    return job;
}

Json JobManager::insert(const std::string& project, const Json& body, const std::filesystem::path& uploadFile,
                        const std::string& user) {
    if (!body.is_object()) throw ApiFailure("invalid", "Job resource must be a JSON object");
    const auto ref = objectField(body, "jobReference");
    const auto config = objectField(body, "configuration");
    struct RemoveUnlessTaken { // an upload no job took is removed
        std::filesystem::path file;
        ~RemoveUnlessTaken() {
            std::error_code ec;
            if (!file.empty()) std::filesystem::remove(file, ec);
        }
    } upload{uploadFile};
    if (config.contains("load")) {
        if (uploadFile.empty())
            throw ApiFailure("notImplemented", arrayField(objectField(config, "load"), "sourceUris").empty()
                                                   ? "A load job needs its data: upload the file with the request (uploadType=multipart or resumable)."
                                                   : "The sandbox cannot read Cloud Storage (gs://) sources; upload the file with the request instead.");
    } else if (!config.contains("query") && !config.contains("copy")) {
        throw ApiFailure("notImplemented", "Extract jobs are not supported by the sandbox yet; the sandbox runs query, load and copy jobs.");
    }
    std::string id = str(ref, "jobId");
    if (!id.empty() && !validJobId(id))
        throw ApiFailure("invalid", "Invalid job ID \"" + id + "\". Job IDs must be alphanumeric (plus underscores and dashes) and at most 1024 characters long.",
                         "jobReference.jobId");
    auto job = create(project, id.empty() ? newJobId() : id, str(ref, "location"), config, user);
    job->upload = std::exchange(upload.file, {});
    job->creationReason = "REQUESTED";
    if (boolField(config, "dryRun", false)) {
        job->id.clear();
        run(job);
        // BigQuery answers an invalid dry run with the error itself, not a failed job.
        if (!job->errorResult.is_null())
            throw ApiFailure(job->errorResult.value("reason", std::string("invalidQuery")),
                             job->errorResult.value("message", std::string()), job->errorResult.value("location", std::string()));
        return resource(*job);
    }
    {
        std::lock_guard g(mutex_);
        const std::string key = project + "/" + job->id;
        if (jobs_.count(key)) throw ApiFailure("duplicate", "Already Exists: Job " + project + ":" + job->location + "." + job->id);
        jobs_[key] = job;
        order_.push_back(job);
        queue_.push_back(job);
    }
    queued_.notify_one();
    return resource(*job);
}

Json JobManager::get(const std::string& p, const std::string& id, const std::string& location) const {
    return resource(*find(p, id, location));
}

Json JobManager::cancel(const std::string& p, const std::string& id, const std::string& location) {
    auto job = find(p, id, location);
    job->cancelRequested = true;
    {
        std::unique_lock lock(mutex_);
        // A job still in the queue stops at once; a running one stops at its next check.
        if (job->state == "PENDING") {
            queue_.erase(std::remove(queue_.begin(), queue_.end(), job), queue_.end());
            lock.unlock();
            finish(*job, errorProto("stopped", "Job execution was cancelled: User requested cancellation"));
        }
    }
    return {{"kind", "bigquery#jobCancelResponse"}, {"job", resource(*job)}};
}

Json JobManager::list(const std::string& p, const ListFilter& f) const {
    const std::string caller = f.user.empty() ? defaultUser_ : f.user;
    std::vector<std::shared_ptr<Job>> jobs;
    {
        std::lock_guard g(mutex_);
        for (auto it = order_.rbegin(); it != order_.rend(); ++it) {
            const Job& j = **it;
            if (j.project != p || j.parentId != f.parentJobId || j.withoutJob) continue;
            if (!f.allUsers && j.user != caller) continue;
            if (f.minCreationTime && j.creationTime < *f.minCreationTime) continue;
            if (f.maxCreationTime && j.creationTime > *f.maxCreationTime) continue;
            jobs.push_back(*it);
        }
    }
    Json out = Json::array();
    for (const auto& j : jobs) {
        std::string state;
        {
            std::lock_guard g(mutex_);
            state = j->state;
        }
        if (!f.states.empty() &&
            std::none_of(f.states.begin(), f.states.end(), [&](const std::string& s) { return text::lower(s) == text::lower(state); }))
            continue;
        Json r = resource(*j);
        r["state"] = state;
        if (r["status"].contains("errorResult")) r["errorResult"] = r["status"]["errorResult"];
        // MINIMAL (jobs.list's default projection) leaves out the job's configuration.
        if (!f.full) r["configuration"] = {{"jobType", r["configuration"].value("jobType", std::string())}};
        out.push_back(std::move(r));
    }
    return out;
}

std::vector<Json> JobManager::history(const std::string& p, const std::string& user) const {
    std::vector<std::shared_ptr<Job>> jobs;
    {
        std::lock_guard g(mutex_);
        for (const auto& j : order_)
            if (j->project == p && (user.empty() || j->user == user)) jobs.push_back(j);
    }
    std::vector<Json> out;
    for (const auto& j : jobs) out.push_back(resource(*j));
    return out;
}

std::shared_ptr<Job> JobManager::wait(const std::string& p, const std::string& id, const std::string& location,
                                      std::chrono::milliseconds timeout) const {
    auto job = find(p, id, location);
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, timeout, [&] { return job->state == "DONE"; });
    return job;
}

std::shared_ptr<Job> JobManager::query(const std::string& project, const Json& req, const std::string& user) {
    if (!req.is_object() || !req.contains("query") || !req["query"].is_string())
        throw ApiFailure("invalid", "Required parameter is missing: query", "query");
    const std::string requestId = str(req, "requestId");
    if (!requestId.empty()) {
        std::lock_guard g(mutex_);
        const auto it = requestIds_.find(project + "/" + requestId);
        if (it != requestIds_.end()) {
            const auto job = jobs_.at(project + "/" + it->second);
            keepUnfinished(*job);
            return job;
        }
    }
    Json q = {{"query", req["query"]}};
    for (const char* k : {"useLegacySql", "defaultDataset", "useQueryCache", "queryParameters", "parameterMode",
                          "maximumBytesBilled", "maxResults", "connectionProperties", "createSession"})
        if (req.contains(k)) q[k] = req[k];
    Json config = {{"query", q}, {"jobType", "QUERY"}};
    if (req.contains("labels")) config["labels"] = req["labels"]; // a job's labels, as jobs.insert has them
    const std::string mode = str(req, "jobCreationMode");
    if (!mode.empty() && mode != "JOB_CREATION_MODE_UNSPECIFIED" && mode != "JOB_CREATION_REQUIRED" && mode != "JOB_CREATION_OPTIONAL")
        throw ApiFailure("invalid", "Invalid value for jobCreationMode: " + mode + " (JOB_CREATION_REQUIRED or JOB_CREATION_OPTIONAL).",
                         "jobCreationMode");
    if (boolField(req, "dryRun", false)) config["dryRun"] = true;
    Json body = {{"configuration", config}, {"jobReference", {{"location", str(req, "location")}}}};
    if (boolField(req, "dryRun", false)) {
        auto job = create(project, "", str(req, "location"), config, user);
        run(job);
        return job;
    }
    const auto r = insert(project, body, {}, user);
    const std::string id = r["jobReference"]["jobId"].get<std::string>();
    if (mode == "JOB_CREATION_OPTIONAL") {
        std::lock_guard g(mutex_);
        auto& job = *jobs_.at(project + "/" + id);
        job.optionalCreation = true;
        job.creationReason.clear(); // decided once it has run (settleOptional)
    }
    if (!requestId.empty()) {
        std::lock_guard g(mutex_);
        requestIds_[project + "/" + requestId] = id;
    }
    const int timeoutMs = req.contains("timeoutMs") && req["timeoutMs"].is_number_integer() ? req["timeoutMs"].get<int>() : 10000;
    auto job = wait(project, id, {}, std::chrono::milliseconds(std::max(0, timeoutMs)));
    {
        std::lock_guard g(mutex_);
        keepUnfinished(*job);
    }
    return job;
}

void JobManager::worker() {
    while (true) {
        std::shared_ptr<Job> job;
        {
            std::unique_lock lock(mutex_);
            queued_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
            if (stopping_) return;
            job = queue_.front();
            queue_.pop_front();
            if (job->state != "PENDING") continue;
            job->state = "RUNNING";
            job->startTime = Store::nowMs();
        }
        changed_.notify_all();
        run(job);
    }
}

void JobManager::finish(Job& job, Json errorResult) {
    {
        std::lock_guard g(mutex_);
        if (job.state == "DONE") return;
        job.errorResult = std::move(errorResult);
        job.state = "DONE";
        if (!job.startTime) job.startTime = Store::nowMs();
        job.endTime = std::max(Store::nowMs(), job.startTime);
        if (!job.id.empty()) retain(&job);
    }
    changed_.notify_all();
}

std::shared_ptr<const std::vector<Value>> JobManager::results(const Job& j) const {
    std::lock_guard g(mutex_);
    if (j.resultsDropped)
        throw ApiFailure("notFound", "Not found: the results of job " + j.project + ":" + j.location + "." + j.id +
                                         " are no longer kept. The sandbox keeps query results for " +
                                         std::to_string(limits_.resultLifetime.count()) + " hours and " +
                                         std::to_string(limits_.keptBytes >> 20) +
                                         " MB in all, dropping the oldest first; run the query again.");
    return j.rows;
}

std::optional<JobManager::AnonymousTable> JobManager::anonymousTable(const std::string& project, const std::string& dataset,
                                                                    const std::string& table) const {
    if (dataset != kAnonymousDataset || !table.starts_with("anon_")) return std::nullopt;
    std::shared_ptr<Job> job;
    {
        std::lock_guard g(mutex_);
        const auto it = jobs_.find(project + "/" + table.substr(5));
        if (it != jobs_.end()) job = it->second;
    }
    const std::string name = "Not found: Table " + project + ":" + dataset + "." + table;
    if (!job) throw ApiFailure("notFound", name);
    std::lock_guard g(mutex_);
    if (job->state != "DONE" || !job->rows || job->resultsDropped) throw ApiFailure("notFound", name);
    return AnonymousTable{job->schema, job->rows, job->endTime};
}

void JobManager::dropResults(Job& job) {
    if (!job.rows) return;
    for (auto it = cache_.begin(); it != cache_.end();)
        it = it->second.rows == job.rows ? cache_.erase(it) : std::next(it);
    job.rows.reset();
    job.resultBytes = 0;
    job.resultsDropped = true;
}

void JobManager::retain(const Job* keep) {
    const std::int64_t oldest = Store::nowMs() - std::chrono::duration_cast<std::chrono::milliseconds>(limits_.resultLifetime).count();
    std::size_t total = 0;
    for (const auto& j : order_) {
        if (j->state == "DONE" && j->rows && j->endTime < oldest && j.get() != keep) dropResults(*j);
        total += j->resultBytes + j->configurationBytes;
    }
    // order_ is by creation: the oldest results go first, then the oldest finished jobs.
    for (auto it = order_.begin(); total > limits_.keptBytes && it != order_.end(); ++it)
        if ((*it)->state == "DONE" && (*it)->rows && it->get() != keep) {
            total -= (*it)->resultBytes;
            dropResults(**it);
        }
    auto over = [&] { return total > limits_.keptBytes || order_.size() > limits_.keptJobs; };
    for (auto it = order_.begin(); over() && it != order_.end();) {
        Job& j = **it;
        if (j.state != "DONE" || &j == keep) {
            ++it;
            continue;
        }
        total -= j.resultBytes + j.configurationBytes;
        dropResults(j);
        jobs_.erase(j.project + "/" + j.id);
        for (auto r = requestIds_.begin(); r != requestIds_.end();)
            r = r->second == j.id && r->first.starts_with(j.project + "/") ? requestIds_.erase(r) : std::next(r);
        it = order_.erase(it);
    }
}

Faults::Decision JobManager::jobFault(const Job& job) {
    // A rule for jobs with a label (job@KEY=VALUE) is asked first; then the rule for any job.
    const Json labels = objectField(job.configuration, "labels");
    for (const auto& [k, v] : labels.items()) {
        if (!v.is_string()) continue;
        const std::string target = "job@" + k + "=" + v.get<std::string>();
        if (!faults_.names(target)) continue;
        const auto d = faults_.decide(target);
        if (d.delay.count() || d.status) return d;
    }
    return faults_.decide("job");
}

void JobManager::waitOnFault(Job& job) {
    const auto d = jobFault(job);
    const auto start = std::chrono::steady_clock::now(), until = start + d.delay;
    const std::int64_t units = d.delay.count() / 100;
    while (std::chrono::steady_clock::now() < until) {
        if (job.cancelRequested) throw sql::PreparedQuery::Cancelled{};
        if (units > 0) {
            const auto done = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count() / 100;
            job.unitsPending = std::max<std::int64_t>(0, units - done);
            job.unitsDone = std::min<std::int64_t>(done, units);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    // Job-level failures carry BigQuery's job reasons (clients re-run the query on these).
    if (d.status)
        throw ApiFailure(d.status == 429 || d.status == 403 ? "jobRateLimitExceeded"
                         : d.status >= 500                  ? "jobBackendError"
                                                            : "invalid",
                         "Injected fault (sandbox --faults job:" + std::to_string(d.status) + ")");
}

void JobManager::run(const std::shared_ptr<Job>& jobPtr) {
    Job& job = *jobPtr;
    if (!job.configuration.contains("query")) {
        runTransfer(job);
        return;
    }
    const Json q = objectField(job.configuration, "query");
    const bool dryRun = boolField(job.configuration, "dryRun", false);
    try {
        // A query that held much (a sort, a window over millions of rows) leaves that memory
        // with malloc once freed: it is handed back to the system, not kept as the process's
        // size until the next large query (the note is taken after every local below is freed).
        struct GiveBackWhenLarge {
            std::int64_t peak = 0;
            bool given = false;
            void now(std::int64_t p) {
                if (p > (std::int64_t{256} << 20)) platform::releaseFreedMemory();
                given = true;
            }
            ~GiveBackWhenLarge() {
                if (!given) now(peak);
            }
        } giveBack;
        // Everything the query allocates on this thread counts against its budget; the
        // catch below runs after it has been unwound and freed.
        const sql::MemoryBudget budget(limits_.queryMemory);
        struct NotePeak {
            const sql::MemoryBudget& budget;
            std::int64_t& into;
            ~NotePeak() { into = budget.peak(); }
        } notePeak{budget, giveBack.peak};
        std::string text = str(q, "query");
        const bool legacy = sql::isLegacySql(text, boolField(q, "useLegacySql", true));
        StatementScope scope;
        const auto dd = objectField(q, "defaultDataset");
        const std::string ddProject = str(dd, "projectId").empty() ? job.project : str(dd, "projectId");
        const std::string ddDataset = str(dd, "datasetId");
        scope.project = job.project;
        scope.location = job.location;
        scope.defaultProject = ddProject;
        scope.defaultDataset = ddDataset;
        std::string cacheKey = text + "\n" + ddProject + "." + ddDataset;
        for (const auto& p : arrayField(q, "queryParameters")) {
            const std::string name = str(p, "name");
            Param prm;
            prm.type = paramType(objectField(p, "parameterType"), name);
            prm.value = paramValue(objectField(p, "parameterValue"), prm.type, name);
            cacheKey += "\n" + p.dump();
            if (name.empty()) scope.positionalParams.push_back(std::move(prm));
            else scope.namedParams[text::lower(name)] = std::move(prm);
        }
        // A session: createSession makes one; connectionProperties session_id runs in one
        // (one job at a time), with its variables, functions and temporary tables.
        std::shared_ptr<Session> session;
        if (boolField(q, "createSession", false)) session = sessions_.create(job.project);
        for (const auto& p : arrayField(q, "connectionProperties"))
            if (str(p, "key") == "session_id") {
                if (session) throw ApiFailure("invalid", "createSession and a session_id cannot both be given", "connectionProperties");
                session = sessions_.find(job.project, str(p, "value"));
            }
        std::unique_lock<std::mutex> sessionTurn;
        if (session) {
            sessionTurn = std::unique_lock(session->running);
            // A job found the session while the one before it was still ending it (CALL
            // BQ.ABORT_SESSION(), whose client may ask again as soon as it is answered).
            if (session->state->ended)
                throw ApiFailure("invalid", "Session " + session->id + " was not found or has ended. Start a new one with createSession.",
                                 "connectionProperties");
            // A dry run must not change the session: it works on a copy of its state.
            scope.state = dryRun ? std::make_shared<ScriptState>(*session->state) : session->state;
            scope.sessionId = session->id;
            job.sessionId = session->id;
        }
        struct EndIfAborted { // CALL BQ.ABORT_SESSION() ran: the session is gone after this job
            Sessions& sessions;
            std::shared_ptr<Session> session;
            ~EndIfAborted() {
                if (session && session->state->ended) sessions.end(session->id);
            }
        } endIfAborted{sessions_, dryRun ? nullptr : session};
        struct DropDryRunDataset { // a dry run's CREATE TEMP TABLE in a session that had none
            Store& store;
            std::string project, before;
            std::shared_ptr<ScriptState> copy;
            ~DropDryRunDataset() {
                if (!copy || copy->tempDataset.empty() || copy->tempDataset == before) return;
                try {
                    store.deleteDataset(project, copy->tempDataset, true);
                } catch (...) { // gone already; a restart removes it otherwise
                }
            }
        } dropDryRunDataset{store_, job.project, session ? session->state->tempDataset : std::string(),
                            session && dryRun ? scope.state : nullptr};
        // connectionProperties [{"key": "time_zone", "value": "America/Los_Angeles"}]: the
        // default zone of the job's queries, as SET @@time_zone sets it in a script.
        for (const auto& p : arrayField(q, "connectionProperties")) {
            if (str(p, "key") != "time_zone") continue;
            const std::string zone = str(p, "value");
            if (!sql::TimeZone::find(zone)) throw ApiFailure("invalid", "Invalid time zone: " + zone, "connectionProperties");
            scope.timeZone = zone;
            cacheKey += "\ntime_zone=" + zone;
        }
        scope.cancelled = &job.cancelRequested;
        scope.jobHistory = [this, &job](const std::string& project, bool callerOnly) { return history(project, callerOnly ? job.user : std::string()); };
        StatementRunner runner(store_, scope);
        std::optional<std::uint64_t> cap;
        if (q.contains("maximumBytesBilled")) {
            const auto& m = q["maximumBytesBilled"];
            cap = m.is_string() ? std::stoull(m.get<std::string>()) : m.get<std::uint64_t>();
        }
        auto checkCap = [&](std::uint64_t estimate) {
            const std::uint64_t wouldBill = billed(estimate);
            if (cap && wouldBill > *cap)
                throw ApiFailure("bytesBilledLimitExceeded", "Query exceeded limit for bytes billed: " + std::to_string(*cap) +
                                                                 ". " + std::to_string(wouldBill) + " or higher required.");
        };
        std::unique_ptr<sql::PreparedQuery> prepared;
        if (legacy) {
            const auto ctx = runner.queryContext();
            prepared = sql::PreparedQuery::prepare(sql::translateLegacy(text, ctx.resolveTable), runner.queryContext());
        } else {
            const auto script = sql::parseProgram(text);
            std::vector<sql::Statement> statements;
            if (!script.control)
                for (const auto& st : script.steps) statements.push_back(sql::statementAt(script, st.begin));
            // CREATE TEMP FUNCTION ...; SELECT ...: one query with its functions, not a script.
            std::size_t functions = 0;
            while (functions < statements.size() && statements[functions].kind == sql::Statement::Kind::CreateFunction &&
                   statements[functions].temp)
                ++functions;
            if (script.control || functions + 1 != statements.size() || statements.back().kind != sql::Statement::Kind::Query) {
                checkNoDestination(q, script.control || statements.size() > functions + 1, true);
                if (!dryRun) waitOnFault(job);
                runStatements(job, runner, script, dryRun, checkCap, budget);
                return;
            }
            for (std::size_t i = 0; i < functions; ++i) runner.run(std::move(statements[i]), dryRun);
            prepared = sql::PreparedQuery::prepare(std::move(*statements.back().query), runner.queryContext());
        }
        for (const auto& v : prepared->tableVersions()) cacheKey += "\n" + v;
        job.schema = prepared->schema();
        const bool nondeterministic = !prepared->deterministic();
        if (dryRun) {
            job.bytesProcessed = prepared->estimateBytes();
            finish(job, nullptr);
            return;
        }
        // What it will read, known before it runs (a monitor shows it, with the progress).
        const std::uint64_t estimate = prepared->estimateBytes();
        job.estimatedBytes = static_cast<std::int64_t>(estimate);
        waitOnFault(job);
        // A session's query may read its variables and temporary functions: never cached; nor
        // is a result written to a table, which also takes any size.
        const bool toTable = !objectField(q, "destinationTable").empty();
        const bool useCache = boolField(q, "useQueryCache", true) && !nondeterministic && !session && !toTable;
        if (useCache) {
            std::lock_guard g(mutex_);
            const auto it = cache_.find(cacheKey);
            if (it != cache_.end()) {
                job.rows = it->second.rows;
                job.cacheHit = true;
            }
        }
        if (!job.cacheHit) {
            checkCap(estimate);
            const auto before = budget.used();
            auto result = prepared->run();
            planJson(job, result.plan);
            job.bytesProcessed = result.bytesProcessed;
            job.bytesBilled = billed(result.bytesProcessed);
            job.rows = std::make_shared<const std::vector<Value>>(std::move(result.rows));
            job.resultBytes = static_cast<std::size_t>(std::max<std::int64_t>(0, budget.used() - before));
            if (job.resultBytes > limits_.keptBytes && !toTable) {
                job.rows.reset();
                throw ApiFailure("responseTooLarge", "Response too large to return. Consider specifying a destination table in "
                                                     "your job configuration (the sandbox keeps " +
                                                         std::to_string(limits_.keptBytes >> 20) +
                                                         " MB of results: quarry-sandbox --kept-results).");
            }
            if (useCache) {
                std::lock_guard g(mutex_);
                if (cache_.size() > 256) cache_.clear();
                cache_[cacheKey] = {job.schema, job.rows};
            }
        }
        if (job.cancelRequested) throw sql::PreparedQuery::Cancelled{};
        if (toTable && job.rows) writeQueryDestination(store_, job.project, q, job.schema, *job.rows);
        // Before the answer, so that a query sent as soon as it arrives does not start on top
        // of this one's memory: the plan (and the joined tables it read) goes, and what was
        // freed goes back to the system.
        prepared.reset();
        giveBack.now(budget.peak());
        finish(job, nullptr);
    } catch (const sql::PreparedQuery::Cancelled&) {
        finish(job, errorProto("stopped", "Job execution was cancelled: User requested cancellation"));
    } catch (const sql::SqlError& e) {
        finish(job, errorProto("invalidQuery", e.what(), "query"));
    } catch (const sql::EvalError& e) {
        finish(job, errorProto("invalidQuery", e.what(), "query"));
    } catch (const ApiFailure& e) {
        finish(job, errorProto(e.reason(), e.what(), e.location()));
    } catch (const sql::QueryMemoryExceeded&) {
        finish(job, errorProto("resourcesExceeded",
                               "Resources exceeded during query execution: The query could not be executed in the allotted "
                               "memory. The sandbox gives one query " + std::to_string(limits_.queryMemory >> 20) +
                                   " MB at a time (quarry-sandbox --query-memory)."));
    } catch (const std::exception& e) {
        finish(job, errorProto("internalError", std::string("The sandbox failed to run this job: ") + e.what()));
    }
}

} // namespace quarry::sandbox
