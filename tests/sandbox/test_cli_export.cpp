// SPDX-License-Identifier: MIT
// quarry-cli query -o as a user runs it against a started sandbox: a result exported through
// the Storage Read API (Arrow, several streams) is the same file, byte for byte, as the one
// getQueryResults' pages make, in every format and for every column type; --api auto takes the
// Read API only for a large result; where the Read API is not served, --api read says so and
// writes nothing.
#include "RunCommand.h"
#include "SandboxProcess.h"
#include "UploadFixture.h"

#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <sstream>

using namespace quarry;
using namespace quarry::test;

namespace {

/// 30,000 rows of every type, NULLs, empty and nested arrays, as a query's result.
const char* kEveryType = R"(SELECT id, CONCAT('name "', CAST(id AS STRING), '",\n') AS s, id / 7 AS f, MOD(id, 3) = 0 AS b,
  CAST(CAST(id AS STRING) AS BYTES) AS y, CAST(id AS NUMERIC) / 8 AS n, CAST(id AS BIGNUMERIC) / 3 AS bn,
  DATE_ADD(DATE '1970-01-01', INTERVAL id DAY) AS d, TIME_ADD(TIME '00:00:00', INTERVAL id SECOND) AS t,
  DATETIME_ADD(DATETIME '2000-01-01 00:00:00', INTERVAL id MINUTE) AS dt, TIMESTAMP_MICROS(id * 1000003) AS ts,
  PARSE_JSON(CONCAT('{"k": ', CAST(id AS STRING), ', "a": [1, null]}')) AS j, INTERVAL id SECOND AS iv,
  IF(MOD(id, 2) = 0, RANGE<DATE> '[2020-01-01, UNBOUNDED)', RANGE<DATE> '[2020-01-01, 2021-01-01)') AS r,
  IF(MOD(id, 5) = 0, NULL, id) AS maybe, IF(MOD(id, 4) = 0, [], [id, id + 1]) AS arr,
  STRUCT(CAST(id AS STRING) AS k, IF(MOD(id, 6) = 0, NULL, STRUCT([1.5, 2.5] AS xs)) AS deep) AS rec,
  [STRUCT('a' AS k, id AS v), STRUCT('b', NULL)] AS recs
FROM UNNEST(GENERATE_ARRAY(1, 30000)) AS id)";

std::string readFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

CommandResult exportQuery(const SandboxProcess& s, const std::string& state, const std::string& out, const std::string& api,
                          const std::string& sql) {
    std::ofstream(state + "/query.sql") << sql;
    return runCommand("XDG_STATE_HOME=" + state + " " + QUARRY_CLI + " --endpoint " + s.url() + " --project p query --no-history -o " +
                      out + " --api " + api + " - < " + state + "/query.sql 2>&1");
}

} // namespace

TEST(CliExport, TheReadApiWritesTheSameBytesAsPagesForEveryTypeAndFormat) {
    UploadEnv env;
    if (env.sandbox.grpcAddress().empty()) GTEST_SKIP() << "this sandbox serves no Storage API";
    const std::string state = env.dir.path;
    for (const std::string format : {"ndjson", "csv", "json"}) {
        const std::string viaRead = state + "/read." + format, viaPages = state + "/pages." + format;
        const auto read = exportQuery(env.sandbox, state, viaRead, "read", kEveryType);
        ASSERT_EQ(read.code, 0) << read.out;
        EXPECT_NE(read.out.find("through the Storage Read API"), std::string::npos) << read.out;
        EXPECT_NE(read.out.find("Wrote 30000 rows"), std::string::npos) << read.out;
        const auto pages = exportQuery(env.sandbox, state, viaPages, "rest", kEveryType);
        ASSERT_EQ(pages.code, 0) << pages.out;
        EXPECT_EQ(pages.out.find("Storage Read API"), std::string::npos) << pages.out;
        const auto a = readFile(viaRead), b = readFile(viaPages);
        EXPECT_GT(a.size(), 1000000u);
        EXPECT_TRUE(a == b) << format << ": the two exports differ (" << a.size() << " and " << b.size() << " bytes)";
    }
    // An empty result: the same header (CSV) or empty array (JSON) either way.
    for (const std::string format : {"csv", "json"}) {
        const std::string sql = "SELECT 1 AS a, 'x' AS b FROM UNNEST([1]) WHERE FALSE";
        ASSERT_EQ(exportQuery(env.sandbox, state, state + "/e1." + format, "read", sql).code, 0);
        ASSERT_EQ(exportQuery(env.sandbox, state, state + "/e2." + format, "rest", sql).code, 0);
        EXPECT_EQ(readFile(state + "/e1." + format), readFile(state + "/e2." + format)) << format;
    }
}

TEST(CliExport, AutoTakesTheReadApiOnlyForALargeResult) {
    UploadEnv env;
    if (env.sandbox.grpcAddress().empty()) GTEST_SKIP() << "this sandbox serves no Storage API";
    const std::string state = env.dir.path;
    const auto small = exportQuery(env.sandbox, state, state + "/small.ndjson", "auto", "SELECT x FROM UNNEST(GENERATE_ARRAY(1, 9999)) AS x");
    ASSERT_EQ(small.code, 0) << small.out;
    EXPECT_EQ(small.out.find("Storage Read API"), std::string::npos) << small.out;
    const auto large = exportQuery(env.sandbox, state, state + "/large.ndjson", "auto", "SELECT x FROM UNNEST(GENERATE_ARRAY(1, 10000)) AS x");
    ASSERT_EQ(large.code, 0) << large.out;
    EXPECT_NE(large.out.find("through the Storage Read API"), std::string::npos) << large.out;
}

TEST(CliExport, WhereTheReadApiIsNotServedReadSaysSoAndWritesNothing) {
    UploadEnv env({"--grpc-port", "-1"});
    const std::string state = env.dir.path, out = state + "/never.ndjson";
    const auto r = exportQuery(env.sandbox, state, out, "read", "SELECT 1 AS x");
    EXPECT_NE(r.code, 0);
    EXPECT_NE(r.out.find("does not know where this endpoint's Storage Read API is"), std::string::npos) << r.out;
    EXPECT_FALSE(std::filesystem::exists(out));
    for (const auto& e : std::filesystem::directory_iterator(state)) EXPECT_NE(e.path().extension(), ".part") << e.path();
    // --api auto goes on through pages.
    const auto pages = exportQuery(env.sandbox, state, out, "auto", "SELECT x FROM UNNEST(GENERATE_ARRAY(1, 20000)) AS x");
    EXPECT_EQ(pages.code, 0) << pages.out;
    EXPECT_NE(pages.out.find("Wrote 20000 rows"), std::string::npos) << pages.out;
}
