// SPDX-License-Identifier: MIT
// One set of insertAll row rules, run over two JSON libraries through small adapters:
// nlohmann (the sandbox's request bodies) and simdjson DOM (the uploader's fast validation).
#include "value/JsonRowReader.h"

#include "value/Civil.h"
#include "value/Numbers.h"
#include "value/RangeText.h"
#include "value/Text.h"

#include <cmath>
#include <nlohmann/json.hpp>
#include <simdjson.h>

namespace quarry {
namespace {

using nlohmann::json;

/// nlohmann::json seen through the adapter interface the rules use.
struct NJ {
    const json* j;
    bool isNull() const { return j->is_null(); }
    bool isObject() const { return j->is_object(); }
    bool isArray() const { return j->is_array(); }
    bool isString() const { return j->is_string(); }
    bool isBool() const { return j->is_boolean(); }
    bool isNumber() const { return j->is_number(); }
    bool isInteger() const { return j->is_number_integer(); }
    bool isUnsigned() const { return j->is_number_unsigned(); }
    bool isFloat() const { return j->is_number_float(); }
    bool boolean() const { return j->get<bool>(); }
    std::int64_t i64() const { return j->get<std::int64_t>(); }
    std::uint64_t u64() const { return j->get<std::uint64_t>(); }
    double dbl() const { return j->get<double>(); }
    std::string_view str() const { return j->get_ref<const std::string&>(); }
    std::string dump() const { return j->dump(); }
    std::size_t size() const { return j->size(); }
    template <class F> void eachElement(F&& f) const {
        std::size_t i = 0;
        for (const auto& e : *j) f(i++, NJ{&e});
    }
    template <class F> void eachMember(F&& f) const {
        for (const auto& [k, v] : j->items()) f(std::string_view(k), NJ{&v});
    }
};

/// simdjson::dom::element seen through the same interface. Duplicate keys stay visible here.
struct SJ {
    simdjson::dom::element e;
    simdjson::dom::element_type t() const { return e.type(); }
    bool isNull() const { return t() == simdjson::dom::element_type::NULL_VALUE; }
    bool isObject() const { return t() == simdjson::dom::element_type::OBJECT; }
    bool isArray() const { return t() == simdjson::dom::element_type::ARRAY; }
    bool isString() const { return t() == simdjson::dom::element_type::STRING; }
    bool isBool() const { return t() == simdjson::dom::element_type::BOOL; }
    bool isInteger() const {
        return t() == simdjson::dom::element_type::INT64 || t() == simdjson::dom::element_type::UINT64;
    }
    bool isUnsigned() const { return t() == simdjson::dom::element_type::UINT64; }
    bool isFloat() const { return t() == simdjson::dom::element_type::DOUBLE; }
    bool isNumber() const { return isInteger() || isFloat(); }
    bool boolean() const { return bool(e.get_bool().value_unsafe()); }
    std::int64_t i64() const { return e.get_int64().value_unsafe(); }
    std::uint64_t u64() const { return e.get_uint64().value_unsafe(); }
    double dbl() const { return e.get_double().value_unsafe(); }
    std::string_view str() const { return e.get_string().value_unsafe(); }
    std::string dump() const { return simdjson::minify(e); }
    simdjson::dom::array arr() const {
        simdjson::dom::array a;
        if (e.get(a)) return {};
        return a;
    }
    std::size_t size() const { return arr().size(); }
    template <class F> void eachElement(F&& f) const {
        std::size_t i = 0;
        for (simdjson::dom::element x : arr()) f(i++, SJ{x});
    }
    template <class F> void eachMember(F&& f) const {
        simdjson::dom::object o;
        if (e.get(o)) return;
        for (auto kv : o) f(kv.key, SJ{kv.value});
    }
};

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

std::string join(const std::string& path, std::string_view name) {
    return path.empty() ? std::string(name) : path + "." + std::string(name);
}

/// A civil or timestamp value written as text (also the sides of a RANGE).
std::optional<Value> civilFromText(TypeKind type, std::string_view s) {
    switch (type) {
    case TypeKind::Date:
        if (auto d = civil::parseDate(s)) return Value::date(*d);
        return std::nullopt;
    case TypeKind::DateTime:
        if (auto t = civil::parseDateTime(s)) return Value::dateTime(*t);
        return std::nullopt;
    case TypeKind::Timestamp: {
        auto t = civil::parseTimestampText(s);
        if (!t) t = numbers::secondsTextToMicros(s);
        if (t && *t >= civil::kMinMicros && *t <= civil::kMaxMicros) return Value::timestamp(*t);
        return std::nullopt;
    }
    default:
        return std::nullopt;
    }
}

template <class J> class Rules {
public:
    Rules(bool ignoreUnknown, std::vector<RowIssue>& issues) : ignoreUnknown_(ignoreUnknown), issues_(issues) {}

    Value record(const J& obj, const std::vector<Field>& fields, const std::string& path) {
        Value out = Value::structOf(fields.size());
        std::vector<bool> seen(fields.size(), false);
        obj.eachMember([&](std::string_view key, const J& v) {
            std::size_t idx = fields.size();
            for (std::size_t i = 0; i < fields.size(); ++i)
                if (iequals(fields[i].name, key)) {
                    idx = i;
                    break;
                }
            if (idx == fields.size()) {
                if (!ignoreUnknown_) {
                    const auto p = join(path, key);
                    issues_.push_back({p, "no such field: " + p + "."});
                }
                return;
            }
            const auto p = join(path, fields[idx].name);
            if (seen[idx]) {
                issues_.push_back({p, "Field " + p + " is given twice in one object."});
                return;
            }
            seen[idx] = true;
            out[idx] = cell(v, fields[idx], p);
        });
        for (std::size_t i = 0; i < fields.size(); ++i) {
            if (seen[i]) continue;
            if (fields[i].mode == Mode::Required) {
                const auto p = join(path, fields[i].name);
                issues_.push_back({p, "Missing required field: " + p + "."});
            }
            if (fields[i].isRepeated()) out[i] = Value::arrayOf(0);
        }
        return out;
    }

private:
    static std::string show(const J& v) {
        std::string s = v.dump();
        if (s.size() > 60) s = s.substr(0, 57) + "...";
        return s;
    }

    Value bad(const J& v, const std::string& path, const char* what) {
        issues_.push_back({path, "Cannot convert value " + show(v) + " to " + what + " for field " + path + "."});
        return Value();
    }

    std::optional<std::int64_t> toInt64(const J& v) {
        if (v.isInteger()) {
            if (v.isUnsigned() && v.u64() > static_cast<std::uint64_t>(INT64_MAX)) return std::nullopt;
            return v.isUnsigned() ? static_cast<std::int64_t>(v.u64()) : v.i64();
        }
        if (v.isFloat()) {
            const double d = v.dbl();
            if (std::trunc(d) == d && std::fabs(d) < 9.2e18) return static_cast<std::int64_t>(d);
            return std::nullopt;
        }
        if (v.isString()) return numbers::parseInt64(v.str());
        return std::nullopt;
    }

    std::optional<std::string> decimalText(const J& v) {
        if (v.isString()) return std::string(v.str());
        if (v.isInteger()) return v.dump();
        if (v.isFloat()) {
            // Plain decimal of the double; NUMERIC from a JSON float is inherently approximate.
            std::string s = v.dump();
            if (s.find_first_of("eE") != std::string::npos) return std::nullopt;
            return s;
        }
        return std::nullopt;
    }

    Value value(const J& v, const Field& f, const std::string& path) {
        switch (f.type) {
        case TypeKind::Int64:
            if (auto i = toInt64(v)) return Value::int64(*i);
            return bad(v, path, "integer");
        case TypeKind::Float64:
            if (v.isNumber()) return Value::float64(v.isFloat() ? v.dbl() : v.isUnsigned() ? double(v.u64()) : double(v.i64()));
            if (v.isString())
                if (auto d = numbers::parseDouble(v.str())) return Value::float64(*d);
            return bad(v, path, "float");
        case TypeKind::Numeric:
        case TypeKind::BigNumeric: {
            const auto t = decimalText(v);
            const bool big = f.type == TypeKind::BigNumeric;
            if (t && (big ? numbers::isBigNumeric(*t) : numbers::isNumeric(*t)))
                return big ? Value::bigNumeric(*t) : Value::numeric(*t);
            return bad(v, path, big ? "bignumeric" : "numeric");
        }
        case TypeKind::Bool:
            if (v.isBool()) return Value::boolean(v.boolean());
            if (v.isString()) {
                const auto s = v.str();
                if (iequals(s, "true") || s == "1") return Value::boolean(true);
                if (iequals(s, "false") || s == "0") return Value::boolean(false);
            }
            return bad(v, path, "boolean");
        case TypeKind::String:
            if (v.isString()) return Value::string(v.str());
            if (v.isNumber() || v.isBool()) return Value::string(v.dump());
            return bad(v, path, "string");
        case TypeKind::Bytes:
            if (v.isString())
                if (auto raw = text::base64Decode(v.str())) return Value::bytes(*raw);
            return bad(v, path, "bytes (base64)");
        case TypeKind::Time:
            if (v.isString())
                if (auto t = civil::parseTime(v.str())) return Value::time(*t);
            return bad(v, path, "time");
        case TypeKind::Date:
        case TypeKind::DateTime:
        case TypeKind::Timestamp: {
            std::optional<Value> out;
            if (v.isString()) out = civilFromText(f.type, v.str());
            // Epoch seconds as a JSON number, as BigQuery accepts in streaming inserts.
            else if (v.isNumber() && f.type == TypeKind::Timestamp) out = civilFromText(f.type, v.dump());
            if (out) return *out;
            return bad(v, path, f.type == TypeKind::Date ? "date" : f.type == TypeKind::DateTime ? "datetime" : "timestamp");
        }
        case TypeKind::Geography:
            if (v.isString()) return Value::geography(v.str());
            return bad(v, path, "geography");
        case TypeKind::Json:
            // A string holding JSON text is taken as that document, as the client libraries send it.
            if (v.isString() && json::accept(v.str())) return Value::json(v.str());
            return Value::json(v.dump());
        case TypeKind::Interval:
            if (v.isString()) return Value::interval(v.str());
            return bad(v, path, "interval");
        case TypeKind::Range: {
            const auto parts = v.isString() ? rangetext::split(v.str()) : std::nullopt;
            if (!parts) return bad(v, path, "range");
            bool ok = true;
            auto side = [&](std::string_view t) {
                if (t == "UNBOUNDED" || t == "NULL") return Value();
                auto x = civilFromText(f.rangeElement, t);
                if (!x) ok = false;
                return x ? *x : Value();
            };
            Value r = Value::range(side(parts->first), side(parts->second));
            if (!ok) return bad(v, path, "range");
            return r;
        }
        case TypeKind::Struct:
            if (!v.isObject()) return bad(v, path, "record");
            return record(v, f.fields, path);
        }
        return bad(v, path, "value");
    }

    Value cell(const J& v, const Field& f, const std::string& path) {
        if (f.isRepeated()) {
            if (v.isNull()) return Value::arrayOf(0);
            if (!v.isArray()) {
                issues_.push_back({path, "Repeated field " + path + " needs an array, got " + show(v) + "."});
                return Value();
            }
            Value out = Value::arrayOf(v.size());
            v.eachElement([&](std::size_t i, const J& x) {
                const std::string p = path + "[" + std::to_string(i) + "]";
                if (x.isNull()) issues_.push_back({p, "NULL element in repeated field " + path + "."});
                else out[i] = value(x, f, p);
            });
            return out;
        }
        if (v.isNull()) {
            if (f.mode == Mode::Required) issues_.push_back({path, "Missing required field: " + path + "."});
            return Value();
        }
        if (v.isArray()) {
            issues_.push_back({path, "Array specified for non-repeated field: " + path + "."});
            return Value();
        }
        return value(v, f, path);
    }

    bool ignoreUnknown_;
    std::vector<RowIssue>& issues_;
};

template <class J> Value readRow(const J& row, const Schema& schema, bool ignoreUnknown, std::vector<RowIssue>& issues) {
    if (!row.isObject()) {
        issues.push_back({"", "Row is not a JSON object."});
        return Value();
    }
    const auto before = issues.size();
    Value v = Rules<J>(ignoreUnknown, issues).record(row, schema.fields, "");
    if (issues.size() != before) return Value();
    return v;
}

} // namespace

Value JsonRowReader::read(const json& row, std::vector<RowIssue>& issues) const {
    return readRow(NJ{&row}, schema_, ignoreUnknown_, issues);
}

Value JsonRowReader::readDom(const simdjson::dom::element& row, std::vector<RowIssue>& issues) const {
    return readRow(SJ{row}, schema_, ignoreUnknown_, issues);
}

} // namespace quarry
