// SPDX-License-Identifier: MIT
#include "value/Schema.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

namespace quarry {
namespace {

bool validFieldName(std::string_view n) {
    if (n.empty() || n.size() > 300) return false;
    const auto first = static_cast<unsigned char>(n.front());
    if (!(std::isalpha(first) || first == '_')) return false;
    return std::all_of(n.begin(), n.end(), [](unsigned char c) { return std::isalnum(c) || c == '_'; });
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

std::size_t leaves(const std::vector<Field>& fs) {
    std::size_t n = 0;
    for (const auto& f : fs) n += f.isRecord() ? leaves(f.fields) : 1;
    return n;
}

} // namespace

Field Field::fromJson(const nlohmann::json& j, const std::string& parent, int depth) {
    if (!j.is_object()) throw SchemaError("schema field under '" + parent + "' is not an object");
    Field f;
    const auto name = j.find("name");
    if (name == j.end() || !name->is_string())
        throw SchemaError("schema field under '" + parent + "' has no name");
    f.name = name->get<std::string>();
    const std::string path = parent.empty() ? f.name : parent + "." + f.name;
    if (!validFieldName(f.name))
        throw SchemaError("invalid field name '" + path +
                          "': use letters, digits and '_', starting with a letter or '_'");
    const auto type = j.find("type");
    if (type == j.end() || !type->is_string())
        throw SchemaError("field '" + path + "' has no type");
    const auto kind = parseTypeName(type->get<std::string>());
    if (!kind) throw SchemaError("field '" + path + "' has unknown type '" + type->get<std::string>() + "'");
    f.type = *kind;
    if (const auto mode = j.find("mode"); mode != j.end() && !mode->is_null()) {
        if (!mode->is_string()) throw SchemaError("field '" + path + "' has a non-string mode");
        const auto m = parseModeName(mode->get<std::string>());
        if (!m) throw SchemaError("field '" + path + "' has unknown mode '" + mode->get<std::string>() + "'");
        f.mode = *m;
    }
    if (const auto d = j.find("description"); d != j.end() && d->is_string())
        f.description = d->get<std::string>();
    if (f.type == TypeKind::Range) {
        const auto r = j.find("rangeElementType");
        if (r != j.end() && r->is_object() && r->contains("type") && (*r)["type"].is_string()) {
            const auto e = parseTypeName((*r)["type"].get<std::string>());
            if (!e || (*e != TypeKind::Date && *e != TypeKind::DateTime && *e != TypeKind::Timestamp))
                throw SchemaError("field '" + path + "': RANGE element must be DATE, DATETIME or TIMESTAMP");
            f.rangeElement = *e;
        }
    }
    if (f.type == TypeKind::Struct) {
        if (depth > kMaxNestingDepth)
            throw SchemaError("field '" + path + "' nests RECORDs deeper than " +
                              std::to_string(kMaxNestingDepth) + " levels");
        const auto sub = j.find("fields");
        if (sub == j.end() || !sub->is_array() || sub->empty())
            throw SchemaError("RECORD field '" + path + "' has no sub-fields");
        f.fields.reserve(sub->size());
        for (const auto& s : *sub) {
            Field child = fromJson(s, path, depth + 1);
            for (const auto& sibling : f.fields)
                if (iequals(sibling.name, child.name))
                    throw SchemaError("duplicate field name '" + path + "." + child.name + "'");
            f.fields.push_back(std::move(child));
        }
    }
    return f;
}

nlohmann::json Field::toJson() const {
    nlohmann::json j{{"name", name}, {"type", legacyTypeName(type)}, {"mode", modeName(mode)}};
    if (!description.empty()) j["description"] = description;
    if (type == TypeKind::Range) j["rangeElementType"] = {{"type", legacyTypeName(rangeElement)}};
    if (type == TypeKind::Struct) {
        auto arr = nlohmann::json::array();
        for (const auto& f : fields) arr.push_back(f.toJson());
        j["fields"] = std::move(arr);
    }
    return j;
}

int Schema::indexOf(std::string_view name) const {
    for (std::size_t i = 0; i < fields.size(); ++i)
        if (iequals(fields[i].name, name)) return static_cast<int>(i);
    return -1;
}

Schema Schema::fromJson(const nlohmann::json& j) {
    const nlohmann::json* arr = &j;
    if (j.is_object()) {
        const auto it = j.find("fields");
        if (it == j.end()) return {};
        arr = &*it;
    }
    if (!arr->is_array()) throw SchemaError("schema 'fields' is not an array");
    Schema s;
    s.fields.reserve(arr->size());
    for (const auto& f : *arr) s.fields.push_back(Field::fromJson(f, {}, 1));
    for (std::size_t i = 0; i < s.fields.size(); ++i)
        for (std::size_t k = 0; k < i; ++k)
            if (iequals(s.fields[i].name, s.fields[k].name))
                throw SchemaError("duplicate field name '" + s.fields[i].name + "'");
    if (s.leafCount() > 10000) throw SchemaError("schema has more than 10,000 columns");
    return s;
}

Schema Schema::parse(std::string_view text) {
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
        throw SchemaError(std::string("schema is not valid JSON: ") + e.what());
    }
    return fromJson(j);
}

nlohmann::json Schema::toJson() const {
    auto arr = nlohmann::json::array();
    for (const auto& f : fields) arr.push_back(f.toJson());
    return {{"fields", std::move(arr)}};
}

std::size_t Schema::leafCount() const { return leaves(fields); }

} // namespace quarry
