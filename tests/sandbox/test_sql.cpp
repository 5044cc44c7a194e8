// SPDX-License-Identifier: MIT
// The SQL engine and the statement runner in process, driven by tests/data/sql/*.test
// (script => expected rows, or script !! expected error with its [line:col]).
#include "TestData.h"
#include "sandbox/Statements.h"
#include "sandbox/Store.h"
#include "sandbox/sql/Engine.h"
#include "sandbox/sql/Statement.h"
#include "value/Display.h"

#include <gtest/gtest.h>
#include <random>
#include <sstream>

using namespace quarry;
using namespace quarry::sandbox;

namespace {

struct Case {
    std::string file, sql, expected, error;
    int line = 0;
};

std::vector<Case> loadCases() {
    std::vector<Case> out;
    for (const auto& e : std::filesystem::directory_iterator(test::dataDir() / "sql")) {
        if (e.path().extension() != ".test") continue;
        std::istringstream in(test::readFile(e.path()));
        std::string line;
        Case c;
        c.file = e.path().filename().string();
        int n = 0;
        auto flush = [&] {
            if (!c.sql.empty() || !c.expected.empty() || !c.error.empty()) out.push_back(c);
            c = Case{};
            c.file = e.path().filename().string();
        };
        while (std::getline(in, line)) {
            ++n;
            if (line == "----") {
                flush();
            } else if (line.rfind("=> ", 0) == 0) {
                c.expected = line.substr(3);
            } else if (line.rfind("!! ", 0) == 0) {
                c.error = line.substr(3);
            } else {
                if (c.sql.empty()) c.line = n;
                c.sql += (c.sql.empty() ? "" : "\n") + line;
            }
        }
        flush();
    }
    return out;
}

void PrintTo(const Case& c, std::ostream* os) { *os << c.file << ":" << c.line; }

class SqlEnv {
public:
    SqlEnv() {
        std::random_device rd;
        dir_ = std::filesystem::temp_directory_path() / ("quarry-sql-" + std::to_string(rd()));
        Store::Options o;
        o.root = dir_;
        store_ = std::make_unique<Store>(o);
        store_->insertDataset("p", {{"datasetReference", {{"datasetId", "samples"}}}});
        store_->insertTable("p", "samples", {{"tableReference", {{"tableId", "persons"}}},
                                             {"schema", Json::parse(test::readFile(test::dataDir() / "../../resources/samples/persons/schema.json"))}});
        Json rows = Json::array();
        std::istringstream in(test::readFile(test::dataDir() / "../../resources/samples/persons/persons.ndjson"));
        std::string line;
        while (std::getline(in, line))
            if (!line.empty()) rows.push_back({{"json", Json::parse(line)}});
        EXPECT_TRUE(store_->insertAll("p", "samples", "persons", {{"rows", rows}}).empty());
        store_->insertDataset("p", {{"datasetReference", {{"datasetId", "scratch"}}}}); // DML cases' own tables
        store_->insertDataset("p", {{"datasetReference", {{"datasetId", "t"}}}});
        store_->insertTable("p", "t", {{"tableReference", {{"tableId", "nums"}}},
                                       {"schema", Json::parse(R"({"fields":[{"name":"id","type":"INT64"},{"name":"x","type":"INT64"},
                                          {"name":"f","type":"FLOAT64"},{"name":"s","type":"STRING"},{"name":"tags","type":"STRING","mode":"REPEATED"}]})")}});
        EXPECT_TRUE(store_->insertAll("p", "t", "nums", Json::parse(R"({"rows":[
            {"json":{"id":1,"x":10,"f":1.5,"s":"a","tags":["x","y"]}},
            {"json":{"id":2,"f":-2.0,"s":"b"}},
            {"json":{"id":3,"x":30,"tags":["z"]}}]})")).empty());
        store_->insertTable("p", "t", {{"tableReference", {{"tableId", "kinds"}}},
                                       {"schema", Json::parse(R"({"fields":[{"name":"id","type":"INT64"},{"name":"name","type":"STRING"}]})")}});
        EXPECT_TRUE(store_->insertAll("p", "t", "kinds", Json::parse(R"({"rows":[
            {"json":{"id":1,"name":"one"}},{"json":{"id":3,"name":"three"}},{"json":{"id":4,"name":"four"}},
            {"json":{"id":3,"name":"drei"}}]})")).empty());
    }
    ~SqlEnv() {
        store_.reset();
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }

    /// Runs a script; returns the last statement's rows as JSON text (a DML statement's counts
    /// and a DDL statement's operation as one JSON object), or the error text prefixed with "!! ".
    std::string run(const std::string& sql) {
        StatementScope scope;
        scope.project = "p";
        scope.location = "US";
        StatementRunner runner(*store_, scope);
        try {
            auto statements = sql::parseScript(sql);
            StatementResult result;
            for (auto& s : statements) result = runner.run(std::move(s), false);
            if (result.affectedRows)
                return Json({{"affected", *result.affectedRows}, {"inserted", result.inserted}, {"updated", result.updated},
                             {"deleted", result.deleted}})
                    .dump();
            if (!result.ddlOperation.empty()) return Json({{"ddl", result.ddlOperation}}).dump();
            Field row;
            row.type = TypeKind::Struct;
            row.fields = result.schema.fields;
            std::string out = "[";
            for (std::size_t i = 0; i < result.rows.size(); ++i) {
                if (i) out += ",";
                appendJsonValue(out, result.rows[i], row);
            }
            return out + "]";
        } catch (const std::exception& e) {
            return std::string("!! ") + e.what();
        }
    }

private:
    std::filesystem::path dir_;
    std::unique_ptr<Store> store_;
};

SqlEnv& env() {
    static SqlEnv e;
    return e;
}

class SqlCase : public ::testing::TestWithParam<Case> {};

TEST_P(SqlCase, GivesTheExpectedResult) {
    const auto& c = GetParam();
    const auto got = env().run(c.sql);
    SCOPED_TRACE(c.file + ":" + std::to_string(c.line) + "\n" + c.sql);
    if (!c.error.empty()) {
        ASSERT_EQ(got.rfind("!! ", 0), 0u) << "expected an error, got rows: " << got;
        EXPECT_NE(got.find(c.error), std::string::npos) << "error: " << got << "\nexpected to contain: " << c.error;
    } else {
        ASSERT_NE(got.rfind("!! ", 0), 0u) << got;
        EXPECT_EQ(Json::parse(got), Json::parse(c.expected)) << "got: " << got;
    }
}

INSTANTIATE_TEST_SUITE_P(Cases, SqlCase, ::testing::ValuesIn(loadCases()), [](const auto& param) {
    std::string n = param.param.file.substr(0, param.param.file.find('.')) + "_line" + std::to_string(param.param.line);
    return n;
});

// docs/SANDBOX.md's table of what the sandbox does not run yet: every example must be refused
// with the documented text and a [line:col]. Legacy SQL is refused by the job layer (useLegacySql),
// not by the engine, so its row is checked in test_sandbox_api's terms elsewhere and skipped here.
TEST(SandboxDoc, UnsupportedListIsTrue) {
    const std::string doc = test::readFile(test::dataDir() / "../../docs/SANDBOX.md");
    const auto section = doc.find("## Not supported yet");
    ASSERT_NE(section, std::string::npos);
    std::istringstream in(doc.substr(section));
    std::string line;
    int checked = 0, rows = 0;
    while (std::getline(in, line)) {
        if (line.rfind("| ", 0) != 0 || line.rfind("| construct", 0) == 0) continue;
        ++rows;
        // | construct | `SQL` | text |
        const auto a = line.find('`'), b = line.find("` |", a + 1);
        if (a == std::string::npos || b == std::string::npos) continue;
        std::string sql = line.substr(a + 1, b - a - 1);
        std::string expected = line.substr(b + 4);
        expected = expected.substr(0, expected.rfind(" |"));
        if (sql.rfind("#legacySQL", 0) == 0) {
            ++checked;
            continue;
        }
        const auto got = env().run(sql);
        SCOPED_TRACE(line);
        ASSERT_EQ(got.rfind("!! ", 0), 0u) << "ran instead of being refused: " << got;
        EXPECT_NE(got.find(expected), std::string::npos) << got;
        EXPECT_NE(got.find(" at ["), std::string::npos) << "no position: " << got;
        ++checked;
    }
    EXPECT_EQ(checked, rows); // every row of the table was understood and checked
    EXPECT_GE(rows, 10);
}

// Hostile SQL: every prefix of every case, and byte-level corruptions, either parse or give a
// positioned SqlError; nothing else escapes and nothing crashes.
TEST(SqlHostile, PrefixesAndCorruptionsFailCleanly) {
    int errors = 0;
    for (const auto& c : loadCases()) {
        for (std::size_t n = 0; n <= c.sql.size(); ++n) {
            try {
                sql::parseScript(std::string_view(c.sql).substr(0, n));
            } catch (const sql::SqlError& e) {
                ++errors;
                EXPECT_NE(std::string(e.what()).find(" at ["), std::string::npos) << e.what();
            }
        }
        for (std::size_t i = 0; i < c.sql.size(); i += 2) {
            for (char ch : {'(', ')', '\'', '`', '[', '\0', '\xff', ','}) {
                std::string s = c.sql;
                s[i] = ch;
                try {
                    env().run(s);
                } catch (...) {
                    ADD_FAILURE() << "escaped: " << s;
                }
            }
        }
    }
    EXPECT_GT(errors, 0);
}

// Query text must be UTF-8 (fuzz_sql found a division by zero in RPAD when a stray
// continuation byte reached it as a "character"). Escapes still produce any character.
TEST(SqlHostile, InvalidUtf8IsRefusedWhereItIs) {
    const std::string stray = "SELECT RPAD('ab', 5, '\x83\xa9') AS d";
    auto got = env().run(stray);
    EXPECT_NE(got.find("not valid UTF-8 (byte 0x83)"), std::string::npos) << got;
    EXPECT_NE(got.find("at [1:23]"), std::string::npos) << got;
    for (const char* bad : {"SELECT 1 -- \xc3", "SELECT '\xe2\x82'", "SELECT\n'\xed\xa0\x80'", "SELECT '\xf4\x90\x80\x80'", "SELECT '\xc0\xaf'"}) {
        got = env().run(bad);
        EXPECT_NE(got.find("not valid UTF-8"), std::string::npos) << got;
    }
    EXPECT_NE(env().run("SELECT\n  '\xc0\xaf'").find("at [2:4]"), std::string::npos);
    EXPECT_EQ(env().run("SELECT RPAD('ab', 5, '\\x83\\u00e9') AS d, LENGTH(b'\\x83\\101') AS e, '\\101\\U0001F600' AS f"),
              "[{\"d\":\"ab\u0083\u00e9\u0083\",\"e\":\"2\",\"f\":\"A\U0001F600\"}]");
    for (const char* bad : {"SELECT '\\u12'", "SELECT '\\ud800'", "SELECT '\\8'", "SELECT '\\12'", "SELECT b'\\u0041'", "SELECT '\\U00110000'"}) {
        got = env().run(bad);
        EXPECT_NE(got.find("Illegal escape sequence"), std::string::npos) << bad << " -> " << got;
        EXPECT_NE(got.find("at [1:"), std::string::npos) << got;
    }
}

TEST(SqlHostile, DeepNestingIsBoundedNotACrash) {
    const std::string deep = "SELECT " + std::string(60, '(') + "1" + std::string(60, ')');
    EXPECT_EQ(env().run(deep), R"([{"f0_":"1"}])");
    const std::string unbalanced = "SELECT " + std::string(5000, '(');
    const auto got = env().run(unbalanced);
    EXPECT_NE(got.find("nested too deeply"), std::string::npos) << got;
    for (const char* unit : {"NOT ", "-", "[", "STRUCT("}) {
        std::string s = "SELECT ";
        for (int i = 0; i < 5000; ++i) s += unit;
        EXPECT_EQ(env().run(s).rfind("!! ", 0), 0u) << unit;
    }
}

} // namespace
