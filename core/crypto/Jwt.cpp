// SPDX-License-Identifier: MIT
#include "crypto/Jwt.h"

#include "crypto/Base64.h"
#include "value/JsonParse.h"

#include <algorithm>

namespace quarry::crypto {

std::string signJwt(const nlohmann::json& claims, const PrivateKey& key, std::string_view kid) {
    nlohmann::json header = {{"alg", "RS256"}, {"typ", "JWT"}};
    if (!kid.empty()) header["kid"] = std::string(kid);
    std::string input = base64url(header.dump()) + "." + base64url(claims.dump());
    const auto sig = key.signSha256(input);
    input += ".";
    input += base64url(sig);
    return input;
}

Jwt decodeJwt(std::string_view token) {
    using K = CryptoError::Kind;
    if (std::count(token.begin(), token.end(), '.') != 2)
        throw CryptoError(K::BadFormat, "not a JWT: expected three dot-separated parts");
    const auto a = token.find('.');
    const auto b = token.find('.', a + 1);
    Jwt jwt;
    jwt.signingInput = std::string(token.substr(0, b));
    const auto part = [&](std::string_view text, const char* what) {
        auto bytes = decodeBase64(text);
        if (!bytes) throw CryptoError(K::BadFormat, std::string("the JWT's ") + what + " is not base64url");
        return *bytes;
    };
    const auto json = [&](std::string_view text, const char* what) {
        auto j = parseJsonOrDiscard(part(text, what));
        if (!j.is_object()) throw CryptoError(K::BadFormat, std::string("the JWT's ") + what + " is not a JSON object");
        return j;
    };
    jwt.header = json(token.substr(0, a), "header");
    jwt.claims = json(token.substr(a + 1, b - a - 1), "claims");
    jwt.signature = part(token.substr(b + 1), "signature");
    return jwt;
}

bool looksLikeJwt(std::string_view token) {
    if (std::count(token.begin(), token.end(), '.') != 2) return false;
    const auto head = decodeBase64(token.substr(0, token.find('.')));
    return head && !head->empty() && head->front() == '{';
}

} // namespace quarry::crypto
