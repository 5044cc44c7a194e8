// SPDX-License-Identifier: MIT
// Time travel in a real quarry-sandbox: FOR SYSTEM_TIME AS OF reads each version of a table
// (appends, UPDATE, DELETE, CREATE OR REPLACE) from memory, row groups and past versions,
// across a restart; snapshots are read-only copies as of a time, clones are tables; copy jobs
// make snapshots, clones and restores, and restore a dropped table from `t@<ms>`.
#include "ExpectApiError.h"
#include "SandboxProcess.h"
#include "UploadFixture.h"
#include "bigquery/BigQueryClient.h"
#include "platform/System.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <gtest/gtest.h>
#include <chrono>
#include <thread>

using namespace quarry;
using namespace quarry::test;

namespace {

RowPage run(BigQueryClient& c, const std::string& sql) {
    return c.query("p", {{"query", sql}, {"useLegacySql", false}, {"useQueryCache", false}, {"timeoutMs", 60000}});
}

std::string error(BigQueryClient& c, const std::string& sql) { return apiError([&] { run(c, sql); }).message(); }

/// The sandbox's clock now (ms), once it has moved past it: whatever commits next is later.
std::int64_t mark(BigQueryClient& c) {
    const auto now = [&] { return std::stoll(std::string(run(c, "SELECT CAST(UNIX_MILLIS(CURRENT_TIMESTAMP()) AS STRING)").rows.at(0).items()[0].asText())); };
    const auto t = now();
    while (now() <= t) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return t;
}

/// The rows of `from` (a table, maybe with FOR SYSTEM_TIME AS OF), as text, ordered.
std::string rowsOf(BigQueryClient& c, const std::string& from) {
    const auto r = run(c, "SELECT IFNULL(STRING_AGG(TO_JSON_STRING(x), ' ' ORDER BY TO_JSON_STRING(x)), '') FROM " + from + " AS x");
    return std::string(r.rows.at(0).items()[0].asText());
}

std::string asOf(const std::string& table, std::int64_t ms) {
    return table + " FOR SYSTEM_TIME AS OF TIMESTAMP_MILLIS(" + std::to_string(ms) + ")";
}

std::string copyJob(BigQueryClient& c, const std::string& from, const std::string& to, Json extra = Json::object()) {
    Json copy = {{"sourceTable", {{"projectId", "p"}, {"datasetId", "d"}, {"tableId", from}}},
                 {"destinationTable", {{"projectId", "p"}, {"datasetId", "d"}, {"tableId", to}}}};
    for (const auto& [k, v] : extra.items()) copy[k] = v;
    return jobError(c, {{"copy", copy}});
}

} // namespace

TEST(TimeTravel, EachVersionReadsAsItWasAcrossDmlReplacementAndRestart) {
    const auto data = std::filesystem::temp_directory_path() / ("quarry-time-travel-" + std::to_string(quarry::platform::processId()));
    std::filesystem::remove_all(data);
    std::int64_t t0 = 0, t1 = 0, t2 = 0, t3 = 0, t3b = 0, t4 = 0, t5 = 0;
    const auto expectVersions = [&](BigQueryClient& c) {
        EXPECT_EQ(rowsOf(c, asOf("d.t", t0)), "");
        EXPECT_EQ(rowsOf(c, asOf("d.t", t1)), R"({"n":1})");
        EXPECT_EQ(rowsOf(c, asOf("d.t", t2)), R"({"n":1} {"n":2})");
        EXPECT_EQ(rowsOf(c, asOf("d.t", t3)), R"({"n":10} {"n":20})");
        EXPECT_EQ(rowsOf(c, asOf("d.t", t3b)), R"({"n":10} {"n":20} {"n":30})");
        EXPECT_EQ(rowsOf(c, asOf("d.t", t4)), R"({"n":20} {"n":30})");
        EXPECT_EQ(rowsOf(c, asOf("d.t", t5)), R"({"s":"x"})"); // replaced, with another schema
        EXPECT_EQ(rowsOf(c, "d.t"), R"({"s":"x"})");
    };
    {
        // Checkpoints often: rows are read back from row groups as well as from the log.
        SandboxProcess s({"--checkpoint-idle", "0.1"}, data);
        BigQueryClient c(clientOptions(s));
        makeDataset(c);
        run(c, "CREATE TABLE d.t (n INT64)");
        t0 = mark(c);
        run(c, "INSERT INTO d.t (n) VALUES (1)");
        t1 = mark(c);
        c.insertAll(TableRef{"p", "d", "t"}, R"({"rows":[{"json":{"n":2}}]})");
        std::this_thread::sleep_for(std::chrono::milliseconds(300)); // a checkpoint folds them into a row group meanwhile, as it may
        t2 = mark(c);
        run(c, "UPDATE d.t SET n = n * 10 WHERE TRUE");
        t3 = mark(c);
        run(c, "INSERT INTO d.t (n) VALUES (30)");
        t3b = mark(c);
        run(c, "DELETE FROM d.t WHERE n = 10");
        t4 = mark(c);
        run(c, "CREATE OR REPLACE TABLE d.t AS SELECT 'x' AS s");
        t5 = mark(c);
        // t3 reads a prefix of the UPDATE's version, which the DELETE made a past one.
        expectVersions(c);
        // Time travel in a join and a subquery, and a string literal as the time.
        EXPECT_EQ(run(c, "SELECT COUNT(*) FROM " + asOf("d.t", t2) + " AS a JOIN " + asOf("d.t", t3) +
                             " AS b ON b.n = a.n * 10")
                      .rows.at(0)
                      .items()[0]
                      .asInt64(),
                  2);
        run(c, "CREATE TABLE d.gone AS SELECT 1 AS n");
        run(c, "DROP TABLE d.gone");
    }
    // A dropped table's folder is moved aside, then removed once its versions are kept; one
    // left by a crash in between is removed at start.
    std::filesystem::path dataset;
    for (const auto& e : std::filesystem::recursive_directory_iterator(data))
        if (e.path().filename() == "table.json") dataset = e.path().parent_path().parent_path();
    ASSERT_FALSE(dataset.empty());
    const auto aside = [&] {
        std::size_t n = 0;
        for (const auto& e : std::filesystem::directory_iterator(dataset)) n += e.path().string().ends_with(".dropping");
        return n;
    };
    EXPECT_EQ(aside(), 0u);
    std::filesystem::create_directories(dataset / "gone.7.dropping");
    std::filesystem::copy_file(dataset / "t" / "table.json", dataset / "gone.7.dropping" / "rows.qrl");
    SandboxProcess again({}, data);
    BigQueryClient c(clientOptions(again));
    expectVersions(c);
    EXPECT_EQ(aside(), 0u);
    EXPECT_NE(error(c, "SELECT * FROM d.gone").find("Not found"), std::string::npos);
    std::filesystem::remove_all(data);
}

TEST(TimeTravel, TimesOutsideTheWindowAndWhatIsNotATableAreRefusedClearly) {
    SandboxProcess s;
    BigQueryClient c(clientOptions(s));
    makeDataset(c);
    const auto before = mark(c);
    run(c, "CREATE TABLE d.t (n INT64)");
    run(c, "CREATE VIEW d.v AS SELECT n FROM d.t");
    const auto made = std::stoll(c.getTable(TableRef{"p", "d", "t"})["creationTime"].get<std::string>());
    const auto e = error(c, "SELECT * FROM " + asOf("d.t", before));
    EXPECT_NE(e.find("Invalid snapshot time " + std::to_string(before) + " for table p:d.t@" + std::to_string(before) +
                     ". Cannot read before " + std::to_string(made)),
              std::string::npos)
        << e;
    EXPECT_NE(error(c, "SELECT * FROM d.t FOR SYSTEM_TIME AS OF TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL 8 DAY)").find("Cannot read before"),
              std::string::npos);
    EXPECT_NE(error(c, "SELECT * FROM d.t FOR SYSTEM_TIME AS OF TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)").find("Cannot read after"),
              std::string::npos);
    const auto column = error(c, "SELECT * FROM d.t AS a FOR SYSTEM_TIME AS OF TIMESTAMP_MILLIS(a.n)");
    EXPECT_NE(column.find("Unrecognized name: a at [1:63]"), std::string::npos) << column; // a constant only
    EXPECT_NE(error(c, "SELECT * FROM d.t FOR SYSTEM_TIME AS OF 5").find("expects an expression of type TIMESTAMP but got INT64"),
              std::string::npos);
    EXPECT_NE(error(c, "WITH w AS (SELECT 1 AS n) SELECT * FROM w FOR SYSTEM_TIME AS OF CURRENT_TIMESTAMP()").find("can only be applied to a table"),
              std::string::npos);
    EXPECT_NE(error(c, "SELECT * FROM d.v FOR SYSTEM_TIME AS OF CURRENT_TIMESTAMP()").find("cannot read view p:d.v"), std::string::npos);
    EXPECT_NE(error(c, "SELECT * FROM d.missing FOR SYSTEM_TIME AS OF CURRENT_TIMESTAMP()").find("Not found: Table p:d.missing"),
              std::string::npos);
    // The window is the dataset's: 7 days unless it says 2 to 6.
    EXPECT_EQ(c.getDataset("p", "d")["maxTimeTravelHours"], "168");
    EXPECT_EQ(c.insertDataset("p", {{"datasetReference", {{"datasetId", "short"}}}, {"maxTimeTravelHours", "48"}})["maxTimeTravelHours"], "48");
    for (const Json& bad : {Json("50"), Json(24), Json(192), Json("x")})
        EXPECT_NE(apiError([&] { c.insertDataset("p", {{"datasetReference", {{"datasetId", "bad"}}}, {"maxTimeTravelHours", bad}}); })
                      .message()
                      .find("48 to 168 hours"),
                  std::string::npos)
            << bad;
    EXPECT_EQ(c.patchDataset("p", "short", {{"maxTimeTravelHours", 72}})["maxTimeTravelHours"], "72");
    // A dropped table is gone for queries, as in BigQuery (a copy job restores it).
    run(c, "DROP TABLE d.t");
    EXPECT_NE(error(c, "SELECT * FROM d.t FOR SYSTEM_TIME AS OF CURRENT_TIMESTAMP()").find("Not found: Table p:d.t"), std::string::npos);
}

TEST(TimeTravel, SnapshotsAreReadOnlyCopiesAndClonesAreTables) {
    SandboxProcess s;
    BigQueryClient c(clientOptions(s));
    makeDataset(c);
    run(c, "CREATE TABLE d.t (n INT64, day DATE) PARTITION BY day CLUSTER BY n");
    run(c, "INSERT INTO d.t VALUES (1, '2024-01-01')");
    const auto t1 = mark(c);
    run(c, "INSERT INTO d.t VALUES (2, '2024-01-02')");
    // Legacy SQL's snapshot decorators, tables.get and tabledata.list of t@<ms> read it then.
    EXPECT_EQ(run(c, "#legacySQL\nSELECT COUNT(*) FROM [p:d.t@" + std::to_string(t1) + "]").rows.at(0).items()[0].asInt64(), 1);
    EXPECT_NE(error(c, "#legacySQL\nSELECT COUNT(*) FROM [p:d.t@-100-1]").find("Range decorators"), std::string::npos);
    const TableRef then{"p", "d", "t@" + std::to_string(t1)};
    EXPECT_EQ(c.getTable(then)["numRows"], "1");
    EXPECT_EQ(c.listRows(then, {}).rows.size(), 1u);
    EXPECT_EQ(c.listRows(TableRef{"p", "d", "t"}, {}).rows.size(), 2u);
    run(c, "CREATE SNAPSHOT TABLE d.snap CLONE d.t FOR SYSTEM_TIME AS OF TIMESTAMP_MILLIS(" + std::to_string(t1) + ")");
    run(c, "CREATE TABLE d.copy CLONE d.t OPTIONS (description = 'a clone')");
    EXPECT_EQ(rowsOf(c, "d.snap"), R"({"n":1,"day":"2024-01-01"})");
    const Json snap = c.getTable(TableRef{"p", "d", "snap"});
    EXPECT_EQ(snap["type"], "SNAPSHOT");
    EXPECT_EQ(snap["snapshotDefinition"]["baseTableReference"]["tableId"], "t");
    EXPECT_EQ(snap["timePartitioning"]["field"], "day");
    const Json copy = c.getTable(TableRef{"p", "d", "copy"});
    EXPECT_EQ(copy["type"], "TABLE");
    EXPECT_EQ(copy["cloneDefinition"]["baseTableReference"]["tableId"], "t");
    EXPECT_EQ(copy["description"], "a clone");
    EXPECT_EQ(copy["clustering"]["fields"][0], "n");

    // Nothing changes a snapshot; a clone changes apart from its base.
    EXPECT_NE(error(c, "INSERT INTO d.snap VALUES (3, NULL)").find("is a table snapshot, which cannot be changed"), std::string::npos);
    EXPECT_NE(error(c, "DELETE FROM d.snap WHERE TRUE").find("is a table snapshot"), std::string::npos);
    EXPECT_NE(apiError([&] { c.insertAll(TableRef{"p", "d", "snap"}, R"({"rows":[{"json":{"n":4}}]})"); }).message().find("is a table snapshot"),
              std::string::npos);
    EXPECT_NE(error(c, "CREATE OR REPLACE TABLE d.snap AS SELECT 1 AS n").find("is a table snapshot"), std::string::npos);
    run(c, "DELETE FROM d.copy WHERE n = 1");
    EXPECT_EQ(rowsOf(c, "d.copy"), R"({"n":2,"day":"2024-01-02"})");
    EXPECT_EQ(rowsOf(c, "d.t"), R"({"n":1,"day":"2024-01-01"} {"n":2,"day":"2024-01-02"})");
    EXPECT_EQ(rowsOf(c, "d.snap"), R"({"n":1,"day":"2024-01-01"})");

    const auto types = run(c, "SELECT STRING_AGG(CONCAT(table_name, ':', table_type), ' ' ORDER BY table_name) FROM d.INFORMATION_SCHEMA.TABLES");
    EXPECT_EQ(types.rows.at(0).items()[0].asText(), "copy:CLONE snap:SNAPSHOT t:BASE TABLE");
    const auto snaps = run(c, "SELECT CONCAT(table_name, ':', base_table_schema, '.', base_table_name, ':', "
                              "CAST(UNIX_MILLIS(snapshot_time) AS STRING)) FROM d.INFORMATION_SCHEMA.TABLE_SNAPSHOTS");
    ASSERT_EQ(snaps.rows.size(), 1u);
    EXPECT_EQ(snaps.rows.at(0).items()[0].asText(), "snap:d.t:" + std::to_string(t1));
    EXPECT_NE(error(c, "CREATE OR REPLACE SNAPSHOT TABLE d.s2 CLONE d.t").find("drop the snapshot first"), std::string::npos);
    EXPECT_NE(error(c, "CREATE SNAPSHOT TABLE d.snap CLONE d.t").find("Already Exists: Table p:d.snap"), std::string::npos);
    EXPECT_NE(error(c, "DROP SNAPSHOT TABLE d.copy").find("not a table snapshot; use DROP TABLE"), std::string::npos);
    run(c, "DROP SNAPSHOT TABLE d.snap");
    EXPECT_NE(error(c, "SELECT * FROM d.snap").find("Not found"), std::string::npos);
}

TEST(TimeTravel, CopyJobsSnapshotCloneRestoreAndBringBackADroppedTable) {
    SandboxProcess s;
    BigQueryClient c(clientOptions(s));
    makeDataset(c);
    run(c, "CREATE TABLE d.t AS SELECT n FROM UNNEST([1, 2, 3]) AS n");
    EXPECT_EQ(copyJob(c, "t", "s", {{"operationType", "SNAPSHOT"}}), "");
    EXPECT_EQ(c.getTable(TableRef{"p", "d", "s"})["type"], "SNAPSHOT");
    EXPECT_NE(copyJob(c, "t", "s", {{"operationType", "SNAPSHOT"}}).find("Already Exists"), std::string::npos);
    EXPECT_EQ(copyJob(c, "s", "back", {{"operationType", "RESTORE"}}), "");
    EXPECT_EQ(c.getTable(TableRef{"p", "d", "back"})["type"], "TABLE");
    EXPECT_NE(copyJob(c, "t", "back2", {{"operationType", "RESTORE"}}).find("is not one"), std::string::npos);
    EXPECT_EQ(copyJob(c, "t", "cl", {{"operationType", "CLONE"}}), "");
    EXPECT_TRUE(c.getTable(TableRef{"p", "d", "cl"}).contains("cloneDefinition"));
    EXPECT_NE(copyJob(c, "t", "x", {{"operationType", "MOVE"}}).find("Invalid operationType"), std::string::npos);

    const auto before = mark(c);
    run(c, "DROP TABLE d.t");
    EXPECT_NE(error(c, "SELECT * FROM d.t").find("Not found"), std::string::npos);
    EXPECT_EQ(copyJob(c, "t@" + std::to_string(before), "restored"), "");
    EXPECT_EQ(rowsOf(c, "d.restored"), R"({"n":1} {"n":2} {"n":3})");
    EXPECT_NE(copyJob(c, "t@" + std::to_string(mark(c)), "late").find("it was dropped at"), std::string::npos);
    EXPECT_NE(copyJob(c, "t@0", "zero").find("@0"), std::string::npos);
    EXPECT_NE(copyJob(c, "t@yesterday", "bad").find("Invalid snapshot decorator"), std::string::npos);
    // A new table of the name does not hide the dropped one from a restore.
    run(c, "CREATE TABLE d.t AS SELECT 9 AS n");
    EXPECT_EQ(copyJob(c, "t@" + std::to_string(before), "restored2"), "");
    EXPECT_EQ(rowsOf(c, "d.restored2"), R"({"n":1} {"n":2} {"n":3})");
    EXPECT_EQ(rowsOf(c, "d.t"), R"({"n":9})");
}

TEST(TimeTravel, PastVersionsPastTheDiskLimitGoOldestFirstAndSaySo) {
    SandboxProcess s({"--time-travel-mb", "1"});
    BigQueryClient c(clientOptions(s));
    makeDataset(c);
    // About 2 MB of row groups that zstd cannot shrink much: each version alone is past 1 MB.
    run(c, "CREATE TABLE d.t AS SELECT x, 0 AS g, TO_HEX(SHA256(CAST(x AS STRING))) AS h FROM UNNEST(GENERATE_ARRAY(1, 40000)) AS x");
    std::vector<std::int64_t> before;
    for (int g = 1; g <= 3; ++g) {
        before.push_back(mark(c));
        run(c, "UPDATE d.t SET g = " + std::to_string(g) + " WHERE TRUE");
    }
    const auto generation = [&](std::int64_t ms) -> std::string {
        const auto r = run(c, "SELECT CONCAT(CAST(COUNT(*) AS STRING), ':', CAST(MIN(g) AS STRING), ':', CAST(MAX(g) AS STRING)) FROM " +
                                  asOf("d.t", ms));
        return std::string(r.rows.at(0).items()[0].asText());
    };
    // The newest past version stays; the older ones went, and reading them says from when on
    // the table can be read.
    EXPECT_EQ(generation(before[2]), "40000:2:2");
    for (const auto ms : {before[0], before[1]})
        EXPECT_NE(error(c, "SELECT COUNT(*) FROM " + asOf("d.t", ms)).find("Cannot read before"), std::string::npos) << ms;
    EXPECT_EQ(generation(mark(c)), "40000:3:3");
}

TEST(TimeTravel, PastTheVersionCountTheOldestGoFirstAndSaySo) {
    SandboxProcess s({"--time-travel-versions", "3"});
    BigQueryClient c(clientOptions(s));
    makeDataset(c);
    run(c, "CREATE TABLE d.t AS SELECT 0 AS g");
    std::vector<std::int64_t> before;
    for (int g = 1; g <= 5; ++g) {
        before.push_back(mark(c));
        run(c, "UPDATE d.t SET g = " + std::to_string(g) + " WHERE TRUE");
    }
    // Five versions were replaced; the newest three stay and read as they were.
    for (int i = 2; i < 5; ++i) EXPECT_EQ(rowsOf(c, asOf("d.t", before[static_cast<std::size_t>(i)])), "{\"g\":" + std::to_string(i) + "}") << i;
    for (int i = 0; i < 2; ++i)
        EXPECT_NE(error(c, "SELECT g FROM " + asOf("d.t", before[static_cast<std::size_t>(i)])).find("Cannot read before"), std::string::npos) << i;
    EXPECT_EQ(rowsOf(c, "d.t"), R"({"g":5})");
}

TEST(TimeTravel, APastVersionIsReadWithoutChangingItsFiles) {
    SandboxProcess s;
    BigQueryClient c(clientOptions(s));
    makeDataset(c);
    run(c, "CREATE TABLE d.t AS SELECT x FROM UNNEST(GENERATE_ARRAY(1, 5)) AS x");
    const auto before = mark(c);
    run(c, "UPDATE d.t SET x = x * 10 WHERE TRUE");
    // The kept version's files, each given a torn tail (half a record, as a crash leaves):
    // reading the version leaves it out, and cuts nothing (they are hard links, read only).
    std::map<std::filesystem::path, std::uintmax_t> sizes;
    for (const auto& e : std::filesystem::recursive_directory_iterator(s.dataDir()))
        if (e.is_regular_file() && e.path().string().find("/history/") != std::string::npos &&
            e.path().filename().string().rfind("rows", 0) == 0) {
            std::ofstream(e.path(), std::ios::app | std::ios::binary) << std::string("QRL1\x40\x00", 6);
            sizes[e.path()] = std::filesystem::file_size(e.path());
        }
    ASSERT_FALSE(sizes.empty());
    for (int i = 0; i < 2; ++i) EXPECT_EQ(rowsOf(c, asOf("d.t", before)), R"({"x":1} {"x":2} {"x":3} {"x":4} {"x":5})");
    for (const auto& [path, size] : sizes) EXPECT_EQ(std::filesystem::file_size(path), size) << path;
    EXPECT_EQ(rowsOf(c, "d.t"), R"({"x":10} {"x":20} {"x":30} {"x":40} {"x":50})");
}

TEST(TimeTravel, AnExpiredTableIsDroppedAndCanBeRestored) {
    SandboxProcess s;
    BigQueryClient c(clientOptions(s));
    makeDataset(c);
    run(c, "CREATE TABLE d.t AS SELECT 1 AS n UNION ALL SELECT 2");
    run(c, "CREATE TABLE d.kept AS SELECT 3 AS n");
    const auto before = mark(c);
    c.patchTable(TableRef{"p", "d", "t"}, {{"expirationTime", std::to_string(before + 200)}});
    // The background thread drops it once its time has passed (it looks every second).
    for (int i = 0; i < 200 && tableExists(c, "t"); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_FALSE(tableExists(c, "t"));
    EXPECT_EQ(rowsOf(c, "d.kept"), R"({"n":3})");
    EXPECT_EQ(copyJob(c, "t@" + std::to_string(before), "back"), "");
    EXPECT_EQ(rowsOf(c, "d.back"), R"({"n":1} {"n":2})");
}
