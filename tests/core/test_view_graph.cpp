// SPDX-License-Identifier: MIT
// ViewGraph: a folder of .sql files split into what is checked as one request, the names each
// file defines and reads, the order they can be checked in, and error positions mapped back.
#include "query/ViewGraph.h"

#include <gtest/gtest.h>

using namespace quarry;

namespace {

SqlFile file(const std::string& path, const std::string& text, const std::string& dataset = {}) {
    return parseSqlFile(path, text, "p", dataset);
}

/// A folder of files given as {path, text} pairs, ordered.
ViewGraph folder(std::initializer_list<std::pair<const char*, const char*>> files) {
    std::vector<SqlFile> read;
    for (const auto& [path, text] : files) read.push_back(file(path, text));
    return orderSqlFiles(std::move(read));
}

std::vector<std::string> order(const ViewGraph& g) {
    std::vector<std::string> out;
    for (const auto& wave : g.waves)
        for (const auto i : wave) out.push_back(g.files[i].path);
    return out;
}

} // namespace

TEST(ViewGraph, ACreateViewDefinesItsFullNameAndReadsEveryQualifiedName) {
    const auto f = file("v.sql", "-- head\nCREATE VIEW ds.v AS\nSELECT a FROM `p.raw.t` JOIN other-proj.x.y USING (a)\n"
                                 "WHERE a IN (SELECT a FROM ds.w) AND s.field = 'ds.fake'");
    ASSERT_EQ(f.chunks.size(), 1u);
    EXPECT_EQ(f.chunks[0].kind, SqlChunk::Kind::CreateView);
    EXPECT_EQ(f.chunks[0].defines, "p.ds.v");
    EXPECT_EQ(f.chunks[0].start.line, 2);
    EXPECT_EQ(f.chunks[0].start.col, 1);
    // Names in strings do not count; two-part names take the default project; a project id
    // with dashes is one part; the view's own name is not something it reads.
    EXPECT_EQ(f.references, (std::vector<std::string>{"other-proj.x.y", "p.ds.w", "p.raw.t", "p.s.field"}));
}

TEST(ViewGraph, OnePartNamesCountOnlyAfterFromOrJoinWithADefaultDataset) {
    EXPECT_TRUE(file("q.sql", "SELECT a FROM t JOIN u ON t.a = u.a").references ==
                (std::vector<std::string>{"p.t.a", "p.u.a"}));
    const auto f = file("q.sql", "SELECT a, b FROM t JOIN u ON x = y", "ds");
    EXPECT_EQ(f.references, (std::vector<std::string>{"p.ds.t", "p.ds.u"}));
    EXPECT_EQ(file("q.sql", "SELECT 1 FROM t", "other.ds").references, (std::vector<std::string>{"other.ds.t"}));
}

TEST(ViewGraph, PersistentCreatesAreTheirOwnChunksAndEverythingElseStaysTogether) {
    const auto f = file("s.sql",
                        "CREATE TEMP FUNCTION twice(x INT64) AS (x * 2);\n"
                        "SELECT twice(1);\n"
                        "CREATE OR REPLACE TABLE ds.t AS SELECT 1 AS a;\n"
                        "CREATE FUNCTION IF NOT EXISTS ds.f(x INT64) AS (CASE WHEN x > 0 THEN x ELSE 0 END);\n"
                        "CREATE PROCEDURE ds.pr() BEGIN SELECT 1; SELECT 2; END;\n"
                        "CREATE TABLE FUNCTION ds.tf() AS SELECT 1 AS x;\n"
                        "CREATE SCHEMA IF NOT EXISTS other;\n"
                        "SELECT * FROM ds.t; SELECT 3");
    ASSERT_EQ(f.chunks.size(), 6u);
    EXPECT_EQ(f.chunks[0].kind, SqlChunk::Kind::Script);
    EXPECT_EQ(f.chunks[0].text, "CREATE TEMP FUNCTION twice(x INT64) AS (x * 2);\nSELECT twice(1)");
    EXPECT_EQ(f.chunks[1].kind, SqlChunk::Kind::CreateTable);
    EXPECT_TRUE(f.chunks[1].orReplace);
    EXPECT_EQ(f.chunks[1].text.substr(f.chunks[1].queryOffset), "SELECT 1 AS a");
    EXPECT_EQ(f.chunks[2].kind, SqlChunk::Kind::CreateRoutine);
    EXPECT_TRUE(f.chunks[2].ifNotExists);
    EXPECT_EQ(f.chunks[2].defines, "p.ds.f");
    EXPECT_EQ(f.chunks[3].text, "CREATE PROCEDURE ds.pr() BEGIN SELECT 1; SELECT 2; END");
    EXPECT_EQ(f.chunks[4].defines, "p.ds.tf");
    EXPECT_EQ(f.chunks[5].kind, SqlChunk::Kind::Script); // CREATE SCHEMA and the queries after it
    EXPECT_EQ(f.chunks[5].text, "CREATE SCHEMA IF NOT EXISTS other;\nSELECT * FROM ds.t; SELECT 3");
    EXPECT_EQ(f.chunks[5].start.line, 7);
}

// Found by fuzz_client_text: a CREATE's query was looked for in the statement after it.
TEST(ViewGraph, ACreateReadsOnlyItsOwnStatement) {
    const auto f = file("t.sql", "CREATE TABLE ds.t AS;\nSELECT 1 AS y");
    ASSERT_EQ(f.chunks.size(), 2u);
    EXPECT_EQ(f.chunks[0].kind, SqlChunk::Kind::CreateTable);
    EXPECT_EQ(f.chunks[0].text, "CREATE TABLE ds.t AS");
    EXPECT_EQ(f.chunks[0].queryOffset, 0u); // none: the server says what is missing
    EXPECT_EQ(file("v.sql", "CREATE VIEW;\nds.v AS SELECT 1").chunks.at(0).defines, "");
}

TEST(ViewGraph, TextThatCannotBeSplitIsAnErrorWithItsPlace) {
    const auto f = file("bad.sql", "SELECT 1;\nSELECT 'open");
    EXPECT_EQ(f.error, "unterminated string at [2:8]");
    EXPECT_TRUE(f.chunks.empty());
    EXPECT_NE(file("c.sql", "SELECT /* never closed").error.find("unterminated comment at [1:8]"), std::string::npos);
}

TEST(ViewGraph, FilesComeAfterTheFilesDefiningWhatTheyRead) {
    const auto g = folder({
        {"c.sql", "CREATE VIEW ds.c AS SELECT * FROM ds.b JOIN ds.a USING (x)"},
        {"b.sql", "CREATE VIEW ds.b AS SELECT * FROM ds.a"},
        {"a.sql", "CREATE TABLE ds.a (x INT64)"},
        {"q.sql", "SELECT * FROM ds.c, ds.unknown"},
        {"f.sql", "SELECT ds.fn(1)"},
        {"fn.sql", "CREATE FUNCTION ds.fn(x INT64) AS (x)"},
    });
    EXPECT_TRUE(g.problems.empty());
    ASSERT_EQ(g.waves.size(), 4u);
    EXPECT_EQ(order(g), (std::vector<std::string>{"a.sql", "fn.sql", "b.sql", "f.sql", "c.sql", "q.sql"}));
    EXPECT_EQ(g.needs[0], (std::vector<std::size_t>{1, 2}));
}

TEST(ViewGraph, ACycleIsNamedAndItsFilesAndThoseBehindItAreLeftOut) {
    const auto g = folder({
        {"x.sql", "CREATE VIEW ds.x AS SELECT * FROM ds.y"},
        {"y.sql", "CREATE VIEW ds.y AS SELECT * FROM ds.z"},
        {"z.sql", "CREATE VIEW ds.z AS SELECT * FROM ds.x"},
        {"after.sql", "SELECT * FROM ds.x"},
        {"free.sql", "SELECT 1"},
        {"twice.sql", "CREATE VIEW ds.x AS SELECT 2"},
    });
    EXPECT_EQ(order(g), (std::vector<std::string>{"free.sql", "twice.sql"}));
    ASSERT_EQ(g.problems.size(), 2u);
    EXPECT_EQ(g.problems[0], "p.ds.x is defined by both x.sql and twice.sql (the first is used)");
    EXPECT_EQ(g.problems[1], "these files read each other's names, so none can be checked first: x.sql -> y.sql -> z.sql -> x.sql");
}

TEST(ViewGraph, ACreateIsDryRunAsOrReplaceAndErrorsMapBackToTheFile) {
    const auto f = file("v.sql", "\n\n  CREATE VIEW ds.v AS SELECT nope FROM ds.t");
    const auto& c = f.chunks.at(0);
    EXPECT_EQ(dryRunText(c), "CREATE OR REPLACE VIEW ds.v AS SELECT nope FROM ds.t");
    SqlPosition at;
    // BigQuery's column 38 in the dry-run text is column 27 of the statement, 29 of line 3.
    EXPECT_EQ(mapErrorPosition("Unrecognized name: nope at [1:38]", c, at), "Unrecognized name: nope at [3:29]");
    EXPECT_EQ(at.line, 3);
    EXPECT_EQ(at.col, 29);
    const auto g = file("g.sql", "SELECT 1;\nCREATE OR REPLACE VIEW ds.v AS\nSELECT\n  x FROM t");
    const auto& v = g.chunks.at(1);
    EXPECT_EQ(dryRunText(v), v.text);
    EXPECT_EQ(mapErrorPosition("Unrecognized name: x at [3:3]", v, at), "Unrecognized name: x at [4:3]");
    EXPECT_EQ(mapErrorPosition("no position here", v, at), "no position here");
}
