// SPDX-License-Identifier: MIT
#pragma once

#include "net/CancelToken.h"

#include <chrono>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace quarry {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
    std::string method = "GET";
    std::string url;
    Headers headers;
    std::string body;
    /// Total time for this request; zero means the client's default.
    std::chrono::milliseconds timeout{0};
};

struct HttpResponse {
    long status = 0;
    Headers headers;
    std::string body;
    /// First header of that name (case-insensitive), or empty.
    std::string header(std::string_view name) const;
};

/// A request that got no complete HTTP response. `kind` says why; the text never holds secrets.
class TransportError : public std::runtime_error {
public:
    enum class Kind { Connect, Timeout, Reset, Truncated, Tls, Cancelled, Other };
    TransportError(Kind k, const std::string& what) : std::runtime_error(what), kind_(k) {}
    Kind kind() const { return kind_; }
    /// Connection failures, resets, truncated bodies and timeouts may be retried.
    bool retryable() const { return kind_ != Kind::Cancelled && kind_ != Kind::Tls && kind_ != Kind::Other; }

private:
    Kind kind_;
};

struct HttpOptions {
    std::chrono::milliseconds connectTimeout{10'000};
    std::chrono::milliseconds totalTimeout{120'000};
    std::string userAgent;
    /// Extra CA bundle (for TLS-inspecting proxies). Certificates are always verified.
    std::string caBundle;
    /// Receives one line per request and response; URLs and headers arrive redacted.
    std::function<void(const std::string&)> log;
};

/// HTTP on libcurl. Reuses connections (a pool of handles, each with its own connection
/// cache, sharing DNS and TLS sessions), negotiates HTTP/2 over TLS, accepts gzip, takes
/// proxies from the environment (https_proxy, no_proxy), always verifies TLS. Thread-safe.
class HttpClient {
public:
    explicit HttpClient(HttpOptions options = {});
    ~HttpClient();
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;

    /// One attempt. Any HTTP status is a response; only a missing response throws TransportError.
    HttpResponse send(const HttpRequest& request, const CancelToken* cancel = nullptr);

    const HttpOptions& options() const;

private:
    struct Impl;
    std::unique_ptr<Impl> d_;
};

} // namespace quarry
