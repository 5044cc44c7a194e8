// SPDX-License-Identifier: MIT
#include "Background.h"

#include <QCoreApplication>
#include <QDebug>

namespace quarry {

namespace {
Background* theInstance = nullptr;
constexpr int kGraceMs = 5000; ///< for the application's own tasks at shutdown
} // namespace

Background& Background::instance() {
    if (!theInstance) theInstance = new Background(QCoreApplication::instance());
    return *theInstance;
}

Background::Background(QObject* parent) : QObject(parent) {
    // Network waits, not computation: more threads than cores, few enough to stay cheap.
    pool_.setMaxThreadCount(16);
    pool_.setExpiryTimeout(30000);
}

Background::~Background() {
    shutdown();
    if (theInstance == this) theInstance = nullptr;
}

Background::Token Background::begin(QObject* context, Token token, std::uint64_t& id) {
    if (!token) token = std::make_shared<CancelToken>();
    std::lock_guard g(mutex_);
    if (stopping_) return nullptr;
    QMetaObject::Connection watch;
    if (context) watch = connect(context, &QObject::destroyed, this, [token] { token->cancel(); }, Qt::DirectConnection);
    id = ++lastId_;
    tasks_.emplace(id, Task{token, watch, context != nullptr});
    return token;
}

void Background::end(std::uint64_t id) {
    QMetaObject::Connection watch;
    {
        std::lock_guard g(mutex_);
        const auto it = tasks_.find(id);
        if (it == tasks_.end()) return;
        watch = it->second.watch;
        tasks_.erase(it);
    }
    disconnect(watch);
}

void Background::enqueue(std::function<void()> job) { pool_.start(std::move(job)); }

bool Background::stopping() const {
    std::lock_guard g(mutex_);
    return stopping_;
}

int Background::pending() const {
    std::lock_guard g(mutex_);
    return static_cast<int>(tasks_.size());
}

void Background::shutdown() {
    auto cancel = [this](bool all) {
        std::lock_guard g(mutex_);
        stopping_ = true;
        for (auto& [_, task] : tasks_)
            if (task.owned || all) task.token->cancel();
    };
    cancel(false);
    if (pool_.waitForDone(kGraceMs)) return;
    cancel(true);
    pool_.waitForDone();
}

void Background::failed(const char* what) {
    // Work reports its own errors; one that escapes is a bug, and a GUI test fails on it.
    qWarning("a background task failed: %s", what);
}

} // namespace quarry
