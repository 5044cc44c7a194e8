// SPDX-License-Identifier: MIT
// `region-us.INFORMATION_SCHEMA.JOBS` (and JOBS_BY_USER, JOBS_BY_PROJECT): the sandbox's job
// history as BigQuery's view has it, for cost reports that run unchanged on both.
#include "sandbox/InformationSchema.h"
#include "sandbox/JsonFields.h"

#include "value/Text.h"

namespace quarry::sandbox {
namespace {

Field record(const char* name, std::vector<Field> fields) {
    Field f = viewColumn(name, TypeKind::Struct);
    f.fields = std::move(fields);
    return f;
}

Value stringOrNull(const std::string& s) { return s.empty() ? Value() : Value::string(s); }

/// A resource's "123" (ms or bytes) as a number; NULL when absent.
Value number(const Json& j, const char* key) {
    const std::string s = stringField(j, key);
    return s.empty() ? Value() : Value::int64(std::stoll(s));
}

Value msTime(const Json& j, const char* key) {
    const std::string s = stringField(j, key);
    return s.empty() ? Value() : Value::timestamp(std::stoll(s) * 1000);
}

} // namespace

bool isJobsView(const std::string& dataset, const std::string& view) {
    return text::upper(dataset).starts_with("REGION-") && (view == "JOBS" || view == "JOBS_BY_USER" || view == "JOBS_BY_PROJECT");
}

std::shared_ptr<Table> jobsView(const std::string& project, const std::string& region, const std::string& view,
                                const std::vector<Json>& jobs) {
    auto out = std::make_shared<Table>();
    out->project = project;
    out->dataset = region;
    out->id = "INFORMATION_SCHEMA." + view;
    out->schema.fields = {viewColumn("creation_time", TypeKind::Timestamp), viewColumn("project_id", TypeKind::String),
                          viewColumn("user_email", TypeKind::String), viewColumn("job_id", TypeKind::String),
                          viewColumn("job_type", TypeKind::String), viewColumn("statement_type", TypeKind::String),
                          viewColumn("priority", TypeKind::String), viewColumn("start_time", TypeKind::Timestamp),
                          viewColumn("end_time", TypeKind::Timestamp), viewColumn("query", TypeKind::String),
                          viewColumn("state", TypeKind::String), viewColumn("total_bytes_processed", TypeKind::Int64),
                          viewColumn("total_slot_ms", TypeKind::Int64),
                          record("error_result", {viewColumn("reason", TypeKind::String), viewColumn("location", TypeKind::String),
                                                  viewColumn("debug_info", TypeKind::String), viewColumn("message", TypeKind::String)}),
                          viewColumn("cache_hit", TypeKind::Bool), viewColumn("total_bytes_billed", TypeKind::Int64),
                          viewColumn("parent_job_id", TypeKind::String), record("session_info", {viewColumn("session_id", TypeKind::String)}),
                          record("job_creation_reason", {viewColumn("code", TypeKind::String)})};
    const std::string location = text::upper(region.substr(7)); // region-us -> US
    for (const Json& j : jobs) {
        const Json ref = j.value("jobReference", Json::object());
        if (text::upper(stringField(ref, "location")) != location) continue;
        const Json stats = j.value("statistics", Json::object());
        const Json q = stats.value("query", Json::object());
        const Json status = j.value("status", Json::object());
        const Json config = j.value("configuration", Json::object());
        Value r = Value::structOf(out->schema.fields.size());
        r[0] = msTime(stats, "creationTime");
        r[1] = Value::string(stringField(ref, "projectId"));
        r[2] = Value::string(stringField(j, "user_email"));
        r[3] = Value::string(stringField(ref, "jobId"));
        r[4] = Value::string(stringField(config, "jobType").empty() ? "QUERY" : stringField(config, "jobType"));
        r[5] = stringOrNull(stringField(q, "statementType"));
        r[6] = Value::string(config.value("query", Json::object()).value("priority", std::string("INTERACTIVE")));
        r[7] = msTime(stats, "startTime");
        r[8] = msTime(stats, "endTime");
        r[9] = stringOrNull(stringField(config.value("query", Json::object()), "query"));
        r[10] = Value::string(stringField(status, "state"));
        r[11] = number(q, "totalBytesProcessed");
        r[12] = number(q, "totalSlotMs");
        if (status.contains("errorResult")) {
            const Json e = status["errorResult"];
            Value err = Value::structOf(4);
            err[0] = stringOrNull(stringField(e, "reason"));
            err[1] = stringOrNull(stringField(e, "location"));
            err[3] = stringOrNull(stringField(e, "message"));
            r[13] = std::move(err);
        }
        if (q.contains("cacheHit")) r[14] = Value::boolean(q.value("cacheHit", false));
        r[15] = number(q, "totalBytesBilled");
        r[16] = stringOrNull(stringField(stats, "parentJobId"));
        if (stats.contains("sessionInfo")) {
            Value si = Value::structOf(1);
            si[0] = stringOrNull(stringField(stats["sessionInfo"], "sessionId"));
            r[17] = std::move(si);
        }
        // NULL for a query answered without a job (short query mode; job_id is its queryId).
        if (j.contains("jobCreationReason")) {
            Value why = Value::structOf(1);
            why[0] = stringOrNull(stringField(j["jobCreationReason"], "code"));
            r[18] = std::move(why);
        }
        out->rows.push_back(std::move(r));
    }
    return out;
}

} // namespace quarry::sandbox
