// SPDX-License-Identifier: MIT
#include "value/Schema.h"

#include "value/Value.h"

#include <algorithm>
#include <cctype>
#include <string>
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

bool iequals(std::string_view a, std::string_view b);

} // namespace

std::optional<std::string> reservedFieldNameError(std::string_view n) {
    static constexpr std::string_view kPrefixes[] = {"_PARTITION", "_TABLE_", "_FILE_", "_ROW_TIMESTAMP", "__ROOT__",
                                                     "_COLIDENTIFIER", "_CHANGE_SEQUENCE_NUMBER", "_CHANGE_TYPE",
                                                     "_CHANGE_TIMESTAMP"};
    for (const auto p : kPrefixes)
        if (n.size() >= p.size() && iequals(n.substr(0, p.size()), p))
            return "Invalid field name \"" + std::string(n) +
                   "\". Field names are not allowed to start with the (case-insensitive) prefixes _PARTITION, _TABLE_, "
                   "_FILE_, _ROW_TIMESTAMP, __ROOT__ and _COLIDENTIFIER";
    return std::nullopt;
}

void checkNoReservedNames(const std::vector<Field>& fields) {
    for (const auto& f : fields) {
        if (auto e = reservedFieldNameError(f.name)) throw SchemaError(*e);
        checkNoReservedNames(f.fields);
    }
}

namespace {

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
    if (const auto c = j.find("collation"); c != j.end() && c->is_string() && !c->get<std::string>().empty()) {
        if (f.type != TypeKind::String) throw SchemaError("field '" + path + "': only STRING fields take a collation");
        f.collation = c->get<std::string>();
    }
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
    if (!collation.empty()) j["collation"] = collation;
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

namespace {

const Field* findField(const std::vector<Field>& fs, std::string_view name) {
    for (const auto& f : fs)
        if (f.name.size() == name.size() &&
            std::equal(f.name.begin(), f.name.end(), name.begin(),
                       [](char a, char b) { return std::tolower(a) == std::tolower(b); }))
            return &f;
    return nullptr;
}

// Keeps the fields named by `paths` (already split at '.') below `fields`.
std::vector<Field> project(const std::vector<Field>& fields, const std::vector<std::vector<std::string>>& paths,
                           std::size_t depth, const std::string& prefix) {
    std::vector<Field> out;
    for (const auto& f : fields) {
        std::vector<std::vector<std::string>> below;
        bool whole = false;
        for (const auto& p : paths) {
            if (p.size() <= depth) continue;
            if (!std::equal(f.name.begin(), f.name.end(), p[depth].begin(), p[depth].end(),
                            [](char a, char b) { return std::tolower(a) == std::tolower(b); }))
                continue;
            if (p.size() == depth + 1) whole = true;
            else below.push_back(p);
        }
        if (whole) {
            out.push_back(f);
        } else if (!below.empty()) {
            if (!f.isRecord()) throw SchemaError("selected field '" + prefix + f.name + ".' goes below a non-RECORD field");
            Field g = f;
            g.fields = project(f.fields, below, depth + 1, prefix + f.name + ".");
            out.push_back(std::move(g));
        }
    }
    return out;
}

} // namespace

Schema projectSchema(const Schema& schema, const std::vector<std::string>& selected) {
    if (selected.empty()) return schema;
    std::vector<std::vector<std::string>> paths;
    for (const auto& s : selected) {
        std::vector<std::string> parts;
        std::size_t start = 0;
        while (true) {
            const auto dot = s.find('.', start);
            parts.push_back(s.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
            if (dot == std::string::npos) break;
            start = dot + 1;
        }
        // Check the path exists.
        const std::vector<Field>* level = &schema.fields;
        for (std::size_t i = 0; i < parts.size(); ++i) {
            const Field* f = findField(*level, parts[i]);
            if (!f) throw SchemaError("selected field '" + s + "' is not in the table's schema");
            level = &f->fields;
        }
        paths.push_back(std::move(parts));
    }
    return Schema{project(schema.fields, paths, 0, {})};
}

namespace {

// Keeps the items of `v` (laid out as `full`) that `proj` keeps, recursively.
Value projectCell(const Value& v, const Field& full, const Field& proj);

Value projectStruct(const Value& v, const std::vector<Field>& full, const std::vector<Field>& proj) {
    if (v.isNull()) return {};
    Value out = Value::structOf(proj.size());
    for (std::size_t i = 0; i < proj.size(); ++i) {
        for (std::size_t k = 0; k < full.size(); ++k) {
            if (full[k].name != proj[i].name) continue;
            if (k < v.size()) out[i] = projectCell(v[k], full[k], proj[i]);
            break;
        }
    }
    return out;
}

Value projectCell(const Value& v, const Field& full, const Field& proj) {
    if (!full.isRecord() || full.fields.size() == proj.fields.size()) return v;
    if (full.isRepeated()) {
        Value out = Value::arrayOf(v.size());
        for (std::size_t i = 0; i < v.size(); ++i) out[i] = projectStruct(v[i], full.fields, proj.fields);
        return out;
    }
    return projectStruct(v, full.fields, proj.fields);
}

} // namespace

Value projectRow(const Value& row, const Schema& full, const Schema& projected) {
    return projectStruct(row, full.fields, projected.fields);
}

std::string Field::typeDescription() const {
    std::string t(standardTypeName(type));
    if (mode != Mode::Nullable) t += " " + std::string(modeName(mode));
    return t;
}

} // namespace quarry
