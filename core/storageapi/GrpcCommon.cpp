// SPDX-License-Identifier: MIT
#include "storageapi/GrpcCommon.h"

#include "sandbox/Auth.h"

namespace quarry::storageapi {

using grpc::Status;
using grpc::StatusCode;

namespace {

/// A message or entity cut to fit gRPC's trailers (8 KB of metadata by default, and the text is
/// percent-encoded there): a refusal that echoes a hostile 100 KB name must still arrive.
std::string clipped(const std::string& s) {
    constexpr std::size_t kMax = 1024;
    if (s.size() <= kMax) return s;
    std::size_t cut = kMax;
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut; // not inside a UTF-8 sequence
    return s.substr(0, cut) + "...";
}

v1::TableFieldSchema::Type fieldType(TypeKind k) {
    using T = v1::TableFieldSchema;
    switch (k) {
    case TypeKind::Int64: return T::INT64;
    case TypeKind::Float64: return T::DOUBLE;
    case TypeKind::Numeric: return T::NUMERIC;
    case TypeKind::BigNumeric: return T::BIGNUMERIC;
    case TypeKind::Bool: return T::BOOL;
    case TypeKind::String: return T::STRING;
    case TypeKind::Bytes: return T::BYTES;
    case TypeKind::Date: return T::DATE;
    case TypeKind::Time: return T::TIME;
    case TypeKind::DateTime: return T::DATETIME;
    case TypeKind::Timestamp: return T::TIMESTAMP;
    case TypeKind::Geography: return T::GEOGRAPHY;
    case TypeKind::Json: return T::JSON;
    case TypeKind::Interval: return T::INTERVAL;
    case TypeKind::Range: return T::RANGE;
    case TypeKind::Struct: return T::STRUCT;
    }
    return T::TYPE_UNSPECIFIED;
}

} // namespace

void fillFields(google::protobuf::RepeatedPtrField<v1::TableFieldSchema>* out, const std::vector<Field>& fields) {
    for (const auto& f : fields) {
        auto* p = out->Add();
        p->set_name(f.name);
        p->set_type(fieldType(f.type));
        p->set_mode(f.mode == Mode::Required   ? v1::TableFieldSchema::REQUIRED
                    : f.mode == Mode::Repeated ? v1::TableFieldSchema::REPEATED
                                               : v1::TableFieldSchema::NULLABLE);
        if (!f.description.empty()) p->set_description(f.description);
        if (f.type == TypeKind::Range) p->mutable_range_element_type()->set_type(fieldType(f.rangeElement));
        if (f.type == TypeKind::Struct) fillFields(p->mutable_fields(), f.fields);
    }
}

void fillTimestamp(google::protobuf::Timestamp* ts, std::int64_t ms) {
    ts->set_seconds(ms / 1000);
    ts->set_nanos(static_cast<int>(ms % 1000) * 1000000);
}

v1::StorageError storageError(const WriteError& e) {
    v1::StorageError s;
    s.set_code(static_cast<v1::StorageError_StorageErrorCode>(static_cast<int>(e.storage)));
    s.set_entity(clipped(e.entity));
    s.set_error_message(clipped(e.message));
    return s;
}

Status toStatus(const WriteError& e) {
    google::rpc::Status rich;
    rich.set_code(static_cast<int>(e.code));
    rich.set_message(clipped(e.message));
    if (e.storage != StorageCode::Unspecified) rich.add_details()->PackFrom(storageError(e));
    return Status(static_cast<StatusCode>(e.code), clipped(e.message), rich.SerializeAsString());
}

void fillError(google::rpc::Status* out, const WriteError& e) {
    out->set_code(static_cast<int>(e.code));
    out->set_message(clipped(e.message));
    if (e.storage != StorageCode::Unspecified) out->add_details()->PackFrom(storageError(e));
}

Status signIn(grpc::ServerContext* ctx, sandbox::SandboxAuth* auth) {
    if (!auth) return Status::OK;
    const auto& md = ctx->client_metadata();
    const auto it = md.find("authorization");
    const std::string header = it == md.end() ? std::string() : std::string(it->second.data(), it->second.size());
    const auto a = auth->authorize(header, "https://bigquerystorage.googleapis.com/");
    if (a.ok()) return Status::OK;
    std::string message = "Request had invalid authentication credentials.";
    if (a.body.contains("error") && a.body["error"].contains("message")) message = a.body["error"]["message"].get<std::string>();
    return Status(StatusCode::UNAUTHENTICATED, message);
}

} // namespace quarry::storageapi
