// SPDX-License-Identifier: MIT
#include "storageapi/ProtoRows.h"

#include "storageapi/ProtoRowsPlan.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>

#include <algorithm>

namespace quarry::storageapi {

namespace pb = google::protobuf;
using FD = pb::FieldDescriptor;
using detail::Plan;

namespace {


bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const auto x = static_cast<unsigned char>(a[i]), y = static_cast<unsigned char>(b[i]);
        if (std::tolower(x) != std::tolower(y)) return false;
    }
    return true;
}

/// proto3 descriptors arrive too; read as proto2 (presence for every singular field), their
/// `optional` marks and the synthetic oneofs made for them go.
void asProto2(pb::DescriptorProto& m) {
    for (auto& f : *m.mutable_field()) {
        if (f.proto3_optional()) {
            f.clear_proto3_optional();
            f.clear_oneof_index();
        }
    }
    // Oneofs left without a member would be refused; keep only those still used.
    std::vector<bool> used(static_cast<std::size_t>(m.oneof_decl_size()), false);
    for (const auto& f : m.field())
        if (f.has_oneof_index() && f.oneof_index() >= 0 && f.oneof_index() < m.oneof_decl_size()) used[static_cast<std::size_t>(f.oneof_index())] = true;
    if (std::find(used.begin(), used.end(), false) != used.end()) {
        std::vector<int> renumber(used.size(), -1);
        pb::RepeatedPtrField<pb::OneofDescriptorProto> kept;
        for (std::size_t i = 0; i < used.size(); ++i)
            if (used[i]) {
                renumber[i] = kept.size();
                *kept.Add() = m.oneof_decl(static_cast<int>(i));
            }
        m.mutable_oneof_decl()->Swap(&kept);
        for (auto& f : *m.mutable_field()) // (an index out of range is left for the pool to refuse)
            if (f.has_oneof_index() && f.oneof_index() >= 0 && static_cast<std::size_t>(f.oneof_index()) < renumber.size())
                f.set_oneof_index(renumber[static_cast<std::size_t>(f.oneof_index())]);
    }
    for (auto& n : *m.mutable_nested_type()) asProto2(n);
}

std::string protoTypeName(const FD* f) {
    return f->type() == FD::TYPE_MESSAGE || f->type() == FD::TYPE_GROUP ? std::string(f->message_type()->full_name())
                                                                          : std::string(f->type_name());
}

bool isWrapper(const pb::Descriptor* m) {
    return m->file()->name() == "google/protobuf/wrappers.proto";
}
bool isTimestampMessage(const pb::Descriptor* m) { return m->full_name() == "google.protobuf.Timestamp"; }

/// Whether a proto field of this C++ type (or well-known message) can hold the column's type.
bool compatible(const FD* f, TypeKind t) {
    const auto ct = f->cpp_type();
    if (ct == FD::CPPTYPE_MESSAGE) {
        const auto* m = f->message_type();
        if (t == TypeKind::Struct || t == TypeKind::Range) return !isWrapper(m) && !isTimestampMessage(m);
        if (isTimestampMessage(m)) return t == TypeKind::Timestamp;
        if (isWrapper(m)) return compatible(m->FindFieldByName("value"), t);
        return false;
    }
    const bool integer = ct == FD::CPPTYPE_INT32 || ct == FD::CPPTYPE_INT64 || ct == FD::CPPTYPE_UINT32 || ct == FD::CPPTYPE_UINT64;
    const bool floating = ct == FD::CPPTYPE_DOUBLE || ct == FD::CPPTYPE_FLOAT;
    const bool text = ct == FD::CPPTYPE_STRING;
    switch (t) {
    case TypeKind::Int64: return integer || ct == FD::CPPTYPE_ENUM;
    case TypeKind::Float64: return floating;
    case TypeKind::Bool: return ct == FD::CPPTYPE_BOOL || integer;
    case TypeKind::String: return (text && f->type() == FD::TYPE_STRING) || ct == FD::CPPTYPE_ENUM;
    case TypeKind::Bytes: return text;
    case TypeKind::Numeric:
    case TypeKind::BigNumeric: return integer || floating || text;
    case TypeKind::Date: return ct == FD::CPPTYPE_INT32 || ct == FD::CPPTYPE_INT64 || text;
    case TypeKind::Time:
    case TypeKind::DateTime: return ct == FD::CPPTYPE_INT64 || text;
    case TypeKind::Timestamp: return ct == FD::CPPTYPE_INT64 || ct == FD::CPPTYPE_INT32 || ct == FD::CPPTYPE_UINT32 || text;
    case TypeKind::Geography:
    case TypeKind::Json:
    case TypeKind::Interval: return text && f->type() == FD::TYPE_STRING;
    case TypeKind::Struct:
    case TypeKind::Range: return false;
    }
    return false;
}

} // namespace

void detail::Plan::index() {
    std::uint64_t most = 0;
    for (const auto& s : slots)
        if (s.field) most = std::max<std::uint64_t>(most, static_cast<std::uint64_t>(s.field->number()));
    dense.assign(std::min<std::uint64_t>(most, 4096) + 1, -1);
    for (std::size_t i = 0; i < slots.size(); ++i) {
        if (!slots[i].field) continue;
        slots[i].wire = wireTypeOf(slots[i].field);
        slots[i].repeated = slots[i].field->is_repeated();
        const auto n = static_cast<std::uint64_t>(slots[i].field->number());
        if (n < dense.size()) dense[n] = static_cast<int>(i);
        else sparse[static_cast<int>(n)] = static_cast<int>(i);
    }
}

struct ProtoRowDecoder::Impl {
    pb::DescriptorPool pool{pb::DescriptorPool::generated_pool()};
    const pb::Descriptor* root = nullptr;
    Plan plan;

    void build(Plan& out, const pb::Descriptor* msg, const std::vector<Field>& columns, const std::string& path, int depth) {
        if (depth > kMaxNestingDepth + 1) throw SchemaMismatch("The writer schema nests deeper than BigQuery allows at " + path + ".");
        for (int i = 0; i < msg->field_count(); ++i) {
            const FD* f = msg->field(i);
            const bool known = std::any_of(columns.begin(), columns.end(), [&](const Field& c) { return iequals(c.name, f->name()); });
            if (known) continue;
            const std::string name = path.empty() ? std::string(f->name()) : path + "." + std::string(f->name());
            if (iequals(f->name(), "_CHANGE_TYPE") || iequals(f->name(), "_CHANGE_SEQUENCE_NUMBER"))
                throw SchemaMismatch("Change data capture (" + std::string(f->name()) + ") is not supported by the sandbox yet.");
            throw SchemaMismatch("Input schema has more fields than BigQuery schema, extra fields: '" + name + "'");
        }
        for (const auto& c : columns) {
            Plan::Slot s;
            s.column = &c;
            for (int i = 0; i < msg->field_count(); ++i)
                if (iequals(msg->field(i)->name(), c.name)) s.field = msg->field(i);
            const std::string name = path.empty() ? c.name : path + "." + c.name;
            if (s.field) {
                const bool repeated = s.field->is_repeated();
                if (repeated != c.isRepeated() || !compatible(s.field, c.type))
                    throw SchemaMismatch("The proto field mismatched with BigQuery field at " + name + ", the proto field type " +
                                         std::string(repeated ? "repeated " : "") + protoTypeName(s.field) +
                                         ", BigQuery field type " + c.typeDescription());
                if (c.type == TypeKind::Struct) {
                    s.child = std::make_unique<Plan>();
                    build(*s.child, s.field->message_type(), c.fields, name, depth + 1);
                } else if (c.type == TypeKind::Range) {
                    s.child = std::make_unique<Plan>();
                    const auto* m = s.field->message_type();
                    for (const char* side : {"start", "end"}) {
                        const FD* sf = m->FindFieldByName(side);
                        if (!sf || sf->is_repeated() || !compatible(sf, c.rangeElement))
                            throw SchemaMismatch("The proto message for RANGE field " + name + " needs a '" + side + "' field of its element type.");
                        s.child->slots.push_back({nullptr, sf, nullptr});
                    }
                    for (int i = 0; i < m->field_count(); ++i)
                        if (m->field(i)->name() != "start" && m->field(i)->name() != "end")
                            throw SchemaMismatch("Input schema has more fields than BigQuery schema, extra fields: '" + name + "." +
                                                 std::string(m->field(i)->name()) + "'");
                    s.child->index();
                }
            }
            out.slots.push_back(std::move(s));
        }
        out.index();
    }
};

ProtoRowDecoder::ProtoRowDecoder(const pb::DescriptorProto& writer, const Schema& table) : d_(std::make_unique<Impl>()) {
    pb::FileDescriptorProto file;
    file.set_name("quarry_writer_schema.proto");
    file.set_syntax("proto2");
    file.add_dependency("google/protobuf/wrappers.proto");
    file.add_dependency("google/protobuf/timestamp.proto");
    *file.add_message_type() = writer;
    asProto2(*file.mutable_message_type(0));
    if (file.message_type(0).name().empty()) throw SchemaMismatch("The writer schema's message has no name.");
    struct Collector : pb::DescriptorPool::ErrorCollector {
        std::string first;
        void AddError(const std::string& element, const std::string&, const pb::Message*, ErrorLocation,
                      const std::string& message) override {
            if (first.empty()) first = element + ": " + message;
        }
    } errors;
    const pb::FileDescriptor* fd = d_->pool.BuildFileCollectingErrors(file, &errors);
    if (!fd) throw SchemaMismatch("Invalid proto schema (it must be self-contained: nested types only): " + errors.first);
    d_->root = fd->message_type(0);
    d_->build(d_->plan, d_->root, table.fields, "", 1);
}

ProtoRowDecoder::~ProtoRowDecoder() = default;

std::optional<Value> ProtoRowDecoder::decode(std::string_view bytes, std::string& error) const {
    Value out;
    if (!detail::decodeMessage(bytes, d_->plan, out, error)) return std::nullopt;
    return out;
}

} // namespace quarry::storageapi
