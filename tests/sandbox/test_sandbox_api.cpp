// SPDX-License-Identifier: MIT
// Every REST route of a real quarry-sandbox process, through Quarry's own BigQueryClient:
// datasets, tables, insertAll (invalid/stopped, dedup, limits), tabledata.list paging,
// jobs (409, long poll, cancel, dry run, byte cap, cache, requestId). Durability and hostile
// requests are in test_sandbox_robustness.cpp.
#include "ExpectApiError.h"
#include "SandboxApiHelpers.h"
#include "SandboxProcess.h"
#include "TestData.h"
#include "UploadFixture.h"
#include "bigquery/BigQueryClient.h"
#include "net/HttpClient.h"
#include "value/Display.h"
#include "platform/Socket.h"
#include "platform/System.h"

#include <atomic>
#include <fstream>
#include <gtest/gtest.h>
#include <chrono>
#include <sstream>
#include <thread>

using namespace quarry;
using quarry::test::SandboxProcess;
using quarry::test::apiError;
using namespace quarry::test;
using namespace std::chrono_literals;

TEST(SandboxApi, DatasetsLifecycle) {
    SandboxProcess s;
    auto c = clientFor(s);
    const auto d = c.insertDataset("p", {{"datasetReference", {{"datasetId", "a"}}}, {"location", "EU"}, {"description", "first"}});
    EXPECT_EQ(d["kind"], "bigquery#dataset");
    EXPECT_EQ(d["id"], "p:a");
    EXPECT_TRUE(d["creationTime"].is_string());
    EXPECT_TRUE(d.contains("etag"));
    c.insertDataset("p", {{"datasetReference", {{"datasetId", "b"}}}});
    const auto dup = apiError([&] { c.insertDataset("p", {{"datasetReference", {{"datasetId", "a"}}}}); });
    EXPECT_EQ(dup.httpStatus(), 409);
    EXPECT_EQ(dup.reason(), "duplicate");
    EXPECT_EQ(dup.status(), "ALREADY_EXISTS");

    const auto page1 = c.listDatasets("p", {}, 1);
    ASSERT_EQ(page1["datasets"].size(), 1u);
    ASSERT_TRUE(page1.contains("nextPageToken"));
    EXPECT_EQ(page1["kind"], "bigquery#datasetList");
    EXPECT_EQ(c.listAllDatasets("p").size(), 2u);
    EXPECT_EQ(c.getDataset("p", "a")["location"], "EU");

    EXPECT_EQ(c.patchDataset("p", "a", {{"description", "second"}})["description"], "second");
    c.insertTable("p", "a", {{"tableReference", {{"tableId", "t"}}}, {"schema", {{"fields", {{{"name", "x"}, {"type", "INT64"}}}}}}});
    const auto inUse = apiError([&] { c.deleteDataset("p", "a", false); });
    EXPECT_EQ(inUse.httpStatus(), 400);
    c.deleteDataset("p", "a", true);
    const auto gone = apiError([&] { c.getDataset("p", "a"); });
    EXPECT_EQ(gone.httpStatus(), 404);
    EXPECT_EQ(gone.reason(), "notFound");
    EXPECT_EQ(gone.message(), "Not found: Dataset p:a");
    const auto badId = apiError([&] { c.insertDataset("p", {{"datasetReference", {{"datasetId", "no-dashes"}}}}); });
    EXPECT_EQ(badId.reason(), "invalid");
}

TEST(SandboxApi, TablesEchoLegacyTypesAndPatchSchemas) {
    SandboxProcess s;
    auto c = clientFor(s);
    c.insertDataset("p", {{"datasetReference", {{"datasetId", "d"}}}});
    const Json schema = {{"fields", {{{"name", "a"}, {"type", "INT64"}, {"mode", "REQUIRED"}},
                                     {{"name", "r"}, {"type", "STRUCT"}, {"mode", "REPEATED"},
                                      {"fields", {{{"name", "f"}, {"type", "FLOAT64"}}, {{"name", "b"}, {"type", "BOOL"}}}}}}}};
    const auto t = c.insertTable("p", "d", {{"tableReference", {{"tableId", "t"}}}, {"schema", schema}});
    EXPECT_EQ(t["kind"], "bigquery#table");
    EXPECT_EQ(t["schema"]["fields"][0]["type"], "INTEGER");
    EXPECT_EQ(t["schema"]["fields"][1]["type"], "RECORD");
    EXPECT_EQ(t["schema"]["fields"][1]["fields"][0]["type"], "FLOAT");
    EXPECT_EQ(t["schema"]["fields"][1]["fields"][1]["type"], "BOOLEAN");
    EXPECT_EQ(t["numRows"], "0");
    EXPECT_EQ(t["type"], "TABLE");

    const auto list = c.listTables("p", "d");
    EXPECT_EQ(list["kind"], "bigquery#tableList");
    EXPECT_EQ(list["tables"][0]["tableReference"]["tableId"], "t");

    Json wider = t["schema"];
    wider["fields"][0]["mode"] = "NULLABLE";
    wider["fields"].push_back({{"name", "added"}, {"type", "STRING"}});
    const auto patched = c.patchTable(TableRef{"p", "d", "t"}, {{"schema", wider}, {"description", "x"}});
    EXPECT_EQ(patched["schema"]["fields"].size(), 3u);
    EXPECT_EQ(patched["description"], "x");
    Json narrower = wider;
    narrower["fields"][0]["type"] = "STRING";
    const auto e = apiError([&] { c.patchTable(TableRef{"p", "d", "t"}, {{"schema", narrower}}); });
    EXPECT_EQ(e.reason(), "invalid");
    EXPECT_NE(e.message().find("changed type"), std::string::npos) << e.message();

    const auto deep = apiError([&] {
        Json f = {{"name", "leaf"}, {"type", "STRING"}};
        for (int i = 0; i < 16; ++i) f = {{"name", "r" + std::to_string(i)}, {"type", "RECORD"}, {"fields", {f}}};
        c.insertTable("p", "d", {{"tableReference", {{"tableId", "deep"}}}, {"schema", {{"fields", {f}}}}});
    });
    EXPECT_NE(deep.message().find("deeper than 15"), std::string::npos) << deep.message();
    c.deleteTable(TableRef{"p", "d", "t"});
    EXPECT_EQ(apiError([&] { c.getTable(TableRef{"p", "d", "t"}); }).message(), "Not found: Table p:d.t");
}

TEST(SandboxApi, InsertAllInvalidRowStopsTheWholeRequest) {
    SandboxProcess s;
    auto c = clientFor(s);
    createPersons(c);
    auto rows = personsRows();
    rows[1]["age"] = "not a number";
    const auto r = c.insertAll(TableRef{"p", "samples", "persons"}, insertBody(rows, "x"));
    ASSERT_EQ(r.rowErrors.size(), 3u);
    for (const auto& e : r.rowErrors) {
        if (e.index == 1) {
            EXPECT_EQ(e.errors[0].reason, "invalid");
            EXPECT_EQ(e.errors[0].location, "age");
            EXPECT_NE(e.errors[0].message.find("not a number"), std::string::npos);
        } else {
            EXPECT_EQ(e.errors[0].reason, "stopped");
        }
    }
    EXPECT_EQ(c.getTable(TableRef{"p", "samples", "persons"})["numRows"], "0");

    // skipInvalidRows: the good rows go in, only the bad one is reported.
    const auto r2 = c.insertAll(TableRef{"p", "samples", "persons"}, insertBody(rows, "y", true));
    ASSERT_EQ(r2.rowErrors.size(), 1u);
    EXPECT_EQ(r2.rowErrors[0].index, 1);
    EXPECT_EQ(c.getTable(TableRef{"p", "samples", "persons"})["numRows"], "2");
}

TEST(SandboxApi, InsertAllValidatesAgainstTheSchema) {
    SandboxProcess s;
    auto c = clientFor(s);
    createPersons(c);
    const TableRef t{"p", "samples", "persons"};
    auto issue = [&](Json row, bool ignoreUnknown = false) {
        Json body = {{"rows", {{{"json", row}}}}, {"ignoreUnknownValues", ignoreUnknown}};
        const auto r = c.insertAll(t, body.dump());
        return r.rowErrors.empty() ? std::string() : r.rowErrors[0].errors[0].message;
    };
    EXPECT_NE(issue({{"age", 3}}).find("Missing required field: fullName."), std::string::npos);
    EXPECT_NE(issue({{"fullName", "x"}, {"zz", 1}}).find("no such field: zz."), std::string::npos);
    EXPECT_EQ(issue({{"fullName", "x"}, {"zz", 1}}, true), "");
    EXPECT_NE(issue({{"fullName", "x"}, {"children", {{"name", "a"}}}}).find("children"), std::string::npos);
    EXPECT_NE(issue({{"fullName", "x"}, {"phoneNumber", {{"areaCode", "abc"}}}}).find("phoneNumber.areaCode"), std::string::npos);
    EXPECT_EQ(issue({{"fullName", "y"}, {"age", "42"}, {"children", {{{"age", 3.0}}}}}), "");
    const auto page = query(c, "SELECT age, children[OFFSET(0)].age AS kid FROM samples.persons WHERE fullName = 'y'");
    EXPECT_EQ(page, Json::parse(R"([{"age":"42","kid":"3"}])"));
}

TEST(SandboxApi, InsertIdsDeduplicateRetries) {
    SandboxProcess s;
    auto c = clientFor(s);
    createPersons(c);
    const auto body = insertBody(personsRows(), "persons:");
    EXPECT_TRUE(c.insertAll(TableRef{"p", "samples", "persons"}, body).ok());
    EXPECT_TRUE(c.insertAll(TableRef{"p", "samples", "persons"}, body).ok());
    EXPECT_EQ(c.getTable(TableRef{"p", "samples", "persons"})["numRows"], "3");
    EXPECT_TRUE(c.insertAll(TableRef{"p", "samples", "persons"}, insertBody(personsRows(), "")).ok());
    EXPECT_EQ(c.getTable(TableRef{"p", "samples", "persons"})["numRows"], "6");
}

TEST(SandboxApi, OversizedInsertAllGetsBigQuerysError) {
    SandboxProcess s;
    auto c = clientFor(s);
    createPersons(c);
    std::vector<Json> rows(11, Json{{"fullName", std::string(1024 * 1024, 'x')}});
    const auto e = apiError([&] { c.insertAll(TableRef{"p", "samples", "persons"}, insertBody(rows, "")); });
    EXPECT_EQ(e.httpStatus(), 400);
    EXPECT_EQ(e.message(), "Request payload size exceeds the limit: 10485760 bytes.");
}

TEST(SandboxApi, TabledataListPagesAndSelectsFields) {
    SandboxProcess s;
    auto c = clientFor(s);
    createPersons(c);
    c.insertAll(TableRef{"p", "samples", "persons"}, insertBody(personsRows(), "i"));
    const TableRef t{"p", "samples", "persons"};
    ListRowsOptions o;
    o.maxResults = 1;
    std::vector<std::string> names;
    std::string token;
    int pages = 0;
    do {
        o.pageToken = token;
        const auto page = c.listRows(t, o);
        for (const auto& r : page.rows) names.emplace_back(r[1].asText());
        token = page.pageToken;
        ++pages;
        EXPECT_EQ(page.totalRows, 3);
    } while (!token.empty() && pages < 10);
    EXPECT_EQ(names, (std::vector<std::string>{"John Doe", "Mike Jones", "Anna Karenina"}));

    ListRowsOptions sel;
    sel.startIndex = 1;
    sel.selectedFields = {"fullName", "children.name"};
    const auto page = c.listRows(t, sel);
    ASSERT_EQ(page.rows.size(), 2u);
    ASSERT_EQ(page.schema.fields.size(), 2u);
    EXPECT_EQ(page.rows[0][0].asText(), "Mike Jones");
    EXPECT_EQ(page.rows[0][1].size(), 3u);
    EXPECT_EQ(page.rows[0][1][0][0].asText(), "Earl");
    EXPECT_EQ(page.rows[1][1].size(), 0u); // empty repeated field comes back as []
}

TEST(SandboxApi, NestedTimestampsAreFormattedAtEveryDepth) {
    SandboxProcess s;
    auto c = clientFor(s);
    c.insertDataset("p", {{"datasetReference", {{"datasetId", "d"}}}});
    const Json schema = {{"fields", {{{"name", "ev"}, {"type", "RECORD"}, {"mode", "REPEATED"},
                                      {"fields", {{{"name", "at"}, {"type", "TIMESTAMP"}}, {{"name", "tags"}, {"type", "TIMESTAMP"}, {"mode", "REPEATED"}}}}}}}};
    c.insertTable("p", "d", {{"tableReference", {{"tableId", "t"}}}, {"schema", schema}});
    c.insertAll(TableRef{"p", "d", "t"},
                R"({"rows":[{"json":{"ev":[{"at":"2022-01-01T00:00:00Z","tags":["2022-01-01 00:00:01 UTC", 1640995202.5]}]}}]})");
    for (const char* q : {"formatOptions.useInt64Timestamp=true", "formatOptions.useInt64Timestamp=false"}) {
        const auto r = c.call("GET", "/projects/p/datasets/d/tables/t/data", q);
        const auto j = Json::parse(r.body);
        const auto& ev = j["rows"][0]["f"][0]["v"][0]["v"]["f"];
        if (std::string(q).find("true") != std::string::npos) {
            EXPECT_EQ(ev[0]["v"], "1640995200000000");
            EXPECT_EQ(ev[1]["v"][1]["v"], "1640995202500000");
        } else {
            EXPECT_EQ(ev[0]["v"], "1.6409952E9");
            EXPECT_EQ(ev[1]["v"][0]["v"], "1.640995201E9");
        }
    }
}

TEST(SandboxApi, JobsRunAsynchronouslyAndReportTheirLifecycle) {
    SandboxProcess s;
    auto c = clientFor(s);
    createPersons(c);
    c.insertAll(TableRef{"p", "samples", "persons"}, insertBody(personsRows(), "i"));
    Json job = {{"jobReference", {{"jobId", "my_job_1"}}},
                {"configuration", {{"query", {{"query", "SELECT fullName FROM samples.persons ORDER BY age"}}}}}};
    c.insertJob("p", job);
    const auto dup = apiError([&] { c.call("POST", "/projects/p/jobs", {}, job.dump()); });
    EXPECT_EQ(dup.httpStatus(), 409);
    QueryResultsOptions wait;
    wait.timeoutMs = 10000;
    wait.maxResults = 0;
    const auto done = c.getQueryResults(JobRef{"p", "my_job_1", ""}, wait);
    EXPECT_TRUE(done.jobComplete);
    EXPECT_TRUE(done.rows.empty());
    EXPECT_EQ(done.totalRows, 3);
    const auto j = c.getJob(JobRef{"p", "my_job_1", ""});
    EXPECT_EQ(j["status"]["state"], "DONE");
    const auto created = std::stoll(j["statistics"]["creationTime"].get<std::string>());
    const auto started = std::stoll(j["statistics"]["startTime"].get<std::string>());
    const auto ended = std::stoll(j["statistics"]["endTime"].get<std::string>());
    EXPECT_LE(created, started);
    EXPECT_LE(started, ended);
    EXPECT_EQ(j["statistics"]["query"]["statementType"], "SELECT");
    EXPECT_NE(j["statistics"]["query"]["totalBytesProcessed"], "0");
    QueryResultsOptions page;
    page.maxResults = 2;
    const auto first = c.getQueryResults(JobRef{"p", "my_job_1", ""}, page);
    ASSERT_EQ(first.rows.size(), 2u);
    EXPECT_EQ(first.rows[0][0].asText(), "John Doe");
    page.pageToken = first.pageToken;
    const auto second = c.getQueryResults(JobRef{"p", "my_job_1", ""}, page);
    ASSERT_EQ(second.rows.size(), 1u);
    EXPECT_EQ(second.rows[0][0].asText(), "Anna Karenina");
    EXPECT_TRUE(second.pageToken.empty());
    const auto list = c.listJobs("p");
    EXPECT_EQ(list["jobs"][0]["jobReference"]["jobId"], "my_job_1");
}

// queryPlan: the sandbox's own stages with their true record counts, in BigQuery's shape.
TEST(SandboxApi, QueryPlanReportsTheStagesThatRan) {
    SandboxProcess s;
    auto c = clientFor(s);
    createPersons(c);
    c.insertAll(TableRef{"p", "samples", "persons"}, insertBody(personsRows(), "i"));
    auto planOf = [&](const std::string& id, const std::string& sql) {
        c.insertJob("p", {{"jobReference", {{"jobId", id}}},
                          {"configuration", {{"query", {{"query", sql}, {"useLegacySql", false}, {"useQueryCache", false}}}}}});
        QueryResultsOptions wait;
        wait.timeoutMs = 10000;
        wait.maxResults = 0;
        EXPECT_TRUE(c.getQueryResults(JobRef{"p", id, ""}, wait).jobComplete);
        return c.getJob(JobRef{"p", id, ""})["statistics"]["query"];
    };
    // 3 persons with 9 cities -> WHERE keeps 7 -> 6 places -> HAVING keeps Austin and Stockholm.
    const Json q = planOf("agg", "SELECT c.place, COUNT(*) AS n FROM samples.persons, UNNEST(citiesLived) c "
                                 "WHERE c.place != 'Russia' AND c.place != 'Seattle' GROUP BY 1 HAVING n > 1 ORDER BY 1");
    const Json& plan = q["queryPlan"];
    ASSERT_EQ(plan.size(), 3u) << q.dump(2);
    EXPECT_EQ(plan[0]["name"], "S00: Input");
    EXPECT_EQ(plan[0]["recordsRead"], "3");
    EXPECT_EQ(plan[0]["recordsWritten"], "7");
    EXPECT_EQ(plan[0]["steps"][0]["kind"], "READ");
    EXPECT_EQ(plan[0]["steps"][0]["substeps"][0], "FROM samples.persons");
    EXPECT_EQ(plan[1]["name"], "S01: Aggregate");
    EXPECT_EQ(plan[1]["inputStages"], Json::array({"0"}));
    EXPECT_EQ(plan[1]["recordsRead"], "7");
    EXPECT_EQ(plan[1]["recordsWritten"], "2");
    EXPECT_EQ(plan[2]["name"], "S02: Output");
    EXPECT_EQ(plan[2]["recordsWritten"], "2");
    double maxRatio = 0;
    for (const auto& st : plan) {
        EXPECT_LE(std::stoll(st["startMs"].get<std::string>()), std::stoll(st["endMs"].get<std::string>()));
        maxRatio = std::max(maxRatio, st["computeRatioMax"].get<double>());
    }
    EXPECT_DOUBLE_EQ(maxRatio, 1.0); // ratios are relative to the longest stage
    EXPECT_EQ(q["timeline"][0]["completedUnits"], "3");
    // Without GROUP BY: input then output, with the LIMIT step.
    const Json plain = planOf("plain", "SELECT fullName FROM samples.persons ORDER BY age LIMIT 2")["queryPlan"];
    ASSERT_EQ(plain.size(), 2u);
    EXPECT_EQ(plain[1]["name"], "S01: Output");
    EXPECT_EQ(plain[1]["recordsRead"], "3");
    EXPECT_EQ(plain[1]["recordsWritten"], "2");
    EXPECT_EQ(plain[1]["steps"][0]["kind"], "SORT");
    EXPECT_EQ(plain[1]["steps"][1]["kind"], "LIMIT");
}

TEST(SandboxApi, LongPollTimesOutAndCancelStopsASlowJob) {
    SandboxProcess s({"--faults", "job:delay=30s:1"});
    auto c = clientFor(s);
    createPersons(c);
    c.insertJob("p", {{"jobReference", {{"jobId", "slow"}}},
                      {"configuration", {{"query", {{"query", "SELECT 1 AS x"}}}}}});
    QueryResultsOptions o;
    o.timeoutMs = 200;
    o.maxResults = 0;
    const auto pending = c.getQueryResults(JobRef{"p", "slow", ""}, o);
    EXPECT_FALSE(pending.jobComplete);
    EXPECT_EQ(c.getJob(JobRef{"p", "slow", ""})["status"]["state"], "RUNNING");
    const auto cancelled = c.cancelJob(JobRef{"p", "slow", ""});
    EXPECT_EQ(cancelled["kind"], "bigquery#jobCancelResponse");
    o.timeoutMs = 10000;
    const auto e = apiError([&] { c.getQueryResults(JobRef{"p", "slow", ""}, o); });
    EXPECT_EQ(e.reason(), "stopped");
    const auto j = c.getJob(JobRef{"p", "slow", ""});
    EXPECT_EQ(j["status"]["state"], "DONE");
    EXPECT_EQ(j["status"]["errorResult"]["reason"], "stopped");
    const auto running = c.listJobs("p", {}, {"running"});
    EXPECT_TRUE(running["jobs"].empty());
}

TEST(SandboxApi, QueryErrorsAreBigQuerys) {
    SandboxProcess s;
    auto c = clientFor(s);
    createPersons(c);
    auto syntax = apiError([&] { query(c, "SELECT fullName\nFROM samples.persons\nWHERE age >"); });
    EXPECT_EQ(syntax.reason(), "invalidQuery");
    EXPECT_EQ(syntax.httpStatus(), 400);
    EXPECT_EQ(syntax.line(), 3);
    EXPECT_EQ(syntax.column(), 12);
    EXPECT_EQ(syntax.location(), "query");
    auto missing = apiError([&] { query(c, "SELECT * FROM samples.nope"); });
    EXPECT_EQ(missing.httpStatus(), 404);
    EXPECT_EQ(missing.message(), "Not found: Table p:samples.nope was not found in location US");
    // Legacy SQL, with BigQuery's errors (the bq conformance scenario checks that it is the
    // default when useLegacySql is absent; this client always sends it).
    auto legacy = apiError([&] {
        c.query("p", {{"query", "SELECT fullName, children.name, citiesLived.place FROM [p:samples.persons]"}, {"useLegacySql", true}});
    });
    EXPECT_EQ(legacy.reason(), "invalidQuery");
    EXPECT_EQ(legacy.message(), "Cannot output multiple independently repeated fields at the same time. Found children_name and "
                                "citiesLived_place at [1:1]");
    c.insertAll(TableRef{"p", "samples", "persons"}, insertBody(personsRows(), ""));
    const auto flat = c.query("p", {{"query", "#legacySQL\nSELECT fullName, children.name FROM [samples.persons] WHERE children.age > 8"}});
    ASSERT_EQ(flat.schema.fields.size(), 2u);
    EXPECT_EQ(flat.schema.fields[1].name, "children_name");
    ASSERT_EQ(flat.rows.size(), 2u);
    EXPECT_EQ(flat.rows[1][1].asText(), "Earl");
    EXPECT_EQ(query(c, "#standardSQL\nSELECT 1 AS one", {{"useLegacySql", true}}), Json::parse(R"([{"one":"1"}])"));
    auto grouped = apiError([&] { query(c, "SELECT fullName, age FROM samples.persons GROUP BY fullName"); });
    EXPECT_EQ(grouped.message(), "SELECT list expression references column age which is neither grouped nor aggregated at [1:18]");
}

// INFORMATION_SCHEMA through jobs.query: a fresh snapshot per query (a table made after a
// first query shows up in the second, the result cache notwithstanding).
TEST(SandboxApi, InformationSchemaSeesTablesAsTheyAre) {
    SandboxProcess s;
    auto c = clientFor(s);
    createPersons(c);
    const std::string sql = "SELECT table_name FROM samples.INFORMATION_SCHEMA.TABLES ORDER BY 1";
    EXPECT_EQ(query(c, sql), Json::parse(R"([{"table_name":"persons"}])"));
    c.insertTable("p", "samples", Json::parse(R"({"tableReference":{"tableId":"later"},"schema":{"fields":[{"name":"x","type":"INTEGER"}]}})"));
    EXPECT_EQ(query(c, sql), Json::parse(R"([{"table_name":"later"},{"table_name":"persons"}])"));
    EXPECT_EQ(query(c, "SELECT COUNT(*) AS n FROM `p.samples.INFORMATION_SCHEMA.COLUMN_FIELD_PATHS` WHERE STARTS_WITH(field_path, 'citiesLived')"),
              Json::parse(R"([{"n":"3"}])"));
    auto missing = apiError([&] { query(c, "SELECT * FROM nope.INFORMATION_SCHEMA.TABLES"); });
    EXPECT_EQ(missing.httpStatus(), 404);
}

TEST(SandboxApi, DryRunCapsAndCache) {
    SandboxProcess s;
    auto c = clientFor(s);
    createPersons(c);
    c.insertAll(TableRef{"p", "samples", "persons"}, insertBody(personsRows(), "i"));
    const auto dry = c.query("p", {{"query", "SELECT fullName, age FROM samples.persons"}, {"dryRun", true}});
    const auto bytes = dry.meta["totalBytesProcessed"].get<std::string>();
    EXPECT_EQ(bytes, std::to_string((2 + 8) + (2 + 10) + (2 + 13) + 3 * 8)); // names + three INT64 ages
    ASSERT_EQ(dry.schema.fields.size(), 2u);
    EXPECT_TRUE(dry.rows.empty());
    const auto job = c.insertJob("p", {{"configuration", {{"dryRun", true}, {"query", {{"query", "SELECT age FROM samples.persons"}}}}}});
    EXPECT_EQ(job["statistics"]["query"]["totalBytesProcessed"], "24");
    EXPECT_EQ(job["status"]["state"], "DONE");

    const auto capped = apiError([&] { query(c, "SELECT * FROM samples.persons", {{"maximumBytesBilled", "1000"}}); });
    EXPECT_EQ(capped.reason(), "bytesBilledLimitExceeded");
    EXPECT_EQ(capped.message(), "Query exceeded limit for bytes billed: 1000. 10485760 or higher required.");

    const auto first = c.query("p", {{"query", "SELECT COUNT(*) AS n FROM samples.persons"}});
    EXPECT_EQ(first.meta["cacheHit"], false);
    const auto again = c.query("p", {{"query", "SELECT COUNT(*) AS n FROM samples.persons"}});
    EXPECT_EQ(again.meta["cacheHit"], true);
    c.insertAll(TableRef{"p", "samples", "persons"}, insertBody(personsRows(), ""));
    const auto after = c.query("p", {{"query", "SELECT COUNT(*) AS n FROM samples.persons"}});
    EXPECT_EQ(after.meta["cacheHit"], false);
    EXPECT_EQ(after.rows[0][0].asInt64(), 6);

    // Only what calls a function whose result is not fixed by its arguments is never cached,
    // whether the call is in the query or in a view it reads; a name like "brand" is no call.
    const auto cachedTwice = [&](const std::string& sql) {
        c.query("p", {{"query", sql}});
        return c.query("p", {{"query", sql}}).meta["cacheHit"].get<bool>();
    };
    EXPECT_TRUE(cachedTwice("SELECT COUNT(*) AS brand, 'CURRENT_DATE' AS current_x FROM samples.persons"));
    EXPECT_FALSE(cachedTwice("SELECT RAND() < 2 AS r FROM samples.persons"));
    query(c, "CREATE VIEW samples.today AS SELECT fullName, CURRENT_DATE() AS d FROM samples.persons");
    EXPECT_FALSE(cachedTwice("SELECT COUNT(*) AS n FROM samples.today"));
    EXPECT_FALSE(cachedTwice("SELECT (SELECT MAX(d) FROM samples.today) AS d"));

    const Json withId = {{"query", "SELECT 2 AS x"}, {"requestId", "req-1"}};
    const auto a = c.query("p", withId);
    const auto b = c.query("p", withId);
    EXPECT_EQ(a.meta["jobReference"]["jobId"], b.meta["jobReference"]["jobId"]);
}

// A query job's result is kept as BigQuery keeps it, in an anonymous table the job names
// (configuration.query.destinationTable): tables.get and tabledata.list read it as any table;
// a statement that returns no rows names none.
TEST(SandboxApi, AQueryJobsResultTableIsReadLikeATable) {
    SandboxProcess s;
    auto c = clientFor(s);
    createPersons(c);
    c.insertAll(TableRef{"p", "samples", "persons"}, insertBody(personsRows(), "i"));
    c.insertJob("p", {{"jobReference", {{"jobId", "q1"}}},
                      {"configuration", {{"query", {{"query", "SELECT fullName, age FROM samples.persons ORDER BY age"}}}}}});
    QueryResultsOptions wait;
    wait.timeoutMs = 10000;
    wait.maxResults = 0;
    ASSERT_TRUE(c.getQueryResults(JobRef{"p", "q1", ""}, wait).jobComplete);
    const Json dest = c.getJob(JobRef{"p", "q1", ""})["configuration"]["query"]["destinationTable"];
    ASSERT_TRUE(dest.is_object());
    const TableRef t{dest["projectId"], dest["datasetId"], dest["tableId"]};
    EXPECT_TRUE(t.datasetId.starts_with("_")); // hidden, as BigQuery's anonymous datasets
    const Json table = c.getTable(t);
    EXPECT_EQ(table["numRows"], "3");
    EXPECT_EQ(table["schema"]["fields"].size(), 2u);
    ListRowsOptions o;
    o.maxResults = 2;
    o.selectedFields = {"age"};
    const auto first = c.listRows(t, o);
    ASSERT_EQ(first.rows.size(), 2u);
    EXPECT_EQ(first.schema.fields.size(), 1u);
    EXPECT_FALSE(first.pageToken.empty());
    o.pageToken = first.pageToken;
    const auto rest = c.listRows(t, o);
    EXPECT_EQ(rest.rows.size(), 1u);
    EXPECT_TRUE(rest.pageToken.empty());
    EXPECT_EQ(apiError([&] { c.getTable(TableRef{t.projectId, t.datasetId, "anon_nosuchjob"}); }).httpStatus(), 404);
    c.insertJob("p", {{"jobReference", {{"jobId", "ddl1"}}}, {"configuration", {{"query", {{"query", "CREATE TABLE samples.x (a INT64)"}}}}}});
    ASSERT_TRUE(c.getQueryResults(JobRef{"p", "ddl1", ""}, wait).jobComplete);
    EXPECT_FALSE(c.getJob(JobRef{"p", "ddl1", ""})["configuration"]["query"].contains("destinationTable"));
}
