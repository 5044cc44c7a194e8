// SPDX-License-Identifier: MIT
// Load jobs end to end against a real quarry-sandbox: the resumable and multipart upload
// protocol byte by byte (resent chunks, gaps, a sandbox killed mid-session), atomic loads
// with BigQuery's errors, and quarry-cli load killed mid-upload and run again (every row
// exactly once), through lost answers too, plus the bq-style verbs.
#include "RunCommand.h"
#include "SandboxProcess.h"
#include "Spawn.h"
#include "UploadFixture.h"
#include "net/HttpClient.h"

#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <regex>

using namespace quarry;
using namespace quarry::test;

namespace {

std::string readAll(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

void writeText(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

Json loadJob(const std::string& table, Json extra = Json::object()) {
    Json load = {{"destinationTable", {{"projectId", "p"}, {"datasetId", "d"}, {"tableId", table}}},
                 {"sourceFormat", "NEWLINE_DELIMITED_JSON"}};
    for (const auto& [k, v] : extra.items()) load[k] = v;
    return {{"configuration", {{"load", load}}}};
}

HttpResponse put(HttpClient& http, const std::string& uri, const std::string& data, const std::string& range) {
    HttpRequest r;
    r.method = "PUT";
    r.url = uri;
    r.body = data;
    r.headers = {{"Content-Type", "application/octet-stream"}, {"Content-Range", range}};
    return http.send(r);
}

std::string startSession(HttpClient& http, const SandboxProcess& s, const Json& job) {
    HttpRequest r;
    r.method = "POST";
    r.url = s.url() + "/upload/bigquery/v2/projects/p/jobs?uploadType=resumable";
    r.body = job.dump();
    r.headers = {{"Content-Type", "application/json"}};
    const auto resp = http.send(r);
    EXPECT_EQ(resp.status, 200) << resp.body;
    return resp.header("Location");
}

Json waitDone(BigQueryClient& c, const Json& job) {
    const JobRef ref{"p", job["jobReference"]["jobId"].get<std::string>(), ""};
    Json j = job;
    for (int i = 0; i < 600 && j["status"]["state"] != "DONE"; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        j = c.getJob(ref);
    }
    return j;
}

std::string cli(const SandboxProcess& s, const std::string& args, const std::string& state) {
    return runCommand("XDG_STATE_HOME=" + state + " " + QUARRY_CLI + " --endpoint " + s.url() + " --project p " + args + " </dev/null").out;
}

} // namespace

// The protocol as the bq CLI and Google's clients use it: each chunk acknowledged with 308 and
// Range; a chunk sent again is taken once; a chunk past a gap is refused; the session outlives
// a sandbox killed with SIGKILL; the job is made once, and asking again returns it.
TEST(LoadJobs, ResumableSessionSurvivesResendsGapsAndASandboxKill) {
    ScratchDir dir;
    const std::string data = dir.path + "/data";
    const UploadFile f = writePersons(dir.path + "/p.ndjson", 3000);
    const std::string bytes = readAll(f.path);
    const std::string total = std::to_string(bytes.size());
    HttpClient http;
    std::string uri;
    {
        SandboxProcess s({}, data);
        BigQueryClient c(clientOptions(s));
        makeDataset(c);
        createPersonsTable(c, "t");
        uri = startSession(http, s, loadJob("t"));
        ASSERT_NE(uri.find("upload_id="), std::string::npos) << uri;
        auto r = put(http, uri, bytes.substr(0, 1000), "bytes 0-999/*");
        EXPECT_EQ(r.status, 308);
        EXPECT_EQ(r.header("Range"), "bytes=0-999");
        // Sent again with more: the first 1000 bytes are not written twice.
        r = put(http, uri, bytes.substr(500, 1500), "bytes 500-1999/*");
        EXPECT_EQ(r.status, 308);
        EXPECT_EQ(r.header("Range"), "bytes=0-1999");
        // A gap is refused, and nothing changes.
        r = put(http, uri, bytes.substr(3000, 100), "bytes 3000-3099/*");
        EXPECT_EQ(r.status, 400) << r.body;
        EXPECT_NE(r.body.find("bytes */TOTAL"), std::string::npos) << r.body;
        s.killHard();
    }
    SandboxProcess s({}, data);
    BigQueryClient c(clientOptions(s));
    // The same session on the restarted sandbox (its port changed: the id is what counts).
    const std::string again = s.url() + uri.substr(uri.find("/upload/"));
    auto r = put(http, again, "", "bytes */" + total);
    EXPECT_EQ(r.status, 308) << r.body;
    EXPECT_EQ(r.header("Range"), "bytes=0-1999");
    r = put(http, again, bytes.substr(2000), "bytes 2000-" + std::to_string(bytes.size() - 1) + "/" + total);
    ASSERT_EQ(r.status, 200) << r.body;
    const Json job = Json::parse(r.body);
    EXPECT_EQ(job["configuration"]["jobType"], "LOAD");
    const Json done = waitDone(c, job);
    ASSERT_FALSE(done["status"].contains("errorResult")) << done.dump();
    EXPECT_EQ(done["statistics"]["load"]["outputRows"], "3000");
    EXPECT_EQ(done["statistics"]["load"]["inputFileBytes"], total);
    // Asking again after the answer was lost: the same job, no second load.
    r = put(http, again, "", "bytes */" + total);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(Json::parse(r.body)["jobReference"]["jobId"], job["jobReference"]["jobId"]);
    expectTableMatches(c, "t", f.sums);
}

// One request with the job and the data (how Google's Node client uploads), CRLF framed.
TEST(LoadJobs, MultipartUploadLoadsAndMalformedBodiesAreRefused) {
    UploadEnv env;
    const UploadFile f = writePersons(env.dir.path + "/p.ndjson", 500);
    createPersonsTable(env.client, "m");
    HttpClient http;
    HttpRequest r;
    r.method = "POST";
    r.url = env.sandbox.url() + "/upload/bigquery/v2/projects/p/jobs?uploadType=multipart";
    r.headers = {{"Content-Type", "multipart/related; boundary=b0undary"}};
    r.body = "--b0undary\r\nContent-Type: application/json\r\n\r\n" + loadJob("m").dump() +
             "\r\n--b0undary\r\nContent-Type: application/octet-stream\r\n\r\n" + readAll(f.path) + "\r\n--b0undary--\r\n";
    const auto resp = http.send(r);
    ASSERT_EQ(resp.status, 200) << resp.body;
    const Json done = waitDone(env.client, Json::parse(resp.body));
    ASSERT_FALSE(done["status"].contains("errorResult")) << done.dump();
    expectTableMatches(env.client, "m", f.sums);

    r.body = "--b0undary\r\nContent-Type: application/json\r\n\r\n" + loadJob("m").dump() + "\r\n--b0undary\r\n\r\nno end";
    const auto bad = http.send(r);
    EXPECT_EQ(bad.status, 400);
    EXPECT_NE(bad.body.find("closing boundary"), std::string::npos) << bad.body;
    EXPECT_EQ(countRows(env.client, "m"), 500);
}

// A load is all or nothing: one bad row fails it (naming its line) and adds none; under
// maxBadRecords the rest load and the bad ones are listed; the write dispositions hold.
TEST(LoadJobs, LoadsAreAtomicWithBigQuerysErrorsAndDispositions) {
    UploadEnv env;
    auto& c = env.client;
    const UploadFile f = writePersons(env.dir.path + "/p.ndjson", 10);
    createPersonsTable(c, "a");
    const std::string cliState = env.dir.path + "/state";
    EXPECT_NE(cli(env.sandbox, "load " + f.path + " d.a", cliState).find("rows loaded     10"), std::string::npos);
    // Line 4 does not fit the schema.
    std::string lines = readAll(f.path);
    std::size_t at = 0;
    for (int i = 0; i < 3; ++i) at = lines.find('\n', at) + 1;
    lines.insert(at, "{\"id\": \"not a number\"}\n");
    writeText(env.dir.path + "/bad.ndjson", lines);
    auto out = cli(env.sandbox, "load " + env.dir.path + "/bad.ndjson d.a", cliState);
    EXPECT_NE(out.find("too many errors"), std::string::npos) << out;
    EXPECT_NE(out.find("line_number: 4"), std::string::npos) << out;
    EXPECT_EQ(countRows(c, "a"), 10);
    out = cli(env.sandbox, "load --max-bad-records 1 " + env.dir.path + "/bad.ndjson d.a", cliState);
    EXPECT_NE(out.find("rows loaded     10"), std::string::npos) << out;
    EXPECT_NE(out.find("line_number: 4"), std::string::npos) << out;
    EXPECT_EQ(countRows(c, "a"), 20);
    out = cli(env.sandbox, "load --if-empty --again " + f.path + " d.a", cliState);
    EXPECT_NE(out.find("Already Exists: Table p:d.a"), std::string::npos) << out;
    out = cli(env.sandbox, "load --replace --again " + f.path + " d.a", cliState);
    EXPECT_NE(out.find("rows loaded     10"), std::string::npos) << out;
    expectTableMatches(c, "a", f.sums);
    // A table that does not exist needs a schema; CREATE_NEVER refuses.
    out = cli(env.sandbox, "load " + f.path + " d.nosuch --again", cliState);
    EXPECT_NE(out.find("No schema specified"), std::string::npos) << out;
    out = cli(env.sandbox, "load --create-never --autodetect " + f.path + " d.nosuch --again", cliState);
    EXPECT_NE(out.find("Not found: Table p:d.nosuch"), std::string::npos) << out;
    EXPECT_FALSE(tableExists(c, "nosuch"));
}

// A load into a partition decorator (bq load --replace 'd.t$20240101'): WRITE_TRUNCATE
// replaces that partition only, every row must be the partition's, WRITE_EMPTY refuses one
// that has rows, and a table partitioned by ingestion time takes the rows into it.
TEST(LoadJobs, ALoadIntoAPartitionDecoratorWritesThatPartitionOnly) {
    UploadEnv env;
    auto& c = env.client;
    const std::string state = env.dir.path + "/state";
    c.insertTable("p", "d", {{"tableReference", {{"tableId", "byday"}}},
                             {"schema", {{"fields", {{{"name", "day"}, {"type", "DATE"}}, {{"name", "n"}, {"type", "INTEGER"}}}}}},
                             {"timePartitioning", {{"type", "DAY"}, {"field", "day"}}}});
    c.insertAll(TableRef{"p", "d", "byday"},
                R"({"rows":[{"json":{"day":"2024-01-01","n":1}},{"json":{"day":"2024-01-01","n":2}},{"json":{"day":"2024-01-02","n":3}}]})");
    const auto days = [&](const std::string& table, const std::string& column) {
        const auto r = c.query("p", {{"query", "SELECT STRING_AGG(CONCAT(CAST(" + column + " AS STRING), ':', CAST(n AS STRING)), ' ' "
                                                "ORDER BY n) FROM d." + table},
                                     {"useLegacySql", false}});
        return std::string(r.rows.at(0).items()[0].asText());
    };
    writeText(env.dir.path + "/jan1.ndjson", R"({"day":"2024-01-01","n":10}
{"day":"2024-01-01","n":11}
)");
    auto out = cli(env.sandbox, "load --replace " + env.dir.path + "/jan1.ndjson 'd.byday$20240101'", state);
    EXPECT_NE(out.find("rows loaded     2"), std::string::npos) << out;
    EXPECT_EQ(days("byday", "day"), "2024-01-02:3 2024-01-01:10 2024-01-01:11");
    // A row of another day, into 2024-01-02: nothing is written.
    out = cli(env.sandbox, "load --again " + env.dir.path + "/jan1.ndjson 'd.byday$20240102'", state);
    EXPECT_NE(out.find("Some rows belong to different partitions rather than destination partition 20240102"), std::string::npos) << out;
    out = cli(env.sandbox, "load --if-empty --again " + env.dir.path + "/jan1.ndjson 'd.byday$20240101'", state);
    EXPECT_NE(out.find("Already Exists: Table p:d.byday$20240101"), std::string::npos) << out;
    EXPECT_EQ(days("byday", "day"), "2024-01-02:3 2024-01-01:10 2024-01-01:11");

    // Ingestion time: the rows go into the partition named, however long ago.
    c.insertTable("p", "d", {{"tableReference", {{"tableId", "ing"}}},
                             {"schema", {{"fields", {{{"name", "n"}, {"type", "INTEGER"}}}}}},
                             {"timePartitioning", {{"type", "DAY"}}}});
    writeText(env.dir.path + "/n.ndjson", R"({"n":1}
{"n":2}
)");
    out = cli(env.sandbox, "load " + env.dir.path + "/n.ndjson 'd.ing$20200105'", state);
    EXPECT_NE(out.find("rows loaded     2"), std::string::npos) << out;
    EXPECT_EQ(days("ing", "_PARTITIONDATE"), "2020-01-05:1 2020-01-05:2");
}

// The uploader killed twice mid-upload and run again: it goes on from the bytes the sandbox
// has, and the table holds every row of the file exactly once.
TEST(LoadJobs, CliKilledTwiceMidUploadResumesAndLoadsEveryRowOnce) {
    UploadEnv env({"--faults", "jobs.upload:delay=150ms:1"});
    auto& c = env.client;
    createPersonsTable(c, "resumed");
    const UploadFile f = writePersons(env.dir.path + "/p.ndjson", 60000); // ~14 MB: 14 chunks, 150 ms each
    const std::string state = env.dir.path + "/state", log = env.dir.path + "/cli.log";
    const std::vector<std::string> args = {QUARRY_CLI, "--endpoint", env.sandbox.url(), "--project", "p", "load", f.path, "d.resumed",
                                           "--chunk-mb", "1", "--no-progress"};
    for (int kill = 0; kill < 2; ++kill) {
        auto load = spawnCli(args, state, log);
        ASSERT_TRUE(load.started());
        bool running = false;
        waitFor(load, std::chrono::milliseconds(600), &running);
        ASSERT_TRUE(running) << "the upload finished before it could be killed: " << readAll(log);
    }
    auto load = spawnCli(args, state, log);
    EXPECT_EQ(waitFor(load, std::chrono::minutes(3)), 0) << readAll(log);
    const std::string out = readAll(log);
    EXPECT_NE(out.find("continuing the upload from byte"), std::string::npos) << out;
    expectTableMatches(c, "resumed", f.sums);
    // The same file again is refused (it would duplicate every row) unless --again.
    EXPECT_NE(cli(env.sandbox, "load " + f.path + " d.resumed", state).find("--again"), std::string::npos);
    EXPECT_EQ(countRows(c, "resumed"), 60000);
}

// Answers lost on the way back (the sandbox does the work, then drops the connection): the
// client asks where the upload stands and goes on; nothing is written twice.
TEST(LoadJobs, LostAnswersDuringTheUploadLoseAndDuplicateNothing) {
    UploadEnv env({"--faults", "jobs.upload:reset:0.3", "--seed", "7"});
    createPersonsTable(env.client, "r");
    const UploadFile f = writePersons(env.dir.path + "/p.ndjson", 8000);
    const auto out = cli(env.sandbox, "load --chunk-mb 1 --max-retries 20 " + f.path + " d.r", env.dir.path + "/state");
    EXPECT_NE(out.find("rows loaded     8000"), std::string::npos) << out;
    expectTableMatches(env.client, "r", f.sums);
}

// A JSON array is sent as NDJSON; a bad element is reported at its line in the file.
TEST(LoadJobs, JsonArrayFilesLoadAndBadElementsNameTheirFileLine) {
    UploadEnv env;
    createPersonsTable(env.client, "arr");
    const UploadFile f = writePersons(env.dir.path + "/p.ndjson", 50);
    const UploadFile a = arrayCopy(f, env.dir.path + "/p.json");
    const std::string state = env.dir.path + "/state";
    EXPECT_NE(cli(env.sandbox, "load " + a.path + " d.arr", state).find("rows loaded     50"), std::string::npos);
    expectTableMatches(env.client, "arr", f.sums);
    writeText(env.dir.path + "/bad.json", "[\n  {\"id\": 1},\n  {\n    \"id\": \"x\"\n  }\n]\n");
    const auto out = cli(env.sandbox, "load " + env.dir.path + "/bad.json d.arr", state);
    EXPECT_NE(out.find("line_number: 3 (element 2 of the array)"), std::string::npos) << out;
    EXPECT_EQ(countRows(env.client, "arr"), 50);
}

// mk, cp, update and rm as bq has them.
TEST(LoadJobs, CliVerbsMakeCopyUpdateAndRemove) {
    UploadEnv env;
    const auto& s = env.sandbox;
    const std::string st = env.dir.path + "/state";
    EXPECT_NE(cli(s, "mk d2 --description two", st).find("Dataset 'p:d2' successfully created"), std::string::npos);
    EXPECT_NE(cli(s, "mk d2.t name:STRING,n:INTEGER --time-partitioning-type DAY", st).find("successfully created"), std::string::npos);
    writeText(env.dir.path + "/t.csv", "name,n\nAda,1\nBob,2\n");
    EXPECT_NE(cli(s, "load --skip-leading-rows 1 " + env.dir.path + "/t.csv d2.t", st).find("rows loaded     2"), std::string::npos);
    EXPECT_NE(cli(s, "mk --view 'SELECT name FROM d2.t WHERE n > 1' d2.v", st).find("View 'p:d2.v'"), std::string::npos);
    EXPECT_NE(cli(s, "query 'SELECT name FROM d2.v'", st).find("Bob"), std::string::npos);
    // show tells a view's query and a routine's signature; ls writes times people read.
    EXPECT_NE(cli(s, "show d2.v", st).find("SELECT name FROM d2.t WHERE n > 1"), std::string::npos);
    cli(s, "query 'CREATE FUNCTION d2.plus(x INT64) AS (x + 1)'", st);
    const auto routine = cli(s, "show --routine d2.plus", st);
    EXPECT_NE(routine.find("arguments: (x INT64)"), std::string::npos) << routine;
    EXPECT_NE(routine.find("x + 1"), std::string::npos) << routine;
    const auto listed = cli(s, "ls d2", st);
    EXPECT_TRUE(std::regex_search(listed, std::regex(R"(\| t +\| TABLE \| \d{4}-\d\d-\d\d \d\d:\d\d)"))) << listed;
    EXPECT_NE(cli(s, "cp d2.t d2.c", st).find("(2 rows"), std::string::npos);
    EXPECT_NE(cli(s, "cp d2.t d2.c", st).find("Already Exists"), std::string::npos);
    EXPECT_NE(cli(s, "cp -a d2.t,d2.t d2.c", st).find("(4 rows"), std::string::npos);
    EXPECT_NE(cli(s, "update d2.c name:STRING,n:INTEGER,note:STRING --description copied --set-label team:data", st)
                  .find("successfully updated"), std::string::npos);
    const Json t = env.client.getTable(TableRef::parse("d2.c", "p"));
    EXPECT_EQ(t["numRows"], "6");
    EXPECT_EQ(t["description"], "copied");
    EXPECT_EQ(t["labels"]["team"], "data");
    EXPECT_EQ(t["schema"]["fields"].size(), 3u);
    auto out = runCommand(std::string("XDG_STATE_HOME=") + st + " " + QUARRY_CLI + " --endpoint " + s.url() + " --project p rm d2.c </dev/null");
    EXPECT_EQ(out.code, 2);
    EXPECT_NE(out.out.find("nothing was removed"), std::string::npos) << out.out;
    EXPECT_NO_THROW(env.client.getTable(TableRef::parse("d2.c", "p")));
    cli(s, "rm -f d2.c", st);
    EXPECT_NE(cli(s, "show d2.c", st).find("Not found"), std::string::npos);
    EXPECT_NE(cli(s, "rm -f d2", st).find("still in use"), std::string::npos);
    cli(s, "rm -r -f d2", st);
    EXPECT_NE(cli(s, "ls d2", st).find("Not found: Dataset"), std::string::npos);
}

// upload --create makes a table, and its dataset only when asked, saying how otherwise.
TEST(LoadJobs, UploadCreatesAMissingDatasetOnlyWhenAsked) {
    UploadEnv env;
    const UploadFile f = writePersons(env.dir.path + "/p.ndjson", 5);
    const std::string st = env.dir.path + "/state";
    auto out = cli(env.sandbox, "upload --create --autodetect " + f.path + " fresh.people", st);
    EXPECT_NE(out.find("Add --create-dataset"), std::string::npos) << out;
    out = cli(env.sandbox, "upload --create --create-dataset --autodetect " + f.path + " fresh.people", st);
    EXPECT_NE(out.find("made the dataset p:fresh"), std::string::npos) << out;
    EXPECT_EQ(env.client.getTable(TableRef::parse("fresh.people", "p"))["numRows"], "5");
}

// Hostile CSV through a whole load: a byte order mark, a ragged row, invalid UTF-8, a quote
// left open across lines and a 101 MB line each come back as a bad row naming its line; the
// good rows load when maxBadRecords allows, and none do when it does not.
TEST(LoadJobs, HostileCsvRowsAreReportedWithTheirLines) {
    UploadEnv env;
    const std::string file = env.dir.path + "/hostile.csv";
    {
        std::ofstream out(file, std::ios::binary);
        out << "\xEF\xBB\xBFname,n\n"     // 1: BOM, header
            << "Ada,1\n"                     // 2
            << "Bob\n"                        // 3: too few columns
            << "Cy,3\n"                       // 4
            << "Jos\xE9,5\n"                 // 5: Latin-1, not UTF-8
            << "\"open,6\n"                   // 6: a quote never closed on its line
            << std::string(101u << 20, 'x') << ",7\n" // 7: over BigQuery's 100 MB row
            << "Dee,8\n";                     // 8
    }
    const std::string st = env.dir.path + "/state";
    auto out = cli(env.sandbox, "load --skip_leading_rows 1 " + file + " d.h name:STRING,n:INTEGER", st);
    EXPECT_NE(out.find("too many errors"), std::string::npos) << out.substr(0, 2000);
    EXPECT_FALSE(tableExists(env.client, "h"));
    out = cli(env.sandbox, "load --skip_leading_rows 1 --max_bad_records 10 " + file + " d.h name:STRING,n:INTEGER", st);
    EXPECT_NE(out.find("rows loaded     3"), std::string::npos) << out.substr(0, 2000);
    EXPECT_NE(out.find("bad rows        4"), std::string::npos) << out.substr(0, 2000);
    for (const char* line : {"line_number: 3", "line_number: 5", "line_number: 6", "line_number: 7"})
        EXPECT_NE(out.find(line), std::string::npos) << line << " in " << out.substr(0, 2000);
    EXPECT_NE(out.find("not valid UTF-8"), std::string::npos);
    EXPECT_NE(out.find("allowQuotedNewlines"), std::string::npos);
    EXPECT_NE(out.find("100 MB"), std::string::npos);
    const Sums names = queryRow(env.client, "SELECT COUNT(*) AS n, COUNTIF(name = 'Ada') AS ada FROM d.h");
    EXPECT_EQ(names.at("n"), 3);
    EXPECT_EQ(names.at("ada"), 1); // the header (after its byte order mark) skipped, Ada once
}

// The guard against loading a file twice is per server: the same file into the same table
// name of another sandbox (another data folder) is another load, and is made.
TEST(LoadJobs, TheSameFileIntoAnotherSandboxsTableOfTheSameNameIsLoaded) {
    UploadEnv first;
    UploadEnv second;
    const UploadFile f = writePersons(first.dir.path + "/p.ndjson", 50);
    const std::string state = first.dir.path + "/state";
    for (auto* env : {&first, &second}) createPersonsTable(env->client, "t");
    EXPECT_NE(cli(first.sandbox, "load " + f.path + " d.t --no-progress", state).find("rows loaded"), std::string::npos);
    EXPECT_NE(cli(first.sandbox, "load " + f.path + " d.t --no-progress", state).find("--again"), std::string::npos);
    const std::string out = cli(second.sandbox, "load " + f.path + " d.t --no-progress", state);
    EXPECT_NE(out.find("rows loaded"), std::string::npos) << out;
    EXPECT_EQ(countRows(first.client, "t"), 50);
    EXPECT_EQ(countRows(second.client, "t"), 50);
}
