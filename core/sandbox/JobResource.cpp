// SPDX-License-Identifier: MIT
// How a job looks in the API: its resource (jobs.get, jobs.list, jobs.insert's answer) and the
// query plan and timeline in BigQuery's shape.
#include "sandbox/JsonFields.h"
#include "sandbox/Jobs.h"

#include <algorithm>

namespace quarry::sandbox {

// The plan in BigQuery's shape. The sandbox runs each stage on one thread and does not split
// waiting, reading and writing from computing: all of a stage's time is compute, and the
// ratios compare stages with the longest one, as BigQuery's do.
void planJson(Job& job, const std::vector<sql::PlanStage>& plan) {
    double longest = 0;
    for (const auto& s : plan) longest = std::max(longest, s.durationMs);
    Json stages = Json::array();
    double slotMs = 0;
    for (const auto& s : plan) {
        const double ratio = longest > 0 ? s.durationMs / longest : 0;
        // A stage split into parts: its slots' time is theirs together, its average a part's.
        double total = s.durationMs, most = s.durationMs;
        if (!s.partMs.empty()) {
            total = 0;
            most = 0;
            for (const double ms : s.partMs) {
                total += ms;
                most = std::max(most, ms);
            }
        }
        slotMs += total;
        const double average = total / std::max(1, s.parallelInputs);
        Json steps = Json::array();
        for (const auto& [kind, sub] : s.steps) steps.push_back({{"kind", kind}, {"substeps", sub}});
        Json inputs = Json::array();
        for (int i : s.inputStages) inputs.push_back(std::to_string(i));
        stages.push_back({{"name", s.name},
                          {"id", std::to_string(s.id)},
                          {"inputStages", inputs},
                          {"status", "COMPLETE"},
                          {"startMs", std::to_string(s.startMs)},
                          {"endMs", std::to_string(s.endMs)},
                          {"recordsRead", std::to_string(s.recordsRead)},
                          {"recordsWritten", std::to_string(s.recordsWritten)},
                          {"parallelInputs", std::to_string(s.parallelInputs)},
                          {"completedParallelInputs", std::to_string(s.parallelInputs)},
                          {"waitRatioAvg", 0.0}, {"waitRatioMax", 0.0},
                          {"readRatioAvg", 0.0}, {"readRatioMax", 0.0},
                          {"computeRatioAvg", ratio}, {"computeRatioMax", ratio},
                          {"writeRatioAvg", 0.0}, {"writeRatioMax", 0.0},
                          {"computeMsAvg", std::to_string(static_cast<std::int64_t>(average))},
                          {"computeMsMax", std::to_string(static_cast<std::int64_t>(most))},
                          {"steps", steps}});
    }
    job.queryPlan = std::move(stages);
    if (!plan.empty()) {
        const std::int64_t elapsed = plan.back().endMs - plan.front().startMs;
        job.timeline = Json::array({{{"elapsedMs", std::to_string(elapsed)},
                                     {"totalSlotMs", std::to_string(std::max(elapsed, static_cast<std::int64_t>(slotMs)))},
                                     {"pendingUnits", "0"},
                                     {"completedUnits", std::to_string(plan.size())},
                                     {"activeUnits", "0"}}});
    }
}

namespace {

/// Slot time of a job (under JobManager::mutex_): the sandbox runs a job on one worker, so
/// its slot-ms are its running time, or the plan's when its stages ran on more threads.
std::int64_t slotMs(const Job& j) {
    if (!j.startTime) return 0;
    const std::int64_t end = j.state == "DONE" ? j.endTime : Store::nowMs();
    std::int64_t ms = std::max<std::int64_t>(0, end - j.startTime);
    if (!j.timeline.empty()) {
        const std::string planned = j.timeline.back().value("totalSlotMs", std::string("0"));
        ms = std::max<std::int64_t>(ms, std::stoll(planned));
    }
    return ms;
}

} // namespace

Json JobManager::resource(const Job& j) const {
    std::lock_guard g(mutex_);
    Json stats = {{"creationTime", std::to_string(j.creationTime)}};
    Json status = {{"state", j.state}};
    if (j.startTime) stats["startTime"] = std::to_string(j.startTime);
    if (j.state == "DONE") {
        stats["endTime"] = std::to_string(j.endTime);
        if (!j.errorResult.is_null()) {
            status["errorResult"] = j.errorResult;
            status["errors"] = Json::array({j.errorResult});
            if (!j.errors.empty()) status["errors"] = j.errors;
        } else if (!j.configuration.contains("query")) {
            if (j.transferStats.is_object()) stats[j.configuration.contains("load") ? "load" : "copy"] = j.transferStats;
            if (!j.errors.empty()) status["errors"] = j.errors; // rows skipped under maxBadRecords
        } else {
            stats["totalBytesProcessed"] = std::to_string(j.bytesProcessed);
            stats["query"] = {{"totalBytesProcessed", std::to_string(j.bytesProcessed)},
                              {"totalBytesBilled", std::to_string(j.bytesBilled)},
                              {"cacheHit", j.cacheHit},
                              {"statementType", j.statementType},
                              {"totalSlotMs", std::to_string(slotMs(j))}};
            if (j.numDmlAffectedRows) {
                stats["query"]["numDmlAffectedRows"] = std::to_string(*j.numDmlAffectedRows);
                stats["query"]["dmlStats"] = j.dmlStats;
            }
            if (j.ddl.is_object())
                for (const auto& [k, v] : j.ddl.items()) stats["query"][k] = v;
            if (!j.queryPlan.empty()) {
                stats["query"]["queryPlan"] = j.queryPlan;
                stats["query"]["timeline"] = j.timeline;
            }
            if (boolField(j.configuration, "dryRun", false)) {
                stats["query"]["schema"] = j.schema.toJson();
                stats["query"]["totalBytesProcessedAccuracy"] = "PRECISE";
                stats["query"]["estimatedBytesProcessed"] = std::to_string(j.bytesProcessed);
            }
        }
    }
    if (!j.parentId.empty()) {
        stats["parentJobId"] = j.parentId;
        stats["scriptStatistics"] = j.scriptStatistics;
    }
    if (j.startTime) stats["totalSlotMs"] = std::to_string(slotMs(j));
    if (j.state == "RUNNING" && j.configuration.contains("query")) {
        // Progress while it runs, as BigQuery's timeline gives it (units known only for a
        // job slowed by --faults: the sandbox's own queries finish before anyone could look).
        Json sample = {{"elapsedMs", std::to_string(std::max<std::int64_t>(0, Store::nowMs() - j.startTime))},
                       {"totalSlotMs", std::to_string(slotMs(j))},
                       {"activeUnits", "1"}};
        if (j.unitsDone >= 0) {
            sample["completedUnits"] = std::to_string(j.unitsDone.load());
            sample["pendingUnits"] = std::to_string(std::max<std::int64_t>(0, j.unitsPending.load()));
            sample["estimatedRunnableUnits"] = std::to_string(std::max<std::int64_t>(0, j.unitsPending.load()));
        }
        stats["query"] = {{"statementType", j.statementType}, {"totalSlotMs", std::to_string(slotMs(j))}, {"timeline", Json::array({sample})}};
        if (j.estimatedBytes >= 0) stats["query"]["estimatedBytesProcessed"] = std::to_string(j.estimatedBytes.load());
    }
    if (j.numChildJobs) stats["numChildJobs"] = std::to_string(j.numChildJobs);
    if (!j.sessionId.empty()) stats["sessionInfo"] = {{"sessionId", j.sessionId}};
    Json ref = {{"projectId", j.project}, {"location", j.location}};
    if (!j.id.empty()) ref["jobId"] = j.id;
    Json r = {{"kind", "bigquery#job"},
              {"etag", "\"" + std::to_string(std::hash<std::string>{}(j.id + j.state)) + "\""},
              {"id", j.project + ":" + j.location + "." + j.id},
              {"jobReference", ref},
              {"configuration", j.configuration},
              {"status", status},
              {"statistics", stats},
              {"user_email", j.user},
              {"principal_subject", (j.user.ends_with(".gserviceaccount.com") ? "serviceAccount:" : "user:") + j.user}};
    if (!j.creationReason.empty()) r["jobCreationReason"] = {{"code", j.creationReason}};
    // A query's result kept as BigQuery keeps it: in an anonymous table (anonymousTable()).
    if (j.state == "DONE" && j.errorResult.is_null() && j.statementType == "SELECT" && j.rows && !j.resultsDropped && !j.id.empty() &&
        j.configuration.contains("query") && j.configuration["query"].is_object() && !j.configuration["query"].contains("destinationTable") &&
        !boolField(j.configuration, "dryRun", false))
        r["configuration"]["query"]["destinationTable"] = {{"projectId", j.project}, {"datasetId", kAnonymousDataset}, {"tableId", "anon_" + j.id}};
    return r;
}

} // namespace quarry::sandbox
