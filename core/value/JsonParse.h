// SPDX-License-Identifier: MIT
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

namespace quarry {

/// Parses JSON text, or returns a discarded value (is_discarded()) for anything invalid. Unlike
/// nlohmann's parse(..., nullptr, false) alone this never throws: some number overflows
/// ("21e34567890123456789") still raise out_of_range there.
template <class Input> nlohmann::json parseJsonOrDiscard(Input&& in) {
    try {
        return nlohmann::json::parse(std::forward<Input>(in), nullptr, false);
    } catch (const nlohmann::json::exception&) {
        return nlohmann::json(nlohmann::json::value_t::discarded);
    }
}

/// The deepest a JSON column's value may nest objects and arrays (BigQuery's limit).
inline constexpr int kMaxJsonColumnDepth = 500;

/// How deep `text` nests objects and arrays (0 for a scalar), found by a scan that recurses
/// nowhere: check it before parsing text that could nest without bound, since nlohmann's
/// printing and destruction recurse (and simdjson stops at 1,024 levels).
inline int jsonNestingDepth(std::string_view text) {
    int depth = 0, most = 0;
    bool inString = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char ch = text[i];
        if (inString) {
            if (ch == '\\') ++i;
            else if (ch == '"') inString = false;
        } else if (ch == '"') {
            inString = true;
        } else if (ch == '[' || ch == '{') {
            if (++depth > most) most = depth;
        } else if (ch == ']' || ch == '}') {
            --depth;
        }
    }
    return most;
}

} // namespace quarry
