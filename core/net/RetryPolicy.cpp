// SPDX-License-Identifier: MIT
#include "net/RetryPolicy.h"
#include "value/JsonParse.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <thread>

namespace quarry {

bool RetryPolicy::retryableReason(std::string_view r) {
    return r == "backendError" || r == "rateLimitExceeded" || r == "internalError" || r == "badGateway";
}

bool RetryPolicy::retryableResponse(long status, std::string_view reason) {
    if (status == 429 || status == 500 || status == 502 || status == 503 || status == 504) return true;
    return retryableReason(reason);
}

std::chrono::milliseconds RetryPolicy::backoffCap(int retry) const {
    const double ms = static_cast<double>(initialBackoff.count()) * std::pow(multiplier, retry);
    return std::chrono::milliseconds(
        static_cast<std::int64_t>(std::min(ms, static_cast<double>(maxBackoff.count()))));
}

RetryPolicy RetryPolicy::none() {
    RetryPolicy p;
    p.maxAttempts = 1;
    p.maxConnectAttempts = 1;
    return p;
}

std::string errorReasonOf(std::string_view body) {
    if (body.empty() || body.front() != '{') return {};
    const auto j = parseJsonOrDiscard(body);
    if (!j.is_object()) return {};
    const auto e = j.find("error");
    if (e == j.end() || !e->is_object()) return {};
    if (auto errs = e->find("errors"); errs != e->end() && errs->is_array() && !errs->empty()) {
        const auto& first = (*errs)[0];
        if (first.is_object() && first.contains("reason") && first["reason"].is_string())
            return first["reason"].get<std::string>();
    }
    return {};
}

namespace {

std::optional<std::chrono::milliseconds> retryAfter(const HttpResponse& r) {
    const auto h = r.header("Retry-After");
    if (h.empty() || !std::all_of(h.begin(), h.end(), ::isdigit) || h.size() > 6) return std::nullopt;
    return std::chrono::milliseconds(std::stoll(h) * 1000);
}

} // namespace

HttpResponse sendWithRetry(HttpClient& http, const HttpRequest& req, const RetryPolicy& policy,
                           const CancelToken* cancel, bool idempotent, const RetryObserver* observer) {
    using clock = std::chrono::steady_clock;
    const auto start = clock::now();
    std::mt19937_64 rng(policy.seed ? policy.seed : std::random_device{}());
    for (int attempt = 1;; ++attempt) {
        std::string why;
        std::optional<std::chrono::milliseconds> hint;
        std::optional<HttpResponse> response;
        try {
            response = http.send(req, cancel);
        } catch (const TransportError& e) {
            const bool connect = e.kind() == TransportError::Kind::Connect;
            const bool safe = idempotent || connect;
            const int limit = connect ? std::min(policy.maxAttempts, policy.maxConnectAttempts) : policy.maxAttempts;
            if (!e.retryable() || !safe || attempt >= limit) throw;
            why = e.what();
        }
        if (response) {
            if (response->status < 400) return std::move(*response);
            const auto reason = errorReasonOf(response->body);
            if (!idempotent || !RetryPolicy::retryableResponse(response->status, reason) ||
                attempt >= policy.maxAttempts)
                return std::move(*response);
            why = "HTTP " + std::to_string(response->status) + (reason.empty() ? "" : " " + reason);
            hint = retryAfter(*response);
        }
        const auto cap = policy.backoffCap(attempt - 1);
        std::uniform_int_distribution<std::int64_t> dist(0, std::max<std::int64_t>(0, cap.count()));
        auto wait = std::chrono::milliseconds(dist(rng));
        if (hint) wait = std::max(wait, std::min(*hint, policy.maxBackoff));
        const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - start);
        if (elapsed + wait > policy.deadline) {
            if (response) return std::move(*response);
            throw TransportError(TransportError::Kind::Timeout,
                                 "gave up after " + std::to_string(attempt) + " attempts (retry deadline " +
                                     std::to_string(policy.deadline.count()) + " ms): " + why);
        }
        if (observer && observer->onRetry) observer->onRetry(attempt, why, wait);
        if (cancel) {
            if (!cancel->waitFor(wait)) throw TransportError(TransportError::Kind::Cancelled, "request cancelled");
        } else {
            std::this_thread::sleep_for(wait);
        }
    }
}

} // namespace quarry
