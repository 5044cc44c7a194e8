// SPDX-License-Identifier: MIT
#include "JobCommands.h"

#include "query/JobRule.h"
#include "query/QueryRunner.h"

#include <chrono>
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

JobRef refOf(const Json& j) {
    const auto& r = j.value("jobReference", Json::object());
    return {str(r, "projectId"), str(r, "jobId"), str(r, "location")};
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
        const auto ref = refOf(j);
        const auto& status = j.value("status", Json::object());
        const auto& stats = j.value("statistics", Json::object());
        const auto& q = j.value("configuration", Json::object()).value("query", Json::object());
        const std::string type = JobRule::jobType(j), priority = JobRule::priority(j);
        const std::string elapsed = str(stats, "startTime").empty() ? std::string() : JobRule::durationText(JobRule::elapsedMs(j, now));
        const std::string processed = str(stats, "totalBytesProcessed");
        grid.rows.push_back({ref.jobId, ref.location, str(j, "user_email"), type, priority, str(status, "state"),
                             timeText(str(stats, "creationTime"), f), elapsed,
                             processed.empty() ? std::string() : (f == Format::Table ? humanBytes(std::stoull(processed)) : processed),
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
        const JobRef ref = refOf(j);
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
                    const auto r = runner.cancel(refOf(j), &interrupt);
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

} // namespace quarry::cli
