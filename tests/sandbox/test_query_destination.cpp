// SPDX-License-Identifier: MIT
// A query job's destinationTable in a real quarry-sandbox: the result is written to the table
// with BigQuery's create and write dispositions (WRITE_EMPTY by default), a new table takes
// the job's partitioning, a partition decorator replaces that partition only, and what cannot
// have a destination (a script, a DML statement) is refused.
#include "ExpectApiError.h"
#include "SandboxProcess.h"
#include "UploadFixture.h"
#include "bigquery/BigQueryClient.h"

#include <gtest/gtest.h>

using namespace quarry;
using namespace quarry::test;

namespace {

/// Runs a query job writing to d.<table>; returns its errorResult's message ("" when it
/// succeeded).
std::string queryInto(BigQueryClient& c, const std::string& sql, const std::string& table, Json extra = Json::object()) {
    Json q = {{"query", sql}, {"useLegacySql", false}, {"destinationTable", {{"projectId", "p"}, {"datasetId", "d"}, {"tableId", table}}}};
    for (const auto& [k, v] : extra.items()) q[k] = v;
    return jobError(c, {{"query", q}});
}

std::string rowsOf(BigQueryClient& c, const std::string& table) {
    const auto r = c.query("p", {{"query", "SELECT IFNULL(STRING_AGG(CAST(n AS STRING), ' ' ORDER BY n), '') FROM d." + table},
                                 {"useLegacySql", false}, {"useQueryCache", false}});
    return std::string(r.rows.at(0).items()[0].asText());
}

} // namespace

TEST(QueryDestination, DispositionsDecideWhatHappensToTheTable) {
    SandboxProcess s;
    BigQueryClient c(clientOptions(s));
    makeDataset(c);
    const std::string two = "SELECT n FROM UNNEST([1, 2]) AS n";
    EXPECT_EQ(queryInto(c, two, "out"), "");
    EXPECT_EQ(rowsOf(c, "out"), "1 2");
    EXPECT_NE(queryInto(c, two, "out").find("Already Exists: Table p:d.out"), std::string::npos); // WRITE_EMPTY
    EXPECT_EQ(queryInto(c, "SELECT 3 AS n", "out", {{"writeDisposition", "WRITE_APPEND"}}), "");
    EXPECT_EQ(rowsOf(c, "out"), "1 2 3");
    EXPECT_EQ(queryInto(c, "SELECT 7 AS n", "out", {{"writeDisposition", "WRITE_TRUNCATE"}}), "");
    EXPECT_EQ(rowsOf(c, "out"), "7");
    EXPECT_NE(queryInto(c, "SELECT 'x' AS n", "out", {{"writeDisposition", "WRITE_APPEND"}}).find("Provided Schema does not match"),
              std::string::npos);
    EXPECT_EQ(rowsOf(c, "out"), "7");
    EXPECT_NE(queryInto(c, two, "missing", {{"createDisposition", "CREATE_NEVER"}}).find("Not found: Table p:d.missing"),
              std::string::npos);
    // What has no result to write refuses a destination.
    EXPECT_NE(queryInto(c, "INSERT INTO d.out (n) VALUES (8)", "out").find("DML or DDL"), std::string::npos);
    EXPECT_NE(queryInto(c, "DECLARE x INT64 DEFAULT 1; SELECT x AS n", "out").find("cannot be set for scripts"), std::string::npos);
    EXPECT_EQ(rowsOf(c, "out"), "7");
}

TEST(QueryDestination, ANewTableIsPartitionedAsAskedAndADecoratorReplacesOnePartition) {
    SandboxProcess s;
    BigQueryClient c(clientOptions(s));
    makeDataset(c);
    const std::string days = "SELECT DATE_ADD(DATE '2024-01-01', INTERVAL k DAY) AS day, k AS n FROM UNNEST([0, 1, 1, 2]) AS k";
    EXPECT_EQ(queryInto(c, days, "byday", {{"timePartitioning", {{"type", "DAY"}, {"field", "day"}}}, {"clustering", {{"fields", {"n"}}}}}),
              "");
    const Json t = c.getTable(TableRef{"p", "d", "byday"});
    EXPECT_EQ(t["timePartitioning"]["field"], "day");
    EXPECT_EQ(t["clustering"]["fields"][0], "n");
    EXPECT_EQ(rowsOf(c, "byday"), "0 1 1 2");
    // 2024-01-02 replaced; the other days stay.
    EXPECT_EQ(queryInto(c, "SELECT DATE '2024-01-02' AS day, 5 AS n", "byday$20240102", {{"writeDisposition", "WRITE_TRUNCATE"}}), "");
    EXPECT_EQ(rowsOf(c, "byday"), "0 2 5");
    EXPECT_NE(queryInto(c, "SELECT DATE '2024-01-09' AS day, 6 AS n", "byday$20240102", {{"writeDisposition", "WRITE_TRUNCATE"}})
                  .find("Some rows belong to different partitions rather than destination partition 20240102"),
              std::string::npos);
    EXPECT_EQ(rowsOf(c, "byday"), "0 2 5");
}
