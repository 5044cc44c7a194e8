// SPDX-License-Identifier: MIT
#pragma once

#include "sandbox/Statements.h"

#include <map>
#include <memory>
#include <mutex>

namespace quarry::sandbox {

/// A BigQuery session (jobs with createSession, then connectionProperties session_id): its
/// variables, temporary functions and temporary tables live from one job to the next.
struct Session {
    std::string id, project;
    std::shared_ptr<ScriptState> state;
    std::mutex running; ///< a session runs one job at a time, as BigQuery's do
};

/// The sandbox's sessions, in memory: a restart ends them all (their temporary tables'
/// folders are removed at start).
class Sessions {
public:
    std::shared_ptr<Session> create(const std::string& project);
    /// Throws ApiFailure invalid when there is no such session (never made, or ended).
    std::shared_ptr<Session> find(const std::string& project, const std::string& id) const;
    void end(const std::string& id);

private:
    mutable std::mutex mutex_;
    std::map<std::string, std::shared_ptr<Session>> sessions_;
};

} // namespace quarry::sandbox
