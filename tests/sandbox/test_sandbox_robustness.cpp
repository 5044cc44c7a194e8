// SPDX-License-Identifier: MIT
// A real quarry-sandbox process under stress: acknowledged rows and DML through kill -9,
// injected faults, a second server on one folder, hostile requests (deep JSON, other origins,
// endless chunked bodies, pathological LIKE), damaged files, the memory limit and sessions
// aborted under load.
#include "ExpectApiError.h"
#include "SandboxApiHelpers.h"
#include "SandboxProcess.h"
#include "TestData.h"
#include "UploadFixture.h"
#include "bigquery/BigQueryClient.h"
#include "net/HttpClient.h"
#include "value/Display.h"
#include "platform/Socket.h"
#include "platform/System.h"

#include <atomic>
#include <fstream>
#include <gtest/gtest.h>
#include <chrono>
#include <sstream>
#include <thread>

using namespace quarry;
using quarry::test::SandboxProcess;
using quarry::test::apiError;
using namespace quarry::test;
using namespace std::chrono_literals;

TEST(SandboxRobustness, AcknowledgedRowsSurviveKillNine) {
    const auto data = std::filesystem::temp_directory_path() / ("quarry-durable-" + std::to_string(quarry::platform::processId()));
    std::filesystem::remove_all(data);
    {
        SandboxProcess s({"--checkpoint-mb", "0"}, data); // this test edits the JSON log itself
        auto c = clientFor(s);
        createPersons(c);
        for (int batch = 0; batch < 20; ++batch)
            ASSERT_TRUE(c.insertAll(TableRef{"p", "samples", "persons"}, insertBody(personsRows(), "b" + std::to_string(batch) + ":")).ok());
        s.killHard();
    }
    // A crash in the middle of an append leaves a torn tail: simulate one.
    std::filesystem::path log;
    for (const auto& e : std::filesystem::recursive_directory_iterator(data))
        if (e.path().filename() == "rows.qrl") log = e.path();
    ASSERT_FALSE(log.empty());
    {
        std::ofstream torn(log, std::ios::app | std::ios::binary);
        torn << "QRL1\x40\x00\x00\x00garbage";
    }
    {
        SandboxProcess s({}, data);
        auto c = clientFor(s);
        EXPECT_EQ(c.getTable(TableRef{"p", "samples", "persons"})["numRows"], "60");
        // And the log is writable again after the cut.
        ASSERT_TRUE(c.insertAll(TableRef{"p", "samples", "persons"}, insertBody(personsRows(), "after:")).ok());
        // insertIds seen before the crash are still remembered.
        ASSERT_TRUE(c.insertAll(TableRef{"p", "samples", "persons"}, insertBody(personsRows(), "b0:")).ok());
        EXPECT_EQ(c.getTable(TableRef{"p", "samples", "persons"})["numRows"], "63");
        s.stop();
    }
    {
        SandboxProcess s({}, data);
        auto c = clientFor(s);
        EXPECT_EQ(c.getTable(TableRef{"p", "samples", "persons"})["numRows"], "63");
    }
    std::filesystem::remove_all(data);
}

TEST(SandboxRobustness, FaultsAreInjectedDeterministically) {
    SandboxProcess s({"--faults", "datasets.list:503:1"});
    auto c = clientFor(s);
    const auto e = apiError([&] { c.listDatasets("p"); });
    EXPECT_EQ(e.httpStatus(), 503);
    EXPECT_EQ(e.reason(), "backendError");
}

TEST(SandboxRobustness, BothPathPrefixesAndUnknownRoutes) {
    SandboxProcess s;
    auto c = clientFor(s);
    HttpClient http;
    HttpRequest r;
    r.url = s.url() + "/projects/p/datasets";
    EXPECT_EQ(http.send(r).status, 200);
    r.url = s.url() + "/bigquery/v2/nothing/here";
    const auto resp = http.send(r);
    EXPECT_EQ(resp.status, 404);
    EXPECT_EQ(ApiError::fromResponse(resp).reason(), "notFound");
}

TEST(SandboxRobustness, ASecondServerOnTheSameDataFolderIsRefused) {
    SandboxProcess first;
    try {
        SandboxProcess second({}, first.dataDir());
        ADD_FAILURE() << "a second sandbox started on " << first.dataDir();
    } catch (const std::runtime_error& e) {
        SUCCEED() << e.what();
    }
    auto c = clientFor(first);
    EXPECT_NO_THROW(c.listDatasets("p"));
}

TEST(SandboxRobustness, RowsLeftOutOfAnInsertStayOutAfterRestart) {
    const auto data = std::filesystem::temp_directory_path() / ("quarry-skip-" + std::to_string(quarry::platform::processId()));
    std::filesystem::remove_all(data);
    const TableRef t{"p", "d", "t"};
    {
        SandboxProcess s({}, data);
        auto c = clientFor(s);
        c.insertDataset("p", {{"datasetReference", {{"datasetId", "d"}}}});
        c.insertTable("p", "d", {{"tableReference", {{"tableId", "t"}}}, {"schema", {{"fields", {{{"name", "n"}, {"type", "INT64"}}}}}}});
        // The log keeps this body whole; an invalid row and a repeated insertId are left out.
        const auto r = c.insertAll(t, R"({"skipInvalidRows":true,"rows":[{"insertId":"a","json":{"n":1}},
            {"json":{"n":"x"}},{"insertId":"a","json":{"n":2}},{"json":{"N":3}}]})");
        ASSERT_EQ(r.rowErrors.size(), 1u);
        EXPECT_EQ(r.rowErrors[0].index, 1);
        s.killHard();
    }
    SandboxProcess s({}, data);
    auto c = clientFor(s);
    const auto page = c.query("p", {{"query", "SELECT COUNT(*) AS c, SUM(n) AS s FROM d.t"}, {"useLegacySql", false}});
    EXPECT_EQ(page.rows[0][0].asInt64(), 2);
    EXPECT_EQ(page.rows[0][1].asInt64(), 4);
    // The insertId is still remembered.
    ASSERT_TRUE(c.insertAll(t, R"({"rows":[{"insertId":"a","json":{"n":100}}]})").ok());
    EXPECT_EQ(c.getTable(t)["numRows"], "2");
    s.stop();
    std::filesystem::remove_all(data);
}

// DML and DDL through jobs.query and jobs.get: the statistics clients read, the rows changed,
// and the changes still there after the sandbox is killed and started again.
TEST(SandboxRobustness, DmlAndDdlThroughJobsSurviveACrash) {
    const auto data = std::filesystem::temp_directory_path() / ("quarry-dml-" + std::to_string(quarry::platform::processId()));
    std::filesystem::remove_all(data);
    {
        SandboxProcess s({}, data);
        auto c = clientFor(s);
        const auto ddl = c.query("p", {{"query", "CREATE SCHEMA shop; CREATE TABLE shop.inv (product STRING NOT NULL, qty INT64)"},
                                       {"useLegacySql", false}});
        const auto script = c.getJob(JobRef{"p", ddl.meta["jobReference"]["jobId"].get<std::string>(), ""});
        EXPECT_EQ(script["statistics"]["query"]["statementType"], "SCRIPT");

        auto ins = c.query("p", {{"query", "INSERT shop.inv VALUES ('dryer', 30), ('oven', 5), ('washer', 20)"}, {"useLegacySql", false}});
        EXPECT_EQ(ins.meta["numDmlAffectedRows"], "3");
        EXPECT_EQ(ins.meta["dmlStats"]["insertedRowCount"], "3");
        const auto job = c.getJob(JobRef{"p", ins.meta["jobReference"]["jobId"].get<std::string>(), ""});
        EXPECT_EQ(job["statistics"]["query"]["statementType"], "INSERT");
        EXPECT_EQ(job["statistics"]["query"]["numDmlAffectedRows"], "3");

        // A dry run estimates and changes nothing.
        const auto dry = c.query("p", {{"query", "DELETE FROM shop.inv WHERE qty < 10"}, {"useLegacySql", false}, {"dryRun", true}});
        EXPECT_NE(dry.meta["totalBytesProcessed"], "0");
        EXPECT_EQ(query(c, "SELECT COUNT(*) AS n FROM shop.inv"), Json::parse(R"([{"n":"3"}])"));

        auto merged = c.query("p", {{"query", R"(MERGE shop.inv T USING (SELECT 'oven' AS product, 0 AS qty UNION ALL SELECT 'fridge', 2) S
            ON T.product = S.product
            WHEN MATCHED AND S.qty = 0 THEN DELETE
            WHEN NOT MATCHED THEN INSERT ROW
            WHEN NOT MATCHED BY SOURCE THEN UPDATE SET qty = qty + 1)"},
                                    {"useLegacySql", false}});
        EXPECT_EQ(merged.meta["numDmlAffectedRows"], "4");
        EXPECT_EQ(merged.meta["dmlStats"], Json::parse(R"({"insertedRowCount":"1","updatedRowCount":"2","deletedRowCount":"1"})"));

        // A refused statement changes nothing: the second row breaks NOT NULL.
        const auto bad = apiError([&] { query(c, "INSERT shop.inv VALUES ('ok', 1), (NULL, 2)"); });
        EXPECT_EQ(bad.reason(), "invalidQuery");
        EXPECT_NE(bad.message().find("Required field product cannot be NULL"), std::string::npos) << bad.message();
        s.killHard();
    }
    SandboxProcess s({}, data);
    auto c = clientFor(s);
    EXPECT_EQ(query(c, "SELECT product, qty FROM shop.inv ORDER BY product"),
              Json::parse(R"([{"product":"dryer","qty":"31"},{"product":"fridge","qty":"2"},{"product":"washer","qty":"21"}])"));
    const auto drop = c.query("p", {{"query", "DROP TABLE shop.inv"}, {"useLegacySql", false}});
    const auto job = c.getJob(JobRef{"p", drop.meta["jobReference"]["jobId"].get<std::string>(), ""});
    EXPECT_EQ(job["statistics"]["query"]["ddlOperationPerformed"], "DROP");
    EXPECT_EQ(job["statistics"]["query"]["ddlTargetTable"]["tableId"], "inv");
    const auto gone = apiError([&] { query(c, "SELECT * FROM shop.inv"); });
    EXPECT_EQ(gone.httpStatus(), 404);
    s.stop();
    std::filesystem::remove_all(data);
}

// JSON nested 100,000 deep in any field of any route is refused with 400 before anything
// reads it (it killed the sandbox: the description echoed back, or a type error quoting the
// value, printed it recursively), and the sandbox goes on answering.
TEST(SandboxRobustness, DeepJsonInAnyRouteIsRefusedAndTheSandboxSurvives) {
    SandboxProcess s;
    auto c = clientFor(s);
    createPersons(c);
    std::string deep;
    for (int i = 0; i < 100000; ++i) deep += "{\"a\":";
    deep += "1";
    deep.append(100000, '}');
    std::string deepArray = std::string(100000, '[') + std::string(100000, ']');
    const std::string api = s.url() + "/bigquery/v2/projects/p";
    const std::pair<std::string, std::string> requests[] = {
        {api + "/datasets", R"({"datasetReference":{"datasetId":"x"},"description":)" + deep + "}"},
        {api + "/jobs", R"({"configuration":{"query":{"query":"SELECT 1"}},"labels":)" + deep + "}"},
        {api + "/queries", R"({"query":"SELECT 1","queryParameters":)" + deepArray + "}"},
        {api + "/datasets/samples/tables", R"({"tableReference":{"tableId":"t"},"schema":)" + deep + "}"},
        {api + "/datasets/samples/tables/persons/insertAll", R"({"rows":[{"json":{"fullName":)" + deep + "}}]}"},
        {api + "/datasets/samples/tables/persons/insertAll", R"({"rows":[{"json":{"fullName":)" + deepArray + "}}]}"},
    };
    HttpClient http;
    for (const auto& [url, body] : requests) {
        SCOPED_TRACE(url);
        HttpRequest r;
        r.method = "POST";
        r.url = url;
        r.body = body;
        r.headers.push_back({"Content-Type", "application/json"});
        const auto resp = http.send(r);
        EXPECT_EQ(resp.status, 400) << resp.body.substr(0, 300);
        EXPECT_NE(resp.body.find("levels deep"), std::string::npos) << resp.body.substr(0, 300);
    }
    HttpRequest patch;
    patch.method = "PATCH";
    patch.url = api + "/datasets/samples";
    patch.body = R"({"description":)" + deep + "}";
    patch.headers.push_back({"Content-Type", "application/json"});
    EXPECT_EQ(http.send(patch).status, 400);
    // Still alive, and nothing was made.
    EXPECT_EQ(c.listAllDatasets("p").size(), 1u);
    // Nesting a JSON column may have (500 levels) still goes through the body check.
    std::string fine;
    for (int i = 0; i < 400; ++i) fine += "[";
    fine.append(400, ']');
    HttpRequest ok;
    ok.method = "POST";
    ok.url = api + "/datasets";
    ok.body = R"({"datasetReference":{"datasetId":"y"},"labels":{"k":"v"},"x":)" + fine + "}";
    ok.headers.push_back({"Content-Type", "application/json"});
    EXPECT_NE(http.send(ok).status, 400);
}

// A web page cannot drive the sandbox: a cross-origin "simple" POST (text/plain, which needs
// no preflight) ran DROP SCHEMA ... CASCADE; a page on a name that resolves to 127.0.0.1 (DNS
// rebinding) could read everything.
TEST(SandboxRobustness, WebPagesOfOtherOriginsAndOtherHostNamesAreRefused) {
    SandboxProcess s;
    auto c = clientFor(s);
    createPersons(c);
    HttpClient http;
    auto post = [&](const std::vector<std::pair<std::string, std::string>>& headers) {
        HttpRequest r;
        r.method = "POST";
        r.url = s.url() + "/bigquery/v2/projects/p/queries";
        r.body = R"({"query":"DROP SCHEMA samples CASCADE","useLegacySql":false})";
        r.headers = headers;
        return http.send(r);
    };
    auto resp = post({{"Content-Type", "text/plain"}, {"Origin", "http://evil.example"}});
    EXPECT_EQ(resp.status, 403) << resp.body;
    EXPECT_NE(resp.body.find("other origins"), std::string::npos) << resp.body;
    resp = post({{"Content-Type", "text/plain"}});
    EXPECT_EQ(resp.status, 403) << resp.body;
    EXPECT_NE(resp.body.find("Content-Type: application/json"), std::string::npos) << resp.body;
    resp = post({{"Content-Type", "application/json"}, {"Origin", "null"}});
    EXPECT_EQ(resp.status, 403) << resp.body;
    resp = post({{"Content-Type", "application/json"}, {"Host", "rebind.evil.example:" + s.url().substr(s.url().rfind(':') + 1)}});
    EXPECT_EQ(resp.status, 403) << resp.body;
    EXPECT_NE(resp.body.find("answers only to 127.0.0.1"), std::string::npos) << resp.body;
    HttpRequest get;
    get.url = s.url() + "/bigquery/v2/projects/p/datasets";
    get.headers = {{"Host", "rebind.evil.example"}};
    EXPECT_EQ(http.send(get).status, 403);
    EXPECT_EQ(c.listAllDatasets("p").size(), 1u); // nothing was dropped
    // A page of the sandbox's own machine, and every ordinary client, still get answers.
    get.headers = {{"Origin", "http://localhost:5173"}};
    EXPECT_EQ(http.send(get).status, 200);
    get.headers = {{"Host", "localhost:" + s.url().substr(s.url().rfind(':') + 1)}};
    EXPECT_EQ(http.send(get).status, 200);
}

// A chunked body has no Content-Length for the 64 MB limit to check: one of 3 GB was read
// whole (4.2 GB RSS). Now the reading stops at the limit, the answer is 413 and the connection
// is closed, whatever the client goes on sending.
TEST(SandboxRobustness, AChunkedBodyOfTenGigabytesIsCutOffEarly) {
    SandboxProcess s;
    auto c = clientFor(s);
    createPersons(c);
    const int port = std::stoi(s.url().substr(s.url().rfind(':') + 1));
    const auto fd = platform::connectToLoopback(port);
    ASSERT_NE(fd, platform::kNoSocket);
    platform::setTimeouts(fd, 30000);
    const std::string head = "POST /bigquery/v2/projects/p/datasets HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                             "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
    ASSERT_TRUE(platform::sendAll(fd, head));
    // 10 GB in 1 MB chunks, or until the sandbox stops taking them.
    const std::string chunk = "100000\r\n" + std::string(1u << 20, ' ') + "\r\n";
    std::uint64_t sent = 0;
    for (int i = 0; i < 10 * 1024; ++i) {
        if (!platform::sendAll(fd, chunk)) break;
        sent += 1u << 20;
    }
    char buf[4096];
    const auto got = platform::receive(fd, buf, sizeof buf - 1);
    platform::closeSocket(fd);
    const auto n = static_cast<std::ptrdiff_t>(got.bytes);
    EXPECT_LT(sent, 256ull << 20) << "the sandbox kept reading";
    if (n > 0) {
        EXPECT_NE(std::string(buf, static_cast<std::size_t>(n)).find(" 413 "), std::string::npos);
    }
#if QUARRY_TEST_ASAN
    // Under AddressSanitizer freed blocks stay in quarantine and shadow memory is added: the
    // 200 MB bound is the plain build's; this one only says the body was not read whole.
    EXPECT_LT(s.peakRssMb(), 600);
#else
    EXPECT_LT(s.peakRssMb(), 200);
#endif
    EXPECT_EQ(c.listAllDatasets("p").size(), 1u); // still answering, nothing made
}

// One bad table must never stop the others from loading (a lone byte stored by a CTAS made
// the next start exit, taking the app's shared data folder with it): a damaged table, a
// damaged dataset and a stray folder are reported and left alone, their names kept out of use.
TEST(SandboxRobustness, ADamagedTableIsSetAsideAndTheRestLoads) {
    const auto data = std::filesystem::temp_directory_path() / ("quarry-damaged-" + std::to_string(quarry::platform::processId()));
    const auto log = data.string() + ".log";
    std::filesystem::remove_all(data);
    {
        SandboxProcess s({}, data);
        auto c = clientFor(s);
        createPersons(c);
        ASSERT_TRUE(c.insertAll(TableRef{"p", "samples", "persons"}, insertBody(personsRows(), "a:")).ok());
        c.insertTable("p", "samples", {{"tableReference", {{"tableId", "broken"}}}, {"schema", personsSchema()}});
        c.insertDataset("p", {{"datasetReference", {{"datasetId", "gone"}}}});
        // The query that used to plant the lone byte is refused now.
        Json q = {{"query", "CREATE TABLE samples.lone AS SELECT REGEXP_EXTRACT('\u00e9', r'\\C') AS x"}, {"useLegacySql", false}};
        const auto e = apiError([&] { c.query("p", q); });
        EXPECT_NE(e.message().find("\\C (any byte) is not supported"), std::string::npos) << e.message();
        s.stop();
    }
    std::filesystem::path brokenDir, goneDir;
    for (const auto& e : std::filesystem::recursive_directory_iterator(data)) {
        if (e.path().filename() == "broken") brokenDir = e.path();
        if (e.path().filename() == "gone") goneDir = e.path();
    }
    ASSERT_FALSE(brokenDir.empty());
    ASSERT_FALSE(goneDir.empty());
    std::ofstream(brokenDir / "table.json", std::ios::trunc) << "{\"schema\": not json";
    std::ofstream(goneDir / "dataset.json", std::ios::trunc) << "\xff";
    std::filesystem::create_directories(data / "%zz");
    {
        SandboxProcess s({}, data, log);
        auto c = clientFor(s);
        EXPECT_EQ(c.getTable(TableRef{"p", "samples", "persons"})["numRows"], "3");
        const auto e = apiError([&] {
            c.insertTable("p", "samples", {{"tableReference", {{"tableId", "broken"}}}, {"schema", personsSchema()}});
        });
        EXPECT_EQ(e.httpStatus(), 409);
        EXPECT_NE(e.message().find("damaged on disk"), std::string::npos) << e.message();
        const auto d = apiError([&] { c.insertDataset("p", {{"datasetReference", {{"datasetId", "gone"}}}}); });
        EXPECT_EQ(d.httpStatus(), 409);
        s.stop();
    }
    const std::string said = test::readFile(log);
    EXPECT_NE(said.find("DAMAGED: " + brokenDir.string()), std::string::npos) << said;
    EXPECT_NE(said.find("DAMAGED: " + goneDir.string()), std::string::npos) << said;
    EXPECT_NE(said.find("%zz: not a folder the sandbox made"), std::string::npos) << said;
    EXPECT_EQ(test::readFile(brokenDir / "table.json"), "{\"schema\": not json"); // left as it was
    std::filesystem::remove_all(data);
    std::filesystem::remove(log);
}

// One flipped byte in the middle of a row log silently dropped every later acknowledged row
// ("dropped a torn tail"). Only an incomplete last record may be cut; a damaged record with
// intact ones after it leaves the file as it is and the table set aside, loudly.
TEST(SandboxRobustness, AFlippedByteMidLogIsDamageNotATornTail) {
    const auto data = std::filesystem::temp_directory_path() / ("quarry-flipped-" + std::to_string(quarry::platform::processId()));
    const auto log = data.string() + ".log";
    std::filesystem::remove_all(data);
    {
        SandboxProcess s({"--checkpoint-mb", "0"}, data); // this test edits the JSON log itself
        auto c = clientFor(s);
        createPersons(c);
        for (int batch = 0; batch < 5; ++batch)
            ASSERT_TRUE(c.insertAll(TableRef{"p", "samples", "persons"}, insertBody(personsRows(), "b" + std::to_string(batch) + ":")).ok());
        s.stop();
    }
    std::filesystem::path rows;
    for (const auto& e : std::filesystem::recursive_directory_iterator(data))
        if (e.path().filename() == "rows.qrl") rows = e.path();
    ASSERT_FALSE(rows.empty());
    std::string bytes = test::readFile(rows);
    const auto size = bytes.size();
    bytes[40] = static_cast<char>(bytes[40] ^ 0x20); // inside the first record's payload
    std::ofstream(rows, std::ios::binary | std::ios::trunc) << bytes;
    {
        SandboxProcess s({}, data, log);
        auto c = clientFor(s);
        const auto e = apiError([&] { c.getTable(TableRef{"p", "samples", "persons"}); });
        EXPECT_EQ(e.httpStatus(), 404); // set aside, not served with rows missing
        s.stop();
    }
    const std::string said = test::readFile(log);
    EXPECT_NE(said.find("DAMAGED"), std::string::npos) << said;
    EXPECT_NE(said.find("not a torn tail, so nothing was cut"), std::string::npos) << said;
    EXPECT_EQ(std::filesystem::file_size(rows), size); // every acknowledged row is still on disk
    std::filesystem::remove_all(data);
    std::filesystem::remove(log);
}

// LIKE over one large value with a pattern that backtracks (16 MB of 'a' against
// '%aaa..._b') takes minutes; it ignored cancel and held a worker all along. It listens now.
// A pattern of only text and % is matched in linear time, however long the pieces.
TEST(SandboxRobustness, CancelStopsAPathologicalLikeInsideOneRow) {
    SandboxProcess s;
    auto c = clientFor(s);
    for (const char* pattern : {"CONCAT('%', REPEAT('a', 20000), 'b')", "CONCAT('%', REPEAT('a', 20000), 'b%')"}) {
        const auto r = c.query("p", {{"query", std::string("SELECT REPEAT('a', 16000000) LIKE ") + pattern + " AS m"}, {"timeoutMs", 30000}});
        ASSERT_TRUE(r.jobComplete) << pattern;
        EXPECT_EQ(r.rows.at(0)[0], Value::boolean(false)) << pattern;
    }
    c.insertJob("p", {{"jobReference", {{"jobId", "like"}}},
                      {"configuration", {{"query", {{"query", "SELECT REPEAT('a', 16000000) LIKE CONCAT('%', REPEAT('a', 20000), '_b') AS m"},
                                                    {"useLegacySql", false}}}}}});
    for (int i = 0; i < 200 && c.getJob(JobRef{"p", "like", ""})["status"]["state"] != "RUNNING"; ++i)
        std::this_thread::sleep_for(10ms);
    std::this_thread::sleep_for(300ms); // well inside the match
    c.cancelJob(JobRef{"p", "like", ""});
    QueryResultsOptions o;
    o.timeoutMs = 30000; // a bound for the test, not a measurement: the match alone runs for minutes
    o.maxResults = 0;
    const auto e = apiError([&] { c.getQueryResults(JobRef{"p", "like", ""}, o); });
    EXPECT_EQ(e.reason(), "stopped");
    EXPECT_EQ(c.getJob(JobRef{"p", "like", ""})["status"]["state"], "DONE");
}

// Issue 20's memory limit: with room for less than one table, the sandbox lets tables go
// between uses and reads them again, while two clients query both tables and insert into one;
// every answer is the right one.
TEST(SandboxRobustness, TablesLetGoToStayWithinTheMemoryLimitAnswerTheSame) {
    const auto data = std::filesystem::temp_directory_path() / ("quarry-memory-" + std::to_string(quarry::platform::processId()));
    const auto log = data.string() + ".log";
    std::filesystem::remove_all(data);
    {
        SandboxProcess s({"--table-memory", "1", "--checkpoint-idle", "0.1"}, data, log);
        auto c = clientFor(s);
        c.insertDataset("p", {{"datasetReference", {{"datasetId", "d"}}}});
        for (const char* t : {"a", "b"})
            c.query("p", {{"query", std::string("CREATE TABLE d.") + t + " AS SELECT x, REPEAT('" + t +
                                        "', 60) AS s FROM UNNEST(GENERATE_ARRAY(1, 30000)) AS x"},
                          {"useLegacySql", false}});
        std::atomic<int> wrong{0}, inserted{0};
        auto client = [&](int which) {
            auto own = clientFor(s);
            for (int i = 0; i < 40; ++i) {
                const std::string t = (i + which) % 2 ? "a" : "b";
                const auto r = test::queryRow(own, "SELECT COUNT(*) AS n, SUM(x) AS sx, COUNTIF(s != REPEAT('" + t +
                                                       "', 60)) AS bad FROM d." + t);
                const long long extra = t == "a" ? r.at("n") - 30000 : 0; // rows inserted with x = 0
                if (r.at("sx") != 30000LL * 30001 / 2 || r.at("bad") != 0 || extra < 0 || (t == "b" && r.at("n") != 30000))
                    ++wrong;
                if (which == 0 && i % 4 == 0) {
                    const std::string row = R"({"rows":[{"json":{"x":0,"s":")" + std::string(60, 'a') + R"("}}]})";
                    if (own.insertAll(TableRef{"p", "d", "a"}, row).ok()) ++inserted;
                }
                std::this_thread::sleep_for(std::chrono::milliseconds(50 * (i % 5))); // idle spells: checkpoints, letting go
            }
        };
        std::thread one(client, 0), two(client, 1);
        one.join();
        two.join();
        EXPECT_EQ(wrong, 0);
        EXPECT_EQ(test::countRows(c, "a"), 30000 + inserted);
        s.stop();
    }
    const auto said = test::readFile(log);
    EXPECT_NE(said.find("let go of the rows of p:d."), std::string::npos) << said;
    {
        SandboxProcess s({}, data);
        auto c = clientFor(s);
        c.query("p", {{"query", "CREATE TABLE d.big AS SELECT x, REPEAT('b', 100) AS s FROM UNNEST(GENERATE_ARRAY(1, 250000)) AS x"},
                      {"useLegacySql", false}});
        s.stop();
    }
    {
        // Reading a table at its first use is not the query's work: a query allowed 16 MB
        // reads a table of about 40 MB in memory (it was counted against the query, failed,
        // and set the table aside as damaged).
        SandboxProcess s({"--query-memory", "16"}, data);
        auto c = clientFor(s);
        EXPECT_EQ(test::queryRow(c, "SELECT COUNT(*) AS n FROM d.big").at("n"), 250000);
        s.stop();
    }
    std::filesystem::remove_all(data);
    std::filesystem::remove(log);
}

// CALL BQ.ABORT_SESSION() answered its client before the session was gone: a query sent in
// the session right after ran in it (the Node scenario failed so once, under load; the window
// is between the job's answer and its end, so this probes it rather than hits it every time).
// Each of 30 sessions is aborted and used again at once, from two clients; every use after
// the abort's answer must be refused.
TEST(SandboxRobustness, ASessionIsGoneForEveryQueryAfterItsAbortIsAnswered) {
    SandboxProcess s;
    auto c = clientFor(s);
    auto other = clientFor(s);
    for (int i = 0; i < 30; ++i) {
        const auto made = c.query("p", {{"query", "SELECT 1"}, {"useLegacySql", false}, {"createSession", true}});
        const auto job = c.getJob(JobRef{"p", made.meta["jobReference"]["jobId"].get<std::string>(), ""});
        const std::string id = job["statistics"]["sessionInfo"]["sessionId"];
        const Json inSession = {{"useLegacySql", false}, {"connectionProperties", {{{"key", "session_id"}, {"value", id}}}}};
        Json abort = inSession, after = inSession;
        abort["query"] = "CALL BQ.ABORT_SESSION()";
        after["query"] = "SELECT 2";
        std::thread racer([&] {
            try {
                other.query("p", after); // may come before the abort (then it runs) or after
            } catch (const ApiError&) {
            }
        });
        c.query("p", abort);
        const auto e = apiError([&] { c.query("p", after); });
        EXPECT_NE(e.message().find("was not found or has ended"), std::string::npos) << i << ": " << e.message();
        racer.join();
    }
}
