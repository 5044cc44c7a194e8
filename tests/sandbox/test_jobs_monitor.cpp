// SPDX-License-Identifier: MIT
// The project jobs monitor: jobs made by several users (X-Quarry-User), jobs.list with
// allUsers, projection and creation times, INFORMATION_SCHEMA.JOBS_BY_USER, and
// `quarry-cli jobs watch` cancelling exactly the jobs its rule matches.
#include "RunCommand.h"
#include "SandboxProcess.h"
#include "bigquery/BigQueryClient.h"
#include "net/HttpClient.h"
#include "platform/System.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <gtest/gtest.h>
#include <chrono>
#include <thread>

using namespace quarry;
using quarry::test::SandboxProcess;

namespace {

struct Caller {
    explicit Caller(const SandboxProcess& sandbox) : s(sandbox) {}
    const SandboxProcess& s;
    HttpClient http;

    HttpResponse send(const std::string& method, const std::string& path, const std::string& user, const Json& body = nullptr) {
        HttpRequest r;
        r.method = method;
        r.url = s.url() + "/bigquery/v2/projects/p" + path;
        if (!user.empty()) r.headers.push_back({"X-Quarry-User", user});
        if (!body.is_null()) {
            r.headers.push_back({"Content-Type", "application/json"});
            r.body = body.dump();
        }
        return http.send(r);
    }
    Json json(const std::string& method, const std::string& path, const std::string& user, const Json& body = nullptr) {
        const auto resp = send(method, path, user, body);
        EXPECT_EQ(resp.status, 200) << method << " " << path << ": " << resp.body;
        return Json::parse(resp.body);
    }
    /// A query job of `user` with a label (which --faults rules select) and a priority.
    std::string start(const std::string& user, const std::string& label, const std::string& priority, const std::string& sql = "SELECT 1") {
        const Json job = {{"configuration",
                           {{"labels", {{"w", label}}}, {"query", {{"query", sql}, {"useLegacySql", false}, {"priority", priority}}}}}};
        return json("POST", "/jobs", user, job)["jobReference"]["jobId"].get<std::string>();
    }
    Json get(const std::string& id) { return json("GET", "/jobs/" + id, "admin@x.com"); }
};

std::set<std::string> ids(const Json& list) {
    std::set<std::string> out;
    for (const auto& j : list.value("jobs", Json::array())) out.insert(j["jobReference"]["jobId"].get<std::string>());
    return out;
}

/// Waits (bounded) until every job runs and its timeline shows at least `units` done.
void waitForProgress(Caller& c, const std::vector<std::string>& jobs, int units) {
    for (const auto& id : jobs) {
        bool ready = false;
        for (int i = 0; i < 600 && !ready; ++i) {
            const Json j = c.get(id);
            const Json tl = j["statistics"].value("query", Json::object()).value("timeline", Json::array());
            ready = !tl.empty() && std::stoi(tl.back().value("completedUnits", std::string("0"))) >= units;
            if (!ready) std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        ASSERT_TRUE(ready) << "job " << id << " never showed progress";
    }
}

quarry::test::CommandResult cli(const SandboxProcess& s, const std::string& args) {
    static const std::string home = std::filesystem::temp_directory_path() / ("quarry-watch-home-" + std::to_string(quarry::platform::processId()));
    return quarry::test::runCommand("XDG_DATA_HOME=" + home + " " + QUARRY_CLI + " --endpoint " + s.url() + " --project p " + args);
}

} // namespace

TEST(JobsMonitor, JobsCarryTheirUserAndListAllUsersOnlyWhenAsked) {
    SandboxProcess s({"--user", "me@x.com"});
    Caller c(s);
    const auto mine = c.json("POST", "/queries", "", {{"query", "SELECT 1"}, {"useLegacySql", false}});
    const auto annsQuery = c.json("POST", "/queries", "ann@x.com", {{"query", "SELECT 2"}, {"useLegacySql", false}});
    const std::string mineId = mine["jobReference"]["jobId"], annId = annsQuery["jobReference"]["jobId"];
    EXPECT_EQ(c.get(mineId)["user_email"], "me@x.com"); // --user: the default
    EXPECT_EQ(c.get(annId)["user_email"], "ann@x.com");
    EXPECT_EQ(c.get(annId)["principal_subject"], "user:ann@x.com");
    EXPECT_EQ(c.json("GET", "/jobs/" + annId, "svc@p.iam.gserviceaccount.com")["user_email"], "ann@x.com");

    // jobs.list: the caller's own jobs, every user's with allUsers.
    EXPECT_EQ(ids(c.json("GET", "/jobs", "")), std::set<std::string>{mineId});
    EXPECT_EQ(ids(c.json("GET", "/jobs", "ann@x.com")), std::set<std::string>{annId});
    EXPECT_EQ(ids(c.json("GET", "/jobs?allUsers=true", "bob@x.com")), (std::set<std::string>{mineId, annId}));
    EXPECT_TRUE(ids(c.json("GET", "/jobs", "bob@x.com")).empty());

    // MINIMAL leaves the configuration out but for its type; FULL keeps the query.
    const Json minimal = c.json("GET", "/jobs", "ann@x.com")["jobs"][0];
    EXPECT_EQ(minimal["configuration"], Json({{"jobType", "QUERY"}}));
    const Json full = c.json("GET", "/jobs?projection=full", "ann@x.com")["jobs"][0];
    EXPECT_EQ(full["configuration"]["query"]["query"], "SELECT 2");
    EXPECT_EQ(full["user_email"], "ann@x.com");
    EXPECT_EQ(c.send("GET", "/jobs?projection=most", "").status, 400);

    // Creation time bounds (ms, inclusive).
    const std::string created = c.get(annId)["statistics"]["creationTime"];
    EXPECT_EQ(ids(c.json("GET", "/jobs?allUsers=true&minCreationTime=" + std::to_string(std::stoll(created) + 1), "")).count(annId), 0u);
    EXPECT_EQ(ids(c.json("GET", "/jobs?allUsers=true&maxCreationTime=" + created, "")).count(annId), 1u);

    // JOBS_BY_USER holds the caller's jobs; JOBS_BY_PROJECT everyone's.
    auto users = [&](const std::string& view, const std::string& who) {
        const Json r = c.json("POST", "/queries", who,
                              {{"query", "SELECT DISTINCT user_email FROM `region-us`.INFORMATION_SCHEMA." + view + " ORDER BY 1"},
                               {"useLegacySql", false}});
        std::vector<std::string> out;
        for (const auto& row : r.value("rows", Json::array())) out.push_back(row["f"][0]["v"].get<std::string>());
        return out;
    };
    EXPECT_EQ(users("JOBS_BY_USER", "ann@x.com"), std::vector<std::string>{"ann@x.com"});
    EXPECT_EQ(users("JOBS_BY_PROJECT", "ann@x.com"), (std::vector<std::string>{"ann@x.com", "me@x.com"}));

    // A caller naming itself must name an address; a priority must be BigQuery's.
    EXPECT_EQ(c.send("GET", "/jobs", "not an email").status, 400);
    const auto bad = c.send("POST", "/jobs", "", {{"configuration", {{"query", {{"query", "SELECT 1"}, {"priority", "URGENT"}}}}}});
    EXPECT_EQ(bad.status, 400);
    EXPECT_NE(bad.body.find("Invalid value for priority"), std::string::npos) << bad.body;
}

TEST(JobsMonitor, WatchCancelsExactlyTheMatchingJobsOfThreeUsers) {
    // Slowed jobs report their progress in units of 100 ms of their delay: a 600 s one has
    // minutes left, a 200 s one under five minutes however soon the watcher looks.
    SandboxProcess s({"--workers", "8", "--faults", "job@w=slow:delay=600s:1,job@w=medium:delay=200s:1"});
    Caller c(s);
    std::map<std::string, std::string> expect; // job -> "cancel" or "keep"
    expect[c.start("ann@x.com", "slow", "INTERACTIVE")] = "cancel";
    expect[c.start("ann@x.com", "slow", "BATCH")] = "keep";         // not interactive
    expect[c.start("bob@x.com", "slow", "INTERACTIVE")] = "cancel";
    expect[c.start("bob@x.com", "medium", "INTERACTIVE")] = "keep"; // under 5 minutes left
    expect[c.start("cy@x.com", "slow", "INTERACTIVE")] = "cancel";
    expect[c.start("cy@x.com", "slow", "BATCH")] = "keep";
    std::vector<std::string> all;
    for (const auto& [id, _] : expect) all.push_back(id);
    waitForProgress(c, all, 5);

    const std::string rule = "--cancel-if 'type=QUERY priority=INTERACTIVE elapsed>=500ms remaining>=5m'";
    const auto log = std::filesystem::temp_directory_path() / ("quarry-watch-" + std::to_string(quarry::platform::processId()) + ".ndjson");
    std::filesystem::remove(log);

    // A dry run names the three and cancels none.
    auto r = cli(s, "jobs watch --once --dry-run " + rule);
    ASSERT_EQ(r.code, 0) << r.out;
    for (const auto& [id, what] : expect) {
        EXPECT_EQ(r.out.find("would-cancel p:US." + id) != std::string::npos, what == "cancel") << id << "\n" << r.out;
        EXPECT_EQ(c.get(id)["status"]["state"], "RUNNING") << id;
    }

    r = cli(s, "jobs watch --once " + rule + " --log " + log.string());
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("3 matched"), std::string::npos) << r.out;
    for (const auto& [id, what] : expect) {
        const Json j = c.get(id);
        if (what == "cancel") {
            EXPECT_EQ(j["status"]["state"], "DONE") << id;
            EXPECT_EQ(j["status"].value("errorResult", Json::object()).value("reason", ""), "stopped") << id;
        } else {
            EXPECT_EQ(j["status"]["state"], "RUNNING") << id;
        }
    }
    // One audit line per decision, with the job's user and why.
    std::ifstream in(log);
    std::map<std::string, Json> lines;
    for (std::string line; std::getline(in, line);) {
        const Json j = Json::parse(line);
        lines[j["job"].get<std::string>().substr(5)] = j; // after "p:US."
    }
    ASSERT_EQ(lines.size(), expect.size());
    for (const auto& [id, what] : expect) {
        const Json& l = lines[id];
        EXPECT_EQ(l["decision"], what) << l.dump();
        EXPECT_EQ(l["result"], what == "cancel" ? "stopped" : "kept") << l.dump();
        EXPECT_EQ(l["user"], c.get(id)["user_email"]) << l.dump();
        EXPECT_NE(l["why"].get<std::string>().find("remaining="), std::string::npos) << l.dump();
    }
    // Every user's jobs are seen: the listing of all users shows the three kept as running.
    r = cli(s, "--format json jobs --all-users --running");
    const Json listed = Json::parse(r.out);
    EXPECT_EQ(listed.size(), 3u) << r.out;
    std::filesystem::remove(log);
}

TEST(JobsMonitor, AWatchRuleThatCannotBeReadSaysWhere) {
    SandboxProcess s;
    auto r = cli(s, "jobs watch --once --cancel-if 'type=QUERY elapsd>=60m'");
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.out.find("[col 12]: unknown key 'elapsd'"), std::string::npos) << r.out;
    r = cli(s, "jobs watch --once --cancel-if 'elapsed>=60x'");
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.out.find("[col 10]: '60x' is not a duration"), std::string::npos) << r.out;
    r = cli(s, "jobs watch --once --every soon --cancel-if 'elapsed>=60m'");
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.out.find("--every 'soon' is not a duration"), std::string::npos) << r.out;
}

TEST(JobsMonitor, CostSumsEachUsersBilledBytesWithoutCountingScriptsTwice) {
    SandboxProcess s;
    Caller c(s);
    const Json ddl = c.json("POST", "/queries", "",
                            {{"query", "CREATE SCHEMA d; CREATE TABLE d.t AS SELECT x, REPEAT('a', 100) AS s FROM UNNEST(GENERATE_ARRAY(1, 200000)) AS x"},
                             {"useLegacySql", false}, {"timeoutMs", 60000}});
    ASSERT_TRUE(ddl.value("jobComplete", false)) << ddl.dump();
    auto run = [&](const std::string& user, const std::string& sql) {
        const Json r = c.json("POST", "/queries", user, {{"query", sql}, {"useLegacySql", false}, {"useQueryCache", false}, {"timeoutMs", 60000}});
        ASSERT_TRUE(r.value("jobComplete", false)) << r.dump();
    };
    run("ann@x.com", "SELECT COUNT(*) FROM d.t WHERE s LIKE '%b%'");
    run("ann@x.com", "DECLARE n INT64 DEFAULT 1; SELECT SUM(x) FROM d.t; SELECT MAX(s) FROM d.t"); // a script and its two statements
    run("bob@x.com", "SELECT MAX(x) FROM d.t");

    // What the report must say, from the jobs themselves: each user's finished query jobs
    // but scripts, and the bytes billed jobs.get gives each.
    std::map<std::string, std::pair<std::int64_t, std::int64_t>> want; // user -> jobs, bytes
    auto count = [&](const Json& j) {
        const Json q = j["statistics"].value("query", Json::object());
        if (q.value("statementType", std::string()) == "SCRIPT") return;
        auto& w = want[j["user_email"].get<std::string>()];
        ++w.first;
        w.second += std::stoll(q.value("totalBytesBilled", std::string("0")));
    };
    const Json top = c.json("GET", "/jobs?allUsers=true&projection=full", "");
    for (const auto& j : top["jobs"]) {
        count(j);
        if (j["statistics"].value("numChildJobs", std::string()).empty()) continue;
        const Json children = c.json("GET", "/jobs?allUsers=true&projection=full&parentJobId=" + j["jobReference"]["jobId"].get<std::string>(), "");
        for (const auto& child : children["jobs"]) count(child);
    }
    ASSERT_EQ(want["ann@x.com"].first, 3); // the LIKE query and the script's two SELECTs
    ASSERT_GT(want["ann@x.com"].second, 0);

    const auto r = cli(s, "--format json cost --by user --price-per-tib 5");
    ASSERT_EQ(r.code, 0) << r.out;
    const Json report = Json::parse(r.out.substr(0, r.out.rfind(']') + 1));
    std::map<std::string, Json> byUser;
    for (const auto& row : report) byUser[row["user"].get<std::string>()] = row;
    for (const char* user : {"ann@x.com", "bob@x.com"}) {
        SCOPED_TRACE(user);
        ASSERT_TRUE(byUser.count(user)) << r.out;
        EXPECT_EQ(std::stoll(byUser[user]["jobs"].get<std::string>()), want[user].first);
        EXPECT_EQ(std::stoll(byUser[user]["bytes_billed"].get<std::string>()), want[user].second);
        EXPECT_NEAR(std::stod(byUser[user]["cost_usd"].get<std::string>()), static_cast<double>(want[user].second) / (1LL << 40) * 5, 1e-4);
    }
    // Most expensive first.
    EXPECT_EQ(report[0]["user"], "ann@x.com") << r.out;
    // By day: one day, every job of the window's users.
    const auto days = cli(s, "--format json cost");
    ASSERT_EQ(days.code, 0) << days.out;
    EXPECT_EQ(Json::parse(days.out.substr(0, days.out.rfind(']') + 1)).size(), 1u) << days.out;
}

TEST(JobsMonitor, ShortQueryModeAnswersSmallQueriesWithoutAJobAndSaysWhyOtherwise) {
    SandboxProcess s({"--faults", "job@w=slow:delay=3s:1"});
    Caller c(s);
    auto ask = [&](Json body) {
        body["useLegacySql"] = false;
        body["jobCreationMode"] = "JOB_CREATION_OPTIONAL";
        return c.json("POST", "/queries", "ann@x.com", body);
    };
    // Answered whole: a queryId, no jobReference, the job's statistics in the answer.
    Json r = ask({{"query", "SELECT x FROM UNNEST([1, 2, 3]) AS x"}, {"requestId", "r1"}});
    ASSERT_TRUE(r.contains("queryId")) << r.dump();
    EXPECT_FALSE(r.contains("jobReference")) << r.dump();
    EXPECT_FALSE(r.contains("jobCreationReason")) << r.dump();
    EXPECT_EQ(r["rows"].size(), 3u);
    EXPECT_FALSE(r.contains("pageToken"));
    for (const char* k : {"totalBytesBilled", "totalSlotMs", "creationTime", "startTime", "endTime", "location"}) EXPECT_TRUE(r.contains(k)) << k;
    const std::string queryId = r["queryId"];
    EXPECT_EQ(c.send("GET", "/jobs/" + queryId, "ann@x.com").status, 404); // no job to get
    EXPECT_TRUE(ids(c.json("GET", "/jobs?allUsers=true", "")).empty());
    // The same request again (a retry) is the same answer.
    EXPECT_EQ(ask({{"query", "SELECT x FROM UNNEST([1, 2, 3]) AS x"}, {"requestId", "r1"}})["queryId"], queryId);

    // More rows than the answer holds: a job, for the next pages.
    r = ask({{"query", "SELECT x FROM UNNEST([1, 2, 3]) AS x"}, {"maxResults", 2}});
    EXPECT_EQ(r["jobCreationReason"]["code"], "LARGE_RESULTS") << r.dump();
    EXPECT_EQ(r["pageToken"], "2");
    const std::string large = r["jobReference"]["jobId"];
    EXPECT_EQ(c.get(large)["jobCreationReason"]["code"], "LARGE_RESULTS");
    // Not done within timeoutMs: a job to wait on.
    r = ask({{"query", "SELECT 1"}, {"timeoutMs", 100}, {"labels", {{"w", "slow"}}}});
    EXPECT_FALSE(r["jobComplete"].get<bool>());
    EXPECT_EQ(r["jobCreationReason"]["code"], "LONG_RUNNING") << r.dump();
    // Not a query: always a job.
    r = ask({{"query", "CREATE SCHEMA d"}});
    EXPECT_EQ(r["jobCreationReason"]["code"], "OTHER") << r.dump();
    // Asked for (or by jobs.insert): REQUESTED.
    r = c.json("POST", "/queries", "ann@x.com", {{"query", "SELECT 1"}, {"useLegacySql", false}, {"jobCreationMode", "JOB_CREATION_REQUIRED"}});
    EXPECT_EQ(c.get(r["jobReference"]["jobId"])["jobCreationReason"]["code"], "REQUESTED");
    EXPECT_EQ(c.get(c.start("ann@x.com", "none", "INTERACTIVE"))["jobCreationReason"]["code"], "REQUESTED");
    // A bad query is its error, with no job either way.
    const auto bad = c.send("POST", "/queries", "ann@x.com", {{"query", "SELECT nope"}, {"useLegacySql", false}, {"jobCreationMode", "JOB_CREATION_OPTIONAL"}});
    EXPECT_EQ(bad.status, 400);
    EXPECT_EQ(c.send("POST", "/queries", "", {{"query", "SELECT 1"}, {"jobCreationMode", "MAYBE"}}).status, 400);

    // INFORMATION_SCHEMA.JOBS keeps the query under its queryId, with no creation reason.
    r = c.json("POST", "/queries", "ann@x.com",
               {{"query", "SELECT job_creation_reason.code FROM `region-us`.INFORMATION_SCHEMA.JOBS WHERE job_id = '" + queryId + "'"},
                {"useLegacySql", false}});
    ASSERT_EQ(r["rows"].size(), 1u) << r.dump();
    EXPECT_TRUE(r["rows"][0]["f"][0]["v"].is_null()) << r.dump();
}

TEST(JobsMonitor, TheCliAsksForNoJobUnlessOneIsNeeded) {
    SandboxProcess s;
    auto r = cli(s, "--format csv query 'SELECT x FROM UNNEST([3, 1, 2]) AS x ORDER BY x'");
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("x\r\n1\r\n2\r\n3\r\n"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("(no job): 3 rows"), std::string::npos) << r.out;
    Caller c(s);
    EXPECT_TRUE(ids(c.json("GET", "/jobs?allUsers=true", "")).empty());
    // DDL needs a job, and the CLI says why it was made; required asks for one.
    r = cli(s, "query 'CREATE SCHEMA d'");
    EXPECT_NE(r.out.find("(made: OTHER)"), std::string::npos) << r.out;
    r = cli(s, "query --job-creation required 'SELECT 1'");
    EXPECT_NE(r.out.find("Job p:US.quarry_"), std::string::npos) << r.out; // the client names its jobs
    EXPECT_EQ(r.out.find("(no job)"), std::string::npos) << r.out;
    EXPECT_EQ(ids(c.json("GET", "/jobs?allUsers=true", "")).size(), 2u);
    // A bad query is still pointed at.
    r = cli(s, "query 'SELECT nope'");
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.out.find("Unrecognized name: nope"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("       ^"), std::string::npos) << r.out;
}
