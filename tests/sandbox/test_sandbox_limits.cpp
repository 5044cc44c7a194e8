// SPDX-License-Identifier: MIT
// Memory a client can make a real quarry-sandbox hold is bounded: one query's heap
// (--query-memory), finished jobs' results and configurations (--kept-results), a request's
// size and a query's length, each with BigQuery's error, and the sandbox goes on answering.
#include "ExpectApiError.h"
#include "SandboxProcess.h"
#include "UploadFixture.h"
#include "bigquery/BigQueryClient.h"

#include <gtest/gtest.h>

using namespace quarry;
using quarry::test::SandboxProcess;
using quarry::test::apiError;

namespace {

BigQueryClient clientFor(const SandboxProcess& s) { return BigQueryClient(quarry::test::clientOptions(s)); }

JobRef job(const std::string& id) { return JobRef{"p", id, ""}; }

QueryResultsOptions waitLong() {
    QueryResultsOptions o;
    o.timeoutMs = 60000;
    return o;
}

Json query(const std::string& sql) { return {{"query", sql}, {"useLegacySql", false}, {"useQueryCache", false}, {"timeoutMs", 120000}}; }

} // namespace

// A query's memory is counted through operator new, which clang's sanitizer runtimes define
// themselves (MemoryBudget.cpp counts nothing there). These bounds are checked by the plain
// build (and GCC's ASan); the clang sanitizer tree skips them rather than time out.
#if QUARRY_TEST_ASAN && defined(__clang__)
#define SKIP_WITHOUT_MEMORY_ACCOUNTING() GTEST_SKIP() << "no memory accounting under clang's AddressSanitizer"
#else
#define SKIP_WITHOUT_MEMORY_ACCOUNTING() static_cast<void>(0)
#endif

// STRING_AGG(REPEAT(...)) grew to 4 GB: a query had no memory budget. Now each query may hold
// --query-memory at once; past it, BigQuery's resourcesExceeded, the memory is given back, and
// the next query runs.
TEST(SandboxLimits, AQueryHoldsNoMoreThanItsMemoryBudget) {
    SKIP_WITHOUT_MEMORY_ACCOUNTING();
    SandboxProcess s({"--query-memory", "128"});
    auto c = clientFor(s);
    for (const std::string sql : {
             "SELECT LENGTH(STRING_AGG(REPEAT('x', 1000000), '')) AS n FROM UNNEST(GENERATE_ARRAY(1, 3000))",
             "SELECT ARRAY_LENGTH(ARRAY_AGG(REPEAT('y', 100000))) FROM UNNEST(GENERATE_ARRAY(1, 30000))",
             "SELECT s FROM (SELECT REPEAT(CAST(x AS STRING), 50000) AS s FROM UNNEST(GENERATE_ARRAY(1, 20000)) AS x) ORDER BY s",
         }) {
        const auto e = apiError([&] { c.query("p", query(sql)); });
        EXPECT_EQ(e.reason(), "resourcesExceeded") << sql << ": " << e.message();
        EXPECT_NE(e.message().find("128 MB"), std::string::npos) << e.message();
    }
    EXPECT_LT(s.peakRssMb(), 1024);
    const auto ok = c.query("p", query("SELECT LENGTH(STRING_AGG(REPEAT('x', 1000), '')) AS n FROM UNNEST(GENERATE_ARRAY(1, 1000))"));
    ASSERT_EQ(ok.rows.size(), 1u);
    EXPECT_EQ(ok.rows[0][0].asInt64(), 1000000);
}

// Every job kept its rows and configuration for the life of the process (+560 MB per 60 MB
// jobs.insert). Now requests are capped at BigQuery's 10 MB, queries at 1,024K characters, and
// finished jobs keep at most --kept-results: the oldest results go first (their job's record
// stays, and asking for the rows says why they are gone), then the oldest jobs.
TEST(SandboxLimits, FinishedJobsKeepBoundedMemory) {
    SKIP_WITHOUT_MEMORY_ACCOUNTING();
    SandboxProcess s({"--kept-results", "8"});
    auto c = clientFor(s);
    const auto tooBig = apiError([&] {
        c.insertJob("p", {{"configuration", {{"query", {{"query", "SELECT 1"}, {"useLegacySql", false}}},
                                             {"labels", {{"big", std::string(11u << 20, 'a')}}}}}});
    });
    EXPECT_NE(tooBig.message().find("Request payload size exceeds the limit: 10485760 bytes"), std::string::npos)
        << tooBig.message();
    const auto longQuery = apiError([&] { c.query("p", query("SELECT 1 " + std::string(1100000, ' '))); });
    EXPECT_NE(longQuery.message().find("The query is too large"), std::string::npos) << longQuery.message();

    // 20 jobs.insert of 9 MB each: 180 MB of configuration, of which 8 MB is kept.
    std::vector<std::string> ids;
    for (int i = 0; i < 20; ++i) {
        const Json r = c.insertJob("p", {{"configuration", {{"query", {{"query", "SELECT REPEAT('z', 500000) AS s"}, {"useLegacySql", false}}},
                                                            {"labels", {{"pad", std::string(9u << 20, 'b')}}}}}});
        ids.push_back(r["jobReference"]["jobId"].get<std::string>());
        c.getQueryResults(job(ids.back()), waitLong());
    }
    EXPECT_LT(s.peakRssMb(), 1024);
    EXPECT_EQ(apiError([&] { c.getJob(job(ids.front())); }).reason(), "notFound");
    EXPECT_EQ(c.getJob(job(ids.back()))["status"]["state"], "DONE");
    EXPECT_EQ(c.getQueryResults(job(ids.back()), waitLong()).totalRows, 1);

    // Results alone: the oldest go, their jobs' records stay.
    std::vector<std::string> small;
    for (int i = 0; i < 8; ++i) {
        const Json r = c.insertJob("p", {{"configuration", {{"query", {{"query", "SELECT REPEAT('q', 2000000) AS s, " + std::to_string(i) + " AS i"},
                                                                       {"useLegacySql", false}}}}}});
        small.push_back(r["jobReference"]["jobId"].get<std::string>());
        c.getQueryResults(job(small.back()), waitLong());
    }
    EXPECT_EQ(c.getJob(job(small.front()))["status"]["state"], "DONE");
    const auto gone = apiError([&] { c.getQueryResults(job(small.front()), waitLong()); });
    EXPECT_EQ(gone.reason(), "notFound");
    EXPECT_NE(gone.message().find("are no longer kept"), std::string::npos) << gone.message();
    EXPECT_EQ(c.getQueryResults(job(small.back()), waitLong()).totalRows, 1);

    // A result larger than everything kept is BigQuery's responseTooLarge, not a job that
    // finishes and loses its rows at once.
    const auto huge = apiError([&] {
        c.query("p", query("SELECT REPEAT('r', 1000000) AS s FROM UNNEST(GENERATE_ARRAY(1, 20))"));
    });
    EXPECT_EQ(huge.reason(), "responseTooLarge") << huge.message();
}
