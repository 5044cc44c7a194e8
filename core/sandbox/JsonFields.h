// SPDX-License-Identifier: MIT
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace quarry::sandbox {

/// Request fields as clients really send them: a missing field and an explicit null both
/// mean "the default" (the bq CLI sends "skipInvalidRows": null); booleans may come as strings.
inline bool boolField(const nlohmann::json& j, const char* key, bool def) {
    if (!j.is_object()) return def;
    const auto it = j.find(key);
    if (it == j.end() || it->is_null()) return def;
    if (it->is_boolean()) return it->get<bool>();
    if (it->is_string()) return *it == "true";
    return def;
}

inline std::string stringField(const nlohmann::json& j, const char* key) {
    if (!j.is_object()) return {};
    const auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

inline nlohmann::json objectField(const nlohmann::json& j, const char* key) {
    if (!j.is_object()) return nlohmann::json::object();
    const auto it = j.find(key);
    return it != j.end() && it->is_object() ? *it : nlohmann::json::object();
}

inline nlohmann::json arrayField(const nlohmann::json& j, const char* key) {
    if (!j.is_object()) return nlohmann::json::array();
    const auto it = j.find(key);
    return it != j.end() && it->is_array() ? *it : nlohmann::json::array();
}

} // namespace quarry::sandbox
