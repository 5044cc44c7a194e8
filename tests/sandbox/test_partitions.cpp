// SPDX-License-Identifier: MIT
// Partitioned tables in a real quarry-sandbox: bytes processed (dry run and real) count only
// the partitions a query's WHERE can touch, as BigQuery bills them; requirePartitionFilter
// refuses a query without such a filter with BigQuery's message; a partitioning field that is
// not a DATE, DATETIME or TIMESTAMP column is refused when the table is made; partitions
// expire; a view or subquery bills only the columns its reader uses.
#include "ExpectApiError.h"
#include "SandboxProcess.h"
#include "UploadFixture.h"
#include "bigquery/BigQueryClient.h"
#include "value/Civil.h"
#include "platform/System.h"

#include <filesystem>
#include <gtest/gtest.h>
#include <chrono>
#include <thread>

using namespace quarry;
using namespace quarry::test;

namespace {

/// A day-partitioned table d.p: day DATE, v INT64; on day i of January 2024 (1..30), i rows.
void makeDays(BigQueryClient& c) {
    makeDataset(c);
    c.insertTable("p", "d", {{"tableReference", {{"tableId", "p"}}},
                             {"schema", {{"fields", {{{"name", "day"}, {"type", "DATE"}}, {{"name", "v"}, {"type", "INTEGER"}}}}}},
                             {"timePartitioning", {{"type", "DAY"}, {"field", "day"}}}});
    Json rows = Json::array();
    for (int day = 1; day <= 30; ++day)
        for (int k = 0; k < day; ++k)
            rows.push_back({{"json", {{"day", "2024-01-" + std::string(day < 10 ? "0" : "") + std::to_string(day)}, {"v", k}}}});
    c.insertAll(TableRef{"p", "d", "p"}, Json{{"rows", rows}}.dump());
}

std::uint64_t dryBytes(BigQueryClient& c, const std::string& sql) {
    const auto r = c.query("p", {{"query", sql}, {"dryRun", true}, {"useLegacySql", false}});
    return std::stoull(r.meta["totalBytesProcessed"].get<std::string>());
}

std::uint64_t runBytes(BigQueryClient& c, const std::string& sql) {
    const auto r = c.query("p", {{"query", sql}, {"useLegacySql", false}, {"useQueryCache", false}, {"timeoutMs", 60000}});
    return std::stoull(r.meta["totalBytesProcessed"].get<std::string>());
}

constexpr std::uint64_t kAllRows = 30 * 31 / 2; // 465
constexpr std::uint64_t kRow = 8 + 8;           // day (DATE) and v (INT64): 8 bytes each

} // namespace

TEST(Partitions, BytesCountOnlyThePartitionsAFilterCanTouch) {
    SandboxProcess s;
    BigQueryClient c(clientOptions(s));
    makeDays(c);
    EXPECT_EQ(dryBytes(c, "SELECT v FROM d.p"), 8 * kAllRows);
    EXPECT_EQ(dryBytes(c, "SELECT v FROM d.p WHERE day IS NOT NULL"), kRow * kAllRows); // narrows nothing
    const std::pair<const char*, std::uint64_t> cases[] = {
        {"SELECT v FROM d.p WHERE day = '2024-01-05'", kRow * 5},
        {"SELECT v FROM d.p WHERE DATE '2024-01-05' = day AND v >= 0", kRow * 5},
        {"SELECT v FROM d.p WHERE day BETWEEN '2024-01-01' AND '2024-01-03'", kRow * (1 + 2 + 3)},
        {"SELECT v FROM d.p WHERE day > '2024-01-28'", kRow * (29 + 30)},
        {"SELECT v FROM d.p WHERE day < '2024-01-03' OR v > 100", kRow * kAllRows}, // OR: no pruning
        {"SELECT v FROM d.p WHERE day IN ('2024-01-02', '2024-01-04')", kRow * (2 + 4)},
        {"SELECT v FROM d.p WHERE day >= DATE_SUB(DATE '2024-01-30', INTERVAL 1 DAY)", kRow * (29 + 30)},
        {"SELECT v FROM d.p WHERE day = '2024-02-05'", 0},
    };
    for (const auto& [sql, bytes] : cases) {
        EXPECT_EQ(dryBytes(c, sql), bytes) << sql;
        EXPECT_EQ(runBytes(c, sql), bytes) << sql; // the job bills what the dry run said
    }
    // The rows do not depend on pruning.
    const auto r = c.query("p", {{"query", "SELECT COUNT(*) AS n FROM d.p WHERE day < '2024-01-03'"}, {"useLegacySql", false}});
    EXPECT_EQ(r.rows[0][0].asInt64(), 3);
}

TEST(Partitions, RequirePartitionFilterRefusesAQueryWithoutOne) {
    SandboxProcess s;
    BigQueryClient c(clientOptions(s));
    makeDays(c);
    c.patchTable(TableRef{"p", "d", "p"}, {{"requirePartitionFilter", true}});
    const auto e = apiError([&] { c.query("p", {{"query", "SELECT COUNT(*) FROM d.p"}, {"useLegacySql", false}}); });
    EXPECT_EQ(e.reason(), "invalidQuery");
    EXPECT_NE(e.message().find("Cannot query over table 'p.d.p' without a filter over column(s) 'day' that can be used for partition elimination"),
              std::string::npos) << e.message();
    const auto r = c.query("p", {{"query", "SELECT COUNT(*) FROM d.p WHERE day = '2024-01-07'"}, {"useLegacySql", false}});
    EXPECT_EQ(r.rows[0][0].asInt64(), 7);
}

TEST(Partitions, APartitioningFieldMustBeADateOrTimeColumn) {
    SandboxProcess s;
    BigQueryClient c(clientOptions(s));
    makeDataset(c);
    const Json schema = {{"fields", {{{"name", "n"}, {"type", "INTEGER"}}, {{"name", "ts"}, {"type", "TIMESTAMP"}}}}};
    auto e = apiError([&] {
        c.insertTable("p", "d", {{"tableReference", {{"tableId", "x"}}}, {"schema", schema}, {"timePartitioning", {{"type", "DAY"}, {"field", "nope"}}}});
    });
    EXPECT_EQ(e.message(), "The field specified for partitioning cannot be found in the schema");
    e = apiError([&] {
        c.insertTable("p", "d", {{"tableReference", {{"tableId", "x"}}}, {"schema", schema}, {"timePartitioning", {{"type", "DAY"}, {"field", "n"}}}});
    });
    EXPECT_NE(e.message().find("must be of type DATE, DATETIME or TIMESTAMP"), std::string::npos) << e.message();
    // A TIMESTAMP column by month: two rows in March, one in April.
    c.insertTable("p", "d", {{"tableReference", {{"tableId", "m"}}}, {"schema", schema}, {"timePartitioning", {{"type", "MONTH"}, {"field", "ts"}}}});
    c.insertAll(TableRef{"p", "d", "m"}, R"({"rows":[{"json":{"n":1,"ts":"2024-03-01 10:00:00"}},{"json":{"n":2,"ts":"2024-03-31 23:59:59"}},{"json":{"n":3,"ts":"2024-04-01 00:00:00"}}]})");
    EXPECT_EQ(dryBytes(c, "SELECT n FROM d.m WHERE ts >= TIMESTAMP '2024-03-15'"), 3u * 16); // March and April
    EXPECT_EQ(dryBytes(c, "SELECT n FROM d.m WHERE ts < TIMESTAMP '2024-04-01'"), 2u * 16);  // March only
}

// CREATE TABLE with PARTITION BY, CLUSTER BY and OPTIONS makes the table tables.insert would.
TEST(Partitions, DdlPartitionsClustersAndSetsOptions) {
    SandboxProcess s;
    BigQueryClient c(clientOptions(s));
    makeDataset(c);
    const auto run = [&](const std::string& sql) { return c.query("p", {{"query", sql}, {"useLegacySql", false}, {"timeoutMs", 60000}}); };
    run("CREATE TABLE d.m (d DATE, v INT64) PARTITION BY DATE_TRUNC(d, MONTH) CLUSTER BY v "
        "OPTIONS (description = 'by month', require_partition_filter = TRUE) "
        "AS SELECT DATE '2024-01-05' AS d, 1 AS v UNION ALL SELECT DATE '2024-01-20', 2 UNION ALL SELECT DATE '2024-02-05', 3");
    const Json t = c.getTable(TableRef{"p", "d", "m"});
    EXPECT_EQ(t["timePartitioning"], (Json{{"type", "MONTH"}, {"field", "d"}}));
    EXPECT_EQ(t["clustering"]["fields"], Json::array({"v"}));
    EXPECT_EQ(t["description"], "by month");
    EXPECT_EQ(t["requirePartitionFilter"], true);
    const auto e = apiError([&] { run("SELECT v FROM d.m"); });
    EXPECT_NE(e.message().find("without a filter over column(s) 'd'"), std::string::npos) << e.message();
    EXPECT_EQ(dryBytes(c, "SELECT v FROM d.m WHERE d = '2024-01-31'"), 2u * 16); // January, both rows
    // CREATE OR REPLACE keeps the new definition; DATE(timestamp) partitions by day.
    run("CREATE OR REPLACE TABLE d.m (ts TIMESTAMP) PARTITION BY DATE(ts)");
    EXPECT_EQ(c.getTable(TableRef{"p", "d", "m"})["timePartitioning"], (Json{{"type", "DAY"}, {"field", "ts"}}));
    EXPECT_NE(apiError([&] { run("CREATE TABLE d.n (n INT64) PARTITION BY n"); }).message().find("PARTITION BY expression must be"), std::string::npos);
    EXPECT_NE(apiError([&] { run("CREATE TABLE d.n (a INT64, b INT64, c INT64, e INT64, f INT64) CLUSTER BY a, b, c, e, f"); })
                  .message().find("only up to 4 clustering columns"), std::string::npos);
}

// Integer-range partitioning: buckets of an INT64 column, values outside the range (both
// sides) in the one __UNPARTITIONED__ partition, NULLs in __NULL__; a filter on the column
// bills only the buckets it can touch.
TEST(Partitions, IntegerRangesPruneByBucket) {
    SandboxProcess s;
    BigQueryClient c(clientOptions(s));
    makeDataset(c);
    const Json schema = {{"fields", {{{"name", "id"}, {"type", "INTEGER"}}, {{"name", "v"}, {"type", "INTEGER"}}}}};
    c.insertTable("p", "d", {{"tableReference", {{"tableId", "r"}}}, {"schema", schema},
                             {"rangePartitioning", {{"field", "id"}, {"range", {{"start", "0"}, {"end", "100"}, {"interval", "10"}}}}}});
    // ids 0..99 once each, -5 and 100 and 250 outside, one NULL: 104 rows of 16 bytes.
    Json rows = Json::array();
    for (int id = 0; id < 100; ++id) rows.push_back({{"json", {{"id", id}, {"v", id}}}});
    for (int id : {-5, 100, 250}) rows.push_back({{"json", {{"id", id}, {"v", 0}}}});
    rows.push_back({{"json", {{"v", 1}}}});
    c.insertAll(TableRef{"p", "d", "r"}, Json{{"rows", rows}}.dump());
    const std::uint64_t row = 16;
    const std::pair<const char*, std::uint64_t> cases[] = {
        {"SELECT v FROM d.r", 8 * 104},
        {"SELECT v FROM d.r WHERE id = 42", row * 10},                  // bucket 40
        {"SELECT v FROM d.r WHERE id BETWEEN 15 AND 31", row * 30},     // 10, 20, 30
        {"SELECT v FROM d.r WHERE id >= 90 AND id < 100", row * 10},    // 90
        {"SELECT v FROM d.r WHERE id < 0", row * 3},                    // __UNPARTITIONED__ (both sides)
        {"SELECT v FROM d.r WHERE id >= 95", row * (10 + 3)},           // all of 90, and __UNPARTITIONED__
        {"SELECT v FROM d.r WHERE id IN (1, 55)", row * 20},            // 0 and 50
        {"SELECT v FROM d.r WHERE id = 42 OR v = 1", row * 103 + 8},    // OR: no pruning (a NULL id is 0 bytes)
    };
    for (const auto& [sql, bytes] : cases) {
        EXPECT_EQ(dryBytes(c, sql), bytes) << sql;
        EXPECT_EQ(runBytes(c, sql), bytes) << sql;
    }
    const auto r = c.query("p", {{"query", "SELECT COUNT(*) FROM d.r WHERE id >= 95"}, {"useLegacySql", false}});
    EXPECT_EQ(r.rows[0][0].asInt64(), 7); // 95..99, 100, 250

    // DDL makes the same resource; bad ranges and columns are refused when the table is made.
    c.query("p", {{"query", "CREATE TABLE d.r2 (id INT64, s STRING) PARTITION BY RANGE_BUCKET(id, GENERATE_ARRAY(-50, 50, 5))"},
                  {"useLegacySql", false}});
    EXPECT_EQ(c.getTable(TableRef{"p", "d", "r2"})["rangePartitioning"],
              (Json{{"field", "id"}, {"range", {{"start", "-50"}, {"end", "50"}, {"interval", "5"}}}}));
    auto bad = [&](const Json& rp) {
        return apiError([&] { c.insertTable("p", "d", {{"tableReference", {{"tableId", "x"}}}, {"schema", schema}, {"rangePartitioning", rp}}); }).message();
    };
    EXPECT_NE(bad({{"field", "id"}, {"range", {{"start", "0"}, {"end", "100000"}, {"interval", "1"}}}}).find("at most 10000"), std::string::npos);
    EXPECT_NE(bad({{"field", "id"}, {"range", {{"start", "10"}, {"end", "0"}, {"interval", "1"}}}}).find("less than its end"), std::string::npos);
    EXPECT_NE(bad({{"field", "id"}, {"range", {{"start", "0"}, {"end", "10"}, {"interval", "0"}}}}).find("positive"), std::string::npos);
    EXPECT_EQ(bad({{"field", "nope"}, {"range", {{"start", "0"}, {"end", "10"}, {"interval", "1"}}}}),
              "The field specified for partitioning cannot be found in the schema");
    const auto e = apiError([&] {
        c.query("p", {{"query", "CREATE TABLE d.r3 (s STRING) PARTITION BY RANGE_BUCKET(s, GENERATE_ARRAY(0, 10, 1))"}, {"useLegacySql", false}});
    });
    EXPECT_NE(e.message().find("PARTITION BY expression must be"), std::string::npos) << e.message();
}

// Partition expiration: a partition's rows go once its start (UTC) plus expirationMs has
// passed, by the background thread; the NULL partition and partitions still in time stay,
// and a restart does not bring the deleted rows back. DDL's partition_expiration_days too.
TEST(Partitions, ExpiredPartitionsAreDeletedFromTheirStart) {
    const auto data = std::filesystem::temp_directory_path() / ("quarry-expiry-" + std::to_string(quarry::platform::processId()));
    std::filesystem::remove_all(data);
    const auto count = [](BigQueryClient& c, const std::string& table) {
        const auto r = c.query("p", {{"query", "SELECT COUNT(*) FROM d." + table}, {"useLegacySql", false}, {"useQueryCache", false}});
        return r.rows.at(0).items()[0].asInt64();
    };
    const auto waitFor = [&](BigQueryClient& c, const std::string& table, std::int64_t n) {
        for (int i = 0; i < 200 && count(c, table) != n; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
        return count(c, table);
    };
    {
        SandboxProcess s({"--checkpoint-idle", "0.2"}, data);
        BigQueryClient c(clientOptions(s));
        makeDataset(c);
        const auto run = [&](const std::string& sql) { c.query("p", {{"query", sql}, {"useLegacySql", false}, {"timeoutMs", 60000}}); };
        // Two days: yesterday's partition started less than two days ago; three days ago's
        // did not. Dates are the sandbox's UTC today, as BigQuery's partitions are.
        run("CREATE TABLE d.days (day DATE, n INT64) PARTITION BY day OPTIONS (partition_expiration_days = 2) AS "
            "SELECT day, n FROM UNNEST([STRUCT(CURRENT_DATE() AS day, 1 AS n), (DATE_SUB(CURRENT_DATE(), INTERVAL 1 DAY), 2), "
            "(DATE_SUB(CURRENT_DATE(), INTERVAL 3 DAY), 3), (DATE_SUB(CURRENT_DATE(), INTERVAL 400 DAY), 4), (CAST(NULL AS DATE), 5)])");
        EXPECT_EQ(c.getTable(TableRef{"p", "d", "days"})["timePartitioning"]["expirationMs"], "172800000");
        // By month, through tables.insert: 40 days from a month's first day.
        c.insertTable("p", "d", {{"tableReference", {{"tableId", "months"}}},
                                 {"schema", {{"fields", {{{"name", "ts"}, {"type", "TIMESTAMP"}}}}}},
                                 {"timePartitioning", {{"type", "MONTH"}, {"field", "ts"}, {"expirationMs", "3456000000"}}}});
        run("INSERT d.months (ts) SELECT TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL 70 DAY) UNION ALL "
            "SELECT TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 400 DAY)");
        EXPECT_EQ(waitFor(c, "days", 3), 3);
        EXPECT_EQ(waitFor(c, "months", 1), 1);
        const auto left = c.query("p", {{"query", "SELECT ARRAY_AGG(n ORDER BY n) FROM d.days"}, {"useLegacySql", false}});
        EXPECT_EQ(left.rows.at(0).items()[0].items().size(), 3u);
        EXPECT_EQ(left.rows.at(0).items()[0].items()[2].asInt64(), 5); // the NULL partition stays
        // Zero or less is refused, as BigQuery refuses it.
        EXPECT_NE(apiError([&] {
                      c.insertTable("p", "d", {{"tableReference", {{"tableId", "bad"}}},
                                               {"schema", {{"fields", {{{"name", "ts"}, {"type", "TIMESTAMP"}}}}}},
                                               {"timePartitioning", {{"type", "DAY"}, {"field", "ts"}, {"expirationMs", "0"}}}});
                  }).message().find("must be positive"),
                  std::string::npos);
    }
    SandboxProcess again({}, data);
    BigQueryClient c(clientOptions(again));
    EXPECT_EQ(count(c, "days"), 3);
    EXPECT_EQ(count(c, "months"), 1);
    std::filesystem::remove_all(data);
}

// Column pruning of bytes: a column of a view, FROM subquery or WITH query counts only when
// the query reading it uses it, as BigQuery bills; DISTINCT, ORDER BY and set operations keep
// theirs.
TEST(Partitions, BytesCountOnlyTheColumnsReadThroughViewsAndSubqueries) {
    SandboxProcess s;
    BigQueryClient c(clientOptions(s));
    makeDataset(c);
    const auto run = [&](const std::string& sql) { c.query("p", {{"query", sql}, {"useLegacySql", false}, {"timeoutMs", 60000}}); };
    run("CREATE TABLE d.people AS SELECT 'ann' AS name, 30 AS age UNION ALL SELECT 'bob', 12");
    run("CREATE VIEW d.adults AS SELECT name, age FROM d.people");
    run("CREATE VIEW d.names AS SELECT name FROM d.adults");
    constexpr std::uint64_t kName = 2 * (2 + 3), kAge = 2 * 8;
    const std::pair<const char*, std::uint64_t> cases[] = {
        {"SELECT name FROM d.adults", kName},
        {"SELECT * FROM d.names", kName},
        {"SELECT * FROM d.adults", kName + kAge},
        {"SELECT COUNT(*) FROM d.adults", 0},
        {"SELECT name FROM (SELECT name, age FROM d.people WHERE age > 1)", kName + kAge}, // WHERE reads age
        {"SELECT k FROM (SELECT name AS k, SUM(age) AS s FROM d.people GROUP BY 1)", kName},
        {"WITH c AS (SELECT name, age FROM d.people) SELECT a.name FROM c AS a JOIN c AS b USING (name)", kName},
        {"SELECT name FROM (SELECT DISTINCT name, age FROM d.people)", kName + kAge},
        {"SELECT name FROM (SELECT name, age FROM d.people ORDER BY age LIMIT 1)", kName + kAge},
        {"SELECT x.name FROM (SELECT name, age FROM d.people UNION ALL SELECT name, age FROM d.people) AS x", 2 * (kName + kAge)},
        {"SELECT (SELECT MAX(n) FROM (SELECT name AS n, age FROM d.adults))", kName},
    };
    for (const auto& [sql, bytes] : cases) {
        EXPECT_EQ(dryBytes(c, sql), bytes) << sql;
        EXPECT_EQ(runBytes(c, sql), bytes) << sql;
    }
}

// Clustering: a run bills only the storage blocks (rows in clustering order, cut every
// --cluster-block-mb) its filter on the first clustering column can touch; the dry run is the
// upper bound, as BigQuery's is; a table smaller than a block (the default is 64 MB) is one
// block, so clustering saves it nothing.
TEST(Partitions, ClusteringBillsOnlyTheBlocksARunTouches) {
    const auto fill = [](BigQueryClient& c) {
        makeDataset(c);
        c.query("p", {{"query", "CREATE TABLE d.c (k INT64, v INT64) CLUSTER BY k AS "
                                "SELECT MOD(x * 37, 100) AS k, x AS v FROM UNNEST(GENERATE_ARRAY(0, 99)) AS x"},
                      {"useLegacySql", false}, {"timeoutMs", 60000}});
    };
    constexpr std::uint64_t kBlock = 7 * kRow; // rows of 16 bytes (two INT64s): 7 pass 0.0001 MB (104.9 bytes)
    {
        SandboxProcess s({"--cluster-block-mb", "0.0001"});
        BigQueryClient c(clientOptions(s));
        fill(c);
        EXPECT_EQ(dryBytes(c, "SELECT v FROM d.c WHERE k = 50"), 100 * kRow);
        EXPECT_EQ(runBytes(c, "SELECT v FROM d.c WHERE k = 50"), kBlock);                // k 49..55
        EXPECT_EQ(runBytes(c, "SELECT v FROM d.c WHERE k BETWEEN 10 AND 20"), 2 * kBlock); // 7..13, 14..20
        EXPECT_EQ(runBytes(c, "SELECT v FROM d.c WHERE k IN (0, 99)"), kBlock + 2 * kRow); // the first and the last (98, 99)
        EXPECT_EQ(runBytes(c, "SELECT v FROM d.c WHERE k > 95"), kBlock + 2 * kRow);      // 91..97, and 98..99
        EXPECT_EQ(runBytes(c, "SELECT v FROM d.c WHERE v = 50"), 100 * 8u);               // not the clustering column
        EXPECT_EQ(runBytes(c, "SELECT v FROM d.c WHERE k = 50 OR v = 1"), 100 * kRow);    // OR narrows nothing
        EXPECT_EQ(runBytes(c, "SELECT COUNT(*) FROM d.c WHERE k = 1000"), 0u);            // no block holds it
        // Partitioned and clustered: blocks within each partition the filter leaves. Day one
        // holds the even x, whose k are the even numbers, in blocks of seven: 42..54 holds 50.
        c.query("p", {{"query", "CREATE TABLE d.pc (day DATE, k INT64) PARTITION BY day CLUSTER BY k AS SELECT "
                                "DATE_ADD(DATE '2024-01-01', INTERVAL MOD(x, 2) DAY) AS day, MOD(x * 37, 100) AS k "
                                "FROM UNNEST(GENERATE_ARRAY(0, 99)) AS x"},
                      {"useLegacySql", false}, {"timeoutMs", 60000}});
        const std::string both = "SELECT k FROM d.pc WHERE day = '2024-01-01' AND k = 50";
        EXPECT_EQ(dryBytes(c, both), 50 * kRow);
        EXPECT_EQ(runBytes(c, both), kBlock);
    }
    SandboxProcess s;
    BigQueryClient c(clientOptions(s));
    fill(c);
    EXPECT_EQ(runBytes(c, "SELECT v FROM d.c WHERE k = 50"), 100 * kRow);
}
