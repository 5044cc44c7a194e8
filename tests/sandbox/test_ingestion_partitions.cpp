// SPDX-License-Identifier: MIT
// Ingestion-time partitioned tables in a real quarry-sandbox: each row's _PARTITIONTIME is
// the start of the unit it was written in (or the one an INSERT names), kept through the log,
// row groups, DML, copies and a restart; SELECT * and the schema leave it out; filters on
// _PARTITIONTIME, _PARTITIONDATE and DATE(_PARTITIONTIME) prune the bytes billed.
#include "ExpectApiError.h"
#include "SandboxProcess.h"
#include "UploadFixture.h"
#include "bigquery/BigQueryClient.h"
#include "platform/System.h"

#include <filesystem>
#include <gtest/gtest.h>

using namespace quarry;
using namespace quarry::test;

namespace {

RowPage run(BigQueryClient& c, const std::string& sql) {
    return c.query("p", {{"query", sql}, {"useLegacySql", false}, {"useQueryCache", false}, {"timeoutMs", 60000}});
}

std::uint64_t dryBytes(BigQueryClient& c, const std::string& sql) {
    const auto r = c.query("p", {{"query", sql}, {"dryRun", true}, {"useLegacySql", false}});
    return std::stoull(r.meta["totalBytesProcessed"].get<std::string>());
}

/// "date:a" for each row, ordered by a: where each row's partition is.
std::string partitions(BigQueryClient& c, const std::string& table) {
    const auto r = run(c, "SELECT STRING_AGG(CONCAT(CAST(_PARTITIONDATE AS STRING), ':', CAST(a AS STRING)), ' ' ORDER BY a) FROM d." + table);
    return std::string(r.rows.at(0).items()[0].asText());
}

std::string today(BigQueryClient& c) {
    return std::string(run(c, "SELECT CAST(CURRENT_DATE() AS STRING)").rows.at(0).items()[0].asText());
}

void copyTable(BigQueryClient& c, const std::string& from, const std::string& to) {
    EXPECT_EQ(jobError(c, {{"copy", {{"sourceTable", {{"projectId", "p"}, {"datasetId", "d"}, {"tableId", from}}},
                                     {"destinationTable", {{"projectId", "p"}, {"datasetId", "d"}, {"tableId", to}}}}}}),
              "");
}

} // namespace

TEST(IngestionPartitions, RowsKeepTheirPartitionThroughLogsDmlCopiesAndRestarts) {
    const auto data = std::filesystem::temp_directory_path() / ("quarry-ingestion-" + std::to_string(quarry::platform::processId()));
    std::filesystem::remove_all(data);
    std::string day, expected;
    {
        SandboxProcess s({}, data);
        BigQueryClient c(clientOptions(s));
        makeDataset(c);
        c.insertTable("p", "d", {{"tableReference", {{"tableId", "t"}}},
                                 {"schema", {{"fields", {{{"name", "a"}, {"type", "INTEGER"}}, {{"name", "s"}, {"type", "STRING"}}}}}},
                                 {"timePartitioning", {{"type", "DAY"}}}});
        day = today(c);
        c.insertAll(TableRef{"p", "d", "t"}, R"({"rows":[{"json":{"a":1,"s":"x"}},{"json":{"a":2,"s":"y"}}]})");
        run(c, "INSERT INTO d.t (_PARTITIONTIME, a, s) VALUES ('2024-01-01', 3, 'p'), (TIMESTAMP '2024-01-02', 4, 'q'), "
               "('2024-01-02 00:00:00+00', 5, 'r')");
        run(c, "INSERT INTO d.t (a, s) VALUES (6, 'dml')");
        // The schema and SELECT * are the table's own columns only.
        EXPECT_EQ(c.getTable(TableRef{"p", "d", "t"})["schema"]["fields"].size(), 2u);
        EXPECT_EQ(run(c, "SELECT * FROM d.t WHERE a = 1").rows.at(0).items().size(), 2u);
        EXPECT_EQ(run(c, "SELECT TO_JSON_STRING(t) FROM d.t AS t WHERE a = 1").rows.at(0).items()[0].asText(), R"({"a":1,"s":"x"})");
        expected = day + ":1 " + day + ":2 2024-01-01:3 2024-01-02:4 2024-01-02:5 " + day + ":6";
        EXPECT_EQ(partitions(c, "t"), expected);

        // Pruning: a column of 8 bytes a row, billed for the partitions a filter can touch.
        EXPECT_EQ(dryBytes(c, "SELECT a FROM d.t"), 6u * 8);
        EXPECT_EQ(dryBytes(c, "SELECT a FROM d.t WHERE _PARTITIONDATE = '2024-01-02'"), 2u * 8);
        EXPECT_EQ(dryBytes(c, "SELECT a FROM d.t WHERE _PARTITIONTIME = TIMESTAMP '2024-01-01'"), 1u * 8);
        EXPECT_EQ(dryBytes(c, "SELECT a FROM d.t x WHERE DATE(x._PARTITIONTIME) BETWEEN '2024-01-01' AND '2024-01-02'"), 3u * 8);
        EXPECT_EQ(dryBytes(c, "SELECT a FROM d.t WHERE _PARTITIONDATE < '2024-01-02'"), 1u * 8);
        EXPECT_EQ(run(c, "SELECT COUNT(*) FROM d.t WHERE _PARTITIONDATE = '2024-01-02'").rows.at(0).items()[0].asInt64(), 2);
        const auto parts = run(c, "SELECT STRING_AGG(CONCAT(partition_id, '=', CAST(total_rows AS STRING)), ' ' ORDER BY partition_id) "
                                  "FROM d.INFORMATION_SCHEMA.PARTITIONS WHERE table_name = 't'");
        std::string id = day;
        std::erase(id, '-');
        EXPECT_EQ(parts.rows.at(0).items()[0].asText(), "20240101=1 20240102=2 " + id + "=3");

        // Errors that say what to do: an alias for the pseudo-column, a time where a
        // partition starts, and no such field in an insertAll row.
        EXPECT_NE(apiError([&] { run(c, "SELECT _PARTITIONTIME FROM d.t"); }).message().find("under an alias"), std::string::npos);
        EXPECT_NE(apiError([&] { run(c, "INSERT INTO d.t (_PARTITIONTIME, a) VALUES ('2024-01-01 10:00:00', 7)"); }).message().find(
                      "is not the start of a partition"),
                  std::string::npos);
        EXPECT_FALSE(c.insertAll(TableRef{"p", "d", "t"}, R"({"rows":[{"json":{"a":8,"_PARTITIONTIME":"2024-01-01"}}]})").ok());

        // tabledata.list of a partition decorator lists that partition's rows.
        const Schema schema = Schema::fromJson(c.getTable(TableRef{"p", "d", "t"})["schema"]);
        const auto listed = c.listRows(TableRef{"p", "d", "t$20240102"}, ListRowsOptions{}, &schema);
        ASSERT_EQ(listed.rows.size(), 2u);
        EXPECT_EQ(listed.totalRows.value_or(-1), 2);
        EXPECT_EQ(listed.rows[0][0].asInt64() + listed.rows[1][0].asInt64(), 4 + 5);

        // UPDATE and DELETE keep the partitions of the rows they keep; MERGE's inserted rows
        // take the statement's.
        run(c, "UPDATE d.t SET s = 'u' WHERE _PARTITIONDATE = '2024-01-02'");
        run(c, "DELETE FROM d.t WHERE a = 5");
        run(c, "MERGE d.t AS tt USING (SELECT 9 AS a) src ON tt.a = src.a WHEN NOT MATCHED THEN INSERT (a, s) VALUES (src.a, 'm')");
        expected = day + ":1 " + day + ":2 2024-01-01:3 2024-01-02:4 " + day + ":6 " + day + ":9";
        EXPECT_EQ(partitions(c, "t"), expected);
        EXPECT_EQ(run(c, "SELECT s FROM d.t WHERE a = 4").rows.at(0).items()[0].asText(), "u");

        // A copy is partitioned as its source, with the same partitions.
        copyTable(c, "t", "t_copy");
        EXPECT_EQ(partitions(c, "t_copy"), expected);

        // A row streamed after the rewrite goes to the log: it too must come back. So must
        // one streamed into yesterday's partition through its decorator (t$YYYYMMDD).
        c.insertAll(TableRef{"p", "d", "t"}, R"({"rows":[{"json":{"a":10,"s":"late"}}]})");
        const std::string y(run(c, "SELECT CAST(DATE_SUB(CURRENT_DATE(), INTERVAL 1 DAY) AS STRING)").rows.at(0).items()[0].asText());
        std::string digits = y;
        std::erase(digits, '-');
        ASSERT_TRUE(c.insertAll(TableRef{"p", "d", "t$" + digits}, R"({"rows":[{"json":{"a":11,"s":"yesterday"}}]})").ok());
        expected += " " + day + ":10 " + y + ":11";
        EXPECT_EQ(partitions(c, "t"), expected);
        // Decorators BigQuery refuses: out of its bounds, not of the table's unit, on a table
        // partitioned by a column.
        EXPECT_NE(apiError([&] { c.insertAll(TableRef{"p", "d", "t$20200101"}, R"({"rows":[{"json":{"a":12}}]})"); })
                      .message()
                      .find("outside the allowed bounds"),
                  std::string::npos);
        EXPECT_NE(apiError([&] { c.insertAll(TableRef{"p", "d", "t$"}, R"({"rows":[{"json":{"a":12}}]})"); })
                      .message()
                      .find("write a partition after the $"),
                  std::string::npos);
        for (const char* bad : {"t$2024010112", "t$20240230", "t$2024013x", "t$-2024010"})
            EXPECT_NE(apiError([&] { c.insertAll(TableRef{"p", "d", bad}, R"({"rows":[{"json":{"a":12}}]})"); })
                          .message()
                          .find("write the partition as YYYYMMDD"),
                      std::string::npos)
                << bad;
        c.insertTable("p", "d", {{"tableReference", {{"tableId", "bycol"}}},
                                 {"schema", {{"fields", {{{"name", "day"}, {"type", "DATE"}}}}}},
                                 {"timePartitioning", {{"type", "DAY"}, {"field", "day"}}}});
        EXPECT_NE(apiError([&] { c.insertAll(TableRef{"p", "d", "bycol$" + digits}, R"({"rows":[{"json":{"day":"2024-01-01"}}]})"); })
                      .message()
                      .find("Streaming to metadata partition of column based partitioning table"),
                  std::string::npos);
    }
    SandboxProcess again({}, data);
    BigQueryClient c(clientOptions(again));
    if (today(c) == day) { // not across midnight UTC, when "today" moved
        EXPECT_EQ(partitions(c, "t"), expected);
        EXPECT_EQ(dryBytes(c, "SELECT a FROM d.t WHERE _PARTITIONDATE = '2024-01-02'"), 1u * 8);
    }
    std::filesystem::remove_all(data);
}

TEST(IngestionPartitions, DdlMakesThemAndTheirFiltersAreRequiredWhenAsked) {
    SandboxProcess s;
    BigQueryClient c(clientOptions(s));
    makeDataset(c);
    run(c, "CREATE TABLE d.daily (x INT64) PARTITION BY _PARTITIONDATE OPTIONS (require_partition_filter = true)");
    run(c, "CREATE TABLE d.hourly (x INT64) PARTITION BY TIMESTAMP_TRUNC(_PARTITIONTIME, HOUR)");
    run(c, "CREATE TABLE d.monthly (x INT64) PARTITION BY DATE(_PARTITIONTIME)");
    EXPECT_EQ(c.getTable(TableRef{"p", "d", "daily"})["timePartitioning"]["type"], "DAY");
    EXPECT_FALSE(c.getTable(TableRef{"p", "d", "daily"})["timePartitioning"].contains("field"));
    EXPECT_EQ(c.getTable(TableRef{"p", "d", "hourly"})["timePartitioning"]["type"], "HOUR");

    run(c, "INSERT INTO d.daily (x) VALUES (1)");
    EXPECT_NE(apiError([&] { run(c, "SELECT x FROM d.daily"); })
                  .message()
                  .find("without a filter over column(s) '_PARTITION_LOAD_TIME', '_PARTITIONDATE', '_PARTITIONTIME'"),
              std::string::npos);
    EXPECT_EQ(run(c, "SELECT x FROM d.daily WHERE _PARTITIONDATE >= '2020-01-01'").rows.size(), 1u);
    // DML is held to it too; a MERGE (whose filter BigQuery reads from ON) is not refused.
    EXPECT_NE(apiError([&] { run(c, "DELETE FROM d.daily WHERE x = 1"); }).message().find("without a filter over column(s)"),
              std::string::npos);
    run(c, "MERGE d.daily AS t USING (SELECT 2 AS x) AS s ON t.x = s.x AND t._PARTITIONDATE >= '2020-01-01' "
           "WHEN NOT MATCHED THEN INSERT (x) VALUES (s.x)");
    run(c, "DELETE FROM d.daily WHERE _PARTITIONDATE >= '2020-01-01' AND x = 1");
    EXPECT_EQ(run(c, "SELECT x FROM d.daily WHERE _PARTITIONDATE >= '2020-01-01'").rows.at(0).items()[0].asInt64(), 2);

    // Hourly: the start of the hour the row was written in; _PARTITIONDATE is for days only.
    run(c, "INSERT INTO d.hourly (x) VALUES (1)");
    const auto h = run(c, "SELECT _PARTITIONTIME = TIMESTAMP_TRUNC(_PARTITIONTIME, HOUR) AND "
                          "TIMESTAMP_DIFF(CURRENT_TIMESTAMP(), _PARTITIONTIME, MINUTE) BETWEEN 0 AND 61 FROM d.hourly");
    EXPECT_TRUE(h.rows.at(0).items()[0].asBool());
    EXPECT_NE(apiError([&] { run(c, "SELECT _PARTITIONDATE AS d FROM d.hourly"); }).message().find("Unrecognized name: _PARTITIONDATE"),
              std::string::npos);
    // A query's rows cannot say which ingestion time they have.
    EXPECT_NE(apiError([&] { run(c, "CREATE TABLE d.bad PARTITION BY _PARTITIONDATE AS SELECT 1 AS x"); }).message().find("AS query_statement"),
              std::string::npos);
    // A table that is not partitioned by ingestion time has no such column.
    run(c, "CREATE TABLE d.plain (x INT64)");
    EXPECT_NE(apiError([&] { run(c, "SELECT x FROM d.plain WHERE _PARTITIONTIME IS NULL"); }).message().find("Unrecognized name"),
              std::string::npos);
}
