// SPDX-License-Identifier: MIT
// quarry-cli upload as a user runs it: killed with SIGKILL at random points and resumed until
// done (the table must end with exactly the file's rows), and its messages and exit codes.
#include "RunCommand.h"
#include "Spawn.h"
#include "SandboxProcess.h"
#include "UploadFixture.h"

#include <chrono>
#include <filesystem>
#include <functional>
#include <fstream>
#include <gtest/gtest.h>
#include <random>
#include <thread>

extern char** environ;

using namespace quarry;
using namespace quarry::test;
using namespace std::chrono_literals;

namespace {

std::vector<std::string> uploadArgs(const SandboxProcess& s, const std::string& file, const std::string& table) {
    return {QUARRY_CLI, "--endpoint", s.url(), "--project", "p", "upload", file, table, "--batch-rows", "200"};
}

/// Starts the CLI with XDG_STATE_HOME=state (its journals) and output to `log`.
std::string cli(const SandboxProcess& s, const std::string& args, const std::string& state) {
    return runCommand("XDG_STATE_HOME=" + state + " " + QUARRY_CLI + " --endpoint " + s.url() + " --project p " + args).out;
}

/// Waits (up to 60 s) until the upload journal directory under `state` holds a file, or
/// `upload` has ended.
void waitForJournal(const std::string& state, platform::ChildProcess& upload) {
    const auto dir = std::filesystem::path(state) / "quarry" / "uploads";
    const auto end = std::chrono::steady_clock::now() + 60s;
    while (std::chrono::steady_clock::now() < end) {
        std::error_code ec;
        if (std::filesystem::is_directory(dir, ec) && !std::filesystem::is_empty(dir, ec)) return;
        if (upload.wait(0ms)) return; // ended (waitFor gives its exit code)
        std::this_thread::sleep_for(5ms);
    }
}

struct Killed {
    int kills = 0, code = -1;
};

/// Runs the upload `args` until it ends: killed (SIGKILL) `wanted` times, each `delay()` into
/// its run, and resumed after each; the run after the last kill is let finish. The first run
/// may die before its journal exists; the later ones are killed only once it does (a slow
/// start, as under a sanitizer, must not turn every kill into one before the journal).
Killed killAndResume(const std::vector<std::string>& args, const std::string& state, const std::string& log, int wanted,
                     const std::function<std::chrono::milliseconds()>& delay) {
    Killed k;
    bool resume = false;
    for (int round = 0; round < 6 * wanted && k.code != 0; ++round) {
        auto run = args;
        if (resume) run.push_back("--resume");
        auto upload = spawnCli(run, state, log);
        EXPECT_TRUE(upload.started());
        if (!upload.started()) return k;
        bool running = false;
        if (k.kills >= 1 && k.kills < wanted) waitForJournal(state, upload);
        const auto limit = k.kills < wanted ? delay() : std::chrono::milliseconds(120000);
        k.code = waitFor(upload, limit, &running);
        if (running) {
            ++k.kills;
            resume = true;
            continue;
        }
        if (k.code != 0) {
            // Killed before the journal existed: there is nothing to resume yet.
            const std::string out = runCommand("tail -n 3 " + log).out;
            EXPECT_NE(out.find("no interrupted upload"), std::string::npos) << out;
            resume = false;
        }
    }
    return k;
}

} // namespace

TEST(CliUpload, KilledAtRandomPointsAndResumedEndsWithExactlyTheFilesRows) {
    UploadEnv env({"--faults", "insertAll:delay=40ms:1"});
    auto& s = env.sandbox;
    auto& c = env.client;
    auto& dir = env.dir;
    createPersonsTable(c, "killed");
    const UploadFile f = writePersons(dir.path + "/p.ndjson", 60000);
    const std::string state = dir.path + "/state", log = dir.path + "/cli.log";
    std::mt19937 rnd(2026);
    auto args = uploadArgs(s, f.path, "d.killed");
    args.insert(args.end(), {"--api", "insertall"}); // the path the insertAll faults slow down
    const auto r = killAndResume(args, state, log, 6, [&] { return std::chrono::milliseconds(100 + rnd() % 800); });
    EXPECT_EQ(r.code, 0) << runCommand("tail -n 20 " + log).out;
    EXPECT_GE(r.kills, 3);
    const std::string tail = runCommand("tail -n 12 " + log).out;
    EXPECT_NE(tail.find("earlier runs"), std::string::npos) << tail; // the last run did resume
    expectTableMatches(c, "killed", f.sums);
}

TEST(CliUpload, ThroughTheWriteApiKilledTenTimesAndResumedEndsWithExactlyTheFilesRows) {
    UploadEnv env;
    auto& s = env.sandbox;
    if (s.grpcAddress().empty()) GTEST_SKIP() << "this sandbox serves no Storage API";
    auto& c = env.client;
    auto& dir = env.dir;
    createPersonsTable(c, "written");
    const UploadFile f = writePersons(dir.path + "/p.ndjson", 100000);
    const std::string state = dir.path + "/state", log = dir.path + "/cli.log";
    std::mt19937 rnd(2027);
    // Small appends (300 rows): many offsets journaled, many places to be killed between.
    auto args = uploadArgs(s, f.path, "d.written");
    args.back() = "300"; // --batch-rows
    args.insert(args.end(), {"--api", "write"});
    const auto r = killAndResume(args, state, log, 10, [&] { return std::chrono::milliseconds(5 + rnd() % 80); });
    EXPECT_EQ(r.code, 0) << runCommand("tail -n 20 " + log).out;
    EXPECT_GE(r.kills, 10);
    const std::string tail = runCommand("tail -n 14 " + log).out;
    EXPECT_NE(tail.find("Storage Write API"), std::string::npos) << tail;
    EXPECT_NE(tail.find("earlier runs"), std::string::npos) << tail;
    expectTableMatches(c, "written", f.sums);
}

TEST(CliUpload, TheWriteApiStoresWhatInsertAllStoresForEveryType) {
    UploadEnv env;
    auto& s = env.sandbox;
    if (s.grpcAddress().empty()) GTEST_SKIP() << "this sandbox serves no Storage API";
    const std::string schema = env.dir.path + "/schema.json", data = env.dir.path + "/all.ndjson";
    std::ofstream(schema) << R"([{"name":"i","type":"INTEGER"},{"name":"f","type":"FLOAT"},{"name":"b","type":"BOOLEAN"},
        {"name":"s","type":"STRING"},{"name":"y","type":"BYTES"},{"name":"n","type":"NUMERIC"},{"name":"bn","type":"BIGNUMERIC"},
        {"name":"d","type":"DATE"},{"name":"t","type":"TIME"},{"name":"dt","type":"DATETIME"},{"name":"ts","type":"TIMESTAMP"},
        {"name":"j","type":"JSON"},{"name":"g","type":"GEOGRAPHY"},{"name":"r","type":"RANGE","rangeElementType":{"type":"DATE"}},
        {"name":"tags","type":"STRING","mode":"REPEATED"},
        {"name":"rec","type":"RECORD","mode":"REPEATED","fields":[{"name":"k","type":"STRING"},{"name":"v","type":"FLOAT"},
            {"name":"deep","type":"RECORD","fields":[{"name":"when","type":"DATETIME"}]}]}])";
    std::ofstream(data)
        << R"J({"i":"-9223372036854775808","f":-0.5,"b":"true","s":"hé","y":"AAEC/w==","n":"-123.000000001","bn":"1000.5","d":"0001-01-01","t":"23:59:59.999999","dt":"1969-12-31T23:59:59.5","ts":"1960-01-01 00:00:00.000001 UTC","j":{"a":[1,null]},"g":"POINT(1 2)","r":"[1999-01-01, UNBOUNDED)","tags":["a",""],"rec":[{"k":"x","v":1e300,"deep":{"when":"9999-12-31 23:59:59.999999"}},{"k":null}]})J"
        << "\n"
        << R"({"i":7,"f":"NaN","b":false,"ts":1700000000.25,"d":"1970-01-01","dt":"2024-02-29 12:00:00","tags":[],"rec":[]})" << "\n"
        << R"({})" << "\n";
    const std::string state = env.dir.path + "/state";
    for (const std::string api : {"write", "insertall"}) {
        const auto out = cli(s, "upload --create --create-dataset --schema " + schema + " --api " + api + " " + data + " d.by_" + api, state);
        EXPECT_NE(out.find("inserted        3"), std::string::npos) << out;
    }
    for (const auto& [a, b] : {std::pair{"write", "insertall"}, std::pair{"insertall", "write"}}) {
        const auto n = queryRow(env.client, std::string("SELECT COUNT(*) AS n FROM (SELECT TO_JSON_STRING(t) AS x FROM d.by_") + a +
                                                " AS t EXCEPT DISTINCT SELECT TO_JSON_STRING(t) FROM d.by_" + b + " AS t)");
        EXPECT_EQ(n.at("n"), 0) << "rows of d.by_" << a << " that d.by_" << b << " lacks";
    }
}

TEST(CliUpload, SummaryStrictErrorsAndPrintSchema) {
    UploadEnv env;
    auto& s = env.sandbox;
    auto& dir = env.dir;
    const UploadFile f = writePersons(dir.path + "/p.ndjson", 300);
    const std::string state = dir.path + "/state";

    const auto schema = cli(s, "upload " + f.path + " --print-schema", state);
    EXPECT_NE(schema.find("\"yearsLived\""), std::string::npos) << schema;
    EXPECT_NE(schema.find("\"REPEATED\""), std::string::npos) << schema;

    const auto ok = runCommand("XDG_STATE_HOME=" + state + " " + QUARRY_CLI + " --endpoint " + s.url() +
                               " --project p upload " + f.path + " d.people --create --autodetect");
    EXPECT_EQ(ok.code, 0) << ok.out;
    EXPECT_NE(ok.out.find("inserted        300"), std::string::npos) << ok.out;
    EXPECT_NE(ok.out.find("created table p:d.people"), std::string::npos) << ok.out;

    appendLines(f.path, {R"({"id":"x1"})"});
    const auto bad = runCommand("XDG_STATE_HOME=" + state + " " + QUARRY_CLI + " --endpoint " + s.url() +
                                " --project p upload " + f.path + " d.people");
    EXPECT_EQ(bad.code, 1);
    EXPECT_NE(bad.out.find(f.path + ":301:1: Cannot convert value \"x1\" to integer for field id."), std::string::npos)
        << bad.out;

    const auto json = cli(s, "--format json upload " + f.path + " d.people --skip-invalid", state);
    const auto j = Json::parse(json.substr(json.find('{')), nullptr, false);
    ASSERT_TRUE(j.is_object()) << json;
    EXPECT_EQ(j["inserted"], 300);
    EXPECT_EQ(j["rejected"], 1);
    EXPECT_EQ(j["rejectsFile"], f.path + ".rejects.ndjson");

    const auto usage = runCommand(std::string(QUARRY_CLI) + " upload " + f.path);
    EXPECT_EQ(usage.code, 2) << usage.out;
}
