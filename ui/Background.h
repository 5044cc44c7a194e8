// SPDX-License-Identifier: MIT
#pragma once

#include "net/CancelToken.h"

#include <QObject>
#include <QPointer>
#include <QThreadPool>
#include <cstdint>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <type_traits>
#include <utility>

namespace quarry {

/// Background work with an owner, in the spirit of KeePassXC's AsyncTask. Every task belongs
/// to a context object: its CancelToken is cancelled when the context is destroyed, its
/// result reaches `done` on the GUI thread only while the context lives, and shutdown()
/// cancels whatever still runs and waits for it, so no worker outlives what it reports to.
/// Work passes the token to every blocking core call (HTTP, polls, backoff), which then stops
/// within a moment. Tasks run on a pool of their own sized for waiting on the network, not on
/// QtConcurrent's global pool (one thread per core: two long polls would starve the schema tree).
class Background : public QObject {
    Q_OBJECT
public:
    /// The application's instance: made on first use as a child of the application object.
    /// main() shuts it down after the window is gone; destroying it shuts it down too.
    static Background& instance();

    /// Runs `work(const CancelToken&)` on a worker thread. Its result (if any) is handed to
    /// `done` on the GUI thread afterwards, unless `context` is gone or the task was cancelled.
    template <class Work, class Done>
    static void run(QObject* context, Work work, Done done) {
        start(context, nullptr, std::move(work), std::move(done));
    }
    /// Runs `work(const CancelToken&)`: owned and joined, reporting (if at all) on its own.
    template <class Work>
    static void run(QObject* context, Work work) {
        start(context, nullptr, std::move(work), nullptr);
    }

    /// As run(), cancelled through `token`, a token the caller also holds and cancels itself.
    template <class Work>
    static void runWith(QObject* context, std::shared_ptr<CancelToken> token, Work work) {
        start(context, std::move(token), std::move(work), nullptr);
    }

    /// Cancels the tasks that have a context and waits for every task; the application's own
    /// (cleanups: a job cancelled on the server, a session ended, the history written) get a
    /// few seconds to finish before they are cancelled too. Afterwards nothing starts.
    void shutdown();
    /// Tasks started and not yet finished (their `done` may still be queued).
    int pending() const;

    ~Background() override;

private:
    explicit Background(QObject* parent);
    using Token = std::shared_ptr<CancelToken>;
    template <class Work, class Done>
    static void start(QObject* context, Token token, Work work, Done done);
    /// Registers a task of `context` (with `token`, or a new one) as `id`; null once shutting down.
    Token begin(QObject* context, Token token, std::uint64_t& id);
    void end(std::uint64_t id);
    void enqueue(std::function<void()> job);
    bool stopping() const;
    static void failed(const char* what);

    mutable std::mutex mutex_;
    struct Task {
        Token token;
        QMetaObject::Connection watch; ///< the context's end cancels the token
        bool owned = false;            ///< has a context; else the application owns it
    };
    std::map<std::uint64_t, Task> tasks_;
    std::uint64_t lastId_ = 0;
    bool stopping_ = false;
    QThreadPool pool_;
};

/// A refresh that runs in the background once at a time (GUI thread only): begin() says
/// whether to start one now, or marks that another is wanted once the running one ends;
/// end() (when it has) says whether to start that one.
class RefreshGate {
public:
    bool begin() {
        if (running_) {
            again_ = true;
            return false;
        }
        running_ = true;
        return true;
    }
    bool end() {
        running_ = false;
        return std::exchange(again_, false);
    }

private:
    bool running_ = false, again_ = false;
};

template <class Work, class Done>
void Background::start(QObject* context, Token given, Work work, Done done) {
    Background& b = instance();
    std::uint64_t id = 0;
    Token token = b.begin(context, std::move(given), id);
    if (!token) return;
    QPointer<QObject> ctx(context);
    const bool owned = context != nullptr; // without a context, the application owns the task
    b.enqueue([&b, id, token, ctx, owned, work = std::move(work), done = std::move(done)]() mutable {
        using R = std::invoke_result_t<Work&, const CancelToken&>;
        if constexpr (std::is_void_v<R>) {
            bool ok = true;
            try {
                work(static_cast<const CancelToken&>(*token));
            } catch (const std::exception& e) {
                ok = false;
                failed(e.what());
            }
            if constexpr (!std::is_same_v<Done, std::nullptr_t>)
                if (ok)
                    QMetaObject::invokeMethod(
                        &b,
                        [&b, token, ctx, owned, done = std::move(done)]() mutable {
                            if ((ctx || !owned) && !token->isCancelled() && !b.stopping()) done();
                        },
                        Qt::QueuedConnection);
        } else if constexpr (std::is_same_v<Done, std::nullptr_t>) {
            try {
                (void)work(static_cast<const CancelToken&>(*token));
            } catch (const std::exception& e) {
                failed(e.what());
            }
        } else {
            auto result = std::make_shared<std::optional<R>>();
            try {
                result->emplace(work(static_cast<const CancelToken&>(*token)));
            } catch (const std::exception& e) {
                failed(e.what());
            }
            if (*result)
                QMetaObject::invokeMethod(
                    &b,
                    [&b, token, ctx, owned, result, done = std::move(done)]() mutable {
                        if ((ctx || !owned) && !token->isCancelled() && !b.stopping()) done(std::move(**result));
                    },
                    Qt::QueuedConnection);
        }
        b.end(id);
    });
}

} // namespace quarry
