// SPDX-License-Identifier: MIT
#include "upload/SchemaInference.h"

#include "value/Civil.h"

#include <algorithm>
#include <array>
#include <simdjson.h>

namespace quarry::upload {

namespace dom = simdjson::dom;

namespace {

enum Kind { kNull, kBool, kInt, kFloat, kString, kRecord, kArray, kCount };
const char* const kKindName[kCount] = {"null", "a boolean", "an integer", "a float", "a string", "an object", "an array"};

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

bool validName(std::string_view n) {
    if (n.empty() || n.size() > 300) return false;
    if (!(std::isalpha(static_cast<unsigned char>(n[0])) || n[0] == '_')) return false;
    return std::all_of(n.begin(), n.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

} // namespace

struct SchemaInference::Node {
    std::string name;
    std::array<std::uint64_t, kCount> first{}; ///< first line each kind was seen (0 = never)
    std::uint64_t arrayInArray = 0, nullInArray = 0, badName = 0, reservedName = 0, tooDeep = 0;
    bool allDates = true, allTimestamps = true;
    std::vector<std::unique_ptr<Node>> children; ///< in order of first appearance
    std::vector<std::pair<std::string, std::size_t>> index; ///< lower-case name -> child

    Node* child(std::string_view key, std::uint64_t line) {
        std::string k = lower(key);
        for (const auto& [n, i] : index)
            if (n == k) return children[i].get();
        index.emplace_back(std::move(k), children.size());
        children.push_back(std::make_unique<Node>());
        children.back()->name = std::string(key);
        if (!validName(key)) children.back()->badName = line;
        else if (reservedFieldNameError(key)) children.back()->reservedName = line;
        return children.back().get();
    }

    void see(Kind k, std::uint64_t line) {
        if (!first[k]) first[k] = line;
    }

    void scalar(dom::element v, std::uint64_t line, int depth, bool inArray) {
        switch (v.type()) {
        case dom::element_type::NULL_VALUE:
            if (inArray && !nullInArray) nullInArray = line;
            else see(kNull, line);
            return;
        case dom::element_type::BOOL: see(kBool, line); return;
        case dom::element_type::INT64: see(kInt, line); return;
        case dom::element_type::UINT64:
            if (v.get_uint64().value_unsafe() > static_cast<std::uint64_t>(INT64_MAX)) see(kFloat, line);
            else see(kInt, line);
            return;
        case dom::element_type::DOUBLE: see(kFloat, line); return;
        case dom::element_type::STRING: {
            see(kString, line);
            const std::string_view s = v.get_string().value_unsafe();
            if (allDates && !civil::parseDate(s)) allDates = false;
            if (allTimestamps && (s.size() < 19 || !civil::parseTimestampText(s))) allTimestamps = false;
            return;
        }
        case dom::element_type::OBJECT: {
            see(kRecord, line);
            if (depth >= 15) {
                if (!tooDeep) tooDeep = line;
                return;
            }
            dom::object o;
            if (v.get(o)) return;
            for (auto kv : o) child(kv.key, line)->value(kv.value, line, depth + 1);
            return;
        }
        case dom::element_type::ARRAY:
            if (!arrayInArray) arrayInArray = line;
            return;
        }
    }

    void value(dom::element v, std::uint64_t line, int depth) {
        if (v.type() != dom::element_type::ARRAY) {
            if (v.type() != dom::element_type::NULL_VALUE && !singleLine) singleLine = line;
            scalar(v, line, depth, false);
            return;
        }
        see(kArray, line);
        dom::array a;
        if (v.get(a)) return;
        for (dom::element x : a) scalar(x, line, depth, true);
    }

    /// The scalar kinds seen (arrays and nulls aside).
    bool any(std::initializer_list<Kind> ks) const {
        return std::any_of(ks.begin(), ks.end(), [&](Kind k) { return first[k] != 0; });
    }

    std::string side(Kind k) const { return kKindName[k] + std::string(" (first on line ") + std::to_string(first[k]) + ")"; }

    void conflicts(const std::string& path, std::vector<SchemaConflict>& out) const {
        const std::string p = path.empty() ? name : path + "." + name;
        auto add = [&](std::string m) { out.push_back({p, p + ": " + std::move(m)}); };
        if (badName)
            add("'" + name + "' (line " + std::to_string(badName) +
                ") is not a valid column name: use letters, digits and underscores, starting with a letter or underscore");
        if (reservedName)
            add(*reservedFieldNameError(name) + " (line " + std::to_string(reservedName) +
                "). Rename the field in the file, or upload into a table whose schema leaves it out and pass --ignore-unknown");
        if (tooDeep) add("nesting deeper than 15 levels (line " + std::to_string(tooDeep) + "); BigQuery allows 15");
        if (arrayInArray)
            add("an array inside an array (line " + std::to_string(arrayInArray) +
                "); BigQuery has no arrays of arrays: wrap the inner array in an object");
        const bool scalarSeen = any({kBool, kInt, kFloat, kString});
        if (first[kRecord] && scalarSeen) {
            const Kind s = first[kString] ? kString : first[kInt] ? kInt : first[kFloat] ? kFloat : kBool;
            add(side(kRecord) + " and " + side(s) + " cannot share a column");
        }
        // An array somewhere and a lone value elsewhere (a null or a missing field is fine).
        if (first[kArray] && firstSingle()) add(side(kArray) + " and a single value (first on line " +
                                                std::to_string(firstSingle()) + ") cannot share a column");
        for (const auto& c : children) c->conflicts(p, out);
    }

    /// First line where the field held a single (non-array, non-null) value outside arrays.
    std::uint64_t firstSingle() const { return singleLine; }
    std::uint64_t singleLine = 0;

    bool conflicted() const {
        return badName || reservedName || tooDeep || arrayInArray || (first[kRecord] && any({kBool, kInt, kFloat, kString})) ||
               (first[kArray] && singleLine);
    }

    void notes(const std::string& path, std::vector<std::string>& out) const {
        const std::string p = path.empty() ? name : path + "." + name;
        if (first[kInt] && first[kFloat] && !first[kString] && !first[kBool])
            out.push_back(p + ": integers (line " + std::to_string(first[kInt]) + ") and floats (line " +
                          std::to_string(first[kFloat]) + ") -> FLOAT");
        else if (first[kString] && any({kBool, kInt, kFloat}))
            out.push_back(p + ": strings (line " + std::to_string(first[kString]) + ") mixed with other values -> STRING");
        if (!any({kBool, kInt, kFloat, kString, kRecord}))
            out.push_back(p + ": only nulls or empty arrays -> STRING");
        if (first[kRecord] && !conflicted() &&
            std::none_of(children.begin(), children.end(), [](const auto& c) { return !c->conflicted(); }))
            out.push_back(p + ": only empty objects -> JSON");
        for (const auto& c : children) c->notes(p, out);
    }

    Field field() const {
        Field f;
        f.name = name;
        f.mode = first[kArray] ? Mode::Repeated : Mode::Nullable;
        if (first[kRecord]) {
            f.type = TypeKind::Struct;
            for (const auto& c : children)
                if (!c->conflicted()) f.fields.push_back(c->field());
            // Only ever empty objects: a RECORD needs a sub-field, a JSON column holds them as they are.
            if (f.fields.empty()) f.type = TypeKind::Json;
        } else if (first[kString] || (first[kBool] + first[kInt] + first[kFloat] == 0)) {
            const bool onlyStrings = !any({kBool, kInt, kFloat});
            f.type = onlyStrings && first[kString] && allDates       ? TypeKind::Date
                     : onlyStrings && first[kString] && allTimestamps ? TypeKind::Timestamp
                                                                      : TypeKind::String;
        } else if (first[kBool] && any({kInt, kFloat})) {
            f.type = TypeKind::String;
        } else if (first[kBool]) {
            f.type = TypeKind::Bool;
        } else {
            f.type = first[kFloat] ? TypeKind::Float64 : TypeKind::Int64;
        }
        return f;
    }
};

SchemaInference::SchemaInference() : root_(std::make_unique<Node>()) {}
SchemaInference::~SchemaInference() = default;
SchemaInference::SchemaInference(SchemaInference&&) noexcept = default;
SchemaInference& SchemaInference::operator=(SchemaInference&&) noexcept = default;

void SchemaInference::add(const dom::element& record, std::uint64_t line) {
    dom::object o;
    if (record.get(o)) return;
    ++records_;
    for (auto kv : o) {
        root_->child(kv.key, line)->value(kv.value, line, 1);
    }
}

std::uint64_t SchemaInference::records() const { return records_; }

Schema SchemaInference::schema() const {
    Schema s;
    for (const auto& c : root_->children)
        if (!c->conflicted()) s.fields.push_back(c->field());
    return s;
}

std::vector<SchemaConflict> SchemaInference::conflicts() const {
    std::vector<SchemaConflict> out;
    for (const auto& c : root_->children) c->conflicts("", out);
    return out;
}

std::vector<std::string> SchemaInference::notes() const {
    std::vector<std::string> out;
    for (const auto& c : root_->children) c->notes("", out);
    return out;
}

} // namespace quarry::upload
