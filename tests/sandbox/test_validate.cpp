// SPDX-License-Identifier: MIT
// `quarry-cli validate DIR` against a real sandbox: files checked after the files defining what
// they read, errors at file:line:col, files behind a failure or on a cycle not checked, bytes
// each would process, views made in the sandbox as they pass, and a second run passing too.
#include "RunCommand.h"
#include "SandboxProcess.h"
#include "value/JsonParse.h"
#include "platform/System.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <gtest/gtest.h>

using quarry::test::SandboxProcess;
namespace fs = std::filesystem;

namespace {

quarry::test::CommandResult cli(const SandboxProcess& s, const std::string& args) {
    static const std::string home = fs::temp_directory_path() / ("quarry-validate-home-" + std::to_string(quarry::platform::processId()));
    return quarry::test::runCommand("XDG_DATA_HOME=" + home + " " + QUARRY_CLI + " --endpoint " + s.url() + " --project p " + args);
}

void write(const fs::path& p, const std::string& text) {
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
}

struct Row {
    std::string status, message;
    int line = 0, col = 0;
    long long bytes = 0;
    std::size_t at = 0; ///< place in the output
};

std::map<std::string, Row> results(const std::string& out) {
    const auto start = out.find('['), end = out.rfind(']');
    std::map<std::string, Row> rows;
    if (start == std::string::npos || end == std::string::npos) return rows;
    std::size_t k = 0;
    for (const auto& j : nlohmann::json::parse(out.substr(start, end - start + 1))) {
        Row r;
        r.status = j["status"];
        r.message = j["message"];
        r.line = j["line"].get<std::string>().empty() ? 0 : std::stoi(j["line"].get<std::string>());
        r.col = j["column"].get<std::string>().empty() ? 0 : std::stoi(j["column"].get<std::string>());
        r.bytes = std::stoll(j["bytes_processed"].get<std::string>());
        r.at = k++;
        rows[j["file"]] = r;
    }
    return rows;
}

} // namespace

TEST(Validate, AFolderIsCheckedInDependencyOrderWithErrorsAtTheirPlace) {
    SandboxProcess s;
    ASSERT_EQ(cli(s, "mk -d ds").code, 0);
    ASSERT_EQ(cli(s, "query \"CREATE TABLE ds.people AS SELECT 'ann' AS name, 30 AS age UNION ALL SELECT 'bob', 12\"").code, 0);
    const fs::path dir = fs::temp_directory_path() / ("quarry-validate-" + std::to_string(quarry::platform::processId()));
    fs::remove_all(dir);
    // Names are read from the files, so the order differs from the files' alphabetical order.
    write(dir / "a_report.sql", "CREATE TEMP FUNCTION twice(x INT64) AS (x * 2);\nSELECT name, twice(age) FROM ds.adults;\n");
    write(dir / "base/people.sql", "CREATE TABLE IF NOT EXISTS ds.people (name STRING, age INT64);\n");
    write(dir / "views/adults.sql", "-- grown-ups\nCREATE VIEW ds.adults AS\nSELECT name, age FROM ds.people\n");
    write(dir / "views/names.sql", "CREATE VIEW `p.ds.names` AS SELECT name FROM `p.ds.adults`");
    write(dir / "views/bad.sql", "CREATE VIEW ds.bad AS\nSELECT name,\n       agee\nFROM ds.adults\n");
    write(dir / "views/after_bad.sql", "SELECT * FROM ds.bad");
    write(dir / "loop/x.sql", "CREATE VIEW ds.x AS SELECT * FROM ds.y");
    write(dir / "loop/y.sql", "CREATE VIEW ds.y AS SELECT * FROM ds.x");
    write(dir / "broken.sql", "SELECT 1;\nSELECT 'no end");

    auto r = cli(s, "--format json validate " + dir.string());
    EXPECT_EQ(r.code, 1) << r.out;
    auto rows = results(r.out);
    ASSERT_EQ(rows.size(), 9u) << r.out;
    for (const char* f : {"base/people.sql", "views/adults.sql", "views/names.sql", "a_report.sql"})
        EXPECT_EQ(rows[f].status, "ok") << f << ": " << rows[f].message;
    EXPECT_LT(rows["base/people.sql"].at, rows["views/adults.sql"].at);
    EXPECT_LT(rows["views/adults.sql"].at, rows["views/names.sql"].at);
    EXPECT_LT(rows["views/adults.sql"].at, rows["a_report.sql"].at);
    // Bytes: a query of each view: 'ann' and 'bob' (2 + 3 bytes each) and two INT64s.
    EXPECT_EQ(rows["views/adults.sql"].bytes, 26);
    EXPECT_EQ(rows["views/names.sql"].bytes, 10); // the names only: a view bills what its reader uses
    EXPECT_EQ(rows["base/people.sql"].bytes, 0);
    EXPECT_EQ(rows["a_report.sql"].bytes, rows["views/adults.sql"].bytes);

    EXPECT_EQ(rows["views/bad.sql"].status, "error");
    EXPECT_EQ(rows["views/bad.sql"].line, 3);
    EXPECT_EQ(rows["views/bad.sql"].col, 8);
    EXPECT_NE(rows["views/bad.sql"].message.find("Unrecognized name: agee"), std::string::npos);
    EXPECT_EQ(rows["views/after_bad.sql"].status, "skipped");
    EXPECT_NE(rows["views/after_bad.sql"].message.find("views/bad.sql"), std::string::npos);
    EXPECT_EQ(rows["loop/x.sql"].status, "skipped");
    EXPECT_EQ(rows["loop/y.sql"].status, "skipped");
    EXPECT_NE(r.out.find("loop/x.sql -> loop/y.sql -> loop/x.sql"), std::string::npos) << r.out;
    EXPECT_EQ(rows["broken.sql"].status, "error");
    EXPECT_EQ(rows["broken.sql"].line, 2);
    EXPECT_EQ(rows["broken.sql"].col, 8);
    EXPECT_NE(r.out.find("9 files in"), std::string::npos) << r.out;

    // The views that passed are in the sandbox now; the table kept its rows.
    r = cli(s, "--format csv query 'SELECT name FROM ds.names'");
    EXPECT_NE(r.out.find("name\r\nann\r\n"), std::string::npos) << r.out;

    // Fixed, the folder passes, and again: CREATE VIEW is checked as CREATE OR REPLACE.
    write(dir / "views/bad.sql", "CREATE VIEW ds.bad AS\nSELECT name,\n       age\nFROM ds.adults\n");
    fs::remove_all(dir / "loop");
    fs::remove(dir / "broken.sql");
    for (int round = 0; round < 2; ++round) {
        r = cli(s, "validate " + dir.string());
        EXPECT_EQ(r.code, 0) << r.out;
        EXPECT_NE(r.out.find("ok       views/after_bad.sql"), std::string::npos) << r.out;
        EXPECT_NE(r.out.find("6 passed, 0 with errors, 0 not checked"), std::string::npos) << r.out;
    }
    r = cli(s, "--format csv query 'SELECT COUNT(*) AS n FROM ds.people'");
    EXPECT_NE(r.out.find("n\r\n2\r\n"), std::string::npos) << r.out;
    fs::remove_all(dir);
}

TEST(Validate, WithoutCreatingAFileReadingAnotherFilesViewFailsWithBigQuerysNotFound) {
    SandboxProcess s;
    ASSERT_EQ(cli(s, "mk -d ds").code, 0);
    const fs::path dir = fs::temp_directory_path() / ("quarry-validate-nc-" + std::to_string(quarry::platform::processId()));
    fs::remove_all(dir);
    write(dir / "v.sql", "CREATE VIEW ds.v AS SELECT 1 AS one");
    write(dir / "w.sql", "\n  SELECT one FROM ds.v");
    auto r = cli(s, "validate --no-create " + dir.string());
    EXPECT_EQ(r.code, 1) << r.out;
    EXPECT_NE(r.out.find("ok       v.sql"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("error    w.sql:2:3: notFound: Not found: Table p:ds.v"), std::string::npos) << r.out;
    EXPECT_NE(cli(s, "show ds.v").code, 0); // nothing was made
    r = cli(s, "validate " + dir.string() + " --parallel 1");
    EXPECT_EQ(r.code, 0) << r.out;
    // A server that cannot be reached fails each file, with why, and the run ends normally.
    r = quarry::test::runCommand(std::string(QUARRY_CLI) + " --endpoint http://127.0.0.1:1 --project p --max-retries 0 validate " + dir.string());
    EXPECT_EQ(r.code, 1) << r.out;
    EXPECT_NE(r.out.find("error    v.sql: could not be checked: "), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("0 passed, 1 with errors, 1 not checked"), std::string::npos) << r.out; // w.sql reads v.sql's view
    fs::remove_all(dir);
    EXPECT_EQ(cli(s, "validate " + dir.string()).code, 2);
}
