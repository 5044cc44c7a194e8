// SPDX-License-Identifier: MIT
// The SQL engine and the statement runner in process, driven by the cases in
// tests/data/sql/cases: a folder per case with query.sql and case.json (dialect, input tables,
// and the expected result with its schema, or DML counts, or a DDL operation, or an error).
// Each case runs against a fresh store holding only its input tables (tests/data/sql/tables).
#include "TestData.h"
#include "sandbox/Script.h"
#include "sandbox/Statements.h"
#include "sandbox/Store.h"
#include "sandbox/sql/Bytes.h"
#include "sandbox/sql/ColumnCache.h"
#include "sandbox/sql/Engine.h"
#include "sandbox/sql/Legacy.h"
#include "sandbox/sql/Statement.h"
#include "sandbox/sql/plan/Executor.h"
#include "value/Display.h"

#include <cstdlib>
#include <fstream>
#include <optional>
#include <gtest/gtest.h>
#include <random>
#include <shared_mutex>
#include <sstream>

using namespace quarry;
using namespace quarry::sandbox;

namespace {

std::filesystem::path casesDir() { return test::dataDir() / "sql" / "cases"; }

struct Case {
    std::string name, sql;
    Json spec;
};

std::vector<Case> loadCases() {
    std::vector<Case> out;
    for (const auto& e : std::filesystem::directory_iterator(casesDir())) {
        if (!e.is_directory()) continue;
        Case c;
        c.name = e.path().filename().string();
        c.sql = test::readFile(e.path() / "query.sql");
        while (!c.sql.empty() && c.sql.back() == '\n') c.sql.pop_back();
        c.spec = Json::parse(test::readFile(e.path() / "case.json"));
        out.push_back(std::move(c));
    }
    std::sort(out.begin(), out.end(), [](const Case& a, const Case& b) { return a.name < b.name; });
    return out;
}

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

std::vector<std::string> allFixtures() {
    std::vector<std::string> out;
    for (const auto& e : std::filesystem::directory_iterator(test::dataDir() / "sql" / "tables"))
        if (e.path().extension() == ".json") out.push_back(e.path().stem().string());
    std::sort(out.begin(), out.end());
    return out;
}

/// A store holding the named input tables ("dataset.table", from tests/data/sql/tables) and an
/// empty dataset `scratch` for the DML cases' own tables.
class SqlEnv {
public:
    /// `groupRows`: every table is read as row groups of that many rows (Store::Options).
    explicit SqlEnv(const std::vector<std::string>& tables, std::size_t groupRows = 0) {
        std::random_device rd;
        dir_ = std::filesystem::temp_directory_path() / ("quarry-sql-" + std::to_string(rd()));
        Store::Options o;
        o.root = dir_;
        o.testGroupRows = groupRows;
        store_ = std::make_unique<Store>(o);
        std::set<std::string> datasets{"scratch"};
        for (const auto& t : tables) datasets.insert(t.substr(0, t.find('.')));
        for (const auto& d : datasets) store_->insertDataset("p", {{"datasetReference", {{"datasetId", d}}}});
        for (const auto& t : tables) {
            const auto dot = t.find('.');
            const Json fixture = Json::parse(test::readFile(test::dataDir() / "sql" / "tables" / (t + ".json")));
            store_->insertTable("p", t.substr(0, dot), {{"tableReference", {{"tableId", t.substr(dot + 1)}}}, {"schema", fixture["schema"]}});
            Json rows = Json::array();
            for (const auto& r : fixture["rows"]) rows.push_back({{"json", r}});
            if (!rows.empty()) {
                EXPECT_TRUE(store_->insertAll("p", t.substr(0, dot), t.substr(dot + 1), {{"rows", rows}}).empty()) << t;
            }
        }
    }
    static StatementScope projectScope() {
        StatementScope scope;
        scope.project = "p";
        scope.location = "US";
        return scope;
    }

    ~SqlEnv() {
        store_.reset();
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }

    /// Runs a script; the outcome of its last statement: {"schema", "rows"} for a query (rows
    /// as the JSON view shows them), {"dml"} counts, {"ddl"} operation, or {"error"} text.
    Json outcome(const std::string& sql, bool legacy = false) {
        const StatementScope scope = projectScope();
        StatementRunner runner(*store_, scope);
        try {
            StatementResult result;
            if (legacy) {
                const auto ctx = runner.queryContext();
                auto q = sql::PreparedQuery::prepare(sql::translateLegacy(sql, ctx.resolveTable), runner.queryContext());
                result.schema = q->schema();
                result.rows = q->run().rows;
            } else {
                const auto script = sql::parseProgram(sql);
                result = ScriptRunner(runner, script, false).run();
            }
            if (result.affectedRows)
                return {{"dml", {{"affected", *result.affectedRows}, {"inserted", result.inserted}, {"updated", result.updated},
                                 {"deleted", result.deleted}}}};
            if (!result.ddlOperation.empty()) return {{"ddl", result.ddlOperation}};
            Field row;
            row.type = TypeKind::Struct;
            row.fields = result.schema.fields;
            std::string out = "[";
            for (std::size_t i = 0; i < result.rows.size(); ++i) {
                if (i) out += ",";
                appendJsonValue(out, result.rows[i], row);
            }
            return {{"schema", result.schema.toJson()}, {"rows", Json::parse(out + "]")}};
        } catch (const std::exception& e) {
            return {{"error", e.what()}};
        }
    }

    /// A query's plan as it ran.
    std::vector<sql::PlanStage> plan(const std::string& sql) {
        const StatementScope scope = projectScope();
        StatementRunner runner(*store_, scope);
        return sql::PreparedQuery::prepare(sql, runner.queryContext())->run().plan;
    }

    /// The same as text: the rows' JSON, or the error prefixed with "!! ".
    std::string run(const std::string& sql) {
        const Json o = outcome(sql);
        if (o.contains("error")) return "!! " + o["error"].get<std::string>();
        if (o.contains("rows")) return o["rows"].dump();
        return o.dump();
    }

    Store& store() { return *store_; }

private:
    std::filesystem::path dir_;
    std::unique_ptr<Store> store_;
};

/// Every input table at once, for the checks that run many queries.
SqlEnv& env() {
    static SqlEnv e(allFixtures());
    return e;
}

/// With QUARRY_SQL_RECORD_SCHEMA=1, a case with expected rows but no "schema" gets the schema
/// the sandbox gave written into its case.json (to be read and checked by a person before it
/// is committed); the rows are never written.
void recordSchema(const Case& c, const Json& schema) {
    Json spec = c.spec;
    spec["schema"] = schema;
    std::string text = "{\n";
    bool first = true;
    for (const char* k : {"dialect", "source", "tables", "ordered", "schema", "error", "dml", "ddl", "rows"}) {
        if (!spec.contains(k)) continue;
        text += first ? "" : ",\n";
        first = false;
        text += "  \"" + std::string(k) + "\": ";
        if (std::string(k) == "rows" || std::string(k) == "schema") {
            const Json& list = std::string(k) == "rows" ? spec[k] : spec[k]["fields"];
            std::string items;
            for (std::size_t i = 0; i < list.size(); ++i) items += (i ? ",\n    " : "\n    ") + list[i].dump();
            items = list.empty() ? "[]" : "[" + items + "\n  ]";
            text += std::string(k) == "rows" ? items : "{\"fields\": " + items + "}";
        } else {
            text += spec[k].dump();
        }
    }
    std::ofstream(casesDir() / c.name / "case.json") << text << "\n}\n";
}

class SqlCase : public ::testing::TestWithParam<Case> {};

void checkCase(const Case& c) {
    SCOPED_TRACE("tests/data/sql/cases/" + c.name + "\n" + c.sql);
    const std::string dialect = c.spec.value("dialect", "");
    ASSERT_TRUE(dialect == "GoogleSQL" || dialect == "legacy") << "dialect: GoogleSQL or legacy";
    SqlEnv e(c.spec.value("tables", std::vector<std::string>{}));
    Json got = e.outcome(c.sql, dialect == "legacy");
    // "ordered": false for a query without ORDER BY, whose rows BigQuery gives in no set order.
    if (!c.spec.value("ordered", true) && got.contains("rows")) {
        auto& rows = got["rows"];
        std::sort(rows.begin(), rows.end(), [](const Json& a, const Json& b) { return a.dump() < b.dump(); });
    }
    if (c.spec.contains("error")) {
        ASSERT_TRUE(got.contains("error")) << "expected an error, got: " << got.dump();
        EXPECT_NE(got["error"].get<std::string>().find(c.spec["error"].get<std::string>()), std::string::npos)
            << "error: " << got["error"] << "\nexpected to contain: " << c.spec["error"];
        return;
    }
    ASSERT_FALSE(got.contains("error")) << got["error"];
    for (const char* k : {"dml", "ddl", "rows"}) {
        if (!c.spec.contains(k)) continue;
        Json want = c.spec[k];
        if (!c.spec.value("ordered", true) && want.is_array())
            std::sort(want.begin(), want.end(), [](const Json& a, const Json& b) { return a.dump() < b.dump(); });
        EXPECT_EQ(got.value(k, Json()), want) << "got: " << got.dump();
    }
    if (c.spec.contains("rows")) {
        if (!c.spec.contains("schema") && std::getenv("QUARRY_SQL_RECORD_SCHEMA")) recordSchema(c, got["schema"]);
        else EXPECT_EQ(got["schema"], c.spec.value("schema", Json())) << "schema";
    }
}

TEST_P(SqlCase, GivesTheExpectedResult) { checkCase(GetParam()); }

/// The engine's process-wide settings for a test's span, put back as they were after it.
class EngineSettings {
public:
    EngineSettings(std::optional<sql::plan::SplitSettings> split, std::optional<sql::ColumnCacheSettings> columns)
        : split_(sql::plan::splitSettings()), columns_(sql::columnCacheSettings()) {
        if (split) sql::plan::setSplitSettings(*split);
        if (columns) sql::setColumnCacheSettings(*columns);
    }
    ~EngineSettings() {
        sql::plan::setSplitSettings(split_);
        sql::setColumnCacheSettings(columns_);
    }
    EngineSettings(const EngineSettings&) = delete;
    EngineSettings& operator=(const EngineSettings&) = delete;

private:
    sql::plan::SplitSettings split_;
    sql::ColumnCacheSettings columns_;
};

/// Every scan that may be split is split, into three parts (more than this machine's cores
/// need not have), however small its table.
EngineSettings splitScans() { return {sql::plan::SplitSettings{3, 1}, std::nullopt}; }

/// Every stored table's columns are cached (ColumnCache.h), however small the table, and read
/// from the cache by every query that reads them.
EngineSettings cachedColumns() { return {std::nullopt, sql::ColumnCacheSettings{sql::columnCacheSettings().limitBytes, 1, false}}; }

class SqlCaseSplit : public ::testing::TestWithParam<Case> {};

// The same cases with every splittable scan split over threads: the same answers and errors.
TEST_P(SqlCaseSplit, GivesTheSameResultWithItsScanSplit) {
    const auto split = splitScans();
    checkCase(GetParam());
}

class SqlCaseColumns : public ::testing::TestWithParam<Case> {};

// The same cases with every column of every stored table read from its cache, split too.
TEST_P(SqlCaseColumns, GivesTheSameResultFromCachedColumns) {
    const auto columns = cachedColumns();
    const auto split = splitScans();
    checkCase(GetParam());
}

std::string caseName(const ::testing::TestParamInfo<Case>& param) {
    std::string n = param.param.name;
    std::replace(n.begin(), n.end(), '-', '_');
    return n;
}

INSTANTIATE_TEST_SUITE_P(Cases, SqlCase, ::testing::ValuesIn(loadCases()), caseName);
INSTANTIATE_TEST_SUITE_P(Cases, SqlCaseSplit, ::testing::ValuesIn(loadCases()), caseName);
INSTANTIATE_TEST_SUITE_P(Cases, SqlCaseColumns, ::testing::ValuesIn(loadCases()), caseName);

// Aggregates and sorts over a table split into parts give what one pass gives, value for
// value (first-seen order of groups and ARRAY_AGG, which of equal values comes first or is
// MIN, exact INT64 sums, the first error in row order), and the plan says the scan was split.
TEST(SqlSplit, AggregatesOverPartsEqualOnePass) {
    SqlEnv e({});
    ASSERT_EQ(e.run("CREATE TABLE scratch.t AS SELECT x, MOD(x * 7919, 13) AS k, IF(MOD(x, 5) = 0, NULL, CAST(x AS STRING)) AS s, "
                    "IF(MOD(x, 3) = 0, 'A', 'a') AS c, MOD(x, 2) = 0 AS b, IF(x = 1234, 9223372036854775807, IF(x = 4000, -9223372036854775807, x)) AS big "
                    "FROM UNNEST(GENERATE_ARRAY(1, 5000)) AS x").substr(0, 2),
              "{\"");
    const std::vector<std::string> queries = {
        "SELECT k, COUNT(*), COUNT(s), SUM(x), AVG(x), MIN(s), MAX(s), ANY_VALUE(s), COUNTIF(b) FROM scratch.t GROUP BY k",
        "SELECT k, ARRAY_AGG(x), ARRAY_AGG(s IGNORE NULLS), STRING_AGG(s), STRING_AGG(s, '|') FROM scratch.t GROUP BY k",
        "SELECT COUNT(DISTINCT s), COUNT(DISTINCT k), SUM(DISTINCT k), ARRAY_AGG(DISTINCT c), LOGICAL_AND(b), LOGICAL_OR(b), "
        "BIT_XOR(x), BIT_OR(x), BIT_AND(x) FROM scratch.t",
        "SELECT MIN(c COLLATE 'und:ci'), MAX(c COLLATE 'und:ci') FROM scratch.t",
        "SELECT b, k, COUNT(*) FROM scratch.t GROUP BY ROLLUP(b, k)",
        "SELECT SUM(big), AVG(big) FROM scratch.t",
        "SELECT SUM(IF(x > 4990, 9223372036854775807, 0)) FROM scratch.t",
        "SELECT k, SUM(IF(x = 4500, ERROR('late'), IF(x = 20, ERROR('early'), 1))) FROM scratch.t GROUP BY k",
        "SELECT t.k, COUNT(*) FROM scratch.t JOIN (SELECT DISTINCT k FROM scratch.t) u ON t.k = u.k WHERE x > 10 GROUP BY t.k",
        "SELECT x, s FROM scratch.t ORDER BY k, s LIMIT 17",
        "SELECT x FROM scratch.t WHERE b ORDER BY k DESC LIMIT 5 OFFSET 3",
        "SELECT DISTINCT k, c FROM scratch.t",
        "SELECT c, x FROM scratch.t ORDER BY c COLLATE 'und:ci'",
        "SELECT x FROM scratch.t ORDER BY IF(x = 4500, ERROR('late'), IF(x = 20, ERROR('early'), x)) LIMIT 3",
    };
    for (const auto& q : queries) {
        const std::string one = e.run(q);
        const auto split = splitScans();
        EXPECT_EQ(e.run(q), one) << q;
    }
    {
        const auto split = splitScans();
        // Exact whatever the order: a running total over INT64's range on the way is no overflow.
        EXPECT_EQ(e.run("SELECT SUM(big) FROM scratch.t"), e.run("SELECT 12497266"));
        const auto plan = e.plan("SELECT k, COUNT(*) FROM scratch.t GROUP BY k");
        ASSERT_FALSE(plan.empty());
        EXPECT_EQ(plan[0].parallelInputs, 3);
        EXPECT_EQ(plan[0].recordsRead, 5000u);
        EXPECT_EQ(e.plan("SELECT x FROM scratch.t ORDER BY x LIMIT 1")[0].parallelInputs, 3);
        EXPECT_EQ(e.plan("SELECT x FROM scratch.t LIMIT 1")[0].parallelInputs, 1);           // rows that stream out
        EXPECT_EQ(e.plan("SELECT SUM(x / 2) FROM scratch.t")[0].parallelInputs, 1);          // a FLOAT64 sum
        EXPECT_EQ(e.plan("SELECT COUNT(DISTINCT s) FROM scratch.t")[0].parallelInputs, 1);   // DISTINCT
    }
}

// A column read from its cache gives what reading the rows gives, through every kind of
// change to the table: rows inserted, UPDATE, DELETE, a column added, the table replaced; with
// NULL structs on the path, long and short text, and a nested field.
TEST(SqlColumnCache, AnswersFollowEveryChange) {
    SqlEnv e({});
    const auto columns = cachedColumns();
    ASSERT_EQ(e.run("CREATE TABLE scratch.t AS SELECT x, STRUCT(IF(MOD(x, 7) = 0, NULL, x * 3) AS a, IF(MOD(x, 11) = 0, NULL, "
                    "CONCAT('a text longer than inline ', CAST(x AS STRING))) AS s) AS n, IF(MOD(x, 13) = 0, NULL, STRUCT(x AS k)) AS m, "
                    "CAST(x AS STRING) AS short FROM UNNEST(GENERATE_ARRAY(1, 3000)) AS x").substr(0, 2),
              "{\"");
    const std::vector<std::string> queries = {
        "SELECT SUM(n.a), COUNT(n.s), MAX(n.s), SUM(m.k), COUNT(*) FROM scratch.t WHERE short LIKE '1%'",
        "SELECT x, n.s FROM scratch.t ORDER BY n.a DESC, x LIMIT 5",
        "SELECT n.s, m.k, short FROM scratch.t WHERE x IN (26, 77, 91, 5000)",
        "SELECT m.k, COUNT(*) FROM scratch.t GROUP BY m.k ORDER BY m.k LIMIT 3",
    };
    const std::uint64_t before = sql::columnCacheBytes();
    auto check = [&](const std::string& after) {
        for (const auto& q : queries) {
            const std::string cached = e.run(q);
            const auto saved = sql::columnCacheSettings();
            sql::setColumnCacheSettings({0, 1, false});
            const std::string rows = e.run(q);
            sql::setColumnCacheSettings(saved);
            EXPECT_EQ(cached, rows) << q << "\nafter " << after;
            EXPECT_EQ(cached.substr(0, 2), "[{") << cached;
        }
    };
    check("CREATE TABLE");
    EXPECT_GT(sql::columnCacheBytes(), before); // the queries above read cached columns
    e.run("INSERT scratch.t (x, short) VALUES (5000, '15000')");
    check("INSERT");
    e.run("UPDATE scratch.t SET n = STRUCT(n.a + 1 AS a, CONCAT(n.s, '!') AS s) WHERE MOD(x, 2) = 0");
    check("UPDATE");
    e.run("DELETE FROM scratch.t WHERE MOD(x, 3) = 0");
    check("DELETE");
    e.run("ALTER TABLE scratch.t ADD COLUMN z INT64");
    check("ALTER TABLE ADD COLUMN");
    e.run("CREATE OR REPLACE TABLE scratch.t AS SELECT x, STRUCT(x AS a, 'replaced, and longer than inline' AS s) AS n, "
          "STRUCT(-x AS k) AS m, 'r' AS short FROM UNNEST(GENERATE_ARRAY(1, 500)) AS x");
    check("CREATE OR REPLACE TABLE");
}

// A table that changed after its columns served a single query (rows streamed in between
// queries) has its columns read only when a second query asks at its new version.
TEST(SqlColumnCache, AChangedTableWaitsForASecondQuery) {
    SqlEnv e({});
    const auto saved = sql::columnCacheSettings();
    sql::setColumnCacheSettings({saved.limitBytes, 1, true});
    ASSERT_EQ(e.run("CREATE TABLE scratch.t AS SELECT x FROM UNNEST(GENERATE_ARRAY(1, 1000)) AS x").substr(0, 2), "{\"");
    const std::uint64_t before = sql::columnCacheBytes();
    const std::string q = "SELECT SUM(x) FROM scratch.t";
    EXPECT_EQ(e.run(q), "[{\"f0_\":\"500500\"}]");
    EXPECT_GT(sql::columnCacheBytes(), before); // a table never cached: read at the first query
    e.run("INSERT scratch.t (x) VALUES (1)");
    EXPECT_EQ(e.run(q), "[{\"f0_\":\"500501\"}]");
    EXPECT_EQ(sql::columnCacheBytes(), before); // one query at the last version: this one reads rows
    EXPECT_EQ(e.run(q), "[{\"f0_\":\"500501\"}]");
    EXPECT_GT(sql::columnCacheBytes(), before); // the second query at this version reads the column
    sql::setColumnCacheSettings(saved);
}

// The logical bytes per column a table keeps for billing take in rows streamed in or
// inserted, instead of being summed over every row again at the next query: the same sums.
TEST(SqlBytes, AppendedRowsAddToTheKeptColumnSums) {
    SqlEnv e({});
    ASSERT_EQ(e.run("CREATE TABLE scratch.b AS SELECT x, CONCAT('v', CAST(x AS STRING)) AS s, [x, x] AS a, STRUCT(x AS k) AS r "
                    "FROM UNNEST(GENERATE_ARRAY(1, 100)) AS x").substr(0, 2),
              "{\"");
    const auto t = e.store().table("p", "scratch", "b");
    ASSERT_TRUE(t);
    auto kept = [&] {
        std::shared_lock lock(t->mutex);
        return sql::columnBytes(*t);
    };
    auto walked = [&] {
        std::shared_lock lock(t->mutex);
        std::vector<std::uint64_t> sums(t->schema.fields.size(), 0);
        for (const auto& row : t->rows)
            for (std::size_t c = 0; c < sums.size(); ++c) sums[c] += sql::logicalBytes(row[c], t->schema.fields[c]);
        return sums;
    };
    const auto before = kept();
    EXPECT_TRUE(e.store().insertAll("p", "scratch", "b",
                                    Json::parse(R"({"rows": [{"json": {"x": 1000, "s": "a longer text value", "a": [1, 2, 3], "r": {"k": 5}}},
                                                            {"json": {"x": 1001}}]})")).empty());
    EXPECT_EQ(e.run("INSERT scratch.b (x, s) VALUES (7, 'seven')"), "{\"dml\":{\"affected\":1,\"deleted\":0,\"inserted\":1,\"updated\":0}}");
    {
        std::shared_lock lock(t->mutex);
        EXPECT_EQ(t->bytesVersion, t->version); // kept current by the appends, not summed again below
    }
    const auto after = kept();
    EXPECT_EQ(after, walked());
    EXPECT_NE(after, before);
    EXPECT_EQ(e.run("SELECT COUNT(*) FROM scratch.b"), "[{\"f0_\":\"103\"}]");
}

// A scan does not read the row groups whose statistics (NULL count, least and greatest value
// per column) rule out a WHERE part: the plan says how many rows were read, and the answers
// are those of reading every group.
TEST(SqlGroupSkip, GroupsWhereCannotMatchAreNotRead) {
    SqlEnv e({}, 1000);
    ASSERT_EQ(e.run("CREATE TABLE scratch.t AS SELECT x, CAST(x AS STRING) AS s, DATE_ADD(DATE '2024-01-01', INTERVAL DIV(x, 100) DAY) AS d, "
                    "IF(x > 5000, NULL, x) AS n, MOD(x, 2) = 0 AS b FROM UNNEST(GENERATE_ARRAY(1, 10000)) AS x").substr(0, 2),
              "{\"");
    struct Probe {
        std::string where, count;
        std::uint64_t read;
    };
    const std::vector<Probe> probes = {
        {"x BETWEEN 2500 AND 3400", "901", 2000},          // groups 2001-3000 and 3001-4000
        {"3400 >= x AND x >= 2500", "901", 2000},          // the column on either side
        {"x IN (5, 9999)", "2", 2000},
        {"x > 9500", "500", 1000},
        {"x < 0", "0", 0},
        {"x = 20000 - 19000", "1", 1000},                  // folded before any row is read
        {"n IS NULL", "5000", 5000},
        {"n IS NOT NULL", "5000", 5000},
        {"n > 4000 AND x < 9000", "1000", 1000},           // n rules out 6-10, x nothing more
        {"d = DATE '2024-01-05'", "100", 1000},
        {"s = '500'", "1", 3000},                          // '1'-'999', '4001'-'5000', '10000'-'9999' span it
        {"x > 9000", "1000", 1000},                        // 8001-9000 ends at the bound
        {"x < 1001", "1000", 1000},                        // 1001-2000 starts at it
        {"b = TRUE AND x <= 1000", "500", 1000},
        {"x + 0 > 9500", "500", 10000},                    // not a column: every group
        {"x > 9500 OR x < 10", "509", 10000},
        {"x > 9500.5", "500", 10000},                      // another kind: every group
        {"d = '2024-01-05'", "100", 10000},                // a string read as a DATE by the comparison
        {"s = NULL", "0", 10000},
    };
    for (const auto& p : probes) {
        const std::string sql = "SELECT COUNT(*) FROM scratch.t WHERE " + p.where;
        EXPECT_EQ(e.run(sql), "[{\"f0_\":\"" + p.count + "\"}]") << p.where;
        const auto plan = e.plan(sql);
        ASSERT_FALSE(plan.empty());
        EXPECT_EQ(plan[0].recordsRead, p.read) << p.where;
    }
}

// Joined tables skip groups too, and no join makes a skipped group change an answer: a
// comparison fails for the NULL-extended rows a skipped group leaves behind, IS NULL does
// not (so it skips nothing of a joined table, nor of the first one when a RIGHT or FULL
// JOIN follows). Every answer is the one of rows held in memory, read whole.
TEST(SqlGroupSkip, JoinedTablesAndOuterJoinsGiveTheAnswersOfReadingEverything) {
    SqlEnv grouped({}, 1000), whole({});
    for (SqlEnv* e : {&grouped, &whole}) {
        ASSERT_EQ(e->run("CREATE TABLE scratch.t AS SELECT x, IF(x > 5000, NULL, x) AS n FROM UNNEST(GENERATE_ARRAY(1, 10000)) AS x")
                      .substr(0, 2),
                  "{\"");
        ASSERT_EQ(e->run("CREATE TABLE scratch.s AS SELECT IF(k > 50, 20000 + k, 200 * k) AS x FROM UNNEST(GENERATE_ARRAY(1, 60)) AS k")
                      .substr(0, 2),
                  "{\"");
    }
    const std::vector<std::string> queries = {
        "SELECT COUNT(*), SUM(t.x) FROM scratch.s JOIN scratch.t ON s.x = t.x WHERE t.x BETWEEN 2500 AND 3400",
        "SELECT COUNT(*) FROM scratch.s LEFT JOIN scratch.t ON s.x = t.x WHERE t.x > 9000",
        "SELECT COUNT(*) FROM scratch.s LEFT JOIN scratch.t ON s.x = t.x WHERE t.n IS NULL",
        "SELECT COUNT(*) FROM scratch.s LEFT JOIN scratch.t ON s.x = t.x WHERE t.n IS NOT NULL AND t.x > 4000",
        "SELECT COUNT(*) FROM scratch.t RIGHT JOIN scratch.s ON s.x = t.x WHERE t.n IS NULL",
        "SELECT COUNT(*) FROM scratch.t RIGHT JOIN scratch.s ON s.x = t.x WHERE t.x >= 9990",
        "SELECT COUNT(*), COUNT(s.x) FROM scratch.t FULL JOIN scratch.s ON s.x = t.x WHERE t.x < 1500",
        "SELECT s.x, t.n FROM scratch.s LEFT JOIN scratch.t ON s.x = t.x AND t.x < 3000 WHERE s.x < 1000 ORDER BY s.x",
    };
    for (const auto& q : queries) EXPECT_EQ(grouped.run(q), whole.run(q)) << q;
    EXPECT_EQ(grouped.run(queries[0]), "[{\"f0_\":\"5\",\"f1_\":\"15000\"}]"); // 2600, 2800, 3000, 3200, 3400
    EXPECT_EQ(grouped.run(queries[2]), "[{\"f0_\":\"35\"}]"); // 25 above 5000 (n NULL) and 10 that match nothing
}

// COUNT, MIN and MAX over a whole table in row groups come from the groups' statistics, no
// row read; anything else they cannot answer reads the rows. The answers are the same.
TEST(SqlGroupSkip, CountMinAndMaxOfAWholeTableComeFromStatistics) {
    SqlEnv grouped({}, 1000), whole({});
    for (SqlEnv* e : {&grouped, &whole}) {
        ASSERT_EQ(e->run("CREATE TABLE scratch.t AS SELECT x, IF(x > 5000, NULL, x) AS n, CAST(x AS STRING) AS s, "
                         "DATE_ADD(DATE '2024-01-01', INTERVAL DIV(x, 100) DAY) AS d, MOD(x, 2) = 0 AS b, x / 3 AS f, "
                         "CAST(NULL AS INT64) AS none FROM UNNEST(GENERATE_ARRAY(1, 10000)) AS x")
                      .substr(0, 2),
                  "{\"");
        ASSERT_EQ(e->run("CREATE TABLE scratch.empty (x INT64)").substr(0, 2), "{\"");
    }
    struct Probe {
        std::string sql;
        bool fromStats;
    };
    const std::vector<Probe> probes = {
        {"SELECT COUNT(*), COUNT(n), MIN(x), MAX(x), MIN(n), MAX(n), MIN(s), MAX(s), MIN(d), MAX(d), MIN(b), MAX(b) FROM scratch.t", true},
        {"SELECT MAX(x) - MIN(x) AS span, COUNT(none), MIN(none) FROM scratch.t HAVING COUNT(*) > 5", true},
        {"SELECT COUNT(*), MIN(x), MAX(x) FROM scratch.empty", true},
        {"SELECT MIN(x) FROM scratch.t WHERE x > 5", false},      // WHERE
        {"SELECT COUNT(DISTINCT n) FROM scratch.t", false},       // DISTINCT
        {"SELECT MAX(f) FROM scratch.t", false},                  // FLOAT64 keeps no bounds
        {"SELECT SUM(x), MIN(x) FROM scratch.t", false},          // SUM
        {"SELECT b, MAX(x) FROM scratch.t GROUP BY b ORDER BY b", false},
        {"SELECT MIN(COLLATE(s, 'und:ci')) FROM scratch.t", false},
    };
    for (const auto& p : probes) {
        EXPECT_EQ(grouped.run(p.sql), whole.run(p.sql)) << p.sql;
        const auto plan = grouped.plan(p.sql);
        ASSERT_FALSE(plan.empty());
        const bool noRows = plan[0].recordsRead == 0;
        EXPECT_EQ(noRows, p.fromStats || p.sql.find("empty") != std::string::npos) << p.sql;
    }
    EXPECT_EQ(grouped.run(probes[1].sql), "[{\"f0_\":\"0\",\"f1_\":null,\"span\":\"9999\"}]");
}

// Enough cases, across the features (the bar is 150 at least).
TEST(SqlTopN, TheFirstRowsOfTheWholeOrder) {
    // ORDER BY ... LIMIT keeps a heap and reads the later keys only for rows whose first key
    // can still enter: over several batches, with ties, NULLs, DESC and a collation, it must
    // give what numbering the whole order gives.
    SqlEnv e({});
    ASSERT_EQ(e.run("CREATE TABLE scratch.t AS SELECT x, MOD(x * 7919, 13) AS k, IF(MOD(x, 5) = 0, NULL, CAST(MOD(x, 97) AS STRING)) AS s, "
                    "IF(MOD(x, 3) = 0, 'A', 'a') AS c FROM UNNEST(GENERATE_ARRAY(1, 9000)) AS x").substr(0, 2),
              "{\"");
    for (const std::string order : {"k DESC, s, x", "k, s DESC, x", "s, k, x", "s DESC, x DESC", "c COLLATE 'und:ci' DESC, k, x",
                                    "k DESC, s NULLS LAST, x"})
        for (const int n : {1, 17, 3000}) {
            const std::string limit = std::to_string(n);
            const std::string topN = e.run("SELECT x FROM scratch.t ORDER BY " + order + " LIMIT " + limit);
            const std::string numbered = e.run("SELECT x FROM (SELECT x, ROW_NUMBER() OVER (ORDER BY " + order +
                                               ") AS rn FROM scratch.t) WHERE rn <= " + limit + " ORDER BY rn");
            EXPECT_EQ(topN, numbered) << order << " LIMIT " << n;
            EXPECT_NE(topN.find("{"), std::string::npos);
        }
}

TEST(SqlWindow, IntegerKeysNumberAsTheGeneralOrderDoes) {
    // One INT64 ORDER BY key is sorted by its digits (and large partitions on several threads);
    // the same order through FLOAT64 takes compareValues: every number must agree, ties in row
    // order, NULLs where NULLS FIRST/LAST put them. An inner join whose keys each match
    // thousands of rows (more than a batch) counts as one with a condition beyond the key.
    SqlEnv e({});
    ASSERT_EQ(e.run("CREATE TABLE scratch.t AS SELECT x, MOD(x, 3) AS p, IF(MOD(x, 11) = 0, NULL, MOD(x * 7919, 40000) - 20000) AS k "
                    "FROM UNNEST(GENERATE_ARRAY(1, 70000)) AS x").substr(0, 2),
              "{\"");
    for (const std::string order : {"ORDER BY k", "ORDER BY k DESC", "ORDER BY k NULLS LAST", "PARTITION BY p ORDER BY k DESC NULLS FIRST"}) {
        std::string asFloat = order;
        asFloat.replace(asFloat.find("BY k"), 4, "BY CAST(k AS FLOAT64)");
        const std::string q = "SELECT COUNT(*) AS n, COUNTIF(r1 = r2 AND n1 = n2 AND d1 = d2 AND c1 = c2) AS same FROM (SELECT "
                              "RANK() OVER (" + order + ") AS r1, RANK() OVER (" + asFloat + ") AS r2, "
                              "ROW_NUMBER() OVER (" + order + ") AS n1, ROW_NUMBER() OVER (" + asFloat + ") AS n2, "
                              "DENSE_RANK() OVER (" + order + ") AS d1, DENSE_RANK() OVER (" + asFloat + ") AS d2, "
                              "CUME_DIST() OVER (" + order + ") AS c1, CUME_DIST() OVER (" + asFloat + ") AS c2 FROM scratch.t)";
        const Json out = e.outcome(q);
        ASSERT_TRUE(out.contains("rows")) << out.dump();
        EXPECT_EQ(out["rows"][0]["n"], "70000") << order;
        EXPECT_EQ(out["rows"][0]["same"], "70000") << order;
    }
    const std::string plain = e.run("SELECT COUNT(*), SUM(a.x - b.x) FROM scratch.t a JOIN scratch.t b ON a.p = b.p WHERE a.x < 300");
    EXPECT_EQ(plain, e.run("SELECT COUNT(*), SUM(a.x - b.x) FROM scratch.t a JOIN scratch.t b ON a.p = b.p AND a.x + b.x > 0 WHERE a.x < 300"));
    EXPECT_EQ(plain.substr(0, 2), "[{");
}

TEST(SqlCases, ThereAreEnough) { EXPECT_GE(loadCases().size(), 150u); }

// docs/SANDBOX.md's table of what the sandbox does not run yet: every example must be refused
// with the documented text and a [line:col]. An example that starts with #legacySQL is run as
// legacy SQL.
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
        const bool legacy = sql.rfind("#legacySQL ", 0) == 0; // the table's one line is two
        if (legacy) sql[10] = '\n';
        const Json o = env().outcome(sql, legacy);
        const std::string got = o.contains("error") ? "!! " + o["error"].get<std::string>() : o.dump();
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
                sql::parseProgram(std::string_view(c.sql).substr(0, n));
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

// Operator chains are parsed in loops but make trees as tall as they are long: 100,000 links
// of any kind are refused with a position instead of overflowing the stack (they did, at
// 30,000, in the binder); 299 still evaluate.
TEST(SqlHostile, LongOperatorChainsAreBoundedNotACrash) {
    const std::pair<const char*, const char*> kinds[] = {
        {"1", "+1"}, {"'a'", "||'a'"}, {"TRUE", " AND TRUE"}, {"FALSE", " OR FALSE"}, {"1", "*1"},
        {"1", " = 1 = TRUE"}, {"[1]", "[OFFSET(0)]"}, {"STRUCT(1 AS a)", ".a"}};
    for (const auto& [head, link] : kinds) {
        SCOPED_TRACE(link);
        std::string s = std::string("SELECT ") + head;
        for (int i = 0; i < 100000; ++i) s += link;
        const auto got = env().run(s);
        EXPECT_EQ(got.rfind("!! ", 0), 0u) << got.substr(0, 200);
        EXPECT_NE(got.find("Expression is too long"), std::string::npos) << got.substr(0, 200);
        EXPECT_NE(got.find("at [1:"), std::string::npos) << got.substr(0, 200);
    }
    std::string legacy = "SELECT 1";
    for (int i = 0; i < 100000; ++i) legacy += "+1";
    const auto got = env().outcome(legacy, true);
    EXPECT_NE(got.value("error", "").find("Expression is too long"), std::string::npos) << got.dump().substr(0, 200);
    std::string fine = "SELECT 1";
    for (int i = 0; i < 299; ++i) fine += "+1";
    EXPECT_EQ(env().run(fine + " AS n"), R"([{"n":"300"}])");
}

} // namespace
