// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

/// Small text codecs shared by the row codecs: base64 and JSON string escaping.
namespace quarry::text {

std::string base64Encode(std::string_view raw);
/// Standard alphabet with padding; also accepts the URL-safe alphabet and missing padding.
std::optional<std::string> base64Decode(std::string_view b64);

/// Appends s as a JSON string literal (with quotes), escaping as RFC 8259 requires.
void appendJsonString(std::string& out, std::string_view s);

/// True if s is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF).
bool isValidUtf8(std::string_view s);
/// s with each byte that is not part of well-formed UTF-8 replaced by U+FFFD.
std::string toValidUtf8(std::string_view s);

/// A byte count as people read it: "512 B", "4.0 KB", "1.5 GB" (binary units, as the BigQuery
/// console shows bytes processed and as on-demand pricing counts TiB). One formatter for the
/// app and the CLI, so both print the same text for the same job.
std::string formatBytes(unsigned long long bytes);

/// Where the UTF-8 code point that starts at byte `i` of `s` ends (by its lead byte; at most
/// s.size()).
inline std::size_t nextCodePoint(std::string_view s, std::size_t i) {
    const auto c = static_cast<unsigned char>(s[i]);
    const std::size_t n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    return i + n < s.size() ? i + n : s.size();
}
/// Appends code point `cp` (at most U+10FFFF, not a surrogate) as UTF-8.
void appendUtf8(std::string& out, std::uint32_t cp);
/// Bytes as lower-case hex, two digits each.
std::string hexEncode(std::string_view bytes);

/// ASCII case folding, as SQL compares identifiers and keywords.
bool iequals(std::string_view a, std::string_view b);
std::string upper(std::string s);
/// ASCII lower case (names, locations, states: never user text).
std::string lower(std::string s);

} // namespace quarry::text
