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

/// Where the BigQuery Storage API (gRPC: the Write and Read APIs) is: host:port, and whether
/// the connection is TLS (Google, or an endpoint named by hand) or plain (the sandbox on this
/// machine).
struct StorageApiEndpoint {
    std::string address;
    bool tls = false;
    bool empty() const { return address.empty(); }
    /// "host:port" as the user sees it, with "(TLS)" after it when it is.
    std::string display() const { return tls ? address + " (TLS)" : address; }

    /// The Storage API host that goes with Google's BigQuery host `restHost` (lower case):
    /// bigquery.googleapis.com -> bigquerystorage.googleapis.com:443, a regional
    /// bigquery.R.rep.googleapis.com -> bigquerystorage.R.rep.googleapis.com:443, a Private
    /// Service Connect bigquery-E.p.googleapis.com -> bigquerystorage-E.p.googleapis.com:443.
    /// Empty for any other host (name the Storage API's endpoint by hand then).
    static std::string googleFor(std::string_view restHost);
    /// "host:port" named by hand (--storage-endpoint), always TLS. nullopt-like empty result
    /// with `why` set when it is not host:port.
    static StorageApiEndpoint parse(std::string_view text, std::string& why);
};

/// Percent-encodes one URL path segment or query value (RFC 3986 unreserved kept).
std::string urlEncode(std::string_view s);

} // namespace quarry
