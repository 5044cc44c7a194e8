// SPDX-License-Identifier: MIT
// A disk that fails a sync (injected: quarry-sandbox --faults sync:eio:1) must not leave rows
// visible and their insertIds remembered: a client retrying the request would be told its
// rows are in while the disk may not have them. The table is set aside until a restart,
// which loads what reached the disk; a retry then stores every row exactly once.
#include "ExpectApiError.h"
#include "SandboxProcess.h"
#include "UploadFixture.h"
#include "bigquery/BigQueryClient.h"

#include <gtest/gtest.h>

using namespace quarry;
using quarry::test::apiError;
using quarry::test::SandboxProcess;

namespace {

BigQueryClient clientFor(const SandboxProcess& s) { return BigQueryClient(quarry::test::clientOptions(s)); }

std::string rowsBody(const std::string& idPrefix, int from, int n) {
    Json rows = Json::array();
    for (int i = from; i < from + n; ++i) rows.push_back({{"insertId", idPrefix + std::to_string(i)}, {"json", {{"x", i}}}});
    return Json{{"rows", rows}}.dump();
}

void createTable(BigQueryClient& c, const std::string& id) {
    c.insertTable("p", "d", {{"tableReference", {{"tableId", id}}},
                            {"schema", {{"fields", Json::array({{{"name", "x"}, {"type", "INTEGER"}}})}}}});
}

} // namespace

TEST(DiskErrors, AFailedSyncSetsTheTableAsideAndARetryIsNeverToldItsRowsAreIn) {
    quarry::test::ScratchDir data;
    const TableRef t{"p", "d", "t"};
    {
        SandboxProcess s({}, data.path);
        auto c = clientFor(s);
        quarry::test::makeDataset(c);
        createTable(c, "t");
        createTable(c, "other");
        ASSERT_TRUE(c.insertAll(t, rowsBody("a", 0, 10)).ok());
        ASSERT_TRUE(c.insertAll(TableRef{"p", "d", "other"}, rowsBody("o", 0, 5)).ok());
        s.stop();
    }
    {
        SandboxProcess s({"--faults", "sync:eio:1"}, data.path);
        auto c = clientFor(s);
        // The client retries the failed request with the same insertIds: before, the retry
        // was de-duplicated against rows the disk never took, and answered "all stored".
        const auto e = apiError([&] { c.insertAll(t, rowsBody("b", 10, 10)); });
        EXPECT_NE(e.message().find("disk error"), std::string::npos) << e.reason() << ": " << e.message();
        EXPECT_NE(e.message().find("Restart the sandbox"), std::string::npos) << e.message();
        const auto read = apiError([&] { quarry::test::countRows(c, "t"); });
        EXPECT_EQ(read.reason(), "notFound") << read.message();
        EXPECT_EQ(quarry::test::countRows(c, "other"), 5); // the other tables are untouched
        s.stop();
    }
    SandboxProcess s({}, data.path);
    auto c = clientFor(s);
    ASSERT_TRUE(c.insertAll(t, rowsBody("b", 10, 10)).ok());
    EXPECT_EQ(quarry::test::countRows(c, "t"), 20);
    const auto sums = quarry::test::queryRow(c, "SELECT COUNT(DISTINCT x) AS n, SUM(x) AS s FROM d.t");
    EXPECT_EQ(sums.at("n"), 20);
    EXPECT_EQ(sums.at("s"), 190);
}
