// SPDX-License-Identifier: MIT
#include "query/History.h"
#include "platform/File.h"
#include "platform/Folders.h"
#include "value/JsonParse.h"

#include <cstdlib>
#include <fstream>
#include <stdexcept>

namespace quarry {

nlohmann::json HistoryEntry::toJson() const {
    nlohmann::json j = {{"sql", sql}, {"project", project}, {"jobId", jobId}, {"location", location},
                        {"state", state}, {"startMs", startMs}, {"endMs", endMs},
                        {"bytesProcessed", std::to_string(bytesProcessed)}, {"bytesBilled", std::to_string(bytesBilled)}, {"slotMs", std::to_string(slotMs)},
                        {"cacheHit", cacheHit}, {"dryRun", dryRun}};
    if (!runId.empty() && runId != jobId) j["runId"] = runId;
    if (!queryId.empty()) j["queryId"] = queryId;
    if (!errorReason.empty())
        j["error"] = {{"reason", errorReason}, {"message", errorMessage}, {"line", errorLine}, {"column", errorColumn}};
    return j;
}

std::optional<HistoryEntry> HistoryEntry::fromJson(const nlohmann::json& j) {
    if (!j.is_object() || !j.contains("sql") || !j["sql"].is_string()) return std::nullopt;
    HistoryEntry e;
    auto s = [&](const char* k) { return j.contains(k) && j[k].is_string() ? j[k].get<std::string>() : std::string(); };
    e.sql = s("sql");
    e.project = s("project");
    e.jobId = s("jobId");
    e.runId = s("runId").empty() ? e.jobId : s("runId");
    e.queryId = s("queryId");
    e.location = s("location");
    e.state = s("state");
    e.startMs = j.value("startMs", std::int64_t{0});
    e.endMs = j.value("endMs", std::int64_t{0});
    try {
        e.bytesProcessed = std::stoull(s("bytesProcessed").empty() ? "0" : s("bytesProcessed"));
        e.bytesBilled = std::stoull(s("bytesBilled").empty() ? "0" : s("bytesBilled"));
        e.slotMs = std::stoull(s("slotMs").empty() ? "0" : s("slotMs"));
    } catch (...) {
        return std::nullopt;
    }
    e.cacheHit = j.value("cacheHit", false);
    e.dryRun = j.value("dryRun", false);
    if (j.contains("error") && j["error"].is_object()) {
        const auto& x = j["error"];
        e.errorReason = x.value("reason", std::string());
        e.errorMessage = x.value("message", std::string());
        e.errorLine = x.value("line", 0);
        e.errorColumn = x.value("column", 0);
    }
    return e;
}

void History::append(const HistoryEntry& e) const {
    std::filesystem::create_directories(file_.parent_path());
    const std::string line = e.toJson().dump() + "\n";
    auto f = platform::File::open(file_, platform::File::Mode::Append);
    if (!f.isOpen()) throw std::runtime_error("cannot open the query history " + file_.string());
    const bool ok = f.writeAll(line) && f.syncData() && f.close();
    if (!ok) throw std::runtime_error("cannot write the query history " + file_.string());
}

std::vector<HistoryEntry> History::load() const {
    std::vector<HistoryEntry> out;
    std::ifstream in(file_);
    for (std::string line; std::getline(in, line);) {
        const auto j = parseJsonOrDiscard(line);
        if (auto e = HistoryEntry::fromJson(j)) out.push_back(std::move(*e));
    }
    return out;
}

std::filesystem::path History::defaultPath() { return platform::dataFolder() / "history.ndjson"; }

} // namespace quarry
