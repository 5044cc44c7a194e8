// SPDX-License-Identifier: MIT
#include "storageapi/ProtoEncoder.h"

#include "value/WireFormat.h"

#include <google/protobuf/descriptor.pb.h>

namespace quarry::storageapi {

namespace pb = google::protobuf;
using FDP = pb::FieldDescriptorProto;

namespace {

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

void ProtoEncoder::encode(const Value& row, std::string& out) const { wire::message(out, schema_.fields, row); }

} // namespace quarry::storageapi
