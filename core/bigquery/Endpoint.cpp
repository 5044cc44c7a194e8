// SPDX-License-Identifier: MIT
#include "bigquery/Endpoint.h"

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

bool Endpoint::isGoogle() const {
    return baseUrl.starts_with("https://") && baseUrl.find(".googleapis.com") != std::string::npos;
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
