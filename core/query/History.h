// SPDX-License-Identifier: MIT
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace quarry {

/// One query run as the history keeps it.
struct HistoryEntry {
    std::string sql, project, jobId, location, state; ///< state: DONE, FAILED, CANCELLED, RUNNING
    /// The client's own id of the run: its job id, or, in short query mode, one made before
    /// anyone knows whether BigQuery will make a job (the entries of one run share it).
    std::string runId;
    std::string queryId; ///< short query mode: the id of a query answered without a job
    std::int64_t startMs = 0, endMs = 0;
    std::uint64_t bytesProcessed = 0, bytesBilled = 0, slotMs = 0;
    bool cacheHit = false, dryRun = false;
    std::string errorReason, errorMessage;
    int errorLine = 0, errorColumn = 0;

    nlohmann::json toJson() const;
    static std::optional<HistoryEntry> fromJson(const nlohmann::json& j);
};

/// The local run history: an append-only NDJSON file (one entry per line, flushed and synced
/// per append). A line that is torn or not JSON is skipped on load, never fatal.
class History {
public:
    explicit History(std::filesystem::path file) : file_(std::move(file)) {}
    void append(const HistoryEntry& e) const;
    std::vector<HistoryEntry> load() const;
    const std::filesystem::path& path() const { return file_; }
    /// The user's default history file (app-data folder).
    static std::filesystem::path defaultPath();

private:
    std::filesystem::path file_;
};

} // namespace quarry
