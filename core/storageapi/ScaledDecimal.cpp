// SPDX-License-Identifier: MIT
#include "storageapi/ScaledDecimal.h"

#include <algorithm>
#include <cstdint>
#include <vector>

namespace quarry::storageapi {

namespace {

/// Two's complement negation of a big-endian magnitude, in place.
void negate(std::vector<std::uint8_t>& be) {
    for (auto& b : be) b = static_cast<std::uint8_t>(~b);
    for (std::size_t i = be.size(); i-- > 0;)
        if (++be[i] != 0) break;
}

} // namespace

std::optional<std::string> scaledBytesText(std::string_view raw, int scale) {
    if (raw.empty() || raw.size() > 32) return std::nullopt;
    std::vector<std::uint8_t> mag(raw.rbegin(), raw.rend()); // big-endian
    const bool negative = mag.front() & 0x80;
    if (negative) negate(mag);
    std::string digits;
    while (std::any_of(mag.begin(), mag.end(), [](std::uint8_t b) { return b != 0; })) {
        unsigned rem = 0;
        for (auto& b : mag) {
            const unsigned cur = rem * 256 + b;
            b = static_cast<std::uint8_t>(cur / 10);
            rem = cur % 10;
        }
        digits.push_back(static_cast<char>('0' + rem));
    }
    while (digits.size() <= static_cast<std::size_t>(scale)) digits.push_back('0');
    std::reverse(digits.begin(), digits.end());
    std::string out = negative ? "-" : "";
    out += digits.substr(0, digits.size() - static_cast<std::size_t>(scale));
    std::string frac = digits.substr(digits.size() - static_cast<std::size_t>(scale));
    while (!frac.empty() && frac.back() == '0') frac.pop_back();
    if (!frac.empty()) out += "." + frac;
    return out;
}

std::optional<std::string> scaledBytes(std::string_view s, int scale, int width) {
    bool negative = false;
    if (!s.empty() && (s.front() == '-' || s.front() == '+')) {
        negative = s.front() == '-';
        s.remove_prefix(1);
    }
    const auto dot = s.find('.');
    const std::string_view whole = s.substr(0, dot);
    const std::string_view frac = dot == std::string_view::npos ? std::string_view() : s.substr(dot + 1);
    if ((whole.empty() && frac.empty()) || frac.size() > static_cast<std::size_t>(scale)) return std::nullopt;
    std::vector<std::uint8_t> be(static_cast<std::size_t>(width), 0);
    auto push = [&](char c) {
        if (c < '0' || c > '9') return false;
        unsigned carry = static_cast<unsigned>(c - '0');
        for (std::size_t i = be.size(); i-- > 0;) {
            const unsigned cur = be[i] * 10u + carry;
            be[i] = static_cast<std::uint8_t>(cur & 0xFF);
            carry = cur >> 8;
        }
        return carry == 0;
    };
    for (char c : whole)
        if (!push(c)) return std::nullopt;
    for (char c : frac)
        if (!push(c)) return std::nullopt;
    for (std::size_t i = frac.size(); i < static_cast<std::size_t>(scale); ++i)
        if (!push('0')) return std::nullopt;
    if (be.front() & 0x80) return std::nullopt; // the magnitude needs the sign bit
    if (negative) negate(be);
    return std::string(be.rbegin(), be.rend());
}

} // namespace quarry::storageapi
