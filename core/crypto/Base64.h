// SPDX-License-Identifier: MIT
#pragma once

#include <optional>
#include <string>
#include <string_view>

/// Base64 (RFC 4648) in both alphabets, over the value model's codec. JWTs use base64url
/// without padding.
namespace quarry::crypto {

std::string base64(std::string_view bytes);
std::string base64url(std::string_view bytes); ///< no '=' padding
/// Decodes either alphabet, with or without padding; nullopt on any other character or a
/// length that cannot be base64. Whitespace is not allowed.
std::optional<std::string> decodeBase64(std::string_view text);

} // namespace quarry::crypto
