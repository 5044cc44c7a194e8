// SPDX-License-Identifier: MIT
// quarry-cli upload as a user runs it: killed with SIGKILL at random points and resumed until
// done (the table must end with exactly the file's rows), and its messages and exit codes.
#include "RunCommand.h"
#include "Spawn.h"
#include "SandboxProcess.h"
#include "UploadFixture.h"

#include <chrono>
#include <filesystem>
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
    int kills = 0, code = -1;
    bool resume = false;
    for (int round = 0; round < 40 && code != 0; ++round) {
        auto args = uploadArgs(s, f.path, "d.killed");
        if (resume) args.push_back("--resume");
        auto upload = spawnCli(args, state, log);
        ASSERT_TRUE(upload.started());
        bool running = false;
        // Kill the first run somewhere in its first 0.1-0.9 s (perhaps before its journal
        // exists), the next five 0.1-0.9 s after the journal exists (a slow start, as under a
        // sanitizer, must not turn every kill into one before the journal); let the last finish.
        if (kills >= 1 && kills < 6) waitForJournal(state, upload);
        const auto limit = kills < 6 ? std::chrono::milliseconds(100 + rnd() % 800) : std::chrono::milliseconds(120000);
        code = waitFor(upload, limit, &running);
        if (running) {
            ++kills;
            resume = true;
            continue;
        }
        if (code != 0) {
            // Killed before the journal existed: there is nothing to resume yet.
            const std::string out = runCommand("tail -n 3 " + log).out;
            ASSERT_NE(out.find("no interrupted upload"), std::string::npos) << out;
            resume = false;
        }
    }
    EXPECT_EQ(code, 0) << runCommand("tail -n 20 " + log).out;
    EXPECT_GE(kills, 3);
    const std::string tail = runCommand("tail -n 12 " + log).out;
    EXPECT_NE(tail.find("earlier runs"), std::string::npos) << tail; // the last run did resume
    expectTableMatches(c, "killed", f.sums);
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
