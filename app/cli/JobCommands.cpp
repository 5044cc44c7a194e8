// SPDX-License-Identifier: MIT
#include "JobCommands.h"

#include "query/CostReport.h"
#include "query/JobRule.h"
#include "query/QueryRunner.h"

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <thread>

namespace quarry::cli {
namespace {

std::int64_t nowMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

/// Every page of jobs.list (newest first), up to `max` jobs.
std::vector<Json> listAll(BigQueryClient& client, const std::string& project, BigQueryClient::JobListOptions o, std::size_t max,
                          const CancelToken* cancel = nullptr) {
    std::vector<Json> out;
    do {
        o.maxResults = static_cast<int>(std::min<std::size_t>(1000, max - out.size()));
        const auto page = client.listJobs(project, o, cancel);
        for (const auto& j : page.value("jobs", Json::array())) out.push_back(j);
        o.pageToken = str(page, "nextPageToken");
    } while (!o.pageToken.empty() && out.size() < max);
    return out;
}

std::string oneLine(std::string s, std::size_t max) {
    for (auto& c : s)
        if (c == '\n' || c == '\r' || c == '\t') c = ' ';
    if (s.size() > max) s = s.substr(0, max - 3) + "...";
    return s;
}

std::string isoNow() {
    return timeText(std::to_string(nowMs()), Format::Json);
}

} // namespace

int cmdJobs(const Globals& g, Format f, const JobsArgs& a) {
    auto client = makeClient(g);
    const auto project = requireProject(client);
    BigQueryClient::JobListOptions o;
    o.allUsers = a.allUsers;
    if (a.running) o.stateFilter = {"running", "pending"};
    const auto jobs = listAll(client, project, o, static_cast<std::size_t>(a.max));
    Grid grid;
    grid.header = {"jobId", "location", "user", "type", "priority", "state", "created", "elapsed", "processed", "slot_ms", "error", "query"};
    const std::int64_t now = nowMs();
    for (const auto& j : jobs) {
        const auto ref = jobRefOf(j);
        const auto& status = j.value("status", Json::object());
        const auto& stats = j.value("statistics", Json::object());
        const auto& q = j.value("configuration", Json::object()).value("query", Json::object());
        const std::string type = JobRule::jobType(j), priority = JobRule::priority(j);
        const std::string elapsed = str(stats, "startTime").empty() ? std::string() : JobRule::durationText(JobRule::elapsedMs(j, now));
        // A table shows a running query's share of its estimate too ("≈ 1.2 MB of 3 MB").
        const auto bytes = JobRule::bytesProcessed(j);
        const std::string processed = f == Format::Table ? (bytes ? JobRule::bytesText(*bytes) : std::string()) : str(stats, "totalBytesProcessed");
        grid.rows.push_back({ref.jobId, ref.location, str(j, "user_email"), type, priority, str(status, "state"),
                             timeText(str(stats, "creationTime"), f), elapsed,
                             processed,
                             str(stats, "totalSlotMs"),
                             status.contains("errorResult") ? str(status["errorResult"], "reason") : std::string(),
                             f == Format::Table ? oneLine(str(q, "query"), 60) : str(q, "query")});
    }
    printGrid(std::cout, grid, f);
    return 0;
}

int cmdJobsWatch(const Globals& g, const WatchArgs& a) {
    JobRule rule = [&] {
        try {
            return JobRule::parse(a.rule);
        } catch (const JobRule::Error& e) {
            throw UsageError("--cancel-if [col " + std::to_string(e.column) + "]: " + e.what());
        }
    }();
    const auto every = JobRule::parseDuration(a.every);
    if (!every) throw UsageError("--every '" + a.every + "' is not a duration: write a number and ms, s, m or h (60s, 5m)");
    const std::int64_t everyMs = *every;
    if (everyMs < 1000) throw UsageError("--every must be at least 1s");
    std::ofstream log;
    if (!a.log.empty()) {
        log.open(a.log, std::ios::app);
        if (!log) throw UsageError("cannot write the audit log " + a.log);
    }
    auto client = makeClient(g);
    const auto project = requireProject(client);
    QueryRunner runner(client);
    CancelToken interrupt;
    InterruptWatch watch(interrupt);
    const std::optional<double> slots = a.slots > 0 ? std::optional<double>(a.slots) : std::nullopt;
    std::cout << "Watching " << project << "'s running jobs" << (a.dryRun ? " (dry run: nothing is cancelled)" : "")
              << ": cancel if " << rule.text() << std::endl;
    auto audit = [&](const Json& j, const std::string& decision, const std::string& why, const std::string& result) {
        const JobRef ref = jobRefOf(j);
        const Json line = {{"time", isoNow()}, {"job", jobRefText(ref)}, {"user", str(j, "user_email")},
                           {"decision", decision}, {"why", why}, {"result", result}};
        if (decision != "keep") std::cout << line["time"].get<std::string>() << " " << decision << " " << jobRefText(ref) << " (" << str(j, "user_email") << "): " << why << " -> " << result << std::endl;
        if (log.is_open()) log << line.dump() << '\n' << std::flush;
    };
    while (true) {
        BigQueryClient::JobListOptions o;
        o.allUsers = true;
        o.stateFilter = {"running", "pending"};
        std::size_t matched = 0, seen = 0;
        try {
            for (const auto& j : listAll(client, project, o, 100000, &interrupt)) {
                ++seen;
                const auto d = rule.evaluate(j, nowMs(), slots);
                if (!d.matches) {
                    audit(j, "keep", d.why, "kept");
                    continue;
                }
                ++matched;
                if (a.dryRun) {
                    audit(j, "would-cancel", d.why, "not cancelled (dry run)");
                    continue;
                }
                std::string result;
                try {
                    const auto r = runner.cancel(jobRefOf(j), &interrupt);
                    result = r.alreadyDone ? "had already finished" : r.stopped ? "stopped" : "finished before the cancel took effect";
                } catch (const ApiError& e) {
                    result = std::string("cancel failed: ") + e.reason() + ": " + e.what();
                }
                audit(j, "cancel", d.why, result);
            }
        } catch (const ApiError& e) {
            if (InterruptWatch::interrupted()) break;
            std::cerr << "quarry-cli: listing jobs failed: " << e.what() << " (trying again next round)\n";
        }
        if (InterruptWatch::interrupted()) break;
        std::cout << isoNow() << " round: " << seen << " running or pending, " << matched << " matched" << std::endl;
        if (a.once) return 0;
        for (std::int64_t waited = 0; waited < everyMs && !InterruptWatch::interrupted(); waited += 100)
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        if (InterruptWatch::interrupted()) break;
    }
    std::cout << "Stopped watching." << std::endl;
    return 130;
}

int cmdCost(const Globals& g, Format f, const CostArgs& a) {
    CostReport::Options o;
    o.days = a.days;
    o.by = a.by == "user" ? CostReport::By::User : a.by == "query" ? CostReport::By::Query : CostReport::By::Day;
    o.location = a.location;
    o.pricePerTiB = a.pricePerTiB;
    o.mine = a.mine;
    o.top = a.top;
    auto client = makeClient(g);
    const auto project = requireProject(client);
    QueryRunner runner(client, a.pricePerTiB);
    CancelToken interrupt;
    InterruptWatch watch(interrupt);
    const CostReport report = CostReport::run(runner, client, project, o, &interrupt);
    auto money = [](double usd) {
        char buf[32];
        std::snprintf(buf, sizeof buf, usd < 1 ? "%.4f" : "%.2f", usd);
        return std::string(buf);
    };
    const bool table = f == Format::Table;
    Grid grid;
    grid.header = {a.by};
    if (o.by == CostReport::By::Query) grid.header.push_back("user");
    for (const char* h : {"jobs", "bytes_billed", "cost_usd"}) grid.header.push_back(h);
    auto add = [&](const std::string& key, const std::string& user, std::int64_t jobs, std::uint64_t bytes, double usd) {
        std::vector<std::string> row = {table ? oneLine(key, 80) : key}; // a query's text on one line in a table
        if (o.by == CostReport::By::Query) row.push_back(user);
        row.push_back(std::to_string(jobs));
        row.push_back(table ? humanBytes(bytes) : std::to_string(bytes));
        row.push_back(money(usd));
        grid.rows.push_back(std::move(row));
    };
    for (const auto& r : report.rows) add(r.key, r.user, r.jobs, r.bytesBilled, r.costUsd);
    if (table) add("total", "", report.jobs, report.bytesBilled, report.costUsd);
    printGrid(std::cout, grid, f);
    if (table)
        std::fprintf(stderr, "Query jobs of the last %d days in %s, %s, at $%.2f per TiB billed.\n", a.days, a.location.c_str(),
                     a.mine ? "yours only" : "every user's", a.pricePerTiB);
    return 0;
}

} // namespace quarry::cli
