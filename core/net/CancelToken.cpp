// SPDX-License-Identifier: MIT
#include "net/CancelToken.h"

namespace quarry {

void CancelToken::cancel() {
    {
        std::lock_guard lock(mutex_);
        cancelled_.store(true, std::memory_order_release);
    }
    cv_.notify_all();
}

bool CancelToken::waitFor(std::chrono::milliseconds d) const {
    std::unique_lock lock(mutex_);
    return !cv_.wait_for(lock, d, [this] { return isCancelled(); });
}

} // namespace quarry
