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

} // namespace quarry
