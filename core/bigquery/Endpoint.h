// SPDX-License-Identifier: MIT
#pragma once

#include <string>
#include <string_view>

namespace quarry {

inline constexpr std::string_view kGoogleEndpoint = "https://bigquery.googleapis.com";

/// Where the BigQuery API lives: Google, a regional endpoint, or an emulator (the sandbox).
struct Endpoint {
    std::string baseUrl = std::string(kGoogleEndpoint); ///< scheme://host[:port], no trailing '/'

    /// Precedence: an explicit --endpoint, then the connection's setting, then the
    /// BIGQUERY_EMULATOR_HOST environment variable (a full base URL; "host:port" gets http://),
    /// then Google's endpoint. Empty arguments are skipped.
    static Endpoint resolve(std::string_view cliOverride, std::string_view connectionSetting);
    /// Normalises "host:port" or "http://host:port/" into a base URL.
    static Endpoint fromUrl(std::string_view url);

    /// baseUrl + "/bigquery/v2"
    std::string apiRoot() const { return baseUrl + "/bigquery/v2"; }
    /// Google's API over HTTPS: the URL's host (parsed, not searched for) is googleapis.com
    /// or under it. "https://x/.googleapis.com" is not.
    bool isGoogle() const;
    /// 127.0.0.0/8, localhost or [::1].
    bool isLoopback() const;
    bool isHttps() const { return baseUrl.starts_with("https://"); }
    /// The host of `url` ("scheme://[user@]host[:port]/..."), lower-case, without brackets.
    static std::string hostOf(std::string_view url);
    static bool isGoogleHost(std::string_view host);
};

/// Percent-encodes one URL path segment or query value (RFC 3986 unreserved kept).
std::string urlEncode(std::string_view s);

} // namespace quarry
