// SPDX-License-Identifier: MIT
// Runs the real quarry-cli binary against a loopback server: output formats, exit codes
// (0 ok, 1 API error, 2 usage) and error text.
#include "RunCommand.h"
#include "ScriptedServer.h"
#include "platform/System.h"

#include <array>
#include <cstdio>
#include <gtest/gtest.h>
#include <regex>
#include <nlohmann/json.hpp>

using quarry::test::ScriptedServer;

namespace {

using Run = quarry::test::CommandResult;

Run cli(const std::string& args) { return quarry::test::runCommand(std::string(QUARRY_CLI) + " " + args); }

const char* kTable = R"({"kind":"bigquery#table","type":"TABLE","numRows":"2","location":"US",
  "schema":{"fields":[{"name":"name","type":"STRING","mode":"REQUIRED"},
  {"name":"kids","type":"RECORD","mode":"REPEATED","fields":[{"name":"n","type":"STRING"},{"name":"age","type":"INTEGER"}]},
  {"name":"seen","type":"TIMESTAMP"}]}})";
const char* kRows = R"({"kind":"bigquery#tableDataList","totalRows":"2","rows":[
  {"f":[{"v":"Ann, \"A\""},{"v":[{"v":{"f":[{"v":"Bo"},{"v":"7"}]}}]},{"v":"1640995200000000"}]},
  {"f":[{"v":"Cy"},{"v":[]},{"v":null}]}]})";

ScriptedServer::Action route(const ScriptedServer::Request& r, int) {
    if (r.target.find("/tables/t/data") != std::string::npos) return ScriptedServer::json(200, kRows);
    if (r.target.find("/tables/t?") != std::string::npos) return ScriptedServer::json(200, kTable);
    if (r.target.find("/datasets/d/tables?") != std::string::npos)
        return ScriptedServer::json(200, R"({"tables":[{"tableReference":{"tableId":"t"},"type":"TABLE","creationTime":"1"}]})");
    if (r.target.find("/datasets?") != std::string::npos)
        return ScriptedServer::json(200, R"({"datasets":[{"datasetReference":{"datasetId":"d"},"location":"EU"}]})");
    return ScriptedServer::json(404, R"({"error":{"code":404,"message":"Not found: Table p:d.zz","errors":[{"reason":"notFound","message":"Not found: Table p:d.zz"}],"status":"NOT_FOUND"}})");
}

} // namespace

TEST(Cli, LsListsDatasetsAndTables) {
    ScriptedServer s(route);
    auto r = cli("--endpoint " + s.url() + " --project p ls");
    EXPECT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("| d         | EU       |"), std::string::npos) << r.out;
    r = cli("--endpoint " + s.url() + " --project p --format csv ls d");
    EXPECT_EQ(r.code, 0);
    // creationTime "1" (ms): ISO 8601 with the local offset in CSV, as every time the CLI writes.
    EXPECT_TRUE(std::regex_match(r.out, std::regex("tableId,type,created\r\nt,TABLE,19[67][0-9]-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.001[+-][0-9]{2}:[0-9]{2}\r\n")))
        << r.out;
}

TEST(Cli, ShowPrintsTheSchemaAsATree) {
    ScriptedServer s(route);
    const auto r = cli("--endpoint " + s.url() + " --project p show d.t");
    EXPECT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("Table p:d.t"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("\nname   STRING     REQUIRED\n"
                         "kids   RECORD     REPEATED\n"
                         "  n    STRING     NULLABLE\n"
                         "  age  INTEGER    NULLABLE\n"
                         "seen   TIMESTAMP  NULLABLE\n"),
              std::string::npos) << r.out;
}

TEST(Cli, HeadInEveryFormat) {
    ScriptedServer s(route);
    const std::string base = "--endpoint " + s.url() + " --project p ";
    auto r = cli(base + "--format ndjson head d.t -n 2");
    ASSERT_EQ(r.code, 0) << r.out;
    const auto nl = r.out.find('\n');
    const auto first = nlohmann::json::parse(r.out.substr(0, nl));
    EXPECT_EQ(first["name"], "Ann, \"A\"");
    EXPECT_EQ(first["kids"][0]["age"], "7");
    EXPECT_EQ(first["seen"], "2022-01-01 00:00:00 UTC");
    r = cli(base + "--format json head d.t");
    EXPECT_EQ(nlohmann::json::parse(r.out).size(), 2u);
    r = cli(base + "--format csv head d.t");
    EXPECT_EQ(r.out, "name,kids,seen\r\n\"Ann, \"\"A\"\"\",\"[{\"\"n\"\":\"\"Bo\"\",\"\"age\"\":\"\"7\"\"}]\","
                     "2022-01-01 00:00:00 UTC\r\nCy,[],null\r\n");
    r = cli(base + "head d.t");
    EXPECT_NE(r.out.find("| Cy "), std::string::npos) << r.out;
    const auto target = s.requests().back().target;
    EXPECT_NE(target.find("maxResults=10"), std::string::npos) << target;
}

TEST(Cli, ApiErrorsExitOneWithReasonAndMessage) {
    ScriptedServer s(route);
    const auto r = cli("--endpoint " + s.url() + " --project p show d.zz");
    EXPECT_EQ(r.code, 1);
    EXPECT_EQ(r.out, "quarry-cli: notFound: Not found: Table p:d.zz\n");
}

TEST(Cli, UsageErrorsExitTwo) {
    EXPECT_EQ(cli("").code, 2);
    EXPECT_EQ(cli("--format xml ls").code, 2);
    EXPECT_EQ(cli("head").code, 2);
    const auto r = cli("--endpoint http://127.0.0.1:9 --project p head table_without_dataset");
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.out.find("write DATASET.TABLE"), std::string::npos) << r.out;
    EXPECT_EQ(cli("--version").code, 0);
}

TEST(Cli, NetworkFailureExitsOneWithoutNoise) {
    int port;
    {
        ScriptedServer s(route);
        port = s.port();
    }
    const auto r = cli("--max-retries 0 --endpoint http://127.0.0.1:" + std::to_string(port) + " --project p ls");
    EXPECT_EQ(r.code, 1);
    EXPECT_EQ(r.out.rfind("quarry-cli: network: ", 0), 0u) << r.out;
    EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
}

// A Google service-account key (token_uri Google's) pointed at another endpoint: nothing is
// sent there (a self-signed JWT for Google could be replayed at Google) unless the user says so.
TEST(Cli, GoogleCredentialsAreNotSentToAnotherEndpoint) {
    ScriptedServer s(route);
    const std::string dir = "/tmp/quarry-cli-trust-" + std::to_string(quarry::platform::processId());
    auto r = cli("key generate --out " + dir + " --email robot@p.iam.gserviceaccount.com");
    ASSERT_EQ(r.code, 0) << r.out;
    r = cli("key make-file --private-key " + dir + "/private_key.pem --email robot@p.iam.gserviceaccount.com --key-id k1 --out " +
            dir + "/sa.json");
    ASSERT_EQ(r.code, 0) << r.out;
    r = cli("--endpoint " + s.url() + " --project p --key " + dir + "/sa.json ls");
    EXPECT_EQ(r.code, 1) << r.out;
    EXPECT_NE(r.out.find("are Google credentials, and " + s.url() + " is not Google's API, and plain HTTP besides"),
              std::string::npos)
        << r.out;
    EXPECT_EQ(s.requestCount(), 0);
    r = cli("--endpoint " + s.url() + " --project p --key " + dir + "/sa.json --allow-credentials-to-endpoint ls");
    EXPECT_EQ(r.code, 0) << r.out;
    ASSERT_EQ(s.requestCount(), 1);
    // The JWT it signed is for that endpoint, not for Google.
    const auto bearer = s.requests().back().header("Authorization");
    ASSERT_EQ(bearer.rfind("Bearer ", 0), 0u) << bearer;
    auto payload = bearer.substr(bearer.find('.') + 1, bearer.rfind('.') - bearer.find('.') - 1);
    while (payload.size() % 4) payload += '=';
    r = quarry::test::runCommand("echo '" + payload + "' | tr '_-' '/+' | base64 -d 2>/dev/null");
    EXPECT_NE(r.out.find("\"aud\":\"" + s.url() + "/\""), std::string::npos) << r.out;
    quarry::test::runCommand("rm -rf " + dir);
}
