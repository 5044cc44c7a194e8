// SPDX-License-Identifier: MIT
#include "crypto/Base64.h"

#include "value/Text.h"

namespace quarry::crypto {

std::string base64(std::string_view bytes) { return text::base64Encode(bytes); }

std::string base64url(std::string_view bytes) {
    auto s = text::base64Encode(bytes);
    while (!s.empty() && s.back() == '=') s.pop_back();
    for (auto& c : s) c = c == '+' ? '-' : c == '/' ? '_' : c;
    return s;
}

std::optional<std::string> decodeBase64(std::string_view text) { return text::base64Decode(text); }

} // namespace quarry::crypto
