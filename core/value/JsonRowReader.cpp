// SPDX-License-Identifier: MIT
#include "value/JsonRowReader.h"

#include "value/Civil.h"
#include "value/Numbers.h"
#include "value/RangeText.h"
#include "value/Text.h"

#include <cmath>
#include <nlohmann/json.hpp>

namespace quarry {
namespace {

using nlohmann::json;

std::string show(const json& v) {
    std::string s = v.dump();
    if (s.size() > 60) s = s.substr(0, 57) + "...";
    return s;
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

std::optional<std::int64_t> toInt64(const json& v) {
    if (v.is_number_integer()) {
        if (v.is_number_unsigned() && v.get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX)) return std::nullopt;
        return v.get<std::int64_t>();
    }
    if (v.is_number_float()) {
        const double d = v.get<double>();
        if (std::trunc(d) == d && std::fabs(d) < 9.2e18) return static_cast<std::int64_t>(d);
        return std::nullopt;
    }
    if (v.is_string()) return numbers::parseInt64(v.get_ref<const std::string&>());
    return std::nullopt;
}

std::optional<double> toDouble(const json& v) {
    if (v.is_number()) return v.get<double>();
    if (v.is_string()) return numbers::parseDouble(v.get_ref<const std::string&>());
    return std::nullopt;
}

std::optional<std::string> decimalText(const json& v) {
    if (v.is_string()) return v.get<std::string>();
    if (v.is_number_integer()) return v.dump();
    if (v.is_number_float()) {
        // Plain decimal of the double; NUMERIC from a JSON float is inherently approximate.
        std::string s = v.dump();
        if (s.find_first_of("eE") != std::string::npos) return std::nullopt;
        return s;
    }
    return std::nullopt;
}

std::optional<std::int64_t> toTimestamp(const json& v) {
    if (v.is_number()) {
        // Epoch seconds, as BigQuery accepts in streaming inserts.
        return numbers::secondsTextToMicros(v.dump());
    }
    if (!v.is_string()) return std::nullopt;
    const auto& s = v.get_ref<const std::string&>();
    if (auto t = civil::parseTimestampText(s)) return t;
    return numbers::secondsTextToMicros(s);
}

} // namespace

Value JsonRowReader::readValue(const json& v, const Field& f, const std::string& path,
                               std::vector<RowIssue>& issues) const {
    auto bad = [&](const std::string& what) {
        issues.push_back({path, "Cannot convert value " + show(v) + " to " + what + " for field " + path + "."});
        return Value();
    };
    switch (f.type) {
    case TypeKind::Int64:
        if (auto i = toInt64(v)) return Value::int64(*i);
        return bad("integer");
    case TypeKind::Float64:
        if (auto d = toDouble(v)) return Value::float64(*d);
        return bad("float");
    case TypeKind::Numeric:
    case TypeKind::BigNumeric: {
        const auto t = decimalText(v);
        const bool big = f.type == TypeKind::BigNumeric;
        if (t && (big ? numbers::isBigNumeric(*t) : numbers::isNumeric(*t)))
            return big ? Value::bigNumeric(*t) : Value::numeric(*t);
        return bad(big ? "bignumeric" : "numeric");
    }
    case TypeKind::Bool:
        if (v.is_boolean()) return Value::boolean(v.get<bool>());
        if (v.is_string()) {
            const auto& s = v.get_ref<const std::string&>();
            if (iequals(s, "true") || s == "1") return Value::boolean(true);
            if (iequals(s, "false") || s == "0") return Value::boolean(false);
        }
        return bad("boolean");
    case TypeKind::String:
        if (v.is_string()) return Value::string(v.get_ref<const std::string&>());
        if (v.is_number() || v.is_boolean()) return Value::string(v.dump());
        return bad("string");
    case TypeKind::Bytes:
        if (v.is_string())
            if (auto raw = text::base64Decode(v.get_ref<const std::string&>())) return Value::bytes(*raw);
        return bad("bytes (base64)");
    case TypeKind::Date:
        if (v.is_string())
            if (auto d = civil::parseDate(v.get_ref<const std::string&>())) return Value::date(*d);
        return bad("date");
    case TypeKind::Time:
        if (v.is_string())
            if (auto t = civil::parseTime(v.get_ref<const std::string&>())) return Value::time(*t);
        return bad("time");
    case TypeKind::DateTime:
        if (v.is_string())
            if (auto t = civil::parseDateTime(v.get_ref<const std::string&>())) return Value::dateTime(*t);
        return bad("datetime");
    case TypeKind::Timestamp:
        if (auto t = toTimestamp(v); t && *t >= civil::kMinMicros && *t <= civil::kMaxMicros) return Value::timestamp(*t);
        return bad("timestamp");
    case TypeKind::Geography:
        if (v.is_string()) return Value::geography(v.get_ref<const std::string&>());
        return bad("geography");
    case TypeKind::Json:
        if (v.is_string()) {
            // A string holding JSON text is taken as that document, as the client libraries send it.
            const auto& s = v.get_ref<const std::string&>();
            if (json::accept(s)) return Value::json(s);
        }
        return Value::json(v.dump());
    case TypeKind::Interval:
        if (v.is_string()) return Value::interval(v.get_ref<const std::string&>());
        return bad("interval");
    case TypeKind::Range: {
        if (!v.is_string()) return bad("range");
        const auto parts = rangetext::split(v.get_ref<const std::string&>());
        if (!parts) return bad("range");
        Field el = f;
        el.type = f.rangeElement;
        el.mode = Mode::Nullable;
        auto side = [&](std::string_view t) {
            return t == "UNBOUNDED" || t == "NULL" ? Value() : readValue(json(std::string(t)), el, path, issues);
        };
        return Value::range(side(parts->first), side(parts->second));
    }
    case TypeKind::Struct:
        if (!v.is_object()) return bad("record");
        return readRecord(v, f.fields, path, issues);
    }
    return bad("value");
}

Value JsonRowReader::readCell(const json& v, const Field& f, const std::string& path,
                              std::vector<RowIssue>& issues) const {
    if (f.isRepeated()) {
        if (v.is_null()) return Value::arrayOf(0);
        if (!v.is_array()) {
            issues.push_back({path, "Repeated field " + path + " needs an array, got " + show(v) + "."});
            return Value();
        }
        Value out = Value::arrayOf(v.size());
        for (std::size_t i = 0; i < v.size(); ++i) {
            const std::string p = path + "[" + std::to_string(i) + "]";
            if (v[i].is_null()) {
                issues.push_back({p, "NULL element in repeated field " + path + "."});
                continue;
            }
            out[i] = readValue(v[i], f, p, issues);
        }
        return out;
    }
    if (v.is_null()) {
        if (f.mode == Mode::Required) issues.push_back({path, "Missing required field: " + path + "."});
        return Value();
    }
    if (v.is_array()) {
        issues.push_back({path, "Array specified for non-repeated field: " + path + "."});
        return Value();
    }
    return readValue(v, f, path, issues);
}

Value JsonRowReader::readRecord(const json& obj, const std::vector<Field>& fields, const std::string& path,
                                std::vector<RowIssue>& issues) const {
    Value out = Value::structOf(fields.size());
    std::vector<bool> seen(fields.size(), false);
    for (const auto& [key, v] : obj.items()) {
        std::size_t idx = fields.size();
        for (std::size_t i = 0; i < fields.size(); ++i)
            if (iequals(fields[i].name, key)) {
                idx = i;
                break;
            }
        const std::string p = path.empty() ? key : path + "." + key;
        if (idx == fields.size()) {
            if (!ignoreUnknown_) issues.push_back({p, "no such field: " + p + "."});
            continue;
        }
        seen[idx] = true;
        out[idx] = readCell(v, fields[idx], path.empty() ? fields[idx].name : path + "." + fields[idx].name, issues);
    }
    for (std::size_t i = 0; i < fields.size(); ++i) {
        if (seen[i]) continue;
        const std::string p = path.empty() ? fields[i].name : path + "." + fields[i].name;
        if (fields[i].mode == Mode::Required) issues.push_back({p, "Missing required field: " + p + "."});
        if (fields[i].isRepeated()) out[i] = Value::arrayOf(0);
    }
    return out;
}

Value JsonRowReader::read(const json& row, std::vector<RowIssue>& issues) const {
    if (!row.is_object()) {
        issues.push_back({"", "Row is not a JSON object."});
        return Value();
    }
    const auto before = issues.size();
    Value v = readRecord(row, schema_.fields, "", issues);
    if (issues.size() != before) return Value();
    return v;
}

} // namespace quarry
