// SPDX-License-Identifier: MIT
// The uploader end to end against a real quarry-sandbox: exactly once under injected faults,
// strict and --skip-invalid modes, the rejects file, oversized rows and batches, cancel and
// resume, gzip and JSON-array input. Sums over every column (at each nesting level) are
// compared with sums computed from the file itself.
#include "SandboxProcess.h"
#include "UploadFixture.h"
#include "net/CancelToken.h"
#include "upload/Uploader.h"

#include <fstream>
#include <gtest/gtest.h>
#include <thread>

using namespace quarry;
using namespace quarry::upload;
using namespace quarry::test;
using namespace std::chrono_literals;

namespace {

UploadOptions opts(const UploadFile& f, const std::string& table, const ScratchDir& dir) {
    UploadOptions o;
    o.file = f.path;
    o.table = TableRef{"p", "d", table};
    o.create = true;
    o.autodetect = true;
    o.journalDir = dir.path + "/journals";
    return o;
}

std::vector<std::string> lines(const std::string& path) {
    std::ifstream in(path);
    std::vector<std::string> out;
    for (std::string l; std::getline(in, l);) out.push_back(l);
    return out;
}

} // namespace

TEST(Upload, TwoHundredThousandNestedRowsArriveExactlyOnceUnderFaults) {
    UploadEnv env({"--faults", "insertAll:503:0.05,insertAll:reset:0.02,insertAll:413:0.01,any:delay=200ms:0.05",
                      "--seed", "11"});
    auto& c = env.client;
    auto& dir = env.dir;
    const UploadFile f = writePersons(dir.path + "/persons.ndjson", 200000);
    Uploader up(c, opts(f, "persons", dir));
    const auto sum = up.run();
    EXPECT_EQ(sum.rowsRead, 200000u);
    EXPECT_EQ(sum.inserted, 200000u);
    EXPECT_EQ(sum.rejected, 0u);
    EXPECT_GT(sum.retried, 0u); // the faults did happen
    EXPECT_TRUE(sum.createdTable);
    expectTableMatches(c, "persons", f.sums);
}

TEST(Upload, StrictModeSendsNothingWhenARowIsInvalidAndListsEveryOne) {
    UploadEnv env;
    auto& c = env.client;
    auto& dir = env.dir;
    UploadFile f = writePersons(dir.path + "/p.ndjson", 50);
    appendLines(f.path, {R"({"id":1000,"fullName":"bad","age":"old"})", "{not json", R"({"id":1001,"age":3})"});
    createPersonsTable(c, "strict");
    auto o = opts(f, "strict", dir);
    o.autodetect = false;
    Uploader up(c, o);
    try {
        up.run();
        FAIL() << "expected an UploadError";
    } catch (const UploadError& e) {
        const std::string m = e.what();
        EXPECT_NE(m.find("2 rows of 53"), std::string::npos) << m;
        EXPECT_NE(m.find("p.ndjson:51:1: "), std::string::npos) << m;
        EXPECT_NE(m.find("Nothing was sent"), std::string::npos) << m;
        EXPECT_NE(m.find("--skip-invalid"), std::string::npos) << m;
    }
    EXPECT_EQ(countRows(c, "strict"), 0);
    const auto rej = lines(f.path + ".rejects.ndjson");
    ASSERT_EQ(rej.size(), 2u);
    EXPECT_EQ(Json::parse(rej[0])["line"], 51);
    EXPECT_EQ(Json::parse(rej[1])["line"], 52);
    EXPECT_EQ(Json::parse(rej[1])["text"], "{not json");
}

TEST(Upload, NewTableIsNotCreatedWhenStrictCheckFails) {
    UploadEnv env;
    auto& c = env.client;
    auto& dir = env.dir;
    UploadFile f = writePersons(dir.path + "/p.ndjson", 10);
    appendLines(f.path, {"[1,2]"});
    Uploader up(c, opts(f, "never", dir));
    EXPECT_THROW(up.run(), UploadError);
    EXPECT_THROW(c.getTable(TableRef{"p", "d", "never"}), ApiError);
}

TEST(Upload, SkipInvalidUploadsTheRestAndTheFixedRejectsCompleteTheTable) {
    UploadEnv env;
    auto& c = env.client;
    auto& dir = env.dir;
    UploadFile f = writePersons(dir.path + "/p.ndjson", 100);
    appendLines(f.path, {R"({"id":100,"fullName":"x","age":"forty"})", R"({"id":101,"fullName":"y","nope":1})"});
    createPersonsTable(c, "skip");
    auto o = opts(f, "skip", dir);
    o.skipInvalid = true;
    const auto sum = Uploader(c, o).run();
    EXPECT_EQ(sum.inserted, 100u);
    EXPECT_EQ(sum.rejected, 2u);
    ASSERT_FALSE(sum.rejectsFile.empty());
    const auto rej = lines(sum.rejectsFile);
    ASSERT_EQ(rej.size(), 2u);
    const auto r0 = Json::parse(rej[0]), r1 = Json::parse(rej[1]);
    EXPECT_EQ(r0["line"], 101);
    EXPECT_NE(r0["error"].get<std::string>().find("age"), std::string::npos);
    EXPECT_EQ(r1["line"], 102);
    EXPECT_NE(r1["error"].get<std::string>().find("no such field: nope"), std::string::npos);
    // Fix the two rows from the rejects file and upload them.
    {
        std::ofstream fixed(dir.path + "/fixed.ndjson");
        fixed << R"({"id":100,"fullName":"x","age":40})" << "\n" << R"({"id":101,"fullName":"y"})" << "\n";
    }
    UploadFile g{dir.path + "/fixed.ndjson", {}};
    auto o2 = opts(g, "skip", dir);
    EXPECT_EQ(Uploader(c, o2).run().inserted, 2u);
    EXPECT_EQ(countRows(c, "skip"), 102);
}

TEST(Upload, ARowTooLargeForAnyRequestIsRejectedWithItsLine) {
    UploadEnv env;
    auto& c = env.client;
    auto& dir = env.dir;
    UploadFile f = writePersons(dir.path + "/p.ndjson", 20);
    appendLines(f.path, {R"({"id":20,"fullName":")" + std::string(10u << 20, 'x') + "\"}"});
    appendLines(f.path, {R"({"id":21,"fullName":"after"})"});
    createPersonsTable(c, "big");
    auto o = opts(f, "big", dir);
    o.skipInvalid = true;
    const auto sum = Uploader(c, o).run();
    EXPECT_EQ(sum.inserted, 21u);
    EXPECT_EQ(sum.rejected, 1u);
    const auto rej = lines(sum.rejectsFile);
    ASSERT_EQ(rej.size(), 1u);
    const auto r = Json::parse(rej[0]);
    EXPECT_EQ(r["line"], 21);
    EXPECT_NE(r["error"].get<std::string>().find("more than a streaming insert can carry"), std::string::npos);
    EXPECT_EQ(r["text"].get<std::string>().size(), (10u << 20) + 23); // kept whole: nothing lost
}

TEST(Upload, BatchesAnswered413AreSplitUntilTheyFit) {
    UploadEnv env({"--faults", "insertAll:413:0.4", "--seed", "3"});
    auto& c = env.client;
    auto& dir = env.dir;
    const UploadFile f = writePersons(dir.path + "/p.ndjson", 3000);
    auto o = opts(f, "split", dir);
    const auto sum = Uploader(c, o).run();
    EXPECT_EQ(sum.inserted + sum.rejected, 3000u);
    EXPECT_GT(sum.retried, 0u);
    // A row alone answered 413 (by chance, 40% each time) is rejected, never lost.
    EXPECT_EQ(countRows(c, "split"), static_cast<long long>(sum.inserted));
    if (sum.rejected) {
        for (const auto& l : lines(sum.rejectsFile))
            EXPECT_NE(Json::parse(l)["error"].get<std::string>().find("HTTP 413"), std::string::npos);
    }
}

TEST(Upload, CancelLeavesAResumableJournalAndResumeEndsExact) {
    UploadEnv env({"--faults", "insertAll:delay=100ms:1"});
    auto& c = env.client;
    auto& dir = env.dir;
    const UploadFile f = writePersons(dir.path + "/p.ndjson", 20000);
    auto o = opts(f, "cancel", dir);
    o.batchRows = 100;
    o.concurrency = 2;
    CancelToken cancel;
    Uploader up(c, o);
    up.onProgress = [&](const UploadProgress& p) {
        if (p.rowsInserted >= 1000) cancel.cancel();
    };
    const auto first = up.run(&cancel);
    EXPECT_TRUE(first.cancelled);
    EXPECT_LT(first.inserted, 20000u);
    // Without --resume: a clear refusal that names the way on.
    try {
        Uploader(c, opts(f, "cancel", dir)).run();
        FAIL();
    } catch (const UploadError& e) {
        EXPECT_NE(std::string(e.what()).find("--resume"), std::string::npos) << e.what();
    }
    auto r = opts(f, "cancel", dir);
    r.resume = true;
    r.batchRows = 2000;
    const auto second = Uploader(c, r).run();
    EXPECT_TRUE(second.resumed);
    EXPECT_EQ(second.earlierInserted, first.inserted);
    EXPECT_EQ(first.inserted + second.inserted, 20000u);
    expectTableMatches(c, "cancel", f.sums);
    // Finished: uploading again needs --again, and then inserts a second copy.
    EXPECT_THROW(Uploader(c, opts(f, "cancel", dir)).run(), UploadError);
    auto a = opts(f, "cancel", dir);
    a.again = true;
    EXPECT_EQ(Uploader(c, a).run().inserted, 20000u);
    EXPECT_EQ(countRows(c, "cancel"), 40000);
}

// The desktop app's mode: a fresh upload starts, an interrupted one resumes, no flag needed.
TEST(Upload, ResumeIfInterruptedStartsFreshOrFinishesTheInterruptedOne) {
    UploadEnv env({"--faults", "insertAll:delay=100ms:1"});
    auto& c = env.client;
    const UploadFile f = writePersons(env.dir.path + "/q.ndjson", 5000);
    auto o = opts(f, "gui", env.dir);
    o.resumeIfInterrupted = true;
    o.batchRows = 100;
    o.concurrency = 2;
    CancelToken cancel;
    Uploader up(c, o);
    up.onProgress = [&](const UploadProgress& p) {
        if (p.rowsInserted >= 500) cancel.cancel();
    };
    const auto first = up.run(&cancel);
    EXPECT_TRUE(first.cancelled);
    EXPECT_FALSE(first.resumed);
    const auto second = Uploader(c, o).run();
    EXPECT_TRUE(second.resumed);
    EXPECT_EQ(first.inserted + second.inserted, 5000u);
    expectTableMatches(c, "gui", f.sums);
}

TEST(Upload, GzipAndJsonArrayInput) {
    UploadEnv env;
    auto& c = env.client;
    auto& dir = env.dir;
    const UploadFile f = writePersons(dir.path + "/p.ndjson", 500);
    const UploadFile gz = gzipCopy(f, dir.path + "/p.ndjson.gz");
    EXPECT_EQ(Uploader(c, opts(gz, "gz", dir)).run().inserted, 500u);
    expectTableMatches(c, "gz", f.sums);
    const UploadFile arr = arrayCopy(f, dir.path + "/p.json");
    EXPECT_EQ(Uploader(c, opts(arr, "arr", dir)).run().inserted, 500u);
    expectTableMatches(c, "arr", f.sums);
}

TEST(Upload, MissingTableWithoutCreateAndConflictingFileAreClearErrors) {
    UploadEnv env;
    auto& c = env.client;
    auto& dir = env.dir;
    const UploadFile f = writePersons(dir.path + "/p.ndjson", 5);
    auto o = opts(f, "absent", dir);
    o.create = false;
    try {
        Uploader(c, o).run();
        FAIL();
    } catch (const UploadError& e) {
        EXPECT_NE(std::string(e.what()).find("does not exist. Pass --create"), std::string::npos) << e.what();
    }
    {
        std::ofstream bad(dir.path + "/conflict.ndjson");
        bad << R"({"a":"x"})" << "\n" << R"({"a":{"b":1}})" << "\n";
    }
    UploadFile g{dir.path + "/conflict.ndjson", {}};
    try {
        Uploader(c, opts(g, "conflict", dir)).run();
        FAIL();
    } catch (const UploadError& e) {
        EXPECT_NE(std::string(e.what()).find("a: an object (first on line 2) and a string (first on line 1)"),
                  std::string::npos)
            << e.what();
    }
}

TEST(Upload, StrictCheckOfABigFileListsRejectsInFileOrder) {
    UploadEnv env;
    auto& c = env.client;
    auto& dir = env.dir;
    const std::string path = dir.path + "/padded.ndjson";
    {
        std::ofstream out(path);
        const std::string pad(200, 'p');
        for (int i = 0; i < 40000; ++i) // about 9 MB: several blocks for the parallel check
            out << (i % 10000 == 5 ? R"({"id":"bad","pad":")" : R"({"id":)" + std::to_string(i) + R"(,"pad":")") << pad
                << "\"}\n";
    }
    c.insertTable("p", "d", {{"tableReference", {{"tableId", "padded"}}},
                             {"schema", {{"fields", {{{"name", "id"}, {"type", "INTEGER"}}, {{"name", "pad"}, {"type", "STRING"}}}}}}});
    UploadFile f{path, {}};
    auto o = opts(f, "padded", dir);
    o.create = false;
    o.autodetect = false;
    try {
        Uploader(c, o).run();
        FAIL();
    } catch (const UploadError& e) {
        EXPECT_NE(std::string(e.what()).find("4 rows of 40000"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("padded.ndjson:6:1: "), std::string::npos) << e.what();
    }
    const auto rej = lines(path + ".rejects.ndjson");
    ASSERT_EQ(rej.size(), 4u);
    for (int k = 0; k < 4; ++k) EXPECT_EQ(Json::parse(rej[k])["line"], 6 + 10000 * k);
    EXPECT_EQ(countRows(c, "padded"), 0);
}
