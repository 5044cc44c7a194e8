// SPDX-License-Identifier: MIT
// QueryRunner and ResultPager against a started quarry-sandbox, with its job:delay and
// connection-reset faults.
#include "SandboxProcess.h"
#include "query/QueryRunner.h"
#include "query/ResultExport.h"
#include "query/ResultPager.h"
#include "net/HttpClient.h"
#include "platform/System.h"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include <gtest/gtest.h>
#include <chrono>
#include <thread>

using namespace quarry;
using quarry::test::SandboxProcess;
using namespace std::chrono_literals;

namespace {

BigQueryClient::Options options(const SandboxProcess& s) {
    BigQueryClient::Options o;
    o.endpoint = Endpoint::fromUrl(s.url());
    o.projectId = "p";
    o.retry.initialBackoff = 1ms;
    o.retry.maxBackoff = 5ms;
    return o;
}

QueryRequest request(const std::string& sql) {
    QueryRequest r;
    r.sql = sql;
    r.project = "p";
    return r;
}

void makeBig(BigQueryClient& c, int rows) {
    c.insertDataset("p", {{"datasetReference", {{"datasetId", "d"}}}});
    c.insertTable("p", "d", {{"tableReference", {{"tableId", "big"}}},
                             {"schema", {{"fields", {{{"name", "id"}, {"type", "INT64"}}, {{"name", "pad"}, {"type", "STRING"}}}}}}});
    for (int start = 0; start < rows; start += 10000) {
        Json body = {{"rows", Json::array()}};
        for (int i = start; i < std::min(rows, start + 10000); ++i)
            body["rows"].push_back({{"insertId", std::to_string(i)}, {"json", {{"id", i}, {"pad", "row-" + std::to_string(i)}}}});
        ASSERT_TRUE(c.insertAll(TableRef{"p", "d", "big"}, body.dump()).ok());
    }
}

} // namespace

TEST(QueryRunner, ReportsStatesInOrderAndReturnsWhenTheJobFinishes) {
    SandboxProcess s({"--faults", "job:delay=1s:1"});
    BigQueryClient c(options(s));
    QueryRunner runner(c);
    auto r = request("SELECT 1 AS x");
    r.pollTimeout = 200ms;
    std::vector<std::string> seen;
    const auto out = runner.run(r, [&](const StateChange& st) { seen.push_back(st.state); });
    ASSERT_TRUE(out.ok()) << out.error->what();
    ASSERT_GE(seen.size(), 2u);
    EXPECT_EQ(seen.back(), "DONE");
    EXPECT_NE(std::find(seen.begin(), seen.end(), "RUNNING"), seen.end());
    const std::vector<std::string> order = {"PENDING", "RUNNING", "DONE"};
    for (std::size_t i = 1; i < seen.size(); ++i)
        EXPECT_LT(std::find(order.begin(), order.end(), seen[i - 1]), std::find(order.begin(), order.end(), seen[i]));
    for (std::size_t i = 1; i < out.states.size(); ++i) EXPECT_LE(out.states[i - 1].at, out.states[i].at);
    EXPECT_EQ(out.totalRows, 1);
    EXPECT_EQ(out.schema.fields.at(0).name, "x");

    // A long poll returns when the job finishes, not when its timeout runs out.
    r.pollTimeout = 120s;
    const auto t0 = std::chrono::steady_clock::now();
    ASSERT_TRUE(runner.run(r).ok());
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 60s);
}

TEST(QueryRunner, CancelStopsASlowJob) {
    SandboxProcess s({"--faults", "job:delay=60s:1"});
    BigQueryClient c(options(s));
    QueryRunner runner(c);
    auto r = request("SELECT 1 AS x");
    r.jobId = "slow_one";
    r.pollTimeout = 500ms;
    std::atomic<bool> running{false};
    QueryOutcome out;
    std::thread t([&] { out = runner.run(r, [&](const StateChange& st) { running = running || st.state == "RUNNING"; }); });
    while (!running) std::this_thread::sleep_for(10ms);
    const auto cancelled = runner.cancel(JobRef{"p", "slow_one", ""});
    t.join();
    EXPECT_TRUE(cancelled.stopped);
    EXPECT_FALSE(cancelled.alreadyDone);
    ASSERT_FALSE(out.ok());
    EXPECT_EQ(out.error->reason(), "stopped");
    const auto again = runner.cancel(JobRef{"p", "slow_one", ""});
    EXPECT_TRUE(again.alreadyDone);
}

TEST(QueryRunner, DryRunEstimatesWithoutRunningAndCapsAreEnforced) {
    SandboxProcess s;
    BigQueryClient c(options(s));
    makeBig(c, 1000);
    QueryRunner runner(c);
    const auto dry = runner.dryRun(request("SELECT id FROM d.big"));
    EXPECT_EQ(dry.bytesProcessed, 8000u);
    EXPECT_DOUBLE_EQ(dry.estimatedCostUsd, 8000.0 / (1ULL << 40) * 6.25);
    ASSERT_EQ(dry.schema.fields.size(), 1u);
    EXPECT_TRUE(c.listJobs("p")["jobs"].empty()); // nothing ran
    // An invalid dry run is an error with its position, not an estimate of 0 bytes.
    try {
        runner.dryRun(request("SELECT id FROM d.big\nWHERE nope > 1"));
        FAIL() << "an invalid dry run succeeded";
    } catch (const ApiError& e) {
        EXPECT_EQ(e.reason(), "invalidQuery");
        EXPECT_EQ(e.line(), 2);
    }
    // Subqueries are estimated with the columns they read.
    EXPECT_EQ(runner.dryRun(request("WITH b AS (SELECT id FROM d.big) SELECT * FROM (SELECT id FROM b)")).bytesProcessed, 8000u);

    auto capped = request("SELECT * FROM d.big");
    capped.maximumBytesBilled = 1000;
    const auto out = runner.run(capped);
    ASSERT_FALSE(out.ok());
    EXPECT_EQ(out.error->reason(), "bytesBilledLimitExceeded");
    EXPECT_NE(out.error->message().find("10485760 or higher required"), std::string::npos);

    const auto bad = runner.run(request("SELECT nope FROM d.big"));
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error->reason(), "invalidQuery");
    EXPECT_EQ(bad.error->line(), 1);
    EXPECT_EQ(bad.error->column(), 8);
    EXPECT_TRUE(QueryRunner::isLegacy("  #legacySQL\nSELECT 1", std::nullopt));
    EXPECT_FALSE(QueryRunner::isLegacy("#standardSQL\nSELECT 1", std::nullopt));
}

TEST(ResultPager, PagesThroughOneHundredThousandRowsOnceInOrder) {
    SandboxProcess s;
    BigQueryClient c(options(s));
    makeBig(c, 100000);
    QueryRunner runner(c);
    const auto out = runner.run(request("SELECT id, pad FROM d.big ORDER BY id"));
    ASSERT_TRUE(out.ok());
    EXPECT_EQ(out.totalRows, 100000);
    ResultPager pager(c, out.job, 64 * 1024, 500); // small pages: many round trips
    std::int64_t expected = 0;
    int pages = 0;
    while (auto page = pager.next()) {
        ++pages;
        for (const auto& row : page->rows) ASSERT_EQ(row[0].asInt64(), expected++);
    }
    EXPECT_EQ(expected, 100000);
    EXPECT_GT(pages, 20);
    EXPECT_EQ(pager.totalRows(), 100000);
    pager.restartAt(99990);
    const auto tail = pager.next();
    ASSERT_TRUE(tail);
    EXPECT_EQ(tail->rows.front()[0].asInt64(), 99990);
}

namespace {
std::filesystem::path freshDir(const std::string& name) {
    const auto d = std::filesystem::temp_directory_path() / ("quarry-export-" + name + "-" + std::to_string(quarry::platform::processId()));
    std::filesystem::remove_all(d);
    std::filesystem::create_directories(d);
    return d;
}
std::vector<std::string> entries(const std::filesystem::path& d) {
    std::vector<std::string> out;
    for (const auto& e : std::filesystem::directory_iterator(d)) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
}
} // namespace

// A finished job over `rows` rows of d.big, ordered by id.
JobRef bigResult(BigQueryClient& c, int rows) {
    makeBig(c, rows);
    QueryRunner runner(c);
    const auto out = runner.run(request("SELECT id, pad FROM d.big ORDER BY id"));
    EXPECT_TRUE(out.ok());
    return out.job;
}

TEST(ResultExport, StreamsEveryPageToAFileAndReportsProgress) {
    SandboxProcess s;
    BigQueryClient c(options(s));
    const JobRef job = bigResult(c, 30000);
    const auto dir = freshDir("ok");

    ExportOptions o;
    o.targetPageBytes = 64 * 1024; // many pages
    std::vector<ExportProgress> seen;
    o.progress = [&](const ExportProgress& p) { seen.push_back(p); };
    o.format = RowFormat::Csv;
    const auto done = exportResult(c, job, dir / "big.csv", o);
    EXPECT_EQ(done.rows, 30000u);
    EXPECT_EQ(done.bytes, std::filesystem::file_size(dir / "big.csv"));
    ASSERT_GT(seen.size(), 3u);
    for (std::size_t i = 1; i < seen.size(); ++i) EXPECT_GT(seen[i].rows, seen[i - 1].rows);
    EXPECT_EQ(seen.back().totalRows, 30000);
    std::ifstream csv(dir / "big.csv");
    std::string line;
    std::getline(csv, line);
    EXPECT_EQ(line, "id,pad\r");
    for (int i = 0; i < 30000; ++i) {
        ASSERT_TRUE(std::getline(csv, line));
        ASSERT_EQ(line, std::to_string(i) + ",row-" + std::to_string(i) + "\r");
    }
    EXPECT_FALSE(std::getline(csv, line));

    o.format = RowFormat::JsonArray;
    exportResult(c, job, dir / "big.json", o);
    std::ifstream jf(dir / "big.json");
    const auto all = nlohmann::json::parse(jf);
    ASSERT_EQ(all.size(), 30000u);
    EXPECT_EQ(all[29999]["id"], "29999");
    EXPECT_EQ(entries(dir), (std::vector<std::string>{"big.csv", "big.json"})); // no temporary files left
    std::filesystem::remove_all(dir);
}

TEST(ResultExport, ACancelledOrFailedExportLeavesTheOldFileAndNothingElse) {
    SandboxProcess s;
    BigQueryClient c(options(s));
    const JobRef job = bigResult(c, 20000);
    const auto dir = freshDir("cancel");
    { std::ofstream(dir / "keep.ndjson") << "old contents\n"; }

    CancelToken cancel;
    ExportOptions o;
    o.format = RowFormat::NdJson;
    o.targetPageBytes = 64 * 1024;
    o.cancel = &cancel;
    o.progress = [&](const ExportProgress&) { cancel.cancel(); }; // after the first page
    try {
        exportResult(c, job, dir / "keep.ndjson", o);
        FAIL() << "a cancelled export returned";
    } catch (const TransportError& e) {
        EXPECT_EQ(e.kind(), TransportError::Kind::Cancelled);
    }
    std::ifstream kept(dir / "keep.ndjson");
    std::string text((std::istreambuf_iterator<char>(kept)), {});
    EXPECT_EQ(text, "old contents\n");
    EXPECT_EQ(entries(dir), std::vector<std::string>{"keep.ndjson"});

    // A folder that does not exist: the error names the file and says what to do.
    ExportOptions plain;
    try {
        exportResult(c, job, dir / "missing" / "r.csv", plain);
        FAIL() << "an export into a missing folder returned";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("missing"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("choose another place"), std::string::npos) << e.what();
    }
    // An unknown job: the API's error, and still nothing written.
    try {
        exportResult(c, JobRef{"p", "nope", ""}, dir / "none.csv", plain);
        FAIL() << "an export of an unknown job returned";
    } catch (const ApiError& e) {
        EXPECT_EQ(e.httpStatus(), 404);
    }
    EXPECT_EQ(entries(dir), std::vector<std::string>{"keep.ndjson"});
    std::filesystem::remove_all(dir);
}

TEST(QueryRunner, ARestartedRunnerReattachesToARunningJob) {
    SandboxProcess s({"--faults", "job:delay=2s:1"});
    BigQueryClient c(options(s));
    c.insertJob("p", {{"jobReference", {{"jobId", "left_running"}}},
                      {"configuration", {{"query", {{"query", "SELECT 7 AS n"}, {"useLegacySql", false}}}}}});
    BigQueryClient fresh(options(s)); // a new client and runner, as after an app restart
    QueryRunner runner(fresh);
    const auto running = runner.runningJobs("p");
    ASSERT_EQ(running.size(), 1u);
    EXPECT_EQ(running[0].jobId, "left_running");
    const auto out = runner.attach(running[0]);
    ASSERT_TRUE(out.ok());
    EXPECT_EQ(out.states.back().state, "DONE");
    ResultPager pager(fresh, out.job);
    EXPECT_EQ(pager.next()->rows.at(0)[0].asInt64(), 7);
}

TEST(QueryRunner, HostileJobsAndConnections) {
    {
        SandboxProcess s;
        BigQueryClient c(options(s));
        QueryRunner runner(c);
        try {
            runner.attach(JobRef{"p", "no_such_job", ""});
            FAIL();
        } catch (const ApiError& e) {
            EXPECT_EQ(e.httpStatus(), 404);
            EXPECT_EQ(e.message(), "Not found: Job p:no_such_job");
        }
        const auto out = runner.run(request("SELECT 1 AS x"));
        ASSERT_TRUE(out.ok());
        try {
            c.getJob(JobRef{"p", out.job.jobId, "EU"});
            FAIL();
        } catch (const ApiError& e) {
            EXPECT_EQ(e.httpStatus(), 404);
            EXPECT_NE(e.message().find("p:EU."), std::string::npos) << e.message();
        }
    }
    {
        // Half the polls and reads are cut off mid-answer: retried transparently.
        SandboxProcess s({"--faults", "getQueryResults:reset:0.5,jobs.get:reset:0.3", "--seed", "7"});
        BigQueryClient c(options(s));
        makeBig(c, 5000);
        QueryRunner runner(c);
        const auto out = runner.run(request("SELECT id FROM d.big ORDER BY id"));
        ASSERT_TRUE(out.ok());
        ResultPager pager(c, out.job, 8 * 1024, 100);
        std::int64_t n = 0;
        while (auto page = pager.next()) n += static_cast<std::int64_t>(page->rows.size());
        EXPECT_EQ(n, 5000);
    }
}

TEST(QueryRunner, JobLevelBackendErrorsRerunUnderNewIds) {
    SandboxProcess s({"--faults", "job:500:1"});
    BigQueryClient c(options(s));
    QueryRunner runner(c);
    const auto out = runner.run(request("SELECT 1 AS x"));
    ASSERT_FALSE(out.ok());
    EXPECT_EQ(out.error->reason(), "jobBackendError");
    EXPECT_EQ(out.reruns, 3);
    EXPECT_EQ(c.listJobs("p")["jobs"].size(), 4u); // the first try and three reruns, each its own job

    // With a caller-chosen job id there is no rerun: the id would collide.
    auto fixed = request("SELECT 1 AS x");
    fixed.jobId = "mine";
    const auto once = runner.run(fixed);
    EXPECT_EQ(once.reruns, 0);
    EXPECT_EQ(once.error->reason(), "jobBackendError");
}
