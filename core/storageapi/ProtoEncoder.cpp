// SPDX-License-Identifier: MIT
#include "storageapi/ProtoEncoder.h"

#include "value/Civil.h"

#include <google/protobuf/descriptor.pb.h>

#include <cstring>

namespace quarry::storageapi {

namespace pb = google::protobuf;
using FDP = pb::FieldDescriptorProto;

namespace {

enum Wire { kVarint = 0, kFixed64 = 1, kBytes = 2 };

void varint(std::string& out, std::uint64_t v) {
    while (v >= 0x80) {
        out.push_back(static_cast<char>((v & 0x7F) | 0x80));
        v >>= 7;
    }
    out.push_back(static_cast<char>(v));
}
void tag(std::string& out, int number, Wire w) { varint(out, (static_cast<std::uint64_t>(number) << 3) | w); }

FDP::Type protoType(TypeKind t) {
    switch (t) {
    case TypeKind::Int64:
    case TypeKind::Time:
    case TypeKind::DateTime:
    case TypeKind::Timestamp: return FDP::TYPE_INT64;
    case TypeKind::Float64: return FDP::TYPE_DOUBLE;
    case TypeKind::Bool: return FDP::TYPE_BOOL;
    case TypeKind::Bytes: return FDP::TYPE_BYTES;
    case TypeKind::Date: return FDP::TYPE_INT32;
    case TypeKind::Struct:
    case TypeKind::Range: return FDP::TYPE_MESSAGE;
    default: return FDP::TYPE_STRING;
    }
}

/// CivilTimeEncoder's packed forms (see ProtoRowDecoder).
std::uint64_t packTime(std::int64_t micros) {
    const std::uint64_t m = static_cast<std::uint64_t>(micros);
    const std::uint64_t us = m % 1000000, s = m / 1000000;
    return ((s / 3600) << 32) | ((s / 60 % 60) << 26) | ((s % 60) << 20) | us;
}
std::uint64_t packDateTime(std::int64_t civilMicros) {
    const std::int64_t days = civil::floorDiv(civilMicros, civil::kMicrosPerDay);
    int y = 0;
    unsigned mo = 0, d = 0;
    civil::civilFromDays(days, y, mo, d);
    return (static_cast<std::uint64_t>(y) << 46) | (std::uint64_t(mo) << 42) | (std::uint64_t(d) << 37) |
           packTime(civilMicros - days * civil::kMicrosPerDay);
}

void describe(pb::DescriptorProto& m, const std::vector<Field>& fields) {
    int n = 0;
    for (const auto& f : fields) {
        auto* p = m.add_field();
        p->set_name(f.name);
        p->set_number(++n);
        p->set_type(protoType(f.type));
        p->set_label(f.isRepeated() ? FDP::LABEL_REPEATED : FDP::LABEL_OPTIONAL);
        if (f.type == TypeKind::Struct || f.type == TypeKind::Range) {
            auto* nested = m.add_nested_type();
            nested->set_name("QuarryNested" + std::to_string(n)); // a type name no column (field) of this message has
            p->set_type_name(nested->name()); // relative: resolved inside `m`
            if (f.type == TypeKind::Struct) {
                describe(*nested, f.fields);
            } else {
                for (int side = 1; side <= 2; ++side) {
                    auto* e = nested->add_field();
                    e->set_name(side == 1 ? "start" : "end");
                    e->set_number(side);
                    e->set_type(protoType(f.rangeElement));
                    e->set_label(FDP::LABEL_OPTIONAL);
                }
            }
        }
    }
}

void scalar(std::string& out, int number, const Field& f, TypeKind type, const Value& v);

void message(std::string& out, const std::vector<Field>& fields, const Value& row) {
    for (std::size_t i = 0; i < fields.size() && i < row.size(); ++i) {
        const auto& f = fields[i];
        const Value& v = row[i];
        const int number = static_cast<int>(i + 1);
        if (v.isNull()) continue;
        if (f.isRepeated()) {
            for (const auto& e : v.items())
                if (!e.isNull()) scalar(out, number, f, f.type, e);
        } else {
            scalar(out, number, f, f.type, v);
        }
    }
}

void lengthDelimited(std::string& out, int number, std::string_view body) {
    tag(out, number, kBytes);
    varint(out, body.size());
    out.append(body);
}

void scalar(std::string& out, int number, const Field& f, TypeKind type, const Value& v) {
    switch (type) {
    case TypeKind::Int64:
    case TypeKind::Timestamp:
        tag(out, number, kVarint);
        varint(out, static_cast<std::uint64_t>(v.asInt64()));
        return;
    case TypeKind::Date: // int32: negative values are sign-extended to ten bytes, as protobuf writes them
        tag(out, number, kVarint);
        varint(out, static_cast<std::uint64_t>(static_cast<std::int64_t>(static_cast<std::int32_t>(v.asInt64()))));
        return;
    case TypeKind::Time:
        tag(out, number, kVarint);
        varint(out, packTime(v.asInt64()));
        return;
    case TypeKind::DateTime:
        tag(out, number, kVarint);
        varint(out, packDateTime(v.asInt64()));
        return;
    case TypeKind::Bool:
        tag(out, number, kVarint);
        varint(out, v.asBool() ? 1 : 0);
        return;
    case TypeKind::Float64: {
        tag(out, number, kFixed64);
        const double d = v.asDouble();
        char b[8];
        std::memcpy(b, &d, 8); // little-endian machines only, as protobuf's wire format is
        out.append(b, 8);
        return;
    }
    case TypeKind::Struct: {
        std::string body;
        message(body, f.fields, v);
        lengthDelimited(out, number, body);
        return;
    }
    case TypeKind::Range: {
        std::string body;
        for (int side = 0; side < 2 && static_cast<std::size_t>(side) < v.size(); ++side)
            if (!v[static_cast<std::size_t>(side)].isNull()) scalar(body, side + 1, f, f.rangeElement, v[static_cast<std::size_t>(side)]);
        lengthDelimited(out, number, body);
        return;
    }
    default:
        lengthDelimited(out, number, v.asText());
        return;
    }
}

bool identifier(const std::string& s) {
    if (s.empty() || (s[0] >= '0' && s[0] <= '9')) return false;
    for (const char c : s)
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return false;
    return true;
}

std::optional<std::string> firstOdd(const std::vector<Field>& fields, const std::string& path) {
    for (const auto& f : fields) {
        const std::string p = path.empty() ? f.name : path + "." + f.name;
        if (!identifier(f.name)) return "column " + p + " has a name a protobuf field cannot have";
        if (f.type == TypeKind::Struct)
            if (auto r = firstOdd(f.fields, p)) return r;
    }
    return std::nullopt;
}

} // namespace

ProtoEncoder::ProtoEncoder(Schema schema) : schema_(std::move(schema)) {}

std::optional<std::string> ProtoEncoder::unsupported(const Schema& schema) { return firstOdd(schema.fields, ""); }

pb::DescriptorProto ProtoEncoder::writerSchema() const {
    pb::DescriptorProto m;
    m.set_name("Row");
    describe(m, schema_.fields);
    return m;
}

void ProtoEncoder::encode(const Value& row, std::string& out) const { message(out, schema_.fields, row); }

} // namespace quarry::storageapi
