// SPDX-License-Identifier: MIT
#pragma once

#include "net/HttpClient.h"

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

namespace quarry {

/// BigQuery's retry rules: HTTP 429/500/502/503/504 and reasons backendError,
/// rateLimitExceeded, internalError and badGateway (rate limits arrive as 403 with a reason),
/// plus dropped connections, truncated bodies and timeouts. Exponential backoff with full
/// jitter (a uniform wait in [0, min(cap, initial * multiplier^n)]), bounded by a deadline.
struct RetryPolicy {
    int maxAttempts = 8;
    /// Refused or unresolvable connections are mostly deterministic (nothing listens, a typo
    /// in the host): they get fewer attempts so a wrong endpoint fails in seconds.
    int maxConnectAttempts = 3;
    std::chrono::milliseconds initialBackoff{1000};
    double multiplier = 2.0;
    std::chrono::milliseconds maxBackoff{32'000};
    std::chrono::milliseconds deadline{600'000};
    std::uint64_t seed = 0; ///< 0 = random

    /// True for a status/reason pair worth another attempt.
    static bool retryableResponse(long status, std::string_view reason);
    static bool retryableReason(std::string_view reason);
    /// Upper bound of the wait before retry number `retry` (0-based), before jitter.
    std::chrono::milliseconds backoffCap(int retry) const;
    /// A policy that never retries.
    static RetryPolicy none();
};

/// `errors[0].reason` (or `error.status`) of a Google JSON error body, or empty.
std::string errorReasonOf(std::string_view body);

/// What happened on each attempt, for tests and logs.
struct RetryObserver {
    std::function<void(int attempt, const std::string& why, std::chrono::milliseconds wait)> onRetry;
};

/// Sends with retries under `policy`. Returns the last response (which may be an HTTP error
/// the caller turns into an ApiError); throws the last TransportError if no response came.
/// `idempotent=false` retries only failures where the request cannot have reached the server.
HttpResponse sendWithRetry(HttpClient& http, const HttpRequest& request, const RetryPolicy& policy,
                           const CancelToken* cancel = nullptr, bool idempotent = true,
                           const RetryObserver* observer = nullptr);

} // namespace quarry
