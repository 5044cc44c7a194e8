// SPDX-License-Identifier: MIT
#include "value/FvCodec.h"
#include "value/JsonParse.h"

#include "value/Civil.h"
#include "value/Numbers.h"
#include "value/RangeText.h"
#include "value/Text.h"

#include <simdjson.h>

namespace quarry {
namespace dom = simdjson::dom;

namespace {

/// Adds a path segment to a DecodeError thrown below.
[[noreturn]] void rethrowWith(const DecodeError& e, const std::string& segment) {
    throw DecodeError(segment + e.what());
}

std::string typeLabel(const Field& f) { return std::string(legacyTypeName(f.type)); }

std::string_view jsonTypeName(dom::element_type t) {
    switch (t) {
    case dom::element_type::ARRAY: return "an array";
    case dom::element_type::OBJECT: return "an object";
    case dom::element_type::INT64:
    case dom::element_type::UINT64:
    case dom::element_type::DOUBLE: return "a number";
    case dom::element_type::STRING: return "a string";
    case dom::element_type::BOOL: return "a boolean";
    case dom::element_type::NULL_VALUE: return "null";
    }
    return "something else";
}

std::string quoteForError(std::string_view s) {
    if (s.size() > 40) return "'" + std::string(s.substr(0, 40)) + "...'";
    return "'" + std::string(s) + "'";
}

bool isIntervalText(std::string_view s) {
    if (s.empty() || s.size() > 64) return false;
    for (char c : s)
        if (!((c >= '0' && c <= '9') || c == '-' || c == ' ' || c == ':' || c == '.')) return false;
    return true;
}

} // namespace

struct FvDecoder::Impl {
    TimestampEncoding ts;
    dom::parser parser;

    Value scalar(std::string_view s, TypeKind type, const Field& f) const;
    Value timestamp(std::string_view s) const;
    Value single(dom::element v, const Field& f) const;
    Value cellValue(dom::element v, const Field& f) const;
    Value row(dom::element r, const std::vector<Field>& fields) const;
};

Value FvDecoder::Impl::timestamp(std::string_view s) const {
    TimestampEncoding enc = ts;
    if (enc == TimestampEncoding::Auto) {
        if (s.find(':') != std::string_view::npos) enc = TimestampEncoding::Iso8601;
        else if (s.find_first_of(".eE") != std::string_view::npos) enc = TimestampEncoding::FloatSeconds;
        else enc = TimestampEncoding::Int64Micros;
    }
    std::optional<std::int64_t> us;
    switch (enc) {
    case TimestampEncoding::Int64Micros: us = numbers::parseInt64(s); break;
    case TimestampEncoding::Iso8601: us = civil::parseTimestampText(s); break;
    default: us = numbers::secondsTextToMicros(s); break;
    }
    if (!us) throw DecodeError(": " + quoteForError(s) + " is not a TIMESTAMP");
    return Value::timestamp(*us);
}

Value FvDecoder::Impl::scalar(std::string_view s, TypeKind type, const Field& f) const {
    auto bad = [&]() -> DecodeError {
        return DecodeError(": " + quoteForError(s) + " is not a valid " + std::string(legacyTypeName(type)));
    };
    switch (type) {
    case TypeKind::Int64:
        if (auto v = numbers::parseInt64(s)) return Value::int64(*v);
        throw bad();
    case TypeKind::Float64:
        if (auto v = numbers::parseDouble(s)) return Value::float64(*v);
        throw bad();
    case TypeKind::Numeric:
        if (numbers::isNumeric(s)) return Value::numeric(s);
        throw bad();
    case TypeKind::BigNumeric:
        if (numbers::isBigNumeric(s)) return Value::bigNumeric(s);
        throw bad();
    case TypeKind::Bool:
        if (s == "true" || s == "TRUE" || s == "True") return Value::boolean(true);
        if (s == "false" || s == "FALSE" || s == "False") return Value::boolean(false);
        throw bad();
    case TypeKind::String: return Value::string(s);
    case TypeKind::Bytes:
        if (auto raw = text::base64Decode(s)) return Value::bytes(*raw);
        throw bad();
    case TypeKind::Date:
        if (auto v = civil::parseDate(s)) return Value::date(*v);
        throw bad();
    case TypeKind::Time:
        if (auto v = civil::parseTime(s)) return Value::time(*v);
        throw bad();
    case TypeKind::DateTime:
        if (auto v = civil::parseDateTime(s)) return Value::dateTime(*v);
        throw bad();
    case TypeKind::Timestamp: return timestamp(s);
    case TypeKind::Geography: return Value::geography(s);
    case TypeKind::Json: return Value::json(s);
    case TypeKind::Interval:
        if (isIntervalText(s)) return Value::interval(s);
        throw bad();
    case TypeKind::Range: {
        auto parts = rangetext::split(s);
        if (!parts) throw bad();
        auto side = [&](std::string_view t) {
            return t == "UNBOUNDED" || t == "NULL" ? Value() : scalar(t, f.rangeElement, f);
        };
        return Value::range(side(parts->first), side(parts->second));
    }
    case TypeKind::Struct: break;
    }
    throw bad();
}

Value FvDecoder::Impl::single(dom::element v, const Field& f) const {
    const auto t = v.type();
    if (t == dom::element_type::NULL_VALUE) return {};
    if (f.isRecord()) {
        if (t != dom::element_type::OBJECT)
            throw DecodeError(": expected a record {\"f\":[...]}, got " + std::string(jsonTypeName(t)));
        return row(v, f.fields);
    }
    switch (t) {
    case dom::element_type::STRING: return scalar(v.get_string().value_unsafe(), f.type, f);
    case dom::element_type::INT64:
        if (f.type == TypeKind::Int64) return Value::int64(v.get_int64().value_unsafe());
        if (f.type == TypeKind::Float64) return Value::float64(static_cast<double>(v.get_int64().value_unsafe()));
        break;
    case dom::element_type::DOUBLE:
        if (f.type == TypeKind::Float64) return Value::float64(v.get_double().value_unsafe());
        break;
    case dom::element_type::BOOL:
        if (f.type == TypeKind::Bool) return Value::boolean(v.get_bool().value_unsafe());
        break;
    default: break;
    }
    throw DecodeError(": expected a string for " + typeLabel(f) + ", got " + std::string(jsonTypeName(t)));
}

Value FvDecoder::Impl::cellValue(dom::element v, const Field& f) const {
    if (!f.isRepeated()) return single(v, f);
    if (v.is_null()) return Value::arrayOf(0);
    dom::array arr;
    if (v.get_array().get(arr))
        throw DecodeError(": expected an array for REPEATED " + typeLabel(f) + ", got " +
                          std::string(jsonTypeName(v.type())));
    Value out = Value::arrayOf(arr.size());
    auto items = out.items();
    std::size_t i = 0;
    for (dom::element el : arr) {
        try {
            dom::element inner;
            if (el.at_key("v").get(inner))
                throw DecodeError(": array element is not {\"v\":...}");
            if (inner.is_null()) throw DecodeError(": arrays cannot hold NULL elements");
            items[i] = single(inner, f);
        } catch (const DecodeError& e) {
            rethrowWith(e, "[" + std::to_string(i) + "]");
        }
        ++i;
    }
    return out;
}

Value FvDecoder::Impl::row(dom::element r, const std::vector<Field>& fields) const {
    dom::array cells;
    if (r.at_key("f").get_array().get(cells))
        throw DecodeError(": expected {\"f\":[...]}, got " + std::string(jsonTypeName(r.type())));
    const auto n = cells.size();
    if (n != fields.size())
        throw DecodeError(": has " + std::to_string(n) + " cells but the schema has " +
                          std::to_string(fields.size()) + " fields");
    Value out = Value::structOf(n);
    auto items = out.items();
    std::size_t i = 0;
    for (dom::element cell : cells) {
        const Field& f = fields[i];
        try {
            dom::element v;
            if (cell.at_key("v").get(v)) throw DecodeError(": cell is not {\"v\":...}");
            items[i] = cellValue(v, f);
        } catch (const DecodeError& e) {
            rethrowWith(e, "." + f.name);
        }
        ++i;
    }
    return out;
}

FvDecoder::FvDecoder(TimestampEncoding ts) : d_(std::make_unique<Impl>()) { d_->ts = ts; }
FvDecoder::~FvDecoder() = default;

Value FvDecoder::decodeScalar(std::string_view text, const Field& field) const {
    try {
        return d_->scalar(text, field.type, field);
    } catch (const DecodeError& e) {
        rethrowWith(e, field.name);
    }
}

RowPage FvDecoder::decodeResponse(std::string_view body, const Schema* knownSchema) {
    dom::element doc;
    if (auto err = d_->parser.parse(body.data(), body.size(), true).get(doc))
        throw DecodeError(std::string("response is not valid JSON: ") + simdjson::error_message(err));
    if (!doc.is_object()) throw DecodeError("response is not a JSON object");

    RowPage page;
    page.bodyBytes = body.size();
    if (dom::element s; !doc.at_key("schema").get(s)) {
        try {
            page.schema = Schema::parse(simdjson::minify(s));
        } catch (const SchemaError& e) {
            throw DecodeError(std::string("schema: ") + e.what());
        }
    } else if (knownSchema) {
        page.schema = *knownSchema;
    }
    if (bool complete; !doc.at_key("jobComplete").get_bool().get(complete)) page.jobComplete = complete;
    if (std::string_view tr; !doc.at_key("totalRows").get_string().get(tr)) {
        page.totalRows = numbers::parseInt64(tr);
        if (!page.totalRows) throw DecodeError("totalRows: " + quoteForError(tr) + " is not a number");
    }
    if (std::string_view pt; !doc.at_key("pageToken").get_string().get(pt)) page.pageToken = pt;
    const dom::object top = doc.get_object().value_unsafe();
    for (auto [key, value] : top) {
        if (key == "rows" || key == "schema") continue;
        page.meta[std::string(key)] = parseJsonOrDiscard(simdjson::minify(value));
    }

    dom::element rows;
    if (doc.at_key("rows").get(rows) || rows.is_null()) return page;
    dom::array arr;
    if (rows.get_array().get(arr)) throw DecodeError("rows: expected an array");
    if (arr.size() > 0 && page.schema.fields.empty())
        throw DecodeError("rows: the response has rows but no schema");
    page.rows.reserve(arr.size());
    std::size_t i = 0;
    for (dom::element r : arr) {
        try {
            page.rows.push_back(d_->row(r, page.schema.fields));
        } catch (const DecodeError& e) {
            rethrowWith(e, "rows[" + std::to_string(i) + "]");
        }
        ++i;
    }
    return page;
}

std::size_t RowPage::memoryBytes() const {
    std::size_t n = rows.capacity() * sizeof(Value);
    for (const auto& r : rows) n += r.heapBytes();
    return n;
}

// ---- encoder ----

std::string FvEncoder::scalarText(const Value& v, const Field& f) const {
    switch (v.kind()) {
    case ValueKind::Int64: return std::to_string(v.asInt64());
    case ValueKind::Float64: return numbers::formatDouble(v.asDouble());
    case ValueKind::Bool: return v.asBool() ? "true" : "false";
    case ValueKind::Bytes: return text::base64Encode(v.asText());
    case ValueKind::Date: return civil::formatDate(static_cast<std::int32_t>(v.asInt64()));
    case ValueKind::Time: return civil::formatTime(v.asInt64());
    case ValueKind::DateTime: return civil::formatDateTime(v.asInt64());
    case ValueKind::Timestamp:
        switch (ts_) {
        case TimestampEncoding::Int64Micros: return std::to_string(v.asInt64());
        case TimestampEncoding::Iso8601: return civil::formatTimestampRfc3339(v.asInt64());
        default: return numbers::microsToSecondsText(v.asInt64());
        }
    case ValueKind::Range: {
        Field el = f;
        el.type = f.rangeElement;
        auto side = [&](const Value& x) { return x.isNull() ? std::string("UNBOUNDED") : scalarText(x, el); };
        return "[" + side(v[0]) + ", " + side(v[1]) + ")";
    }
    default: return std::string(v.asText());
    }
}

void FvEncoder::appendSingle(std::string& out, const Value& v, const Field& f) const {
    if (v.isNull()) {
        out += "null";
    } else if (v.kind() == ValueKind::Struct) {
        appendRow(out, v, f.fields);
    } else {
        text::appendJsonString(out, scalarText(v, f));
    }
}

void FvEncoder::appendCellValue(std::string& out, const Value& v, const Field& f) const {
    if (!f.isRepeated()) {
        appendSingle(out, v, f);
        return;
    }
    out.push_back('[');
    bool first = true;
    for (const auto& el : v.items()) {
        if (!first) out.push_back(',');
        first = false;
        out += "{\"v\":";
        appendSingle(out, el, f);
        out.push_back('}');
    }
    out.push_back(']');
}

void FvEncoder::appendRow(std::string& out, const Value& row, const std::vector<Field>& fields) const {
    out += "{\"f\":[";
    const auto items = row.items();
    for (std::size_t i = 0; i < fields.size(); ++i) {
        if (i) out.push_back(',');
        out += "{\"v\":";
        if (i < items.size()) appendCellValue(out, items[i], fields[i]);
        else out += "null";
        out.push_back('}');
    }
    out += "]}";
}

} // namespace quarry
