// SPDX-License-Identifier: MIT
#include "sandbox/Sessions.h"

#include <random>

namespace quarry::sandbox {

std::shared_ptr<Session> Sessions::create(const std::string& project) {
    static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    std::random_device rd;
    auto s = std::make_shared<Session>();
    s->project = project;
    for (int i = 0; i < 40; ++i) s->id.push_back(alphabet[rd() % (sizeof alphabet - 1)]);
    s->state = std::make_shared<ScriptState>();
    s->state->session = true;
    std::lock_guard g(mutex_);
    sessions_[s->id] = s;
    return s;
}

std::shared_ptr<Session> Sessions::find(const std::string& project, const std::string& id) const {
    std::lock_guard g(mutex_);
    const auto it = sessions_.find(id);
    if (it == sessions_.end() || it->second->project != project)
        throw ApiFailure("invalid", "Session " + id + " was not found or has ended. Start a new one with createSession.",
                         "connectionProperties");
    return it->second;
}

void Sessions::end(const std::string& id) {
    std::lock_guard g(mutex_);
    sessions_.erase(id);
}

} // namespace quarry::sandbox
