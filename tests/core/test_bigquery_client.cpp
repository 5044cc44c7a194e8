// SPDX-License-Identifier: MIT
// BigQueryClient's wire behaviour against a scripted loopback server: paths, explicit
// parameters, error envelopes, location carry-over, 409 after a retried jobs.insert.
#include "ScriptedServer.h"
#include "bigquery/BigQueryClient.h"

#include <cstdlib>
#include <gtest/gtest.h>

using namespace quarry;
using quarry::test::ScriptedServer;
using namespace std::chrono_literals;

namespace {

BigQueryClient client(const ScriptedServer& s, std::function<std::string()> token = {}) {
    BigQueryClient::Options o;
    o.endpoint = Endpoint::fromUrl(s.url());
    o.projectId = "p";
    o.accessToken = std::move(token);
    o.retry.initialBackoff = 1ms;
    o.retry.maxBackoff = 2ms;
    return BigQueryClient(o);
}

const char* kTableBody = R"({"kind":"bigquery#table","schema":{"fields":[{"name":"a","type":"INTEGER"},
  {"name":"r","type":"RECORD","fields":[{"name":"t","type":"TIMESTAMP"},{"name":"s","type":"STRING"}]}]}})";

} // namespace

TEST(ApiError, ParsesTheGoogleEnvelopeAndSqlPosition) {
    HttpResponse r;
    r.status = 400;
    r.body = R"({"error":{"code":400,"message":"Syntax error: Expected end of input but got identifier \"x\" at [3:14]",
      "errors":[{"message":"...","domain":"global","reason":"invalidQuery","location":"query","locationType":"other"}],
      "status":"INVALID_ARGUMENT"}})";
    const auto e = ApiError::fromResponse(r);
    EXPECT_EQ(e.httpStatus(), 400);
    EXPECT_EQ(e.reason(), "invalidQuery");
    EXPECT_EQ(e.location(), "query");
    EXPECT_EQ(e.status(), "INVALID_ARGUMENT");
    EXPECT_EQ(e.line(), 3);
    EXPECT_EQ(e.column(), 14);
    EXPECT_EQ(std::string(e.what()).rfind("invalidQuery: Syntax error", 0), 0u);
}

TEST(ApiError, ABareProxyPageSaysWhatCameBack) {
    HttpResponse r;
    r.status = 502;
    r.body = "<html><body>Bad Gateway from proxy</body></html>";
    const auto e = ApiError::fromResponse(r);
    EXPECT_EQ(e.reason(), "");
    EXPECT_NE(e.message().find("HTTP 502 Bad Gateway with a non-JSON body: <html>"), std::string::npos) << e.message();
    r.body.clear();
    EXPECT_NE(ApiError::fromResponse(r).message().find("empty body"), std::string::npos);
}

TEST(ApiError, SqlPositionOnlyFromAWellFormedSuffix) {
    int l = 0, c = 0;
    EXPECT_TRUE(parseSqlPosition("Unrecognized name: x at [4:8]", l, c));
    EXPECT_EQ(l, 4);
    EXPECT_EQ(c, 8);
    EXPECT_FALSE(parseSqlPosition("at [x:1]", l, c));
    EXPECT_FALSE(parseSqlPosition("no position", l, c));
    EXPECT_FALSE(parseSqlPosition("bad at [0:1]", l, c));
}

TEST(TableRef, ParsesEveryForm) {
    auto t = TableRef::parse("d.t", "p");
    EXPECT_EQ(t.display(), "p:d.t");
    EXPECT_EQ(TableRef::parse("q.d.t", "p").display(), "q:d.t");
    EXPECT_EQ(TableRef::parse("q:d.t", "p").display(), "q:d.t");
    EXPECT_EQ(TableRef::parse("`example.com:q.d.t`", "p").projectId, "example.com:q");
    EXPECT_THROW(TableRef::parse("t", "p"), std::invalid_argument);
    EXPECT_THROW(TableRef::parse("d.t", ""), std::invalid_argument);
}

TEST(Endpoint, ResolvesInOrderOfPrecedence) {
    ::setenv("BIGQUERY_EMULATOR_HOST", "localhost:9050", 1);
    EXPECT_EQ(Endpoint::resolve("", "").baseUrl, "http://localhost:9050");
    EXPECT_EQ(Endpoint::resolve("", "https://bigquery.europe-west1.rep.googleapis.com/").baseUrl,
              "https://bigquery.europe-west1.rep.googleapis.com");
    EXPECT_EQ(Endpoint::resolve("http://127.0.0.1:1/bigquery/v2", "x").baseUrl, "http://127.0.0.1:1");
    ::unsetenv("BIGQUERY_EMULATOR_HOST");
    EXPECT_EQ(Endpoint::resolve("", "").baseUrl, "https://bigquery.googleapis.com");
    EXPECT_TRUE(Endpoint{}.isGoogle());
}

TEST(ProjectSchema, KeepsSelectedNestedFieldsInSchemaOrder) {
    const auto s = Schema::fromJson(Json::parse(kTableBody)["schema"]);
    const auto p = projectSchema(s, {"r.s", "a"});
    ASSERT_EQ(p.fields.size(), 2u);
    EXPECT_EQ(p.fields[0].name, "a");
    ASSERT_EQ(p.fields[1].fields.size(), 1u);
    EXPECT_EQ(p.fields[1].fields[0].name, "s");
    EXPECT_THROW(projectSchema(s, {"nope"}), SchemaError);
    EXPECT_THROW(projectSchema(s, {"a.b"}), SchemaError);
}

TEST(BigQueryClient, ListRowsFetchesTheSchemaAndAsksForInt64Timestamps) {
    ScriptedServer s([](const ScriptedServer::Request& r, int) {
        if (r.target.find("/data?") != std::string::npos)
            return ScriptedServer::json(200, R"({"kind":"bigquery#tableDataList","totalRows":"2","pageToken":"tok2",
              "rows":[{"f":[{"v":"1"},{"v":{"f":[{"v":"1640995200000000"},{"v":"x"}]}}]},{"f":[{"v":null},{"v":null}]}]})");
        return ScriptedServer::json(200, kTableBody);
    });
    auto c = client(s, [] { return std::string("tok"); });
    ListRowsOptions o;
    o.maxResults = 2;
    o.startIndex = 10;
    const auto page = c.listRows(TableRef::parse("d.t", "p"), o);
    ASSERT_EQ(page.rows.size(), 2u);
    EXPECT_EQ(page.rows[0][1][0], Value::timestamp(1640995200000000));
    EXPECT_EQ(page.pageToken, "tok2");
    EXPECT_EQ(page.totalRows, 2);
    const auto reqs = s.requests();
    ASSERT_EQ(reqs.size(), 2u);
    EXPECT_EQ(reqs[0].target, "/bigquery/v2/projects/p/datasets/d/tables/t?prettyPrint=false");
    EXPECT_NE(reqs[1].target.find("formatOptions.useInt64Timestamp=true"), std::string::npos);
    EXPECT_NE(reqs[1].target.find("maxResults=2"), std::string::npos);
    EXPECT_NE(reqs[1].target.find("startIndex=10"), std::string::npos);
    EXPECT_EQ(reqs[1].header("Authorization"), "Bearer tok");
}

TEST(BigQueryClient, NotFoundBecomesAnApiErrorWithReason) {
    ScriptedServer s([](const auto&, int) {
        return ScriptedServer::json(404, R"({"error":{"code":404,"message":"Not found: Dataset p:nope",
          "errors":[{"message":"Not found: Dataset p:nope","domain":"global","reason":"notFound"}],"status":"NOT_FOUND"}})");
    });
    auto c = client(s);
    try {
        c.getDataset("p", "nope");
        FAIL();
    } catch (const ApiError& e) {
        EXPECT_EQ(e.httpStatus(), 404);
        EXPECT_EQ(e.reason(), "notFound");
        EXPECT_EQ(e.message(), "Not found: Dataset p:nope");
    }
    EXPECT_EQ(s.requestCount(), 1);
}

TEST(BigQueryClient, InvalidJsonIn200IsAClearError) {
    ScriptedServer s([](const auto&, int) { return ScriptedServer::json(200, "{\"datasets\": [oops"); });
    auto c = client(s);
    try {
        c.listDatasets("p");
        FAIL();
    } catch (const ApiError& e) {
        EXPECT_EQ(e.reason(), "invalidResponse");
        EXPECT_NE(e.message().find("not JSON"), std::string::npos);
    }
}

TEST(BigQueryClient, PaginationHelpersFollowNextPageToken) {
    ScriptedServer s([](const ScriptedServer::Request& r, int) {
        if (r.target.find("pageToken=b") != std::string::npos)
            return ScriptedServer::json(200, R"({"datasets":[{"datasetReference":{"datasetId":"c"}}]})");
        return ScriptedServer::json(200, R"({"datasets":[{"datasetReference":{"datasetId":"a"}},
          {"datasetReference":{"datasetId":"b"}}],"nextPageToken":"b"})");
    });
    auto c = client(s);
    const auto all = c.listAllDatasets("p");
    ASSERT_EQ(all.size(), 3u);
    EXPECT_EQ(all[2]["datasetReference"]["datasetId"], "c");
}

TEST(BigQueryClient, JobLocationIsCarriedIntoLaterCalls) {
    ScriptedServer s([](const ScriptedServer::Request& r, int) {
        if (r.method == "POST")
            return ScriptedServer::json(200, R"({"kind":"bigquery#job","jobReference":{"projectId":"p","jobId":"j1","location":"europe-west3"},
              "status":{"state":"RUNNING"}})");
        return ScriptedServer::json(200, R"({"kind":"bigquery#getQueryResultsResponse","jobComplete":false,
          "jobReference":{"projectId":"p","jobId":"j1","location":"europe-west3"}})");
    });
    auto c = client(s);
    Json job = {{"jobReference", {{"jobId", "j1"}}}, {"configuration", {{"query", {{"query", "SELECT 1"}}}}}};
    c.insertJob("p", job);
    const auto sent = Json::parse(s.requests()[0].body);
    EXPECT_EQ(sent["configuration"]["query"]["useLegacySql"], false);
    QueryResultsOptions o;
    o.maxResults = 0;
    o.timeoutMs = 10000;
    const auto page = c.getQueryResults(JobRef{"p", "j1", ""}, o);
    EXPECT_FALSE(page.jobComplete);
    const auto target = s.requests()[1].target;
    EXPECT_NE(target.find("location=europe-west3"), std::string::npos) << target;
    EXPECT_NE(target.find("maxResults=0"), std::string::npos) << target;
    EXPECT_NE(target.find("timeoutMs=10000"), std::string::npos) << target;
}

TEST(BigQueryClient, RetriedInsertThatGets409FetchesTheJob) {
    ScriptedServer s([](const ScriptedServer::Request& r, int i) {
        if (i == 0) return ScriptedServer::reset(); // the first attempt "went through"
        if (r.method == "POST")
            return ScriptedServer::json(409, R"({"error":{"code":409,"message":"Already Exists: Job p:US.j2",
              "errors":[{"reason":"duplicate","message":"Already Exists: Job p:US.j2"}],"status":"ALREADY_EXISTS"}})");
        return ScriptedServer::json(200, R"({"kind":"bigquery#job","jobReference":{"projectId":"p","jobId":"j2","location":"US"},
          "status":{"state":"DONE"}})");
    });
    auto c = client(s);
    Json job = {{"jobReference", {{"jobId", "j2"}}}, {"configuration", {{"query", {{"query", "SELECT 1"}}}}}};
    const auto r = c.insertJob("p", job);
    EXPECT_EQ(r["status"]["state"], "DONE");
    const auto reqs = s.requests();
    ASSERT_EQ(reqs.size(), 3u);
    EXPECT_EQ(reqs[2].method, "GET");
    EXPECT_NE(reqs[2].target.find("/jobs/j2"), std::string::npos);
}

TEST(BigQueryClient, QuerySendsExplicitDialectAndDecodesFirstPage) {
    ScriptedServer s([](const auto&, int) {
        return ScriptedServer::json(200, R"({"kind":"bigquery#queryResponse","jobComplete":true,
          "jobReference":{"projectId":"p","jobId":"q1","location":"US"},"totalRows":"1",
          "schema":{"fields":[{"name":"x","type":"TIMESTAMP"}]},"rows":[{"f":[{"v":"1640995200000000"}]}],
          "cacheHit":false,"totalBytesProcessed":"0"})");
    });
    auto c = client(s);
    const auto page = c.query("p", Json{{"query", "SELECT CURRENT_TIMESTAMP() AS x"}, {"requestId", "r-1"}});
    ASSERT_EQ(page.rows.size(), 1u);
    EXPECT_EQ(page.rows[0][0], Value::timestamp(1640995200000000));
    EXPECT_EQ(page.meta["cacheHit"], false);
    const auto sent = Json::parse(s.requests()[0].body);
    EXPECT_EQ(sent["useLegacySql"], false);
    EXPECT_EQ(sent["formatOptions"]["useInt64Timestamp"], true);
    EXPECT_EQ(c.knownLocation("q1"), "US");
}

TEST(BigQueryClient, InsertAllReportsRowErrors) {
    ScriptedServer s([](const auto&, int) {
        return ScriptedServer::json(200, R"({"kind":"bigquery#tableDataInsertAllResponse","insertErrors":[
          {"index":1,"errors":[{"reason":"invalid","message":"no such field: zz.","location":"zz"}]},
          {"index":0,"errors":[{"reason":"stopped","message":""}]}]})");
    });
    auto c = client(s);
    const auto r = c.insertAll(TableRef::parse("d.t", "p"), R"({"rows":[{"json":{}},{"json":{"zz":1}}]})");
    ASSERT_EQ(r.rowErrors.size(), 2u);
    EXPECT_EQ(r.rowErrors[0].index, 1);
    EXPECT_EQ(r.rowErrors[0].errors[0].reason, "invalid");
    EXPECT_EQ(r.rowErrors[0].errors[0].location, "zz");
    EXPECT_EQ(r.rowErrors[1].errors[0].reason, "stopped");
}

TEST(BigQueryClient, ARefusedTokenIsReplacedOnceAndTheQuotaProjectIsSent) {
    ScriptedServer s([](const ScriptedServer::Request& r, int) {
        if (r.header("Authorization") != "Bearer token-2")
            return ScriptedServer::json(401, R"({"error":{"code":401,"message":"Request had invalid authentication credentials.",
              "errors":[{"message":"Invalid Credentials","domain":"global","reason":"authError"}],"status":"UNAUTHENTICATED"}})");
        return ScriptedServer::json(200, R"({"datasets":[]})");
    });
    class Numbered final : public auth::TokenSource {
    public:
        std::string method() const override { return "numbered"; }

    protected:
        auth::AccessToken fetch(const CancelToken*) override {
            return {"token-" + std::to_string(++n_), std::chrono::system_clock::now() + 1h};
        }

    private:
        int n_ = 0;
    };
    BigQueryClient::Options o;
    o.endpoint = Endpoint::fromUrl(s.url());
    o.tokens = std::make_shared<Numbered>();
    o.quotaProject = "billing-proj";
    BigQueryClient c(o);
    EXPECT_NO_THROW(c.listDatasets("p"));
    ASSERT_EQ(s.requestCount(), 2);
    EXPECT_EQ(s.requests()[0].header("Authorization"), "Bearer token-1");
    EXPECT_EQ(s.requests()[1].header("X-Goog-User-Project"), "billing-proj");
    // A second refusal is not retried again: it is the caller's error, with its detail.
    o.tokens = std::make_shared<Numbered>();
    ScriptedServer never([](const ScriptedServer::Request&, int) {
        return ScriptedServer::json(401, R"({"error":{"code":401,"message":"Request had invalid authentication credentials.",
          "errors":[{"message":"Invalid Credentials","reason":"authError"}]}})");
    });
    o.endpoint = Endpoint::fromUrl(never.url());
    BigQueryClient c2(o);
    try {
        c2.listDatasets("p");
        FAIL();
    } catch (const ApiError& e) {
        EXPECT_EQ(e.httpStatus(), 401);
        EXPECT_EQ(e.message(), "Request had invalid authentication credentials. (Invalid Credentials)");
    }
    EXPECT_EQ(never.requestCount(), 2);
}

// After a lost answer, a retried datasets.insert or tables.insert would meet its own resource
// as a 409; they are retried only when the request cannot have reached the server. A job gets
// a client-chosen id, so its insert is safe to retry.
TEST(BigQueryClient, CreatesAreNotRetriedAfterALostAnswerAndJobsGetTheirOwnId) {
    ScriptedServer s([](const ScriptedServer::Request&, int i) {
        if (i <= 1) return ScriptedServer::reset(); // the dataset's and the table's answers are lost
        return ScriptedServer::json(200, R"({"kind":"bigquery#job"})");
    });
    auto c = client(s);
    EXPECT_THROW(c.insertDataset("p", {{"datasetReference", {{"datasetId", "d"}}}}), TransportError);
    EXPECT_EQ(s.requests().size(), 1u);
    EXPECT_THROW(c.insertTable("p", "d", {{"tableReference", {{"tableId", "t"}}}}), TransportError);
    EXPECT_EQ(s.requests().size(), 2u);
    c.insertJob("p", {{"configuration", {{"query", {{"query", "SELECT 1"}}}}}});
    const auto sent = Json::parse(s.requests().back().body);
    EXPECT_EQ(sent["jobReference"].value("jobId", "").rfind("quarry_", 0), 0u) << sent.dump();
}

TEST(BigQueryClient, ASandboxIsBelievedOnlyForAStorageApiOnThisMachine) {
    std::string said;
    ScriptedServer s([&said](const ScriptedServer::Request&, int) {
        auto a = ScriptedServer::json(200, R"({"kind":"bigquery#datasetList"})");
        a.headers.emplace_back("X-Quarry-Storage-Api", said);
        return a;
    });
    auto c = client(s, [] { return std::string(); });
    auto ask = [&](std::string header) {
        said = std::move(header);
        return c.storageApi("p");
    };
    EXPECT_EQ(ask("127.0.0.1:4000").display(), "127.0.0.1:4000");
    EXPECT_EQ(ask("tls:localhost:4000").display(), "localhost:4000 (TLS)");
    EXPECT_EQ(ask("[::1]:4000").address, "[::1]:4000");
    for (const char* elsewhere : {"evil.example:443", "tls:10.0.0.1:443", "127.0.0.1", "127.0.0.1:99999", "127.0.0.1:x", ""})
        EXPECT_TRUE(ask(elsewhere).empty()) << elsewhere;
}
