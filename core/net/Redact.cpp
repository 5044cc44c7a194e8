// SPDX-License-Identifier: MIT
#include "net/Redact.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <regex>

namespace quarry::redact {
namespace {

constexpr std::array<std::string_view, 10> kSecretParams{
    "access_token", "key", "oauth_token", "assertion", "refresh_token",
    "client_secret", "code", "token", "id_token", "private_key"};

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

} // namespace

std::string url(std::string_view u) {
    const auto q = u.find('?');
    if (q == std::string_view::npos) return std::string(u);
    std::string out(u.substr(0, q + 1));
    std::string_view rest = u.substr(q + 1);
    bool first = true;
    while (!rest.empty()) {
        const auto amp = rest.find('&');
        std::string_view part = rest.substr(0, amp);
        rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
        if (!first) out.push_back('&');
        first = false;
        const auto eq = part.find('=');
        const auto name = part.substr(0, eq);
        const bool secret = std::any_of(kSecretParams.begin(), kSecretParams.end(),
                                        [&](std::string_view s) { return iequals(s, name); });
        if (secret && eq != std::string_view::npos) {
            out.append(name);
            out += "=REDACTED";
        } else {
            out.append(part);
        }
    }
    return out;
}

std::string header(std::string_view name, std::string_view value) {
    std::string out(name);
    out += ": ";
    if (iequals(name, "authorization") || iequals(name, "proxy-authorization") ||
        iequals(name, "cookie") || iequals(name, "set-cookie") || iequals(name, "x-goog-api-key")) {
        out += "REDACTED";
    } else {
        out.append(value);
    }
    return out;
}

std::string text(std::string_view s) {
    static const std::regex pem("-----BEGIN [A-Z ]*PRIVATE KEY-----[\\s\\S]*?-----END [A-Z ]*PRIVATE KEY-----");
    static const std::regex bearer("([Bb]earer)\\s+[A-Za-z0-9._~+/=-]+");
    static const std::regex jwt("eyJ[A-Za-z0-9_-]{4,}\\.[A-Za-z0-9_-]{4,}\\.[A-Za-z0-9_-]*");
    static const std::regex googleToken("ya29\\.[A-Za-z0-9._-]+");
    static const std::regex jsonField(
        "(\"(?:access_token|refresh_token|id_token|private_key|client_secret|assertion)\"\\s*:\\s*)\"(?:[^\"\\\\]|\\\\.)*\"");
    // std::regex backtracks recursively: keep inputs short (error text, not whole bodies).
    constexpr std::size_t kMax = 16 * 1024;
    std::string out(s.substr(0, kMax));
    if (s.size() > kMax) out += "...";
    out = std::regex_replace(out, pem, "REDACTED-PRIVATE-KEY");
    out = std::regex_replace(out, jsonField, "$1\"REDACTED\"");
    out = std::regex_replace(out, bearer, "$1 REDACTED");
    out = std::regex_replace(out, jwt, "REDACTED-JWT");
    out = std::regex_replace(out, googleToken, "REDACTED-TOKEN");
    return out;
}

} // namespace quarry::redact
