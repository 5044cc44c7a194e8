// SPDX-License-Identifier: MIT
#pragma once

#include <string>
#include <string_view>

/// Keeps secrets out of logs and error text.
namespace quarry::redact {

/// Replaces the values of access_token, key, oauth_token, assertion, refresh_token,
/// client_secret, code and token query parameters with "REDACTED".
std::string url(std::string_view url);
/// "Authorization: REDACTED", and the same for Proxy-Authorization, Cookie, x-goog-api-key.
std::string header(std::string_view name, std::string_view value);
/// Text that may hold tokens or keys (JSON bodies, messages): bearer tokens, JWTs,
/// PEM private keys and the values of secret-named JSON fields are replaced. Text past
/// 16 KiB is cut off first: this is for messages, not whole bodies.
std::string text(std::string_view s);

} // namespace quarry::redact
