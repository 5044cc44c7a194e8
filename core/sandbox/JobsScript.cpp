// SPDX-License-Identifier: MIT
// DML, DDL and scripts as jobs: each statement a script runs becomes a finished child job
// (jobs.list?parentJobId=...), as BigQuery's are, so `bq query` prints every SELECT's rows.
#include "sandbox/JsonFields.h"
#include "sandbox/Jobs.h"
#include "sandbox/Script.h"

#include <algorithm>

namespace quarry::sandbox {

void JobManager::runStatements(Job& job, StatementRunner& runner, const sql::Script& script, bool dryRun,
                               const std::function<void(std::uint64_t)>& checkCap, const sql::MemoryBudget& budget) {
    const bool capped = objectField(job.configuration, "query").contains("maximumBytesBilled");
    const bool isScript = script.control || script.steps.size() > 1;
    job.statementType = isScript ? "SCRIPT" : sql::statementType(sql::statementAt(script, script.steps[0].begin));
    std::uint64_t total = 0;
    std::int64_t affected = 0, inserted = 0, updated = 0, deleted = 0;
    bool dml = false;
    std::int64_t before = budget.used();
    ScriptHooks hooks;
    hooks.beforeStatement = [&](sql::Statement s) {
        if (job.cancelRequested) throw sql::PreparedQuery::Cancelled{};
        if (capped) checkCap(total + runner.run(std::move(s), true).bytesProcessed);
        before = budget.used();
    };
    hooks.afterStatement = [&](const ScriptEvent& ev) {
        std::size_t bytes = 0;
        if (const StatementResult* r = ev.result) {
            // What a SELECT's rows hold (a DML statement's growth is its table's, not the job's).
            bytes = r->rows.empty() ? 0 : static_cast<std::size_t>(std::max<std::int64_t>(0, budget.used() - before));
            job.resultBytes = bytes;
            total += r->bytesProcessed;
            if (r->affectedRows) {
                dml = true;
                affected += *r->affectedRows;
                inserted += r->inserted;
                updated += r->updated;
                deleted += r->deleted;
            }
        }
        if (isScript && !dryRun) addChild(job, ev, bytes);
    };
    StatementResult last = ScriptRunner(runner, script, dryRun, std::move(hooks)).run();
    job.bytesProcessed = total;
    job.bytesBilled = dryRun ? 0 : billed(total);
    job.schema = last.schema;
    job.rows = std::make_shared<const std::vector<Value>>(std::move(last.rows));
    if (!last.plan.empty()) planJson(job, last.plan);
    if (dml && !dryRun) {
        job.numDmlAffectedRows = affected;
        job.dmlStats = {{"insertedRowCount", std::to_string(inserted)},
                        {"updatedRowCount", std::to_string(updated)},
                        {"deletedRowCount", std::to_string(deleted)}};
    }
    if (!isScript && !last.ddlOperation.empty()) {
        job.ddl = {{"ddlOperationPerformed", last.ddlOperation}};
        if (!last.ddlTargetTable.is_null()) job.ddl["ddlTargetTable"] = last.ddlTargetTable;
        if (!last.ddlTargetDataset.is_null()) job.ddl["ddlTargetDataset"] = last.ddlTargetDataset;
        if (!last.ddlTargetRoutine.is_null()) job.ddl["ddlTargetRoutine"] = last.ddlTargetRoutine;
    }
    if (job.cancelRequested) throw sql::PreparedQuery::Cancelled{};
    finish(job, nullptr);
}

void JobManager::addChild(Job& parent, const ScriptEvent& ev, std::size_t resultBytes) {
    auto child = std::make_shared<Job>();
    child->project = parent.project;
    child->location = parent.location;
    child->parentId = parent.id;
    child->sessionId = parent.sessionId;
    child->user = parent.user;
    Json q = {{"query", ev.step->text}, {"useLegacySql", false}};
    const Json parentQuery = objectField(parent.configuration, "query");
    if (parentQuery.contains("defaultDataset")) q["defaultDataset"] = parentQuery["defaultDataset"];
    child->configuration = {{"jobType", "QUERY"}, {"query", q}};
    child->configurationBytes = child->configuration.dump().size();
    child->statementType = ev.statementType;
    child->startTime = ev.startMs;
    child->endTime = std::max(ev.endMs, ev.startMs);
    child->state = "DONE";
    child->scriptStatistics = {{"evaluationKind", "STATEMENT"},
                               {"stackFrames", Json::array({{{"startLine", ev.step->pos.line},
                                                             {"startColumn", ev.step->pos.col},
                                                             {"endLine", ev.step->endPos.line},
                                                             {"endColumn", ev.step->endPos.col},
                                                             {"text", ev.step->text}}})}};
    if (const StatementResult* r = ev.result) {
        child->schema = r->schema;
        child->rows = std::make_shared<const std::vector<Value>>(r->rows);
        child->resultBytes = resultBytes;
        child->bytesProcessed = r->bytesProcessed;
        child->bytesBilled = billed(r->bytesProcessed);
        if (!r->plan.empty()) planJson(*child, r->plan);
        if (r->affectedRows) {
            child->numDmlAffectedRows = *r->affectedRows;
            child->dmlStats = {{"insertedRowCount", std::to_string(r->inserted)},
                               {"updatedRowCount", std::to_string(r->updated)},
                               {"deletedRowCount", std::to_string(r->deleted)}};
        }
        if (!r->ddlOperation.empty()) {
            child->ddl = {{"ddlOperationPerformed", r->ddlOperation}};
            if (!r->ddlTargetTable.is_null()) child->ddl["ddlTargetTable"] = r->ddlTargetTable;
            if (!r->ddlTargetDataset.is_null()) child->ddl["ddlTargetDataset"] = r->ddlTargetDataset;
            if (!r->ddlTargetRoutine.is_null()) child->ddl["ddlTargetRoutine"] = r->ddlTargetRoutine;
        }
    } else {
        child->errorResult = errorProto("invalidQuery", ev.error, "query");
    }
    std::lock_guard g(mutex_);
    // Creation times strictly increase, so a client sorting the children by them (bq does)
    // sees them in the order they ran.
    child->creationTime = std::max(ev.startMs, lastChildCreation_ + 1);
    lastChildCreation_ = child->creationTime;
    child->id = "script_job_" + parent.id + "_" + std::to_string(parent.numChildJobs++);
    while (jobs_.count(child->project + "/" + child->id)) child->id += "_";
    jobs_[child->project + "/" + child->id] = child;
    order_.push_back(child);
    retain(child.get());
}

} // namespace quarry::sandbox
