// SPDX-License-Identifier: MIT
// Statements are all or nothing across kill -9: a real quarry-sandbox is killed at random
// moments of CREATE TABLE ... AS SELECT and INSERT ... SELECT over enough rows to span several
// log records, 20 rounds each, and restarted; every time the table holds all the statement's
// rows or none of them, and nothing acknowledged before is lost.
#include "SandboxProcess.h"
#include "UploadFixture.h"
#include "bigquery/BigQueryClient.h"
#include "platform/System.h"

#include <atomic>
#include <chrono>
#include <filesystem>
#include <gtest/gtest.h>
#include <random>
#include <thread>

using namespace quarry;
using quarry::test::SandboxProcess;
using namespace std::chrono_literals;

namespace {

constexpr int kRows = 100000; // ~13 MB of log: two records

BigQueryClient clientFor(const SandboxProcess& s) { return BigQueryClient(quarry::test::clientOptions(s)); }

Json run(BigQueryClient& c, const std::string& sql) {
    return c.query("p", {{"query", sql}, {"useLegacySql", false}, {"useQueryCache", false}, {"timeoutMs", 60000}}).meta;
}

long long count(BigQueryClient& c, const std::string& table) { return quarry::test::countRows(c, table); }

/// The sandbox's clock (ms) just before the last killDuring started its statement: the
/// table as of then is as it was before the statement (time travel).
std::int64_t lastBefore = 0;

std::int64_t serverMs(BigQueryClient& c) {
    return quarry::test::queryRow(c, "SELECT UNIX_MILLIS(CURRENT_TIMESTAMP()) AS t")["t"];
}

/// Starts `sql` as a job and kills the sandbox at a random moment up to `span` later.
void killDuring(SandboxProcess& s, BigQueryClient& c, const std::string& sql, std::chrono::milliseconds span, std::mt19937& rnd) {
    lastBefore = serverMs(c);
    while (serverMs(c) <= lastBefore) std::this_thread::sleep_for(1ms); // the statement commits later
    c.insertJob("p", {{"configuration", {{"query", {{"query", sql}, {"useLegacySql", false}, {"useQueryCache", false}}}}}});
    std::this_thread::sleep_for(std::chrono::milliseconds(rnd() % (span.count() * 6 / 5 + 1))); // now and then after the end
    s.killHard();
}

/// A data folder with dataset d and, made by `setup` (default: d.src of kRows rows).
struct CrashData {
    std::filesystem::path dir = std::filesystem::temp_directory_path() / ("quarry-crash-" + std::to_string(quarry::platform::processId()));
    explicit CrashData(std::vector<std::string> setup = {"CREATE TABLE d.src AS SELECT x, REPEAT('y', 100) AS s FROM UNNEST(GENERATE_ARRAY(1, " +
                                                         std::to_string(kRows) + ")) AS x"}) {
        std::filesystem::remove_all(dir);
        SandboxProcess s({}, dir);
        auto c = clientFor(s);
        c.insertDataset("p", {{"datasetReference", {{"datasetId", "d"}}}});
        for (const auto& sql : setup) run(c, sql);
        s.stop();
    }
    ~CrashData() { std::filesystem::remove_all(dir); }
};

/// Rows of a table whose column g says which statement wrote each row last.
struct Generation {
    long long rows = 0, lowest = 0, highest = 0;
};
Generation generation(BigQueryClient& c, const std::string& table) {
    auto r = quarry::test::queryRow(c, "SELECT COUNT(*) AS n, MIN(g) AS lo, MAX(g) AS hi FROM d." + table);
    return {r["n"], r["lo"], r["hi"]};
}

/// How long `sql` takes on the data, plus a margin: the span to kill the sandbox within.
std::chrono::milliseconds timeOf(const CrashData& data, const std::string& sql) {
    SandboxProcess s({}, data.dir);
    auto c = clientFor(s);
    const auto t0 = std::chrono::steady_clock::now();
    run(c, sql);
    const auto span = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0) + 50ms;
    s.stop();
    return span;
}

/// 20 rounds of: start, run `statement(round)`, kill -9 at a random moment, restart, and
/// check with `check(round, client)`, which says whether the statement was applied.
template <class Statement, class Check>
void killRounds(const CrashData& data, std::chrono::milliseconds span, unsigned seed, Statement statement, Check check,
                const char* what) {
    std::mt19937 rnd(seed);
    int applied = 0;
    for (int round = 0; round < 20; ++round) {
        {
            SandboxProcess s({}, data.dir);
            auto c = clientFor(s);
            killDuring(s, c, statement(round), span, rnd);
        }
        SandboxProcess s({}, data.dir);
        auto c = clientFor(s);
        if (check(round, c)) ++applied;
        s.stop();
    }
    std::cout << what << " killed 20 times: " << applied << " applied whole, " << 20 - applied << " not at all\n";
}

} // namespace

TEST(CrashSafety, CreateTableAsSelectIsAllOrNothingAcrossKillNine) {
    CrashData data;
    std::mt19937 rnd(17);
    std::chrono::milliseconds span{};
    {
        SandboxProcess s({}, data.dir);
        auto c = clientFor(s);
        const auto t0 = std::chrono::steady_clock::now();
        run(c, "CREATE TABLE d.calibrate AS SELECT * FROM d.src");
        span = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0) + 50ms;
        s.stop();
    }
    int whole = 0, none = 0;
    for (int round = 0; round < 20; ++round) {
        const std::string table = "copy" + std::to_string(round);
        {
            SandboxProcess s({}, data.dir);
            auto c = clientFor(s);
            killDuring(s, c, "CREATE TABLE d." + table + " AS SELECT * FROM d.src", span, rnd);
        }
        SandboxProcess s({}, data.dir);
        auto c = clientFor(s);
        if (quarry::test::tableExists(c, table)) {
            EXPECT_EQ(count(c, table), kRows) << table;
            ++whole;
        } else {
            ++none;
        }
        EXPECT_EQ(count(c, "src"), kRows);
        s.stop();
    }
    std::cout << "CTAS killed 20 times: " << whole << " complete, " << none << " absent\n";
}

TEST(CrashSafety, InsertSelectIsAllOrNothingAcrossKillNine) {
    CrashData data;
    std::mt19937 rnd(23);
    std::chrono::milliseconds span{};
    {
        SandboxProcess s({}, data.dir);
        auto c = clientFor(s);
        run(c, "CREATE TABLE d.dst (x INT64, s STRING)");
        const auto t0 = std::chrono::steady_clock::now();
        run(c, "INSERT INTO d.dst SELECT * FROM d.src");
        span = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0) + 50ms;
        s.stop();
    }
    long long expected = kRows; // acknowledged so far
    int applied = 0;
    for (int round = 0; round < 20; ++round) {
        {
            SandboxProcess s({}, data.dir);
            auto c = clientFor(s);
            killDuring(s, c, "INSERT INTO d.dst SELECT * FROM d.src", span, rnd);
        }
        SandboxProcess s({}, data.dir);
        auto c = clientFor(s);
        const auto n = count(c, "dst");
        EXPECT_TRUE(n == expected || n == expected + kRows) << "round " << round << ": " << n << " rows";
        if (n == expected + kRows) ++applied;
        expected = n;
        s.stop();
    }
    std::cout << "INSERT ... SELECT killed 20 times: " << applied << " applied whole, " << 20 - applied << " not at all\n";
}

// An UPDATE racing a DROP and a re-create of its table committed its rows into the new table's
// folder: after a restart the new table's acknowledged inserts were gone and the dropped rows
// were back. A statement holding a dropped table now fails instead of writing.
TEST(CrashSafety, AnUpdateRacingADropAndRecreateNeverWritesIntoTheNewTable) {
    const auto dir = std::filesystem::temp_directory_path() / ("quarry-race-" + std::to_string(quarry::platform::processId()));
    std::filesystem::remove_all(dir);
    int updateFirst = 0, dropFirst = 0;
    for (int round = 0; round < 20; ++round) {
        {
            SandboxProcess s({}, dir);
            auto c = clientFor(s);
            if (round == 0) c.insertDataset("p", {{"datasetReference", {{"datasetId", "d"}}}});
            run(c, "CREATE OR REPLACE TABLE d.t AS SELECT x FROM UNNEST(GENERATE_ARRAY(1, 50000)) AS x");
            auto update = clientFor(s);
            const std::string job = "upd" + std::to_string(round);
            update.insertJob("p", {{"jobReference", {{"jobId", job}}},
                                   {"configuration", {{"query", {{"query", "UPDATE d.t SET x = x + 1 WHERE TRUE"}, {"useLegacySql", false}}}}}});
            std::this_thread::sleep_for(std::chrono::milliseconds(round * 3)); // sweep the moment of the drop
            c.deleteTable(TableRef{"p", "d", "t"});
            run(c, "CREATE TABLE d.t (x INT64)");
            ASSERT_TRUE(c.insertAll(TableRef{"p", "d", "t"}, R"({"rows":[{"json":{"x":-1}},{"json":{"x":-2}},{"json":{"x":-3}}]})").ok());
            QueryResultsOptions o;
            o.timeoutMs = 60000;
            o.maxResults = 0;
            try {
                c.getQueryResults(JobRef{"p", job, ""}, o);
                ++updateFirst;
            } catch (const ApiError&) {
                ++dropFirst; // the UPDATE met its table dropped (or changed) and wrote nothing
            }
            EXPECT_EQ(count(c, "t"), 3) << "round " << round;
            s.stop();
        }
        SandboxProcess s({}, dir);
        auto c = clientFor(s);
        EXPECT_EQ(count(c, "t"), 3) << "round " << round << " after a restart";
        s.stop();
    }
    std::cout << "UPDATE vs DROP + CREATE, 20 rounds: update first " << updateFirst << ", drop first " << dropFirst << "\n";
    std::filesystem::remove_all(dir);
}

// UPDATE, MERGE and CREATE OR REPLACE TABLE ... AS SELECT rewrite a whole table: after kill -9
// at any moment, every row carries the new generation or every row the old one, and a
// replaced table is never missing. The table as of just before the statement (time travel)
// is the old generation whole, and so is the first round's, however many crashes later.
TEST(CrashSafety, DmlUpdateIsAllOrNothingAcrossKillNine) {
    CrashData data({"CREATE TABLE d.u AS SELECT x, 0 AS g, REPEAT('y', 100) AS s FROM UNNEST(GENERATE_ARRAY(1, " +
                    std::to_string(kRows) + ")) AS x"});
    const auto span = timeOf(data, "UPDATE d.u SET g = 0 WHERE TRUE");
    long long current = 0;
    std::int64_t first = 0;
    const auto asOf = [](std::int64_t ms) { return "u FOR SYSTEM_TIME AS OF TIMESTAMP_MILLIS(" + std::to_string(ms) + ")"; };
    killRounds(
        data, span, 29, [](int round) { return "UPDATE d.u SET g = " + std::to_string(round + 1) + " WHERE TRUE"; },
        [&](int round, BigQueryClient& c) {
            const auto g = generation(c, "u");
            EXPECT_EQ(g.rows, kRows) << "round " << round;
            EXPECT_EQ(g.lowest, g.highest) << "round " << round << ": rows of two generations";
            EXPECT_TRUE(g.lowest == current || g.lowest == round + 1) << "round " << round << ": generation " << g.lowest;
            if (round == 0) first = lastBefore;
            for (const auto at : {lastBefore, first}) {
                const auto then = generation(c, asOf(at));
                EXPECT_EQ(then.rows, kRows) << "round " << round << " as of " << at;
                EXPECT_EQ(then.lowest, at == first ? 0 : current) << "round " << round << " as of " << at;
                EXPECT_EQ(then.highest, then.lowest) << "round " << round << " as of " << at;
            }
            const bool applied = g.lowest == round + 1;
            current = g.lowest;
            return applied;
        },
        "UPDATE");
}

TEST(CrashSafety, DmlMergeIsAllOrNothingAcrossKillNine) {
    const long long half = kRows / 2;
    CrashData data({"CREATE TABLE d.m AS SELECT x, 0 AS g, REPEAT('y', 100) AS s FROM UNNEST(GENERATE_ARRAY(1, " +
                    std::to_string(half) + ")) AS x"});
    auto merge = [&](int round) {
        const std::string g = std::to_string(round + 1);
        return "MERGE d.m T USING (SELECT x FROM UNNEST(GENERATE_ARRAY(1, " + std::to_string(half + 1 + round) +
               ")) AS x) S ON T.x = S.x WHEN MATCHED THEN UPDATE SET g = " + g +
               " WHEN NOT MATCHED THEN INSERT (x, g, s) VALUES (S.x, " + g + ", 'new')";
    };
    const auto span = timeOf(data, "MERGE d.m T USING (SELECT x FROM UNNEST(GENERATE_ARRAY(1, " + std::to_string(half) +
                                       ")) AS x) S ON T.x = S.x WHEN MATCHED THEN UPDATE SET g = 0");
    Generation current{half, 0, 0};
    killRounds(
        data, span, 31, merge,
        [&](int round, BigQueryClient& c) {
            const auto g = generation(c, "m");
            EXPECT_EQ(g.lowest, g.highest) << "round " << round << ": rows of two generations";
            const bool applied = g.lowest == round + 1;
            if (applied) EXPECT_EQ(g.rows, half + 1 + round) << "round " << round;
            else EXPECT_TRUE(g.rows == current.rows && g.lowest == current.lowest) << "round " << round << ": " << g.rows;
            current = g;
            return applied;
        },
        "MERGE");
}

TEST(CrashSafety, CreateOrReplaceTableAsSelectIsAllOrNothingAcrossKillNine) {
    CrashData data({"CREATE TABLE d.r AS SELECT x, 0 AS g, REPEAT('y', 100) AS s FROM UNNEST(GENERATE_ARRAY(1, " +
                    std::to_string(kRows) + ")) AS x"});
    auto replace = [](int round) {
        return "CREATE OR REPLACE TABLE d.r AS SELECT x, " + std::to_string(round + 1) +
               " AS g, REPEAT('y', 100) AS s FROM UNNEST(GENERATE_ARRAY(1, " + std::to_string(kRows + round) + ")) AS x";
    };
    const auto span = timeOf(data, "CREATE OR REPLACE TABLE d.calibrate AS SELECT * FROM d.r");
    long long current = 0;
    killRounds(
        data, span, 37, replace,
        [&](int round, BigQueryClient& c) {
            EXPECT_TRUE(quarry::test::tableExists(c, "r")) << "round " << round << ": the replaced table is gone";
            const auto g = generation(c, "r");
            EXPECT_EQ(g.lowest, g.highest) << "round " << round << ": rows of two generations";
            EXPECT_TRUE(g.lowest == current || g.lowest == round + 1) << "round " << round << ": generation " << g.lowest;
            EXPECT_EQ(g.rows, kRows + std::max(0LL, g.lowest - 1)) << "round " << round;
            // The table it replaced, or would have, reads as it was (a crash inside the swap
            // gives its history back).
            const auto then = generation(c, "r FOR SYSTEM_TIME AS OF TIMESTAMP_MILLIS(" + std::to_string(lastBefore) + ")");
            EXPECT_EQ(then.lowest, current) << "round " << round;
            EXPECT_EQ(then.highest, current) << "round " << round;
            EXPECT_EQ(then.rows, kRows + std::max(0LL, current - 1)) << "round " << round;
            const bool applied = g.lowest == round + 1;
            current = g.lowest;
            return applied;
        },
        "CREATE OR REPLACE TABLE AS SELECT");
}

// Issue 20's checkpoints: a sandbox that folds its log into row groups at every 256 KB and
// after 100 ms without writes is killed at random moments while a client streams insertAll
// batches with insertIds, 20 rounds. After each restart every acknowledged row is there
// exactly once, and the batch in flight at the kill, sent again with the same insertIds, ends
// up there exactly once too.
TEST(CrashSafety, CheckpointsLoseNothingAcknowledgedAcrossKillNine) {
    const auto dir = std::filesystem::temp_directory_path() / ("quarry-checkpoint-" + std::to_string(quarry::platform::processId()));
    std::filesystem::remove_all(dir);
    const std::vector<std::string> args = {"--checkpoint-mb", "0.25", "--checkpoint-idle", "0.1"};
    {
        SandboxProcess s(args, dir);
        auto c = clientFor(s);
        c.insertDataset("p", {{"datasetReference", {{"datasetId", "d"}}}});
        run(c, "CREATE TABLE d.t (x INT64, s STRING, a ARRAY<INT64>)");
        s.stop();
    }
    constexpr int kBatch = 200;
    constexpr long long kRound = 10'000'000; // x of round r: r * kRound + i
    auto batchBody = [](long long first) {
        std::string body = R"({"rows":[)";
        for (int i = 0; i < kBatch; ++i) {
            const auto x = std::to_string(first + i);
            if (i) body += ',';
            body += R"({"insertId":"id)" + x + R"(","json":{"x":)" + x + R"(,"s":"row )" + x + R"(","a":[1,2,)" + x + "]}}";
        }
        return body + "]}";
    };
    std::mt19937 rnd(31);
    std::vector<long long> acked(20, 0); // rows acknowledged per round
    long long inFlight = -1;             // the first x of the batch unanswered at the last kill
    for (int round = 0; round < 20; ++round) {
        SandboxProcess s(args, dir);
        auto o = quarry::test::clientOptions(s);
        o.retry.maxAttempts = 1; // the kill must end the stream, not be retried
        BigQueryClient c(o);
        if (inFlight >= 0) { // the client's retry of the batch it never heard back about
            ASSERT_TRUE(c.insertAll(TableRef{"p", "d", "t"}, batchBody(inFlight)).ok());
            acked[static_cast<std::size_t>(inFlight / kRound)] = inFlight % kRound + kBatch;
            inFlight = -1;
        }
        std::atomic<bool> stop{false};
        std::thread writer([&] {
            for (long long next = round * kRound; !stop; next += kBatch) {
                inFlight = next;
                try {
                    if (!c.insertAll(TableRef{"p", "d", "t"}, batchBody(next)).ok()) return;
                } catch (const std::exception&) {
                    return; // killed: this batch's answer never came
                }
                acked[static_cast<std::size_t>(round)] = next - round * kRound + kBatch;
                inFlight = -1;
                std::this_thread::sleep_for(10ms); // a steady stream, not a flood: restarts stay quick
            }
        });
        std::this_thread::sleep_for(std::chrono::milliseconds(200 + rnd() % 1300));
        s.killHard();
        stop = true;
        writer.join();
    }
    // Each checkpoint starts the next log generation: rows.N.qrl.
    unsigned long long checkpoints = 0;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
        const auto name = e.path().filename().string();
        if (name.starts_with("rows.") && name.ends_with(".qrl") && name != "rows.qrl")
            checkpoints = std::max(checkpoints, std::stoull(name.substr(5)));
    }
    SandboxProcess s(args, dir);
    auto c = clientFor(s);
    if (inFlight >= 0) {
        ASSERT_TRUE(c.insertAll(TableRef{"p", "d", "t"}, batchBody(inFlight)).ok());
        acked[static_cast<std::size_t>(inFlight / kRound)] = inFlight % kRound + kBatch;
    }
    auto all = quarry::test::queryRow(c, "SELECT COUNT(*) AS n, COUNT(DISTINCT x) AS d, COUNTIF(s != CONCAT('row ', CAST(x AS STRING)) OR a[OFFSET(2)] != x) AS bad FROM d.t");
    long long total = 0;
    for (int round = 0; round < 20; ++round) {
        total += acked[static_cast<std::size_t>(round)];
        auto r = quarry::test::queryRow(c, "SELECT COUNT(*) AS n, COUNTIF(x - " + std::to_string(round * kRound) + " < " +
                                               std::to_string(acked[static_cast<std::size_t>(round)]) +
                                               ") AS acked FROM d.t WHERE DIV(x, " + std::to_string(kRound) + ") = " +
                                               std::to_string(round));
        EXPECT_EQ(r["acked"], acked[static_cast<std::size_t>(round)]) << "round " << round << ": acknowledged rows lost";
        // The one batch unanswered at the kill and not retried (the last round's) may be there.
        EXPECT_LE(r["n"] - r["acked"], round == 19 ? kBatch : 0) << "round " << round;
    }
    EXPECT_EQ(all["n"], all["d"]) << "a row is there twice";
    EXPECT_EQ(all["bad"], 0);
    EXPECT_GE(all["n"], total);
    EXPECT_GT(total, 20 * kBatch);
    EXPECT_GT(checkpoints, 20u); // the kills landed among checkpoints
    std::cout << "streaming with checkpoints killed 20 times: " << total << " rows acknowledged, all there once; "
              << checkpoints << " checkpoints\n";
    s.stop();
    std::filesystem::remove_all(dir);
}
