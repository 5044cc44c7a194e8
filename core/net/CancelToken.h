// SPDX-License-Identifier: MIT
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>

namespace quarry {

/// Shared flag that stops a blocking core call: transfers abort, backoff sleeps wake up.
/// Cancel from any thread; the call then throws a Cancelled error.
class CancelToken {
public:
    void cancel();
    bool isCancelled() const { return cancelled_.load(std::memory_order_acquire); }
    /// Sleeps up to `d`; returns false (at once) if cancelled before or during the wait.
    bool waitFor(std::chrono::milliseconds d) const;

private:
    std::atomic<bool> cancelled_{false};
    mutable std::mutex mutex_;
    mutable std::condition_variable cv_;
};

} // namespace quarry
