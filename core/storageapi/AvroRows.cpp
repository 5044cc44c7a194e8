// SPDX-License-Identifier: MIT
#include "storageapi/AvroRows.h"

#include "storageapi/ScaledDecimal.h"
#include "value/Civil.h"

#include <avro.h>
#include <nlohmann/json.hpp>

namespace quarry::storageapi::avro {

namespace {

using Json = nlohmann::json;

[[noreturn]] void fail(const std::string& what) { throw AvroError(what + ": " + avro_strerror()); }
void check(int rc, const char* what) {
    if (rc != 0) fail(what);
}

Json scalarType(const Field& f, int& records) {
    switch (f.type) {
    case TypeKind::Int64: return "long";
    case TypeKind::Float64: return "double";
    case TypeKind::Bool: return "boolean";
    case TypeKind::String: return "string";
    case TypeKind::Bytes: return "bytes";
    case TypeKind::Numeric: return {{"type", "bytes"}, {"logicalType", "decimal"}, {"precision", 38}, {"scale", 9}};
    case TypeKind::BigNumeric: return {{"type", "bytes"}, {"logicalType", "decimal"}, {"precision", 77}, {"scale", 38}};
    case TypeKind::Date: return {{"type", "int"}, {"logicalType", "date"}};
    case TypeKind::Time: return {{"type", "long"}, {"logicalType", "time-micros"}};
    case TypeKind::Timestamp: return {{"type", "long"}, {"logicalType", "timestamp-micros"}};
    case TypeKind::DateTime: return {{"type", "string"}, {"logicalType", "datetime"}};
    case TypeKind::Geography: return {{"type", "string"}, {"sqlType", "GEOGRAPHY"}};
    case TypeKind::Json: return {{"type", "string"}, {"sqlType", "JSON"}};
    case TypeKind::Interval: return {{"type", "string"}, {"sqlType", "INTERVAL"}};
    case TypeKind::Range: {
        Field bound;
        bound.type = f.rangeElement;
        const Json side = Json::array({"null", scalarType(bound, records)});
        return {{"type", "record"}, {"name", "__r" + std::to_string(records++)},
                {"fields", Json::array({{{"name", "start"}, {"type", side}}, {{"name", "end"}, {"type", side}}})}};
    }
    case TypeKind::Struct: {
        Json fields = Json::array();
        const std::string name = "__s" + std::to_string(records++);
        for (const auto& sub : f.fields) {
            Json t = scalarType(sub, records);
            if (sub.isRepeated()) t = {{"type", "array"}, {"items", t}};
            else if (sub.mode != Mode::Required) t = Json::array({"null", t});
            fields.push_back({{"name", sub.name}, {"type", t}});
        }
        return {{"type", "record"}, {"name", name}, {"fields", fields}};
    }
    }
    return "string";
}

void setText(avro_value_t* v, std::string_view s) {
    const std::string z(s); // libavro copies size bytes, its NUL among them
    check(avro_value_set_string_len(v, z.c_str(), z.size() + 1), "avro string");
}

void fill(avro_value_t* v, const Value* val, const Field& f, bool element);

void fillScalar(avro_value_t* v, const Value& val, const Field& f) {
    switch (f.type) {
    case TypeKind::Int64: check(avro_value_set_long(v, val.asInt64()), "avro long"); return;
    case TypeKind::Float64: check(avro_value_set_double(v, val.asDouble()), "avro double"); return;
    case TypeKind::Bool: check(avro_value_set_boolean(v, val.asBool()), "avro boolean"); return;
    case TypeKind::String:
    case TypeKind::Geography:
    case TypeKind::Json:
    case TypeKind::Interval: setText(v, val.asText()); return;
    case TypeKind::DateTime: setText(v, civil::formatDateTime(val.asInt64())); return;
    case TypeKind::Bytes: {
        const auto s = val.asText();
        check(avro_value_set_bytes(v, const_cast<char*>(s.data()), s.size()), "avro bytes");
        return;
    }
    case TypeKind::Numeric:
    case TypeKind::BigNumeric: {
        const bool big = f.type == TypeKind::BigNumeric;
        auto le = scaledBytes(val.asText(), big ? 38 : 9, big ? 32 : 16);
        if (!le) throw AvroError("the decimal " + std::string(val.asText()) + " does not fit Avro's decimal");
        std::string be(le->rbegin(), le->rend()); // Avro's decimals are big-endian
        check(avro_value_set_bytes(v, be.data(), be.size()), "avro decimal");
        return;
    }
    case TypeKind::Date: check(avro_value_set_int(v, static_cast<std::int32_t>(val.asInt64())), "avro date"); return;
    case TypeKind::Time:
    case TypeKind::Timestamp: check(avro_value_set_long(v, val.asInt64()), "avro long"); return;
    case TypeKind::Range:
    case TypeKind::Struct: {
        const bool range = f.type == TypeKind::Range;
        const std::size_t n = range ? 2 : f.fields.size();
        Field bound;
        bound.type = f.rangeElement;
        for (std::size_t i = 0; i < n; ++i) {
            avro_value_t child;
            check(avro_value_get_by_index(v, i, &child, nullptr), "avro record field");
            fill(&child, i < val.size() ? &val[i] : nullptr, range ? bound : f.fields[i], false);
        }
        return;
    }
    }
}

void fill(avro_value_t* v, const Value* val, const Field& f, bool element) {
    if (f.isRepeated() && !element) {
        if (val)
            for (const auto& item : val->items()) {
                avro_value_t child;
                check(avro_value_append(v, &child, nullptr), "avro array");
                fill(&child, &item, f, true);
            }
        return;
    }
    if (!element && f.mode != Mode::Required) {
        avro_value_t branch;
        const bool null = !val || val->isNull();
        check(avro_value_set_branch(v, null ? 0 : 1, &branch), "avro union");
        if (null) check(avro_value_set_null(&branch), "avro null");
        else fillScalar(&branch, *val, f);
        return;
    }
    if (!val || val->isNull()) throw AvroError("a REQUIRED " + f.name + " is NULL");
    fillScalar(v, *val, f);
}

} // namespace

std::string schemaJson(const Schema& schema) {
    Field root;
    root.type = TypeKind::Struct;
    root.mode = Mode::Required;
    root.fields = schema.fields;
    int records = 0;
    Json j = scalarType(root, records);
    j["name"] = "__root__";
    return j.dump();
}

struct Encoder::Impl {
    Field root;
    avro_schema_t schema = nullptr;
    avro_value_iface_t* iface = nullptr;
    avro_value_t value{};
    bool hasValue = false;
    ~Impl() {
        if (hasValue) avro_value_decref(&value);
        if (iface) avro_value_iface_decref(iface);
        if (schema) avro_schema_decref(schema);
    }
};

Encoder::Encoder(const Schema& schema) : d_(std::make_unique<Impl>()) {
    d_->root.type = TypeKind::Struct;
    d_->root.mode = Mode::Required;
    d_->root.fields = schema.fields;
    const std::string json = schemaJson(schema);
    if (avro_schema_from_json_length(json.data(), json.size(), &d_->schema) != 0) fail("libavro refused the schema");
    d_->iface = avro_generic_class_from_schema(d_->schema);
    if (!d_->iface) fail("libavro cannot make values of the schema");
    check(avro_generic_value_new(d_->iface, &d_->value), "avro value");
    d_->hasValue = true;
}

Encoder::~Encoder() = default;

std::string Encoder::encode(std::span<const Value> rows) {
    std::string out;
    std::string buf(64 * 1024, '\0');
    for (const auto& row : rows) {
        check(avro_value_reset(&d_->value), "avro reset");
        fill(&d_->value, &row, d_->root, false);
        std::size_t size = 0;
        check(avro_value_sizeof(&d_->value, &size), "avro size");
        if (size > buf.size()) buf.resize(size);
        avro_writer_t w = avro_writer_memory(buf.data(), static_cast<int64_t>(buf.size()));
        const int rc = avro_value_write(w, &d_->value);
        const auto written = avro_writer_tell(w);
        avro_writer_free(w);
        check(rc, "avro write");
        out.append(buf.data(), static_cast<std::size_t>(written));
    }
    return out;
}

} // namespace quarry::storageapi::avro
