// SPDX-License-Identifier: MIT
#include "bigquery/Endpoint.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>

namespace quarry {

Endpoint Endpoint::fromUrl(std::string_view url) {
    std::string u(url);
    while (!u.empty() && (u.back() == '/' || u.back() == ' ')) u.pop_back();
    while (!u.empty() && u.front() == ' ') u.erase(0, 1);
    if (u.find("://") == std::string::npos) u = "http://" + u;
    // Accept a base that already names the API root.
    for (std::string_view suffix : {"/bigquery/v2"}) {
        if (u.size() > suffix.size() && u.compare(u.size() - suffix.size(), suffix.size(), suffix) == 0)
            u.resize(u.size() - suffix.size());
    }
    return Endpoint{u};
}

Endpoint Endpoint::resolve(std::string_view cli, std::string_view connection) {
    if (!cli.empty()) return fromUrl(cli);
    if (!connection.empty()) return fromUrl(connection);
    if (const char* env = std::getenv("BIGQUERY_EMULATOR_HOST"); env && *env) return fromUrl(env);
    return Endpoint{};
}

std::string Endpoint::hostOf(std::string_view url) {
    auto rest = url;
    if (const auto scheme = rest.find("://"); scheme != std::string_view::npos) rest.remove_prefix(scheme + 3);
    rest = rest.substr(0, rest.find_first_of("/?#"));
    if (const auto at = rest.rfind('@'); at != std::string_view::npos) rest.remove_prefix(at + 1);
    std::string host;
    if (rest.starts_with("[")) {
        host = std::string(rest.substr(1, rest.find(']') == std::string_view::npos ? std::string_view::npos : rest.find(']') - 1));
    } else {
        host = std::string(rest.substr(0, rest.find(':')));
    }
    for (auto& c : host) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    while (!host.empty() && host.back() == '.') host.pop_back(); // "googleapis.com." is the same name
    return host;
}

bool Endpoint::isGoogleHost(std::string_view host) {
    constexpr std::string_view kDomain = "googleapis.com";
    if (host == kDomain) return true;
    return host.size() > kDomain.size() + 1 && host.ends_with(kDomain) && host[host.size() - kDomain.size() - 1] == '.';
}

bool Endpoint::isGoogle() const { return isHttps() && isGoogleHost(hostOf(baseUrl)); }

bool Endpoint::isLoopback() const {
    const auto h = hostOf(baseUrl);
    return h == "localhost" || h == "::1" || h.starts_with("127.");
}

std::string StorageApiEndpoint::googleFor(std::string_view host) {
    if (!Endpoint::isGoogleHost(host)) return {};
    if (host.starts_with("bigquery.")) return "bigquerystorage." + std::string(host.substr(9)) + ":443";
    // Private Service Connect: bigquery-ENDPOINT.p.googleapis.com
    if (host.starts_with("bigquery-") && host.ends_with(".p.googleapis.com"))
        return "bigquerystorage-" + std::string(host.substr(9)) + ":443";
    return {};
}

StorageApiEndpoint StorageApiEndpoint::parse(std::string_view text, std::string& why) {
    const auto colon = text.rfind(':');
    const auto host = colon == std::string_view::npos ? std::string_view() : text.substr(0, colon);
    const auto port = colon == std::string_view::npos ? std::string_view() : text.substr(colon + 1);
    const bool digits = !port.empty() && port.size() <= 5 &&
                        std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; });
    const int number = digits ? std::stoi(std::string(port)) : 0;
    const bool hostOk = !host.empty() && host.find_first_of("/ @?#") == std::string_view::npos;
    if (!hostOk || number < 1 || number > 65535) {
        why = "the Storage API endpoint must be HOST:PORT (for example bigquerystorage.googleapis.com:443), not '" +
              std::string(text) + "'";
        return {};
    }
    return {std::string(text), true};
}

std::string urlEncode(std::string_view s) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(s.size());
    for (unsigned char c : s) {
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
            c == '_' || c == '.' || c == '~') {
            out.push_back(static_cast<char>(c));
        } else {
            out.push_back('%');
            out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 15]);
        }
    }
    return out;
}

} // namespace quarry
