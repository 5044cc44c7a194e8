// SPDX-License-Identifier: MIT
// quarry-cli query / cancel / jobs / history, the real binary against a started sandbox.
#include "RunCommand.h"
#include "SandboxProcess.h"
#include "bigquery/BigQueryClient.h"
#include "platform/Process.h"
#include "platform/System.h"

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <gtest/gtest.h>
#include <chrono>
#include <thread>

using namespace quarry;
using quarry::test::SandboxProcess;

namespace {

using Run = quarry::test::CommandResult;

Run cli(const std::string& args, const std::string& input = {}) {
    static const std::string home = std::filesystem::temp_directory_path() / ("quarry-cli-home-" + std::to_string(quarry::platform::processId()));
    std::string cmd = "XDG_DATA_HOME=" + home + " " + QUARRY_CLI + " " + args;
    if (!input.empty()) cmd = "printf '%s' '" + input + "' | " + cmd;
    return quarry::test::runCommand(cmd);
}

void seed(const SandboxProcess& s) {
    BigQueryClient::Options o;
    o.endpoint = Endpoint::fromUrl(s.url());
    o.projectId = "p";
    BigQueryClient c(o);
    c.insertDataset("p", {{"datasetReference", {{"datasetId", "d"}}}});
    c.insertTable("p", "d", {{"tableReference", {{"tableId", "t"}}},
                             {"schema", {{"fields", {{{"name", "n"}, {"type", "INT64"}}, {{"name", "tags"}, {"type", "STRING"}, {"mode", "REPEATED"}}}}}}});
    c.insertAll(TableRef{"p", "d", "t"}, R"({"rows":[{"json":{"n":1,"tags":["a","b"]}},{"json":{"n":2}},{"json":{"n":3,"tags":["c"]}}]})");
}

} // namespace

TEST(CliQuery, RunsAndPrintsRowsAndRecordsHistory) {
    SandboxProcess s;
    seed(s);
    const std::string base = "--endpoint " + s.url() + " --project p ";
    auto r = cli(base + "--format ndjson query 'SELECT n, tags FROM d.t ORDER BY n DESC'");
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find(R"({"n":"3","tags":["c"]})"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("3 rows in"), std::string::npos) << r.out;
    r = cli(base + "--format csv query --max-rows 1 --dataset d 'SELECT t.n FROM t ORDER BY 1'");
    EXPECT_EQ(r.out.rfind("n\r\n1\r\n", 0), 0u) << r.out;
    EXPECT_EQ(r.out.find("2\r\n"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("Showing the first 1 of 3 rows"), std::string::npos) << r.out;
    // Global options after the verb, as bq takes them.
    r = cli("query --format json --endpoint " + s.url() + " --project p --dataset d 'SELECT n FROM t WHERE n = 2'");
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find(R"("n":"2")"), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("| 2 |"), std::string::npos) << r.out; // not the table format
    r = cli(base + "query -", "SELECT COUNT(*) AS c FROM d.t");
    EXPECT_NE(r.out.find("| 3 |"), std::string::npos) << r.out;
    r = cli("history -n 2");
    EXPECT_NE(r.out.find("SELECT COUNT(*) AS c FROM d.t"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("DONE"), std::string::npos) << r.out;
    // Start times are local times people read, ISO 8601 in the data formats; never epoch ms.
    EXPECT_TRUE(std::regex_search(r.out, std::regex(R"(\| 20\d\d-\d\d-\d\d \d\d:\d\d:\d\d +\|)"))) << r.out;
    r = cli("--format json history -n 1");
    EXPECT_TRUE(std::regex_search(r.out, std::regex(R"("started":"20\d\d-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d")"))) << r.out;
}

TEST(CliQuery, OutputWritesEveryRowToAFileInTheFormatItsNameSays) {
    SandboxProcess s;
    seed(s);
    const std::string base = "--endpoint " + s.url() + " --project p ";
    const auto dir = std::filesystem::temp_directory_path() / ("quarry-cli-out-" + std::to_string(quarry::platform::processId()));
    std::filesystem::create_directories(dir);
    auto r = cli(base + "query -o " + (dir / "r.csv").string() + " 'SELECT n, tags FROM d.t ORDER BY n'");
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("Wrote 3 rows"), std::string::npos) << r.out;
    std::ifstream csv(dir / "r.csv");
    const std::string text((std::istreambuf_iterator<char>(csv)), {});
    EXPECT_EQ(text, "n,tags\r\n1,\"[\"\"a\"\",\"\"b\"\"]\"\r\n2,[]\r\n3,\"[\"\"c\"\"]\"\r\n");
    // Results can be private: a new export is the owner's alone.
    EXPECT_EQ(std::filesystem::status(dir / "r.csv").permissions() & std::filesystem::perms::all,
              std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    // --format wins over the name; an unknown extension without --format is a usage error.
    r = cli(base + "--format ndjson query -o " + (dir / "r.txt").string() + " 'SELECT n FROM d.t ORDER BY n'");
    ASSERT_EQ(r.code, 0) << r.out;
    std::ifstream nd(dir / "r.txt");
    const std::string lines((std::istreambuf_iterator<char>(nd)), {});
    EXPECT_EQ(lines, "{\"n\":\"1\"}\n{\"n\":\"2\"}\n{\"n\":\"3\"}\n");
    r = cli(base + "query -o " + (dir / "r.xlsx").string() + " 'SELECT 1'");
    EXPECT_EQ(r.code, 2) << r.out;
    EXPECT_NE(r.out.find("Name it .csv, .ndjson or .json"), std::string::npos) << r.out;
    EXPECT_FALSE(std::filesystem::exists(dir / "r.xlsx"));
    std::filesystem::remove_all(dir);
}

TEST(CliQuery, SqlErrorsPointAtTheColumn) {
    SandboxProcess s;
    seed(s);
    const auto r = cli("--endpoint " + s.url() + " --project p query -", "SELECT n\nFROM d.t\nWHERE nn > 1");
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.out.find("quarry-cli: invalidQuery: Unrecognized name: nn at [3:7]\n  WHERE nn > 1\n        ^\n"), std::string::npos) << r.out;
}

TEST(CliQuery, DryRunAndByteCap) {
    SandboxProcess s;
    seed(s);
    const std::string base = "--endpoint " + s.url() + " --project p ";
    auto r = cli(base + "query --dry-run 'SELECT n FROM d.t'");
    EXPECT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("This query will process 24 B (24 bytes)"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("n  INTEGER  NULLABLE"), std::string::npos) << r.out;
    r = cli(base + "query --max-bytes 10 'SELECT n FROM d.t'");
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.out.find("bytesBilledLimitExceeded"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("raise --max-bytes"), std::string::npos) << r.out;
}

TEST(CliQuery, CancelAndJobs) {
    SandboxProcess s({"--faults", "job:delay=60s:1"});
    BigQueryClient::Options o;
    o.endpoint = Endpoint::fromUrl(s.url());
    o.projectId = "p";
    BigQueryClient c(o);
    c.insertJob("p", {{"jobReference", {{"jobId", "slow"}}}, {"configuration", {{"query", {{"query", "SELECT 1"}, {"useLegacySql", false}}}}}});
    const std::string base = "--endpoint " + s.url() + " --project p ";
    auto r = cli(base + "jobs --running");
    EXPECT_NE(r.out.find("| slow "), std::string::npos) << r.out;
    r = cli(base + "cancel slow");
    EXPECT_EQ(r.code, 0) << r.out;
    EXPECT_EQ(r.out, "Job p:slow was stopped.\n");
    r = cli(base + "cancel slow");
    EXPECT_EQ(r.out, "Job p:slow had already finished.\n");
    r = cli(base + "cancel nope");
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.out.find("notFound: Not found: Job p:nope"), std::string::npos) << r.out;
}

TEST(CliQuery, InterruptCancelsTheJobOnTheServerPrintsItAndRecordsIt) {
    SandboxProcess s({"--faults", "job:delay=120s:1"});
    BigQueryClient::Options o;
    o.endpoint = Endpoint::fromUrl(s.url());
    o.projectId = "p";
    BigQueryClient c(o);
    const auto dir = std::filesystem::temp_directory_path() / ("quarry-cli-int-" + std::to_string(quarry::platform::processId()));
    std::filesystem::create_directories(dir);
    const std::string log = (dir / "cli.log").string();
    for (const bool interrupt : {true, false}) { // Ctrl-C (SIGINT), then SIGTERM
        SCOPED_TRACE(interrupt ? "interrupted" : "terminated");
        platform::ChildProcess::Options run;
        run.args = {QUARRY_CLI, "--endpoint", s.url(), "--project", "p", "query", "SELECT 17 AS n"};
        run.environment = {"XDG_DATA_HOME=" + (dir / "data").string()};
        run.addToParentEnvironment = true;
        run.outputFile = log;
        run.errorToOutput = true;
        std::filesystem::remove(log);
        auto cli = platform::ChildProcess::start(run);
        ASSERT_TRUE(cli.started());
        // Wait (bounded) until the server runs the job, then interrupt the CLI as Ctrl-C would.
        std::string jobId;
        for (int i = 0; i < 400 && jobId.empty(); ++i) {
            for (const auto& j : c.listJobs("p", {}, {"running"}, 100).value("jobs", Json::array()))
                jobId = j["jobReference"].value("jobId", "");
            if (jobId.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        ASSERT_FALSE(jobId.empty());
        if (interrupt) cli.interrupt();
        else cli.terminate();
        const auto code = cli.wait(std::chrono::seconds(30));
        ASSERT_TRUE(code.has_value()) << "the CLI did not stop after the signal";
        EXPECT_EQ(*code, 130);
        std::ifstream in(log);
        const std::string out((std::istreambuf_iterator<char>(in)), {});
        const std::string ref = "p:US." + jobId;
        EXPECT_NE(out.find("cancelling job " + ref), std::string::npos) << out;
        EXPECT_NE(out.find("Job " + ref + " was stopped."), std::string::npos) << out;
        const auto job = c.getJob(JobRef{"p", jobId, "US"});
        EXPECT_EQ(job["status"].value("state", ""), "DONE");
        EXPECT_EQ(job["status"].value("errorResult", Json::object()).value("reason", ""), "stopped");
        // Every reference the CLI prints is accepted where a job is named.
        const std::string base = "XDG_DATA_HOME=" + (dir / "data").string() + " " + QUARRY_CLI + " --endpoint " + s.url() +
                                 " --project p ";
        auto r = quarry::test::runCommand(base + "cancel " + ref);
        EXPECT_EQ(r.code, 0) << r.out;
        EXPECT_EQ(r.out, "Job " + ref + " had already finished.\n");
        r = quarry::test::runCommand(base + "jobs " + ref);
        EXPECT_NE(r.out.find("state: DONE"), std::string::npos) << r.out;
        EXPECT_NE(r.out.find("error: stopped"), std::string::npos) << r.out;
        r = quarry::test::runCommand(base + "show -j US." + jobId);
        EXPECT_NE(r.out.find("Job " + ref), std::string::npos) << r.out;
        r = quarry::test::runCommand(base + "history -n 1");
        EXPECT_NE(r.out.find(jobId), std::string::npos) << r.out;
        EXPECT_NE(r.out.find("CANCELLED"), std::string::npos) << r.out;
    }
    std::filesystem::remove_all(dir);
}

TEST(CliQuery, ByteCapsTakeUnits) {
    SandboxProcess s;
    seed(s);
    const std::string base = "--endpoint " + s.url() + " --project p ";
    auto r = cli(base + "query --max-bytes 1GB 'SELECT n FROM d.t'");
    EXPECT_EQ(r.code, 0) << r.out;
    r = cli(base + "query --max-bytes '1.5 KiB' 'SELECT n FROM d.t'");
    EXPECT_EQ(r.code, 0) << r.out;
    r = cli(base + "query --max-bytes 20B 'SELECT n + 1 AS m FROM d.t'");
    EXPECT_EQ(r.code, 1) << r.out;
    EXPECT_NE(r.out.find("raise --max-bytes (now 20)"), std::string::npos) << r.out;
    r = cli(base + "query --max-bytes 1XB 'SELECT n FROM d.t'");
    EXPECT_EQ(r.code, 2) << r.out;
    EXPECT_NE(r.out.find("--max-bytes: '1XB' is not a size"), std::string::npos) << r.out;
    EXPECT_LT(r.out.size(), 400u) << r.out; // a sentence, not a 300-digit range
}

// A session, as bq's --create_session and --session_id give one: variables and temporary
// tables from one query are there in the next; BQ.ABORT_SESSION ends it.
TEST(CliQuery, SessionsKeepVariablesAndTemporaryTables) {
    SandboxProcess s;
    seed(s);
    const std::string base = "--endpoint " + s.url() + " --project p --format ndjson ";
    auto r = cli(base + "query --no-history --create-session "
                        "'DECLARE k INT64 DEFAULT 10; CREATE TEMP TABLE big AS SELECT n FROM d.t WHERE n > 1; SELECT k'");
    ASSERT_EQ(r.code, 0) << r.out;
    const auto at = r.out.find("In session: ");
    ASSERT_NE(at, std::string::npos) << r.out;
    const std::string id = r.out.substr(at + 12, r.out.find('\n', at) - at - 12);
    r = cli(base + "query --no-history --session-id " + id + " 'SELECT k * SUM(n) AS total FROM _SESSION.big'");
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find(R"({"total":"50"})"), std::string::npos) << r.out;
    r = cli(base + "query --no-history 'SELECT k'"); // outside the session there is no k
    EXPECT_NE(r.code, 0);
    r = cli(base + "query --no-history --session-id " + id + " 'CALL BQ.ABORT_SESSION()'");
    ASSERT_EQ(r.code, 0) << r.out;
    r = cli(base + "query --no-history --session-id " + id + " 'SELECT 1'");
    EXPECT_NE(r.code, 0);
    EXPECT_NE(r.out.find("not found or has ended"), std::string::npos) << r.out;
}
