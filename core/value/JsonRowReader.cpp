// SPDX-License-Identifier: MIT
// One set of insertAll row rules, run over two JSON libraries through small adapters:
// nlohmann (the sandbox's request bodies) and simdjson DOM (the uploader's fast validation).
#include "value/JsonRowReader.h"

#include "value/Civil.h"
#include "value/JsonParse.h"
#include "value/Numbers.h"
#include "value/RangeText.h"
#include "value/Text.h"
#include "value/WireFormat.h"

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
    simdjson::dom::element_type type; ///< read once: every isX() below asks for it
    explicit SJ(simdjson::dom::element x) : e(x), type(x.type()) {}
    simdjson::dom::element_type t() const { return type; }
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

char lowerAscii(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (lowerAscii(a[i]) != lowerAscii(b[i])) return false;
    return true;
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

/// What the rules make of a valid row: nothing (the uploader's validation), a Value (the
/// sandbox), or the row in protobuf's wire format (the uploader's Storage Write API rows).
enum class Make { Check, Build, Wire };
/// One step of a field path, on the C++ stack; the chain is written out only for an issue.
struct Segment {
    std::string_view name;
    std::ptrdiff_t index; ///< array position, or -1
    const Segment* parent;
};

/// The rules. In Make::Wire a row is written to `wire` as it is read, with no Values but its
/// scalars. Field paths are kept as a stack of segments and written out only when there is an
/// issue to report.
template <class J, Make M> class Rules {
    static constexpr bool Build = M == Make::Build;
    static constexpr bool Wire = M == Make::Wire;

public:
    Rules(bool ignoreUnknown, std::vector<RowIssue>& issues, std::string* wire = nullptr)
        : ignoreUnknown_(ignoreUnknown), issues_(issues), wire_(wire) {}

    Value record(const J& obj, const std::vector<Field>& fields) {
        Value out = Build ? Value::structOf(fields.size()) : Value();
        std::uint64_t seenBits = 0; // fields beyond 64 use the vector
        std::vector<bool> seenMore;
        if (fields.size() > 64) seenMore.assign(fields.size(), false);
        auto seen = [&](std::size_t i) -> bool { return i < 64 ? (seenBits >> i) & 1 : seenMore[i]; };
        auto mark = [&](std::size_t i) {
            if (i < 64) seenBits |= std::uint64_t(1) << i;
            else seenMore[i] = true;
        };
        std::size_t hint = 0; // members usually come in schema order
        obj.eachMember([&](std::string_view key, const J& v) {
            std::size_t idx = fields.size();
            if (hint < fields.size() && fields[hint].name == key) {
                idx = hint;
            } else {
                for (std::size_t i = 0; i < fields.size(); ++i)
                    if (iequals(fields[i].name, key)) {
                        idx = i;
                        break;
                    }
            }
            if (idx == fields.size()) {
                if (!ignoreUnknown_) {
                    Segment seg{key, -1, top_};
                top_ = &seg;
                    issue("no such field: " + pathText() + ".");
                    top_ = top_->parent;
                }
                return;
            }
            hint = idx + 1;
            Segment seg{fields[idx].name, -1, top_};
                top_ = &seg;
            if (seen(idx)) {
                issue("Field " + pathText() + " is given twice in one object.");
            } else {
                mark(idx);
                Value c = cell(v, fields[idx], static_cast<int>(idx + 1));
                if constexpr (Build) out[idx] = std::move(c);
            }
            top_ = top_->parent;
        });
        for (std::size_t i = 0; i < fields.size(); ++i) {
            if (seen(i)) continue;
            if (fields[i].mode == Mode::Required) {
                Segment seg{fields[i].name, -1, top_};
                top_ = &seg;
                issue("Missing required field: " + pathText() + ".");
                top_ = top_->parent;
            }
            if constexpr (Build)
                if (fields[i].isRepeated()) out[i] = Value::arrayOf(0);
        }
        return out;
    }

private:
    std::string pathText() const {
        std::vector<const Segment*> chain;
        for (const Segment* x = top_; x; x = x->parent) chain.push_back(x);
        std::string p;
        for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
            const Segment& s = **it;
            if (s.index >= 0) {
                p += "[" + std::to_string(s.index) + "]";
                continue;
            }
            if (!p.empty()) p += '.';
            p += s.name;
        }
        return p;
    }

    void issue(std::string message) { issues_.push_back({pathText(), std::move(message)}); }

    static std::string show(const J& v) {
        std::string s = v.dump();
        if (s.size() > 60) s = s.substr(0, 57) + "...";
        return s;
    }

    Value bad(const J& v, const char* what) {
        const std::string p = pathText();
        issues_.push_back({p, "Cannot convert value " + show(v) + " to " + what + " for field " + p + "."});
        return Value();
    }

    /// The value, or a placeholder when only validity is wanted.
    template <class F> static Value make(F&& f) {
        if constexpr (M != Make::Check) return f();
        else return Value();
    }

    /// Make::Wire: one value (an element, for a REPEATED column) of column `f` written as
    /// field `number`.
    void putOne(const J& v, const Field& f, int number) {
        std::string& out = *wire_;
        if (f.type == TypeKind::Struct) {
            if (!v.isObject()) {
                bad(v, "record");
                return;
            }
            const auto mark = wire::open(out, number);
            record(v, f.fields);
            wire::close(out, mark);
            return;
        }
        if (f.type == TypeKind::String && v.isString()) { // the commonest: no Value on the way
            wire::bytesField(out, number, v.str());
            return;
        }
        const auto before = issues_.size();
        const Value x = value(v, f);
        if (issues_.size() == before && !x.isNull()) wire::scalar(out, number, f, f.type, x);
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

    Value value(const J& v, const Field& f) {
        switch (f.type) {
        case TypeKind::Int64:
            if (auto i = toInt64(v)) return make([&] { return Value::int64(*i); });
            return bad(v, "integer");
        case TypeKind::Float64:
            if (v.isNumber())
                return make([&] { return Value::float64(v.isFloat() ? v.dbl() : v.isUnsigned() ? double(v.u64()) : double(v.i64())); });
            if (v.isString())
                if (auto d = numbers::parseDouble(v.str())) return make([&] { return Value::float64(*d); });
            return bad(v, "float");
        case TypeKind::Numeric:
        case TypeKind::BigNumeric: {
            const auto t = decimalText(v);
            const bool big = f.type == TypeKind::BigNumeric;
            if (t && (big ? numbers::isBigNumeric(*t) : numbers::isNumeric(*t)))
                return make([&] { return big ? Value::bigNumeric(*t) : Value::numeric(*t); });
            return bad(v, big ? "bignumeric" : "numeric");
        }
        case TypeKind::Bool:
            if (v.isBool()) return make([&] { return Value::boolean(v.boolean()); });
            if (v.isString()) {
                const auto s = v.str();
                if (iequals(s, "true") || s == "1") return make([] { return Value::boolean(true); });
                if (iequals(s, "false") || s == "0") return make([] { return Value::boolean(false); });
            }
            return bad(v, "boolean");
        case TypeKind::String:
            if (v.isString()) return make([&] { return Value::string(v.str()); });
            if (v.isNumber() || v.isBool()) return make([&] { return Value::string(v.dump()); });
            return bad(v, "string");
        case TypeKind::Bytes:
            if (v.isString())
                if (auto raw = text::base64Decode(v.str())) return make([&] { return Value::bytes(*raw); });
            return bad(v, "bytes (base64)");
        case TypeKind::Time:
            if (v.isString())
                if (auto t = civil::parseTime(v.str())) return make([&] { return Value::time(*t); });
            return bad(v, "time");
        case TypeKind::Date:
        case TypeKind::DateTime:
        case TypeKind::Timestamp: {
            std::optional<Value> out;
            if (v.isString()) out = civilFromText(f.type, v.str());
            // Epoch seconds as a JSON number, as BigQuery accepts in streaming inserts.
            else if (v.isNumber() && f.type == TypeKind::Timestamp) out = civilFromText(f.type, v.dump());
            if (out) return *out;
            return bad(v, f.type == TypeKind::Date ? "date" : f.type == TypeKind::DateTime ? "datetime" : "timestamp");
        }
        case TypeKind::Geography:
            if (v.isString()) return make([&] { return Value::geography(v.str()); });
            return bad(v, "geography");
        case TypeKind::Json: {
            // A string holding JSON text is taken as that document, as the client libraries send it.
            const bool holdsText = v.isString() && json::accept(v.str());
            const std::string dumped = holdsText ? std::string() : v.dump();
            const std::string_view doc = holdsText ? v.str() : std::string_view(dumped);
            if (const int depth = jsonNestingDepth(doc); depth > kMaxJsonColumnDepth) {
                issue("Field " + pathText() + " holds JSON nested " + std::to_string(depth) + " levels deep; a JSON column holds at most " +
                      std::to_string(kMaxJsonColumnDepth) + ".");
                return Value();
            }
            return make([&] { return Value::json(doc); });
        }
        case TypeKind::Interval:
            if (v.isString()) return make([&] { return Value::interval(v.str()); });
            return bad(v, "interval");
        case TypeKind::Range: {
            const auto parts = v.isString() ? rangetext::split(v.str()) : std::nullopt;
            if (!parts) return bad(v, "range");
            bool ok = true;
            auto side = [&](std::string_view t) {
                if (t == "UNBOUNDED" || t == "NULL") return Value();
                auto x = civilFromText(f.rangeElement, t);
                if (!x) ok = false;
                return x ? *x : Value();
            };
            Value r = Value::range(side(parts->first), side(parts->second));
            if (!ok) return bad(v, "range");
            return r;
        }
        case TypeKind::Struct:
            if (!v.isObject()) return bad(v, "record");
            return record(v, f.fields);
        }
        return bad(v, "value");
    }

    /// Column `f`'s cell (field `number` of its message in Make::Wire, where NULL and empty
    /// arrays write nothing, as protobuf leaves them out).
    Value cell(const J& v, const Field& f, int number) {
        if (f.isRepeated()) {
            if (v.isNull()) return make([] { return Value::arrayOf(0); });
            if (!v.isArray()) {
                issue("Repeated field " + pathText() + " needs an array, got " + show(v) + ".");
                return Value();
            }
            Value out = Build ? Value::arrayOf(v.size()) : Value();
            v.eachElement([&](std::size_t i, const J& x) {
                Segment seg{{}, static_cast<std::ptrdiff_t>(i), top_};
                top_ = &seg;
                if (x.isNull()) {
                    top_ = top_->parent;
                    const std::string p = pathText();
                    issues_.push_back({p + "[" + std::to_string(i) + "]", "NULL element in repeated field " + p + "."});
                    return;
                }
                if constexpr (Wire) {
                    putOne(x, f, number);
                } else {
                    Value e = value(x, f);
                    if constexpr (Build) out[i] = std::move(e);
                }
                top_ = top_->parent;
            });
            return out;
        }
        if (v.isNull()) {
            if (f.mode == Mode::Required) issue("Missing required field: " + pathText() + ".");
            return Value();
        }
        if (v.isArray()) {
            issue("Array specified for non-repeated field: " + pathText() + ".");
            return Value();
        }
        if constexpr (Wire) {
            putOne(v, f, number);
            return Value();
        }
        return value(v, f);
    }

    bool ignoreUnknown_;
    std::vector<RowIssue>& issues_;
    std::string* wire_; ///< Make::Wire: where the row goes
    const Segment* top_ = nullptr;
};

template <class J, Make M>
Value readRow(const J& row, const Schema& schema, bool ignoreUnknown, std::vector<RowIssue>& issues, std::string* wire = nullptr) {
    if (!row.isObject()) {
        issues.push_back({"", "Row is not a JSON object."});
        return Value();
    }
    const auto before = issues.size();
    Value v = Rules<J, M>(ignoreUnknown, issues, wire).record(row, schema.fields);
    if (issues.size() != before) return Value();
    return v;
}

} // namespace

Value JsonRowReader::read(const json& row, std::vector<RowIssue>& issues) const {
    return readRow<NJ, Make::Build>(NJ{&row}, schema_, ignoreUnknown_, issues);
}

Value JsonRowReader::readDom(const simdjson::dom::element& row, std::vector<RowIssue>& issues) const {
    return readRow<SJ, Make::Build>(SJ{row}, schema_, ignoreUnknown_, issues);
}

bool JsonRowReader::checkDom(const simdjson::dom::element& row, std::vector<RowIssue>& issues) const {
    const auto before = issues.size();
    (void)readRow<SJ, Make::Check>(SJ{row}, schema_, ignoreUnknown_, issues);
    return issues.size() == before;
}

bool JsonRowReader::encodeDom(const simdjson::dom::element& row, std::string& out, std::vector<RowIssue>& issues) const {
    const auto before = issues.size();
    const auto size = out.size();
    (void)readRow<SJ, Make::Wire>(SJ{row}, schema_, ignoreUnknown_, issues, &out);
    if (issues.size() == before) return true;
    out.resize(size);
    return false;
}

} // namespace quarry
