// SPDX-License-Identifier: MIT
#include "sandbox/sql/JsonFunctions.h"
#include "value/JsonParse.h"

#include "crypto/Base64.h"
#include "sandbox/sql/FunctionHelpers.h"
#include "value/Civil.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>

namespace quarry::sandbox::sql {
namespace {

using K = TypeKind;
using Json = nlohmann::json;
using namespace fn;

bool isJsonInput(const SqlType& t) { return t.unknown || (!t.array && (t.kind == K::String || t.kind == K::Json)); }

/// One step of a JSONPath: a member name or an array index.
struct Step {
    bool index = false;
    std::string key;
    std::size_t at = 0;
};

std::vector<Step> parsePath(std::string_view p) {
    auto bad = [&]() -> std::vector<Step> { throw EvalError("Invalid JSONPath \"" + std::string(p) + "\": it starts with $ and uses .name, .\"name\", [n] or ['name']"); };
    if (p.empty() || p[0] != '$') bad();
    std::vector<Step> out;
    std::size_t i = 1;
    while (i < p.size()) {
        Step s;
        if (p[i] == '.') {
            ++i;
            if (i < p.size() && p[i] == '"') {
                const auto end = p.find('"', i + 1);
                if (end == std::string_view::npos) bad();
                s.key = std::string(p.substr(i + 1, end - i - 1));
                i = end + 1;
            } else {
                const std::size_t start = i;
                while (i < p.size() && p[i] != '.' && p[i] != '[') ++i;
                if (i == start) bad();
                s.key = std::string(p.substr(start, i - start));
            }
        } else if (p[i] == '[') {
            ++i;
            if (i < p.size() && (p[i] == '\'' || p[i] == '"')) {
                const char q = p[i];
                const auto end = p.find(q, i + 1);
                if (end == std::string_view::npos || end + 1 >= p.size() || p[end + 1] != ']') bad();
                s.key = std::string(p.substr(i + 1, end - i - 1));
                i = end + 2;
            } else {
                const std::size_t start = i;
                while (i < p.size() && std::isdigit(static_cast<unsigned char>(p[i]))) ++i;
                if (i == start || i >= p.size() || p[i] != ']' || i - start > 9) bad();
                s.index = true;
                s.at = static_cast<std::size_t>(std::stoul(std::string(p.substr(start, i - start))));
                ++i;
            }
        } else {
            bad();
        }
        out.push_back(std::move(s));
    }
    return out;
}

/// The node at `path` in the document, or null when the text is not JSON or nothing is there.
const Json* find(const Json& doc, const std::vector<Step>& path) {
    const Json* n = &doc;
    for (const auto& s : path) {
        if (s.index) {
            if (!n->is_array() || s.at >= n->size()) return nullptr;
            n = &(*n)[s.at];
        } else {
            if (!n->is_object()) return nullptr;
            const auto it = n->find(s.key);
            if (it == n->end()) return nullptr;
            n = &*it;
        }
    }
    return n;
}

/// Parses JSON text; nesting past 500 levels is refused first (parsing and printing recurse).
Json parseJson(std::string_view text) {
    if (jsonNestingDepth(text) > 500) throw EvalError("JSON nested deeper than 500 levels is not supported by the sandbox");
    return Json::parse(text, nullptr, false);
}

std::string scalarText(const Json& n) { return n.is_string() ? n.get<std::string>() : n.dump(); }

void appendQuoted(std::string& out, std::string_view s) { out += Json(std::string(s)).dump(); }

void appendDouble(std::string& out, double d) {
    if (std::isnan(d)) {
        out += "\"NaN\"";
    } else if (std::isinf(d)) {
        out += d > 0 ? "\"Infinity\"" : "\"-Infinity\"";
    } else {
        char buf[64];
        const auto r = std::to_chars(buf, buf + sizeof buf, d);
        out.append(buf, r.ptr);
    }
}

/// TO_JSON_STRING's encoding: numbers as numbers, STRUCT as an object with its field names.
void toJson(std::string& out, const Value& v, const SqlType& t) {
    if (v.isNull()) {
        out += "null";
        return;
    }
    switch (v.kind()) {
    case ValueKind::Bool: out += v.asBool() ? "true" : "false"; return;
    case ValueKind::Int64: out += std::to_string(v.asInt64()); return;
    case ValueKind::Float64: appendDouble(out, v.asDouble()); return;
    case ValueKind::Numeric:
    case ValueKind::BigNumeric: out += v.asText(); return;
    case ValueKind::Json: {
        const Json j = parseJson(v.asText());
        out += j.is_discarded() ? "null" : j.dump();
        return;
    }
    case ValueKind::Bytes: appendQuoted(out, crypto::base64(v.asText())); return;
    case ValueKind::Date: appendQuoted(out, civil::formatDate(static_cast<std::int32_t>(v.asInt64()))); return;
    case ValueKind::Time: appendQuoted(out, civil::formatTime(v.asInt64())); return;
    case ValueKind::DateTime: appendQuoted(out, civil::formatDateTime(v.asInt64())); return;
    case ValueKind::Timestamp: appendQuoted(out, civil::formatDateTime(v.asInt64()) + "Z"); return;
    case ValueKind::Array: {
        out += '[';
        const SqlType el = t.unknown ? t : t.element();
        for (std::size_t i = 0; i < v.size(); ++i) {
            if (i) out += ',';
            toJson(out, v[i], el);
        }
        out += ']';
        return;
    }
    case ValueKind::Struct: {
        out += '{';
        for (std::size_t i = 0; i < v.size(); ++i) {
            if (i) out += ',';
            const std::string name = i < t.fields.size() && !t.fields[i].first.empty() ? t.fields[i].first : "_field_" + std::to_string(i + 1);
            appendQuoted(out, name);
            out += ':';
            toJson(out, v[i], i < t.fields.size() ? t.fields[i].second : SqlType::null());
        }
        out += '}';
        return;
    }
    default: appendQuoted(out, v.asText()); return; // STRING, GEOGRAPHY, INTERVAL, RANGE text
    }
}

/// Two-space indentation of compact JSON text (strings left alone).
std::string pretty(std::string_view s) {
    std::string out;
    int depth = 0;
    bool inString = false;
    auto newline = [&] {
        out += '\n';
        out.append(static_cast<std::size_t>(depth) * 2, ' ');
    };
    for (std::size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        if (inString) {
            out += c;
            if (c == '\\' && i + 1 < s.size()) out += s[++i];
            else if (c == '"') inString = false;
            continue;
        }
        switch (c) {
        case '"': inString = true; out += c; break;
        case '{': case '[':
            out += c;
            if (i + 1 < s.size() && (s[i + 1] == '}' || s[i + 1] == ']')) break;
            ++depth;
            newline();
            break;
        case '}': case ']':
            if (i > 0 && (s[i - 1] == '{' || s[i - 1] == '[')) {
                out += c;
                break;
            }
            --depth;
            newline();
            out += c;
            break;
        case ',': out += c; newline(); break;
        case ':': out += ": "; break;
        default: out += c;
        }
    }
    return out;
}

} // namespace

std::optional<SqlType> bindJsonFunction(const Expr& c, const std::vector<SqlType>& a) {
    const auto& n = c.op;
    const auto argc = a.size();
    auto need = [&](std::size_t lo, std::size_t hi) {
        if (argc < lo || argc > hi) noSignature(c, a);
    };
    const bool value = n == "JSON_VALUE" || n == "JSON_EXTRACT_SCALAR";
    const bool query = n == "JSON_QUERY" || n == "JSON_EXTRACT";
    const bool queryArray = n == "JSON_QUERY_ARRAY" || n == "JSON_EXTRACT_ARRAY";
    const bool valueArray = n == "JSON_VALUE_ARRAY" || n == "JSON_EXTRACT_STRING_ARRAY";
    if (value || query || queryArray || valueArray) {
        need(value || queryArray || valueArray ? 1 : 2, 2);
        if (!isJsonInput(a[0]) || (argc == 2 && !isString(a[1]))) noSignature(c, a);
        const bool json = !a[0].unknown && a[0].kind == K::Json;
        if (value) return S(K::String);
        if (valueArray) return S(K::String).arrayOf();
        const SqlType out = json ? S(K::Json) : S(K::String);
        return queryArray ? out.arrayOf() : out;
    }
    if (n == "TO_JSON_STRING") {
        need(1, 2);
        if (argc == 2 && !(a[1].unknown || (!a[1].array && a[1].kind == K::Bool))) noSignature(c, a);
        return S(K::String);
    }
    if (n == "TO_JSON") {
        need(1, 1);
        return S(K::Json);
    }
    if (n == "PARSE_JSON") {
        need(1, 1);
        if (!isString(a[0])) noSignature(c, a);
        return S(K::Json);
    }
    return std::nullopt;
}

std::optional<Value> callJsonFunction(const Expr& c, std::vector<Value>& a) {
    const auto& n = c.op;
    if (n == "TO_JSON_STRING" || n == "TO_JSON") {
        std::string out;
        toJson(out, a[0], c.args[0]->type);
        if (n == "TO_JSON") return Value::json(out);
        const bool indent = a.size() == 2 && a[1].kind() == ValueKind::Bool && a[1].asBool();
        return Value::string(indent ? pretty(out) : out);
    }
    if (n == "PARSE_JSON") {
        if (a[0].isNull()) return Value();
        const Json j = parseJson(a[0].asText());
        if (j.is_discarded()) throw EvalError("PARSE_JSON: the text is not valid JSON: " + std::string(a[0].asText().substr(0, 80)));
        return Value::json(j.dump());
    }
    const bool value = n == "JSON_VALUE" || n == "JSON_EXTRACT_SCALAR";
    const bool query = n == "JSON_QUERY" || n == "JSON_EXTRACT";
    const bool queryArray = n == "JSON_QUERY_ARRAY" || n == "JSON_EXTRACT_ARRAY";
    const bool valueArray = n == "JSON_VALUE_ARRAY" || n == "JSON_EXTRACT_STRING_ARRAY";
    if (!value && !query && !queryArray && !valueArray) return std::nullopt;
    if (a[0].isNull() || (a.size() == 2 && a[1].isNull())) return Value();
    const auto path = parsePath(a.size() == 2 ? a[1].asText() : std::string_view("$"));
    const bool jsonIn = a[0].kind() == ValueKind::Json;
    const Json doc = parseJson(a[0].asText());
    if (doc.is_discarded()) return Value(); // text that is not JSON has nothing at any path
    const Json* node = find(doc, path);
    if (!node) return Value();
    if (value) {
        if (node->is_null() || node->is_object() || node->is_array()) return Value();
        return Value::string(scalarText(*node));
    }
    if (query) {
        if (node->is_null() && !jsonIn) return Value();
        return jsonIn ? Value::json(node->dump()) : Value::string(node->dump());
    }
    if (!node->is_array()) return Value();
    Value out = Value::arrayOf(node->size());
    for (std::size_t i = 0; i < node->size(); ++i) {
        const Json& e = (*node)[i];
        if (valueArray) {
            if (e.is_null() || e.is_object() || e.is_array()) return Value(); // only arrays of scalars
            out[i] = Value::string(scalarText(e));
        } else {
            out[i] = jsonIn ? Value::json(e.dump()) : Value::string(e.dump());
        }
    }
    return out;
}

} // namespace quarry::sandbox::sql
