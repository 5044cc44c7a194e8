// SPDX-License-Identifier: MIT
#pragma once

#include "crypto/Keys.h"

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

/// JSON Web Tokens signed with RS256 (RFC 7515/7519), as Google's OAuth uses them.
namespace quarry::crypto {

struct Jwt {
    nlohmann::json header;
    nlohmann::json claims;
    std::string signingInput; ///< base64url(header) "." base64url(claims)
    std::string signature;    ///< raw bytes
};

/// header {"alg":"RS256","typ":"JWT"[,"kid":kid]} + claims, signed with `key`.
std::string signJwt(const nlohmann::json& claims, const PrivateKey& key, std::string_view kid);
/// Splits and decodes a compact JWT without verifying it. Throws CryptoError(BadFormat)
/// saying which part is wrong.
Jwt decodeJwt(std::string_view token);
/// Three base64url parts, the first decoding to a JSON object: cheap, for routing a bearer.
bool looksLikeJwt(std::string_view token);

} // namespace quarry::crypto
