// SPDX-License-Identifier: MIT
#pragma once

#include <optional>
#include <string_view>
#include <utility>

namespace quarry::rangetext {

/// Splits "[start, end)" into its two sides (each possibly "UNBOUNDED").
inline std::optional<std::pair<std::string_view, std::string_view>> split(std::string_view s) {
    if (s.size() < 5 || s.front() != '[' || s.back() != ')') return std::nullopt;
    s = s.substr(1, s.size() - 2);
    const auto comma = s.find(',');
    if (comma == std::string_view::npos || s.find(',', comma + 1) != std::string_view::npos)
        return std::nullopt;
    auto trim = [](std::string_view t) {
        while (!t.empty() && t.front() == ' ') t.remove_prefix(1);
        while (!t.empty() && t.back() == ' ') t.remove_suffix(1);
        return t;
    };
    auto a = trim(s.substr(0, comma));
    auto b = trim(s.substr(comma + 1));
    if (a.empty() || b.empty()) return std::nullopt;
    return std::make_pair(a, b);
}

} // namespace quarry::rangetext
